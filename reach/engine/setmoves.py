"""Calico's network sets changed where Calico's tiers do not decide (the input has no
enforced Calico policy and no Profile: ``calicoplan.calico_evaluated``), without compiling
again.

Then no rule reads a network set, but a compilation cuts the address segments at every
set's CIDRs all the same, so that each set is a node of its own made of whole segments
(``compile``; the views make the nodes: ``views.set_segments``). A set added, changed or
deleted therefore changes no answer about pods and no rule: the segments are cut finer at
the CIDRs no rule or set cut at before the change, and coarser at the end where the last
bounds of a set go (:mod:`reach.engine.segmentmoves`); every row stays, and the views make
their end nodes again. Beside Calico's tiers a set is what its rules pick:
``calicomoves.calico_sets_moved``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.moves import Move
from reach.engine.policyframe import policy_frame
from reach.engine.policymoves import frame_blocks
from reach.engine.reachability import Reachability
from reach.engine.rules import evaluation_order
from reach.engine.segmentmoves import coarser_segments, cut_anew
from reach.model.cluster import Cluster
from reach.model.ipspace import segments


def sets_moved(x: Reachability, cluster: Cluster) -> Move | None:
    """``x`` for ``cluster``, whose network sets are ``x.cluster``'s changed (and nothing
    else), Calico's tiers deciding neither before nor after, as a :class:`Move` whose
    views make their end nodes again; None when ``x`` keeps no state to cut its segments
    with."""
    if x.policy_state is None and x.mesh_state is None:
        return None
    blocks = frame_blocks(x, cluster, policy_frame(evaluation_order(cluster)).blocks)
    after = segments(blocks)
    finer = cut_anew(x, after)
    ipv6 = any(b.cidr.version == 6 for b in blocks)
    moved = replace(finer or x, cluster=cluster, ipv6=ipv6)
    unchanged = np.zeros(x.n_internal, dtype=bool)
    ends = coarser_segments(moved, after) or moved.segments  # (the end nodes made again)
    return Move(moved, unchanged, [], None, finer, ends)
