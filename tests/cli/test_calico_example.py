"""examples/calico on the command line: list, path, explain and audit give the answers its
policies imply (worked out by hand in examples/calico/README.md and expected.txt)."""

from __future__ import annotations

import ipaddress
import json

from tests.helpers import EXAMPLES, run
from tests.test_conformance import _compare_module

CALICO = str(EXAMPLES / "calico")
PARTNER = ipaddress.ip_network("192.0.2.0/24")


def _connections(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line and not line.startswith("#"))


def _external_range(end: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address] | None:
    if not end.endswith("[External]"):
        return None
    first, last = end.removesuffix("[External]").split("-")
    return ipaddress.IPv4Address(first), ipaddress.IPv4Address(last)


def test_calico_example_allows_what_its_policies_imply() -> None:
    code, out, err = run(["list", "-f", CALICO, "--by", "workload"])
    assert code == 0, err
    expected = (EXAMPLES / "calico" / "expected.txt").read_text()
    diffs = _compare_module().compare(_connections(expected), _connections(out))
    assert not diffs, "\n".join(diffs[:30])


def test_calico_example_partner_network_is_reached_from_payments_only() -> None:
    code, out, _ = run(["list", "-f", CALICO, "--by", "workload"])
    assert code == 0
    sources = set()
    for line in out.splitlines():
        src, rest = line.split(" => ", 1)
        dst, ports = rest.split(" : ", 1)
        span = _external_range(dst)
        if dst == "payment-partner[GlobalNetworkSet]":  # the partner's addresses: its node
            sources.add((src, ports))
        # no External range holds an address of the partner's
        assert not (span and span[0] <= PARTNER[-1] and PARTNER[0] <= span[1]), line
    assert sources == {("app/payments[Deployment]", "TCP 443")}


def test_calico_example_path_names_the_denying_tier_policy_and_rule() -> None:
    code, out, _ = run(["path", "-f", CALICO, "app/orders", "192.0.2.10", "--max-hops", "1"])
    assert code == 1
    assert (
        "egress of app/orders[Deployment] denied by tier security, policy "
        "security.partner-only, egress rule 0" in out
    )


def test_calico_example_explain_walks_the_security_tier() -> None:
    code, out, _ = run(["explain", "-f", CALICO, "app/payments", "192.0.2.10"])
    assert code == 0
    assert "tier security, policy app/security.partner, egress rule 0 allows TCP 443" in out
    assert out.splitlines()[0] == "app/payments[Deployment] => 192.0.2.10[External] : TCP 443"
    code, out, _ = run(["explain", "-f", CALICO, "198.51.100.7", "web/api-gateway"])
    assert code == 1
    assert "tier security, policy security.block-abuse, ingress rule 0 denies" in out


def test_calico_example_audit_finds_the_pass_to_the_profiles_only() -> None:
    code, out, _ = run(["audit", "-f", CALICO, "--format", "json"])
    report = json.loads(out)
    calico = [f for f in report["findings"] if f["check"].startswith("calico-")]
    assert sorted((f["check"], f["subject"]) for f in calico) == [
        ("calico-pass-to-profiles", "GlobalNetworkPolicy security.pass (tier security) egress[0]"),
        ("calico-pass-to-profiles", "GlobalNetworkPolicy security.pass (tier security) ingress[0]"),
    ]
    for f in calico:  # the two namespaces that no default-tier policy selects
        assert [w["workload"] for w in f["details"]["workloads"]] == [
            "kube-system/coredns[Deployment]",
            "monitoring/prometheus[Deployment]",
        ]


def test_path_names_the_tier_and_rule_that_allow() -> None:
    """An allow in Calico's tiers is named as explain names it: a policy name alone does
    not say which tier decided."""
    code, out, _ = run(["path", "-f", str(EXAMPLES / "calico"), "app/payments", "192.0.2.10"])
    assert code == 0
    assert "  egress allowed by:  tier security, policy app/security.partner, egress rule 0" in out


def test_audit_header_counts_calico_policies() -> None:
    code, out, _ = run(["audit", "-f", str(EXAMPLES / "calico")])
    assert code in (0, 1)
    first = out.splitlines()[0]
    assert first.startswith("reach audit: ") and ", 6 Calico policies" in first, first
