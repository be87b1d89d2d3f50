"""networkx node-link JSON of an export graph (see :meth:`reach.Reach.export_graph`).

``{"directed": true, "multigraph": false, "graph": {...}, "nodes": [{"id": ...,
...}], "edges": [{"source": ..., "target": ..., "ports": "TCP 5432", ...}]}``:
read it back with ``networkx.node_link_graph(data, edges="edges")``. Node
``labels`` stay a mapping; edges carry ``ports`` as text, ``all_ports``,
``port_ranges`` (``{"TCP": [[5432, 5432]]}``) and ``egress_policies`` /
``ingress_policies`` as lists.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import networkx as nx

from reach.analysis.graph import NODE
from reach.model.ports import PortSet
from reach.output.diagnostics import Diags, carried
from reach.output.graph.graphml import edge_fields, graph_attributes


def data(
    g: nx.DiGraph, *, policies: bool = True, diagnostics: Diags | None = None
) -> dict[str, Any]:
    """The node-link mapping of ``g``, every value JSON-serializable; the graph attributes
    ``warnings`` and ``diagnostics`` hold ``diagnostics`` (by default those ``g`` carries)."""
    nodes = [
        {"id": node, **{k: v for k, v in attrs.items() if k != NODE}}
        for node, attrs in g.nodes(data=True)
    ]
    edges = []
    for s, d, attrs in g.edges(data=True):
        ports = attrs["ports"]
        assert isinstance(ports, PortSet)
        fields = edge_fields(attrs, policies=policies, as_json_text=False)
        fields["port_ranges"] = ports.to_json()
        edges.append({"source": s, "target": d, **fields})
    return {
        "directed": True,
        "multigraph": False,
        "graph": graph_attributes(g, carried(g) if diagnostics is None else diagnostics),
        "nodes": nodes,
        "edges": edges,
    }


def render(
    g: nx.DiGraph, out: TextIO, *, policies: bool = True, diagnostics: Diags | None = None
) -> None:
    """Write the node-link JSON of ``g``."""
    json.dump(data(g, policies=policies, diagnostics=diagnostics), out, indent=1)
    out.write("\n")
