"""The named nodes of a view in the order of their ids, kept for the views a diff reads
again: an update's diff reads the view after it, and the next update's diff reads the
same view as the one before (at 10k pods 4,280 workload nodes, passed over in Python
five times a diff: about 2 ms of its 6)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from reach.analysis.nodes import Node
from reach.analysis.views import View
from reach.engine.arrays import IntVec


@dataclass(frozen=True)
class NodeOrder:
    """A view's nodes compared by id (internal, network set and pseudo nodes: not address
    ranges), their ids sorted, the place of each id, and the place of each node of the
    view (-1: an address range)."""

    named: dict[str, Node]
    ids: list[str]
    pos: dict[str, int]
    node_map: IntVec


def node_order(view: View) -> NodeOrder:
    """``view``'s :class:`NodeOrder`, kept for the last views asked (by identity, held
    weakly: a view is not changed once made)."""
    for ref, order in _KEPT:
        if ref() is view:
            return order
    named = {nd.id: nd for nd in view.nodes[: view.n_internal] + view.nodes[view.first_set :]}
    ids = sorted(named)
    pos = {n: i for i, n in enumerate(ids)}
    node_map = np.array([pos.get(nd.id, -1) for nd in view.nodes], dtype=np.intp)
    order = NodeOrder(named, ids, pos, node_map)
    _KEPT[:] = [*_KEPT[1 - _KEEP :], (weakref.ref(view), order)]
    return order


#: The views whose orders are kept, the last asked last.
_KEPT: list[tuple[weakref.ref[View], NodeOrder]] = []
_KEEP = 2
