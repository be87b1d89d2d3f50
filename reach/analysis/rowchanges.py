"""Which classes an update changed, when it compiled again: the diff then compares only the
pairs with an end at a node holding one of them.

A policy or namespace event is compiled from scratch (docs/watch.md), and ``reach diff``
of two analyses reads every pair of both views. When both compilations group the same
pods into classes alike and cut the addresses alike (the event split or merged nothing),
a pair's ports are its source's egress row AND its destination's ingress row in both, so
the pairs whose two ends kept both rows (compared as port sets: the two compilations
number port sets differently) are unchanged, and only the others need comparing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.reachability import Reachability

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis


def changed_nodes(old: Analysis, new: Analysis, by: str) -> set[str] | None:
    """The ids of the nodes at granularity ``by`` (of either analysis) that hold a class
    whose egress or ingress row changed; None when the classes do not correspond."""
    changed = changed_classes(old.reachability, new.reachability)
    if changed is None:
        return None
    ipv6 = old.reachability.ipv6 or new.reachability.ipv6
    out: set[str] = set()
    for analysis, mask in zip((old, new), changed, strict=True):
        view = analysis.view(by, ipv6)
        for node, classes in zip(view.nodes[: view.n_internal], view.node_classes, strict=False):
            if mask[classes].any():
                out.add(node.id)
    return out


def changed_classes(old: Reachability, new: Reachability) -> tuple[BoolVec, BoolVec] | None:
    """For each pod class of ``old`` and of ``new``, whether its rows changed; None when the
    two do not hold the same pods (by namespace, name and workload: so every node holds the
    same pods) in corresponding classes with the same address segments, pseudo peers and
    network sets."""
    if old.n_internal != new.n_internal or len(old.pods) != len(new.pods):
        return None
    if old.segments != new.segments or old.pseudo != new.pseudo:
        return None
    if old.cluster.calico.network_sets != new.cluster.calico.network_sets:
        return None  # the end nodes differ: a set's node holds other segments, or is new
    if [(p.namespace, p.name, p.workload) for p in old.pods] != [
        (p.namespace, p.name, p.workload) for p in new.pods
    ]:
        return None  # pods came, went or changed workload: nodes hold other pods
    to_new = np.full(old.n_internal, -1, dtype=np.intp)
    to_new[old.pod_class] = new.pod_class
    if np.any(to_new[old.pod_class] != new.pod_class) or len(np.unique(to_new)) != len(to_new):
        return None  # a class split, merged or emptied
    columns = np.concatenate([to_new, np.arange(old.n_internal, old.n_classes)])
    ids = _translation(old, new)
    changed = _side_changed(
        (ids[old.egress_rows], old.egress_group),
        (new.egress_rows, new.egress_group),
        to_new,
        columns,
    )
    changed |= _side_changed(
        (ids[old.ingress_rows], old.ingress_group),
        (new.ingress_rows, new.ingress_group),
        to_new,
        columns,
    )
    for old_side, new_side in (
        ((old.ingress_rows, old.ingress_group), (new.ingress_rows, new.ingress_group)),
        ((old.egress_rows, old.egress_group), (new.egress_rows, new.egress_group)),
    ):
        changed |= _external_ends(ids, old_side, new_side, old.n_internal, columns)
    in_new = np.zeros(new.n_internal, dtype=bool)
    in_new[to_new] = changed
    return changed, in_new


def _translation(old: Reachability, new: Reachability) -> IntVec:
    """For each port-set id of ``old``, the id of the same set in ``new`` (-1 when ``new``
    has no such id: it then differs from every id of ``new``)."""
    index = {ps: i for i, ps in enumerate(new.atoms.portsets)}
    return np.array([index.get(ps, -1) for ps in old.atoms.portsets], dtype=np.int64)


def _external_ends(
    ids: IntVec,
    old: tuple[PortSetIds, IntVec],
    new: tuple[PortSetIds, IntVec],
    n: int,
    columns: IntVec,
) -> BoolVec:
    """For each old pod class, whether the entry at it of some external end's row of one
    side changed (Istio's sidecars restrict what a pod's proxy forwards to addresses: the
    ingress rows of the external ends say so)."""
    out = np.zeros(n, dtype=bool)
    for end in range(n, min(len(old[1]), len(new[1]))):
        was, now = ids[old[0][old[1][end]]], new[0][new[1][end]][columns]
        out |= (was != now)[:n]
    return out


def _side_changed(
    old: tuple[IntVec | PortSetIds, IntVec],
    new: tuple[IntVec | PortSetIds, IntVec],
    to_new: IntVec,
    columns: IntVec,
) -> BoolVec:
    """For each old class, whether its row of one side (``(rows, group)``, the old ids
    already translated) differs from the new row of its class, column by corresponding
    column."""
    (old_rows, old_group), (new_rows, new_group) = old, new
    n = len(to_new)
    pairs = old_group[:n].astype(np.int64) * len(new_rows) + new_group[to_new]
    unique, inverse = np.unique(pairs, return_inverse=True)
    differs = np.array(
        [
            bool(np.any(old_rows[p // len(new_rows)] != new_rows[p % len(new_rows)][columns]))
            for p in unique.tolist()
        ],
        dtype=bool,
    )
    out: BoolVec = differs[inverse.reshape(-1)]
    return out
