"""``reach exposure X`` names the entry points through which traffic from the internet
arrives (issue 16, item 4): one test per rule of docs/queries.md ("Entry points in
exposure")."""

from __future__ import annotations

import json
from typing import Any

import reach
from reach.analysis.radius import Radius
from tests.builders import netpol, pod
from tests.entrybuilders import ingress, service
from tests.helpers import run

Obj = dict[str, Any]

WEB = pod("web", "shop", {"app": "web"}, [("https", 8443, "TCP")])
API = pod("api", "shop", {"app": "api"}, [("http", 8080, "TCP")])
DB = pod("db", "shop", {"app": "db"}, [("pg", 5432, "TCP")])
LB = service(
    "web", "shop", {"app": "web"}, [{"port": 443, "targetPort": "https"}], type="LoadBalancer"
)
LB_LINE = "internet via LoadBalancer svc/shop/web:443 → shop/web[Pod] : TCP 8443"


def only_from(app: str, src: str, port: int) -> Obj:
    return netpol(
        f"{app}-in",
        "shop",
        {"matchLabels": {"app": app}},
        ingress=[
            {"from": [{"podSelector": {"matchLabels": {"app": src}}}], "ports": [{"port": port}]}
        ],
        policyTypes=["Ingress"],
    )


def exposure(objs: list[Obj], ref: str, **kw: Any) -> Radius:
    return reach.from_objects(objs).exposure(ref, by="pod", **kw)


def routes(objs: list[Obj], ref: str, **kw: Any) -> list[str]:
    found = exposure(objs, ref, **kw)
    assert found.entry_routes is not None
    return [str(r) for r in found.entry_routes]


def test_a_load_balancer_backend_names_the_entry_point_and_the_target_port() -> None:
    assert routes([WEB, LB], "shop/web") == [LB_LINE]


def test_an_entry_into_a_pod_that_reaches_the_target_says_how_many_hops_follow() -> None:
    objs = [WEB, DB, LB, only_from("db", "web", 5432)]
    assert routes(objs, "shop/db") == [f"{LB_LINE}, then 1 hop to shop/db[Pod]"]


def test_hops_are_counted_from_the_pod_entered() -> None:
    objs = [WEB, API, DB, LB, only_from("db", "api", 5432), only_from("api", "web", 8080)]
    assert routes(objs, "shop/db") == [f"{LB_LINE}, then 2 hops to shop/db[Pod]"]
    assert routes(objs, "shop/db", hops=1) == []


def test_an_entry_the_backends_policies_refuse_is_not_listed() -> None:
    objs = [WEB, LB, only_from("web", "api", 8443)]  # the internet is no pod labelled app=api
    assert routes(objs, "shop/web") == []


def test_the_port_filter_applies_to_the_entry_hop() -> None:
    assert routes([WEB, LB], "shop/web", port="8443/TCP") == [LB_LINE]
    assert routes([WEB, LB], "shop/web", port="80/TCP") == []


def test_an_ingress_passes_the_ingress_controller() -> None:
    svc = service("web", "shop", {"app": "web"}, [{"port": 80, "targetPort": "https"}])
    objs = [WEB, svc, ingress("front", "shop", [("web", 80)])]
    assert routes(objs, "shop/web") == [
        "internet via Ingress shop/front → {ingress-controller} → shop/web[Pod] : TCP 8443"
    ]


def test_a_node_port_names_its_node_port() -> None:
    svc = service(
        "web",
        "shop",
        {"app": "web"},
        [{"port": 443, "targetPort": "https", "nodePort": 30443}],
        type="NodePort",
        externalTrafficPolicy="Local",
    )
    assert routes([WEB, svc], "shop/web") == [
        "internet via NodePort svc/shop/web:30443 → shop/web[Pod] : TCP 8443"
    ]


def test_the_text_flags_internet_exposure_through_an_entry_point() -> None:
    # only private addresses are admitted: no internet range, but the load balancer's
    # traffic arrives from node addresses (externalTrafficPolicy: Cluster)
    private = netpol(
        "web-in",
        "shop",
        {"matchLabels": {"app": "web"}},
        ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}],
        policyTypes=["Ingress"],
    )
    text = str(exposure([WEB, LB, private], "shop/web"))
    assert "!! shop/web[Pod] is DIRECTLY reachable from the internet (entry points)" in text
    assert f"  {LB_LINE}" in text
    objs = [WEB, DB, LB, private, only_from("db", "web", 5432)]
    assert "is transitively reachable from the internet (entry points)" in str(
        exposure(objs, "shop/db")
    )


def test_blast_radius_and_addresses_have_no_entry_points() -> None:
    r = reach.from_objects([WEB, LB])
    assert r.blast_radius("shop/web").entry_routes is None
    assert "entry_points" not in r.blast_radius("shop/web").to_dict()
    assert r.exposure("8.8.8.8").entry_routes is None


def test_json_gives_each_entry_point(tmp_path: Any) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [WEB, DB, LB]}))
    code, out, _ = run(["exposure", "-f", str(path), "shop/web", "--format", "json"])
    assert code == 0
    assert json.loads(out)["entry_points"] == [
        {
            "via": "LoadBalancer svc/shop/web:443",
            "hop": None,
            "node": "shop/web[Pod]",
            "ports": {"TCP": [[8443, 8443]]},
            "text": "TCP 8443",
            "hops": 0,
        }
    ]


def test_md_gives_the_entry_points_as_a_table(tmp_path: Any) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [WEB, DB, LB]}))
    code, out, _ = run(["exposure", "-f", str(path), "shop/web", "--format", "md"])
    assert code == 0
    assert "#### Entry points from the internet" in out
    assert "| LoadBalancer svc/shop/web:443 |  | shop/web[Pod] | TCP 8443 | 0 |" in out
