"""A view after one pod was taken out and/or one put in, made from the view before.

:func:`reach.analysis.views.build_view` groups every pod again (a quarter of a second at
10k pods); when an update only moved pods of an unchanged compilation
(:mod:`reach.engine.podmoves`), the nodes other than the removed and inserted pods' own
keep their node, classes and pods (their indices shifted, on the arrays of every node's
pods end to end), and only those two are built again, with the function ``build_view``
uses. The result equals ``build_view`` of the new reachability
(``tests/api/test_podupdate.py`` compares them after every random event).
"""

from __future__ import annotations

import bisect
from typing import cast

import numpy as np

from reach.analysis.compiled import Analysis
from reach.analysis.nodes import Node
from reach.analysis.views import View, end_nodes, internal_node, node_keys, starts_of
from reach.engine.arrays import BoolVec, IntVec
from reach.engine.classsplits import merged_classes
from reach.engine.moves import Move
from reach.engine.pseudomoves import with_pseudo
from reach.engine.reachability import Reachability
from reach.engine.rowsdiffer import rows_differ
from reach.engine.segmentmoves import resegmented
from reach.model.cluster import Cluster


def moved_view(
    old: View,
    x: Reachability,
    removed: int | None,
    inserted: int | None,
    renumber: IntVec | None = None,
) -> tuple[View, set[str]]:
    """The view of ``x`` at ``old``'s granularity, where ``x.pods`` are ``old``'s pods
    without the pod at ``removed`` (an old index) and with ``x.pods[inserted]``, and each
    class ``c`` of ``old`` is class ``renumber[c]`` of ``x`` (when given); and the ids of
    the nodes that held either pod (before or after)."""
    by = old.by
    keys = list(old.keys())
    flat, offsets = old.pod_runs()
    sizes = np.diff(np.append(offsets, len(flat)))
    nodes = list(old.nodes)
    classes = list(old.node_classes) if renumber is None else _renumbered(old, renumber)
    own = old._self_cache
    ids: set[str] = set()
    touched: list[int] = []
    if removed is not None:
        at = int(np.flatnonzero(flat == removed)[0])
        node = int(np.searchsorted(offsets, at, side="right")) - 1
        flat, sizes = np.delete(flat, at), sizes.copy()
        sizes[node] -= 1
        flat = flat - (flat > removed)
        ids.add(old.nodes[node].id)
        touched.append(node)
    if inserted is not None:
        flat = flat + (flat >= inserted)
        key = node_keys([x.pods[inserted]], by)[0]
        node = bisect.bisect_left(keys, key)
        if node == len(keys) or keys[node] != key:  # a node of its own
            keys.insert(node, key)
            nodes.insert(node, cast(Node, None))  # built below
            classes.insert(node, cast(IntVec, None))
            sizes = np.insert(sizes, node, 0)
            own = np.insert(own, node, 0) if own is not None else None
            touched = [t + (t >= node) for t in touched]
        start = int(sizes[:node].sum())
        run = flat[start : start + sizes[node]]
        flat = np.insert(flat, start + int(np.searchsorted(run, inserted)), inserted)
        sizes[node] += 1
        touched.append(node)
    starts = starts_of(sizes)
    everyone = flat.tolist()
    node_pods = [everyone[a : a + n] for a, n in zip(starts.tolist(), sizes.tolist(), strict=True)]
    own = own.copy() if own is not None else None
    for i in touched:
        if node_pods[i]:
            pods = node_pods[i]
            hosts = any(x.pods[p].host_network for p in pods)
            nodes[i] = internal_node(x, by, keys[i], pods, hosts)
            classes[i] = np.unique(x.pod_class[pods])
            ids.add(nodes[i].id)
    for i in sorted({i for i in touched if not node_pods[i]}, reverse=True):  # emptied
        del keys[i], nodes[i], classes[i], node_pods[i]
        sizes = np.delete(sizes, i)
        own = np.delete(own, i) if own is not None else None
        touched = [t - (t > i) for t in touched if t != i]
    view = View(
        x, by, nodes, classes, node_pods, old.n_sets, _runs=(flat, starts_of(sizes)), _keys=keys
    )
    if own is not None:
        for i in touched:
            own[i] = _own(view, node_pods[i])
        view._self_cache = own
    return view, ids


def _renumbered(view: View, renumber: IntVec) -> list[IntVec]:
    """The classes of each node of ``view`` numbered by ``renumber`` (sorted; a class that
    is gone, -1, is held only by the nodes built again)."""
    flat, offsets, sizes, _ = view._node_class_runs()  # (kept: the last diff read them)
    if not len(sizes):
        return []
    every = renumber[flat]
    starts = offsets.tolist()
    out = [every[a : a + n] for a, n in zip(starts, sizes.tolist(), strict=True)]
    if np.any(np.diff(renumber[renumber >= 0]) < 0):  # not in the same order: sort each
        out = [np.sort(c) for c in out]
    return out


def _own(view: View, pods: list[int]) -> int:
    """The port-set id of a node with itself, as :meth:`View.self_ids` computes it."""
    if not view.self_pairs:
        return view.reachability.atoms.empty_id
    return view.inside_id(np.unique(view.reachability.pod_class[pods], return_counts=True))


def renumbered_view(old: View, x: Reachability, renumber: IntVec, recount: list[int]) -> View:
    """The view of ``x`` at ``old``'s granularity, where ``x`` holds ``old``'s pods and
    each class ``c`` of ``old`` is class ``renumber[c]`` of ``x``; the nodes holding one of
    the ``recount`` classes (split or merged: ``reach.engine.classsplits``) take their
    classes from their pods."""
    classes = _renumbered(old, renumber)
    for i in sorted({i for c in recount for i in old.nodes_of_class(c)}):
        if i < len(old.node_pods) and old.node_pods[i]:
            classes[i] = np.unique(x.pod_class[old.node_pods[i]])
    return View(
        x,
        old.by,
        old.nodes,
        classes,
        old.node_pods,
        old.n_sets,
        _runs=old._runs,
        _keys=old._keys,
        _self_cache=old._self_cache,
    )


def renumbered_analysis(
    before: Analysis, x: Reachability, renumber: IntVec, recount: list[int], by: str
) -> Analysis:
    """``before`` with its classes split or merged as in ``x`` (:func:`renumbered_view`),
    its views (that at granularity ``by`` made first) kept."""
    out = Analysis(before.cluster, x)
    before.view(by, x.ipv6)
    for (_, shown), view in before.views().items():
        out.keep_view(renumbered_view(view, x, renumber, recount), shown)
    return out


def rebased_view(
    old: View, x: Reachability, changed: BoolVec, relabelled: str | None = None
) -> tuple[View, set[str]]:
    """The view of ``x`` at ``old``'s granularity, where ``x`` holds ``old``'s pods in the
    same classes and differs in the rows of the ``changed`` classes only (and in the labels
    of the namespace ``relabelled``); and the ids of the nodes that hold one of those
    classes (every pair with neither end among them keeps its ports)."""
    nodes = old.nodes
    if relabelled is not None and old.by == "namespace":
        nodes = list(nodes)
        for i, key in enumerate(old.keys()):
            if key[0] == relabelled:
                pods = old.node_pods[i]
                hosts = any(x.pods[p].host_network for p in pods)
                nodes[i] = internal_node(x, "namespace", key, pods, hosts)
    view = View(
        x,
        old.by,
        nodes,
        old.node_classes,
        old.node_pods,
        old.n_sets,
        _class_table_cache=old._class_table_cache,
        _class_runs=old._class_runs,
        _runs=old._runs,
        _keys=old._keys,
    )
    touched = sorted({i for c in np.flatnonzero(changed).tolist() for i in view.nodes_of_class(c)})
    if old._self_cache is not None:
        own = old._self_cache.copy()
        for i in touched:
            if i < view.n_internal:
                own[i] = _own(view, view.node_pods[i])
        view._self_cache = own
    return view, {view.nodes[i].id for i in touched}


def rebased(
    before: Analysis,
    cluster: Cluster,
    x: Reachability,
    changed: BoolVec,
    by: str,
    relabelled: str | None = None,
) -> tuple[Analysis, set[str]]:
    """The analysis of ``cluster`` compiled as ``x`` (``before``'s pods and classes, the
    rows of the ``changed`` classes computed again), with every view ``before`` built
    rebased (:func:`rebased_view`), and the ids of the nodes at granularity ``by`` that
    hold a changed class."""
    after = Analysis(cluster, x)
    before.view(by, x.ipv6)  # the view the change is read on: rebased with the others
    among: set[str] = set()
    for (granularity, shown), view in before.views().items():
        moved, ids = rebased_view(view, x, changed, relabelled)
        after.keep_view(moved, shown)
        if (granularity, shown) == (by, x.ipv6):
            among = ids
    return after, among


def moved_analysis(
    before: Analysis, cluster: Cluster, move: Move, by: str, relabelled: str | None = None
) -> tuple[Analysis, set[str], dict[str, str]] | None:
    """The analysis of ``cluster`` after a policy or namespace changed in place
    (``move``: classes split first, rows computed again, classes merged after), with the
    views of ``before`` carried through each step (:func:`renumbered_analysis`,
    :func:`rebased`), the ids of the nodes at granularity ``by`` that hold a class whose
    rows changed, and those of them whose pairs changed one way only (``"into"``: only
    pairs they are the destination of; ``"out"``: the source of); None when the merge
    needs a compilation."""
    base = before
    if move.cut is not None:
        base = ended_analysis(before, before.cluster, move.cut, by)
    changed, ways = move.changed, None
    if move.split is not None:
        base = renumbered_analysis(base, move.x, *move.split, by)
    else:  # classes whose rows came out as they were keep every pair
        ways = rows_differ(base.reachability, move.x, changed)
        changed = ways[0] | ways[1]
    after, among = rebased(base, cluster, move.x, changed, by, relabelled)
    one_way = _one_way(after.view(by, move.x.ipv6), *ways) if ways is not None else {}
    if move.merge:
        merging = merged_classes(move.x, move.merge)
        if merging is None:
            return None
        after = renumbered_analysis(after, *merging, by)
    if move.segments is not None or move.pseudo is not None:
        coarser = after.reachability
        if move.segments is not None and move.segments != coarser.segments:
            coarser = resegmented(coarser, move.segments)
        if move.pseudo is not None:
            coarser = with_pseudo(coarser, move.pseudo)
        after = ended_analysis(after, cluster, coarser, by)
    # a pseudo peer that came or went is a node every pair of which is new or gone
    moved = set(before.reachability.pseudo) ^ set(after.reachability.pseudo)
    return after, among | {peer.id for peer in moved}, one_way


def _one_way(view: View, into: BoolVec, out: BoolVec) -> dict[str, str]:
    """The ids of the nodes of ``view`` holding a class whose ingress rows changed
    (``into``) and none whose egress rows did, mapped to ``"into"``; the other way round
    to ``"out"``."""
    sides = [
        {view.nodes[i].id for c in np.flatnonzero(changed).tolist() for i in view.nodes_of_class(c)}
        for changed in (into, out)
    ]
    return {i: "into" for i in sides[0] - sides[1]} | {i: "out" for i in sides[1] - sides[0]}


def end_ids(before: Analysis, after: Analysis, by: str) -> set[str]:
    """The ids of the end nodes (address ranges, network sets, pseudo peers) of either
    analysis' view at granularity ``by`` that the other has not, or that hold other
    addresses there: when the segments are cut again, a part of a segment is a node of its
    own that every node reaching the segment reaches, and a range may move into or out of
    a network set, so the pairs with them are counted again. An end node the same in both
    holds the same classes' columns: its pairs change only with a class whose rows changed
    (``reach diff`` compares the ranges on their common refinement, and needs them only
    when a range moves into or out of a network set). When the IPv6 ranges come to be
    shown or cease to be, every end node of both is counted again."""
    views = [before.view(by, after.reachability.ipv6), after.view(by)]
    if before.reachability.ipv6 != after.reachability.ipv6:  # the IPv6 ranges shown or not
        shown = before.reachability.ipv6  # both as each shows them (``reach diff`` shows them)
        views += [before.view(by), after.view(by, shown)]
        return {node.id for view in views for node in view.nodes[view.n_internal :]}
    held = [_ends_held(view) for view in views]
    return {node_id for node_id, _ in held[0] ^ held[1]}


def _ends_held(view: View) -> set[tuple[str, tuple[object, ...]]]:
    """Each end node of ``view``: its id, and the segments and pseudo peers it holds."""
    x, k = view.reachability, view.n_internal
    ends = [*x.segments, *x.pseudo]
    return {
        (node.id, tuple(ends[c - x.n_internal] for c in classes.tolist()))
        for node, classes in zip(view.nodes[k:], view.node_classes[k:], strict=True)
    }


def ended_view(old: View, x: Reachability, ipv6: bool) -> View:
    """The view of ``x`` at ``old``'s granularity, where ``x`` holds ``old``'s pods in the
    same classes and differs in its external segments: the internal nodes kept, the
    external ranges and network sets made again (:func:`reach.analysis.views.end_nodes`)."""
    ends, end_classes, n_sets = end_nodes(x, ipv6)
    k = old.n_internal
    return View(
        x,
        old.by,
        old.nodes[:k] + ends,
        old.node_classes[:k] + end_classes,
        old.node_pods,
        n_sets,
        _runs=old._runs,
        _keys=old._keys,
        _self_cache=old._self_cache,
    )


def ended_analysis(before: Analysis, cluster: Cluster, x: Reachability, by: str) -> Analysis:
    """The analysis of ``cluster`` compiled as ``x`` (``before``'s classes over other
    external segments), with every view ``before`` built carried (:func:`ended_view`;
    that at granularity ``by`` made first)."""
    out = Analysis(cluster, x)
    before.view(by, x.ipv6)
    for (_, shown), view in before.views().items():
        out.keep_view(ended_view(view, x, shown), shown)
    return out
