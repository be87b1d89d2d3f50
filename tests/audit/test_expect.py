"""The expectations file: schema errors with field paths, and hand-computed verdicts on the shop,
plus a property test of the class-level evaluation against pod pairs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.audit import ExpectationResult
from reach.audit.expect import ExpectationError, load_expectations, parse_expectations
from tests.helpers import EXAMPLES
from tests.strategies import NS_NAMES, POD_LABELS, clusters

SHOP = reach.load(str(EXAMPLES / "shop"))


def check(*items: dict[str, Any], r: reach.Reach = SHOP) -> list[ExpectationResult]:
    return r.audit(expect={"expectations": list(items)}, checks=False).expectations


def one(item: dict[str, Any], r: reach.Reach = SHOP) -> ExpectationResult:
    (res,) = check(item, r=r)
    return res


# ------------------------------------------------------------------------------- schema


def problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "isolation.yaml"
    path.write_text(text)
    with pytest.raises(ExpectationError) as e:
        load_expectations(path)
    return [str(replace(p, position="")).removeprefix(f"{path} ") for p in e.value.problems]


OK = "  - expect: deny\n    from: {namespace: web}\n    to: {namespace: db}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("expectations:\n  - from: {}\n    to: {}\n", "expectations[0].expect: is required"),
        (
            "expectations:\n  - expect: forbid\n    from: {}\n    to: {}\n",
            "expectations[0].expect: must be one of deny, allow, only, not the string 'forbid'",
        ),
        ("expectations:\n  - expect: deny\n    to: {}\n", "expectations[0].from: is required"),
        (
            "expectations:\n  - expect: deny\n    frm: {}\n    to: {}\n",
            "expectations[0].frm: unknown field (expected one of: name, expect, from, to, ports, "
            "severity, require, transitive, reason); did you mean 'from'?",
        ),
        (
            "expectations:\n"
            + OK
            + "  - expect: deny\n    from: {namespace: [web, 3]}\n    to: {}\n",
            "expectations[1].from.namespace[1]: must be a non-empty string, not 3",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {labels: {}}\n    to: {}\n",
            "expectations[0].from.labels: must name at least one label",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {lables: {app: x}}\n    to: {}\n",
            "did you mean 'labels'?",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {cidr: 10.0.0.0}\n    to: {}\n",
            "expectations[0].from.cidr: '10.0.0.0' is not a CIDR",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {except: [10.0.0.0/9]}\n    to: {}\n",
            "expectations[0].from.except: requires cidr",
        ),
        (
            "expectations:\n  - expect: deny\n"
            "    from: {cidr: 10.0.0.0/8, except: [11.0.0.0/9]}\n    to: {}\n",
            "expectations[0].from.except[0]: 11.0.0.0/9 is not inside any cidr of this selector",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {cidr: 0.0.0.0/0, namespace: x}\n"
            "    to: {}\n",
            "expectations[0].from.cidr: may not be combined with namespace",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {external: false}\n    to: {}\n",
            "expectations[0].from.external: must be true",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {external: true}\n    to: {internet: true}\n",
            "expectations[0]: from and to are both outside the cluster",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {workload: app=web}\n    to: {}\n",
            "expectations[0].from.workload: 'app=web' is not a workload",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {}\n    to: {}\n    ports: [443, http]\n",
            "expectations[0].ports[1]: 'http' is not a port filter such as 8080/TCP or 53/UDP",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {}\n    to: {}\n    ports: [70000]\n",
            "expectations[0].ports[0]: '70000': ports must be within 1-65535",
        ),
        (
            "expectations:\n  - expect: allow\n    from: {}\n    to: {}\n    transitive: true\n",
            "expectations[0].transitive: applies to expect: deny only",
        ),
        (
            "expectations:\n  - expect: allow\n    from: {}\n    to: {}\n    require: most\n",
            "expectations[0].require: must be one of all, any, not the string 'most'",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {}\n    to: {}\n    severity: critical\n",
            "expectations[0].severity: must be one of info, low, medium, high",
        ),
        (
            "expectations:\n  - expect: deny\n    from: []\n    to: {}\n",
            "expectations[0].from: must not be an empty list",
        ),
        (
            "expectations:\n  - expect: deny\n    from: web\n    to: {}\n",
            "expectations[0].from: must be a selector mapping",
        ),
        (
            "expectations:\n  - expect: deny\n    from: {podSelector: {matchLabels: {a: b}, x: 1}}\n"
            "    to: {}\n",
            "expectations[0].from.podSelector.x: unknown field",
        ),
        (
            "expectations:\n  - expect: deny\n    from: [{}, {namespaceSelector: {matchExpressions: "
            "[{key: a, operator: In}]}}]\n    to: {}\n",
            "expectations[0].from[1].namespaceSelector.matchExpressions[0].values: must be "
            "non-empty when operator is In",
        ),
        (
            "expectations:\n" + OK.replace("deny", "deny\n    name: x") * 2,
            "expectations[1].name: 'x' is already the name of expectations[0]",
        ),
        ("expectation: []\n", "expectation: unknown field"),
        ("version: 2\nexpectations: []\n", "version: must be 1, not 2"),
        ("expectations: {}\n", "expectations: must be a list, not a mapping"),
        (
            "checks: {skip: [dns-unreachble]}\n",
            "checks.skip[0]: 'dns-unreachble' is not a check id",
        ),
        ("checks: {ignore: [{namespace: x}]}\n", "checks.ignore[0].check: is required"),
        (
            "checks: {ignore: [{check: [host-network, nope]}]}\n",
            "checks.ignore[0].check[1]: 'nope' is not a check id",
        ),
        (
            "checks: {severity: {host-network: urgent}}\n",
            "checks.severity.host-network: must be one of info, low, medium, high",
        ),
        ("- a\n", "must be a mapping with expectations, not a list"),
        ("", "is empty"),
        ("expectations: [\n", "not valid YAML"),
    ],
)
def test_schema_errors_name_the_field_path(text: str, expected: str, tmp_path: Path) -> None:
    got = problems(text, tmp_path)
    assert any(expected in p for p in got), got


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "expectations:\n"
        "  - expect: deny\n    from: {namespace: 3}\n    to: {}\n"
        "  - expect: deny\n    from: {}\n    to: {}\n    ports: [x]\n"
        "checks: {skip: [nope]}\n"
    )
    got = problems(text, tmp_path)
    assert [p.split(":")[0] for p in got] == [
        "expectations[0].from.namespace",
        "expectations[1].ports[0]",
        "checks.skip[0]",
    ]


def test_error_message_reads_file_field_path_what(tmp_path: Path) -> None:
    path = tmp_path / "isolation.yaml"
    path.write_text("expectations:\n  - expect: deny\n    from: {cidr: nope}\n    to: {}\n")
    with pytest.raises(reach.ReachError) as e:
        load_expectations(path)
    assert str(e.value) == (
        f"{path}:3:12: {path} expectations[0].from.cidr: 'nope' is not a CIDR "
        "(expected address/prefix, e.g. 10.0.0.0/8)"
    )


def test_valid_file_parses_with_defaults() -> None:
    doc = yaml.safe_load(
        """
        expectations:
          - expect: only
            from: {labels: "app=frontend"}
            to: {labels: {app: backend}}
            ports: 8080/TCP
        """
    )
    (exp,) = parse_expectations(doc).expectations
    assert exp.name == "only app=frontend may reach app=backend on TCP 8080"
    assert exp.severity == "high" and exp.require == "all" and not exp.transitive
    assert exp.path == "expectations[0]"


# ------------------------------------------------------------------- verdicts on the shop


def test_deny_holds_and_fails_with_the_witness_pair_port_and_policies() -> None:
    assert one({"expect": "deny", "from": {"namespace": "web"}, "to": {"namespace": "db"}}).passed
    res = one(
        {
            "expect": "deny",
            "from": {"workload": "web/api-gateway"},
            "to": {"namespace": "app"},
        }
    )
    assert res.status == "failed" and res.finding is not None
    w = res.finding.details["witness"]
    assert w["src_node"] == "web/api-gateway[Deployment]" and w["dst_node"].startswith("app/")
    assert w["port"] == "TCP 8080"
    assert w["egress_policies"] == ["web/api-gateway"]
    assert w["ingress_policies"] == ["app/backend"]
    assert res.finding.details["pairs"] == 2 * 7  # 2 gateway pods x 7 backend pods


def test_ports_narrow_what_is_checked() -> None:
    base = {"expect": "deny", "from": {"namespace": "web"}, "to": {"namespace": "app"}}
    assert one({**base, "ports": ["5432/TCP", "53/UDP"]}).passed
    assert not one({**base, "ports": ["8000-8100"]}).passed


def test_only_frontend_may_reach_the_gateway_on_8080() -> None:
    gw = {"labels": {"app": "api-gateway"}}
    assert one(
        {"expect": "only", "from": {"labels": {"app": "frontend"}}, "to": gw, "ports": [8080]}
    ).passed
    res = one({"expect": "only", "from": {"labels": {"app": "frontend"}}, "to": gw})
    assert res.finding is not None
    w = res.finding.details["witness"]
    # prometheus scrapes 9090; and the two internet segments reach https (8443) on 2 pods each
    assert w["src_node"] == "monitoring/prometheus[Deployment]" and w["port"] == "TCP 9090"
    assert w["ingress_policies"] == ["web/allow-metrics-scrape"] and w["egress_policies"] == []
    assert "egress allowed by (not isolated: no policy selects it)" in res.finding.message
    assert res.finding.details["pairs"] == 1 * 2  # prometheus x 2 gateway pods
    assert res.finding.details["ranges"] == [
        "0.0.0.0-198.51.99.255",
        "198.51.101.0-255.255.255.255",
    ]


def test_db_is_not_reachable_from_outside_but_coredns_is() -> None:
    outside = {"external": True}
    assert one({"expect": "deny", "from": outside, "to": {"namespace": "db"}}).passed
    res = one({"expect": "deny", "from": outside, "to": {"labels": {"k8s-app": "kube-dns"}}})
    assert res.finding is not None
    w = res.finding.details["witness"]
    assert w["src"] == "0.0.0.0/0" and w["src_external"] and w["port"] == "TCP 1"
    assert "egress allowed by (outside the cluster)" in res.finding.message


def test_gateway_reachable_from_the_internet_on_its_port() -> None:
    gw = {"workload": "web/api-gateway"}
    res = one({"expect": "allow", "from": {"cidr": "0.0.0.0/0"}, "to": gw, "ports": ["8443/TCP"]})
    assert res.finding is not None  # the abuse range is blocked
    w = res.finding.details["witness"]
    assert w["src"] == "198.51.100.0/24" and w["missing"] == "TCP 8443"
    assert res.finding.details["pairs"] == 0 and res.finding.details["ranges"] == [
        "198.51.100.0/24"
    ]
    assert "web/api-gateway[Deployment]'s ingress isolated by" in res.finding.message
    ok = {"cidr": "0.0.0.0/0", "except": ["198.51.100.0/24"]}
    assert one({"expect": "allow", "from": ok, "to": gw, "ports": ["8443/TCP"]}).passed
    on443 = one({"expect": "allow", "from": ok, "to": gw, "ports": [443]})
    assert on443.finding is not None and on443.finding.details["witness"]["missing"] == "TCP 443"
    some = one(
        {
            "expect": "allow",
            "require": "any",
            "from": {"cidr": "0.0.0.0/0"},
            "to": gw,
            "ports": [8443],
        }
    )
    assert some.passed


def test_cidrs_that_straddle_segments() -> None:
    gw = {"workload": "web/api-gateway"}
    inside_hole = {"expect": "deny", "from": {"cidr": "198.51.100.0/25"}, "to": gw}
    assert one(inside_hole).passed
    straddling = {"expect": "deny", "from": {"cidr": "198.51.100.0/23"}, "to": gw}
    res = one(straddling)
    assert res.finding is not None and res.finding.details["witness"]["src"] == "198.51.101.0/24"


def test_only_from_a_cidr() -> None:
    gw = {"workload": "web/api-gateway"}
    ok = {"cidr": "0.0.0.0/0", "except": ["198.51.100.0/24"]}
    assert one({"expect": "only", "from": ok, "to": gw, "ports": [8443]}).passed
    narrow = one({"expect": "only", "from": {"cidr": "203.0.113.0/24"}, "to": gw, "ports": [8443]})
    assert narrow.finding is not None
    assert narrow.finding.details["witness"]["src"] == "0.0.0.0-198.51.99.255"
    assert narrow.finding.details["pairs"] == 0
    assert narrow.finding.details["ranges"] == [
        "0.0.0.0-198.51.99.255",
        "198.51.101.0-203.0.112.255",
        "203.0.114.0-255.255.255.255",
    ]


def test_transitive_deny_names_the_path() -> None:
    item = {
        "expect": "deny",
        "from": {"workload": "web/frontend"},
        "to": {"workload": "db/postgres"},
        "ports": ["8080/TCP", "5432/TCP"],
        "transitive": True,
    }
    res = one(item)
    assert res.finding is not None
    path = res.finding.details["witness"]["path"]
    hops = [h["src"].split(" ")[0] for h in path]
    assert hops[:2] == ["web/frontend[Deployment]", "web/api-gateway[Deployment]"]
    assert hops[2] in (
        "app/orders[Deployment]",
        "app/catalog[Deployment]",
        "app/payments[Deployment]",
    )
    assert path[-1]["dst"].startswith("db/postgres[StatefulSet]")
    assert [h["ports"] for h in path] == ["TCP 8080", "TCP 8080", "TCP 5432"]
    assert path[0]["egress_policies"] == ["web/frontend"]
    assert "reachable in 3 hops" in res.finding.message
    assert one({**item, "transitive": False}).passed


def test_pairs_never_pair_a_pod_with_itself() -> None:
    # prometheus is one pod: it may reach itself, which is no pair, so nothing is checked
    prom = {"workload": "monitoring/prometheus"}
    assert one({"expect": "deny", "from": prom, "to": prom}).status == "vacuous"
    # coredns has two replicas that may reach each other: 2 x 2 - 2 pairs
    dns = {"workload": "kube-system/coredns"}
    res = one({"expect": "deny", "from": dns, "to": dns})
    assert res.finding is not None and res.finding.details["pairs"] == 2
    assert one({"expect": "allow", "from": prom, "to": prom}).status == "vacuous"


def test_expectations_that_match_nothing_are_vacuous() -> None:
    res = one({"expect": "deny", "from": {"namespace": "dev"}, "to": {"namespace": "prod"}})
    assert res.status == "vacuous" and res.finding is not None
    assert res.finding.severity == "low"
    assert (
        "no namespace 'dev'" in res.finding.message and "no namespace 'prod'" in res.finding.message
    )
    res = one({"expect": "allow", "from": {"workload": "web/frontnd"}, "to": {}})
    assert res.finding is not None and "closest: web/frontend[Deployment]" in res.finding.message


def test_selectors_combine_and_lists_are_unions() -> None:
    backends = {
        "namespace": "app",
        "podSelector": {
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]
        },
    }
    stores = [{"labels": {"app": "postgres"}}, {"labels": "app=redis"}]
    assert one({"expect": "allow", "from": backends, "to": stores}).passed
    assert not one({"expect": "allow", "from": backends, "to": stores, "ports": [6379]}).passed
    monitored = {"namespaceSelector": {"matchLabels": {"purpose": "monitoring"}}}
    assert not one({"expect": "deny", "from": monitored, "to": stores, "ports": [9187]}).passed


def test_witness_on_the_host_network_is_noted() -> None:
    from tests.builders import pod

    r = reach.from_objects(
        [pod("agent", "ops", {"app": "agent"}, hostNetwork=True), pod("db", "data")]
    )
    res = one({"expect": "deny", "from": {"namespace": "ops"}, "to": {"namespace": "data"}}, r=r)
    assert res.finding is not None and res.finding.details["witness"]["src_host_network"]
    assert res.finding.notes == (
        "ops/agent[Pod] uses the host network; the network plugin may enforce policies differently",
    )
    assert "note: ops/agent[Pod] uses the host network" in str(
        r.audit(
            expect={
                "expectations": [
                    {"expect": "deny", "from": {"namespace": "ops"}, "to": {"namespace": "data"}}
                ]
            }
        )
    )


# ----------------------------------------------------- property: classes agree with pod pairs


@st.composite
def endpoint(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ns", "labels", "both", "all"]))
    out: dict[str, Any] = {}
    if kind in ("ns", "both"):
        out["namespace"] = draw(st.sampled_from(NS_NAMES))
    if kind in ("labels", "both"):
        key = draw(st.sampled_from(sorted(POD_LABELS)))
        out["labels"] = {key: draw(st.sampled_from(POD_LABELS[key]))}
    return out


def _members(r: reach.Reach, sel: dict[str, Any]) -> set[str]:
    out = set()
    for p in r.cluster.pods:
        if "namespace" in sel and p.namespace != sel["namespace"]:
            continue
        if any(p.label_map.get(k) != v for k, v in sel.get("labels", {}).items()):
            continue
        out.add(f"{p.namespace}/{p.name}[Pod]")
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), src=endpoint(), dst=endpoint(), port=st.sampled_from([None, 80, 53]))
def test_verdicts_and_pair_counts_agree_with_the_pod_pairs(
    objects: list[dict[str, Any]], src: dict[str, Any], dst: dict[str, Any], port: int | None
) -> None:
    r = reach.from_objects(objects)
    ports = None if port is None else reach.PortSet.of("TCP", port)
    conns = {
        (c.src.id, c.dst.id): c.ports
        for c in r.connections(by="pod")
        if c.src.type == "pod" and c.dst.type == "pod"
    }
    a, b = _members(r, src), _members(r, dst)
    pairs = [(s, d) for s in a for d in b if s != d]
    ok = {pr for pr in pairs if pr in conns and (ports is None or conns[pr] & ports)}
    full = {pr for pr in pairs if pr in conns and (ports is None or ports.issubset(conns[pr]))}
    extra = {} if port is None else {"ports": [f"{port}/TCP"]}
    deny, allow, any_ = check(
        {"name": "d", "expect": "deny", "from": src, "to": dst, **extra},
        {"name": "a", "expect": "allow", "from": src, "to": dst, **extra},
        {"name": "y", "expect": "allow", "require": "any", "from": src, "to": dst, **extra},
        r=r,
    )
    if not pairs:
        assert deny.status == allow.status == any_.status == "vacuous"
        return
    assert deny.passed == (not ok)
    if ok:
        assert deny.finding is not None and deny.finding.details["pairs"] == len(ok)
        w = deny.finding.details["witness"]
        assert w["src_node"] in a and w["dst_node"] in b and w["src_node"] != w["dst_node"]
    assert allow.passed == (len(full) == len(pairs))
    if not allow.passed:
        assert allow.finding is not None and allow.finding.details["pairs"] == len(pairs) - len(
            full
        )
    assert any_.passed == bool(full)
