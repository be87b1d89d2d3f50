"""The exposure section of ``reach list --exposure``: one test per rule of
docs/queries.md ("Representatives")."""

from __future__ import annotations

import json

import reach
from reach.analysis.exposure_section import ExposureSection, exposure_section
from tests.builders import Obj, expr, namespace, netpol, pod, sel
from tests.helpers import run


def section(objects: list[Obj]) -> ExposureSection:
    return exposure_section(reach.from_objects(objects).view("workload", ipv6=False))


def lines(objects: list[Obj]) -> dict[tuple[str, str, str], str]:
    """(node, direction, peer) -> connections text."""
    return {(x.node.id, x.direction, x.peer): x.conns for x in section(objects).lines}


def anp(name: str, priority: int, subject: Obj, **rules: list[Obj]) -> Obj:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": subject, **rules},
    }


DB = "default/db[Pod]"
BASE = [namespace("default"), pod("db", labels={"app": "db"}, ports=[("pg", 5432, "TCP")])]


def ingress_from(peer: Obj, ports: list[Obj] | None = None) -> Obj:
    rule: Obj = {"from": [peer]}
    if ports:
        rule["ports"] = ports
    return netpol("db-in", selector=sel(app="db"), ingress=[rule], policyTypes=["Ingress"])


def test_unprotected_workload_is_open_to_the_entire_cluster() -> None:
    got = lines(BASE)
    assert got[(DB, "ingress", "entire-cluster")] == "All Connections"
    assert got[(DB, "egress", "entire-cluster")] == "All Connections"
    assert [(n.id, d) for n, d in section(BASE).unprotected] == [(DB, "Egress"), (DB, "Ingress")]


def test_empty_namespace_selector_exposes_to_the_entire_cluster() -> None:
    got = lines([*BASE, ingress_from({"namespaceSelector": {}}, [{"port": 5432}])])
    assert got[(DB, "ingress", "entire-cluster")] == "TCP 5432"


def test_label_peer_in_a_new_namespace_is_a_representative() -> None:
    peer = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    got = lines([*BASE, ingress_from(peer, [{"port": 5432}])])
    assert got[(DB, "ingress", "[namespace with {team=pay}]/[pod with {app=api}]")] == "TCP 5432"
    assert (DB, "ingress", "entire-cluster") not in got  # isolated: nothing from any pod


def test_expressions_are_printed_in_go_form_after_the_labels() -> None:
    peer = {
        "podSelector": {
            "matchLabels": {"app": "api"},
            "matchExpressions": [expr("role", "NotIn", "x", "w")],
        }
    }
    got = lines([*BASE, ingress_from(peer)])
    assert (
        DB,
        "ingress",
        "default/[pod with {app=api,{Key:role,Operator:NotIn,Values:[w x],}}]",
    ) in got


def test_representative_with_the_entire_clusters_connections_is_not_printed() -> None:
    wide = {"from": [{"namespaceSelector": {}}]}
    narrow = {"from": [{"namespaceSelector": sel(team="pay")}]}
    policy = netpol(
        "db-in", selector=sel(app="db"), ingress=[wide, narrow], policyTypes=["Ingress"]
    )
    got = lines([*BASE, policy])
    assert got[(DB, "ingress", "entire-cluster")] == "All Connections"
    assert [
        k for k in got if k[1] == "ingress" and k[2] != "entire-cluster" and not k[2][0].isdigit()
    ] == []


def test_representative_covered_by_a_broader_one_is_not_printed() -> None:
    team = {"from": [{"namespaceSelector": sel(team="pay")}], "ports": [{"port": 5432}]}
    team_api = {
        "from": [{"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}],
        "ports": [{"port": 5432}],
    }
    policy = netpol(
        "db-in", selector=sel(app="db"), ingress=[team, team_api], policyTypes=["Ingress"]
    )
    got = lines([*BASE, policy])
    assert got[(DB, "ingress", "[namespace with {team=pay}]/[all pods]")] == "TCP 5432"
    assert (DB, "ingress", "[namespace with {team=pay}]/[pod with {app=api}]") not in got


def test_narrower_representative_with_more_connections_is_printed() -> None:
    team = {"from": [{"namespaceSelector": sel(team="pay")}], "ports": [{"port": 5432}]}
    team_api = {"from": [{"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}]}
    policy = netpol(
        "db-in", selector=sel(app="db"), ingress=[team, team_api], policyTypes=["Ingress"]
    )
    got = lines([*BASE, policy])
    assert (
        got[(DB, "ingress", "[namespace with {team=pay}]/[pod with {app=api}]")]
        == "All Connections"
    )


def test_representative_cut_out_of_the_entire_cluster_says_no_connections() -> None:
    deny = anp(
        "deny-pay",
        1,
        {"namespaces": {}},
        ingress=[{"name": "d", "action": "Deny", "from": [{"namespaces": sel(team="pay")}]}],
    )
    got = lines([*BASE, deny])
    assert got[(DB, "ingress", "entire-cluster")] == "All Connections"
    assert got[(DB, "ingress", "[namespace with {team=pay}]/[all pods]")] == "No Connections"


def test_representative_with_no_connections_is_left_out_when_the_cluster_has_none() -> None:
    deny = anp(
        "deny",
        1,
        {"namespaces": {}},
        ingress=[
            {"name": "d", "action": "Deny", "from": [{"namespaces": sel(team="pay")}]},
            {"name": "all", "action": "Deny", "from": [{"namespaces": {}}]},
        ],
    )
    got = lines([*BASE, deny])
    assert not [k for k in got if k[1] == "ingress" and not k[2][0].isdigit()]


def test_plain_label_peer_matched_by_an_input_pod_is_left_out() -> None:
    api = pod("api", labels={"app": "api"})
    got = lines([*BASE, api, ingress_from({"podSelector": sel(app="api")})])
    assert (DB, "ingress", "default/[pod with {app=api}]") not in got
    assert (DB, "ingress", "default/[pod with {app=api}]") in lines(
        [*BASE, ingress_from({"podSelector": sel(app="api")})]
    )


def test_expression_peer_matched_by_an_input_pod_is_kept() -> None:
    api = pod("api", labels={"app": "api"})
    peer = {"podSelector": {"matchExpressions": [expr("app", "In", "api")]}}
    got = lines([*BASE, api, ingress_from(peer)])
    assert (DB, "ingress", "default/[pod with {{Key:app,Operator:In,Values:[api],}}]") in got


def test_all_pods_peer_is_kept_even_when_input_pods_match() -> None:
    api = pod("api", labels={"app": "api"})
    got = lines([*BASE, api, ingress_from({"podSelector": {}})])
    assert (DB, "ingress", "default/[all pods]") in got


def test_ingress_named_port_resolves_on_the_workload() -> None:
    got = lines([*BASE, ingress_from({"namespaceSelector": sel(team="pay")}, [{"port": "pg"}])])
    assert got[(DB, "ingress", "[namespace with {team=pay}]/[all pods]")] == "TCP 5432"


def test_egress_named_port_toward_a_representative_is_printed_by_name() -> None:
    rule = {
        "to": [{"namespaceSelector": {}}],
        "ports": [{"port": "http"}, {"port": 53, "protocol": "UDP"}],
    }
    policy = netpol("db-out", selector=sel(app="db"), egress=[rule], policyTypes=["Egress"])
    assert lines([*BASE, policy])[(DB, "egress", "entire-cluster")] == "TCP http,UDP 53"


def test_admin_named_port_is_printed_without_protocol() -> None:
    allow = anp(
        "named",
        1,
        {"namespaces": {}},
        egress=[
            {
                "name": "a",
                "action": "Allow",
                "to": [{"namespaces": {}}],
                "ports": [{"namedPort": "web"}],
            }
        ],
    )
    policy = netpol("deny", selector=sel(app="db"), policyTypes=["Egress"])
    assert lines([*BASE, allow, policy])[(DB, "egress", "entire-cluster")] == " web"


def test_the_representatives_own_policies_do_not_count() -> None:
    deny_out = netpol("pay-deny", "pay", {}, policyTypes=["Egress"])
    got = lines(
        [
            *BASE,
            namespace("pay"),
            deny_out,
            ingress_from({"namespaceSelector": sel(**{"kubernetes.io/metadata.name": "pay"})}),
        ]
    )
    assert got[(DB, "ingress", "pay/[all pods]")] == "All Connections"


def test_external_lines_only_for_nodes_with_other_exposure() -> None:
    closed = anp(
        "closed",
        1,
        {"namespaces": {}},
        ingress=[{"name": "d", "action": "Deny", "from": [{"namespaces": {}}]}],
        egress=[{"name": "d", "action": "Deny", "to": [{"namespaces": {}}]}],
    )
    assert lines([*BASE, closed]) == {}
    assert lines(BASE)[(DB, "ingress", "0.0.0.0-255.255.255.255[External]")] == "All Connections"


def test_a_protected_direction_is_not_listed_as_unprotected() -> None:
    got = {(n.id, d) for n, d in section([*BASE, ingress_from({"podSelector": {}})]).unprotected}
    assert got == {(DB, "Egress")}


def test_text_has_the_headers_of_the_grammar() -> None:
    text = str(section([*BASE, ingress_from({"namespaceSelector": sel(team="pay")})]))
    assert text.splitlines()[0] == "Exposure Analysis Result:"
    assert "Egress Exposure:" in text and "Ingress Exposure:" in text
    assert "Workloads not protected by network policies:" in text
    assert f"{DB} is not protected on Egress" in text


def test_cli_exposure_in_every_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(
        yaml.safe_dump_all([*BASE, ingress_from({"namespaceSelector": sel(team="pay")})])
    )
    code, out, _ = run(["list", "-f", str(path), "--exposure", "--format", "json"])
    doc = json.loads(out)
    assert (
        code == 0
        and doc["exposure"]["ingress"][0]["peer"] == "[namespace with {team=pay}]/[all pods]"
    )
    code, out, _ = run(["list", "-f", str(path), "--exposure", "--format", "csv"])
    assert "section,node,direction,peer,peer_type,ports" in out and "unprotected," in out
    code, out, _ = run(["list", "-f", str(path), "--exposure", "--format", "md"])
    assert "### Exposure" in out and "### Not protected by network policies" in out
    code, out, _ = run(["list", "-f", str(path), "--exposure"])
    assert "\n\nExposure Analysis Result:\n" in out
    code, out, _ = run(["list", "-f", str(path)])
    assert "Exposure" not in out
