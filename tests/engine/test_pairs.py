"""Pairs on demand: the first question asked of a fresh compile gets every answer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import reach
from tests.builders import netpol, pod


def _fresh() -> reach.Reach:
    """Egress allows 80-90, ingress 85-95: the pair's ports (85-90) are a mask neither side
    has, interned only when a pair is first looked up."""
    port = [{"port": 80, "endPort": 90, "protocol": "TCP"}]
    objects = [
        pod("a", "n", {"app": "a"}),
        pod("b", "n", {"app": "b"}),
        netpol(
            "a-out",
            "n",
            {"matchLabels": {"app": "a"}},
            policyTypes=["Egress"],
            egress=[{"ports": port}],
        ),
        netpol(
            "b-in",
            "n",
            {"matchLabels": {"app": "b"}},
            policyTypes=["Ingress"],
            ingress=[{"ports": [{"port": 85, "endPort": 95, "protocol": "TCP"}]}],
        ),
    ]
    return reach.from_objects(objects)


def test_block_as_the_first_question_sees_interned_pair_results() -> None:
    rb = _fresh().reachability
    block = rb.block(slice(None), slice(None))
    assert block.shape[:2] == (rb.n_classes, rb.n_classes)
    assert any(
        rb.atoms.portset(np.ascontiguousarray(m)) == reach.PortSet.of("TCP", 85, 90)
        for m in block.reshape(-1, rb.atoms.words)
    )


def test_node_ids_as_the_first_question_sees_interned_pair_results() -> None:
    r = _fresh()
    view = r.view("namespace")
    ids = view.node_ids(np.arange(len(view.nodes)), np.arange(len(view.nodes)))
    assert ids.max() < len(r.reachability.atoms.portsets)


@given(st.integers(0, 2**32 - 1), st.integers(2, 400))
@settings(max_examples=25, deadline=None)
def test_ids_of_classes_named_many_times_are_those_of_each_pair(seed: int, size: int) -> None:
    """``ids`` reads a class named many times once and spreads its block (above 65,536
    pairs): every entry is still the pair's own answer, external ends included."""
    rb = _fresh().reachability
    rng = np.random.default_rng(seed)
    src = rng.integers(0, rb.n_classes, size)
    dst = rng.integers(0, rb.n_classes, 70_000 // size + 1)
    got = rb.ids(src, dst)
    want = rb.pair_ids(*np.meshgrid(src, dst, indexing="ij"))
    assert got.shape == (len(src), len(dst))
    assert (got == want).all()
