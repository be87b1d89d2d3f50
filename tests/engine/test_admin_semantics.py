"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy, rule by rule.

Each expectation is derived from the field descriptions of the CRDs in
../shared/specs (quoted in the docstrings); no conformance corpus exists for
ClusterNetworkPolicy (v1alpha2).
"""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.errors import InvalidInput
from reach.model.ports import PortSet
from tests.builders import conns, ext_ports, namespace, netpol, pod, sel

ALL = PortSet.all()
Obj = dict[str, Any]


def anp(name: str, priority: int, subject: Obj, **rules: Any) -> Obj:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": subject, **rules},
    }


def banp(subject: Obj, name: str = "default", **rules: Any) -> Obj:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"subject": subject, **rules},
    }


def cnp(name: str, tier: str, priority: int, subject: Obj, **rules: Any) -> Obj:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"tier": tier, "priority": priority, "subject": subject, **rules},
    }


def rule(action: str, peers: list[Obj], key: str = "from", name: str = "r", **extra: Any) -> Obj:
    return {"name": name, "action": action, key: peers, **extra}


def pods_sel(ns: Obj | None = None, **labels: str) -> Obj:
    return {"pods": {"namespaceSelector": ns or {}, "podSelector": sel(**labels)}}


EVERYONE = {"namespaces": {}}
A_TO_B = "default/a", "default/b"


def base() -> list[Obj]:
    return [
        namespace("default"),
        pod("a", labels={"app": "a"}, ports=[("http", 8080, "TCP")]),
        pod("b", labels={"app": "b"}, ports=[("http", 8080, "TCP"), ("dns", 53, "UDP")]),
    ]


# -- AdminNetworkPolicy ------------------------------------------------------------------------


def test_anp_deny_overrides_a_networkpolicy_allow() -> None:
    """ANP: "All AdminNetworkPolicy rules have higher precedence than NetworkPolicy"."""
    allow_np = netpol("np", selector=sel(app="b"), ingress=[{}])
    deny = anp("deny-a", 10, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    assert A_TO_B in conns([*base(), allow_np])
    assert A_TO_B not in conns([*base(), allow_np, deny])


def test_anp_allow_overrides_a_networkpolicy_deny() -> None:
    """Allow: "allows the selected traffic (even if it would otherwise have been denied by NetworkPolicy)"."""
    deny_np = netpol("deny", selector={}, ingress=[])
    allow = anp("allow-a", 10, pods_sel(app="b"), ingress=[rule("Allow", [pods_sel(app="a")])])
    assert conns([*base(), deny_np, allow])[A_TO_B] == ALL


def test_anp_lower_priority_number_wins() -> None:
    """priority: "Policies with lower priority values have higher precedence"."""
    allow = anp("allow", 5, pods_sel(app="b"), ingress=[rule("Allow", [pods_sel(app="a")])])
    deny = anp("deny", 50, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    assert conns([*base(), allow, deny])[A_TO_B] == ALL
    allow["spec"]["priority"] = 60
    assert A_TO_B not in conns([*base(), allow, deny])


def test_anp_rules_are_evaluated_in_written_order() -> None:
    """ingress: "a rule that appears at the top of the ingress rules would take the highest precedence"."""
    port80 = [{"portNumber": {"port": 80}}]
    rules = [rule("Allow", [pods_sel(app="a")], ports=port80), rule("Deny", [pods_sel(app="a")])]
    got = conns([*base(), anp("x", 1, pods_sel(app="b"), ingress=rules)])
    assert got[A_TO_B] == PortSet.of("TCP", 80)


def test_anp_pass_skips_remaining_anps_and_goes_to_networkpolicy() -> None:
    """Pass: "skip any remaining ANP rules, and then pass execution to any NetworkPolicies"."""
    passing = anp("pass", 1, pods_sel(app="b"), ingress=[rule("Pass", [pods_sel(app="a")])])
    deny = anp("deny", 2, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    assert conns([*base(), passing, deny, np_allow])[A_TO_B] == PortSet.of("TCP", 443)
    # not selected by any NetworkPolicy: passed traffic goes to the baseline, then default allow
    assert conns([*base(), passing, deny])[A_TO_B] == ALL


def test_anp_no_matching_rule_leaves_networkpolicy_in_charge() -> None:
    other = anp("other", 1, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="nobody")])])
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    assert conns([*base(), other, np_allow])[A_TO_B] == PortSet.of("TCP", 443)


def test_anp_applies_per_direction_and_both_must_allow() -> None:
    """Egress is judged at the source and ingress at the destination; both must allow."""
    eg_deny = anp("eg", 1, pods_sel(app="a"), egress=[rule("Deny", [pods_sel(app="b")], key="to")])
    ing_allow = anp("in", 2, pods_sel(app="b"), ingress=[rule("Allow", [pods_sel(app="a")])])
    assert A_TO_B not in conns([*base(), eg_deny, ing_allow])


def test_anp_named_port_resolves_on_destination() -> None:
    """namedPort selects a port on the destination pod by its container port name."""
    ports = [{"namedPort": "dns"}]
    deny = anp("x", 1, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")], ports=ports)])
    assert conns([*base(), deny])[A_TO_B] == ALL - PortSet.of("UDP", 53)


def test_anp_port_range_is_inclusive() -> None:
    ports = [{"portRange": {"protocol": "UDP", "start": 100, "end": 200}}]
    deny = anp("x", 1, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")], ports=ports)])
    assert conns([*base(), deny])[A_TO_B] == ALL - PortSet.of("UDP", 100, 200)


def test_anp_networks_peer_matches_external_addresses() -> None:
    """networks: "select peers via CIDR blocks ... entities that live outside the cluster"."""
    deny = anp(
        "x", 1, pods_sel(app="a"), egress=[rule("Deny", [{"networks": ["8.8.8.0/24"]}], key="to")]
    )
    objs = [*base(), deny]
    assert ext_ports(objs, "default/a", "8.8.8.8").is_empty()
    assert ext_ports(objs, "default/a", "9.9.9.9") == ALL
    assert conns(objs)[A_TO_B] == ALL  # pods are not matched by networks offline


def test_anp_subject_namespaces_selects_all_their_pods() -> None:
    objs = [
        namespace("prod", env="prod"),
        pod("x", "prod"),
        pod("y"),
        anp("x", 1, {"namespaces": sel(env="prod")}, ingress=[rule("Deny", [EVERYONE])]),
    ]
    got = conns(objs)
    assert ("default/y", "prod/x") not in got
    assert ("prod/x", "default/y") in got


def test_host_network_pods_are_not_in_anp_subject_or_peers() -> None:
    """subject: "Note that host-networked pods are not included in subject selection."."""
    objs = [
        pod("a", labels={"app": "a"}),
        pod("h", labels={"app": "h"}, hostNetwork=True),
        anp("x", 1, {"namespaces": {}}, ingress=[rule("Deny", [EVERYONE])]),
    ]
    got = conns(objs)
    assert ("default/a", "default/h") in got  # h is not a subject
    assert ("default/h", "default/a") in got  # nor a peer of the deny


# -- BaselineAdminNetworkPolicy -------------------------------------------------------------------


def test_banp_applies_when_no_networkpolicy_selects_the_pod() -> None:
    """BANP ingress: "applied to the selected pods if they are not matched by any AdminNetworkPolicy or NetworkPolicy rules"."""
    deny = banp(pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    assert A_TO_B not in conns([*base(), deny])


def test_networkpolicy_overrides_banp() -> None:
    deny = banp(pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    assert conns([*base(), deny, np_allow])[A_TO_B] == PortSet.of("TCP", 443)


def test_banp_allow_before_deny_in_written_order() -> None:
    rules = [
        rule("Allow", [pods_sel(app="a")], ports=[{"portNumber": {"port": 80}}]),
        rule("Deny", [EVERYONE]),
    ]
    assert conns([*base(), banp(pods_sel(app="b"), ingress=rules)])[A_TO_B] == PortSet.of("TCP", 80)


def test_banp_must_be_named_default() -> None:
    with pytest.raises(InvalidInput, match="must be named 'default'"):
        reach.from_objects([*base(), banp(EVERYONE, name="other")])


# -- ClusterNetworkPolicy (v1alpha2) -------------------------------------------------------------


def test_cnp_admin_accept_overrides_networkpolicy() -> None:
    """Accept: "No further egress ClusterNetworkPolicy or NetworkPolicy rules will be processed"."""
    deny_np = netpol("deny", selector={}, ingress=[])
    accept = cnp(
        "acc", "Admin", 1, pods_sel(app="b"), ingress=[rule("Accept", [pods_sel(app="a")])]
    )
    assert conns([*base(), deny_np, accept])[A_TO_B] == ALL


def test_cnp_admin_deny_is_final() -> None:
    """Deny: "Drops the selected traffic. No further ClusterNetworkPolicy or NetworkPolicy rules will be processed"."""
    np_allow = netpol("np", selector={}, ingress=[{}])
    deny = cnp("d", "Admin", 1, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    assert A_TO_B not in conns([*base(), np_allow, deny])


def test_cnp_admin_pass_goes_to_networkpolicy_tier() -> None:
    """Pass: "Skips all further ClusterNetworkPolicy rules in the current tier ... passes evaluation to the next tier"."""
    passing = cnp("p", "Admin", 1, pods_sel(app="b"), ingress=[rule("Pass", [pods_sel(app="a")])])
    deny = cnp("d", "Admin", 2, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")])])
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    assert conns([*base(), passing, deny, np_allow])[A_TO_B] == PortSet.of("TCP", 443)


def test_cnp_baseline_pass_goes_to_default_allow() -> None:
    """Tier: "If a given connection wasn't allowed or denied by any of the tiers, the default ... all pods can communicate"."""
    passing = cnp(
        "p", "Baseline", 1, pods_sel(app="b"), ingress=[rule("Pass", [pods_sel(app="a")])]
    )
    deny = cnp("d", "Baseline", 2, pods_sel(app="b"), ingress=[rule("Deny", [EVERYONE])])
    assert conns([*base(), passing, deny])[A_TO_B] == ALL
    assert ("default/b", "default/a") in conns([*base(), passing, deny])


def test_cnp_several_baseline_policies_by_priority() -> None:
    allow = cnp(
        "a", "Baseline", 1, pods_sel(app="b"), ingress=[rule("Accept", [pods_sel(app="a")])]
    )
    deny = cnp("d", "Baseline", 2, pods_sel(app="b"), ingress=[rule("Deny", [EVERYONE])])
    assert conns([*base(), allow, deny])[A_TO_B] == ALL
    allow["spec"]["priority"] = 3
    assert A_TO_B not in conns([*base(), allow, deny])


def test_cnp_baseline_is_overridden_by_networkpolicy() -> None:
    """Tier: "Baseline tier is a cluster-wide policy that can be overridden by the v1.NetworkPolicy"."""
    deny = cnp("d", "Baseline", 1, pods_sel(app="b"), ingress=[rule("Deny", [EVERYONE])])
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{}])
    assert conns([*base(), deny, np_allow])[A_TO_B] == ALL


def test_cnp_protocols_and_named_port() -> None:
    """protocols: tcp/udp/sctp destinationPort number or range; destinationNamedPort by name."""
    protocols = [
        {"tcp": {"destinationPort": {"number": 80}}},
        {"udp": {"destinationPort": {"range": {"start": 1000, "end": 2000}}}},
        {"destinationNamedPort": "http"},
    ]
    deny = cnp(
        "d",
        "Admin",
        1,
        pods_sel(app="b"),
        ingress=[rule("Deny", [pods_sel(app="a")], protocols=protocols)],
    )
    want = ALL - PortSet.of("TCP", 80) - PortSet.of("UDP", 1000, 2000) - PortSet.of("TCP", 8080)
    assert conns([*base(), deny])[A_TO_B] == want


def test_cnp_domain_names_are_reported_as_unresolved() -> None:
    """domainNames cannot be resolved offline: reported, matching nothing."""
    accept = cnp(
        "dns",
        "Admin",
        1,
        pods_sel(app="a"),
        egress=[rule("Accept", [{"domainNames": ["*.example.com"]}], key="to", name="to-example")],
    )
    r = reach.from_objects([*base(), accept])
    assert any("domain *.example.com cannot be resolved offline" in w for w in r.warnings)
    assert any("CNP dns (priority 1) egress rule to-example" in w for w in r.warnings)


# -- explain names the decisive tier and rule -------------------------------------------------------


def test_explain_names_the_denying_anp_rule() -> None:
    deny = anp(
        "deny-from-slytherin",
        50,
        pods_sel(app="b"),
        ingress=[rule("Deny", [pods_sel(app="a")], name="deny-all-ingress-from-slytherin")],
    )
    (e,) = reach.from_objects([*base(), deny]).explain("pod/default/a", "pod/default/b")
    assert e.allowed.is_empty()
    assert (
        "denied by ANP deny-from-slytherin (priority 50), rule deny-all-ingress-from-slytherin"
        in e.reason()
    )


def test_explain_shows_pass_then_networkpolicy() -> None:
    passing = anp(
        "pass-b", 1, pods_sel(app="b"), ingress=[rule("Pass", [pods_sel(app="a")], name="p")]
    )
    np_allow = netpol("np", selector=sel(app="b"), ingress=[{"ports": [{"port": 443}]}])
    (e,) = reach.from_objects([*base(), passing, np_allow]).explain(
        "pod/default/a", "pod/default/b"
    )
    assert e.ingress is not None
    text = str(e)
    assert "[Admin] ANP pass-b (priority 1), rule p passes All Connections" in text
    assert "[NetworkPolicy] default/np ingress[0] allows TCP 443" in text
    assert e.allowed == PortSet.of("TCP", 443)


# -- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, message",
    [
        (anp("x", 1001, EVERYONE), "spec.priority: 1001 is outside 0-1000"),
        (
            anp("x", 1, EVERYONE, ingress=[rule("Allow!", [EVERYONE])]),
            "spec.ingress[0].action: 'Allow!' is not one of Allow, Deny, Pass",
        ),
        (
            banp(EVERYONE, ingress=[rule("Pass", [EVERYONE])]),
            "spec.ingress[0].action: 'Pass' is not one of Allow, Deny",
        ),
        (
            cnp("x", "Admin", 1, EVERYONE, ingress=[rule("Allow", [EVERYONE])]),
            "spec.ingress[0].action: 'Allow' is not one of Accept, Deny, Pass",
        ),
        (cnp("x", "Middle", 1, EVERYONE), "spec.tier: 'Middle' is not Admin or Baseline"),
        (anp("x", 1, EVERYONE, ingress=[rule("Deny", [])]), "spec.ingress[0].from: is required"),
        (
            anp("x", 1, EVERYONE, egress=[rule("Deny", [{"networks": ["10.0.0.0/33"]}], key="to")]),
            "spec.egress[0].to[0].networks[0]",
        ),
        (
            anp("x", 1, EVERYONE, ingress=[rule("Deny", [{"networks": ["10.0.0.0/8"]}])]),
            "spec.ingress[0].from[0].networks: unknown field",
        ),
        (
            anp("x", 1, {"namespaces": {}, "pods": {}}),
            "spec.subject: exactly one of namespaces or pods",
        ),
    ],
)
def test_invalid_admin_policies_name_the_field(obj: Obj, message: str) -> None:
    with pytest.raises(InvalidInput) as e:
        reach.from_objects([*base(), obj])
    assert message in str(e.value)


def test_same_priority_overlapping_anps_warn() -> None:
    """priority: "If two (or more) policies with the same priority could both match a connection ... there is no way for the user to reliably determine which one it will choose"."""
    a = anp("a", 7, pods_sel(app="b"), ingress=[rule("Allow", [pods_sel(app="a")])])
    b = anp("b", 7, pods_sel(app="b"), ingress=[rule("Deny", [EVERYONE])])
    c = anp("c", 7, pods_sel(app="a"), ingress=[rule("Deny", [EVERYONE])])  # other subject
    r = reach.from_objects([*base(), a, b, c])
    overlaps = [w for w in r.warnings if "share priority 7" in w]
    assert overlaps == [
        "ANP a (priority 7) and ANP b (priority 7) share priority 7 in the Admin tier and their "
        "rules overlap: which applies first is undefined (results assume name order)"
    ]


# -- audit checks of the tiers ---------------------------------------------------------------------


def test_audit_finds_a_rule_shadowed_by_an_anp() -> None:
    """ANP: "All AdminNetworkPolicy rules have higher precedence than NetworkPolicy" - an NP rule whose traffic an ANP always decides is dead."""
    deny = anp(
        "deny-a", 5, pods_sel(app="b"), ingress=[rule("Deny", [pods_sel(app="a")], name="no-a")]
    )
    np_allow_a = netpol(
        "allow-a", selector=sel(app="b"), ingress=[{"from": [{"podSelector": sel(app="a")}]}]
    )
    np_allow_all = netpol("allow-all", selector=sel(app="b"), ingress=[{}])
    report = reach.from_objects([*base(), deny, np_allow_a, np_allow_all]).audit()
    shadowed = [f for f in report.findings if f.check == "rule-shadowed-by-admin"]
    assert [f.subject for f in shadowed] == ["default/allow-a ingress[0]"]
    assert "ANP deny-a (priority 5), rule no-a" in shadowed[0].message


def test_audit_pass_does_not_shadow() -> None:
    passing = anp("pass-a", 5, pods_sel(app="b"), ingress=[rule("Pass", [pods_sel(app="a")])])
    np_allow_a = netpol(
        "allow-a", selector=sel(app="b"), ingress=[{"from": [{"podSelector": sel(app="a")}]}]
    )
    report = reach.from_objects([*base(), passing, np_allow_a]).audit()
    assert not [f for f in report.findings if f.check == "rule-shadowed-by-admin"]


def test_audit_reports_same_priority_overlap() -> None:
    a = anp("a", 7, pods_sel(app="b"), ingress=[rule("Allow", [pods_sel(app="a")])])
    b = anp("b", 7, pods_sel(app="b"), ingress=[rule("Deny", [EVERYONE])])
    report = reach.from_objects([*base(), a, b]).audit()
    (f,) = [f for f in report.findings if f.check == "admin-priority-overlap"]
    assert f.subject == "ANP a (priority 7) and ANP b (priority 7)"
    assert "same priority 7 in the Admin tier" in f.message
