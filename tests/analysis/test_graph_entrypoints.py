"""Entry points in the export graph, its formats and pictures (issue 16)."""

from __future__ import annotations

import io

import reach
from reach.analysis.controller import controller_node
from reach.draw.model import picture_of
from tests.builders import namespace, pod
from tests.entrybuilders import ingress, service

WEB = pod("web", "shop", {"app": "web"}, [("http", 8080, "TCP")])
API = pod("api", "shop", {"app": "api"}, [("https", 8443, "TCP")])
OBJECTS = [
    namespace("shop"),
    WEB,
    API,
    service("web", "shop", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": "http"}]),
    service(
        "api",
        "shop",
        {"app": "api"},
        [{"port": 443, "targetPort": "https"}],
        type="LoadBalancer",
    ),
    ingress("site", "shop", [("web", "http")]),
]


def test_entry_nodes_and_their_edges_are_in_the_graph() -> None:
    g = reach.from_objects(OBJECTS).export_graph()
    entry = {n: a["kind"] for n, a in g.nodes(data=True) if a["type"] == "entry"}
    assert entry == {"internet": "Internet", "{ingress-controller}": "IngressController"}
    edges = {(s, d): (str(a["ports"]), a["via"]) for s, d, a in g.edges(data=True) if "via" in a}
    assert edges == {
        ("internet", "shop/api[Pod]"): ("TCP 8443", "LoadBalancer svc/shop/api:443"),
        ("internet", "{ingress-controller}"): ("TCP 80,443", "Ingress shop/site"),
        ("{ingress-controller}", "shop/web[Pod]"): ("TCP 8080", "Ingress shop/site"),
    }


def test_no_entry_nodes_without_entry_points() -> None:
    g = reach.from_objects([namespace("shop"), WEB]).export_graph()
    assert not [n for n, a in g.nodes(data=True) if a["type"] == "entry"]


def test_entry_node_json_has_no_namespace_or_pods() -> None:
    assert controller_node().to_json() == {
        "id": "{ingress-controller}",
        "type": "entry",
        "kind": "IngressController",
        "name": "{ingress-controller}",
    }


def test_dot_and_graphml_carry_the_entry_type() -> None:
    r = reach.from_objects(OBJECTS)
    dot = r.to_dot()
    assert '"internet" [label="internet", shape="invhouse", fillcolor="#ff9896"' in dot
    out = io.BytesIO()
    r.to_graphml(out)
    assert b">entry<" in out.getvalue()


def test_picture_draws_entry_points_as_their_own_kind() -> None:
    pic = picture_of(reach.from_objects(OBJECTS).export_graph())
    entry = {p.id: (p.type, p.kind) for p in pic.nodes.values() if p.type == "entry"}
    assert entry == {
        "internet": ("entry", "Internet"),
        "{ingress-controller}": ("entry", "IngressController"),
    }
    assert "2 entry points" in pic.subtitle
