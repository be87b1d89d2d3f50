"""``reach diff OLD NEW``: the connections a change adds, removes or changes.

Both sides are compared at one granularity (pod, workload or namespace). Pairs
of nodes (network set and pseudo nodes, such as ``partner[GlobalNetworkSet]`` and
``kube-apiserver[Entity]``, too) are matched by node id, in one vectorized pass over
the edge arrays of both views. External address ranges are compared on the common
refinement of both sides' ranges, so a new ipBlock boundary that changes nothing
shows nothing; adjacent ranges with the same change are merged. Addresses that one side
holds in a network set, not in a range, allow nothing as a range there: a range that
moves into a set shows its connections removed (and the set node's added).

Applying the changes to ``reach list`` of OLD gives ``reach list`` of NEW:
``added`` lines appear, ``removed`` ones go, ``changed`` ones take the new ports.
The report's md and csv forms are in :mod:`reach.output.diff`.
"""

from __future__ import annotations

import bisect
import html
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from reach.analysis.nodeorder import node_order
from reach.analysis.nodes import Node, external_node
from reach.analysis.policychanges import PolicyChange, policy_changes
from reach.analysis.views import GRANULARITIES, View
from reach.engine.arrays import IntVec
from reach.errors import require_one_of
from reach.model.ipspace import IPRange, overlay
from reach.model.ports import PortSet

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis

SCHEMA = "reach/diff/v1"
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


#: Node types counted apart from the granularity's nodes, and the key of their counts.
_APART = {"networkset": "network_set", "pseudo": "pseudo"}


@dataclass(frozen=True)
class NodeChange:
    """A pod, workload or namespace present on one side only."""

    node: Node
    change: str  # "added" | "removed"

    def __str__(self) -> str:
        pods = f" ({self.node.pods} pod{'s' if self.node.pods != 1 else ''})"
        return (
            f"{_SIGN[self.change]} {self.node.type} {self.node.id}{pods if self.node.pods else ''}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, **self.node.to_json()}


@dataclass(frozen=True)
class EdgeChange:
    """A connection that appears, disappears, or allows other ports than before."""

    src: str
    dst: str
    change: str  # "added" | "removed" | "changed"
    old: PortSet
    new: PortSet

    @property
    def added_ports(self) -> PortSet:
        return self.new - self.old

    @property
    def removed_ports(self) -> PortSet:
        return self.old - self.new

    def __str__(self) -> str:
        head = f"{_SIGN[self.change]} {self.src} => {self.dst} : "
        if self.change == "added":
            return head + str(self.new)
        if self.change == "removed":
            return head + str(self.old)
        parts = []
        if self.added_ports:
            parts.append(f"+{self.added_ports}")
        if self.removed_ports:
            parts.append(f"-{self.removed_ports}")
        return head + f"{self.old} -> {self.new} ({'; '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "src": self.src,
            "dst": self.dst,
            "old": str(self.old) if self.old else None,
            "new": str(self.new) if self.new else None,
            "added": str(self.added_ports) if self.added_ports else None,
            "removed": str(self.removed_ports) if self.removed_ports else None,
            "old_ports": self.old.to_json(),
            "new_ports": self.new.to_json(),
        }


@dataclass
class DiffReport:
    """Node and connection changes from ``old`` to ``new`` at granularity ``by``."""

    by: str
    old: str = "old"
    new: str = "new"
    nodes: list[NodeChange] = field(default_factory=list)
    edges: list[EdgeChange] = field(default_factory=list)
    #: The policies the change adds, removes or rewrites (SARIF points at them).
    policies: list[PolicyChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.edges

    def __bool__(self) -> bool:
        return not self.empty

    def counts(self) -> dict[str, int]:
        out = {f"{k}_connections": 0 for k in ("added", "removed", "changed")}
        out |= {f"{k}_nodes": 0 for k in ("added", "removed")}
        for e in self.edges:
            out[f"{e.change}_connections"] += 1
        for n in self.nodes:
            if n.node.type in _APART:  # counted apart, and only when there are some
                key = f"{n.change}_{_APART[n.node.type]}_nodes"
                out[key] = out.get(key, 0) + 1
            else:
                out[f"{n.change}_nodes"] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        pseudo = "".join(
            f"; {key.replace('_', ' ')} nodes: {c.get(f'added_{key}_nodes', 0)} added, "
            f"{c.get(f'removed_{key}_nodes', 0)} removed"
            for typ, key in _APART.items()
            if any(n.node.type == typ for n in self.nodes)
        )
        return (
            f"{c['added_connections']} added, {c['removed_connections']} removed, "
            f"{c['changed_connections']} changed connections; {self.by}s: "
            f"{c['added_nodes']} added, {c['removed_nodes']} removed{pseudo}"
        )

    def __str__(self) -> str:
        lines = [f"reach diff {self.old} -> {self.new} (by {self.by})"]
        if self.empty:
            return lines[0] + ": no differences"
        lines += [str(n) for n in self.nodes]
        lines += [str(e) for e in self.edges]
        lines.append(self.summary())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Notebooks (``r.apply(...)`` of a what-if): the text, escaped, in a ``<pre>``."""
        return f"<pre>{html.escape(str(self))}</pre>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "granularity": self.by,
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "nodes": [n.to_dict() for n in self.nodes],
            "connections": [e.to_dict() for e in self.edges],
        }


# ---------------------------------------------------------------------------- compute

Ids = npt.NDArray[np.int64]


class _Canon:
    """One id per distinct port set across both sides (0: no connection)."""

    def __init__(self) -> None:
        self.ids: dict[PortSet, int] = {}
        self.sets: list[PortSet] = [PortSet.empty()]

    def of(self, view: View, pids: npt.NDArray[np.intp]) -> Ids:
        if not len(pids):
            return np.zeros(0, dtype=np.int64)
        uniq, inverse = np.unique(pids, return_inverse=True)
        table = np.empty(len(uniq), dtype=np.int64)
        for i, p in enumerate(uniq.tolist()):
            ps = view.reachability.atoms.portsets[p]
            got = self.ids.get(ps)
            if got is None:
                got = self.ids[ps] = len(self.sets)
                self.sets.append(ps)
            table[i] = got
        out: Ids = table[inverse.reshape(-1)]
        return out


@dataclass
class _Side:
    view: View
    node_map: npt.NDArray[np.intp]  # view node index (internal) -> common index
    keys: Ids  # internal pairs: src * N + dst, sorted
    ports: Ids  # canonical port-set id per key
    ext: npt.NDArray[np.int64]  # (rows, 2, segments): 0 out of the node, 1 into it
    ext_nodes: npt.NDArray[np.intp]  # the common index of the node of each row of ext
    #: With ``among``: the ranges (columns of ext) whose every pair was read, and the rows
    #: whose every pair was (the other entries are 0 on both sides); None: every one.
    read_ranges: npt.NDArray[np.bool_] | None = None
    read_rows: npt.NDArray[np.intp] | None = None


def _side(
    view: View,
    pos: dict[str, int],
    canon: _Canon,
    among: Collection[str] | None,
    one_way: Mapping[str, str] | None = None,
    node_map: IntVec | None = None,
) -> _Side:
    """Pairs of named nodes (internal, network set or pseudo) by key; pairs with ranges by
    segment. With ``among``, only the pairs with one of these nodes on either end (one way
    for the nodes of ``one_way``: :meth:`View.edge_blocks_of`; the other way's entries are
    then unread, nothing on both sides). ``node_map``: the place in ``pos`` of each node
    of the view, when known (-1: an address range)."""
    n_int, n_ranges = view.n_internal, view.first_set
    total = len(pos)
    if node_map is None:
        node_map = np.array([pos.get(nd.id, -1) for nd in view.nodes], dtype=np.intp)
    named = node_map >= 0  # internal, network set and pseudo nodes: compared by id
    n_ext = n_ranges - n_int
    # rows of ext: every node, or only those among (no other pair with a range is read),
    # or every node when address ranges are among (every pair with a range is read)
    ext_nodes = (
        np.arange(total)
        if among is None or any(i not in pos for i in among)
        else np.array(sorted(pos[i] for i in among), dtype=np.intp)
    )
    row_of = np.full(total, -1, dtype=np.intp)
    row_of[ext_nodes] = np.arange(len(ext_nodes))
    ext = np.zeros((len(ext_nodes), 2, n_ext), dtype=np.int64)
    keys: list[Ids] = []
    ports: list[Ids] = []
    blocks = view.edge_blocks() if among is None else view.edge_blocks_of(among, one_way)
    for src, dst, pids in blocks:
        cids = canon.of(view, pids)
        inner = named[src] & named[dst]
        keys.append(node_map[src[inner]].astype(np.int64) * total + node_map[dst[inner]])
        ports.append(cids[inner])
        out = (src < n_int) & ~named[dst]
        ext[row_of[node_map[src[out]]], 0, dst[out] - n_int] = cids[out]
        into = ~named[src] & (dst < n_int)
        ext[row_of[node_map[dst[into]]], 1, src[into] - n_int] = cids[into]
    k = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    p = np.concatenate(ports) if ports else np.zeros(0, dtype=np.int64)
    order = np.argsort(k, kind="stable")
    side = _Side(view, node_map, k[order], p[order], ext, ext_nodes.astype(np.intp))
    if among is not None:
        side.read_ranges = np.array([nd.id in among for nd in view.nodes[n_int:n_ranges]], bool)
        side.read_rows = row_of[[pos[i] for i in among if i in pos]]
    return side


def _ranges(view: View) -> list[IPRange]:
    return [nd.range for nd in view.nodes[view.n_internal : view.first_set]]


#: Set while the updates of a batch but its last are made: their changes are compared
#: once, after the batch (:func:`deferred`).
_DEFERRED: ContextVar[bool] = ContextVar("reach_diff_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Within it, :func:`diff` builds both views and compares nothing (an empty report):
    an update of several objects in turn compares its change once, from the analysis
    before the first to the one after the last (:mod:`reach.api.batchupdate`), so the
    changes of the steps but the last are never read."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def diff(
    old: Analysis,
    new: Analysis,
    by: str = "workload",
    old_label: str = "old",
    new_label: str = "new",
    among: Collection[str] | None = None,
    one_way: Mapping[str, str] | None = None,
) -> DiffReport:
    """Connections added, removed and changed from ``old`` to ``new`` at granularity ``by``.

    ``among``: node ids such that every pair with neither end among them is known to be
    unchanged (an update that moved pods between nodes of one compilation): only the
    others are compared (the ids of address ranges among them: every node's pairs with
    those ranges; a piece of a range among on one side must be held on the other by a
    range among or by none, as :func:`reach.analysis.viewmoves.end_ids` gives them).
    ``one_way``: nodes among whose pairs are known to be unchanged but those they are the
    destination of (``"into"``) or the source of (``"out"``)."""
    require_one_of("granularity", by, GRANULARITIES)
    ipv6 = old.reachability.ipv6 or new.reachability.ipv6
    va, vb = old.view(by, ipv6), new.view(by, ipv6)
    report = DiffReport(by, old_label, new_label)
    if _DEFERRED.get():  # (the views are built: the next update moves them)
        return report
    oa, ob = node_order(va), node_order(vb)
    maps: tuple[IntVec | None, IntVec | None] = (None, None)
    if oa.ids == ob.ids:  # the same nodes (most updates): each view's own order
        ids, pos, maps = ob.ids, ob.pos, (oa.node_map, ob.node_map)
    else:
        nodes_a, nodes_b = oa.named, ob.named
        ids = sorted(nodes_a.keys() | nodes_b.keys())
        pos = {n: i for i, n in enumerate(ids)}
        report.nodes = [NodeChange(nodes_b[i], "added") for i in ids if i not in nodes_a]
        report.nodes += [NodeChange(nodes_a[i], "removed") for i in ids if i not in nodes_b]
        report.nodes.sort(key=lambda c: (c.node.id, c.change))
    canon = _Canon()
    a = _side(va, pos, canon, among, one_way, maps[0])
    b = _side(vb, pos, canon, among, one_way, maps[1])
    sets = canon.sets
    external = sorted(_external_changes(a, b, ids, sets), key=_ends)
    report.edges = _merged(_internal_changes(a, b, ids, sets), external)
    report.policies = policy_changes(old.cluster, new.cluster)
    return report


def _internal_changes(a: _Side, b: _Side, ids: list[str], sets: list[PortSet]) -> list[EdgeChange]:
    """The changes of the pairs of named nodes, in the order of their ends' ids (a key's
    order: ``ids`` are sorted)."""
    total = len(ids)
    _, ia, ib = np.intersect1d(a.keys, b.keys, assume_unique=True, return_indices=True)
    changed = a.ports[ia] != b.ports[ib]
    gone = np.ones(len(a.keys), dtype=bool)
    gone[ia] = False
    came = np.ones(len(b.keys), dtype=bool)
    came[ib] = False
    keys = np.concatenate([a.keys[ia][changed], a.keys[gone], b.keys[came]])
    none = np.zeros(len(keys), dtype=np.int64)
    n_gone = int(gone.sum())
    old = np.concatenate([a.ports[ia][changed], a.ports[gone], none[: int(came.sum())]])
    new = np.concatenate([b.ports[ib][changed], none[:n_gone], b.ports[came]])
    order = np.argsort(keys, kind="stable")
    return [
        _edge_change(ids[k // total], ids[k % total], _kind(po, pn), sets[po], sets[pn])
        for k, po, pn in zip(
            keys[order].tolist(), old[order].tolist(), new[order].tolist(), strict=True
        )
    ]


def _kind(old: int, new: int) -> str:
    """The change of a pair whose port set ids were ``old`` and are ``new`` (0: none)."""
    return "added" if old == 0 else "removed" if new == 0 else "changed"


def _edge_change(src: str, dst: str, change: str, old: PortSet, new: PortSet) -> EdgeChange:
    """``EdgeChange(src, dst, change, old, new)`` without the frozen dataclass's
    ``__init__`` (a checked attribute write a field): 0.47 against 0.96 us an object, and
    a change that isolates a namespace at 100k pods removes 76,000 to 244,000 pairs."""
    out = object.__new__(EdgeChange)
    fields = out.__dict__
    fields["src"] = src
    fields["dst"] = dst
    fields["change"] = change
    fields["old"] = old
    fields["new"] = new
    return out


def _ends(change: EdgeChange) -> tuple[str, str]:
    return change.src, change.dst


def _merged(first: list[EdgeChange], second: list[EdgeChange]) -> list[EdgeChange]:
    """``sorted(first + second, key=_ends)`` of two lists so sorted (a change of ``first``
    before one of ``second`` with the same ends). When ``second`` is a few changes, each
    is put in by bisection (:func:`_bisected`): sorting compared every change of ``first``
    again, 75 ms for the 244,000 pairs a change that isolates a namespace at 100k pods
    removes; when it is many, bisections cost more than the sort of two runs."""
    if len(second) * _FEW > len(first):
        return sorted(first + second, key=_ends)
    return _bisected(first, second)


#: ``second`` of :func:`_merged` is put in by bisection while it is under 1/_FEW of first.
_FEW = 32


def _bisected(first: list[EdgeChange], second: list[EdgeChange]) -> list[EdgeChange]:
    """:func:`_merged`, each change of ``second`` put in by a bisection of ``first``."""
    out: list[EdgeChange] = []
    lo = 0
    for change in second:
        at = bisect.bisect_right(first, _ends(change), lo=lo, key=_ends)
        out += first[lo:at]
        out.append(change)
        lo = at
    out += first[lo:]
    return out


def _external_changes(a: _Side, b: _Side, ids: list[str], sets: list[PortSet]) -> list[EdgeChange]:
    pieces, ia, ib = overlay(_ranges(a.view), _ranges(b.view))
    if not pieces:
        return []
    node, direction, piece, old, new = _differing(a, b, np.array(ia), np.array(ib))
    named: dict[IPRange, str] = {}  # the id of each piece's node, made once
    out: list[EdgeChange] = []
    run: tuple[int, int, int, int, IPRange] | None = None  # node, dir, old, new, range

    def flush() -> None:
        if run is None:
            return
        nd, dr, po, pn, rng = run
        ext_id = named.get(rng) or named.setdefault(rng, external_node(rng).id)
        node_id = ids[a.ext_nodes[nd]]  # both sides have the same rows
        src, dst = (node_id, ext_id) if dr == 0 else (ext_id, node_id)
        out.append(_edge_change(src, dst, _kind(po, pn), sets[po], sets[pn]))

    for nd, dr, pc, po, pn in zip(
        node.tolist(), direction.tolist(), piece.tolist(), old.tolist(), new.tolist(), strict=True
    ):
        rng = pieces[pc]
        if (
            run is not None
            and run[:4] == (nd, dr, po, pn)
            and run[4].version == rng.version
            and run[4].last + 1 == rng.first
        ):
            run = (nd, dr, po, pn, IPRange(rng.version, run[4].first, rng.last))
            continue
        flush()
        run = (nd, dr, po, pn, rng)
    flush()
    return out


def _differing(a: _Side, b: _Side, ia: IntVec, ib: IntVec) -> tuple[IntVec, ...]:
    """``(row, direction, piece, old id, new id)`` of each entry of the pieces (of the
    ranges ``ia`` and ``ib`` on each side) whose port sets differ, sorted by row,
    direction and piece. Only entries that were read on some side are compared: every
    row at the pieces of a range read whole, and the rows read whole at the others."""
    if a.read_ranges is None or b.read_ranges is None:
        live = np.ones(len(ia), dtype=bool)
    else:
        live = _read_at(a.read_ranges, ia) | _read_at(b.read_ranges, ib)
    found: list[tuple[IntVec, ...]] = []
    parts: list[tuple[IntVec | None, IntVec]] = [(None, np.flatnonzero(live))]
    if a.read_rows is not None:  # the rows are the same on both sides
        parts.append((a.read_rows, np.flatnonzero(~live)))
    for rows, cols in parts:
        if not len(cols) or (rows is not None and not len(rows)):
            continue
        old, new = _pieces(a, ia[cols], rows), _pieces(b, ib[cols], rows)
        row, direction, piece = np.nonzero(old != new)
        at = (row, direction, piece)
        found.append((row if rows is None else rows[row], direction, cols[piece], old[at], new[at]))
    if not found:
        return tuple(np.zeros(0, dtype=np.intp) for _ in range(5))
    joined = [np.concatenate(part) for part in zip(*found, strict=True)]
    order = np.lexsort((joined[2], joined[1], joined[0]))
    return tuple(part[order] for part in joined)


def _pieces(side: _Side, ranges: IntVec, rows: IntVec | None) -> Ids:
    """The side's entries at the pieces held by ``ranges`` (-1: none, allowing nothing:
    the piece is in a network set there, or its family not shown), for ``rows`` (None:
    every row)."""
    ext = side.ext if rows is None else side.ext[rows]
    if not ext.shape[2]:  # no range on this side
        return np.zeros((len(ext), 2, len(ranges)), dtype=np.int64)
    out: Ids = ext[:, :, np.maximum(ranges, 0)]
    out[:, :, ranges < 0] = 0
    return out


def _read_at(read: npt.NDArray[np.bool_], ranges: IntVec) -> npt.NDArray[np.bool_]:
    """Whether each of ``ranges`` (-1: none) was read whole."""
    out = np.zeros(len(ranges), dtype=bool)
    held = ranges >= 0
    out[held] = read[ranges[held]]
    return out
