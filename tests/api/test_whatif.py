"""``Reach.apply`` and ``Reach.delete``: the state after each update is a load of the same
objects, and the change reported is ``reach diff`` of the states before and after."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
import reach.api.whatif
from reach.engine.reachability import Reachability
from reach.errors import InvalidInput, ReachError
from reach.input.raw import RawObject
from tests.helpers import SHOP
from tests.strategies import (
    NS_NAMES,
    POD_LABELS,
    POD_NAMES,
    clusters,
    label_maps,
    namespace_manifests,
    pod_manifests,
    policy_manifests,
)

Obj = dict[str, Any]


def key(obj: Obj) -> tuple[str, str, str]:
    """Who an object is, as kubectl sees it (written here apart from reach's own)."""
    meta = obj["metadata"]
    return (obj["kind"], meta.get("namespace") or "default", meta["name"])


@st.composite
def events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj]]:
    """Up to 50 events of every kind: pods added, replaced, relabelled and deleted,
    namespaces relabelled, policies added, changed and deleted."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj]] = []
    for _ in range(draw(st.integers(1, 50))):
        kind = draw(st.sampled_from(["pod", "relabel", "namespace", "policy", "delete", "delete"]))
        ns = draw(st.sampled_from(NS_NAMES))
        if kind == "pod":
            obj = draw(pod_manifests(ns, draw(st.sampled_from(POD_NAMES))))
        elif kind == "relabel":
            pods = [o for o in known.values() if o["kind"] == "Pod"]
            if not pods:
                continue
            obj = dict(draw(st.sampled_from(pods)))
            obj["metadata"] = {**obj["metadata"], "labels": draw(label_maps(POD_LABELS))}
        elif kind == "namespace":
            obj = draw(namespace_manifests(ns))
        elif kind == "policy":
            obj = draw(policy_manifests(ns, f"pol-{draw(st.integers(0, 4))}"))
        else:
            if not known:
                continue
            obj = known.pop(draw(st.sampled_from(sorted(known))))
            out.append(("delete", obj))
            continue
        known[key(obj)] = obj
        out.append(("apply", obj))
    return out


def _state(r: reach.Reach) -> tuple[list[str], list[str]]:
    return [str(c) for c in r.connections(by="pod")], [str(c) for c in r.connections()]


def _rows(r: reach.Reach) -> list[object]:
    """Every class's rows, as compiled: each pod's class, both sides' isolation, and what
    each side of each class allows with every class, as port sets (a policy changed in
    place interns the port sets of the rows it computes again after the others: their ids
    differ from a fresh compilation's)."""
    return rows_as_ports(r.reachability)


def rows_as_ports(x: Reachability) -> list[object]:
    """:func:`_rows` of a reachability."""
    texts = x.atoms.texts
    sides = [
        [[texts[i] for i in rows[group[c]].tolist()] for c in range(x.n_internal)]
        for rows, group in ((x.egress_rows, x.egress_group), (x.ingress_rows, x.ingress_group))
    ]
    flags = [x.pod_class, x.ingress_isolated, x.egress_isolated]
    return [*(a.tolist() for a in flags), *sides]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_update_equals_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(clusters())
    sequence = data.draw(events(start))
    r = reach.from_objects(start)
    mirror = {key(o): o for o in start}
    before = reach.from_objects(mirror.values())
    for what, obj in sequence:
        if what == "apply":
            mirror[key(obj)] = obj
            change = r.apply(obj)
        else:
            del mirror[key(obj)]
            change = r.delete(obj)
        after = reach.from_objects(mirror.values())
        assert _state(r) == _state(after)
        assert _rows(r) == _rows(after)
        expected = reach.diff(before, after, old_label="before", new_label="after")
        assert str(change) == str(expected)
        assert change.to_dict() == expected.to_dict()
        before = after


POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny-all", "namespace": "monitoring"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}


def test_apply_a_policy_to_loaded_files_then_delete_it() -> None:
    r = reach.load(SHOP)
    original = _state(r)
    closed = r.apply(POLICY)
    assert closed.edges and all(e.change == "removed" for e in closed.edges)
    assert all("monitoring/prometheus" in (e.src + e.dst) for e in closed.edges)
    assert _state(r) != original
    opened = r.delete(
        {
            "kind": "NetworkPolicy",
            "apiVersion": "networking.k8s.io/v1",
            "metadata": {"name": "deny-all", "namespace": "monitoring"},
        }
    )
    assert sorted((e.src, e.dst) for e in opened.edges) == sorted(
        (e.src, e.dst) for e in closed.edges
    )
    assert _state(r) == original


def test_an_invalid_object_leaves_the_reach_as_it_was() -> None:
    r = reach.load(SHOP)
    original = _state(r)
    bad = {**POLICY, "spec": {"podSelector": {}, "policyTypes": ["Sideways"]}}
    with pytest.raises(InvalidInput, match="policyTypes"):
        r.apply(bad)
    assert _state(r) == original
    r.apply(POLICY)  # the store was restored: the next update still works
    assert _state(r) != original


def test_an_object_read_from_a_file_keeps_its_origin_and_field_path() -> None:
    """An object given as read from a file (a RawObject) is named in its errors by its
    origin and field path, not as ``<applied>#n``; a dict beside it is still numbered."""
    r = reach.load(SHOP)
    bad = {**POLICY, "spec": {"podSelector": {}, "policyTypes": ["Sideways"]}}
    with pytest.raises(InvalidInput) as raised:
        r.apply(POLICY, RawObject(bad, "netpol.yaml#3", "items[1]."))
    assert "netpol.yaml#3 items[1].spec.policyTypes[0]" in str(raised.value)
    with pytest.raises(InvalidInput, match="<applied>#2 spec.policyTypes"):
        r.apply(RawObject(POLICY, "netpol.yaml#1"), bad)
    r.apply(RawObject(POLICY, "netpol.yaml#1"))
    r.delete(RawObject(POLICY, "netpol.yaml#1"))
    assert _state(r) == _state(reach.load(SHOP))


#: A Calico policy (the first of a cluster with none: Calico's tiers start deciding, a load).
CALICO = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "GlobalNetworkPolicy",
    "metadata": {"name": "deny-db"},
    "spec": {
        "selector": "app == 'postgres'",
        "types": ["Ingress"],
        "ingress": [{"action": "Deny"}],
    },
}


def test_a_reach_read_skipping_invalid_objects_skips_them_when_an_update_loads(
    tmp_path: Path,
) -> None:
    """The invalid object a load skipped is still in the store: a load of the objects
    after skips it again (it raised InvalidInput, whichever object was applied)."""
    shutil.copytree(SHOP, tmp_path / "shop")
    (tmp_path / "shop" / "bad.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: bad, namespace: app}\n"
        "spec: {podSelector: {}, ingress: [{ports: [{port: 'notaport!!'}]}]}\n"
    )
    with pytest.warns(reach.PartialAnswerWarning):
        r = reach.load(tmp_path / "shop", skip_invalid=True)
    loads = []
    build = reach.api.whatif.build_cluster
    with mock.patch.object(
        reach.api.whatif, "build_cluster", lambda *a, **k: loads.append(k) or build(*a, **k)
    ):
        r.apply(CALICO)  # the first enforced Calico policy: a load
    assert len(loads) == 1
    (tmp_path / "shop" / "calico.yaml").write_text(yaml.safe_dump(CALICO))
    with pytest.warns(reach.PartialAnswerWarning):
        loaded = reach.load(tmp_path / "shop", skip_invalid=True)
    assert _state(r) == _state(loaded)
    assert [d.code for d in r.diagnostics] == [d.code for d in loaded.diagnostics]


def _shop_objects() -> list[Obj]:
    return [
        d for f in sorted(Path(SHOP).glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d
    ]


def test_objects_deleted_among_those_applied_go_in_one_update_in_their_order() -> None:
    """``apply(Deleted(old), new)`` deletes ``old``, then applies ``new``, in one update:
    the change is ``reach diff`` of loads of the objects before and after; an object
    applied, then deleted, is no change (the other order fails: it is not there); a
    deletion that fails leaves the Reach as it was, the objects applied with it too."""
    objects = _shop_objects()
    old = next(o for o in objects if o["metadata"]["name"] == "postgres-ingress")
    renamed = copy.deepcopy(old)
    renamed["metadata"]["name"] = "postgres-ingress-renamed"
    r = reach.load(SHOP)
    original = _state(r)
    with mock.patch.object(reach.api.whatif, "in_turn", wraps=reach.api.whatif.in_turn) as turn:
        change = r.apply(reach.Deleted(old), renamed, POLICY, by="pod")
    assert turn.call_count == 1
    after = [o for o in objects if o is not old] + [renamed, POLICY]
    loads = (reach.from_objects(objects), reach.from_objects(after))
    expected = reach.diff(*loads, by="pod", old_label="before", new_label="after")
    assert change.edges and str(change) == str(expected)
    assert change.to_dict() == expected.to_dict()
    assert _state(r) == _state(reach.from_objects(after))
    other = {**POLICY, "metadata": {"name": "other", "namespace": "monitoring"}}
    assert r.apply(other, reach.Deleted(other)).edges == []  # applied, then deleted
    assert _state(r) == _state(reach.from_objects(after))
    with pytest.raises(ReachError, match="no NetworkPolicy 'other'"):
        r.apply(reach.Deleted(other), other)  # deleted first: it is not there
    with pytest.raises(ReachError, match="no NetworkPolicy 'postgres-ingress'"):
        r.apply(reach.Deleted(old), old)  # gone already: nothing is applied either
    assert _state(r) == _state(reach.from_objects(after))
    r.apply(reach.Deleted(renamed), reach.Deleted(POLICY), old)
    assert _state(r) == original


def test_deleting_what_is_not_there_names_it() -> None:
    r = reach.load(SHOP)
    with pytest.raises(ReachError, match="no NetworkPolicy 'nope' \\(namespace monitoring\\)"):
        r.delete({**POLICY, "metadata": {"name": "nope", "namespace": "monitoring"}})


def test_a_reach_read_from_stdin_cannot_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    r = reach.load("-")
    with pytest.raises(ReachError, match="stdin"):
        r.apply(POLICY)


def test_a_reach_of_a_cluster_model_cannot_apply() -> None:
    r = reach.Reach(reach.load(SHOP).cluster)
    with pytest.raises(ReachError, match="reach.from_objects"):
        r.apply(POLICY)


def test_the_change_shows_itself_in_a_notebook() -> None:
    r = reach.load(SHOP)
    page = r.apply(POLICY)._repr_html_()
    assert page.startswith("<pre>reach diff before -&gt; after (by workload)\n- ")
    assert "monitoring/prometheus[Deployment] =&gt; web/frontend[Deployment] : TCP 9090" in page


def test_a_dict_changed_and_applied_again_is_read_again() -> None:
    """The parsed objects of unchanged manifests are kept between updates; a dict the
    caller changes in place and applies again must not be taken for unchanged."""
    r = reach.load(SHOP)
    policy = copy.deepcopy(POLICY)
    r.apply(policy)
    policy["spec"]["policyTypes"] = ["Ingress"]  # prometheus may send again
    r.apply(policy)
    fresh = reach.load(SHOP)
    fresh.apply(copy.deepcopy(policy))
    assert _state(r) == _state(fresh)
    assert any("monitoring/prometheus[Deployment] =>" in c for c in _state(r)[1])
