"""What a policy or namespace changed in place gives (:mod:`reach.engine.policymoves`,
:mod:`reach.engine.namespacemoves`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.reachability import Reachability
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import AdminPolicy, NetworkPolicy
from reach.model.ipspace import IPRange
from reach.model.pseudo import PseudoPeer

#: The policies that can change in place: NetworkPolicies, admin policies (ANP, BANP,
#: ClusterNetworkPolicy) and Cilium policies.
Moved = NetworkPolicy | AdminPolicy | CiliumPolicy

#: How classes were split before the change: the new number of each class (a split
#: class's first part's), and the classes split (:func:`classsplits.split_by`).
Split = tuple[IntVec, list[int]]


def rows_kept(x: Reachability) -> Move:
    """The move to ``x`` of a change that left every class's rows as they were (namespaces
    added or deleted, entry points changed)."""
    return Move(x, np.zeros(x.n_internal, dtype=bool), [], None)


@dataclass(frozen=True)
class Move:
    """A change made in place: the reachability after it, the behaviour classes whose
    rows changed, the groups of classes that now answer everything alike (to be merged:
    :func:`reach.engine.classsplits.merged_classes`), and how classes were split first
    (None: they were not; the other fields are numbered after the split). The external
    ends may be cut finer first (``cut``) and coarser at the end (``segments``,
    ``pseudo``)."""

    x: Reachability
    changed: BoolVec
    merge: list[list[int]]
    split: Split | None
    #: The compilation before the change with its address segments cut finer or pseudo
    #: peers added, when they were (:mod:`reach.engine.segmentmoves`,
    #: :mod:`reach.engine.pseudomoves`: the split and ``x`` follow it).
    cut: Reachability | None = None
    #: The address segments to cut coarser to once the classes are merged, the views'
    #: end nodes made again (the same as ``x``'s: only made again); None: ``x``'s stay,
    #: and so do the end nodes.
    segments: list[IPRange] | None = None
    #: The pseudo peers to keep then (those no rule names any more go:
    #: :func:`reach.engine.pseudomoves.with_pseudo`); None: ``x``'s stay.
    pseudo: list[PseudoPeer] | None = None
