"""JSON with a stable schema (``docs/json-schema.md``): nodes and edges with structured ports."""

from __future__ import annotations

import json
from typing import TextIO

from ..connections import View
from . import table

SCHEMA = "reach/connections/v1"


def render(view: View, out: TextIO) -> None:
    rows = table(view)
    nodes = {n.id: n for n in view.nodes[: view.n_internal]}
    for s, d, _ in rows:
        nodes.setdefault(s.id, s)
        nodes.setdefault(d.id, d)
    doc = {
        "schema": SCHEMA,
        "granularity": view.by,
        "nodes": [nodes[k].to_json() for k in sorted(nodes)],
        "edges": [
            {"src": s.id, "dst": d.id, "all": p.is_all(), "ports": p.to_json(), "text": str(p)}
            for s, d, p in rows
        ],
        "warnings": list(view.reach.cluster.warnings),
    }
    json.dump(doc, out, indent=1)
    out.write("\n")
