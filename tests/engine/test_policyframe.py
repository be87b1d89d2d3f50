"""reach.engine.policyframe: what a list of policies asks of the frame, kept for the
lists asked last (known again by the identity of each policy)."""

from __future__ import annotations

from typing import Any

import reach
from reach.engine.atoms import cuts_of
from reach.engine.policyframe import policy_frame
from reach.engine.portmasks import numeric_ports
from reach.engine.rules import rule_blocks, rule_triples, used_named_ports
from reach.model.cluster import Cluster


def _policy(name: str, port: object, cidr: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "a"},
        "spec": {
            "podSelector": {},
            "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}], "ports": [{"port": port}]}],
        },
    }


def _cluster(*policies: dict[str, Any]) -> Cluster:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    cluster: Cluster = reach.from_objects([ns, *policies]).cluster
    return cluster


def test_the_frame_is_read_from_every_rule_of_the_policies() -> None:
    policies = _cluster(
        _policy("p", "http", "10.0.0.0/8"), _policy("q", 8080, "10.1.0.0/16")
    ).policies
    frame = policy_frame(policies, {})
    triples = rule_triples(policies)
    assert frame.named == {("http", "TCP")} == set(used_named_ports(triples))
    assert [str(b.cidr) for b in frame.blocks] == ["10.0.0.0/8", "10.1.0.0/16"]
    assert frame.blocks == rule_blocks(triples)
    expected = cuts_of([numeric_ports(rule.ports) for _, rule, _ in triples])
    assert frame.cuts == expected and 8080 in frame.cuts["TCP"]


def test_the_same_policies_find_the_kept_frame_and_others_a_new_one() -> None:
    first = _cluster(_policy("p", "http", "10.0.0.0/8")).policies
    frame = policy_frame(first, {})
    assert policy_frame(list(first), {}) is frame  # another list of the same policies
    # the same policy read again (equal, another object) with other ports: read anew
    changed = _cluster(_policy("p", 9090, "10.0.0.0/8")).policies
    other = policy_frame(changed, {})
    assert other is not frame
    assert other.named == frozenset() and 9090 in other.cuts["TCP"]
    assert policy_frame([*first, *changed], {}).named == {("http", "TCP")}


def test_a_frame_read_a_policy_at_a_time_is_the_frame_of_every_rule() -> None:
    """Lists that share policies (kept parts) and lists of none give the frame read from
    every rule of the list at once."""
    policies = _cluster(
        _policy("p", "http", "10.0.0.0/8"),
        _policy("q", 8080, "10.1.0.0/16"),
        _policy("r", "metrics", "192.168.0.0/24"),
        _policy("s", 53, "10.2.0.0/16"),
    ).policies
    lists = [policies, policies[1:], [policies[3], policies[0]], [], policies[:2], policies[2:]]
    for some in lists:
        frame = policy_frame(some, {})
        triples = rule_triples(list(some))
        assert frame.named == frozenset(used_named_ports(triples))
        assert frame.blocks == rule_blocks(triples)
        assert frame.cuts == cuts_of([numeric_ports(rule.ports) for _, rule, _ in triples])
