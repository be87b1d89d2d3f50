"""The networkx view of an analysis: the graph users get, and the one exports draw from.

Nodes are keyed by their id (``ns/name[Kind]``, a namespace name, or an
external range, a pseudo peer such as ``kube-apiserver[Entity]``) and carry ``type``,
``kind``, ``namespace``, ``name``, ``labels``, ``workload``, ``pods`` and
``host_network`` (``cidr`` for external ranges; only ``type`` ``pseudo``, ``kind``
``Entity`` or ``FQDN`` and ``name`` for pseudo peers), plus ``node``: the
:class:`~reach.analysis.nodes.Node` itself, which exporters leave out. Edges carry
``ports`` (a :class:`~reach.model.ports.PortSet`) and ``policies``: the egress-side
and ingress-side policies that allow the edge, computed when first read. At namespace
granularity a namespace has an edge to itself when two distinct pods of it connect (a
self-loop).

When the input has entry points (LoadBalancer, NodePort or externalIPs Services,
Ingresses, Routes), the graph also holds nodes of ``type`` ``entry``: ``internet``
(kind ``Internet``) and, for Ingresses and Routes, ``{ingress-controller}`` (kind
``IngressController``), with edges to the nodes they deliver to (``ports``, and
``via``: the entry points). They are left out when ``focus`` is given.

With ``potential``, nodes of ``type`` ``representative`` stand for the pods that do
not exist yet, as the exposure section of ``reach list --exposure`` prints them
(:mod:`reach.analysis.graph_potential`); their edges carry ``connections`` too.

The graph is for people and for networkx algorithms; the queries themselves
run on the class matrices, which is much faster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reach.analysis.l7marks import l7_marks
from reach.analysis.listing import table
from reach.analysis.nodes import Node
from reach.analysis.refs import Target
from reach.analysis.views import View
from reach.engine.arrays import BoolVec, IntVec
from reach.engine.provenance import Provenance
from reach.errors import ReachError
from reach.model.ports import PortSet

if TYPE_CHECKING:
    import networkx as nx

    from reach.analysis.compiled import Analysis

#: The id of the node that stands for every client outside the cluster.
INTERNET = "internet"
#: The node attribute that holds the :class:`Node` object (exporters leave it out).
NODE = "node"


class EdgePolicies:
    """``{"egress": (...), "ingress": (...)}`` for one edge, computed on first use.

    Computing the policies of every edge of a large graph up front would cost
    more than building the graph; most users read few of them. Compares by
    value, like the mapping it stands for, and so is not hashable.
    """

    __slots__ = ("_provenance", "_src", "_dst", "_alone", "_value")
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self, provenance: Provenance, src: IntVec, dst: IntVec, alone: frozenset[int] = frozenset()
    ) -> None:
        self._provenance = provenance
        self._src = src
        self._dst = dst
        #: Classes whose pair with themselves is no pair of pods (a node's own edge, where
        #: the node holds one pod of the class).
        self._alone = alone
        self._value: dict[str, tuple[str, ...]] | None = None

    @property
    def value(self) -> dict[str, tuple[str, ...]]:
        if self._value is None:
            eg: dict[str, None] = {}
            ing: dict[str, None] = {}
            ids = self._provenance.reachability.ids(self._src, self._dst)
            for a, s in enumerate(self._src.tolist()):
                for b, d in enumerate(self._dst.tolist()):
                    if not ids[a, b] or (s == d and s in self._alone):
                        continue
                    egress, ingress = self._provenance.policies(s, d)
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

    def __str__(self) -> str:
        v = self.value
        return f"egress: {', '.join(v['egress']) or '-'}; ingress: {', '.join(v['ingress']) or '-'}"

    __repr__ = __str__


def node_attrs(node: Node) -> dict[str, object]:
    """The attributes of a node in the graph."""
    attrs: dict[str, object] = {"type": node.type, "kind": node.kind, "name": node.name}
    if node.type == "external":
        attrs["cidr"] = node.name
    elif node.type in ("entry", "pseudo"):
        pass
    elif node.type == "networkset":  # its CIDRs, as the set writes them
        attrs.update(namespace=node.namespace, labels=dict(node.labels), cidr=" ".join(node.nets))
    else:
        attrs.update(
            namespace=node.namespace,
            labels=dict(node.labels),
            workload=str(node.workload) if node.workload else None,
            pods=node.pods,
            host_network=node.host_network,
        )
    attrs[NODE] = node
    return attrs


def build_graph(
    analysis: Analysis,
    by: str = "workload",
    namespaces: Iterable[str] | None = None,
    focus: str | None = None,
    hops: int = 1,
    merge_external: bool = False,
    source: str | None = None,
    potential: bool = False,
) -> nx.DiGraph:
    """The graph at granularity ``by``.

    ``namespaces`` keeps the nodes of those namespaces and the external ranges
    they talk to. ``focus`` (a node reference) keeps the nodes within ``hops``
    allowed connections of it, forward and backward, without passing through
    external ranges. ``merge_external`` merges adjacent external segments with
    the same ports, as ``reach list`` does. ``potential`` adds the representative peers
    of the shown nodes (:mod:`reach.analysis.graph_potential`).
    """
    if hops < 1:
        raise ValueError("hops must be at least 1")
    ns_list = sorted(set(namespaces or ()))
    view = analysis.view(by)
    nodes, src, dst, ids, classes = graph_edges(view, merge_external)
    keep = np.ones(len(nodes), dtype=bool)
    if ns_list:
        keep = _in_namespaces(analysis, view, nodes, src, dst, ns_list)
    focus_nodes: list[str] = []
    if focus is not None:
        hint = ns_list[0] if len(ns_list) == 1 else None
        start = nodes_of_target(analysis.resolve(focus, hint), view, nodes) & keep
        if not start.any():
            raise ReachError(f"{focus!r} is not among the nodes shown")
        inside = keep[src] & keep[dst]
        is_ext = np.arange(len(nodes)) >= view.n_internal
        keep = _neighbourhood(start, src[inside], dst[inside], is_ext, hops)
        focus_nodes = [nodes[i].id for i in np.flatnonzero(start).tolist()]
    import networkx as nx  # imported when first needed: it costs a tenth of a second

    g: nx.DiGraph = nx.DiGraph(
        granularity=by,
        source=source or analysis.source_text,
        namespaces=",".join(ns_list),
        focus=focus or "",
        hops=hops if focus else 0,
    )
    if focus_nodes:
        g.graph["focus_nodes"] = focus_nodes
    g.add_nodes_from((nodes[i].id, node_attrs(nodes[i])) for i in np.flatnonzero(keep).tolist())
    inside = keep[src] & keep[dst]
    portsets = analysis.reachability.atoms.portsets
    provenance = analysis.provenance

    def policies(s: int, d: int) -> EdgePolicies:
        alone = _classes_alone(view, s) if s == d else frozenset()
        return EdgePolicies(provenance, classes[s], classes[d], alone)

    g.add_edges_from(
        (nodes[s].id, nodes[d].id, {"ports": portsets[p], "policies": policies(s, d)})
        for s, d, p in zip(
            src[inside].tolist(), dst[inside].tolist(), ids[inside].tolist(), strict=True
        )
    )
    if analysis.reachability.mesh is not None:
        _mark_l7(g, view)
    if focus is None:
        add_entry_points(g, analysis, view)
    if potential:
        add_representatives(g, view)
    return g


def _mark_l7(g: nx.DiGraph, view: View) -> None:
    """Edge attribute ``l7`` on the edges Istio conditions at L7: ``GET /headers (allows)``."""
    said: dict[tuple[str, str], dict[str, None]] = {}
    for m in l7_marks(view).marks:
        if m.effect and g.has_edge(m.src.id, m.dst.id):
            said.setdefault((m.src.id, m.dst.id), {})[f"{m.summary} ({m.effect})"] = None
    for (a, b), texts in said.items():
        g.edges[a, b]["l7"] = "; ".join(texts)


def add_representatives(g: nx.DiGraph, view: View) -> None:
    """The ``representative`` nodes of the nodes of ``g`` and their edges."""
    from reach.analysis.graph_potential import representative_parts

    nodes, edges = representative_parts(view, g)
    g.add_nodes_from((node_id, {**attrs, NODE: node}) for node_id, node, attrs in nodes)
    g.add_edges_from(edges)


def add_entry_points(g: nx.DiGraph, analysis: Analysis, view: View) -> None:
    """The ``entry`` nodes and their edges to the nodes of ``g`` they deliver to."""
    from reach.analysis.controller import CONTROLLER, controller_node
    from reach.analysis.entrypoints import entries

    found = entries(analysis.reachability)
    if not found:
        return
    pod_node = np.full(len(view.reachability.pods), -1, dtype=np.intp)
    for i, members in enumerate(view.node_pods[: view.n_internal]):
        pod_node[members] = i
    internet = Node(INTERNET, "entry", "Internet", INTERNET)
    edges: dict[tuple[str, str], tuple[PortSet, set[str]]] = {}

    def add(a: str, b: str, ports: PortSet, via: str) -> None:
        old, vias = edges.get((a, b), (PortSet.empty(), set()))
        edges[(a, b)] = (old | ports, vias | {via})

    for e in found:
        target = view.nodes[int(pod_node[e.pod])].id if pod_node[e.pod] >= 0 else None
        if target is None or target not in g:
            continue
        if e.hop == CONTROLLER:
            add(INTERNET, CONTROLLER, PortSet.of("TCP", 80) | PortSet.of("TCP", 443), e.via)
            add(CONTROLLER, target, e.ports, e.via)
        else:
            add(INTERNET, target, e.ports, e.via)
    if not edges:
        return
    g.add_node(INTERNET, **node_attrs(internet))
    if any(a == CONTROLLER for a, _ in edges):
        g.add_node(CONTROLLER, **node_attrs(controller_node()))
    for (a, b), (ports, vias) in sorted(edges.items()):
        # No NetworkPolicy allows an entry edge: the policies that admit it are the
        # backend's, named by `reach explain`; the attribute is there for the exporters.
        policies = {"egress": (), "ingress": ()}
        g.add_edge(a, b, ports=ports, policies=policies, via=", ".join(sorted(vias)))


def _classes_alone(view: View, node: int) -> frozenset[int]:
    """The classes of which an internal node holds a single pod."""
    of = view.reachability.pod_class
    classes, counts = np.unique(of[view.node_pods[node]], return_counts=True)
    return frozenset(classes[counts < 2].tolist())


def graph_edges(
    view: View, merge_external: bool
) -> tuple[list[Node], IntVec, IntVec, IntVec, list[IntVec]]:
    """Nodes, edge arrays ``(src, dst, port-set id)`` and each node's classes."""
    n_int = view.n_internal
    if merge_external:
        tb = table(view)
        nodes = tb.nodes
        classes = list(view.node_classes[:n_int])
        ext = view.nodes[n_int:]
        ext_classes = view.node_classes[n_int:]
        for node in nodes[n_int:]:
            if node.type == "entry":  # the listing's {ingress-controller}: no classes
                classes.append(np.zeros(0, np.intp))
                continue
            if node.type in ("pseudo", "networkset"):  # never merged: its own classes
                classes.append(view.node_classes[view.nodes.index(node)])
                continue
            rng = node.range
            inside = [
                c
                for e, c in zip(ext, ext_classes, strict=True)
                if e.type == "external" and rng.contains(e.range)
            ]
            classes.append(np.concatenate(inside) if inside else np.zeros(0, np.intp))
        # The listing's {ingress-controller} edges come with ports of their own
        # compilation: add_entry_points draws them instead.
        entry = np.array([n.type == "entry" for n in nodes], dtype=bool)
        rows = ~(entry[tb.src] | entry[tb.dst]) if len(nodes) else np.ones(0, bool)
        return nodes, tb.src[rows], tb.dst[rows], tb.ports[rows], classes
    blocks = list(view.edge_blocks())
    if blocks:
        src = np.concatenate([b[0] for b in blocks])
        dst = np.concatenate([b[1] for b in blocks])
        ids = np.concatenate([b[2] for b in blocks])
    else:
        src = dst = ids = np.zeros(0, np.intp)
    return list(view.nodes), src, dst, ids, list(view.node_classes)


def nodes_of_target(target: Target, view: View, nodes: Sequence[Node]) -> BoolVec:
    """Mask over ``nodes`` of those the target falls in (external: overlapping ranges)."""
    mask = np.zeros(len(nodes), dtype=bool)
    n_int = view.n_internal
    reachability = view.reachability
    if target.pseudo is not None or target.network_set is not None:
        wanted = target.label
        mask[:] = [node.type in ("pseudo", "networkset") and node.id == wanted for node in nodes]
        return mask
    if target.external:
        segs = [reachability.segments[i] for i in target.segments.tolist()]
        for i in range(n_int, len(nodes)):
            mask[i] = any(
                s.overlaps(r)
                for s in segs
                for r in (nodes[i].address_ranges() if nodes[i].type != "pseudo" else [])
            )
        return mask
    pod_node = np.full(len(reachability.pods), -1, dtype=np.intp)
    for i, members in enumerate(view.node_pods):
        pod_node[members] = i
    hit = pod_node[target.pods]
    mask[hit[hit >= 0]] = True
    return mask


def internal_count(analysis: Analysis, by: str, namespaces: Sequence[str]) -> int:
    """How many pods, workloads or namespaces a graph would show (before externals)."""
    view = analysis.view(by)
    nodes = view.nodes[: view.n_internal]
    if not namespaces:
        return len(nodes)
    wanted = set(namespaces)
    return sum(1 for n in nodes if n.namespace in wanted)


def _in_namespaces(
    analysis: Analysis,
    view: View,
    nodes: list[Node],
    src: IntVec,
    dst: IntVec,
    ns_list: list[str],
) -> BoolVec:
    """The nodes of those namespaces and the external ranges they talk to."""
    unknown = [ns for ns in ns_list if ns not in analysis.cluster.namespaces]
    if unknown:
        known = ", ".join(sorted(analysis.cluster.namespaces)) or "none"
        raise ReachError(f"no namespace {', '.join(unknown)} (namespaces: {known})")
    n_int = view.n_internal
    is_ext = np.arange(len(nodes)) >= n_int
    keep = np.zeros(len(nodes), dtype=bool)
    wanted = set(ns_list)
    keep[:n_int] = [node.namespace in wanted for node in nodes[:n_int]]
    touch = keep[src] | keep[dst]
    keep[src[touch & is_ext[src]]] = True
    keep[dst[touch & is_ext[dst]]] = True
    return keep


def _neighbourhood(
    start: BoolVec, src: IntVec, dst: IntVec, is_ext: BoolVec, hops: int
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Nodes within ``hops`` edges of ``start``, forward or backward (not through externals)."""
    keep = start.copy()
    for a, b in ((src, dst), (dst, src)):
        reached = start.copy()
        frontier = start.copy()
        for _ in range(hops):
            expand = frontier & (~is_ext | start)
            hit = np.zeros(len(start), dtype=bool)
            hit[b[expand[a]]] = True
            frontier = hit & ~reached
            if not frontier.any():
                break
            reached |= frontier
        keep |= reached
    return keep
