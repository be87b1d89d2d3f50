"""Gateway API entry points: one test per rule of docs/semantics.md ("Gateway API"), each
quoting the spec sentence (../shared/specs/gateway-api/) it follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import reach
from reach.analysis.entrypoints import entries
from reach.model.attachment import resolve
from tests.builders import deny_all, namespace, netpol, pod
from tests.entrybuilders import service
from tests.gatewaybuilders import backend, gateway, grant, http_route, listener, parent, xroute
from tests.helpers import run

Obj = dict[str, Any]

WEB = pod("web", "shop", {"app": "web"}, [("http", 8080, "TCP")])
WEB_SVC = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
NAMESPACES = [namespace("shop", team="a"), namespace("other", team="b"), namespace("infra")]
ALL = {"namespaces": {"from": "All"}}


def via(objs: list[Obj]) -> list[tuple[str, str]]:
    """``(via, ports)`` of every Gateway entry."""
    r = reach.from_objects(NAMESPACES + objs)
    return [(e.via, str(e.ports)) for e in entries(r.reachability) if e.via.startswith("Gateway")]


def codes(objs: list[Obj]) -> list[str]:
    return [d.code for d in reach.from_objects(NAMESPACES + objs).diagnostics]


def shop_route(gw_ns: str = "infra", **ref: Any) -> Obj:
    return http_route("r", "shop", [parent("gw", namespace=gw_ns, **ref)], [backend("web", 80)])


def test_route_of_the_gateway_namespace_attaches_by_default() -> None:
    """ "Same is the default option. Only Routes in the same namespace as this Gateway may be
    attached"; backendRefs port: "the port number is the service port number, not the
    target port"."""
    objs = [WEB, WEB_SVC, gateway("gw", "shop", listener("http", 80)), shop_route("shop")]
    assert via(objs) == [("Gateway shop/gw:80 HTTPRoute shop/r", "TCP 8080")]
    assert codes(objs) == []


def test_same_refuses_a_route_of_another_namespace() -> None:
    """ "Same: Only Routes in the same namespace may be used by this Gateway"."""
    objs = [WEB, WEB_SVC, gateway("gw", "infra", listener("http", 80)), shop_route()]
    assert via(objs) == []
    r = reach.from_objects(NAMESPACES + objs)
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("route-not-accepted", "warning", False)
    assert "from: Same" in d.message


def test_all_admits_routes_of_every_namespace() -> None:
    """ "All: Routes in all namespaces may be used by this Gateway"."""
    gw = gateway("gw", "infra", listener("http", 80, allowedRoutes=ALL))
    assert via([WEB, WEB_SVC, gw, shop_route()]) == [
        ("Gateway infra/gw:80 HTTPRoute shop/r", "TCP 8080")
    ]


def test_selector_admits_routes_of_matching_namespaces_only() -> None:
    """ "Selector: Routes in namespaces selected by the selector may be used by this
    Gateway"."""
    allowed = {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"team": "a"}}}}
    gw = gateway("gw", "infra", listener("http", 80, allowedRoutes=allowed))
    other = [
        pod("web", "other", {"app": "web"}, [("http", 8080, "TCP")]),
        service("web", "other", {"app": "web"}, [{"port": 80, "targetPort": "http"}]),
        http_route("r", "other", [parent("gw", namespace="infra")], [backend("web", 80)]),
    ]
    objs = [WEB, WEB_SVC, gw, shop_route(), *other]
    assert via(objs) == [("Gateway infra/gw:80 HTTPRoute shop/r", "TCP 8080")]
    assert codes(objs) == ["route-not-accepted"]


def test_kinds_default_to_the_listener_protocol() -> None:
    """allowedRoutes.kinds: "When unspecified or empty, the kinds of Routes selected are
    determined using the Listener protocol": a TCPRoute does not attach to an HTTP
    listener."""
    gw = gateway("gw", "shop", listener("http", 80))
    tcp = xroute("TCPRoute", "t", "shop", [parent("gw")], [backend("web", 80)])
    assert via([WEB, WEB_SVC, gw, tcp]) == []
    assert codes([WEB, WEB_SVC, gw, tcp]) == ["route-not-accepted"]


def test_explicit_kinds_refuse_other_kinds() -> None:
    """ "Kinds specifies the groups and kinds of Routes that are allowed to bind to this
    Gateway Listener": a listener for GRPCRoutes only refuses an HTTPRoute."""
    allowed = {"kinds": [{"kind": "GRPCRoute"}]}
    gw = gateway("gw", "shop", listener("http", 80, allowedRoutes=allowed))
    grpc = xroute("GRPCRoute", "g", "shop", [parent("gw")], [backend("web", 80)])
    assert via([WEB, WEB_SVC, gw, shop_route("shop"), grpc]) == [
        ("Gateway shop/gw:80 GRPCRoute shop/g", "TCP 8080")
    ]


def test_cross_namespace_backend_without_grant_receives_nothing() -> None:
    """backendRefs namespace: "when a namespace different than the local namespace is
    specified, a ReferenceGrant object is required in the referent namespace"."""
    gw = gateway("gw", "infra", listener("http", 80))
    route = http_route("r", "infra", [parent("gw")], [backend("web", 80, namespace="shop")])
    r = reach.from_objects([*NAMESPACES, WEB, WEB_SVC, gw, route])
    assert [e for e in entries(r.reachability) if e.via.startswith("Gateway")] == []
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("route-refused", "warning", False)
    assert "spec.rules[0].backendRefs[0]" in d.message and "ReferenceGrant in shop" in d.message


def test_cross_namespace_backend_with_grant_delivers() -> None:
    """ReferenceGrant: "a ReferenceGrant in the bar namespace explicitly allows references
    to Services from HTTPRoutes in the foo namespace"."""
    gw = gateway("gw", "infra", listener("http", 80))
    route = http_route("r", "infra", [parent("gw")], [backend("web", 80, namespace="shop")])
    objs = [WEB, WEB_SVC, gw, route, grant("shop", "infra")]
    assert via(objs) == [("Gateway infra/gw:80 HTTPRoute infra/r", "TCP 8080")]
    assert codes(objs) == []


def test_grant_for_another_name_or_kind_does_not_count() -> None:
    """to.name: "When unspecified, this policy refers to all resources of the specified
    Group and Kind"; when given, only that one. from lists the kinds that may refer."""
    gw = gateway("gw", "infra", listener("http", 80))
    route = http_route("r", "infra", [parent("gw")], [backend("web", 80, namespace="shop")])
    named = grant("shop", "infra", to={"group": "", "kind": "Service", "name": "api"})
    tcp_only = grant("shop", "infra", kind="TCPRoute")
    other_ns = grant("shop", "other")
    for g in (named, tcp_only, other_ns):
        assert via([WEB, WEB_SVC, gw, route, g]) == []
        assert codes([WEB, WEB_SVC, gw, route, g]) == ["route-refused"]
    exact = grant("shop", "infra", to={"group": "", "kind": "Service", "name": "web"})
    assert len(via([WEB, WEB_SVC, gw, route, exact])) == 1


def test_section_name_and_port_select_listeners() -> None:
    """ "When sectionName is set, the Route selects the listener with the specified name";
    "When port is set, the Route selects all listeners listening on the specified port";
    "When multiple fields in parentRef are set, the Route selects listeners that satisfy
    all conditions"."""
    gw = gateway("gw", "shop", listener("a", 80), listener("b", 8000))
    for ref, want in (
        ({"sectionName": "b"}, ["Gateway shop/gw:8000 HTTPRoute shop/r"]),
        ({"port": 80}, ["Gateway shop/gw:80 HTTPRoute shop/r"]),
        ({}, ["Gateway shop/gw:80 HTTPRoute shop/r", "Gateway shop/gw:8000 HTTPRoute shop/r"]),
        ({"sectionName": "a", "port": 8000}, []),
    ):
        got = via([WEB, WEB_SVC, gw, shop_route("shop", **ref)])
        assert [v for v, _ in got] == want, ref
    assert codes([WEB, WEB_SVC, gw, shop_route("shop", sectionName="a", port=8000)]) == [
        "route-not-accepted"
    ]


def test_tcp_route_on_a_tcp_listener() -> None:
    """TCPRoute: "All TCP streams on port 8080 of the Gateway are forwarded to port 6000 of
    my-foo-service"."""
    db = pod("db", "shop", {"app": "db"}, [("pg", 5432, "TCP")])
    svc = service("db", "shop", {"app": "db"}, [{"port": 6000, "targetPort": "pg"}])
    gw = gateway("gw", "shop", listener("foo", 8080, "TCP"))
    tcp = xroute("TCPRoute", "t", "shop", [parent("gw", sectionName="foo")], [backend("db", 6000)])
    assert via([db, svc, gw, tcp]) == [("Gateway shop/gw:8080 TCPRoute shop/t", "TCP 5432")]


def test_udp_route_sends_udp_to_the_udp_service_port() -> None:
    """UDPRoute "Allows for forwarding of a UDP stream from the Listener to the Backends":
    of a Service with TCP and UDP port 53, only the UDP one."""
    dns = pod("dns", "shop", {"app": "dns"}, [("dns", 5353, "UDP"), ("dns-tcp", 5354, "TCP")])
    svc = service(
        "dns",
        "shop",
        {"app": "dns"},
        [
            {"name": "tcp", "port": 53, "targetPort": "dns-tcp", "protocol": "TCP"},
            {"name": "udp", "port": 53, "targetPort": "dns", "protocol": "UDP"},
        ],
    )
    gw = gateway("gw", "shop", listener("dns", 53, "UDP"))
    udp = xroute("UDPRoute", "u", "shop", [parent("gw")], [backend("dns", 53)])
    assert via([dns, svc, gw, udp]) == [("Gateway shop/gw:53 UDPRoute shop/u", "UDP 5353")]


def test_route_whose_parent_does_not_exist() -> None:
    """ "If no Gateway listeners accept attachment from this Route, the Route MUST be
    considered detached from the Gateway"."""
    r = reach.from_objects([*NAMESPACES, WEB, WEB_SVC, shop_route("shop")])
    (d,) = r.diagnostics
    assert d.code == "route-not-accepted" and "Gateway shop/gw is not in the input" in d.message
    assert not [e for e in entries(r.reachability) if e.via.startswith("Gateway")]


def test_route_without_parent_refs_is_reported() -> None:
    """ "All Routes **must** contain a `parentRefs` stanza to be a Gateway API compliant Route
    object": one without attaches nowhere."""
    route = http_route("r", "shop", [], [backend("web", 80)])
    (d,) = reach.from_objects([*NAMESPACES, WEB, WEB_SVC, route]).diagnostics
    assert d.code == "route-not-accepted" and "it has no parentRefs" in d.message


def test_hostnames_must_intersect() -> None:
    """ "If both the Listener and HTTPRoute have specified hostnames, and none match with the
    criteria above, then the HTTPRoute is not accepted"; "*.example.com" is a suffix match."""
    gw = gateway("gw", "shop", listener("http", 80, hostname="shop.example.com"))
    for hosts, attached in ((["api.example.net"], False), (["*.example.com"], True), ([], True)):
        route = http_route("r", "shop", [parent("gw")], [backend("web", 80)], hostnames=hosts)
        assert bool(via([WEB, WEB_SVC, gw, route])) is attached, hosts


def test_backend_with_weight_zero_receives_nothing() -> None:
    """ "If weight is set to 0, no traffic should be forwarded for this entry"."""
    gw = gateway("gw", "shop", listener("http", 80))
    for weight, delivered in ((0, False), (1, True)):
        route = http_route("r", "shop", [parent("gw")], [backend("web", 80, weight=weight)])
        assert bool(via([WEB, WEB_SVC, gw, route])) is delivered


def test_missing_service_or_port_is_reported() -> None:
    """backendRefs: "If unspecified or invalid (refers to a nonexistent resource ...)" the
    backend gets nothing; reach says so."""
    gw = gateway("gw", "shop", listener("http", 80))
    missing = http_route("r", "shop", [parent("gw")], [backend("nope", 80)])
    no_port = http_route("r", "shop", [parent("gw")], [backend("web", 81)])
    assert codes([WEB, WEB_SVC, gw, missing]) == ["route-backend-missing"]
    assert codes([WEB, WEB_SVC, gw, no_port]) == ["route-backend-missing"]


def test_backend_policies_must_admit_an_in_cluster_workload() -> None:
    """The gateway's data plane is modelled as the {ingress-controller} is: the backend's
    policies must admit an arbitrary in-cluster workload on that port."""
    gw = gateway("gw", "shop", listener("http", 80))
    base = [WEB, WEB_SVC, gw, shop_route("shop"), deny_all("shop", ("Ingress",))]
    assert via(base) == []
    everyone = netpol(
        "all-ns",
        "shop",
        {"matchLabels": {"app": "web"}},
        ingress=[{"from": [{"namespaceSelector": {}}], "ports": [{"port": 8080}]}],
    )
    assert via([*base, everyone]) == [("Gateway shop/gw:80 HTTPRoute shop/r", "TCP 8080")]
    labelled = netpol(
        "team-only",
        "shop",
        {"matchLabels": {"app": "web"}},
        ingress=[{"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]}],
    )
    assert via([*base, labelled]) == []


def test_reach_path_internet_goes_through_the_gateway(tmp_path: Path) -> None:
    """End to end: `reach path internet DST` names the listener and the route."""
    db = pod("db", "shop", {"app": "db"}, [("pg", 5432, "TCP")])
    gw = gateway("gw", "infra", listener("https", 443, "HTTPS", allowedRoutes=ALL))
    route = http_route(
        "storefront", "shop", [parent("gw", namespace="infra")], [backend("web", 80)]
    )
    objs = [*NAMESPACES, WEB, db, WEB_SVC, gw, route]
    (tmp_path / "all.yaml").write_text(yaml.safe_dump_all(objs))
    code, out, err = run(["path", "-f", str(tmp_path), "internet", "shop/db"])
    assert code == 0, err
    assert "through Gateway infra/gw:443 HTTPRoute shop/storefront" in out
    assert (
        "1. internet (Gateway infra/gw:443 HTTPRoute shop/storefront) => shop/web[Pod] : TCP 8080"
        in out
    )
    assert "2. shop/web[Pod] => shop/db[Pod] : All Connections" in out


def test_shop_gateway_attaches_and_its_backend_policy_decides() -> None:
    """The bundled example: web/storefront attaches to web/shop-gw (same namespace), and the
    api-gateway policy, which admits `https` only from ipBlocks, lets nothing in from it."""
    r = reach.load(str(Path(__file__).parents[2] / "examples" / "shop"))
    deliveries, notes = resolve(r.cluster)
    assert [(d.via, str(d.service)) for d in deliveries] == [
        ("Gateway web/shop-gw:443 HTTPRoute web/storefront", "svc/web/api-gateway")
    ]
    assert notes == []
    assert not [e for e in entries(r.reachability) if e.via.startswith("Gateway")]
