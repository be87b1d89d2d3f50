"""The generic isolation checks (pod-*-unisolated, namespace-default-deny-*) where Calico's
tiers decide: a pod is isolated when what its tiers, policies and profiles do denies it
something, not when some tier selects it. On the pods of the Calico engine tests (shop/web,
shop/db, other/cli)."""

from __future__ import annotations

from tests.audit.test_calico_checks import subjects
from tests.engine.test_calico_reference import gnp, tier
from tests.engine.test_calico_rules import reach_of


def unisolated(extra: str, direction: str) -> list[str]:
    """The workloads pod-{direction}-unisolated names."""
    report = reach_of(extra).audit()
    return sorted(
        w["workload"]
        for f in report.findings
        if f.check == f"pod-{direction}-unisolated"
        for w in f.details["workloads"]
    )


def test_tier_that_passes_everything_to_the_profiles_isolates_no_pod() -> None:
    extra = tier("security", 100) + gnp(
        "pass-all", "  tier: security\n  selector: all()\n  ingress: [{action: Pass}]"
    )
    assert unisolated(extra, "ingress") == ["other/cli[Pod]", "shop/db[Pod]", "shop/web[Pod]"]
    assert subjects(extra, "namespace-default-deny-ingress") == ["other", "shop"]


def test_tier_with_a_default_deny_isolates_the_pods_it_applies_to() -> None:
    # every pod of shop falls to the security tier's implicit deny for what is not allowed:
    # the namespace has its default deny without a podSelector {} NetworkPolicy
    only_web = "{action: Allow, source: {selector: app == 'web'}}"
    extra = tier("security", 100) + gnp(
        "shop-deny",
        "  tier: security\n  selector: projectcalico.org/namespace == 'shop'\n"
        f"  ingress: [{only_web}]",
    )
    assert unisolated(extra, "ingress") == ["other/cli[Pod]"]
    assert subjects(extra, "namespace-default-deny-ingress") == ["other"]


def test_calico_policy_that_allows_everything_leaves_the_pod_open() -> None:
    extra = gnp("allow-db", "  selector: app == 'db'\n  ingress: [{action: Allow}]")
    assert "shop/db[Pod]" in unisolated(extra, "ingress")
    assert subjects(extra, "namespace-default-deny-ingress") == ["other", "shop"]


NP_DB = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
---
"""


def test_networkpolicy_behind_a_calico_allow_all_isolates_nothing() -> None:
    # the security tier allows everything to db before the default tier's NetworkPolicy
    allow = tier("security", 100) + gnp(
        "allow-db", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Allow}]"
    )
    assert "shop/db[Pod]" in unisolated(NP_DB + allow, "ingress")
    # a Pass hands db on to the default tier, where the NetworkPolicy isolates it
    passes = tier("security", 100) + gnp(
        "pass-db", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]"
    )
    assert unisolated(NP_DB + passes, "ingress") == ["other/cli[Pod]", "shop/web[Pod]"]


def test_pods_open_through_a_pass_are_those_calico_pass_to_profiles_names() -> None:
    # the generic check and the Calico one agree: the Pass is why the pods are open
    extra = tier("security", 100) + gnp(
        "pass-db", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]"
    )
    report = reach_of(extra).audit()
    passed = sorted(
        w["workload"]
        for f in report.findings
        if f.check == "calico-pass-to-profiles"
        for w in f.details["workloads"]
    )
    assert passed == ["shop/db[Pod]"]
    assert "shop/db[Pod]" in unisolated(extra, "ingress")
    assert subjects(extra, "calico-tier-without-default-deny") == []
