"""A compiled cluster's external address segments cut again, without compiling again.

A policy change whose ipBlocks (or Cilium CIDRs) cut the addresses at a point no rule
cut at, or that takes out the last rule cutting at a point, changes the segments a
compilation would make (``reach.model.ipspace.segments`` of every rule's blocks and the
network sets). The segments are classes after the behaviour classes, and nothing but the
rules' peers tells them apart, so:

- cut finer (:func:`resegmented` to the common refinement of the segments before and
  after, before the change goes in): each part of a segment is allowed and allows what
  the segment was, so it takes the segment's column in both sides' rows, its row, its
  place in every rule's peers and its named-port resolution (that of every address);
- cut coarser (to the segments after, once the change is in): the segments that make
  one are told apart by no rule any more, so every row and rule holds the same at each
  of them, and the first one's column stands for all.

The policy state's matcher (and beside Calico's tiers the Calico matcher) answers over the
new segments (its answers about pods, which do not read addresses, are kept). Beside
Istio's mesh layer (whose ipBlocks cut the segments too) the rows before the mesh's AND
are cut, and the mesh layer is made again over the new segments; the mesh sees each
segment as the one it is part of (or the first of those it joins), so the rows after the
AND are cut alike (``meshclasses.remeshed``).
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.calicohash import Columns
from reach.engine.calicomesh import stashed, unstashed
from reach.engine.calicostate import CalicoState
from reach.engine.meshclasses import ends_remeshed
from reach.engine.policystate import PolicyState
from reach.engine.portmasks import RuleMasks
from reach.engine.reachability import Reachability
from reach.engine.rowbuffer import empty_rows
from reach.engine.rules import CompiledRule
from reach.engine.taking import Taking, taken_each
from reach.model.ipspace import IPRange, cut_finer, overlay


def resegmented(x: Reachability, segments: list[IPRange]) -> Reachability:
    """``x`` over the external segments ``segments`` (covering every address, as ``x``'s
    do), each within one segment of ``x`` or the union of consecutive ones that every row
    and rule of ``x`` holds alike: each takes the classes of the segment of ``x`` that holds
    its first address (see the module doc). Beside Istio's mesh layer the rows before the
    mesh's AND are cut, and the mesh layer is made again over the new segments, the rows
    after the AND cut alike (:func:`reach.engine.meshclasses.remeshed`)."""
    if x.mesh is None:
        return _resegmented(x, segments)
    own = unstashed(x)  # (beside Calico's tiers too: the Calico state its mesh state keeps)
    out = ends_remeshed(own, lambda base: _resegmented(base, segments), _columns(x, segments))
    return stashed(out) if own is not x else out


def _columns(x: Reachability, segments: list[IPRange]) -> IntVec:
    """The class of ``x`` each class is over the segments ``segments``: the behaviour
    classes and pseudo peers their own, a segment that of ``x`` holding its first
    address."""
    starts = [(s.version, s.first) for s in x.segments]
    source = [bisect.bisect_right(starts, (s.version, s.first)) - 1 for s in segments]
    n = x.n_internal
    return np.concatenate(
        [
            np.arange(n, dtype=np.intp),
            n + np.array(source, dtype=np.intp),
            np.arange(x.first_pseudo, x.n_classes, dtype=np.intp),
        ]
    )


def _resegmented(x: Reachability, segments: list[IPRange]) -> Reachability:
    """:func:`resegmented` without the mesh layer."""
    state = x.calico_state or x.policy_state
    assert state is not None and x.mesh is None
    columns = _columns(x, segments)
    take = Taking(columns)
    masks, rules = ends_taken(x, state, take)
    matcher = state.matcher.resegmented(segments)
    after = replace(state, masks=masks, matcher=matcher)
    if isinstance(after, CalicoState) and after.calico_matcher is not None:
        calico = after.calico_matcher.resegmented(segments, matcher.peer_segments)
        after = replace(after, calico_matcher=calico)
    if isinstance(after, CalicoState) and after.columns is not None:
        after = replace(after, columns=_columns_taken(after.columns, x.rules, rules))
    out = replace(
        x,
        segments=list(segments),
        egress_rows=_taken_with_room(take, x.egress_rows),
        egress_group=x.egress_group[columns],
        ingress_rows=_taken_with_room(take, x.ingress_rows),
        ingress_group=x.ingress_group[columns],
        rules=rules,
    )
    if isinstance(after, CalicoState):
        out.calico_state = after
    else:
        out.policy_state = after
    return out


def _columns_taken(
    columns: Columns, before: list[CompiledRule], after: list[CompiledRule]
) -> Columns:
    """The answer columns of Calico's class hashes (:mod:`reach.engine.calicohash`) with
    each rule's peers before (``before``) put as its peers after (``after``, its ends
    taken): the classes keep their places, so the two hold each class alike, and the
    next update's hashes, which read the classes only, find them the same arrays and do
    not compare them (at 10k, 3,000 columns of a Calico cluster stacked and compared
    after each cut: 15 ms)."""
    taken = {id(b.peers): a.peers for b, a in zip(before, after, strict=True)}
    return {name: [taken.get(id(c), c) for c in group] for name, group in columns.items()}


def _taken_with_room(take: Taking, rows: PortSetIds) -> PortSetIds:
    """``rows`` with their columns taken, in a buffer with room after them: the next
    update appends its rows in place (beside the mesh layer, the rows made before are
    then taken as they are, not ANDed again)."""
    return take(rows, 0, out=empty_rows(len(rows), len(take.at), rows.dtype))


def ends_taken(
    x: Reachability, state: PolicyState, take: Taking
) -> tuple[RuleMasks, list[CompiledRule]]:
    """``state``'s rule masks and ``x``'s rules with their classes taken in a new order
    (``take``: the old class of each, -1 a new external end, which resolves named ports as
    every address does and no rule holds yet): each class's named-port resolution and
    every rule's peers (fresh arrays, but when ``take`` keeps the first classes only: views
    of them)."""
    masks = copy.copy(state.masks)
    external = int(state.masks.resolution_of[x.n_internal])  # every address's resolution
    masks.resolution_of = take(state.masks.resolution_of, external)
    n = take.prefix
    peers = (  # the classes after some taken out: views of the first columns
        [r.peers[:n] for r in x.rules]
        if n is not None
        else taken_each(take, [r.peers for r in x.rules], None, False)  # one take for all
    )
    rules = [
        r.with_(peers=p, resolution_of=masks.resolution_of)
        for r, p in zip(x.rules, peers, strict=True)
    ]
    return masks, rules


def cut_anew(x: Reachability, after: list[IPRange]) -> Reachability | None:
    """``x`` with its segments cut finer at the bounds of ``after`` it does not cut at
    (:func:`resegmented`); None when it cuts at them all."""
    if cut_finer(x.segments, after):
        return None
    return resegmented(x, overlay(x.segments, after)[0])


def coarser_segments(x: Reachability, after: list[IPRange]) -> list[IPRange] | None:
    """``after`` when ``x``'s segments are cut finer (:func:`resegmented` to it once the
    change is in), None when they are the same."""
    return after if len(after) < len(x.segments) else None
