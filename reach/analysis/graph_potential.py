"""Representative peers as nodes of the export graph (``export_graph(potential=True)``,
``reach export --potential``): the pods that do not exist yet, as the exposure section of
``reach list --exposure`` prints them (docs/queries.md, "Representatives").

The nodes and edges are the section's lines, never an enumeration of pods: one node of
``type`` ``representative`` per peer the section prints for a node of the graph (kind
``EntireCluster`` for ``entire-cluster``, else ``Representative``), keyed by the peer's
text in the section's grammar and named in words (:func:`~reach.analysis.potential.describe`);
an edge representative -> node per ingress line and node -> representative per egress
line, with ``ports`` and ``connections`` (the section's text, unresolved named ports
included). No NetworkPolicy of the representative's side is known: the edges carry
empty ``policies``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.analysis.exposure_section import ExposureLine, exposure_section
from reach.analysis.nodes import Node
from reach.analysis.potential import describe, kubectl_text
from reach.analysis.views import View

if TYPE_CHECKING:
    import networkx as nx

#: The node type of representative peers.
REPRESENTATIVE = "representative"


def representative_node(line: ExposureLine, node_id: str) -> tuple[Node, dict[str, object]]:
    """The node of the line's peer and its attributes (but the :class:`Node` itself)."""
    rep = line.representative
    assert rep is not None
    kind = "EntireCluster" if rep.entire_cluster else "Representative"
    node = Node(node_id, REPRESENTATIVE, kind, describe(rep))
    fixed = rep.namespace is not None
    attrs: dict[str, object] = {
        "type": REPRESENTATIVE,
        "kind": kind,
        "name": node.name,
        "peer": line.peer,
        "in_namespace": rep.namespace,
        "namespace_selector": None if fixed else kubectl_text(rep.namespace_selector),
        "pod_selector": kubectl_text(rep.pod_selector),
    }
    return node, attrs


Parts = tuple[list[tuple[str, Node, dict[str, object]]], list[tuple[str, str, dict[str, object]]]]


def representative_parts(view: View, shown: nx.DiGraph) -> Parts:
    """The nodes ``(id, Node, attributes)`` and edges ``(src, dst, attributes)`` of the
    section's lines about the nodes of ``shown``."""
    lines = [
        x
        for x in exposure_section(view).lines
        if x.peer_type != "external" and x.representative is not None and x.node.id in shown
    ]
    ids: dict[str, str] = {}
    nodes: list[tuple[str, Node, dict[str, object]]] = []
    for x in lines:
        if x.peer in ids:
            continue
        # a namespace may be called entire-cluster: then the representative's id is braced
        ids[x.peer] = node_id = x.peer if x.peer not in shown else f"{{{x.peer}}}"
        nodes.append((node_id, *representative_node(x, node_id)))
    edges: list[tuple[str, str, dict[str, object]]] = []
    for x in lines:
        peer, own = ids[x.peer], x.node.id
        src, dst = (peer, own) if x.direction == "ingress" else (own, peer)
        policies: dict[str, tuple[str, ...]] = {"egress": (), "ingress": ()}
        edges.append((src, dst, {"ports": x.ports, "policies": policies, "connections": x.conns}))
    return nodes, edges
