"""reach diff: the examples, ports and nodes that change, and properties on random clusters."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.analysis.diff import DiffReport, EdgeChange
from reach.api import diff
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet
from tests.builders import deny_all, ipblock, netpol, pod, sel
from tests.helpers import SHOP, TYPO
from tests.strategies import clusters


def test_shop_vs_typo_is_exactly_the_one_lost_connection() -> None:
    a, b = reach.load(SHOP), reach.load(TYPO)
    d = diff(a, b)
    assert not d.nodes
    assert d.edges == [
        EdgeChange(
            "app/orders[Deployment]",
            "db/postgres[StatefulSet]",
            "removed",
            PortSet.of("TCP", 5432),
            PortSet.empty(),
        )
    ]
    assert (
        str(d).splitlines()[1] == "- app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432"
    )
    by_pod = diff(a, b, by="pod")
    assert [(e.src, e.dst, e.change) for e in by_pod.edges] == [
        ("app/orders-0[Pod]", "db/postgres[Pod]", "removed"),
        ("app/orders-1[Pod]", "db/postgres[Pod]", "removed"),
    ]
    # app still reaches db on 5432 through catalog and payments
    assert diff(a, b, by="namespace").empty
    assert diff(b, a).edges[0].change == "added"


def test_diff_of_a_cluster_with_itself_is_empty() -> None:
    r = reach.load(SHOP)
    for by in ("pod", "workload", "namespace"):
        d = diff(r, reach.load(SHOP), by=by)
        assert d.empty and not d
        assert str(d).endswith("no differences")


def test_changed_ports_show_what_was_added_and_removed() -> None:
    def objs(ports: list[int]) -> list[dict[str, Any]]:
        return [
            pod("web", "shop", {"app": "web"}),
            pod("db", "shop", {"app": "db"}),
            netpol(
                "db",
                "shop",
                sel(app="db"),
                ingress=[
                    {
                        "from": [{"podSelector": sel(app="web")}],
                        "ports": [{"port": p} for p in ports],
                    }
                ],
            ),
        ]

    d = diff(reach.from_objects(objs([80, 8080])), reach.from_objects(objs([80, 443])))
    (e,) = d.edges
    assert (e.src, e.dst, e.change) == ("shop/web[Pod]", "shop/db[Pod]", "changed")
    assert str(e.added_ports) == "TCP 443" and str(e.removed_ports) == "TCP 8080"
    assert (
        str(e)
        == "~ shop/web[Pod] => shop/db[Pod] : TCP 80,8080 -> TCP 80,443 (+TCP 443; -TCP 8080)"
    )


def test_nodes_that_appear_or_disappear() -> None:
    a = reach.from_objects([pod("web", "shop"), pod("old", "shop"), deny_all("shop")])
    b = reach.from_objects([pod("web", "shop"), pod("new", "shop"), pod("new2", "other")])
    d = diff(a, b)
    assert [str(n) for n in d.nodes] == [
        "+ workload other/new2[Pod] (1 pod)",
        "+ workload shop/new[Pod] (1 pod)",
        "- workload shop/old[Pod] (1 pod)",
    ]
    assert d.counts()["added_nodes"] == 2 and d.counts()["removed_nodes"] == 1
    added = {(e.src, e.dst) for e in d.edges if e.change == "added"}
    assert ("shop/web[Pod]", "shop/new[Pod]") in added
    assert ("0.0.0.0-255.255.255.255[External]", "shop/web[Pod]") in added


def _diff_adding_egress_policy(name: str, app: str, cidr: str, exclude: str) -> DiffReport:
    """From pod shop/web (app=web) alone to it and a policy ``name`` that selects ``app`` and
    allows egress to ``cidr`` except ``exclude``."""
    base = [pod("web", "shop", {"app": "web"})]
    rule = {"to": [ipblock(cidr, exclude)]}
    policy = netpol(name, "shop", sel(app=app), policyTypes=["Egress"], egress=[rule])
    return diff(reach.from_objects(base), reach.from_objects([*base, policy]))


def test_new_ipblock_boundaries_that_change_nothing_show_nothing() -> None:
    assert _diff_adding_egress_policy("unused", "nothing", "10.0.0.0/8", "10.1.0.0/16").empty


def test_external_changes_are_merged_ranges() -> None:
    d = _diff_adding_egress_policy("out", "web", "0.0.0.0/0", "10.0.0.0/8")
    assert [str(e) for e in d.edges] == [
        "- shop/web[Pod] => 10.0.0.0-10.255.255.255[External] : All Connections"
    ]


# ------------------------------------------------------------------------------ properties


Key = tuple[str, str]


def _ext(node_id: str) -> IPRange | None:
    if not node_id.endswith("[External]"):
        return None
    first, last = node_id.removesuffix("[External]").split("-")
    a, b = ipaddress.ip_address(first), ipaddress.ip_address(last)
    return IPRange(a.version, int(a), int(b))


def _listing(
    r: reach.Reach, by: str, ipv6: bool
) -> tuple[dict[Key, PortSet], list[tuple[str, int, IPRange, PortSet]]]:
    """``reach list``: internal pairs, and (node, direction, range, ports) for external ones."""
    inner: dict[Key, PortSet] = {}
    outer: list[tuple[str, int, IPRange, PortSet]] = []
    for c in r.connections(by=by, ipv6=ipv6):
        if c.dst.type == "external":
            outer.append((c.src.id, 0, c.dst.range, c.ports))
        elif c.src.type == "external":
            outer.append((c.dst.id, 1, c.src.range, c.ports))
        else:
            inner[(c.src.id, c.dst.id)] = c.ports
    return inner, outer


def _at(
    outer: list[tuple[str, int, IPRange, PortSet]], node: str, way: int, v: int, addr: int
) -> PortSet:
    for n, w, rng, ports in outer:
        if (n, w, rng.version) == (node, way, v) and rng.first <= addr <= rng.last:
            return ports
    return PortSet.empty()


def _apply(d: DiffReport, a: reach.Reach, b: reach.Reach, by: str) -> None:
    """Applying the reported changes to list(A) yields list(B)."""
    ipv6 = a.reachability.ipv6 or b.reachability.ipv6
    inner_a, outer_a = _listing(a, by, ipv6)
    inner_b, outer_b = _listing(b, by, ipv6)
    inner = dict(inner_a)
    ext_changes: list[tuple[str, int, IPRange, PortSet]] = []
    for e in d.edges:
        src, dst = _ext(e.src), _ext(e.dst)
        assert (e.old, e.new) != (PortSet.empty(), PortSet.empty()) and e.old != e.new
        if src is None and dst is None:
            assert inner.get((e.src, e.dst), PortSet.empty()) == e.old
            if e.new:
                inner[(e.src, e.dst)] = e.new
            else:
                del inner[(e.src, e.dst)]
        elif dst is not None:
            ext_changes.append((e.src, 0, dst, e.new))
        else:
            assert src is not None
            ext_changes.append((e.dst, 1, src, e.new))
    assert inner == inner_b
    probes = {
        (rng.version, p)
        for _, _, rng, _ in outer_a + outer_b + ext_changes
        for p in (rng.first, rng.last)
    }
    nodes = {(n, w) for n, w, _, _ in outer_a + outer_b}
    for n, w in nodes:
        for v, addr in probes:
            want = _at(outer_b, n, w, v, addr)
            got = (
                _at(ext_changes, n, w, v, addr)
                if any(
                    (c[0], c[1], c[2].version) == (n, w, v) and c[2].first <= addr <= c[2].last
                    for c in ext_changes
                )
                else _at(outer_a, n, w, v, addr)
            )
            assert got == want, (n, w, v, addr)
    ids_a = {nd.id for nd in a.view(by).nodes if nd.type != "external"}
    ids_b = {nd.id for nd in b.view(by).nodes if nd.type != "external"}
    assert {nc.node.id for nc in d.nodes if nc.change == "added"} == ids_b - ids_a
    assert {nc.node.id for nc in d.nodes if nc.change == "removed"} == ids_a - ids_b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    objects=clusters(),
    other=clusters(),
    data=st.data(),
    by=st.sampled_from(["pod", "workload", "namespace"]),
)
def test_diff_applied_to_list_a_gives_list_b(
    objects: list[dict[str, Any]], other: list[dict[str, Any]], data: st.DataObject, by: str
) -> None:
    a = reach.from_objects(objects)
    assert diff(a, reach.from_objects(objects), by=by).empty
    # B: A with some objects dropped and some of another cluster's added
    keep = data.draw(st.lists(st.booleans(), min_size=len(objects), max_size=len(objects)))
    extra = data.draw(st.lists(st.sampled_from(other), max_size=3, unique_by=id))
    mixed = [o for o, k in zip(objects, keep, strict=True) if k] + extra
    names = set()
    uniq = []
    for o in mixed:  # one object per kind/namespace/name
        meta = o["metadata"]
        key = (o["kind"], meta.get("namespace", "default"), meta["name"])
        if key not in names:
            names.add(key)
            uniq.append(o)
    if not any(o["kind"] == "Pod" for o in uniq):
        uniq.append(pod("lone", "default"))
    b = reach.from_objects(uniq)
    _apply(diff(a, b, by=by), a, b, by)
    _apply(diff(b, a, by=by), b, a, by)


def _global_set(nets: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkSet",
        "metadata": {"name": "taken", "labels": {}},
        "spec": {"nets": nets},
    }


@pytest.mark.parametrize(
    "nets",
    [
        ["10.0.0.0/8"],  # after a range that allows otherwise
        ["0.0.0.0/5"],  # the first range: none before it
        ["0.0.0.0/0"],  # every address: no IPv4 range is left
    ],
)
def test_a_range_taken_into_a_network_set_shows_its_connections_removed(
    nets: list[str],
) -> None:
    """Addresses a network set takes from the External ranges allow nothing as ranges
    after: their connections are removed (and the set node's added), whatever range is
    next to them; the diff applied to ``reach list`` of one side gives the other's."""
    egress = netpol(
        "only-10", "shop", sel(), policyTypes=["Egress"], egress=[{"to": [ipblock("10.0.0.0/8")]}]
    )
    start = [pod("p-0", "shop", {"app": "a"}), egress]
    a, b = reach.from_objects(start), reach.from_objects([*start, _global_set(nets)])
    for by in ("pod", "workload", "namespace"):
        forward = diff(a, b, by=by)
        _apply(forward, a, b, by)
        _apply(diff(b, a, by=by), b, a, by)
        assert any(e.change == "removed" and "External" in e.src for e in forward.edges)
        assert any(
            e.change == "added" and "GlobalNetworkSet" in e.src + e.dst for e in forward.edges
        )


NETS = ["10.0.0.0/8", "0.0.0.0/5", "0.0.0.0/0", "192.0.2.0/24", "10.1.0.0/16", "2001:db8::/32"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=st.lists(st.sampled_from(NETS), min_size=1, max_size=2),
    before=st.lists(st.sampled_from(NETS), max_size=2, unique=True),
    after=st.lists(st.sampled_from(NETS), max_size=2, unique=True),
    by=st.sampled_from(["pod", "workload", "namespace"]),
)
def test_diff_across_network_sets_applied_to_list_a_gives_list_b(
    blocks: list[str], before: list[str], after: list[str], by: str
) -> None:
    """Network sets taking addresses from the External ranges, or giving them back, on
    either side (of either family, the whole space too): the diff applied to ``reach
    list`` of one side gives the other's, both ways."""
    rule = {"to": [ipblock(cidr) for cidr in blocks]}
    egress = netpol("out", "shop", sel(app="a"), policyTypes=["Egress"], egress=[rule])
    start = [pod("p-0", "shop", {"app": "a"}), pod("p-1", "shop", {"app": "b"}), egress]

    def load(nets: list[str]) -> reach.Reach:
        return reach.from_objects([*start, _global_set(nets)] if nets else start)

    a, b = load(before), load(after)
    _apply(diff(a, b, by=by), a, b, by)
    _apply(diff(b, a, by=by), b, a, by)


_ENDS = st.tuples(st.sampled_from("abc"), st.sampled_from("xyz"))


@given(st.lists(_ENDS, max_size=12), st.lists(_ENDS, max_size=6))
def test_changes_of_two_sorted_lists_merge_as_a_stable_sort_of_both(
    first_ends: list[tuple[str, str]], second_ends: list[tuple[str, str]]
) -> None:
    """The diff puts the changes with address ranges among the sorted pairs of named nodes
    by bisection: the order is that of sorting both together, ties keeping the named
    pairs first and each list's own order."""
    from reach.analysis.diff import _bisected, _ends, _merged

    empty = PortSet.empty()
    first = [EdgeChange(s, d, "removed", empty, empty) for s, d in sorted(first_ends)]
    second = [EdgeChange(s, d, "added", empty, empty) for s, d in sorted(second_ends)]
    want = sorted(first + second, key=_ends)
    for merge in (_merged, _bisected):  # (the first sorts lists this short)
        got = merge(list(first), list(second))
        assert [id(c) for c in got] == [id(c) for c in want]
