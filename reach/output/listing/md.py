"""A Markdown table, for pull-request comments and docs; then the connections Cilium L7
rules filter, and the diagnostics."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.l7marks import l7_marks
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
    marks = l7_marks(view)
    if marks.marks:
        out.write("\n### L7 filtered\n\n| src | dst | ports | rule | L7 |\n|---|---|---|---|---|\n")
        for m in marks.marks:
            out.write(
                f"| {cell(m.src.id)} | {cell(m.dst.id)} | {cell(str(m.ports))} | {cell(m.rule)} "
                f"| {cell(m.summary + (f' ({m.effect})' if m.effect else ''))} |\n"
            )
        if marks.more:
            out.write(f"\n{marks.more} more L7-filtered connections not listed.\n")
    out.writelines(m + "\n" for m in markdown_lines(diagnostics))
