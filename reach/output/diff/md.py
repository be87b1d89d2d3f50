"""Markdown for a pull-request comment: the counts, then tables of nodes and connections,
then the diagnostics of both sides."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.diff import DiffReport
from reach.output.diagnostics import Diags, markdown_lines
from reach.output.markdown import cell

ICONS = {"added": "➕", "removed": "➖", "changed": "✏️"}


def render(report: DiffReport, out: TextIO, diagnostics: Diags = ()) -> None:
    lines = [f"## reach diff: `{cell(report.old)}` → `{cell(report.new)}` (by {report.by})", ""]
    if report.empty:
        out.write("\n".join([*lines, "No differences.", *markdown_lines(diagnostics)]) + "\n")
        return
    lines += [f"**{report.summary()}**", ""]
    if report.nodes:
        lines += [f"| | {report.by} | pods |", "|---|---|---|"]
        for n in report.nodes:
            lines.append(f"| {ICONS[n.change]} | {cell(n.node.id)} | {n.node.pods or ''} |")
        lines.append("")
    if report.edges:
        lines += ["| | from | to | before | after |", "|---|---|---|---|---|"]
        for e in report.edges:
            old = cell(e.old) if e.old else ""
            new = cell(e.new) if e.new else ""
            lines.append(f"| {ICONS[e.change]} | {cell(e.src)} | {cell(e.dst)} | {old} | {new} |")
    out.write("\n".join([*lines, *markdown_lines(diagnostics)]) + "\n")
