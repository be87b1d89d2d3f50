"""The user-facing networkx view of the compiled result, at one granularity.

Nodes carry ``type``, ``kind``, ``namespace``, ``name``, ``labels``,
``workload`` and ``pods``; external address segments are nodes too. Edges carry
``ports`` (a :class:`~reach.ports.PortSet`) and ``policies``: the egress-side
and ingress-side policies that allow the edge, computed when first read.

The graph is for people and for networkx algorithms; the queries themselves
run on the class matrices, which is much faster.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from .connections import Node, View
from .engine import IntVec
from .explain import Provenance


class EdgePolicies:
    """``{"egress": (...), "ingress": (...)}`` for one edge, computed on first use.

    Computing the policies of every edge of a large graph up front would cost
    more than building the graph; most users read few of them.
    """

    __slots__ = ("_prov", "_src", "_dst", "_value")

    def __init__(self, prov: Provenance, src: IntVec, dst: IntVec) -> None:
        self._prov = prov
        self._src = src
        self._dst = dst
        self._value: dict[str, tuple[str, ...]] | None = None

    @property
    def value(self) -> dict[str, tuple[str, ...]]:
        if self._value is None:
            eg: dict[str, None] = {}
            ing: dict[str, None] = {}
            ids = self._prov.reach.ids(self._src, self._dst)
            for a, s in enumerate(self._src.tolist()):
                for b, d in enumerate(self._dst.tolist()):
                    if not ids[a, b]:
                        continue
                    egress, ingress = self._prov.policies(s, d)
                    eg.update(dict.fromkeys(egress))
                    ing.update(dict.fromkeys(ingress))
            self._value = {"egress": tuple(eg), "ingress": tuple(ing)}
        return self._value

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.value[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, EdgePolicies) else other)

    def __hash__(self) -> int:  # pragma: no cover - mutable-looking, but hashable by identity
        return id(self)

    def __str__(self) -> str:
        v = self.value
        return f"egress: {', '.join(v['egress']) or '-'}; ingress: {', '.join(v['ingress']) or '-'}"

    __repr__ = __str__


def node_attrs(node: Node) -> dict[str, object]:
    attrs: dict[str, object] = {"type": node.type, "kind": node.kind, "name": node.name}
    if node.type == "external":
        attrs["cidr"] = node.name
    else:
        attrs.update(
            namespace=node.namespace,
            labels=dict(node.labels),
            workload=node.id if node.type == "workload" else None,
            pods=node.pods,
            host_network=node.host_network,
        )
    return attrs


def build_graph(view: View, prov: Provenance) -> nx.DiGraph:
    """A DiGraph of the view: one node per pod/workload/namespace and external segment."""
    g: nx.DiGraph = nx.DiGraph(granularity=view.by)
    reach = view.reach
    if view.by == "pod":
        for i in range(view.n_internal):
            pod = reach.pods[view.node_pods[i][0]]
            g.add_node(
                view.nodes[i].id, **{**node_attrs(view.nodes[i]), "workload": str(pod.owner)}
            )
    else:
        g.add_nodes_from((n.id, node_attrs(n)) for n in view.nodes[: view.n_internal])
    g.add_nodes_from((n.id, node_attrs(n)) for n in view.nodes[view.n_internal :])
    portsets = reach.atoms.portsets
    nodes = view.nodes
    classes = view.node_classes

    g.add_edges_from(
        (
            nodes[s].id,
            nodes[d].id,
            {"ports": portsets[p], "policies": EdgePolicies(prov, classes[s], classes[d])},
        )
        for s, d, p in view.edges()
    )
    return g
