"""JSON with a stable schema (``docs/json-schema.md``): nodes and edges with structured ports.

Written as a stream, one node or edge per line: ``json.dump`` of a million-edge
document would cost more than the whole analysis.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..connections import View
from . import table

SCHEMA = "reach/connections/v1"


def render(view: View, out: TextIO) -> None:
    rows = table(view)
    nodes = {n.id: n for n in view.nodes[: view.n_internal]}
    used = set(rows.src.tolist()) | set(rows.dst.tolist())
    for i in sorted(used):
        nodes.setdefault(rows.nodes[i].id, rows.nodes[i])
    quoted = [json.dumps(n.id) for n in rows.nodes]
    fragments = [
        f'"all": {json.dumps(p.is_all())}, "ports": {json.dumps(p.to_json())}, '
        f'"text": {json.dumps(t)}'
        for p, t in zip(rows.portsets, rows.texts, strict=True)
    ]
    out.write(f'{{\n "schema": "{SCHEMA}",\n "granularity": {json.dumps(view.by)},\n "nodes": [\n')
    out.write(",\n".join("  " + json.dumps(nodes[k].to_json()) for k in sorted(nodes)))
    out.write('\n ],\n "edges": [\n')
    first = True
    for s, d, p in zip(rows.src.tolist(), rows.dst.tolist(), rows.ports.tolist(), strict=True):
        out.write(
            ("  " if first else ",\n  ")
            + f'{{"src": {quoted[s]}, "dst": {quoted[d]}, {fragments[p]}}}'
        )
        first = False
    out.write(f'\n ],\n "warnings": {json.dumps(list(view.reach.cluster.warnings))}\n}}\n')
