"""``engine.matching``: the answers of peers are kept by the value of their selectors, and
by the policy's namespace only where a peer reads it."""

from __future__ import annotations

import numpy as np

import reach
from reach.engine.reachability import Reachability
from tests.builders import namespace, netpol, pod, sel


def _policy(ns: str) -> dict[str, object]:
    """A policy of ``ns`` whose rules are equal to those of the same policy elsewhere (its
    parsed selectors other objects): one peer of every namespace labelled ``team: a``,
    one of the pods of its own namespace labelled ``app: db``."""
    return netpol(
        "p",
        ns,
        sel(),
        ingress=[
            {"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]},
            {"from": [{"podSelector": {"matchLabels": {"app": "db"}}}]},
        ],
    )


def _two_namespaces() -> Reachability:
    """Namespace ``one`` (labelled ``team: a``) and ``two``, a pod ``app: db`` and the
    policy :func:`_policy` in each."""
    objects = [
        namespace("one", team="a"),
        namespace("two"),
        pod("db", "one", {"app": "db"}),
        pod("db", "two", {"app": "db"}),
        _policy("one"),
        _policy("two"),
    ]
    return reach.from_objects(objects).reachability


def test_peers_of_equal_selectors_share_an_answer_and_own_namespace_peers_do_not() -> None:
    x = _two_namespaces()
    state = x.policy_state
    assert state is not None
    matcher = state.matcher
    matcher.forget()
    first, second = x.cluster.policies
    assert first.ingress[0].peers is not second.ingress[0].peers  # parsed apart
    by_namespace = [matcher.rule_peers(p.ingress[0], p)[0] for p in (first, second)]
    assert by_namespace[0] is by_namespace[1]  # one answer for equal selectors
    own = [matcher.rule_peers(p.ingress[1], p)[0] for p in (first, second)]
    assert own[0] is not own[1]
    labels = state.labels
    names = list(matcher.namespace_position)
    in_ns = [names[i] for i in labels.namespace.tolist()]
    assert [ns for ns, held in zip(in_ns, own[0], strict=True) if held] == ["one"]
    assert [ns for ns, held in zip(in_ns, own[1], strict=True) if held] == ["two"]
    assert [ns for ns, held in zip(in_ns, by_namespace[0], strict=True) if held] == ["one"]
    assert np.count_nonzero(by_namespace[0]) == 1


def test_rules_of_equal_peers_share_one_array_of_peers_and_others_do_not() -> None:
    """``compile``: one peers array for rules the matcher answers alike, which a
    renumbering takes once (``taking.taken_each``)."""
    x = _two_namespaces()
    peers = {(str(r.policy), r.rule.peers[0].pod_selector is None): r.peers for r in x.rules}
    assert peers[("one/p", True)] is peers[("two/p", True)]  # every namespace labelled
    assert peers[("one/p", False)] is not peers[("two/p", False)]  # each its own namespace
    assert not np.array_equal(peers[("one/p", False)], peers[("two/p", False)])
