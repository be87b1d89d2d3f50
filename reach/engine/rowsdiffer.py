"""Which of the classes whose rows an update computed again hold other rows after it.

An update in place (:class:`reach.engine.moves.Move`) computes again the rows of every
class a changed policy selects or names, before and after; most often many of them come
out as they were (a policy that adds what another already allows, one in a namespace whose
pods no rule tells apart). A pair's ports are read from the source's egress row and the
destination's ingress row through the AND table
(:meth:`reach.engine.reachability.Reachability.ids`), so a class whose rows of both
directions hold the same ids, in the same port atoms, keeps every pair it is an end of:
``reach diff`` need not read them; a class whose ingress rows alone changed changes only
the pairs it is the destination of (and the other way round). The external ends (address
segments, pseudo peers) have rows too (Istio's sidecars restrict what a pod's proxy
forwards to addresses in the ends' ingress rows): where one of those changed, no class is
left out.
"""

from __future__ import annotations

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.reachability import Reachability

#: Pairs of rows compared at once (a block of rows of every column is copied per side).
_CHUNK = 512


def rows_differ(
    before: Reachability, after: Reachability, classes: BoolVec
) -> tuple[BoolVec, BoolVec]:
    """Of ``classes``, those whose ingress rows and those whose egress rows are other ids
    in ``after`` than in ``before`` (numbered alike: the same classes, over the same port
    atoms, address segments and pseudo peers); ``classes`` both ways where the two cannot
    be compared so, or the rows of an external end may differ (:func:`ends_differ`)."""
    if ends_differ(before, after):
        return classes, classes  # a pod's pairs with an end may change with its rows
    picked = np.flatnonzero(classes)
    out = (np.zeros(len(classes), dtype=bool), np.zeros(len(classes), dtype=bool))
    for differs, side in zip(out, _sides(before, after), strict=True):
        differs[picked] = _differing(*side, picked)
    return out


def ends_differ(before: Reachability, after: Reachability) -> bool:
    """Whether the rows of some external end (address segment, pseudo peer) of either way
    may be others in ``after`` than in ``before``: True where the two are not numbered
    alike (other classes, port atoms, segments or pseudo peers)."""
    if (
        before.atoms is not after.atoms
        or before.segments != after.segments
        or before.pseudo != after.pseudo
        or before.n_internal != after.n_internal
        or len(before.ingress_group) != len(after.ingress_group)
        or len(before.egress_group) != len(after.egress_group)
        or before.ingress_rows.shape[1:] != after.ingress_rows.shape[1:]
        or before.egress_rows.shape[1:] != after.egress_rows.shape[1:]
    ):
        return True
    ends = np.arange(before.n_internal, len(before.ingress_group))
    return any(_differing(*side, ends).any() for side in _sides(before, after))


Side = tuple[PortSetIds, IntVec, PortSetIds, IntVec]


def _sides(before: Reachability, after: Reachability) -> tuple[Side, Side]:
    """Each way's ``(rows, group)`` before and after: ingress, then egress."""
    return (
        (before.ingress_rows, before.ingress_group, after.ingress_rows, after.ingress_group),
        (before.egress_rows, before.egress_group, after.egress_rows, after.egress_group),
    )


def _differing(
    rows_a: PortSetIds, group_a: IntVec, rows_b: PortSetIds, group_b: IntVec, classes: IntVec
) -> BoolVec:
    """Whether each of ``classes`` has another row of one side in ``b`` than in ``a``: each
    distinct pair of rows (classes share rows) compared once, a block at a time."""
    pairs, inverse = np.unique(
        np.stack([group_a[classes], group_b[classes]]), axis=1, return_inverse=True
    )
    differs = np.zeros(pairs.shape[1], dtype=bool)
    for lo in range(0, pairs.shape[1], _CHUNK):
        a, b = pairs[0, lo : lo + _CHUNK], pairs[1, lo : lo + _CHUNK]
        differs[lo : lo + len(a)] = np.any(rows_a[a] != rows_b[b], axis=1)
    out: BoolVec = differs[inverse.reshape(-1)]
    return out
