"""Connections inside a namespace at ``--by namespace`` (issue 14, item 9).

A namespace reaches itself with the union of the ports of every pair of two distinct
pods in it, as two distinct namespaces connect with the union over their pod pairs; a
pod with itself is no pair.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import given

import reach
from reach.api import diff
from reach.model.ports import PortSet
from tests.agreement import agreement_settings, probe_ports
from tests.builders import Obj, ipblock, namespace, netpol, pod, sel
from tests.helpers import run
from tests.reference import PROTOCOLS, Reference
from tests.strategies import clusters


def _isolated_inside() -> Obj:
    """Ingress to every pod of shop only from outside addresses: nothing inside reaches in,
    while the internet still does, so only the connections inside the namespace change."""
    return netpol("inside-deny", "shop", {}, ingress=[{"from": [ipblock("0.0.0.0/0")]}])


def _shop(*policies: Obj) -> list[Obj]:
    return [
        namespace("shop"),
        pod("web", "shop", {"app": "web"}),
        pod("db", "shop", {"app": "db"}),
        *policies,
    ]


def _inner(r: reach.Reach, by: str = "namespace") -> dict[tuple[str, str], PortSet]:
    return {
        (c.src.id, c.dst.id): c.ports
        for c in r.connections(by=by)
        if c.src.type != "external" and c.dst.type != "external"
    }


def _write(path: Path, objects: list[Obj]) -> str:
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def test_diff_by_namespace_reports_a_namespace_opened_inside(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.yaml", _shop(_isolated_inside()))
    new = _write(tmp_path / "new.yaml", _shop())
    code, out, err = run(["diff", old, new, "--by", "namespace", "--exit-code"])
    assert code == 1, out + err
    assert "+ shop => shop : All Connections" in out.splitlines()
    code, out, _ = run(["diff", new, old, "--by", "namespace", "--exit-code"])
    assert code == 1 and "- shop => shop : All Connections" in out.splitlines()


def test_list_by_namespace_shows_the_namespace_reaching_itself(tmp_path: Path) -> None:
    new = _write(tmp_path / "new.yaml", _shop())
    old = _write(tmp_path / "old.yaml", _shop(_isolated_inside()))
    _, out, _ = run(["list", "-f", new, "--by", "namespace"])
    assert "shop => shop : All Connections" in out.splitlines()
    _, out, _ = run(["list", "-f", old, "--by", "namespace", "--format", "json"])
    assert not [e for e in yaml.safe_load(out)["edges"] if e["src"] == e["dst"] == "shop"]


def test_namespace_reaches_itself_with_the_union_over_its_pod_pairs() -> None:
    """web -> db on TCP 80, db -> web on nothing: shop reaches itself on TCP 80."""
    only_web_to_db = netpol(
        "db-in",
        "shop",
        sel(app="db"),
        ingress=[{"from": [{"podSelector": sel(app="web")}], "ports": [{"port": 80}]}],
    )
    web_closed = netpol("web-in", "shop", sel(app="web"), policyTypes=["Ingress"])
    r = reach.from_objects(_shop(only_web_to_db, web_closed))
    assert _inner(r)[("shop", "shop")] == PortSet.of("TCP", 80)
    assert _inner(r, "pod") == {("shop/web[Pod]", "shop/db[Pod]"): PortSet.of("TCP", 80)}


def test_a_namespace_of_one_pod_does_not_reach_itself() -> None:
    assert _inner(reach.from_objects([pod("solo", "alone"), pod("x", "other")])) == {
        ("alone", "other"): PortSet.all(),
        ("other", "alone"): PortSet.all(),
    }


def test_two_alike_pods_make_their_namespace_reach_itself() -> None:
    """Two replicas fall in one class: the class with itself is a pair of distinct pods."""
    objs = [pod("a-0", "rep", {"app": "a"}), pod("a-1", "rep", {"app": "a"})]
    r = reach.from_objects(objs)
    assert r.reachability.n_internal == 1
    assert _inner(r) == {("rep", "rep"): PortSet.all()}


def test_namespace_graph_has_the_self_loop_with_its_ports() -> None:
    r = reach.from_objects(_shop())
    g = r.graph_at("namespace")
    assert g.has_edge("shop", "shop") and g.edges["shop", "shop"]["ports"] == PortSet.all()
    assert (
        not reach.from_objects(_shop(_isolated_inside()))
        .graph_at("namespace")
        .has_edge("shop", "shop")
    )


def test_self_pairs_only_at_namespace_granularity() -> None:
    """A workload's replicas reaching each other are not listed at --by workload (the
    conformance corpus's grammar); namespaces are the one granularity with self pairs."""
    objs = [pod("a-0", "rep", {"app": "a"}), pod("a-1", "rep", {"app": "a"})]
    for p in objs:
        p["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "a", "controller": True}]
    r = reach.from_objects(objs)
    assert _inner(r, "workload") == {}
    assert r.view("namespace").count_internal_pairs() == 1
    assert r.view("workload").count_internal_pairs() == 0


def test_diff_by_namespace_of_a_change_inside_with_same_nodes_is_a_change() -> None:
    a = reach.from_objects(_shop(_isolated_inside()))
    b = reach.from_objects(_shop())
    d = diff(a, b, by="namespace")
    assert [(e.src, e.dst, e.change) for e in d.edges] == [("shop", "shop", "added")]


@agreement_settings(80)
@given(clusters())
def test_namespace_connections_are_the_union_over_distinct_pod_pairs(objects: list[Obj]) -> None:
    """Against the brute-force reference: for every ordered pair of namespaces, the same
    one twice included, a probe port is listed exactly when some pair of two distinct
    pods, one in each, is allowed on it."""
    reference = Reference(copy.deepcopy(objects))
    got = _inner(reach.from_objects(copy.deepcopy(objects)))
    ports = probe_ports(objects)
    names = sorted({ns for ns, _ in reference.pods})
    mismatches = []
    for a in names:
        for b in names:
            pairs = [
                (p, q)
                for p in reference.pods
                for q in reference.pods
                if p != q
                if p[0] == a and q[0] == b
            ]
            listed = got.get((a, b), PortSet.empty())
            for protocol in PROTOCOLS:
                for port in ports:
                    expected = any(reference.allowed(p, q, protocol, port) for p, q in pairs)
                    if expected != bool(listed.contains(protocol, port)):
                        mismatches.append(f"{a} -> {b} {protocol}/{port}: reference={expected}")
    assert not mismatches, mismatches[:10]


def test_self_loop_policies_come_from_pairs_of_distinct_pods() -> None:
    """``a/self`` allows only p -> p (a pod with itself, no pair): it does not allow the
    namespace's own edge, which comes from p -> r and q -> r (r is not isolated)."""
    objs = [
        pod("p", "a", {"app": "p"}),
        pod("q", "a", {"app": "q"}),
        pod("r", "a", {"app": "r"}),
        netpol("self", "a", sel(app="p"), ingress=[{"from": [{"podSelector": sel(app="p")}]}]),
        netpol("q-deny", "a", sel(app="q"), policyTypes=["Ingress"]),
    ]
    g = reach.from_objects(objs).graph_at("namespace")
    assert "a/self" not in g.edges["a", "a"]["policies"]["ingress"]
    assert g.edges["a", "a"]["ports"] == PortSet.all()
