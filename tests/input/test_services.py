"""Reading Services, Ingresses and Routes: what is kept, and bad fields named by path."""

from __future__ import annotations

from pathlib import Path

import pytest

import reach
from reach.errors import InvalidInput
from tests.entrybuilders import ingress, route, service
from tests.helpers import run


def test_service_fields_are_read() -> None:
    svc = service(
        "lb",
        "shop",
        {"app": "web"},
        [{"name": "https", "port": 443, "targetPort": "tls", "nodePort": 30443}],
        type="LoadBalancer",
        loadBalancerSourceRanges=["203.0.113.0/24"],
        externalTrafficPolicy="Local",
        externalIPs=["198.51.100.7"],
    )
    (got,) = reach.from_objects([svc]).cluster.services
    assert (got.type, got.selector, got.traffic_policy, got.external_ips) == (
        "LoadBalancer",
        (("app", "web"),),
        "Local",
        ("198.51.100.7",),
    )
    assert (got.ports[0].target_port, got.ports[0].node_port) == ("tls", 30443)
    assert [str(r) for r in got.source_ranges] == ["203.0.113.0-203.0.113.255"]


def test_headless_and_external_name_services() -> None:
    headless = service("h", "shop", {"app": "db"}, [{"port": 5432}], clusterIP="None")
    ext = service("e", "shop", None, [], type="ExternalName", externalName="db.example.com")
    e, h = reach.from_objects([headless, ext]).cluster.services  # by namespace and name
    assert (h.headless, e.type, e.external_name) == (True, "ExternalName", "db.example.com")


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        (service("s", ports=[{"port": 0}]), "spec.ports[0].port"),
        (service("s", ports=[{"port": 80, "protocol": "ICMP"}]), "spec.ports[0].protocol"),
        (service("s", type="Balancer"), "spec.type"),
        (
            service("s", loadBalancerSourceRanges=["10.0.0.0/33"]),
            "spec.loadBalancerSourceRanges[0]",
        ),
        (service("s", externalTrafficPolicy="Nearest"), "spec.externalTrafficPolicy"),
        (
            ingress("i", "shop", [("web", 0)]),
            "spec.rules[0].http.paths[0].backend.service.port.number",
        ),
        (route("r", "shop", "web", 70000), "spec.port.targetPort"),
    ],
)
def test_bad_fields_are_named_by_path(obj: dict[str, object], path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        reach.from_objects([obj])
    assert path in str(err.value)


def test_bad_service_exits_2_naming_file_document_and_field(tmp_path: Path) -> None:
    f = tmp_path / "svc.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
        "spec: {ports: [{port: 80, targetPort: 0}]}\n"
    )
    code, _, err = run(["list", "-f", str(f)])
    assert code == 2
    assert "svc.yaml#1" in err and "spec.ports[0].targetPort" in err


def test_older_ingress_version_is_reported_not_evaluated() -> None:
    old = ingress("i", "shop", [("web", 80)])
    old["apiVersion"] = "extensions/v1beta1"
    r = reach.from_objects([old])
    assert r.cluster.routes == []
    assert [d.code for d in r.diagnostics if d.partial] == ["unevaluated-kind"]


def test_service_of_another_api_group_is_not_ours() -> None:
    """A Knative Service (serving.knative.dev) is no v1 Service."""
    knative = service("s")
    knative["apiVersion"] = "serving.knative.dev/v1"
    r = reach.from_objects([knative])
    assert r.cluster.services == []
    # an unknown kind of an unknown group: noted, not flagged as a partial answer
    assert [(d.code, d.partial) for d in r.diagnostics] == [("unread-kind", False)]
