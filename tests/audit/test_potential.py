"""The potential-peer checks (issue 17): exposed-to-entire-cluster, exposed-to-absent-namespaces."""

from __future__ import annotations

from typing import Any

import reach
from reach.audit import AuditReport
from tests.builders import namespace, netpol, pod, sel

Obj = dict[str, Any]


def audit(objects: list[Obj]) -> AuditReport:
    return reach.from_objects(objects).audit()


def db(**labels: str) -> Obj:
    return pod("db", "shop", {"app": "pg", **labels})


def ingress(*peers: Obj) -> Obj:
    rule = {"from": list(peers), "ports": [{"port": 5432}]}
    return netpol("db-in", "shop", sel(app="pg"), policyTypes=["Ingress"], ingress=[rule])


def subjects(report: AuditReport, check: str) -> dict[str, str]:
    return {f.subject: f.message for f in report.of_check(check)}


def test_data_workload_open_to_every_namespace_is_reported() -> None:
    r = audit(
        [
            namespace("shop"),
            db(**{"app.kubernetes.io/component": "database"}),
            ingress({"namespaceSelector": {}}),
        ]
    )
    assert subjects(r, "exposed-to-entire-cluster") == {
        "shop/db[Pod]": "admits any pod of any namespace on TCP 5432"
    }


def test_holds_data_label_marks_any_workload() -> None:
    r = audit(
        [
            namespace("shop"),
            db(**{"reach.io/holds-data": "true"}),
            ingress({"namespaceSelector": {}}),
        ]
    )
    assert "shop/db[Pod]" in subjects(r, "exposed-to-entire-cluster")


def test_workload_without_data_labels_is_not_reported() -> None:
    r = audit([namespace("shop"), db(), ingress({"namespaceSelector": {}})])
    assert not r.of_check("exposed-to-entire-cluster")


def test_data_workload_open_to_named_clients_only_is_not_reported() -> None:
    r = audit(
        [
            namespace("shop"),
            db(tier="db"),
            ingress({"namespaceSelector": {}, "podSelector": sel(app="api")}),
        ]
    )
    assert not r.of_check("exposed-to-entire-cluster")


def test_unprotected_data_workload_is_left_to_the_isolation_checks() -> None:
    r = audit([namespace("shop"), db(tier="db")])
    assert not r.of_check("exposed-to-entire-cluster")


def test_rule_admitting_a_namespace_that_does_not_exist_is_reported() -> None:
    peer = {"namespaceSelector": sel(**{"kubernetes.io/metadata.name": "billing"})}
    r = audit([namespace("shop"), db(), ingress(peer)])
    assert subjects(r, "exposed-to-absent-namespaces") == {
        "shop/db[Pod]": "admits billing/[all pods] on TCP 5432"
    }


def test_rule_admitting_labels_no_namespace_has_is_reported() -> None:
    r = audit(
        [
            namespace("shop"),
            namespace("pay", team="y"),
            db(),
            ingress({"namespaceSelector": sel(team="x")}),
        ]
    )
    assert "shop/db[Pod]" in subjects(r, "exposed-to-absent-namespaces")


def test_rule_admitting_an_existing_namespace_is_not_reported() -> None:
    r = audit(
        [
            namespace("shop"),
            namespace("pay", team="x"),
            db(),
            ingress({"namespaceSelector": sel(team="x")}),
        ]
    )
    assert not r.of_check("exposed-to-absent-namespaces")
