"""The export graph: nodes and edges like ``reach list``, namespace filters, focus and hops."""

from __future__ import annotations

import pytest

import reach


def test_export_graph_merges_external_ranges_like_reach_list(shop: reach.Reach) -> None:
    g = shop.export_graph()
    assert g.graph["granularity"] == "workload"
    lines = {f"{s} => {d} : {a['ports']}" for s, d, a in g.edges(data=True) if s != "internet"}
    from reach.analysis.listing import table

    assert lines == set(table(shop.view("workload")).lines())
    assert "0.0.0.0-255.255.255.255[External]" in g
    node = g.nodes["db/postgres[StatefulSet]"]
    assert node["type"] == "workload" and node["kind"] == "StatefulSet"
    assert node["namespace"] == "db" and node["labels"]["app"] == "postgres"


def test_namespace_filter_keeps_the_namespace_and_its_external_ranges(shop: reach.Reach) -> None:
    g = shop.export_graph(namespaces=["app"])
    internal = {n for n, a in g.nodes(data=True) if a["type"] != "external"}
    assert internal == {
        "app/catalog[Deployment]",
        "app/orders[Deployment]",
        "app/payments[Deployment]",
    }
    assert "203.0.113.0-203.0.113.255[External]" in g
    with pytest.raises(reach.ReachError, match="no namespace nope"):
        shop.export_graph(namespaces=["nope"])


def test_focus_takes_hops_forward_and_backward(shop: reach.Reach) -> None:
    g = shop.export_graph(focus="db/postgres", hops=1)
    assert set(g) == {
        "db/postgres[StatefulSet]",
        "app/catalog[Deployment]",
        "app/orders[Deployment]",
        "app/payments[Deployment]",
        "monitoring/prometheus[Deployment]",
        "kube-system/coredns[Deployment]",
    }
    assert g.graph["focus_nodes"] == ["db/postgres[StatefulSet]"]
    two = shop.export_graph(focus="db/postgres", hops=2)
    assert set(g) < set(two) and "web/api-gateway[Deployment]" in two
    # an address falls in every drawn range that holds it
    ext = shop.export_graph(focus="203.0.113.0/24", hops=1)
    assert set(ext.graph["focus_nodes"]) == {
        "203.0.113.0-203.0.113.255[External]",
        "0.0.0.0-255.255.255.255[External]",
        "198.51.101.0-255.255.255.255[External]",
    }
    assert "app/payments[Deployment]" in ext and "db/redis[StatefulSet]" not in ext


def test_neighbourhood_does_not_pass_through_external_ranges() -> None:
    import numpy as np

    from reach.analysis.graph import _neighbourhood

    # 0 -> 1 -> 2(external) -> 3, and 4 -> 0
    src, dst = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 0])
    ext = np.array([False, False, True, False, False])
    start = np.array([True, False, False, False, False])
    assert _neighbourhood(start, src, dst, ext, 5).tolist() == [True, True, True, False, True]
    assert _neighbourhood(start, src, dst, ext, 1).tolist() == [True, True, False, False, True]
    from_ext = np.array([False, False, True, False, False])
    assert _neighbourhood(from_ext, src, dst, ext, 1).tolist() == [False, True, True, True, False]
