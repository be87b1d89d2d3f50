"""Hashes of each class's answers find the classes that would merge, exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reach
from reach.engine.answerhash import classes_alike, columns_of, contribution, hashes_of, merged
from reach.model.cluster import NetworkPolicy
from reach.model.selectors import LabelSelector
from tests.strategies import clusters


def _policy(name: str) -> NetworkPolicy:
    return NetworkPolicy("ns", name, LabelSelector(), True, False)


def _duplicate(answers: np.ndarray, resolution: np.ndarray) -> bool:
    """The reference: two classes (columns) with the same answers and resolution."""
    seen = {(answers[:, c].tobytes(), int(resolution[c])) for c in range(answers.shape[1])}
    return len(seen) < answers.shape[1]


@settings(max_examples=200)
@given(
    answers=hnp.arrays(bool, st.tuples(st.integers(1, 6), st.integers(1, 8))),
    split=st.integers(0, 6),
    resolutions=st.integers(1, 2),
    data=st.data(),
)
def test_merged_is_exact(answers: np.ndarray, split: int, resolutions: int, data) -> None:
    n = answers.shape[1]
    resolution = np.array(
        data.draw(st.lists(st.integers(0, resolutions - 1), min_size=n, max_size=n))
    )
    cut = min(split, len(answers))
    a, b = _policy("a"), _policy("b")
    hashes = np.zeros(n, dtype=np.uint64)
    for policy, rows in ((a, answers[:cut]), (b, answers[cut:])):
        if len(rows):
            hashes = hashes + contribution(policy, list(rows))
    expected = _duplicate(answers, resolution)
    assert bool(merged(hashes, resolution, lambda classes: answers[:, classes])) == expected
    # hashes that collide everywhere: the answers still decide
    same = np.zeros(n, dtype=np.uint64)
    assert bool(merged(same, resolution, lambda classes: answers[:, classes])) == expected
    groups = _groups(answers, resolution)
    for h in (hashes, same):
        assert merged(h, resolution, lambda classes: answers[:, classes]) == groups


def _groups(answers: np.ndarray, resolution: np.ndarray) -> list[list[int]]:
    """The reference: the classes (columns) alike in answers and resolution, two or more."""
    alike: dict[tuple[bytes, int], list[int]] = {}
    for c in range(answers.shape[1]):
        alike.setdefault((answers[:, c].tobytes(), int(resolution[c])), []).append(c)
    return sorted(group for group in alike.values() if len(group) > 1)


def test_a_policy_taken_out_leaves_the_hashes_of_the_others() -> None:
    answers = [np.array([True, False, True]), np.array([False, False, True])]
    a, b = _policy("a"), _policy("b")
    both = contribution(a, answers[:1]) + contribution(b, answers[1:])
    assert np.array_equal(both - contribution(b, answers[1:]), contribution(a, answers[:1]))


@settings(max_examples=100)
@given(
    answers=hnp.arrays(
        bool,
        st.tuples(st.integers(1, 8), st.integers(1, 64)),
        elements=st.sampled_from([False] * 12 + [True]),  # mostly false: both ways of adding
    ),
    cuts=st.lists(st.integers(1, 7), max_size=3),
)
def test_hashes_of_every_answer_is_the_sum_of_the_contributions(
    answers: np.ndarray, cuts: list[int]
) -> None:
    """The sparse sum over all policies equals the dense contributions added up."""
    from reach.engine.answerhash import hashes_of
    from reach.engine.rules import CompiledRule

    n = answers.shape[1]
    bounds = sorted({0, *(c for c in cuts if c < len(answers)), len(answers)})
    policies, subjects, rules, expected = [], [], [], np.zeros(n, dtype=np.uint64)
    for k, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        policy = _policy(f"p{k}")
        policies.append(policy)
        subjects.append(answers[lo])
        for row in answers[lo + 1 : hi]:
            peers = np.concatenate([row, [True]])  # an external class after the n
            rules.append(
                CompiledRule(policy, None, "ingress", answers[lo], peers, np.zeros((1, 1)))
            )  # type: ignore[arg-type]
        expected = expected + contribution(policy, list(answers[lo:hi]))
    assert np.array_equal(hashes_of(policies, subjects, rules, n), expected)


@settings(max_examples=30, deadline=None)
@given(objects=clusters())
def test_the_class_alike_a_key_is_its_class(objects: list[dict]) -> None:
    """Every label class key's answers find its own behaviour class by the hashes (the
    way a pod of new labels finds its class after a policy update)."""
    x = reach.from_objects(objects).reachability
    keys, state = x.class_keys, x.policy_state
    if keys is None or state is None or keys.answers is None:
        return
    hashes = hashes_of(state.policies, state.subjects, x.rules, x.n_internal)
    asked = (keys.answers.policies, keys.answers.rules)
    for key, cls in zip(keys.label_keys, keys.behaviour, strict=True):
        found = keys.answers.answers_of(key)
        assert found is not None
        answers, ports = found
        resolved = state.masks.resolutions.index(ports)
        columns = columns_of(state.subjects, x.rules)
        resolution = state.masks.resolution_of[: x.n_internal]
        assert classes_alike(hashes, resolution, columns, asked, answers, resolved)[:1] == [cls]
        if answers:  # answers no class has: none found (not the class of a near hash)
            flipped = [not answers[0], *answers[1:]]
            assert cls not in classes_alike(hashes, resolution, columns, asked, flipped, resolved)


def test_the_rules_of_one_cilium_object_weigh_apart() -> None:
    """``specs``: the rules of one object are policies of one kind, namespace and name; a
    class selected by one rule and a class selected by the other must not hash alike."""
    from reach.engine.answerhash import _policy_weight

    first = reach.from_objects(
        [
            {
                "apiVersion": "cilium.io/v2",
                "kind": "CiliumNetworkPolicy",
                "metadata": {"name": "two", "namespace": "shop"},
                "specs": [
                    {"endpointSelector": {"matchLabels": {"app": "a"}}, "ingress": [{}]},
                    {"endpointSelector": {"matchLabels": {"app": "b"}}, "ingress": [{}]},
                ],
            }
        ]
    ).cluster.cilium_policies
    assert [p.part for p in first] == [0, 1]
    assert _policy_weight(first[0]) != _policy_weight(first[1])
