"""Reading Gateway API objects: what is kept, the versions read, bad fields named by path."""

from __future__ import annotations

from pathlib import Path

import pytest

import reach
from reach.errors import InvalidInput
from tests.gatewaybuilders import backend, gateway, grant, http_route, listener, parent, xroute
from tests.helpers import run

Obj = dict[str, object]


def test_gateway_listeners_are_read_with_their_defaults() -> None:
    """allowedRoutes.namespaces: "This is restricted to the namespace of this Gateway by
    default" (``from: Same``); kinds "When unspecified or empty" are left to the protocol."""
    gw = gateway(
        "gw",
        "infra",
        listener("http", 80),
        listener(
            "tls",
            443,
            "HTTPS",
            hostname="shop.example.com",
            allowedRoutes={
                "namespaces": {"from": "Selector", "selector": {"matchLabels": {"team": "a"}}},
                "kinds": [{"kind": "HTTPRoute"}],
            },
        ),
    )
    (got,) = reach.from_objects([gw]).cluster.gateway_api.gateways
    plain, tls = got.listeners
    assert (plain.namespaces_from, plain.kinds, plain.hostname) == ("Same", (), None)
    assert (tls.namespaces_from, str(tls.selector), tls.hostname) == (
        "Selector",
        "team=a",
        "shop.example.com",
    )
    assert tls.kinds == (("gateway.networking.k8s.io", "HTTPRoute"),)


def test_route_references_default_to_the_route_namespace() -> None:
    """parentRefs namespace: "When unspecified, this refers to the local namespace of the
    Route"; backendRefs kind "Defaults to "Service" when not specified"."""
    r = http_route("r", "shop", [parent("gw", sectionName="http", port=80)], [backend("web", 80)])
    (got,) = reach.from_objects([r]).cluster.gateway_api.routes
    (p,) = got.parents
    (b,) = got.backends
    assert (p.kind, p.namespace, p.section, p.port) == ("Gateway", "shop", "http", 80)
    assert (b.group, b.kind, b.namespace, b.port, b.weight) == ("", "Service", "shop", 80, 1)


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        (gateway("gw", "infra"), "spec.listeners"),
        (gateway("gw", "infra", listener("a", 0)), "spec.listeners[0].port"),
        (
            gateway("gw", "infra", listener("a", 80), listener("a", 81)),
            "spec.listeners[1].name",
        ),
        (
            gateway(
                "gw", "infra", listener("a", 80, allowedRoutes={"namespaces": {"from": "Any"}})
            ),
            "spec.listeners[0].allowedRoutes.namespaces.from",
        ),
        (
            gateway(
                "gw", "infra", listener("a", 80, allowedRoutes={"namespaces": {"from": "Selector"}})
            ),
            "spec.listeners[0].allowedRoutes.namespaces.selector",
        ),
        (
            gateway("gw", "infra", listener("a", 80, allowedRoutes={"kinds": [{"group": "x"}]})),
            "spec.listeners[0].allowedRoutes.kinds[0].kind",
        ),
        (http_route("r", "s", [{"port": 80}], []), "spec.parentRefs[0].name"),
        (
            http_route("r", "s", [parent("gw")], [backend("web", None)]),
            "spec.rules[0].backendRefs[0].port",
        ),
        (
            http_route("r", "s", [parent("gw")], [backend("web", 80, weight=-1)]),
            "spec.rules[0].backendRefs[0].weight",
        ),
        (grant("db", "web", to={"group": ""}), "spec.to[0].kind"),
    ],
)
def test_bad_fields_are_named_by_path(obj: Obj, path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        reach.from_objects([obj])
    assert path in str(err.value)


def test_backend_of_another_kind_needs_no_port() -> None:
    """ "Port is required when the referent is a Kubernetes Service" (only then)."""
    ref = backend("imp", None, group="multicluster.x-k8s.io", kind="ServiceImport")
    (got,) = reach.from_objects([http_route("r", "s", [], [ref])]).cluster.gateway_api.routes
    assert got.backends[0].kind == "ServiceImport"


def test_bad_gateway_exits_2_naming_file_document_and_field(tmp_path: Path) -> None:
    f = tmp_path / "gw.yaml"
    f.write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\n"
        "spec: {gatewayClassName: c, listeners: [{name: a, port: 80}]}\n"
    )
    code, _, err = run(["list", "-f", str(f)])
    assert code == 2
    assert "gw.yaml#1" in err and "spec.listeners[0].protocol" in err


@pytest.mark.parametrize(
    ("kind", "api"),
    [
        ("Gateway", "v1beta1"),
        ("HTTPRoute", "v1beta1"),
        ("TLSRoute", "v1alpha2"),
        ("TCPRoute", "v1alpha2"),
        ("UDPRoute", "v1alpha2"),
    ],
)
def test_served_older_versions_are_read(kind: str, api: str) -> None:
    """The CRDs serve these versions too ("served: true")."""
    group = "gateway.networking.k8s.io/" + api
    if kind == "Gateway":
        obj = gateway("gw", "infra", listener("a", 80), api=group)
    else:
        obj = xroute(kind, "r", "s", [parent("gw")], [backend("x", 80)], api=group)
    r = reach.from_objects([obj])
    api_objs = r.cluster.gateway_api
    assert len(api_objs.gateways) + len(api_objs.routes) == 1
    assert not [d for d in r.diagnostics if d.partial]


def test_unserved_version_and_listener_sets_are_reported_not_evaluated() -> None:
    old = gateway("gw", "infra", listener("a", 80), api="gateway.networking.k8s.io/v1alpha1")
    lset: Obj = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "ListenerSet",
        "metadata": {"name": "ls", "namespace": "infra"},
        "spec": {"parentRef": {"name": "gw"}, "listeners": []},
    }
    r = reach.from_objects([old, lset])
    assert r.cluster.gateway_api.gateways == []
    assert [d.code for d in r.diagnostics if d.partial] == ["unevaluated-kind"] * 2


def test_grant_and_class_are_read() -> None:
    """ReferenceGrant to name: "When unspecified, this policy refers to all resources of the
    specified Group and Kind in the local namespace"."""
    cls: Obj = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": "example"},
        "spec": {"controllerName": "example.com/gateway"},
    }
    api = reach.from_objects([grant("db", "web"), cls]).cluster.gateway_api
    (g,) = api.grants
    assert (g.namespace, g.sources[0].namespace, g.targets[0].name) == ("db", "web", None)
    assert api.classes == ["example"]
