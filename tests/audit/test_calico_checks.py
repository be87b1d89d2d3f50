"""The Calico audit checks (reach/audit/checks/calico.py): each one named test that finds what
it must, and one that must not find anything, on the pods of the Calico engine tests
(shop/web, shop/db, other/cli)."""

from __future__ import annotations

from tests.engine.test_calico_reference import gnp, tier
from tests.engine.test_calico_rules import reach_of


def findings(extra: str, check: str) -> list[str]:
    """``subject: message`` of each finding of the check."""
    report = reach_of(extra).audit()
    return sorted(f"{f.subject}: {f.message}" for f in report.findings if f.check == check)


def subjects(extra: str, check: str) -> list[str]:
    report = reach_of(extra).audit()
    return sorted(f.subject for f in report.findings if f.check == check)


DENY_CLI = "{action: Deny, source: {selector: app == 'cli', namespaceSelector: all()}}"
ALLOW_ALL_TCP = "{action: Allow, protocol: TCP}"


# -- calico-policy-selects-nothing ----------------------------------------------------------
def test_policy_whose_selector_matches_no_pod_selects_nothing() -> None:
    extra = gnp("typo", "  selector: app == 'dbb'\n  ingress: [{action: Deny}]")
    assert findings(extra, "calico-policy-selects-nothing") == [
        'GlobalNetworkPolicy typo (tier default): selector app == "dbb" selects no pod of the input'
    ]


def test_policy_selecting_a_pod_is_not_reported() -> None:
    extra = gnp("db", "  selector: app == 'db'\n  ingress: [{action: Deny}]")
    assert findings(extra, "calico-policy-selects-nothing") == []


# -- calico-rule-shadowed --------------------------------------------------------------------
def test_rule_after_a_wider_rule_of_the_same_policy_never_takes_effect() -> None:
    deny_cli_tcp = "{action: Deny, protocol: TCP, source: {selector: app == 'cli'}}"
    extra = gnp("p", f"  selector: app == 'db'\n  ingress: [{ALLOW_ALL_TCP}, {deny_cli_tcp}]")
    assert findings(extra, "calico-rule-shadowed") == [
        "GlobalNetworkPolicy p (tier default) ingress[1]: Deny rule never takes effect: "
        "GlobalNetworkPolicy p (tier default) ingress[0] (Allow) matches all of it first"
    ]


def test_rule_after_a_narrower_rule_is_not_shadowed() -> None:
    extra = gnp("p", f"  selector: app == 'db'\n  ingress: [{DENY_CLI}, {ALLOW_ALL_TCP}]")
    assert findings(extra, "calico-rule-shadowed") == []


def test_rule_admitting_a_protocol_the_earlier_rule_does_not_is_not_shadowed() -> None:
    # both match every TCP, UDP and SCTP port; the later Deny also matches ICMP
    not_icmp = "{action: Allow, notProtocol: ICMP}"
    extra = gnp("p", f"  selector: app == 'db'\n  ingress: [{not_icmp}, {DENY_CLI}]")
    assert findings(extra, "calico-rule-shadowed") == []


def test_earlier_rule_with_an_http_match_shadows_nothing() -> None:
    http = "{action: Allow, protocol: TCP, http: {methods: [GET]}}"
    extra = gnp("p", f"  selector: app == 'db'\n  ingress: [{http}, {ALLOW_ALL_TCP}]")
    assert findings(extra, "calico-rule-shadowed") == []


def test_policy_wholly_shadowed_by_an_earlier_policy_of_the_tier_is_one_finding() -> None:
    extra = (
        tier("security", 100)
        + gnp(
            "a-wide", "  tier: security\n  order: 1\n  selector: all()\n  ingress: [{action: Pass}]"
        )
        + gnp(
            "b-narrow",
            f"  tier: security\n  order: 2\n  selector: app == 'db'\n  ingress: [{DENY_CLI}]",
        )
    )
    assert findings(extra, "calico-rule-shadowed") == [
        "GlobalNetworkPolicy b-narrow (tier security): never decides: earlier policies of its "
        "tier select every pod it selects and match all of its rules first "
        "(GlobalNetworkPolicy a-wide (tier security))"
    ]


def test_policy_selecting_more_than_the_earlier_ones_is_not_wholly_shadowed() -> None:
    # b's rule only matches db (its destination), which a passes first; but b selects every
    # pod, so the tier applies to web and cli because of b: only the rule is reported
    to_db = "{action: Deny, destination: {selector: app == 'db'}}"
    extra = (
        tier("security", 100)
        + gnp(
            "a",
            "  tier: security\n  order: 1\n  selector: app == 'db'\n  ingress: [{action: Pass}]",
        )
        + gnp("b", f"  tier: security\n  order: 2\n  selector: all()\n  ingress: [{to_db}]")
    )
    assert subjects(extra, "calico-rule-shadowed") == [
        "GlobalNetworkPolicy b (tier security) ingress[0]"
    ]


def test_rule_of_a_later_tier_is_not_shadowed_by_an_earlier_tier() -> None:
    extra = (
        tier("security", 100)
        + gnp("a", "  tier: security\n  selector: all()\n  ingress: [{action: Allow}]")
        + gnp("b", f"  selector: app == 'db'\n  ingress: [{DENY_CLI}]")
    )
    assert findings(extra, "calico-rule-shadowed") == []


# -- calico-pass-to-profiles -----------------------------------------------------------------
def test_pass_with_no_later_tier_falls_to_the_profiles() -> None:
    extra = tier("security", 100) + gnp(
        "p", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]"
    )
    assert findings(extra, "calico-pass-to-profiles") == [
        "GlobalNetworkPolicy p (tier security) ingress[0]: Pass rule hands ingress traffic to the "
        "profiles: no later tier applies to 1 workload (1 pod): shop/db[Pod]"
    ]


def test_pass_to_a_later_tier_that_applies_is_not_reported() -> None:
    extra = (
        tier("security", 100)
        + gnp("p", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]")
        + gnp("d", "  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert findings(extra, "calico-pass-to-profiles") == []


def test_tier_default_pass_with_no_later_tier_falls_to_the_profiles() -> None:
    extra = tier("security", 100, "Pass") + gnp(
        "p", f"  tier: security\n  selector: app == 'db'\n  ingress: [{DENY_CLI}]"
    )
    assert subjects(extra, "calico-pass-to-profiles") == ["tier security"]


def test_tier_default_pass_behind_a_catch_all_deny_is_never_reached() -> None:
    extra = tier("security", 100, "Pass") + gnp(
        "p", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]"
    )
    assert findings(extra, "calico-pass-to-profiles") == []


# -- calico-tier-without-default-deny --------------------------------------------------------
def test_tier_with_default_pass_and_no_catch_all_deny_has_no_default_deny() -> None:
    extra = tier("security", 100, "Pass") + gnp(
        "p", f"  tier: security\n  selector: app == 'db'\n  ingress: [{DENY_CLI}]"
    )
    assert findings(extra, "calico-tier-without-default-deny") == [
        "tier security: defaultAction Pass and no catch-all Deny ingress rule for "
        "1 workload (1 pod): shop/db[Pod]: what its policies do not match goes on to the "
        "next tier"
    ]


def test_tier_with_default_pass_and_a_catch_all_deny_is_not_reported() -> None:
    extra = tier("security", 100, "Pass") + gnp(
        "p", f"  tier: security\n  selector: app == 'db'\n  ingress: [{DENY_CLI}, {{action: Deny}}]"
    )
    assert findings(extra, "calico-tier-without-default-deny") == []


def test_tier_with_the_default_deny_action_is_not_reported() -> None:
    extra = tier("security", 100) + gnp(
        "p", f"  tier: security\n  selector: app == 'db'\n  ingress: [{DENY_CLI}]"
    )
    assert findings(extra, "calico-tier-without-default-deny") == []


def test_no_calico_object_runs_no_calico_check() -> None:
    report = reach_of("").audit()
    assert [f for f in report.findings if f.check.startswith("calico-")] == []
