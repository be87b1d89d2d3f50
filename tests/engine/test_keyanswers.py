"""The label keys selectors name: read by selectors for NetworkPolicies and admin policies,
as the generic walk of every field finds them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reach
from reach.engine.classes import NamedPorts, signature_of, signatures
from reach.engine.keyanswers import _named_keys, _walk
from reach.input.netpol import parse_network_policy
from tests.helpers import SHARED
from tests.strategies import policy_manifests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("example", ["shop", "microservices-demo", "rollout"])
def test_the_selector_keys_of_the_examples_are_those_every_field_holds(example: str) -> None:
    cluster = reach.load(str(EXAMPLES / example)).analysis.cluster
    policies = [*cluster.policies, *cluster.admin_policies]
    fast: set[str] = set()
    walked: set[str] = set()
    _named_keys(policies, fast)
    _walk(policies, walked)
    assert fast == walked and fast


def test_the_selector_keys_of_admin_policies_are_those_every_field_holds() -> None:
    cases = sorted((SHARED / "conformance" / "anp").glob("*/input"))
    if not cases:
        pytest.skip("no conformance corpus beside the repository")
    admins = 0
    for case in cases:
        cluster = reach.load(str(case)).analysis.cluster
        fast: set[str] = set()
        walked: set[str] = set()
        _named_keys([*cluster.admin_policies, *cluster.policies], fast)
        _walk([*cluster.admin_policies, *cluster.policies], walked)
        assert fast == walked, case.name
        admins += len(cluster.admin_policies)
    assert admins > 0


@settings(max_examples=100)
@given(data=st.data())
def test_the_selector_keys_of_random_policies_are_those_every_field_holds(
    data: st.DataObject,
) -> None:
    obj = data.draw(policy_manifests("ns-a", "p"))
    policy = parse_network_policy(obj)
    fast: set[str] = set()
    walked: set[str] = set()
    _named_keys([policy], fast)
    _walk([policy], walked)
    assert fast == walked


@given(st.lists(st.booleans(), max_size=200), st.integers(1, 5))
def test_the_signature_of_one_class_is_the_one_of_many(answers: list[bool], rows: int) -> None:
    """``signature_of`` packs one class's answers as ``signatures`` packs each class's."""
    ports: NamedPorts = ((8080,),)
    columns = [np.array([a] * rows) for a in answers]
    assert signatures(columns, [ports] * rows)[rows - 1] == signature_of(answers, ports)


def test_a_new_keys_answers_are_the_matchers_with_policies_elsewhere_asked_by_namespace() -> None:
    """A NetworkPolicy of another namespace selects none of the key's pods, and a rule of
    it whose peers have no namespace selector holds none: ``asked`` answers those without
    the matcher, and answers as the matcher does."""

    def ns(name: str) -> dict[str, object]:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"team": name}},
        }

    def pod(name: str, space: str) -> dict[str, object]:
        meta = {"name": name, "namespace": space, "labels": {"app": "web"}}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": []}}

    def policy(space: str, peer: dict[str, object]) -> dict[str, object]:
        spec = {"podSelector": {}, "ingress": [{"from": [peer]}], "egress": [{"to": [peer]}]}
        meta = {"name": f"p-{len(str(peer))}", "namespace": space}
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": spec,
        }

    web = {"podSelector": {"matchLabels": {"app": "web"}}}
    team_a = {"namespaceSelector": {"matchLabels": {"team": "a"}}}
    block = {"ipBlock": {"cidr": "10.0.0.0/8"}}
    objects = [ns("a"), ns("b"), pod("b-1", "b"), policy("b", web), policy("b", team_a)]
    objects += [policy("b", block), policy("a", web)]
    every = policy("b", web)  # a rule of no peers (``peers is None``) holds every pod
    every["metadata"]["name"], every["spec"]["ingress"] = "every", [{}]
    empty = policy("b", web)  # an empty list of peers too ("matches all destinations")
    empty["metadata"]["name"], empty["spec"]["egress"] = "empty", [{"to": []}]
    objects += [every, empty]
    x = reach.from_objects(objects).analysis.reachability
    newcomer = reach.from_objects([*objects, pod("a-1", "a")]).cluster.pods
    assert x.class_keys is not None and x.class_keys.answers is not None
    answers = x.class_keys.answers
    key = x.class_keys.key_of(next(p for p in newcomer if p.name == "a-1"))
    got = answers.asked(key)
    matcher = answers.matcher(key)
    assert got is not None and matcher is not None
    want = [bool(matcher.selected(p)[0]) for p in answers.policies]
    want += [bool(matcher.rule_peers(rule, p)[0][0]) for p, rule, _ in answers.rules]
    assert got[0] == want
    assert any(want) and not all(want)  # b's policy from team a holds it; the others not
    # team a's both ways, no peers and an empty list of them, a's own policy both ways
    assert got[0][len(answers.policies) :].count(True) == 6


def test_the_policies_label_keys_are_read_again_for_other_policies() -> None:
    """The label keys a projection keeps are read from the policies it is of: answers
    copied for other policies (as updates copy them) project onto those policies' keys,
    not onto the keys kept for the policies before."""

    def cluster(*selectors: dict[str, str]) -> reach.Reach:
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
        labels = {"app": "web", "tier": "front", "extra": "x"}
        meta = {"name": "p", "namespace": "a", "labels": labels}
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": []}}
        policies = [
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"np-{k}", "namespace": "a"},
                "spec": {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress"]},
            }
            for k, selector in enumerate(selectors)
        ]
        return reach.from_objects([ns, pod, *policies])

    first = cluster({"app": "web"}).analysis.reachability.class_keys
    both = cluster({"app": "web"}, {"tier": "front"}).analysis.reachability.class_keys
    assert first is not None and both is not None
    assert first.answers is not None and both.answers is not None
    key = first.label_keys[0]
    assert [k for k, _ in first.answers.projection(key)[1]] == ["app"]
    # the answers of the first cluster, copied for the policies of the second
    other = replace(
        first.answers, policies=both.answers.policies, rules=both.answers.rules, _selector_keys=[]
    )
    assert [k for k, _ in other.projection(key)[1]] == ["app", "tier"]
    # and its answers are those of the second cluster's policies (asked of each)
    assert first.answers.asked(key) is not None  # the first policies' places, kept
    assert other.asked(key) == both.answers.asked(key)
    assert other.asked(key) is not None and other.asked(key)[0][:2] == [True, True]


def test_the_rules_of_the_same_policy_list_are_the_answers_own() -> None:
    """Carried to the same policy list (a Calico change leaves the other kinds' as they
    are), the answers keep their rule list, so what :meth:`KeyAnswers.asked` found for it
    is kept; another list's rules are read from it, in order."""
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    meta = {"name": "p", "namespace": "a", "labels": {"app": "web"}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": []}}
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "np", "namespace": "a"},
        "spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]},
    }
    keys = reach.from_objects([ns, pod, policy]).analysis.reachability.class_keys
    assert keys is not None and keys.answers is not None
    answers = keys.answers
    assert answers.rules_of(answers.policies) is answers.rules
    copied = list(answers.policies)
    assert answers.rules_of(copied) is not answers.rules
    assert answers.rules_of(copied) == answers.rules and len(answers.rules) == 1
