"""The terms of the multi-hop queries (docs/queries.md), one small cluster each.

A hop goes from one pod to another pod, or between a pod and an outside address;
a pod's connection to itself is never a hop.
"""

from __future__ import annotations

import reach
from reach.model.ports import PortSet
from tests.builders import netpol, pod
from tests.helpers import run

NS_X = "x"


def _two_pods() -> reach.Reach:
    return reach.from_objects([pod("p0", "a", {"app": "x"}), pod("p1", "a", {"app": "y"})])


def test_a_pod_is_not_one_hop_from_itself() -> None:
    """Start p0, destination 'pods with app=x' = {p0}: the shortest path is p0 -> p1 -> p0."""
    r = _two_pods()
    res = r.path("pod/a/p0", "app=x", namespace="a", max_hops=1)
    assert res.direct.is_empty() and not res.reachable
    res = r.path("pod/a/p0", "app=x", namespace="a")
    assert res.reachable and res.direct.is_empty()
    (path,) = res.paths
    assert [(h.src, h.dst) for h in path] == [
        ("a/p0[Pod]", "a/p1[Pod]"),
        ("a/p1[Pod]", "pods with app=x in namespace a"),
    ]


def test_a_lone_pod_is_not_reachable_from_its_own_namespace() -> None:
    """namespace/beta holds only beta/pod-0: there is no pair of two pods at all."""
    r = reach.from_objects([pod("pod-0", "beta")])
    res = r.path("namespace/beta", "beta/pod-0")
    assert res.direct.is_empty() and not res.reachable
    assert "cannot connect" in str(res).splitlines()[0]
    (exp,) = r.explain("namespace/beta", "beta/pod-0")
    assert exp.allowed.is_empty()
    assert any("same pod" in n for n in exp.notes)


def test_path_and_explain_exit_codes_agree_on_a_lone_pod(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "c.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-0, namespace: beta}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
    )
    assert run(["path", "-f", str(f), "namespace/beta", "beta/pod-0"])[0] == 1
    assert run(["explain", "-f", str(f), "namespace/beta", "beta/pod-0"])[0] == 1


def _three_pods() -> reach.Reach:
    return reach.from_objects([pod("p0", "a"), pod("p1", "a"), pod("p2", "a")])


def test_the_first_hop_of_a_direct_entry_is_the_entry() -> None:
    r = _three_pods()
    for res in (r.blast_radius("pod/a/p0"), r.exposure("pod/a/p0")):
        direct = [e for e in res.entries if e.hops == 1]
        assert {e.node.id for e in direct} >= {"a/p1[Pod]", "a/p2[Pod]"}
        for e in direct:
            assert e.first_hop == e.node.id
            assert e.to_dict()["first_hop"] == {"node": e.node.id, "ports": str(e.first_ports)}


def test_first_hop_and_via_never_name_the_start() -> None:
    """p0 -> p1 -> outside: p1 and p0 share a class, the hop goes through p1, not p0."""
    objects = [
        pod("p0", "a", {"app": "w"}),
        pod("p1", "a", {"app": "w"}),
        pod("q", "a", {"app": "q"}),
        netpol(
            "q-in",
            "a",
            {"matchLabels": {"app": "q"}},
            policyTypes=["Ingress"],
            ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "w"}}}]}],
        ),
    ]
    r = reach.from_objects(objects)
    res = r.blast_radius("pod/a/p0", by="pod")
    for e in res.entries:
        assert e.first_hop != "a/p0[Pod]" and e.via != "a/p0[Pod]", e


def test_all_paths_lists_each_route_once() -> None:
    """s1 and s2 are different classes (a policy selects s1) but print the same route."""
    objects = [
        pod("s1", "a", {"app": "s", "n": "1"}),
        pod("s2", "a", {"app": "s", "n": "2"}),
        pod("d", "a", {"app": "d"}),
        netpol(
            "s1-out",
            "a",
            {"matchLabels": {"n": "1"}},
            policyTypes=["Egress"],
            egress=[{"to": [{"podSelector": {"matchLabels": {"app": "d"}}}]}],
        ),
    ]
    res = reach.from_objects(objects).path("app=s", "pod/a/d", namespace="a", all_paths=True)
    routes = [tuple((h.src, h.dst) for h in p) for p in res.paths]
    assert len(routes) == len(set(routes)) == 1
    assert res.total_paths == 1


def _fan_in(starts: int) -> list[dict[str, object]]:
    """namespace x: pods each under an allow-all egress policy of its own; y/d admits only
    m1 and m2, which admit x."""
    objects: list[dict[str, object]] = []
    for i in range(starts):
        objects.append(pod(f"s{i}", NS_X, {"i": str(i)}))
        objects.append(
            netpol(
                f"out-{i}",
                NS_X,
                {"matchLabels": {"i": str(i)}},
                policyTypes=["Egress"],
                egress=[{}],
            )
        )
    objects += [pod("m1", "y", {"app": "m1"}), pod("m2", "y", {"app": "m2"})]
    objects.append(pod("d", "y", {"app": "d"}))
    objects.append(
        netpol(
            "d-in",
            "y",
            {"matchLabels": {"app": "d"}},
            policyTypes=["Ingress"],
            ingress=[
                {
                    "from": [
                        {
                            "podSelector": {
                                "matchExpressions": [
                                    {"key": "app", "operator": "In", "values": ["m1", "m2"]}
                                ]
                            }
                        }
                    ]
                }
            ],
        )
    )
    return objects


def test_all_paths_finds_every_route_not_copies_of_one() -> None:
    res = reach.from_objects(_fan_in(21)).path("namespace/x", "pod/y/d", all_paths=True)
    middles = sorted(p[0].dst for p in res.paths)
    assert middles == ["y/m1[Pod]", "y/m2[Pod]"]
    assert res.total_paths == 2


def test_the_text_says_when_the_cap_cuts_routes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from reach.analysis import paths

    monkeypatch.setattr(paths, "MAX_PATHS", 1)
    res = reach.from_objects(_fan_in(3)).path("namespace/x", "pod/y/d", all_paths=True)
    assert len(res.paths) == 1 and res.total_paths == 2
    assert "1 of 2 shortest paths shown" in str(res)


def _chain(port_ab: int, port_bc: int, proto_ab: str = "TCP") -> reach.Reach:
    """a -> b on one port, b -> c on another; nothing else."""

    def only(src: str, dst: str, port: int, proto: str) -> dict[str, object]:
        return netpol(
            f"{dst}-in",
            "n",
            {"matchLabels": {"app": dst}},
            policyTypes=["Ingress"],
            ingress=[
                {
                    "from": [{"podSelector": {"matchLabels": {"app": src}}}],
                    "ports": [{"port": port, "protocol": proto}],
                }
            ],
        )

    objects = [pod(n, "n", {"app": n}) for n in ("a", "b", "c")]
    objects += [only("a", "b", port_ab, proto_ab), only("b", "c", port_bc, "TCP")]
    objects.append(
        netpol("a-in", "n", {"matchLabels": {"app": "a"}}, policyTypes=["Ingress"], ingress=[])
    )
    return reach.from_objects(objects)


def test_port_filter_each_hop_some_port_or_one_port_end_to_end() -> None:
    r = _chain(8000, 8001)
    assert r.path("n/a", "n/c", port="8000-8001").reachable
    assert not r.path("n/a", "n/c", port="8000-8001", same_port=True).reachable
    r = _chain(8000, 8000)
    res = r.path("n/a", "n/c", port="8000-8001", same_port=True)
    assert res.reachable and all(h.ports == PortSet.of("TCP", 8000) for h in res.paths[0])


def test_a_bare_port_number_means_every_protocol() -> None:
    r = _chain(53, 53, proto_ab="UDP")
    assert r.path("n/a", "n/b", port="53").reachable
    assert not r.path("n/a", "n/b", port="53/TCP").reachable


def test_hops_show_the_ports_within_the_filter() -> None:
    r = reach.from_objects([pod("a", "n"), pod("b", "n")])
    res = r.path("n/a", "n/b", port="8080/TCP")
    assert res.paths[0][0].ports == PortSet.of("TCP", 8080)


def test_from_an_address_the_rest_of_its_range_is_still_reached() -> None:
    """Blast radius of 8.8.8.8: the pod it reaches reaches the rest of the internet, which
    shares a segment with 8.8.8.8 (no policy cuts there) and is listed, at two hops."""
    r = reach.from_objects([pod("a", "n")])
    res = r.blast_radius("8.8.8.8")
    ext = [e for e in res.entries if e.node.type == "external" and e.node.range.version == 4]
    assert [e.hops for e in ext] == [2]


def test_several_kinds_of_start_name_the_unrestricted_one() -> None:
    """app=s covers a pod under an egress policy and one under none: both are named."""
    objects = [
        pod("s1", "a", {"app": "s", "n": "1"}),
        pod("s2", "a", {"app": "s", "n": "2"}),
        pod("d", "a", {"app": "d"}),
        netpol(
            "s1-out",
            "a",
            {"matchLabels": {"n": "1"}},
            policyTypes=["Egress"],
            egress=[{"to": [{"podSelector": {"matchLabels": {"app": "d"}}}]}],
        ),
    ]
    res = reach.from_objects(objects).path("app=s", "pod/a/d", namespace="a")
    assert res.egress_policies == ("a/s1-out", "(not isolated: a/s2[Pod])")


def test_the_pod_graph_is_offered_beside_the_workload_graph() -> None:
    r = _three_pods()
    assert set(r.pod_graph) == {"a/p0[Pod]", "a/p1[Pod]", "a/p2[Pod]"} | {
        n for n, t in r.pod_graph.nodes(data="type") if t == "external"
    }
