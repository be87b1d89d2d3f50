"""``reach list --exposure``: the connection list, then the exposure section, per format.

- txt: the list, a blank line (none when the list is empty), then the section in
  the grammar of ``list --exposure`` (docs/queries.md, "Representatives");
- json: the list's document with one more key, ``exposure`` (``egress``,
  ``ingress``, ``unprotected``; docs/json-schema.md);
- csv: the list's table, a blank line, then a second table
  ``section,node,direction,peer,peer_type,ports``;
- md: the list's table, then ``### Exposure`` with a table, and
  ``### Not protected by network policies`` with a list.
"""

from __future__ import annotations

import csv as csvlib
from typing import TextIO

from reach.analysis.exposure_section import ExposureSection
from reach.analysis.views import View
from reach.output.formats import ListFormat
from reach.output.listing import csv, json, md, txt
from reach.output.markdown import cell


class _Watched:
    """A text stream that remembers whether anything was written to it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.written = False

    def write(self, text: str) -> int:
        self.written = self.written or bool(text)
        return self.out.write(text)

    def writelines(self, lines: object) -> None:
        for line in lines:  # type: ignore[attr-defined]
            self.write(line)


def render(view: View, section: ExposureSection, fmt: ListFormat, out: TextIO) -> None:
    """Write the connection list of ``view`` and then ``section`` in ``fmt``."""
    if fmt is ListFormat.JSON:
        json.render(view, out, extra={"exposure": section.to_dict()})
    elif fmt is ListFormat.TXT:
        watched = _Watched(out)
        txt.render(view, watched)  # type: ignore[arg-type]
        if watched.written:
            out.write("\n")
        out.writelines(section.text_lines())
    elif fmt is ListFormat.CSV:
        csv.render(view, out)
        _csv(section, out)
    else:
        md.render(view, out)
        _md(section, out)


def _csv(section: ExposureSection, out: TextIO) -> None:
    w = csvlib.writer(out, lineterminator="\n")
    out.write("\n")
    w.writerow(["section", "node", "direction", "peer", "peer_type", "ports"])
    for x in section.lines:
        w.writerow(["exposure", x.node.id, x.direction, x.peer, x.peer_type, x.conns])
    for node, direction in section.unprotected:
        w.writerow(["unprotected", node.id, direction.lower(), "", "", ""])


def _md(section: ExposureSection, out: TextIO) -> None:
    out.write("\n### Exposure\n\n| node | direction | peer | ports |\n|---|---|---|---|\n")
    for x in section.lines:
        out.write(f"| {cell(x.node.id)} | {x.direction} | {cell(x.peer)} | {cell(x.conns)} |\n")
    if section.unprotected:
        out.write("\n### Not protected by network policies\n\n")
        for node, direction in section.unprotected:
            out.write(f"- {cell(node.id)} is not protected on {direction}\n")
