"""A Markdown table, for pull-request comments and docs."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.listing import table_chunks
from reach.analysis.views import View
from reach.output.markdown import cell


def render(view: View, out: TextIO) -> None:
    out.write("| src | dst | ports |\n|---|---|---|\n")
    _, chunks = table_chunks(view)
    for rows in chunks:
        for s, d, p in rows:
            out.write(f"| {cell(s.id)} | {cell(d.id)} | {cell(p)} |\n")
