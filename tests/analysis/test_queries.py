"""Multi-hop queries on the bundled shop example, with hand-computed expectations."""

from __future__ import annotations

import pytest

import reach
from reach.analysis.refs import RefError
from reach.model.ports import PortSet

BACKENDS = {"app/orders[Deployment]", "app/catalog[Deployment]", "app/payments[Deployment]"}


def test_direct_path_names_ports_and_policies(shop: reach.Reach) -> None:
    res = shop.path("app/orders", "db/postgres")
    assert res.reachable and res.direct == PortSet.of("TCP", 5432)
    assert res.egress_policies == ("app/backend",)
    assert res.ingress_policies == ("db/postgres-ingress",)
    assert [(h.src, h.dst) for h in res.paths[0]] == [
        ("app/orders[Deployment]", "db/postgres[StatefulSet]")
    ]


def test_multi_hop_path_from_frontend_to_database(shop: reach.Reach) -> None:
    res = shop.path("web/frontend", "db/postgres")
    assert res.reachable and not res.direct_ok
    (path,) = res.paths
    assert len(path) == 3
    assert (path[0].src, path[0].dst, path[0].ports) == (
        "web/frontend[Deployment]",
        "web/api-gateway[Deployment]",
        PortSet.of("TCP", 8080),
    )
    assert path[1].dst in BACKENDS and path[1].ports == PortSet.of("TCP", 8080)
    assert path[2].src == path[1].dst and path[2].ports == PortSet.of("TCP", 5432)


def test_all_shortest_paths_go_through_each_backend_and_the_monitoring_detour(
    shop: reach.Reach,
) -> None:
    # frontend -> coredns (DNS) -> prometheus (no policy: accepts all) -> postgres (metrics)
    # is as short as the intended frontend -> gateway -> backend -> postgres.
    res = shop.path("web/frontend", "db/postgres", all_paths=True)
    assert {p[1].dst for p in res.paths} == BACKENDS | {"monitoring/prometheus[Deployment]"}
    assert all(len(p) == 3 for p in res.paths)
    assert len(res.paths) == 4


def test_blocked_pair_gives_the_reason(shop: reach.Reach) -> None:
    res = shop.path("web/frontend", "db/postgres")
    reason = res.explanation.reason() if res.explanation else ""
    # the isolating policies by name, whatever the input order (issue 25, determinism)
    assert (
        "db/postgres[StatefulSet] is isolated for ingress by db/allow-metrics-scrape, "
        "db/default-deny-all, db/postgres-ingress;"
    ) in reason
    assert "no rule admits web/frontend[Deployment]" in reason
    assert (
        "web/frontend[Deployment]'s egress is isolated by web/allow-dns-egress, "
        "web/default-deny-all, web/frontend;"
    ) in reason


def test_port_filter_applies_to_every_hop(shop: reach.Reach) -> None:
    # frontend reaches postgres only over 8080 then 5432: no single port works end to end
    assert not shop.path("web/frontend", "db/postgres", port="5432/TCP").reachable
    res = shop.path("web/frontend", "monitoring/prometheus", port="53/UDP")
    assert res.reachable
    (path,) = res.paths
    assert [h.dst for h in path] == [
        "kube-system/coredns[Deployment]",
        "monitoring/prometheus[Deployment]",
    ]
    assert all(h.ports.contains("UDP", 53) for h in path)


def test_max_hops_limits_the_search(shop: reach.Reach) -> None:
    assert not shop.path("web/frontend", "db/postgres", max_hops=2).reachable
    assert shop.path("web/frontend", "db/postgres", max_hops=3).reachable


def test_blast_radius_from_the_gateway(shop: reach.Reach) -> None:
    br = shop.blast_radius("web/api-gateway")
    hops = {e.node.id: e.hops for e in br.entries if e.node.type != "external"}
    assert hops == {
        **dict.fromkeys(BACKENDS, 1),
        "kube-system/coredns[Deployment]": 1,
        "web/frontend[Deployment]": 1,
        "db/postgres[StatefulSet]": 2,
        "db/redis[StatefulSet]": 2,
        "monitoring/prometheus[Deployment]": 2,
    }
    pg = next(e for e in br.entries if e.node.id == "db/postgres[StatefulSet]")
    assert pg.ports == PortSet.of("TCP", 5432) and pg.via in BACKENDS
    assert pg.first_hop in BACKENDS and pg.first_ports == PortSet.of("TCP", 8080)
    assert br.counts()["namespaces"] == 5
    assert any(e.node.type == "external" for e in br.entries)


def test_blast_radius_hop_limit(shop: reach.Reach) -> None:
    br = shop.blast_radius("web/api-gateway", hops=1)
    assert {e.hops for e in br.entries} == {1}
    assert "db/postgres[StatefulSet]" not in {e.node.id for e in br.entries}


def test_exposure_of_the_database(shop: reach.Reach) -> None:
    ex = shop.exposure("db/postgres")
    direct = {e.node.id for e in ex.entries if e.hops == 1}
    assert direct == BACKENDS | {"monitoring/prometheus[Deployment]"}
    # prometheus accepts anything (no policy) and scrapes postgres: internet exposure, 2 hops
    assert ex.internet_exposed
    assert min(e.hops for e in ex.entries if e.internet) == 2


def test_exposure_of_gateway_is_direct_from_the_internet(shop: reach.Reach) -> None:
    ex = shop.exposure("web/api-gateway", hops=1)
    inet = [e for e in ex.entries if e.internet]
    assert inet and all(e.ports == PortSet.of("TCP", 8443) for e in inet)
    assert "DIRECTLY reachable from the internet" in str(ex)


def test_explain_breaks_down_both_sides(shop: reach.Reach) -> None:
    (e,) = shop.explain("app/orders", "db/postgres")
    assert e.allowed == PortSet.of("TCP", 5432)
    assert e.egress and e.egress.isolated and "app/backend" in e.egress.policies
    assert [r.policy for r in e.egress.rules] == ["app/backend"]
    assert e.ingress and [r.policy for r in e.ingress.rules] == ["db/postgres-ingress"]
    (e2,) = shop.explain("kube-system/coredns", "monitoring/prometheus")
    assert e2.egress and not e2.egress.isolated and e2.allowed.is_all()


def test_graph_edges_carry_ports_and_policies(shop: reach.Reach) -> None:
    g = shop.graph
    data = g.edges["app/orders[Deployment]", "db/postgres[StatefulSet]"]
    assert data["ports"] == PortSet.of("TCP", 5432)
    assert data["policies"]["egress"] == ("app/backend",)
    assert data["policies"]["ingress"] == ("db/postgres-ingress",)
    node = g.nodes["web/api-gateway[Deployment]"]
    assert node["kind"] == "Deployment" and node["namespace"] == "web" and node["pods"] == 2
    assert not g.has_edge("web/frontend[Deployment]", "db/postgres[StatefulSet]")


@pytest.mark.parametrize(
    "ref, label",
    [
        ("web/api-gateway[Deployment]", "web/api-gateway[Deployment]"),
        ("web/api-gateway", "web/api-gateway[Deployment]"),
        ("deployment/api-gateway", "web/api-gateway[Deployment]"),
        ("statefulset/postgres", "db/postgres[StatefulSet]"),
        ("pod/web/frontend-1", "web/frontend-1[Pod]"),
        ("coredns", "kube-system/coredns[Deployment]"),
        ("namespace/db", "namespace db"),
    ],
)
def test_node_reference_forms(shop: reach.Reach, ref: str, label: str) -> None:
    assert shop.resolve(ref).label == label


def test_label_selector_and_namespace_reference(shop: reach.Reach) -> None:
    t = shop.resolve("tier=backend", namespace="app")
    assert len(t.pods) == 7
    assert shop.resolve("frontend", namespace="web").label == "web/frontend[Deployment]"


def test_ip_reference_is_external(shop: reach.Reach) -> None:
    t = shop.resolve("203.0.113.7")
    assert t.external and len(t.segments) == 1


def test_unknown_reference_lists_closest_candidates(shop: reach.Reach) -> None:
    with pytest.raises(
        RefError, match=r"no node matches 'web/frontned'; closest: web/frontend\[Deployment\]"
    ):
        shop.resolve("web/frontned")


def test_ambiguous_reference_lists_candidates() -> None:
    objs = [
        {"kind": "Pod", "metadata": {"name": "api", "namespace": ns}, "spec": {}}
        for ns in ("a", "b")
    ]
    r = reach.from_objects(objs)
    with pytest.raises(RefError, match=r"ambiguous.*a/api\[Pod\], b/api\[Pod\]"):
        r.resolve("api")


def test_direct_path_to_an_address_says_the_address_has_no_side(shop: reach.Reach) -> None:
    text = str(shop.path("app/payments", "203.0.113.5"))
    assert "  egress allowed by:  app/payments\n" in text
    assert "  ingress allowed by: (not a pod: no policy of its own)" in text
