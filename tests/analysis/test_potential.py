"""``reach exposure X --potential`` and ``reach blast-radius X --potential``: the pods that
do not exist yet, one hop (docs/queries.md, "Representatives"). One test per rule."""

from __future__ import annotations

import json

import reach
from tests.builders import Obj, expr, namespace, netpol, pod, sel
from tests.entrybuilders import service
from tests.helpers import run

BASE = [
    namespace("default"),
    namespace("pay", team="pay"),
    pod("db", labels={"app": "db"}, ports=[("pg", 5432, "TCP")]),
    pod("api", "pay", labels={"app": "api"}),
]


def ingress_from(*peers: Obj, port: int | None = 5432) -> Obj:
    rule: Obj = {"from": list(peers)}
    if port is not None:
        rule["ports"] = [{"port": port}]
    return netpol("db-in", selector=sel(app="db"), ingress=[rule], policyTypes=["Ingress"])


def egress_to(*peers: Obj, port: int = 80) -> Obj:
    rule: Obj = {"to": list(peers), "ports": [{"port": port}]}
    return netpol("db-out", selector=sel(app="db"), egress=[rule], policyTypes=["Egress"])


def exposure(objects: list[Obj], ref: str = "default/db", **kw: object) -> dict[str, str]:
    """description -> connections text of ``exposure --potential``."""
    found = reach.from_objects(objects).exposure(ref, potential=True, **kw)  # type: ignore[arg-type]
    assert found.potential is not None
    return {p.description: p.conns for p in found.potential}


def blast(objects: list[Obj], ref: str = "default/db") -> dict[str, str]:
    found = reach.from_objects(objects).blast_radius(ref, potential=True)
    assert found.potential is not None
    return {p.description: p.conns for p in found.potential}


def test_without_potential_the_result_has_no_potential_peers() -> None:
    found = reach.from_objects([*BASE, ingress_from({"namespaceSelector": {}})]).exposure("db")
    assert found.potential is None
    assert "potential" not in found.to_dict()
    assert "do not exist yet" not in str(found)


def test_an_unprotected_node_is_exposed_to_the_entire_cluster_on_everything() -> None:
    assert exposure(BASE) == {"any pod that may later run in any namespace": "All Connections"}


def test_empty_namespace_selector_exposes_to_the_entire_cluster() -> None:
    got = exposure([*BASE, ingress_from({"namespaceSelector": {}})])
    assert got == {"any pod that may later run in any namespace": "TCP 5432"}


def test_namespace_labels_stand_for_all_pods_of_such_namespaces() -> None:
    got = exposure([*BASE, ingress_from({"namespaceSelector": sel(team="pay")})])
    assert got == {"any pod that may later run in namespaces labelled team=pay": "TCP 5432"}


def test_pod_labels_without_namespace_selector_stand_for_the_policys_namespace() -> None:
    got = exposure([*BASE, ingress_from({"podSelector": sel(app="web")})])
    assert got == {"any pod that may later match app=web in namespace default": "TCP 5432"}


def test_pod_and_namespace_labels_together() -> None:
    peer = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    got = exposure([*BASE, ingress_from(peer)])
    assert got == {
        "any pod that may later match app=api in namespaces labelled team=pay": "TCP 5432"
    }


def test_expressions_are_described_in_kubectl_syntax() -> None:
    peer = {
        "podSelector": {
            "matchExpressions": [expr("tier", "In", "a", "b"), expr("x", "DoesNotExist")]
        }
    }
    got = exposure([*BASE, ingress_from(peer)])
    assert list(got) == ["any pod that may later match tier in (a,b),!x in namespace default"]


def test_a_representative_matched_by_a_pod_of_the_input_is_kept() -> None:
    # the section leaves it out (pay/api is in the connection list); --potential keeps it:
    # other pods like pay/api may be added
    peer = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    objects = [*BASE, ingress_from(peer)]
    section = reach.from_objects(objects).exposure_section()
    assert not [x for x in section.lines if x.peer_type == "representative"]
    assert list(exposure(objects)) == [
        "any pod that may later match app=api in namespaces labelled team=pay"
    ]


def test_a_representative_covered_by_a_broader_one_is_not_listed() -> None:
    wide = {"namespaceSelector": sel(team="pay")}
    narrow = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    got = exposure([*BASE, ingress_from(wide, narrow)])
    assert list(got) == ["any pod that may later run in namespaces labelled team=pay"]


def test_a_narrower_representative_with_more_ports_is_listed() -> None:
    wide = netpol(
        "wide",
        selector=sel(app="db"),
        ingress=[{"from": [{"namespaceSelector": sel(team="pay")}], "ports": [{"port": 5432}]}],
        policyTypes=["Ingress"],
    )
    narrow = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    got = exposure([*BASE, wide, ingress_from(narrow, port=9187)])
    assert got == {
        "any pod that may later run in namespaces labelled team=pay": "TCP 5432",
        "any pod that may later match app=api in namespaces labelled team=pay": "TCP 5432,9187",
    }


def test_blast_radius_says_and_any_pod_that_may_later_match() -> None:
    peer = {"namespaceSelector": sel(team="y"), "podSelector": sel(app="x")}
    found = reach.from_objects([*BASE, egress_to(peer)]).blast_radius("db", potential=True)
    text = str(found)
    assert "may also reach pods that do not exist yet" in text
    assert "  and any pod that may later match app=x in namespaces labelled team=y : TCP 80" in text


def test_blast_radius_reads_the_egress_side_and_exposure_the_ingress_side() -> None:
    objects = [*BASE, egress_to({"namespaceSelector": sel(team="y")})]
    assert blast(objects) == {"any pod that may later run in namespaces labelled team=y": "TCP 80"}
    assert exposure(objects) == {"any pod that may later run in any namespace": "All Connections"}


def test_named_ports_toward_a_representative_are_given_by_name() -> None:
    rule = {"to": [{"namespaceSelector": {}}], "ports": [{"port": "http"}]}
    policy = netpol("out", selector=sel(app="db"), egress=[rule], policyTypes=["Egress"])
    assert blast([*BASE, policy]) == {"any pod that may later run in any namespace": "TCP http"}


def test_the_port_filter_keeps_its_ports_and_drops_peers_left_with_none() -> None:
    wide = {"namespaceSelector": sel(team="pay")}
    other = netpol(
        "other",
        selector=sel(app="db"),
        ingress=[{"from": [{"namespaceSelector": sel(team="ops")}], "ports": [{"port": 22}]}],
        policyTypes=["Ingress"],
    )
    objects = [*BASE, ingress_from(wide, port=None), other]
    assert exposure(objects, port="5432/TCP") == {
        "any pod that may later run in namespaces labelled team=pay": "TCP 5432"
    }


def test_a_peer_cut_out_of_the_entire_cluster_is_listed_as_an_exception() -> None:
    deny = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "deny-pay"},
        "spec": {
            "priority": 1,
            "subject": {"namespaces": {}},
            "ingress": [{"name": "d", "action": "Deny", "from": [{"namespaces": sel(team="pay")}]}],
        },
    }
    found = reach.from_objects([*BASE, deny]).exposure("db", potential=True)
    text = str(found).splitlines()
    assert "  any pod that may later run in any namespace : All Connections" in text
    assert (
        "  except any pod that may later run in namespaces labelled team=pay : No Connections"
        in text
    )


def test_a_service_stands_for_its_backends_on_its_target_ports() -> None:
    svc = service("db", selector={"app": "db"}, ports=[{"port": 80, "targetPort": 5432}])
    objects = [*BASE, svc, ingress_from({"namespaceSelector": {}}, port=None)]
    assert exposure(objects, "svc/default/db") == {
        "any pod that may later run in any namespace": "TCP 5432"
    }


def test_cli_potential_in_json_and_text() -> None:
    import os
    import tempfile

    peer = {"namespaceSelector": sel(team="pay"), "podSelector": sel(app="api")}
    docs = [*BASE, ingress_from(peer)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.json")
        with open(path, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f)
        code, out, _ = run(
            ["exposure", "-f", path, "default/db", "--potential", "--format", "json"]
        )
        assert code == 0
        (got,) = json.loads(out)["potential"]
        assert got["peer"] == "[namespace with {team=pay}]/[pod with {app=api}]"
        assert got["namespaceSelector"] == "team=pay" and got["podSelector"] == "app=api"
        assert got["ports"] == {"TCP": [[5432, 5432]]} and got["direction"] == "ingress"
        code, out, _ = run(["exposure", "-f", path, "default/db", "--potential"])
        assert "any pod that may later match app=api in namespaces labelled team=pay" in out
        code, _, err = run(["exposure", "-f", path, "10.0.0.1", "--potential"])
        assert code == 2 and "address outside" in err


def test_md_lists_the_potential_peers_as_a_table(tmp_path: object) -> None:
    import pathlib

    docs = [*BASE, ingress_from({"namespaceSelector": sel(team="pay")})]
    path = pathlib.Path(str(tmp_path)) / "c.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}))
    code, out, _ = run(["exposure", "-f", str(path), "default/db", "--potential", "--format", "md"])
    assert code == 0
    assert out.startswith("### exposure of default/db[Pod]")
    assert "| any pod that may later run in namespaces labelled team=pay | " in out
    assert "`[namespace with {team=pay}]/[all pods]` | TCP 5432 |" in out
    code, out, _ = run(["exposure", "-f", str(path), "default/db", "--format", "md"])
    assert "Pods that do not exist yet" not in out
    code, out, _ = run(["path", "-f", str(path), "pay/api", "default/db", "--format", "md"])
    assert out.startswith("```text\npay/api[Pod]")
