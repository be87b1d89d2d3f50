"""``engine.rowsdiffer``: of the classes whose rows an update computed again, those whose
rows came out as they were are left out of what ``reach diff`` reads."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import reach
from reach.api.movedupdate import Update
from reach.api.quickupdate import quick_update
from reach.api.whatif import store_of
from reach.engine.reachability import Reachability
from reach.engine.rowsdiffer import rows_differ
from reach.input.store import identity
from tests.builders import netpol

Obj = dict[str, Any]
CALICO = "projectcalico.org/v3"


def _pod(name: str, ns: str, app: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "spec": {"containers": [{"name": "main", "image": "nginx"}]},
    }


def _calico(name: str, ns: str, port: int, source: str = "all()") -> Obj:
    rule = {
        "action": "Allow",
        "protocol": "TCP",
        "source": {"selector": source},
        "destination": {"ports": [port]},
    }
    return {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": "app == 'db'", "types": ["Ingress"], "ingress": [rule]},
    }


OBJECTS: list[Obj] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}},
    _pod("web-1", "shop", "web"),
    _pod("db-1", "shop", "db"),
    _pod("api-1", "other", "api"),
    _calico("db-in", "shop", 5432),
    netpol("ipblock", "other", egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]),
]


def _with_row(x: Reachability, direction: str, cls: int, column: int) -> Reachability:
    """``x`` with one entry of a class's row of ``direction`` made another id (a new row)."""
    rows = getattr(x, f"{direction}_rows")
    group = getattr(x, f"{direction}_group").copy()
    row = rows[group[cls]].copy()
    row[column] = x.atoms.empty_id if row[column] != x.atoms.empty_id else row[column] + 1
    group[cls] = len(rows)
    return replace(x, **{f"{direction}_rows": np.vstack([rows, row]), f"{direction}_group": group})


def _found(ways: tuple[np.ndarray, np.ndarray]) -> list[list[int]]:
    return [np.flatnonzero(way).tolist() for way in ways]


def test_classes_whose_rows_came_out_as_they_were_are_left_out() -> None:
    x = reach.from_objects(OBJECTS).reachability
    every = np.ones(x.n_internal, dtype=bool)
    assert _found(rows_differ(x, replace(x), every)) == [[], []]  # as they were: none read
    for d, direction in enumerate(("ingress", "egress")):
        for cls in range(x.n_internal):
            got = _found(rows_differ(x, _with_row(x, direction, cls, 0), every))
            assert got[d] == [cls] and got[1 - d] == []  # the way that changed only
    changed = _with_row(x, "ingress", 0, 1)
    assert _found(rows_differ(x, changed, ~every)) == [[], []]  # only the classes given


def test_a_changed_row_of_an_external_end_keeps_every_class() -> None:
    x = reach.from_objects(OBJECTS).reachability
    assert x.n_classes > x.n_internal  # the address segments of the ipBlock
    every = np.ones(x.n_internal, dtype=bool)
    for direction in ("ingress", "egress"):
        got = rows_differ(x, _with_row(x, direction, x.n_internal, 0), every)
        assert got[0].all() and got[1].all()


def test_rows_over_other_port_atoms_are_not_compared() -> None:
    x = reach.from_objects(OBJECTS).reachability
    y = reach.from_objects(OBJECTS).reachability  # the same rows, other atoms
    every = np.ones(x.n_internal, dtype=bool)
    got = rows_differ(x, y, every)
    assert got[0].all() and got[1].all()


def _quick(objects: list[Obj], obj: Obj, by: str = "workload") -> Update:
    """The quick update of ``obj`` after a load of ``objects``."""
    r = reach.from_objects(objects)
    store = store_of(r._objects)
    old = store.holds(identity(obj))
    store.apply(obj, "<applied>")
    quick = quick_update(r.analysis, store, identity(obj), old, by)
    assert quick is not None
    return quick


def _compared_on(objects: list[Obj], obj: Obj, by: str = "workload") -> set[str]:
    """The nodes the quick update of ``obj`` after a load of ``objects`` was compared on."""
    return _quick(objects, obj, by).among


def test_a_quick_update_names_the_nodes_compared_one_way() -> None:
    """``reach watch`` counts again the pairs a quick update compared, one way where it
    compared them so."""
    quick = _quick(OBJECTS, _calico("db-in", "shop", 5432, "app == 'db'"))
    assert quick.among == {"shop/db-1[Pod]"} and quick.one_way == {"shop/db-1[Pod]": "into"}
    assert _quick(OBJECTS, _calico("db-in", "shop", 6379)).one_way == {}  # atoms cut again


def test_a_policy_that_changes_no_row_is_compared_on_no_node() -> None:
    # a second Calico policy allowing what the first does: every row as it was
    assert _compared_on(OBJECTS, _calico("db-in-copy", "shop", 5432)) == set()
    # another port: the database's ingress row changes, and it alone is read
    assert _compared_on(OBJECTS, _calico("db-in-copy", "shop", 6379)) == {"shop/db-1[Pod]"}
    # a NetworkPolicy beside Calico's tiers that isolates nothing new
    twin = copy.deepcopy(OBJECTS[-1])
    twin["metadata"]["name"] = "ipblock-copy"
    assert _compared_on(OBJECTS, twin) == set()


def test_pairs_changed_one_way_are_read_that_way_only() -> None:
    """A Calico ingress policy changes its pods' ingress rows alone: the diff reads the
    pairs they are the destination of, and finds what a load finds."""
    from reach.analysis.viewmoves import moved_analysis
    from reach.engine.calicomoves import calico_moved

    r = reach.from_objects(OBJECTS)
    new = _calico("db-in", "shop", 5432, "app == 'db'")  # the ports stay
    after = reach.from_objects([*OBJECTS[:5], new, OBJECTS[6]])
    policy = next(p for p in after.cluster.calico.policies if p.name == "db-in")
    old = next(p for p in r.cluster.calico.policies if p.name == "db-in")
    move = calico_moved(r.analysis.reachability, after.cluster, old, policy)
    assert move is not None
    done = moved_analysis(r.analysis, after.cluster, move, "workload")
    assert done is not None
    assert done[1] == {"shop/db-1[Pod]"} and done[2] == {"shop/db-1[Pod]": "into"}
    view = r.analysis.view("workload")
    read = {(view.nodes[s].id, view.nodes[d].id) for s, d, _ in _pairs(view, done)}
    assert read and all(d == "shop/db-1[Pod]" for _, d in read)  # into it only
    change = reach.diff(r, after, by="workload")
    assert {(e.src, e.dst) for e in change.edges} <= read
    assert change.edges  # what it admits no more


def _pairs(view: Any, done: Any) -> list[tuple[int, int, int]]:
    return [
        (int(s), int(d), int(p))
        for src, dst, ids in view.edge_blocks_of(done[1], done[2])
        for s, d, p in zip(src, dst, ids, strict=True)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["pod", "workload", "namespace"]),
    st.lists(st.sampled_from(["both", "into", "out", None]), min_size=8, max_size=8),
)
def test_pairs_read_one_way_are_those_of_every_pair_with_such_an_end(
    by: str, ways: list[str | None]
) -> None:
    """``View.edge_blocks_of(ids, one_way)``: each allowed pair once whose source is among
    and not read "into" only, or whose destination is among and not read "out" only (a
    node's pair with itself at namespace granularity, and pairs of two one-way nodes,
    included)."""
    view = reach.from_objects(OBJECTS).analysis.view(by)
    nodes = [n.id for n in view.nodes]
    chosen = {i: w for i, w in zip(nodes, ways, strict=False) if w is not None}
    one_way = {i: w for i, w in chosen.items() if w != "both"}
    every = [
        (s, d, p)
        for src, dst, ids in view.edge_blocks()
        for s, d, p in zip(src, dst, ids, strict=True)
    ]

    def read(node: int, way: str) -> bool:
        return nodes[node] in chosen and one_way.get(nodes[node]) != way

    want = sorted(
        (int(s), int(d), int(p)) for s, d, p in every if read(s, "into") or read(d, "out")
    )
    got = [
        (int(s), int(d), int(p))
        for src, dst, ids in view.edge_blocks_of(set(chosen), one_way)
        for s, d, p in zip(src, dst, ids, strict=True)
    ]
    assert sorted(got) == want and len(got) == len(set(got))
