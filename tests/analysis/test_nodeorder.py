"""A view's named nodes in id order (``reach.analysis.nodeorder``): kept for a view while
it lives, and what a diff reads of two views with the same nodes is each one's own."""

from __future__ import annotations

import gc

import numpy as np

import reach
from reach.analysis import nodeorder
from reach.analysis.nodeorder import node_order
from reach.api import diff
from tests.helpers import SHOP, TYPO


def test_a_views_order_is_kept_and_is_what_a_fresh_one_is() -> None:
    view = reach.load(SHOP).view("workload")
    kept = node_order(view)
    assert node_order(view) is kept
    nodeorder._KEPT.clear()
    fresh = node_order(view)
    assert fresh is not kept and fresh.ids == kept.ids == sorted(kept.named)
    assert np.array_equal(fresh.node_map, kept.node_map)
    named = [nd.id for nd in view.nodes[: view.n_internal] + view.nodes[view.first_set :]]
    assert [fresh.ids[i] for i in fresh.node_map if i >= 0] == named


def test_an_order_does_not_keep_its_view() -> None:
    nodeorder._KEPT.clear()
    view = reach.load(SHOP).view("pod")
    node_order(view)
    ref = nodeorder._KEPT[-1][0]
    assert ref() is view
    del view
    gc.collect()
    assert ref() is None


def test_a_diff_of_views_with_the_same_nodes_equals_one_with_other_nodes_taken_out() -> None:
    """SHOP and TYPO have the same nodes: the diff reads each view's own order; with a
    pod more on one side (the orders differ) the edges between the other nodes are the
    same changes."""
    a, b = reach.load(SHOP), reach.load(TYPO)
    same = diff(a, b, by="workload")
    assert not same.nodes and same.edges
    extra = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "lone", "namespace": "lonely", "labels": {"x": "y"}},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    plus = reach.load(TYPO)
    plus.apply(extra)
    other = diff(a, plus, by="workload")
    assert [n.node.id for n in other.nodes] == ["lonely/lone[Pod]"]
    kept = [e for e in other.edges if "lonely" not in e.src and "lonely" not in e.dst]
    assert kept == same.edges
