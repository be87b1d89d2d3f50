"""A view after one pod was taken out and/or one put in, made from the view before.

:func:`reach.analysis.views.build_view` groups every pod again (a quarter of a second at
10k pods); when an update only moved pods of an unchanged compilation
(:mod:`reach.engine.podmoves`), the nodes other than the removed and inserted pods' own
keep their node, classes and pods (their indices shifted), and only those are built
again, with the function ``build_view`` uses. The result equals ``build_view`` of the new
reachability (``tests/analysis/test_viewmoves.py``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from reach.analysis.nodes import Node
from reach.analysis.views import View, internal_node, node_keys
from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability


@dataclass
class _Entry:
    """An internal node of the new view: its key and pods, and its old node and classes
    while they still hold (None once its pods changed)."""

    key: tuple[str, str, str]
    pods: list[int]
    node: Node | None
    classes: IntVec | None
    own: int | None = None  # its old port-set id with itself, when the old view has them


def moved_view(
    old: View, x: Reachability, removed: int | None, inserted: int | None
) -> tuple[View, set[str]]:
    """The view of ``x`` at ``old``'s granularity, where ``x.pods`` are ``old``'s pods
    without the pod at ``removed`` (an old index) and with ``x.pods[inserted]``; and the
    ids of the nodes that held either pod (before or after)."""
    by, n_int = old.by, old.n_internal
    owns = old._self_cache.tolist() if old._self_cache is not None else [None] * n_int
    entries = [
        _Entry((nd.namespace or "", nd.name, nd.kind), list(m), nd, cls, own)
        for nd, m, cls, own in zip(
            old.nodes[:n_int], old.node_pods, old.node_classes[:n_int], owns, strict=True
        )
    ]
    keys = [e.key for e in entries]
    ids: set[str] = set()
    if removed is not None:
        entry = entries[
            bisect.bisect_left(keys, node_keys([old.reachability.pods[removed]], by)[0])
        ]
        entry.pods.remove(removed)
        ids.add(_touch(entry))
        for e in entries:
            e.pods = [p - (p > removed) for p in e.pods]
    if inserted is not None:
        for e in entries:
            e.pods = [p + (p >= inserted) for p in e.pods]
        key = node_keys([x.pods[inserted]], by)[0]
        at = bisect.bisect_left(keys, key)
        if at == len(keys) or keys[at] != key:
            entries.insert(at, _Entry(key, [], None, None))
        bisect.insort(entries[at].pods, inserted)
        _touch(entries[at])
    entries = [e for e in entries if e.pods]
    for e in entries:
        if e.node is None:
            hosts = any(x.pods[p].host_network for p in e.pods)
            e.node = internal_node(x, by, e.key, e.pods, hosts)
            e.classes = np.unique(x.pod_class[e.pods])
            ids.add(e.node.id)
    view = View(
        x,
        by,
        [e.node for e in entries if e.node is not None] + old.nodes[n_int:],
        [e.classes for e in entries if e.classes is not None] + old.node_classes[n_int:],
        [e.pods for e in entries],
        old.n_sets,
    )
    if old._self_cache is not None:
        view._self_cache = np.array(
            [e.own if e.own is not None else _own(view, e.pods) for e in entries], dtype=np.intp
        )
    return view, ids


def _touch(entry: _Entry) -> str:
    """Mark ``entry`` as changed; the id of its old node ("" for a new one)."""
    old_id = entry.node.id if entry.node is not None else ""
    entry.node, entry.classes, entry.own = None, None, None
    return old_id


def _own(view: View, pods: list[int]) -> int:
    """The port-set id of a node with itself, as :meth:`View.self_ids` computes it."""
    if not view.self_pairs:
        return view.reachability.atoms.empty_id
    return view.inside_id(np.unique(view.reachability.pod_class[pods], return_counts=True))
