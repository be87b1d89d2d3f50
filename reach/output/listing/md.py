"""A Markdown table, for pull-request comments and docs; then the diagnostics."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.listing import table_chunks
from reach.analysis.views import View
from reach.output.diagnostics import Diags, markdown_lines
from reach.output.markdown import cell


def render(view: View, out: TextIO, diagnostics: Diags = ()) -> None:
    out.write("| src | dst | ports |\n|---|---|---|\n")
    _, chunks = table_chunks(view)
    for rows in chunks:
        for s, d, p in rows:
            out.write(f"| {cell(s.id)} | {cell(d.id)} | {cell(p)} |\n")
    out.writelines(m + "\n" for m in markdown_lines(diagnostics))
