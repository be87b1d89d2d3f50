"""Properties of the multi-hop queries on random clusters, against networkx on the pod graph."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.analysis.refs import RefError
from reach.model.ports import PortSet
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


# -- references that overlap, routes, first hops, port filters (docs/queries.md) ----------------


def _reference(data: st.DataObject, r: reach.Reach) -> tuple[str, str | None, set[str]]:
    """A random reference (pod, namespace or label selector) and the pod node ids it names."""
    pods = [p for p in r.cluster.pods]
    kind = data.draw(st.sampled_from(["pod", "namespace", "label"]))
    if kind == "pod":
        p = data.draw(st.sampled_from(pods))
        return f"pod/{p.namespace}/{p.name}", None, {f"{p.namespace}/{p.name}[Pod]"}
    ns = data.draw(st.sampled_from(sorted({p.namespace for p in pods})))
    if kind == "namespace":
        return (
            f"namespace/{ns}",
            None,
            {f"{p.namespace}/{p.name}[Pod]" for p in pods if p.namespace == ns},
        )
    labelled = [p for p in pods if p.namespace == ns and p.labels]
    if not labelled:
        return (
            f"namespace/{ns}",
            None,
            {f"{p.namespace}/{p.name}[Pod]" for p in pods if p.namespace == ns},
        )
    key, value = data.draw(st.sampled_from(sorted({kv for p in labelled for kv in p.labels})))
    hit = {
        f"{p.namespace}/{p.name}[Pod]"
        for p in pods
        if p.namespace == ns and p.label_map.get(key) == value
    }
    return f"{key}={value}", ns, hit


def _walk_length(g: nx.DiGraph, starts: set[str], goals: set[str]) -> int | None:
    """The shortest walk of at least one hop from a start pod to a goal pod: one more than
    the BFS distance (start pods at 0) of the goal's nearest predecessor."""
    h = _sink_externals(g)  # nothing continues from an outside address
    d0 = nx.multi_source_dijkstra_path_length(h, starts)
    best = [d0[u] + 1 for q in goals for u in h.predecessors(q) if u in d0 and u != q]
    return min(best) if best else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_paths_between_references_that_may_share_pods(objects: list, data: st.DataObject) -> None:
    r = reach.from_objects(objects)
    if not r.cluster.pods:
        return
    (a, ns_a, sa), (b, ns_b, sb) = _reference(data, r), _reference(data, r)
    if ns_a != ns_b:  # one -n for both references: write selectors with their namespace
        return
    g = r.graph_at("pod")
    try:
        res = r.path(a, b, by="pod", namespace=ns_a)
    except RefError:  # the two references name the same node
        return
    direct = [g.edges[p, q]["ports"] for p in sa for q in sb if p != q and g.has_edge(p, q)]
    assert bool(direct) == res.direct_ok, (a, b)
    length = _walk_length(g, sa, sb)
    assert res.reachable == (length is not None), (a, b)
    if length is not None:
        assert len(res.paths[0]) == length, (a, b)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_all_paths_prints_each_route_once_and_counts_them(
    objects: list, data: st.DataObject
) -> None:
    r = reach.from_objects(objects)
    if not r.cluster.pods:
        return
    (a, ns, sa), (b, ns_b, sb) = _reference(data, r), _reference(data, r)
    if ns != ns_b:
        return
    try:
        res = r.path(a, b, namespace=ns, all_paths=True, by="pod")
    except RefError:
        return
    routes = [tuple((h.src, h.dst) for h in p) for p in res.paths]
    assert len(routes) == len(set(routes))
    if not res.reachable:
        assert res.total_paths == 0
        return
    # at pod granularity every route is a distinct sequence of pods: count them by brute force
    g = _sink_externals(r.graph_at("pod"))
    k = len(res.paths[0])
    inner = _inner_sequences(g, sa, sb, k)
    assert res.total_paths == len(inner)
    assert {tuple(h.dst for h in p[:-1]) for p in res.paths} <= inner


def _inner_sequences(
    g: nx.DiGraph, starts: set[str], goals: set[str], k: int
) -> set[tuple[str, ...]]:
    """The pods between the ends of every walk of k hops from a start to a goal pod, which
    passes no start pod again (a shortest walk never does)."""
    out: set[tuple[str, ...]] = set()

    def extend(walk: list[str]) -> None:
        if len(walk) == k:
            if any(q in goals and q != walk[-1] for q in g.successors(walk[-1])):
                out.add(tuple(walk[1:]))
            return
        for q in g.successors(walk[-1]):
            if q not in starts and q != walk[-1] and g.nodes[q]["type"] != "external":
                extend([*walk, q])

    for s in starts:
        extend([s])
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data())
def test_the_first_hop_of_every_entry_starts_a_shortest_path(
    objects: list, data: st.DataObject
) -> None:
    r = reach.from_objects(objects)
    pods = _pod_ids(r)
    if not pods:
        return
    a = data.draw(st.sampled_from(pods))
    ref = "pod/" + a.removesuffix("[Pod]")
    g = _sink_externals(r.graph_at("pod"))
    for e in r.blast_radius(ref, by="pod").entries:
        if e.hops == 1:
            assert e.first_hop == e.node.id
            continue
        assert e.first_hop != a and g.has_edge(a, e.first_hop), e
        rest = nx.shortest_path_length(g, e.first_hop, e.node.id)
        assert rest == e.hops - 1, e
        assert e.via is not None and e.via != a and g.has_edge(e.via, e.node.id)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=clusters(), data=st.data(), port=st.sampled_from([53, 80, 81, 443, 8080]))
def test_both_port_filters_against_the_pod_graph(
    objects: list, data: st.DataObject, port: int
) -> None:
    """Some port of the filter on each hop, or one port of it on every hop."""
    r = reach.from_objects(objects)
    pods = _pod_ids(r)
    if len(pods) < 2:
        return
    a, b = data.draw(st.sampled_from(pods)), data.draw(st.sampled_from(pods))
    if a == b:
        return
    g = _sink_externals(r.graph_at("pod"))
    span = PortSet.of("TCP", port, port + 1)

    def length(keep: PortSet) -> int | None:
        h = g.edge_subgraph([(u, v) for u, v, p in g.edges(data="ports") if p & keep])
        if a not in h or b not in h or not nx.has_path(h, a, b):
            return None
        return int(nx.shortest_path_length(h, a, b))

    some = length(span)
    each = [n for n in (length(PortSet.of("TCP", port)), length(PortSet.of("TCP", port + 1))) if n]
    pa, pb = "pod/" + a.removesuffix("[Pod]"), "pod/" + b.removesuffix("[Pod]")
    filt = f"{port}-{port + 1}/TCP"
    res = r.path(pa, pb, port=filt, by="pod")
    assert res.reachable == (some is not None)
    if some is not None:
        assert len(res.paths[0]) == some
        assert all(h.ports and h.ports.issubset(span) for h in res.paths[0])
    res = r.path(pa, pb, port=filt, by="pod", same_port=True)
    assert res.reachable == bool(each)
    if each:
        assert len(res.paths[0]) == min(each)
        assert len({h.ports for h in res.paths[0]}) == 1
