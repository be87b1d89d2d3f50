"""CSV with the header ``change,src,dst,old,new,added,removed``.

A node on one side only is a row with ``change`` ``<granularity>-added`` or
``-removed`` and its id as ``src``. Diagnostics follow the rows as ``# `` comment lines.
"""

from __future__ import annotations

import csv
from typing import TextIO

from reach.analysis.diff import DiffReport
from reach.model.ports import PortSet
from reach.output.diagnostics import Diags, comment_lines


def render(report: DiffReport, out: TextIO, diagnostics: Diags = ()) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["change", "src", "dst", "old", "new", "added", "removed"])
    for n in report.nodes:
        what = n.node.type if n.node.type in ("pseudo", "networkset") else report.by
        w.writerow([f"{what}-{n.change}", n.node.id, "", "", "", "", ""])
    for e in report.edges:
        w.writerow(
            [e.change, e.src, e.dst, *map(_text, (e.old, e.new, e.added_ports, e.removed_ports))]
        )
    out.writelines(c + "\n" for c in comment_lines(diagnostics))


def _text(ports: PortSet) -> str:
    """The text form of ``ports``; empty for none."""
    return str(ports) if ports else ""
