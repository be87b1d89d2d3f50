"""Services as node references (``svc/NAME``, ``service/NAME``, ``svc/ns/name``) and the
per-backend translation of service ports. Each docstring quotes the spec sentence."""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.analysis.servicepath import ServicePathResult
from reach.errors import ReachError
from tests.builders import netpol, pod
from tests.entrybuilders import service
from tests.helpers import run

Obj = dict[str, Any]


def shop(*extra: Obj) -> list[Obj]:
    """web, and three checkout pods whose port ``http`` is 8080, 9090 and missing."""
    return [
        pod("web", "shop", {"app": "web"}),
        pod("co1", "shop", {"app": "checkout", "v": "1"}, [("http", 8080, "TCP")]),
        pod("co2", "shop", {"app": "checkout", "v": "2"}, [("http", 9090, "TCP")]),
        pod("co3", "shop", {"app": "checkout", "v": "3"}, [("metrics", 7070, "TCP")]),
        *extra,
    ]


CHECKOUT = service("checkout", "shop", {"app": "checkout"}, [{"port": 80, "targetPort": "http"}])


@pytest.mark.parametrize("ref", ["svc/checkout", "service/checkout", "svc/shop/checkout"])
def test_reference_forms_name_the_backends(ref: str) -> None:
    """Service spec: "Route service traffic to pods with label keys and values matching this
    selector"; co3 has no port named http, so it is no backend."""
    r = reach.from_objects(shop(CHECKOUT))
    target = r.resolve(ref)
    assert target.label == "svc/shop/checkout"
    assert sorted(r.cluster.pods[i].name for i in target.pods) == ["co1", "co2"]


def test_named_target_port_translates_per_backend() -> None:
    """targetPort: "If this is a string, it will be looked up as a named port in the target
    Pod's container ports" (8080 on co1, 9090 on co2)."""
    r = reach.from_objects(shop(CHECKOUT))
    result = r.path("web", "svc/checkout", port="80")
    assert isinstance(result, ServicePathResult)
    assert [(label, str(p)) for label, p, _ in result.backends] == [
        ("shop/co1[Pod]", "TCP 8080"),
        ("shop/co2[Pod]", "TCP 9090"),
    ]
    assert result.reachable


def test_service_is_unreachable_when_one_backend_is_not() -> None:
    """A policy that admits 8080 only lets the Service reach co1, not co2 on 9090."""
    only = netpol(
        "only", "shop", {"matchLabels": {"app": "checkout"}}, ingress=[{"ports": [{"port": 8080}]}]
    )
    result = reach.from_objects(shop(CHECKOUT, only)).path("web", "svc/checkout", port="80")
    assert isinstance(result, ServicePathResult)
    assert [r.reachable for _, _, r in result.backends] == [True, False]
    assert not result.reachable
    assert "1 of 2 backends reachable" in str(result)


def test_pod_without_the_port_name_is_no_backend_for_that_port() -> None:
    """A pod whose containers have no port of the targetPort's name gets no traffic on it."""
    svc = service(
        "checkout",
        "shop",
        {"app": "checkout"},
        [
            {"name": "web", "port": 80, "targetPort": "http"},
            {"name": "m", "port": 81, "targetPort": "metrics"},
        ],
    )
    r = reach.from_objects(shop(svc))
    only_81 = r.path("web", "svc/checkout", port="81")
    assert isinstance(only_81, ServicePathResult)
    assert [label for label, _, _ in only_81.backends] == ["shop/co3[Pod]"]


def test_numeric_target_port_needs_no_declared_port() -> None:
    """targetPort "Number ... of the port to access on the pods": a number is taken as is."""
    svc = service("checkout", "shop", {"app": "checkout"}, [{"port": 80, "targetPort": 5000}])
    result = reach.from_objects(shop(svc)).path("web", "svc/checkout", port="80")
    assert isinstance(result, ServicePathResult)
    assert {str(p) for _, p, _ in result.backends} == {"TCP 5000"}
    assert len(result.backends) == 3


def test_headless_service_uses_the_service_port() -> None:
    """targetPort "is ignored for services with clusterIP=None": clients reach the pods on
    the service port itself."""
    svc = service(
        "checkout",
        "shop",
        {"app": "checkout"},
        [{"port": 5432, "targetPort": "http"}],
        clusterIP="None",
    )
    result = reach.from_objects(shop(svc)).path("web", "svc/checkout")
    assert isinstance(result, ServicePathResult)
    assert {str(p) for _, p, _ in result.backends} == {"TCP 5432"}


def test_external_name_service_has_no_backends() -> None:
    """selector: "Ignored if type is ExternalName"."""
    ext = service(
        "checkout",
        "shop",
        {"app": "checkout"},
        [{"port": 80}],
        type="ExternalName",
        externalName="x.example.com",
    )
    with pytest.raises(ReachError, match="ExternalName Service points at x.example.com"):
        reach.from_objects(shop(ext)).resolve("svc/checkout")


def test_service_without_selector_has_no_backends() -> None:
    """selector: "If empty or not present, the service is assumed to have an external process
    managing its endpoints"."""
    bare = service("checkout", "shop", None, [{"port": 80}])
    with pytest.raises(ReachError, match="no selector"):
        reach.from_objects(shop(bare)).resolve("svc/checkout")


def test_exposure_of_a_service_looks_at_its_target_ports() -> None:
    """``reach exposure svc/NAME`` is the exposure of its backends on the ports it sends to."""
    radius = reach.from_objects(shop(CHECKOUT)).exposure("svc/checkout")
    assert radius.port_filter == "TCP 8080,9090"


def test_cli_unknown_service_exits_2_with_the_known_ones(tmp_path: Any) -> None:
    import yaml

    f = tmp_path / "m.yaml"
    f.write_text(yaml.safe_dump_all(shop(CHECKOUT)))
    code, out, err = run(["path", "-f", str(f), "web", "svc/nope"])
    assert code == 2
    assert "no Service matches 'svc/nope'; Services: svc/shop/checkout" in err
    code, out, _ = run(["path", "-f", str(f), "web", "svc/checkout", "--port", "80"])
    assert code == 0 and "backend shop/co2[Pod] on TCP 9090:" in out
