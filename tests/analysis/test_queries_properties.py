"""Properties of the multi-hop queries on random clusters, against networkx on the pod graph."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.analysis.refs import RefError
from tests.strategies import clusters


def _pod_ids(r: reach.Reach) -> list[str]:
    return [n.id for n in r.view("pod").nodes if n.type == "pod"]


def _sink_externals(g: nx.DiGraph) -> nx.DiGraph:
    """External ranges are endpoints: nothing continues from them."""
    h = g.copy()
    h.remove_edges_from([(u, v) for u, v in g.edges if g.nodes[u]["type"] == "external"])
    return h


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_blast_radius_equals_descendants_and_agrees_with_path(
    objects: list, data: st.DataObject
) -> None:
    r = reach.from_objects(objects)
    pods = _pod_ids(r)
    a = data.draw(st.sampled_from(pods))
    ref = "pod/" + a.removesuffix("[Pod]")
    g = _sink_externals(r.graph_at("pod"))
    radius = {e.node.id for e in r.blast_radius(ref, by="pod").entries}
    assert radius == nx.descendants(g, a)
    for b in pods:
        if b == a:
            continue
        res = r.path(ref, "pod/" + b.removesuffix("[Pod]"), by="pod")
        assert res.reachable == (b in radius), (a, b)
        if res.reachable:
            assert len(res.paths[0]) == nx.shortest_path_length(g, a, b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_every_hop_of_every_path_is_an_allowed_edge(objects: list, data: st.DataObject) -> None:
    r = reach.from_objects(objects)
    pods = _pod_ids(r)
    a, b = data.draw(st.sampled_from(pods)), data.draw(st.sampled_from(pods))
    if a == b:
        with pytest.raises(RefError, match="name the same node"):
            r.path("pod/" + a.removesuffix("[Pod]"), "pod/" + a.removesuffix("[Pod]"), by="pod")
        return
    g = r.graph_at("pod")
    res = r.path(
        "pod/" + a.removesuffix("[Pod]"), "pod/" + b.removesuffix("[Pod]"), by="pod", all_paths=True
    )
    for path in res.paths:
        assert path[0].src == a and path[-1].dst == b
        for prev, hop in zip(path, path[1:], strict=False):
            assert prev.dst == hop.src
        for hop in path:
            assert g.has_edge(hop.src, hop.dst), hop
            assert hop.ports.issubset(g.edges[hop.src, hop.dst]["ports"]) and hop.ports


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_exposure_is_blast_radius_in_the_reversed_graph(objects: list, data: st.DataObject) -> None:
    r = reach.from_objects(objects)
    b = data.draw(st.sampled_from(_pod_ids(r)))
    g = r.graph_at("pod")
    # exposure: who can reach b, never continuing backward from an external range
    h = g.reverse(copy=True)
    h.remove_edges_from([(u, v) for u, v in h.edges if g.nodes[u]["type"] == "external"])
    got = {e.node.id for e in r.exposure("pod/" + b.removesuffix("[Pod]"), by="pod").entries}
    assert got == nx.descendants(h, b)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters())
def test_summary_counts_the_pairs_the_listing_shows(objects: list) -> None:
    r = reach.from_objects(objects)
    for by in ("pod", "workload", "namespace"):
        listed = sum(
            1 for c in r.connections(by=by) if c.src.type != "external" and c.dst.type != "external"
        )
        assert r.view(by).count_internal_pairs() == listed, by
