"""JSON with a stable schema (``docs/json-schema.md``): nodes and edges with structured ports."""

from __future__ import annotations

import json
from typing import TextIO

from ..connections import View
from . import rows

SCHEMA = "reach/connections/v1"


def render(view: View, out: TextIO) -> None:
    doc = {
        "schema": SCHEMA,
        "granularity": view.by,
        "nodes": [n.to_json() for n in sorted(view.nodes, key=lambda n: n.id)],
        "edges": [
            {"src": s.id, "dst": d.id, "all": p.is_all(), "ports": p.to_json(), "text": str(p)}
            for s, d, p in rows(view)
        ],
        "warnings": list(view.reach.cluster.warnings),
    }
    json.dump(doc, out, indent=1)
    out.write("\n")
