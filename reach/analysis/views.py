"""Connections at a granularity: pods, workloads or namespaces, plus external segments,
Calico network sets and pseudo peers (Cilium entities and FQDNs with no known addresses).

A node at a coarse granularity (a workload, a namespace) may hold pods of
several classes; it connects to another node with the union of the ports of
all its pod pairs. A namespace also connects to itself, with the union over
its pairs of two distinct pods (:data:`SELF_PAIRS`); a pod, a workload or an
external range never pairs with itself. Classes expand into nodes only here,
for output.

A Calico NetworkSet or GlobalNetworkSet is a node of its own that holds the external
segments within its CIDRs (the engine cuts the address space at them), as a workload
holds the classes of its pods: it connects with the union of its segments' ports. Those
segments are no External node; a segment in two sets is held by both
(docs/semantics.md, "Network sets as nodes").
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reach.analysis.nodes import (
    Connection,
    Node,
    external_node,
    network_set_node,
    pseudo_node,
)
from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability
from reach.errors import require_one_of
from reach.model.calico import NetworkSet
from reach.model.cluster import Pod, Workload
from reach.model.ipspace import IPRange

GRANULARITIES = ("pod", "workload", "namespace")
#: The granularities at which a node pairs with itself: a namespace reaches itself when
#: two distinct pods of it connect. (A workload's replicas reaching each other are left
#: out, as the conformance corpus lists workloads.)
SELF_PAIRS = frozenset({"namespace"})


@dataclass
class View:
    """Nodes at one granularity and the classes each one holds."""

    reachability: Reachability
    by: str
    nodes: list[Node]
    node_classes: list[IntVec]
    node_pods: list[list[int]] = field(default_factory=list)
    #: How many network set nodes there are (after the ranges, before the pseudo nodes).
    n_sets: int = 0
    _class_table_cache: tuple[IntVec, IntVec, IntVec] | None = None
    _class_runs: tuple[IntVec, IntVec, IntVec, bool] | None = None
    _runs: tuple[IntVec, IntVec] | None = None
    _self_cache: IntVec | None = None
    #: ``(namespace, name, kind)`` of each internal node, sorted (:func:`node_keys`).
    _keys: list[tuple[str, str, str]] | None = None

    def keys(self) -> list[tuple[str, str, str]]:
        """The key of each internal node, as :func:`build_view` sorted them."""
        if self._keys is None:
            self._keys = [
                (n.namespace or "", n.name, n.kind) for n in self.nodes[: self.n_internal]
            ]
        return self._keys

    @property
    def n_internal(self) -> int:
        return len(self.node_pods)

    @property
    def first_pseudo(self) -> int:
        """The index of the first pseudo node: they come last, after the external ranges
        and the network sets."""
        return len(self.nodes) - len(self.reachability.pseudo)

    @property
    def first_set(self) -> int:
        """The index of the first network set node: they come after the external ranges (so
        ``nodes[n_internal:first_set]`` are the external ranges, and the nodes from here on
        are named outside nodes: network sets, then pseudo peers)."""
        return self.first_pseudo - self.n_sets

    @property
    def self_pairs(self) -> bool:
        """Whether a node pairs with itself at this granularity (:data:`SELF_PAIRS`)."""
        return self.by in SELF_PAIRS

    def self_ids(self) -> IntVec:
        """Port-set id of each internal node with itself: the union over its pairs of two
        distinct pods (empty where the granularity has no self pairs)."""
        if self._self_cache is None:
            atoms = self.reachability.atoms
            out = np.full(self.n_internal, atoms.empty_id, dtype=np.intp)
            if self.self_pairs:
                of = self.reachability.pod_class
                for i, members in enumerate(self.node_pods):
                    out[i] = self.inside_id(np.unique(of[members], return_counts=True))
            self._self_cache = out
        return self._self_cache

    def inside_id(self, classes_counts: tuple[IntVec, IntVec]) -> int:
        """The union of ``ids(a, b)`` over the classes of one node, where a class pairs
        with itself only when the node holds two or more of its pods."""
        classes, counts = classes_counts
        reachability, atoms = self.reachability, self.reachability.atoms
        used: set[int] = set()
        for lo in range(0, len(classes), 256):  # rows by blocks: a namespace may hold many
            rows = np.arange(lo, min(len(classes), lo + 256))
            ids = reachability.ids(classes[rows], classes).astype(np.intp)  # may intern
            alone = rows[counts[rows] < 2]
            ids[alone - lo, alone] = atoms.empty_id
            used.update(np.unique(ids).tolist())
        table = atoms.table[np.array(sorted(used), dtype=np.intp)]  # after every intern
        mask = np.bitwise_or.reduce(table, axis=0)
        return int(atoms.intern(mask.reshape(1, atoms.words))[0])

    def pair_ids(self, src: IntVec, dst: IntVec) -> npt.NDArray[np.intp]:
        """:meth:`node_ids` with the pair of a node and itself made what the granularity
        says: :meth:`self_ids` at namespace granularity, nothing otherwise."""
        ids = self.node_ids(src, dst)
        column = np.full(len(self.nodes), -1, dtype=np.intp)
        column[dst] = np.arange(len(dst))
        rows = np.flatnonzero(column[src] >= 0)
        cols = column[src[rows]]
        own = np.full(len(rows), self.reachability.atoms.empty_id, dtype=np.intp)
        inner = src[rows] < self.n_internal
        own[inner] = self.self_ids()[src[rows][inner]]
        ids[rows, cols] = own
        return ids

    def pod_runs(self) -> tuple[IntVec, IntVec]:
        """``(pods, offsets)``: the internal nodes' pods end to end, and where each starts."""
        if self._runs is None:
            self._runs = runs_of(self.node_pods)
        return self._runs

    def _class_table(self) -> tuple[IntVec, IntVec, IntVec]:
        """``(nodes, starts, counts)``: node indices sorted by class, and each class's run."""
        if self._class_table_cache is None:
            flat, _, sizes, _ = self._node_class_runs()
            owner = np.repeat(np.arange(len(sizes), dtype=np.intp), sizes)
            order = np.lexsort((owner, flat))
            counts = np.bincount(flat, minlength=self.reachability.n_classes).astype(np.intp)
            self._class_table_cache = (owner[order], starts_of(counts), counts)
        return self._class_table_cache

    def nodes_of_class(self, cls: int) -> list[int]:
        """Indices of the nodes holding pods of class ``cls`` (or its external segment)."""
        nodes, starts, counts = self._class_table()
        out: list[int] = nodes[starts[cls] : starts[cls] + counts[cls]].tolist()
        return out

    def class_label(self, cls: int) -> str:
        """The id of the first node holding pods of a class (or of its external segment)."""
        return self.class_nodes([cls])[0].id

    def class_labels(self, classes: Sequence[int]) -> list[str]:
        """:meth:`class_label` of each class, looked up at once."""
        return [node.id for node in self.class_nodes(classes)]

    def class_nodes(self, classes: Sequence[int]) -> list[Node]:
        """The node that stands for each class: the first node holding pods of the class,
        or the class's external segment or pseudo peer. Looked up for all classes at once."""
        nodes, starts, counts = self._class_table()
        idx = np.asarray(classes, dtype=np.intp)
        held = (counts[idx] > 0).tolist()
        last = max(0, len(nodes) - 1)
        first = nodes[np.minimum(starts[idx], last)].tolist() if len(nodes) else [0] * len(idx)
        return [
            self.nodes[f] if h else end_node(self.reachability, c)
            for c, h, f in zip(classes, held, first, strict=True)
        ]

    def stops(self, cls: int, exclude: frozenset[int] = frozenset()) -> list[int]:
        """The nodes a path can pass through on class ``cls``: those holding a pod of the
        class that is not in ``exclude`` (the start pods, which a path never passes
        again); for an external class, its segment's node."""
        held = self.nodes_of_class(cls)
        if not exclude or cls >= self.reachability.n_internal:
            return held
        of = self.reachability.pod_class
        return [
            i for i in held if any(of[p] == cls and p not in exclude for p in self.node_pods[i])
        ]

    def _node_class_runs(self) -> tuple[IntVec, IntVec, IntVec, bool]:
        """``(classes, offsets, sizes, single)``: every node's classes end to end."""
        if self._class_runs is None:
            flat = np.concatenate(self.node_classes) if self.node_classes else np.zeros(0, np.intp)
            sizes = np.array([len(c) for c in self.node_classes], dtype=np.intp)
            self._class_runs = (flat, starts_of(sizes), sizes, bool(np.all(sizes == 1)))
        return self._class_runs

    def node_ids(self, src: IntVec, dst: IntVec) -> npt.NDArray[np.intp]:
        """Port-set ids ``(len(src), len(dst))`` between nodes (indices into ``nodes``).

        A node holding several classes reaches with the union of their ports. The
        pair of a node with itself is not special-cased here.
        """
        reachability, atoms = self.reachability, self.reachability.atoms
        flat, offsets, sizes, single = self._node_class_runs()
        if single:
            out: npt.NDArray[np.intp] = reachability.ids(flat[src], flat[dst]).astype(np.intp)
            return out
        src_at, src_offsets = run_positions(offsets[src], sizes[src])
        dst_at, dst_offsets = run_positions(offsets[dst], sizes[dst])
        src_classes, dst_classes = flat[src_at], flat[dst_at]
        ids = reachability.ids(src_classes, dst_classes)  # may intern new ids: before the table
        masks = atoms.table[ids]
        rows = np.bitwise_or.reduceat(masks, src_offsets, axis=0)
        block = np.bitwise_or.reduceat(rows, dst_offsets, axis=1)
        out = atoms.intern(block.reshape(-1, atoms.words)).reshape(block.shape[:2])
        return out

    def edge_blocks(self, chunk: int = 256) -> Iterator[tuple[IntVec, IntVec, IntVec]]:
        """Yield arrays ``(src nodes, dst nodes, port-set ids)`` of allowed pairs, chunk by chunk.

        Port-set ids index ``reachability.atoms.portsets`` / ``.texts``. Pairs of two
        external nodes are left out, and so are pairs of a node with itself except at
        namespace granularity (:meth:`pair_ids`).
        """
        n = len(self.nodes)
        everyone = np.arange(n)
        for start in range(0, n, chunk):
            yield self._allowed(everyone[start : min(n, start + chunk)], everyone)

    def edge_blocks_of(
        self, ids: Collection[str], one_way: Mapping[str, str] | None = None
    ) -> Iterator[tuple[IntVec, IntVec, IntVec]]:
        """:meth:`edge_blocks` restricted to the pairs with one of the nodes of these ids
        on either end, each pair once; a node that ``one_way`` maps to ``"into"`` only as
        the destination, to ``"out"`` only as the source."""
        way = one_way or {}
        among = [i for i, n in enumerate(self.nodes) if n.id in ids]
        sources = np.array([i for i in among if way.get(self.nodes[i].id) != "into"], np.intp)
        targets = np.array([i for i in among if way.get(self.nodes[i].id) != "out"], np.intp)
        everyone = np.arange(len(self.nodes))
        for start in range(0, len(sources), 256):  # rows by blocks: among may be every node
            yield self._allowed(sources[start : start + 256], everyone)
        others = np.setdiff1d(everyone, sources, assume_unique=True)
        for start in range(0, len(others), 4096) if len(targets) else ():
            yield self._allowed(others[start : start + 4096], targets)

    def _allowed(self, src: IntVec, dst: IntVec) -> tuple[IntVec, IntVec, IntVec]:
        """``(src nodes, dst nodes, port-set ids)`` of the allowed pairs of ``src x dst``,
        without pairs of two external nodes."""
        ids = self.pair_ids(src, dst)
        nonzero: npt.NDArray[np.bool_] = ids != self.reachability.atoms.empty_id
        nonzero[np.ix_(src >= self.n_internal, dst >= self.n_internal)] = False
        s, d = np.nonzero(nonzero)
        return src[s], dst[d], ids[s, d].astype(np.intp)

    def count_internal_pairs(self) -> int:
        """How many (src, dst) pairs of non-external nodes allow some connection: pairs of
        distinct nodes, and at namespace granularity a namespace with itself.

        When every node holds one class this is ``k.A.k - sum(diag(A) * k)`` for the
        class adjacency A and the node count per class k, plus the nodes that reach
        themselves; no pair is materialized.
        """
        n_int = self.n_internal
        internal = self.node_classes[:n_int]
        if all(len(c) == 1 for c in internal):
            n = self.reachability.n_internal
            k = (
                np.bincount(np.concatenate(internal), minlength=n).astype(np.float64)
                if internal
                else np.zeros(n)
            )
            total = 0.0
            kf = k.astype(np.float32)
            for lo in range(0, n, 1024):
                rows = np.arange(lo, min(n, lo + 1024))
                adj = self.reachability.ids(slice(lo, lo + len(rows)), slice(0, n)) != 0
                reach_w = adj.astype(np.float32) @ kf  # weighted out-degree of each class
                total += float(k[rows] @ reach_w.astype(np.float64))
                total -= float(np.sum(adj[np.arange(len(rows)), rows] * k[rows]))
            own = np.count_nonzero(self.self_ids() != self.reachability.atoms.empty_id)
            return int(round(total)) + int(own)
        return sum(
            int(np.count_nonzero((s < n_int) & (d < n_int))) for s, d, _ in self.edge_blocks()
        )

    def edges(self) -> Iterator[tuple[int, int, int]]:
        """Yield ``(src node, dst node, port-set id)`` for every allowed pair."""
        for src, dst, ids in self.edge_blocks():
            yield from zip(src.tolist(), dst.tolist(), ids.tolist(), strict=True)


def build_view(
    reachability: Reachability,
    by: str = "workload",
    ipv6: bool | None = None,
    network_sets: bool = True,
) -> View:
    """Group pods into nodes at granularity ``by``; add one node per external segment that
    no network set holds, one per network set (none when ``network_sets`` is false: then
    every segment is an External node), then one per pseudo peer.

    IPv6 segments are included when ``ipv6`` is true, or (by default) when some
    policy names an IPv6 CIDR; otherwise the IPv6 space behaves like the IPv4
    addresses no ipBlock names and would only repeat them.
    """
    require_one_of("granularity", by, GRANULARITIES)
    pods = reachability.pods
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, key in enumerate(node_keys(pods, by)):
        members = groups.get(key)
        if members is None:
            groups[key] = [i]
        else:
            members.append(i)
    keys = sorted(groups)
    node_pods = [groups[k] for k in keys]
    runs = runs_of(node_pods)
    node_classes = _classes_of(reachability, node_pods, runs)
    flat, offsets = runs
    hosts = [p.host_network for p in pods]
    host_any = (
        np.logical_or.reduceat(np.array(hosts, dtype=bool)[flat], offsets).tolist()
        if node_pods
        else []
    )
    nodes = [
        internal_node(reachability, by, key, members, host)
        for key, members, host in zip(keys, node_pods, host_any, strict=True)
    ]
    ends, end_classes, n_sets = end_nodes(
        reachability, reachability.ipv6 if ipv6 is None else ipv6, network_sets
    )
    return View(
        reachability, by, nodes + ends, node_classes + end_classes, node_pods, n_sets, _runs=runs
    )


def end_nodes(
    reachability: Reachability, ipv6: bool, network_sets: bool = True
) -> tuple[list[Node], list[IntVec], int]:
    """The nodes after the internal ones, with the classes each holds, and how many are
    network sets (:func:`build_view`)."""
    nodes: list[Node] = []
    node_classes: list[IntVec] = []
    shown = [i for i, seg in enumerate(reachability.segments) if seg.version == 4 or ipv6]
    sets = set_segments(reachability, shown) if network_sets else []
    in_sets = {i for _, held in sets for i in held.tolist()}
    for i in shown:
        if i not in in_sets:
            nodes.append(external_node(reachability.segments[i]))
            node_classes.append(np.array([reachability.n_internal + i], dtype=np.intp))
    for network_set, held in sets:
        nodes.append(network_set_node(network_set))
        node_classes.append(held + reachability.n_internal)
    for j, peer in enumerate(reachability.pseudo):
        nodes.append(pseudo_node(peer))
        node_classes.append(np.array([reachability.first_pseudo + j], dtype=np.intp))
    return nodes, node_classes, len(sets)


def internal_node(
    reachability: Reachability,
    by: str,
    key: tuple[str, str, str],
    members: list[int],
    host: bool,
) -> Node:
    """The node ``(namespace, name, kind)`` at granularity ``by`` holding the pods
    ``members`` (indices of ``reachability.pods``); ``host``: one of them uses the host's
    network. A workload's labels are those all its pods share."""
    ns, name, kind = key
    pods = reachability.pods
    owner = None
    if by == "namespace":
        labels = reachability.cluster.namespace(ns).labels
        node_id = ns
    else:
        owner = pods[members[0]].owner if by == "pod" else Workload(ns, name, kind)
        labels = pods[members[0]].labels
        if len(members) > 1:
            each = [pods[m].labels for m in members]
            if each.count(labels) != len(each):
                labels = tuple(set(labels).intersection(*each))
        labels = tuple(sorted(labels))
        node_id = str(Workload(ns, name, kind))
    return Node(
        id=node_id,
        type=by,
        kind=kind,
        name=name,
        namespace=ns,
        labels=labels,
        pods=len(members),
        host_network=host,
        workload=owner,
    )


def set_segments(reachability: Reachability, shown: list[int]) -> list[tuple[NetworkSet, IntVec]]:
    """Each network set of the input with the segments of ``shown`` that its CIDRs hold, by
    node id; a set holding none of them (no CIDR, or only IPv6 ones not shown) is left out."""
    out = []
    visible = np.zeros(len(reachability.segments), dtype=bool)
    visible[shown] = True
    for network_set in sorted(reachability.cluster.calico.network_sets, key=lambda s: s.node_id):
        held = segments_within(reachability.segments, network_set)
        held = held[visible[held]]
        if len(held):
            out.append((network_set, held))
    return out


def segments_within(segments: list[IPRange], network_set: NetworkSet) -> IntVec:
    """The indices of the segments (sorted, cut at every CIDR of the set) inside the set's
    CIDRs, in order."""
    starts = [(seg.version, seg.first) for seg in segments]
    found: set[int] = set()
    for block in network_set.nets:
        r = IPRange.of_network(block.cidr)
        lo = bisect.bisect_left(starts, (r.version, r.first))
        hi = bisect.bisect_right(starts, (r.version, r.last))
        found.update(range(lo, hi))
    return np.array(sorted(found), dtype=np.intp)


def starts_of(sizes: IntVec) -> IntVec:
    """Where each of consecutive runs of these sizes starts."""
    out: IntVec = (np.cumsum(sizes) - sizes).astype(np.intp)
    return out


def run_positions(lo: IntVec, lengths: IntVec) -> tuple[IntVec, IntVec]:
    """The positions ``lo[k] .. lo[k] + lengths[k] - 1`` of every run, end to end, and
    where each run starts among them."""
    starts = starts_of(lengths)
    within = np.arange(int(lengths.sum()), dtype=np.intp) - np.repeat(starts, lengths)
    return np.repeat(lo, lengths) + within, starts


def node_keys(pods: list[Pod], by: str) -> list[tuple[str, str, str]]:
    """Each pod's node as ``(namespace, name, kind)`` at granularity ``by``."""
    if by == "pod":
        return [(p.namespace, p.name, "Pod") for p in pods]
    if by == "namespace":
        return [(p.namespace, p.namespace, "Namespace") for p in pods]
    return [
        (w.namespace, w.name, w.kind) if (w := p.workload) else (p.namespace, p.name, "Pod")
        for p in pods
    ]


def runs_of(node_pods: list[list[int]]) -> tuple[IntVec, IntVec]:
    """``(pods, offsets)``: the nodes' pods end to end, and where each node starts."""
    sizes = np.array([len(m) for m in node_pods], dtype=np.intp)
    flat = np.fromiter((i for m in node_pods for i in m), dtype=np.intp, count=int(sizes.sum()))
    return flat, starts_of(sizes)


def _classes_of(
    reachability: Reachability, node_pods: list[list[int]], runs: tuple[IntVec, IntVec]
) -> list[IntVec]:
    """The distinct classes of each node's pods, sorted, for all nodes at once."""
    if not node_pods:
        return []
    flat, offsets = runs
    sizes = np.diff(np.append(offsets, len(flat)))
    owner = np.repeat(np.arange(len(node_pods), dtype=np.intp), sizes)
    span = reachability.n_classes
    pairs = np.unique(owner * span + reachability.pod_class[flat])
    cuts = np.searchsorted(pairs // span, np.arange(1, len(node_pods) + 1)).tolist()
    classes = (pairs % span).astype(np.intp)
    return [classes[lo:hi] for lo, hi in zip([0, *cuts[:-1]], cuts, strict=True)]


def end_node(reachability: Reachability, cls: int) -> Node:
    """The node of an external class: its segment's range, or its pseudo peer."""
    peer = reachability.pseudo_of(cls)
    if peer is not None:
        return pseudo_node(peer)
    return external_node(reachability.segments[cls - reachability.n_internal])


def connections(view: View) -> list[Connection]:
    """Every allowed pair of the view, with its ports, as objects."""
    portsets = view.reachability.atoms.portsets
    nodes = view.nodes
    return [Connection(nodes[s], nodes[d], portsets[i]) for s, d, i in view.edges()]
