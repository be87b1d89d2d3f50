"""reach audit: each built-in check triggered and not, the shop examples, configuration and the
text report."""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.audit import AuditReport, Finding
from reach.audit.checks import CHECKS
from reach.audit.report import text
from tests.builders import deny_all, ipblock, namespace, netpol, pod, sel
from tests.helpers import SHOP, SHOP_EXPECT, TYPO


def audit(objects: list[dict[str, Any]], **kw: Any) -> AuditReport:
    return reach.from_objects(objects).audit(**kw)


def found(report: AuditReport, check: str) -> dict[str, Finding]:
    """Findings of one check by subject."""
    return {f.subject: f for f in report.of_check(check)}


def dns_pod(**labels: str) -> dict[str, Any]:
    return pod(
        "coredns",
        "kube-system",
        {"k8s-app": "kube-dns", **labels},
        [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")],
    )


def allow_dns(ns: str, protocols: tuple[str, ...] = ("UDP", "TCP")) -> dict[str, Any]:
    return netpol(
        "allow-dns",
        ns,
        {},
        policyTypes=["Egress"],
        egress=[
            {
                "to": [
                    {
                        "namespaceSelector": sel(**{"kubernetes.io/metadata.name": "kube-system"}),
                        "podSelector": sel(**{"k8s-app": "kube-dns"}),
                    }
                ],
                "ports": [{"protocol": p, "port": 53} for p in protocols],
            }
        ],
    )


# ------------------------------------------------------------------------- the catalogue


def test_every_check_has_id_severity_rationale_and_the_cis_reference_where_it_applies() -> None:
    assert len(CHECKS) >= 13
    for cid, chk in CHECKS.items():
        assert chk.id == cid and cid == cid.lower() and " " not in cid
        assert chk.severity in ("info", "low", "medium", "high")
        assert chk.rationale.endswith(".") and "\n" not in chk.rationale
    assert CHECKS["namespace-default-deny-ingress"].cis == "CIS Kubernetes Benchmark 5.3.2"
    assert CHECKS["pod-egress-unisolated"].cis == "CIS Kubernetes Benchmark 5.3.2"
    assert CHECKS["peer-matches-nothing"].cis is None


# ----------------------------------------------------------------------- namespace baselines


def test_namespace_without_default_deny_is_reported_per_direction() -> None:
    objs = [pod("a", "shop", {"app": "a"}), pod("b", "shop", {"app": "b"})]
    objs.append(netpol("only-a", "shop", sel(app="a"), policyTypes=["Ingress"]))
    r = audit(objs)
    ing = found(r, "namespace-default-deny-ingress")["shop"]
    assert ing.severity == "medium" and ing.namespace == "shop"
    assert ing.details == {"direction": "ingress", "pods": 2, "isolated_pods": 1, "policies": 1}
    assert "1 of 2 pods are isolated for ingress" in ing.message
    eg = found(r, "namespace-default-deny-egress")["shop"]
    assert eg.severity == "low" and "none of its 2 pods is isolated for egress" in eg.message


def test_default_deny_satisfies_the_namespace_checks() -> None:
    r = audit([pod("a", "shop"), deny_all("shop")])
    assert not r.of_check("namespace-default-deny-ingress")
    assert not r.of_check("namespace-default-deny-egress")


def test_a_podselector_all_policy_that_allows_everything_is_no_default_deny() -> None:
    allow_all = netpol("allow-all", "shop", {}, policyTypes=["Ingress"], ingress=[{}])
    r = audit([pod("a", "shop"), allow_all, deny_all("shop", ("Egress",))])
    assert (
        "allow all ingress (shop/allow-all)"
        in found(r, "namespace-default-deny-ingress")["shop"].message
    )
    assert not r.of_check("namespace-default-deny-egress")


def test_namespaces_without_pods_are_not_audited_for_baselines() -> None:
    r = audit([namespace("empty"), pod("a", "shop"), deny_all("shop")])
    assert not r.of_check("namespace-default-deny-ingress")


# ------------------------------------------------------------------------- pod isolation


def test_pods_selected_by_no_policy_per_direction() -> None:
    objs = [
        pod("a", "shop", {"app": "a"}),
        pod("b", "shop", {"app": "b"}),
        netpol("a-in", "shop", sel(app="a"), policyTypes=["Ingress"]),
    ]
    r = audit(objs)
    ing = found(r, "pod-ingress-unisolated")["shop"]
    assert ing.details["workloads"] == [{"workload": "shop/b[Pod]", "pods": 1}]
    eg = found(r, "pod-egress-unisolated")["shop"]
    assert [w["workload"] for w in eg.details["workloads"]] == ["shop/a[Pod]", "shop/b[Pod]"]
    assert "2 workloads (2 pods) selected by no policy for egress" in eg.message


def test_isolated_pods_are_not_reported() -> None:
    r = audit([pod("a", "shop"), deny_all("shop")])
    assert not r.of_check("pod-ingress-unisolated") and not r.of_check("pod-egress-unisolated")


# --------------------------------------------------------------------------------- internet


def test_unisolated_pod_is_open_to_the_internet_on_every_port() -> None:
    r = audit([pod("a", "shop"), deny_all("shop", ("Egress",))])
    f = found(r, "internet-ingress-all-ports")["shop/a[Pod]"]
    assert f.severity == "high"
    assert f.message == "reachable from any internet address on All Connections"
    assert not r.of_check("internet-ingress")


def test_entry_point_on_some_ports_is_low_and_names_ports_and_ranges() -> None:
    rule = {"from": [ipblock("0.0.0.0/0", "8.8.8.0/24")], "ports": [{"port": 443}]}
    gw = netpol("gw", "shop", {}, policyTypes=["Ingress"], ingress=[rule])
    r = audit([pod("gw", "shop"), gw])
    f = found(r, "internet-ingress")["shop/gw[Pod]"]
    assert f.severity == "low"
    assert f.message == "reachable from any internet address except 8.8.8.0/24 on TCP 443"
    assert not r.of_check("internet-ingress-all-ports")


def test_private_ranges_are_not_the_internet() -> None:
    private = netpol(
        "vpc",
        "shop",
        {},
        policyTypes=["Ingress", "Egress"],
        ingress=[{"from": [ipblock("10.0.0.0/8")]}],
        egress=[{"to": [ipblock("192.168.0.0/16")]}],
    )
    r = audit([pod("a", "shop"), private])
    for check in ("internet-ingress-all-ports", "internet-ingress", "internet-egress-unrestricted"):
        assert not r.of_check(check), check


def test_unrestricted_egress_to_the_internet() -> None:
    # 0.0.0.0/0 minus a private range is still every internet address, even on one port
    rule = {"to": [ipblock("0.0.0.0/0", "10.0.0.0/8")], "ports": [{"port": 443}]}
    web = netpol("out", "shop", sel(app="web"), policyTypes=["Egress"], egress=[rule])
    narrow_rule = {"to": [ipblock("203.0.113.0/24")]}
    narrow = netpol("narrow", "shop", sel(app="api"), policyTypes=["Egress"], egress=[narrow_rule])
    objs = [pod("web", "shop", {"app": "web"}), pod("api", "shop", {"app": "api"}), web, narrow]
    r = audit(objs)
    got = found(r, "internet-egress-unrestricted")
    assert set(got) == {"shop/web[Pod]"}
    assert got["shop/web[Pod]"].message == "may connect to any internet address on TCP 443"
    assert got["shop/web[Pod]"].details["coverage"] == 1.0


# -------------------------------------------------------------------------------------- DNS


def test_egress_isolated_pod_without_dns_rule_cannot_resolve() -> None:
    objs = [dns_pod(), pod("a", "shop", {"app": "a"}), deny_all("shop", ("Egress",))]
    f = found(audit(objs), "dns-unreachable")["shop/a[Pod]"]
    assert f.details["missing"] == "TCP 53,UDP 53" and f.details["egress_isolated"]
    assert "egress isolated by shop/deny-egress; its rules allow none of it" in f.message


def test_dns_over_udp_only_misses_tcp_53() -> None:
    objs = [dns_pod(), pod("a", "shop"), deny_all("shop", ("Egress",)), allow_dns("shop", ("UDP",))]
    f = found(audit(objs), "dns-unreachable")["shop/a[Pod]"]
    assert f.details["missing"] == "TCP 53" and "its rules allow none of it" in f.message


def test_dns_ingress_that_blocks_the_pods_is_reported_as_the_cause() -> None:
    objs = [dns_pod(), pod("a", "shop"), deny_all("kube-system", ("Ingress",))]
    f = found(audit(objs), "dns-unreachable")["shop/a[Pod]"]
    assert not f.details["egress_isolated"]
    assert "DNS ingress isolated by kube-system/deny-ingress" in f.message


def test_dns_allowed_on_udp_and_tcp_is_fine() -> None:
    objs = [dns_pod(), pod("a", "shop"), deny_all("shop", ("Egress",)), allow_dns("shop")]
    r = audit(objs)
    assert not r.of_check("dns-unreachable")
    assert next(c for c in r.checks if c.id == "dns-unreachable").status == "passed"


def test_dns_check_needs_known_dns_pods() -> None:
    r = audit([pod("a", "shop"), deny_all("shop", ("Egress",))])
    run_ = next(c for c in r.checks if c.id == "dns-unreachable")
    assert run_.status == "not applicable" and "k8s-app=kube-dns" in (run_.not_applicable or "")


# ------------------------------------------------------------------------ policies, peers


def test_policy_that_selects_no_pod_with_a_hint() -> None:
    objs = [pod("web", "shop", {"app": "web"}), netpol("typo", "shop", sel(app="wbe"))]
    f = found(audit(objs), "policy-selects-nothing")["shop/typo"]
    assert f.severity == "low"
    assert (
        f.message == "podSelector app=wbe selects no pod in namespace shop (did you mean app=web?)"
    )


def test_policy_in_a_namespace_without_pods_is_outside_the_input() -> None:
    objs = [pod("web", "shop"), netpol("p", "empty", {})]
    f = found(audit(objs), "outside-the-input")["namespace empty"]
    assert f.severity == "info"
    assert f.message.startswith("namespace empty has no pods in the input")
    assert f.message.endswith("1 policy selects them: empty/p")


def test_policy_that_selects_pods_is_fine() -> None:
    assert not audit(
        [pod("web", "shop", {"app": "web"}), netpol("p", "shop", sel(app="web"))]
    ).of_check("policy-selects-nothing")


def test_peer_with_a_label_typo_is_caught_with_field_path_and_hint() -> None:
    pol = netpol(
        "db",
        "shop",
        sel(app="db"),
        ingress=[
            {"from": [{"podSelector": sel(app="api")}, {"podSelector": sel(app="wbe")}]},
        ],
    )
    objs = [pod("db", "shop", {"app": "db"}), pod("web", "shop", {"app": "web"}), pol]
    report = audit(objs)
    (got,) = report.of_check("peer-matches-nothing")
    assert got.message == (
        "spec.ingress[0].from[1]: podSelector app=wbe matches no pod in namespace shop "
        "(did you mean app=web?)"
    )
    assert got.subject == "shop/db" and got.details["field"] == "spec.ingress[0].from[1]"
    # app=api has no close candidate: a target outside the input, not a typo
    (outside,) = report.of_check("outside-the-input")
    assert outside.details["references"][0]["field"] == "spec.ingress[0].from[0]"


def test_peer_namespace_selector_matching_no_namespace() -> None:
    pol = netpol(
        "out",
        "shop",
        {},
        policyTypes=["Egress"],
        egress=[{"to": [{"namespaceSelector": sel(team="paymnts")}]}],
    )
    objs = [namespace("pay", team="payments"), pod("p", "pay"), pod("a", "shop"), pol]
    (f,) = audit(objs).of_check("peer-matches-nothing")
    assert f.message == (
        "spec.egress[0].to[0]: namespaceSelector team=paymnts matches no namespace "
        "(did you mean team=payments?)"
    )


def test_peer_namespace_selector_matching_only_empty_namespaces() -> None:
    pol = netpol("in", "shop", {}, ingress=[{"from": [{"namespaceSelector": sel(team="x")}]}])
    objs = [namespace("idle", team="x"), pod("a", "shop"), pol]
    report = audit(objs)
    assert not report.of_check("peer-matches-nothing")
    (f,) = report.of_check("outside-the-input")
    assert f.message.startswith("namespace idle has no pods in the input")


def test_peers_that_match_and_ip_blocks_are_fine() -> None:
    pol = netpol(
        "db",
        "shop",
        {},
        ingress=[
            {"from": [{"podSelector": sel(app="web")}, ipblock("10.0.0.0/8")]},
            {"from": [{"namespaceSelector": {}}]},
        ],
    )
    assert not audit([pod("web", "shop", {"app": "web"}), pol]).of_check("peer-matches-nothing")


def test_named_port_declared_by_no_target_pod() -> None:
    pol = netpol(
        "in",
        "shop",
        sel(app="dns"),
        ingress=[{"ports": [{"protocol": "TCP", "port": "dns"}, {"port": "metrcs"}]}],
    )
    objs = [pod("d", "shop", {"app": "dns"}, [("dns", 53, "UDP"), ("metrics", 9090, "TCP")]), pol]
    got = audit(objs).of_check("named-port-unresolved")
    assert [f.message for f in got] == [
        "spec.ingress[0].ports[0]: named port 'dns' (TCP) is declared by none of the pods the "
        "policy selects (1 pod) (declared as UDP 'dns')",
        "spec.ingress[0].ports[1]: named port 'metrcs' (TCP) is declared by none of the pods "
        "the policy selects (1 pod) (did you mean 'metrics'?)",
    ]


def test_named_port_in_an_egress_rule_resolves_on_the_peers() -> None:
    def egress(port: str) -> dict[str, Any]:
        return netpol(
            "out",
            "shop",
            sel(app="web"),
            policyTypes=["Egress"],
            egress=[{"to": [{"podSelector": sel(app="db")}], "ports": [{"port": port}]}],
        )

    base = [
        pod("w", "shop", {"app": "web"}),
        pod("d", "shop", {"app": "db"}, [("sql", 5432, "TCP")]),
    ]
    assert not audit([*base, egress("sql")]).of_check("named-port-unresolved")
    (f,) = audit([*base, egress("http")]).of_check("named-port-unresolved")
    assert "the pods the rule's peers match (1 pod)" in f.message


# ------------------------------------------------------------------------------------- info


def test_host_network_pods_are_marked() -> None:
    objs = [pod("node-agent", "ops", hostNetwork=True), pod("a", "ops")]
    r = audit(objs)
    f = found(r, "host-network")["ops"]
    assert f.severity == "info"
    assert f.details["workloads"] == [
        {"workload": "ops/node-agent[Pod]", "pods": 1, "hostNetwork": True}
    ]
    # and findings about such pods carry a note
    exposed = found(r, "internet-ingress-all-ports")["ops"]
    assert any("ops/node-agent[Pod] uses the host network" in n for n in exposed.notes)
    assert not audit([pod("a", "ops")]).of_check("host-network")


def test_cross_namespace_summary_counts_pod_pairs() -> None:
    objs = [pod("a1", "a"), pod("a2", "a"), pod("b1", "b"), pod("b2", "b"), pod("b3", "b")]
    (f,) = audit(objs).of_check("cross-namespace-summary")
    assert f.severity == "info" and f.subject == "cluster"
    assert f.details["pairs"] == [
        {"src": "a", "dst": "b", "pod_pairs": 6, "ports": "All Connections"},
        {"src": "b", "dst": "a", "pod_pairs": 6, "ports": "All Connections"},
    ]
    isolated = [*objs, deny_all("a"), deny_all("b")]
    (g,) = audit(isolated).of_check("cross-namespace-summary")
    assert g.details["pairs"] == [] and g.message.startswith("no namespace may reach another")


# ------------------------------------------------------------------------------ the examples

SHOP_FINDINGS = {
    ("internet-entry-point", "web/api-gateway[Deployment]"),
    ("internet-ingress-all-ports", "kube-system/coredns[Deployment]"),
    ("internet-ingress-all-ports", "monitoring/prometheus[Deployment]"),
    ("namespace-default-deny-ingress", "kube-system"),
    ("namespace-default-deny-ingress", "monitoring"),
    ("pod-ingress-unisolated", "kube-system"),
    ("pod-ingress-unisolated", "monitoring"),
    ("internet-egress-unrestricted", "kube-system/coredns[Deployment]"),
    ("internet-egress-unrestricted", "monitoring/prometheus[Deployment]"),
    ("namespace-default-deny-egress", "kube-system"),
    ("namespace-default-deny-egress", "monitoring"),
    ("pod-egress-unisolated", "kube-system"),
    ("pod-egress-unisolated", "monitoring"),
    ("internet-ingress", "web/api-gateway[Deployment]"),
    ("cloud-metadata-reachable", "kube-system/coredns[Deployment]"),
    ("cloud-metadata-reachable", "monitoring/prometheus[Deployment]"),
    ("cross-namespace-summary", "cluster"),
}


def test_shop_findings_are_exactly_the_hand_computed_ones() -> None:
    r = reach.load(SHOP).audit()
    assert {(f.check, f.subject) for f in r.findings} == SHOP_FINDINGS
    gw = found(r, "internet-ingress")["web/api-gateway[Deployment]"]
    # the policy excepts 198.51.100.0/24, which is documentation space (TEST-NET-2): not the
    # internet, so the internet sources are all of it
    assert gw.message == "reachable from any internet address on TCP 8443"
    (summary,) = r.of_check("cross-namespace-summary")
    pairs = {(p["src"], p["dst"]): (p["pod_pairs"], p["ports"]) for p in summary.details["pairs"]}
    # app: orders 2 + catalog 3 + payments 2 pods; db: postgres 1, redis 1; web: 3 + 2
    assert pairs[("app", "db")] == (14, "TCP 5432,6379")
    assert pairs[("web", "app")] == (2 * 7, "TCP 8080")
    assert pairs[("web", "kube-system")] == (5 * 2, "TCP 53,UDP 53")
    assert pairs[("monitoring", "db")] == (2, "TCP 9121,9187")
    assert len(pairs) == 10
    assert r.counts() == {"info": 2, "low": 5, "medium": 8, "high": 2}


def test_shop_typo_is_caught_as_a_peer_that_matches_no_pod() -> None:
    r = reach.load(TYPO).audit()
    no_services = SHOP_FINDINGS - {("internet-entry-point", "web/api-gateway[Deployment]")}
    assert {(f.check, f.subject) for f in r.findings} == no_services | {
        ("peer-matches-nothing", "db/postgres-ingress")
    }
    (f,) = r.of_check("peer-matches-nothing")
    assert f.message == (
        "spec.ingress[0].from[0]: podSelector app=order matches no pod in namespace app "
        "(did you mean app=orders?)"
    )
    (summary,) = r.of_check("cross-namespace-summary")
    app_db = next(p for p in summary.details["pairs"] if (p["src"], p["dst"]) == ("app", "db"))
    assert app_db["pod_pairs"] == 12  # orders' 2 pods lost postgres


def test_expectations_file_passes_on_shop_and_fails_on_the_typo_with_the_witness() -> None:
    good = reach.load(SHOP).audit(expect=SHOP_EXPECT)
    assert all(e.passed for e in good.expectations) and len(good.expectations) == 9
    assert not good.failed("high") and good.counts()["high"] == 0
    assert len(good.suppressed) == 14  # the platform namespaces, ignored by the file
    bad = reach.load(TYPO).audit(expect=SHOP_EXPECT)
    broken = [e for e in bad.expectations if not e.passed]
    assert [e.name for e in broken] == ["orders can use postgres"]
    f = broken[0].finding
    assert f is not None and f.severity == "high" and bad.failed("high")
    w = f.details["witness"]
    assert (w["src_node"], w["dst_node"]) == ("app/orders[Deployment]", "db/postgres[StatefulSet]")
    assert w["src"] == "app/orders[Deployment] (pod app/orders-0)"
    assert w["port"] == "TCP 5432" and f.details["pairs"] == 2
    assert (
        "db/postgres[StatefulSet]'s ingress isolated by db/allow-metrics-scrape, db/default-deny-all"
        in f.message
    )
    assert "egress allowed by app/backend" in f.message


# ------------------------------------------------------------------------- configuration


def test_skip_and_checks_false() -> None:
    r = reach.load(SHOP).audit(skip=["cross-namespace-summary"])
    assert not r.of_check("cross-namespace-summary")
    assert next(c for c in r.checks if c.id == "cross-namespace-summary").status == "skipped"
    assert reach.load(SHOP).audit(checks=False).findings == []
    with pytest.raises(reach.ReachError, match="unknown check id 'nope'"):
        reach.load(SHOP).audit(skip=["nope"])


def test_severity_override_and_ignore_from_the_file() -> None:
    doc = {
        "checks": {
            "severity": {"internet-ingress": "high"},
            "ignore": [{"check": "internet-ingress-all-ports", "namespace": "kube-system"}],
            "skip": ["cross-namespace-summary"],
        }
    }
    r = reach.load(SHOP).audit(expect=doc)
    assert found(r, "internet-ingress")["web/api-gateway[Deployment]"].severity == "high"
    exposed = found(r, "internet-ingress-all-ports")
    assert (
        exposed["kube-system/coredns[Deployment]"].suppressed == "ignored in the expectations file"
    )
    assert exposed["monitoring/prometheus[Deployment]"].suppressed is None
    assert not r.of_check("cross-namespace-summary")
    assert {f.subject for f in r.active("high")} == {
        "web/api-gateway[Deployment]",
        "monitoring/prometheus[Deployment]",
    }


# -------------------------------------------------------------------------- the text report


def test_txt_groups_by_check_most_serious_first() -> None:
    out = text(reach.load(TYPO).audit(expect=SHOP_EXPECT))
    assert "\033[" not in out
    lines = out.splitlines()
    assert lines[0].startswith("reach audit: 17 pods in 9 workloads, 5 namespaces, 16 policies")
    heads = [line for line in lines if line.startswith("[")]
    assert heads == [
        "[medium] peer-matches-nothing: Rule peers that match no pod or namespace (1)",
        "[low] internet-ingress: Pods reachable from the internet on some ports (1)",
        "[info] cross-namespace-summary: Cross-namespace reachability (1)",
    ]
    assert "  FAIL  orders can use postgres [high]" in lines
    assert lines[-1] == (
        "4 findings (1 high, 1 medium, 1 low, 1 info), 14 ignored; expectations: 8 of 9 hold; "
        "FAIL at --fail-on high"
    )
    coloured = text(reach.load(TYPO).audit(), colour=True)
    assert "\033[1;31m[high]" in coloured
