"""JSON with a stable schema (``docs/json-schema.md``): nodes and edges with structured ports.

Written as a stream, one node or edge per line: ``json.dump`` of a million-edge
document would cost more than the whole analysis.
"""

from __future__ import annotations

import json
from typing import TextIO

from reach.analysis.l7marks import l7_marks
from reach.analysis.listing import Table, table_chunks
from reach.analysis.views import View
from reach.output.diagnostics import Diags, as_json

SCHEMA = "reach/connections/v1"


def render(
    view: View, out: TextIO, diagnostics: Diags = (), extra: dict[str, object] | None = None
) -> None:
    """The document; ``extra`` adds top-level keys after the edges (``exposure``)."""
    all_nodes, chunks = table_chunks(view)
    nodes = {n.id: n for n in all_nodes}
    quoted = [json.dumps(n.id) for n in all_nodes]
    fragments: list[str] = []  # per port-set id; ids interned while streaming come later

    def grow(rows: Table) -> None:
        done = len(fragments)  # a table's own port sets (the controller's) follow the engine's
        for p, t in zip(rows.portsets[done:], rows.texts[done:], strict=True):
            fragments.append(
                f'"all": {json.dumps(p.is_all())}, "ports": {json.dumps(p.to_json())}, '
                f'"text": {json.dumps(t)}'
            )

    out.write(f'{{\n "schema": "{SCHEMA}",\n "granularity": {json.dumps(view.by)},\n "nodes": [\n')
    out.write(",\n".join("  " + json.dumps(nodes[k].to_json()) for k in sorted(nodes)))
    out.write('\n ],\n "edges": [\n')
    sep = "  "
    for rows in chunks:
        grow(rows)
        for s, d, p in zip(rows.src.tolist(), rows.dst.tolist(), rows.ports.tolist(), strict=True):
            out.write(f'{sep}{{"src": {quoted[s]}, "dst": {quoted[d]}, {fragments[p]}}}')
            sep = ",\n  "
    keys = as_json(diagnostics)
    out.write("\n ],\n")
    marks = l7_marks(view)
    if marks.marks:  # Cilium L7 rules: present only when some filter a listed connection
        filtered = {"connections": [m.to_dict() for m in marks.marks], "more": marks.more}
        out.write(f' "l7_filtered": {json.dumps(filtered)},\n')
    for key, value in (extra or {}).items():
        out.write(f" {json.dumps(key)}: {json.dumps(value)},\n")
    out.write(f' "warnings": {json.dumps(keys["warnings"])},\n')
    out.write(f' "diagnostics": {json.dumps(keys["diagnostics"])}\n}}\n')
