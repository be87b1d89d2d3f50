"""``reach blast-radius`` and ``reach exposure`` in Markdown: the summary line, the nodes
within reach, the entry points from the internet and the potential peers, as tables."""

from __future__ import annotations

from typing import TextIO

from reach.analysis.radius import Radius
from reach.output.markdown import cell


def render(result: Radius, out: TextIO) -> None:
    first, *rest = str(result).splitlines()
    out.write(f"### {cell(first)}\n\n")
    for line in rest:
        if line.startswith("!! "):
            out.write(f"**{cell(line[3:])}**\n\n")
    out.write("| hops | node | ports | via |\n|---|---|---|---|\n")
    for e in result.entries:
        node = cell(e.node.id) + (" (internet)" if e.internet else "")
        out.write(f"| {e.hops} | {node} | {cell(e.ports)} | {cell(e.via or '')} |\n")
    if result.entry_routes:
        out.write("\n#### Entry points from the internet\n\n")
        out.write("| entry point | through | node entered | ports | then hops |\n")
        out.write("|---|---|---|---|---|\n")
        for r in result.entry_routes:
            out.write(
                f"| {cell(r.via)} | {cell(r.hop or '')} | {cell(r.node.id)} | "
                f"{cell(r.ports)} | {r.hops} |\n"
            )
    if result.potential is not None:
        verb = "may reach" if result.direction == "forward" else "may be reached from"
        out.write(f"\n#### Pods that do not exist yet ({verb}, one hop)\n\n")
        out.write("| pods | peer | ports |\n|---|---|---|\n")
        for p in result.potential:
            out.write(f"| {cell(p.description)} | `{cell(p.peer)}` | {cell(p.conns)} |\n")
