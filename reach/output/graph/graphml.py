"""GraphML of an export graph (see :meth:`reach.Reach.export_graph`) for Gephi, yEd and graph DBs.

GraphML attributes are scalars, so:

- ``ports`` is the text form (``TCP 5432``, ``All Connections``) and
  ``all_ports`` says whether every port is allowed;
- ``labels`` (a mapping) and ``egress_policies``/``ingress_policies`` (lists)
  are JSON text;
- attributes without a value (``workload`` of a lone pod's node, say) are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import networkx as nx

from reach.analysis.graph import NODE
from reach.model.ports import PortSet


def scalar_graph(g: nx.DiGraph, *, policies: bool = True) -> nx.DiGraph:
    """A copy of ``g`` whose attributes are all str, int, float or bool."""
    out: nx.DiGraph = nx.DiGraph()
    out.graph.update({k: _scalar(v) for k, v in g.graph.items() if v is not None})
    for node, attrs in g.nodes(data=True):
        out.add_node(
            node, **{k: _scalar(v) for k, v in attrs.items() if v is not None and k != NODE}
        )
    for s, d, attrs in g.edges(data=True):
        out.add_edge(s, d, **edge_fields(attrs, policies=policies, as_json_text=True))
    return out


def edge_fields(
    attrs: dict[str, object], *, policies: bool, as_json_text: bool
) -> dict[str, object]:
    """``ports`` as text, ``all_ports``, and (when asked) the policies on each side."""
    ports = attrs["ports"]
    assert isinstance(ports, PortSet)
    out: dict[str, object] = {"ports": str(ports), "all_ports": ports.is_all()}
    pol = attrs.get("policies")
    if policies and pol is not None:
        for side in ("egress", "ingress"):
            names = list(pol[side])  # type: ignore[index]
            out[f"{side}_policies"] = json.dumps(names) if as_json_text else names
    for k, v in attrs.items():
        if k not in ("ports", "policies") and v is not None:
            out[k] = _scalar(v) if as_json_text else v
    return out


def _scalar(value: object) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=isinstance(value, dict))
    return str(value)


def write(g: nx.DiGraph, path: str | Path | IO[bytes], *, policies: bool = True) -> None:
    """Write ``g`` as GraphML to a path or a binary file."""
    nx.write_graphml(scalar_graph(g, policies=policies), path, named_key_ids=True)
