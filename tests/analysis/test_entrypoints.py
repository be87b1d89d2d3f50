"""Entry points from the internet: one test per rule of docs/semantics.md ("Services and
entry points"), each quoting the spec sentence it follows."""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.analysis.entrypoints import entries
from reach.analysis.internetpath import InternetPathResult
from reach.errors import ReachError
from tests.builders import netpol, pod
from tests.entrybuilders import ingress, service

Obj = dict[str, Any]

WEB = pod("web", "shop", {"app": "web"}, [("https", 8443, "TCP")])
DB = pod("db", "shop", {"app": "db"}, [("pg", 5432, "TCP")])


def lb(**spec: Any) -> Obj:
    return service(
        "web",
        "shop",
        {"app": "web"},
        [{"port": 443, "targetPort": "https"}],
        **{"type": "LoadBalancer", **spec},
    )


def from_cidr(cidr: str) -> Obj:
    return netpol(
        "web",
        "shop",
        {"matchLabels": {"app": "web"}},
        ingress=[{"from": [{"ipBlock": {"cidr": cidr}}]}],
    )


def via(objs: list[Obj]) -> list[tuple[str, str]]:
    r = reach.from_objects(objs)
    return [(e.via, str(e.ports)) for e in entries(r.reachability)]


def test_load_balancer_reaches_backends_on_target_port() -> None:
    """targetPort: "Number or name of the port to access on the pods targeted by the service"."""
    assert via([WEB, lb()]) == [("LoadBalancer svc/shop/web:443", "TCP 8443")]


def test_cluster_ip_service_is_no_entry_point() -> None:
    """Only "externally-facing" addresses (NodePorts, ExternalIPs, LoadBalancer IPs) let the
    outside in."""
    assert (
        via([WEB, service("web", "shop", {"app": "web"}, [{"port": 443, "targetPort": "https"}])])
        == []
    )


def test_node_port_and_external_ips_are_entry_points() -> None:
    """externalIPs: "IP addresses for which nodes in the cluster will also accept traffic"."""
    node = service(
        "np",
        "shop",
        {"app": "web"},
        [{"port": 443, "targetPort": "https", "nodePort": 30443}],
        type="NodePort",
    )
    ext = service(
        "ex",
        "shop",
        {"app": "web"},
        [{"port": 443, "targetPort": "https"}],
        externalIPs=["198.51.100.9"],
    )
    assert sorted(v for v, _ in via([WEB, node, ext])) == [
        "NodePort svc/shop/np:30443",
        "externalIPs 198.51.100.9 svc/shop/ex:443",
    ]


def test_local_policy_keeps_the_client_address() -> None:
    """externalTrafficPolicy Local: "without masquerading the client source IP": a policy
    admitting only private ranges keeps internet clients out; one admitting 0.0.0.0/0 not."""
    assert via([WEB, lb(externalTrafficPolicy="Local"), from_cidr("10.0.0.0/8")]) == []
    assert via([WEB, lb(externalTrafficPolicy="Local"), from_cidr("0.0.0.0/0")]) != []


def test_cluster_policy_makes_the_source_a_node_address() -> None:
    """The NetworkPolicy page: the source IP "may be the IP of a LoadBalancer or of the Pod's
    node": with Cluster, a policy admitting only a public range lets nothing in, one
    admitting the private ranges does."""
    assert via([WEB, lb(), from_cidr("203.0.113.0/24")]) == []
    assert via([WEB, lb(), from_cidr("10.0.0.0/8")]) != []


def test_load_balancer_source_ranges_are_honoured() -> None:
    """loadBalancerSourceRanges: "traffic through the cloud-provider load-balancer will be
    restricted to the specified client IPs"."""
    ranges = {"externalTrafficPolicy": "Local", "loadBalancerSourceRanges": ["203.0.113.0/24"]}
    assert via([WEB, lb(**ranges), from_cidr("198.51.100.0/24")]) == []
    assert via([WEB, lb(**ranges), from_cidr("203.0.113.0/25")]) != []


def test_ingress_enters_through_the_controller() -> None:
    """An Ingress's traffic arrives from the ingress controller, two hops from the internet."""
    svc = service("web", "shop", {"app": "web"}, [{"port": 443, "targetPort": "https"}])
    result = reach.from_objects([WEB, svc, ingress("in", "shop", [("web", 443)])]).path(
        "internet", "web"
    )
    assert isinstance(result, InternetPathResult)
    assert [str(h) for h in result.hops()] == [
        "internet (Ingress shop/in) => {ingress-controller} : TCP 8443",
        "{ingress-controller} => shop/web[Pod] : TCP 8443",
    ]


def test_path_from_internet_chains_entry_and_inner_hops() -> None:
    """``reach path internet db`` gives the chain of hops from the internet."""
    result = reach.from_objects([WEB, DB, lb()]).path("internet", "db")
    assert isinstance(result, InternetPathResult)
    assert [str(h) for h in result.hops()] == [
        "internet (LoadBalancer svc/shop/web:443) => shop/web[Pod] : TCP 8443",
        "shop/web[Pod] => shop/db[Pod] : All Connections",
    ]


def test_path_from_internet_without_entry_is_not_reachable() -> None:
    result = reach.from_objects([WEB, DB]).path("internet", "db")
    assert not result.reachable
    assert "cannot reach shop/db[Pod]" in str(result)


def test_internet_to_an_address_is_refused() -> None:
    with pytest.raises(ReachError, match="reaches pods"):
        reach.from_objects([WEB, lb()]).path("internet", "10.0.0.1")
