"""The entry-point checks (issue 16): internet-entry-point, entry-backend-unisolated,
entry-port-missing, service-selects-no-pods."""

from __future__ import annotations

from typing import Any

import reach
from reach.audit import AuditReport
from tests.builders import namespace, netpol, pod, sel
from tests.entrybuilders import ingress, route, service

Obj = dict[str, Any]

WEB = pod("web", "shop", {"app": "web"}, [("http", 8080, "TCP")])
LB = service(
    "web",
    "shop",
    {"app": "web"},
    [{"name": "https", "port": 443, "targetPort": "http"}],
    type="LoadBalancer",
)


def audit(objects: list[Obj]) -> AuditReport:
    return reach.from_objects(objects).audit()


def subjects(report: AuditReport, check: str) -> dict[str, str]:
    return {f.subject: f.message for f in report.of_check(check)}


def admit_all(name: str = "web-in") -> Obj:
    """An ingress policy for the web pods that admits everything on 8080."""
    rule = {"ports": [{"port": 8080}]}
    return netpol(name, "shop", sel(app="web"), policyTypes=["Ingress"], ingress=[rule])


def test_internet_entry_point_names_the_load_balancer_and_the_ingress() -> None:
    r = audit([namespace("shop"), WEB, LB, ingress("site", "shop", [("web", "https")])])
    assert subjects(r, "internet-entry-point") == {
        "shop/web[Pod]": "reachable from the internet through Ingress shop/site on TCP 8080; "
        "LoadBalancer svc/shop/web:443 on TCP 8080"
    }
    assert r.of_check("internet-entry-point")[0].severity == "info"


def test_internet_entry_point_leaves_out_what_the_policies_block() -> None:
    deny = netpol("deny", "shop", {}, policyTypes=["Ingress"])
    r = audit([namespace("shop"), WEB, LB, deny])
    assert not r.of_check("internet-entry-point")


CLUSTER_IP = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": "http"}])


def test_entry_backend_without_ingress_isolation_is_medium() -> None:
    r = audit([namespace("shop"), WEB, CLUSTER_IP, route("store", "shop", "web")])
    (f,) = r.of_check("entry-backend-unisolated")
    assert (f.subject, f.severity) == ("shop/web[Pod]", "medium")
    assert f.message == "behind Route shop/store, selected by no ingress policy"
    isolated = audit(
        [namespace("shop"), WEB, CLUSTER_IP, route("store", "shop", "web"), admit_all()]
    )
    assert not isolated.of_check("entry-backend-unisolated")


def test_cluster_ip_backend_without_isolation_is_not_an_entry_backend() -> None:
    r = audit([namespace("shop"), WEB, CLUSTER_IP])
    assert not r.of_check("entry-backend-unisolated")


def test_named_target_port_missing_on_the_selected_pods() -> None:
    other = pod("web2", "shop", {"app": "web"}, [("web", 8080, "TCP")])
    svc = service(
        "web",
        "shop",
        {"app": "web"},
        [
            {"name": "a", "port": 80, "targetPort": "http"},
            {"name": "b", "port": 81, "targetPort": 9},
        ],
    )
    r = audit([namespace("shop"), WEB, other, svc])
    assert subjects(r, "entry-port-missing") == {
        "svc/shop/web": "port a: targetPort 'http' (TCP) is not a container port of shop/web2[Pod]"
    }
    assert r.of_check("entry-port-missing")[0].severity == "low"


def test_route_to_a_missing_service_port_is_reported() -> None:
    svc = service("web", "shop", {"app": "web"}, [{"name": "http", "port": 80}])
    r = audit([namespace("shop"), WEB, svc, ingress("site", "shop", [("web", "grpc")])])
    assert subjects(r, "entry-port-missing") == {
        "ingress/shop/site": "spec.rules[0].http.paths[0].backend.service names port 'grpc' of "
        "svc/shop/web, which has no such port"
    }


def test_service_selecting_no_pods() -> None:
    typo = service("web", "shop", {"app": "wbe"}, [{"port": 80}])
    manual = service("ext", "shop", None, [{"port": 80}])
    r = audit([namespace("shop"), WEB, typo, manual])
    assert subjects(r, "service-selects-no-pods") == {
        "svc/shop/web": "selector app=wbe matches no pod of namespace shop"
    }
    fine = audit([namespace("shop"), WEB, LB])
    assert not fine.of_check("service-selects-no-pods")
