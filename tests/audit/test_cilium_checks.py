"""The Cilium audit checks: deny rules that deny nothing, allow rules shadowed or redundant."""

from __future__ import annotations

from reach.model.ports import PortSpec
from tests.ciliumbuilders import cluster, cnp, rule, sel


def findings(r: object, check: str) -> list[str]:
    report = r.audit()  # type: ignore[attr-defined]
    return sorted(f.message for f in report.findings if f.check == check)


def test_deny_on_a_policy_selecting_no_pod_denies_nothing() -> None:
    r = cluster(cnp("a", "d", sel("a", app="nope"), rule(deny=True, wildcard=True)))
    assert findings(r, "cilium-deny-denies-nothing") == [
        "CiliumNetworkPolicy a/d ingressDeny[0] denies nothing: its policy selects no pod"
    ]


def test_deny_of_what_no_rule_allows_to_isolated_pods_denies_nothing() -> None:
    tcp = lambda n: (PortSpec("TCP", n),)  # noqa: E731
    r = cluster(
        cnp(
            "a",
            "d",
            sel("a", app="db"),
            rule(wildcard=True, ports=tcp(1)),
            rule(deny=True, wildcard=True, ports=tcp(2)),
        )
    )
    assert findings(r, "cilium-deny-denies-nothing") == [
        "CiliumNetworkPolicy a/d ingressDeny[0] denies nothing: no rule allows what it denies, "
        "and every pod it selects is isolated"
    ]


def test_deny_that_takes_allowed_ports_is_not_reported() -> None:
    r = cluster(
        cnp("a", "d", sel("a", app="db"), rule(wildcard=True), rule(deny=True, wildcard=True))
    )
    assert findings(r, "cilium-deny-denies-nothing") == []


def test_allow_rule_fully_denied_never_takes_effect() -> None:
    web = (sel("a", app="web"),)
    r = cluster(
        cnp("a", "d", sel("a", app="db"), rule(endpoints=web), rule(deny=True, wildcard=True))
    )
    assert findings(r, "cilium-rule-shadowed") == [
        "CiliumNetworkPolicy a/d ingress[0] never takes effect: "
        "CiliumNetworkPolicy a/d ingressDeny[0] denies all of it"
    ]


def test_allow_rule_covered_by_another_policy_is_redundant() -> None:
    narrow = cnp("a", "n", sel("a", app="db"), rule(endpoints=(sel("a", app="web"),)))
    wide = cnp("a", "w", sel("a"), rule(endpoints=(sel("a"),)))
    assert findings(cluster(narrow, wide), "cilium-rule-shadowed") == [
        "CiliumNetworkPolicy a/n ingress[0] is redundant: "
        "CiliumNetworkPolicy a/w ingress[0] allows all of it as well"
    ]


def test_partly_covered_allow_rule_is_not_reported() -> None:
    narrow = cnp("a", "n", sel("a", app="db"), rule(endpoints=(sel("a"),)))
    wide = cnp("a", "w", sel("a"), rule(endpoints=(sel("a", app="web"),)))
    assert findings(cluster(narrow, wide), "cilium-rule-shadowed") == []


def test_namespace_wide_cilium_default_deny_counts_as_a_baseline() -> None:
    from reach.model.cilium import CiliumPolicy

    ccnp = CiliumPolicy(
        "CiliumClusterwideNetworkPolicy",
        "",
        "deny",
        sel(None),
        ingress=(rule(empty=True, wildcard=True),),
        ingress_isolating=True,
    )
    flagged = findings(cluster(), "namespace-default-deny-ingress")
    assert len(flagged) == 2  # namespaces a and b
    assert findings(cluster(ccnp), "namespace-default-deny-ingress") == []
    narrow = cnp("a", "web-only", sel("a", app="web"), rule(empty=True, wildcard=True))
    assert len(findings(cluster(narrow), "namespace-default-deny-ingress")) == 2


def test_audit_header_counts_cilium_policies() -> None:
    r = cluster(cnp("a", "p", sel("a"), rule(empty=True)))
    assert r.audit().stats["cilium_policies"] == 1


def test_cilium_policy_selecting_no_pod_is_reported() -> None:
    r = cluster(cnp("a", "typo", sel("a", app="wbe"), rule(empty=True)))
    assert findings(r, "cilium-policy-selects-nothing") == [
        "endpointSelector app=wbe,io.kubernetes.pod.namespace=a selects no pod of the input"
    ]
    assert (
        findings(
            cluster(cnp("a", "ok", sel("a", app="web"), rule(empty=True))),
            "cilium-policy-selects-nothing",
        )
        == []
    )
