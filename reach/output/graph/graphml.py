"""GraphML of an export graph (see :meth:`reach.Reach.export_graph`) for Gephi, yEd and graph DBs.

GraphML attributes are scalars, so:

- ``ports`` is the text form (``TCP 5432``, ``All Connections``) and
  ``all_ports`` says whether every port is allowed;
- ``labels`` (a mapping) and ``egress_policies``/``ingress_policies`` (lists)
  are JSON text;
- attributes without a value (``workload`` of a lone pod's node, say) are left out;
- the graph attributes ``diagnostics`` and ``warnings`` hold the load's diagnostics
  (JSON text, as in the JSON outputs);
- text XML cannot hold (control characters, lone surrogates) is written as Python
  escapes (``\\x1b``), as in txt (:mod:`reach.output.escape`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import networkx as nx

from reach.analysis.graph import NODE
from reach.model.ports import PortSet
from reach.output.diagnostics import GRAPH_KEY, Diags, as_json, carried
from reach.output.escape import escape


def scalar_graph(g: nx.DiGraph, *, policies: bool = True, diagnostics: Diags = ()) -> nx.DiGraph:
    """A copy of ``g`` whose attributes are all str, int, float or bool; ``diagnostics``
    become the graph attributes ``diagnostics`` and ``warnings`` (JSON text)."""
    out: nx.DiGraph = nx.DiGraph()
    attrs = graph_attributes(g, diagnostics)
    out.graph.update({k: _scalar(v) for k, v in attrs.items() if v is not None})
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


def graph_attributes(g: nx.DiGraph, diagnostics: Diags) -> dict[str, object]:
    """The graph's attributes, with ``diagnostics`` and ``warnings`` as :func:`as_json`
    gives them in place of those it carried."""
    return {**{k: v for k, v in g.graph.items() if k != GRAPH_KEY}, **as_json(diagnostics)}


def _scalar(value: object) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=isinstance(value, dict))
    return str(value)


def write(
    g: nx.DiGraph,
    path: str | Path | IO[bytes],
    *,
    policies: bool = True,
    diagnostics: Diags | None = None,
) -> None:
    """Write ``g`` as GraphML to a path or a binary file, with ``diagnostics`` (by default
    those ``g`` carries)."""
    diags = carried(g) if diagnostics is None else diagnostics
    nx.write_graphml(
        _xml_text(scalar_graph(g, policies=policies, diagnostics=diags)),
        path,
        named_key_ids=True,
    )


def _xml_text(g: nx.DiGraph) -> nx.DiGraph:
    """``g`` with every text that XML cannot hold escaped (ids and attribute values)."""

    def safe(value: object) -> object:
        return escape(value) if isinstance(value, str) else value

    out: nx.DiGraph = nx.DiGraph()
    out.graph.update({k: safe(v) for k, v in g.graph.items()})
    out.add_nodes_from((safe(n), {k: safe(v) for k, v in a.items()}) for n, a in g.nodes(data=True))
    out.add_edges_from(
        (safe(s), safe(d), {k: safe(v) for k, v in a.items()}) for s, d, a in g.edges(data=True)
    )
    return out
