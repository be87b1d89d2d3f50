"""Pods that come and go the quick way (``reach.api.podupdate``): the state after each
update is a load of the same objects, views and all, and the change is ``reach diff``."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
import reach.api.batchupdate
import reach.api.whatif
from reach.analysis.diff import DiffReport
from tests.api.test_whatif import _rows, key
from tests.strategies import (
    NS_NAMES,
    POD_LABELS,
    POD_NAMES,
    clusters,
    label_maps,
    namespace_manifests,
    pod_manifests,
)

Obj = dict[str, Any]
BY = ("pod", "workload", "namespace")


def _everything(r: reach.Reach) -> list[object]:
    """What a load shows: connections and nodes at every granularity, rows, diagnostics
    (without their origins: an object applied is named otherwise than in a load), the
    namespaces (in order, with their labels) and the policies in order."""
    cluster = r.cluster
    out: list[object] = [
        _rows(r),
        sorted((d.code, d.message, d.severity, d.partial) for d in r.diagnostics),
        [(name, ns.labels) for name, ns in cluster.namespaces.items()],
        [(p.namespace, p.name) for p in cluster.policies],
        [(p.kind, p.name) for p in cluster.admin_policies],
        [(p.kind, p.namespace, p.name, p.part) for p in cluster.cilium_policies],
        [(p.kind, p.namespace, p.name, p.tier) for p in cluster.calico.policies],
        [(p.kind, p.namespace, p.name) for p in cluster.calico.staged],
    ]
    for by in BY:
        view = r.view(by)
        out.append([(n.id, n.labels, n.pods, n.host_network, n.workload) for n in view.nodes])
        out.append([str(c) for c in r.connections(by=by)])
    return out


@st.composite
def pod_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Pods coming and going: replicas of a pod under new names, new pods, pods relabelled
    (as another pod, or anew), pods deleted; each with the granularity of its change."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for _ in range(draw(st.integers(1, 40))):
        pods = [o for o in known.values() if o["kind"] == "Pod"]
        kind = draw(st.sampled_from(["replica", "replica", "pod", "relabel", "delete", "delete"]))
        by = draw(st.sampled_from(BY))
        if not pods:
            kind = "pod"
        name = f"{draw(st.sampled_from(POD_NAMES))}-{draw(st.integers(0, 9))}"
        if kind == "pod":
            obj = draw(pod_manifests(draw(st.sampled_from(NS_NAMES)), name))
        elif kind == "replica":  # of the pod's ReplicaSet, or of one named after the pod
            obj = copy.deepcopy(draw(st.sampled_from(pods)))
            owner = {"kind": "ReplicaSet", "name": obj["metadata"]["name"], "controller": True}
            obj["metadata"].setdefault("ownerReferences", [owner])
            obj["metadata"]["name"] = name
        elif kind == "relabel":
            obj = copy.deepcopy(draw(st.sampled_from(pods)))
            other = draw(st.sampled_from(pods))["metadata"].get("labels", {})
            obj["metadata"]["labels"] = draw(st.sampled_from([other, draw(label_maps(POD_LABELS))]))
        else:
            out.append(("delete", known.pop(key(draw(st.sampled_from(pods)))), by))
            continue
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


Event = tuple[str, Obj, str]


def a_pod_event(draw: st.DrawFn, known: dict[tuple[str, str, str], Obj], out: list[Event]) -> None:
    """One event of :func:`pod_events` added to ``out`` (``known``: the objects by key,
    kept as the event leaves them)."""
    for event in draw(pod_events(list(known.values()))):
        known.pop(key(event[1]), None)
        if event[0] == "apply":
            known[key(event[1])] = event[1]
        out.append(event)
        break


def applied_or_deleted(
    draw: st.DrawFn, known: dict[tuple[str, str, str], Obj], out: list[Event], obj: Obj, by: str
) -> None:
    """``obj`` deleted now and then when ``known`` holds it, applied otherwise (``known``
    and ``out`` kept as it leaves them)."""
    if key(obj) in known and draw(st.booleans()):
        out.append(("delete", known.pop(key(obj)), by))
    else:
        known[key(obj)] = obj
        out.append(("apply", obj, by))


def a_namespace_event(
    draw: st.DrawFn, known: dict[tuple[str, str, str], Obj], out: list[Event], by: str
) -> None:
    """A namespace relabelled (or declared), deleted, or a new one (``extra``), added to
    ``out`` (``known`` kept as it leaves them)."""
    spaces = [o for o in known.values() if o["kind"] == "Namespace"]
    way = draw(st.sampled_from(["relabel", "relabel", "delete", "new"]))
    if way == "delete" and spaces:
        out.append(("delete", known.pop(key(draw(st.sampled_from(spaces)))), by))
        return
    name = draw(st.sampled_from(NS_NAMES)) if way == "relabel" else "extra"
    obj = draw(namespace_manifests(name))
    known[key(obj)] = obj
    out.append(("apply", obj, by))


@st.composite
def declared_clusters(draw: st.DrawFn) -> list[Obj]:
    """Clusters whose namespaces are mostly declared (the quick way needs them)."""
    objects = draw(clusters())
    declared = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    for ns in NS_NAMES:
        if ns not in declared and draw(st.integers(0, 5)) > 0:
            objects.append(draw(namespace_manifests(ns)))
    return objects


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pods_coming_and_going_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(declared_clusters())
    each_update_equals_a_load(start, data.draw(pod_events(start)))


def each_update_equals_a_load(
    start: list[Obj],
    events: list[tuple[str, Obj, str]],
    also: Callable[[reach.Reach], object] = lambda r: None,
) -> None:
    """Apply or delete each object of ``events`` in turn, each change read at its
    granularity: the state after each equals a load of the same objects (and ``also`` of
    it), and the change ``reach diff`` of the loads before and after."""
    r = reach.from_objects(start)
    mirror = {key(o): o for o in start}
    before = reach.from_objects(mirror.values())
    for what, obj, by in events:
        _everything(r)  # views at every granularity are built: the update moves them
        with mock.patch.object(reach.api.batchupdate, "quick_update", _tallied):
            if what == "apply":
                mirror[key(obj)] = obj
                change = r.apply(obj, by=by)
            else:
                del mirror[key(obj)]
                change = r.delete(obj, by=by)
        after = reach.from_objects(mirror.values())
        assert _everything(r) == _everything(after)
        assert also(r) == also(after)
        expected = reach.diff(before, after, by=by, old_label="before", new_label="after")
        assert str(change) == str(expected)
        assert change.to_dict() == expected.to_dict()
        before = after


_QUICK = reach.api.batchupdate.quick_update


def _tallied(before: Any, store: Any, ident: Any, old: bool, by: str) -> Any:
    """A quick update whose nodes compared (``reach watch`` counts the pairs there again)
    move the watch's tally to a fresh count of the view after it."""
    from reach.api.watching import _moved_tally, _tally

    start = _tally(before.view(by))  # what reach watch holds before the update
    quick = _QUICK(before, store, ident, old, by)
    if quick is not None:
        old_view, new_view = before.view(by), quick.analysis.view(by)
        assert _tally(old_view) == start  # the update left the view before as it was
        moved = _moved_tally(start, old_view, new_view, quick.among, quick.one_way)
        assert moved == _tally(new_view)
    return quick


def _pod(name: str, labels: dict[str, str], ns: str = "shop") -> Obj:
    """A pod of the ReplicaSet named after its app label."""
    owner = {"kind": "ReplicaSet", "name": labels["app"], "controller": True}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner]},
        "spec": {"containers": [{"name": "main", "image": "nginx"}]},
    }


WEB = {"app": "web", "pod-template-hash": "a1"}
DENY_BUT_WEB = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "only-web", "namespace": "shop"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
    },
}
START = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    _pod("web-1", WEB),
    _pod("web-2", WEB),
    _pod("db-1", {"app": "db"}),
    _pod("other-1", {"app": "other"}),
    DENY_BUT_WEB,
]


@contextmanager
def _never_loaded() -> Iterator[None]:
    """Fail if the update loads the objects again (it must take the quick way)."""
    with mock.patch.object(reach.api.whatif, "build_cluster", side_effect=AssertionError("load")):
        yield


def _check(r: reach.Reach, objects: list[Obj]) -> None:
    assert _everything(r) == _everything(reach.from_objects(objects))


def tally_in_place(start: list[Obj], obj: Obj, by: str = "workload") -> None:
    """``obj`` applied to a load of ``start`` the quick way: ``reach watch``'s tally moved on
    the nodes the update names is a fresh count of a load of the objects after."""
    from reach.api.quickupdate import quick_update
    from reach.api.watching import _moved_tally, _tally
    from reach.api.whatif import store_of
    from reach.input.store import identity

    r = reach.from_objects(start)
    store = store_of(r._objects)
    old = store.holds(identity(obj))
    store.apply(obj, "<applied>")
    with _never_loaded():
        quick = quick_update(r.analysis, store, identity(obj), old, by)
    assert quick is not None
    fresh = reach.from_objects([*(o for o in start if key(o) != key(obj)), obj])
    view = quick.analysis.view(by)
    tally = _moved_tally(_tally(r.view(by)), r.view(by), view, quick.among, quick.one_way)
    assert tally == _tally(fresh.view(by))


def stepped_in_place(
    r: reach.Reach,
    objects: list[Obj],
    what: str,
    obj: Obj,
    check: Callable[[reach.Reach, list[Obj]], None] = _check,
    by: str = "pod",
) -> tuple[list[Obj], DiffReport]:
    """Apply (or delete) ``obj`` the quick way (no load) at granularity ``by``: ``r`` is
    then a load of the objects after (``check``), and the change is ``reach diff`` of the
    loads before and after; the objects after, and the change."""
    before = reach.from_objects(objects)
    after = [o for o in objects if key(o) != key(obj)] + ([obj] if what == "apply" else [])
    with _never_loaded():
        change = r.apply(obj, by=by) if what == "apply" else r.delete(obj, by=by)
    check(r, after)
    loaded = reach.from_objects(after)
    expected = reach.diff(before, loaded, by=by, old_label="before", new_label="after")
    assert str(change) == str(expected)
    return after, change


@pytest.mark.parametrize(
    "name, labels",
    [
        ("web-3", WEB),  # a replica: a label class seen
        ("web-0", WEB),  # a replica that sorts before the others
        ("web-new", {"app": "web", "pod-template-hash": "b2"}),  # a rollout: a new key
    ],
)
def test_a_pod_of_a_known_class_is_added_without_loading(name: str, labels: dict[str, str]) -> None:
    r = reach.from_objects(START)
    r.connections()
    with _never_loaded():
        change = r.apply(_pod(name, labels))
    assert change.edges == [] and change.nodes == []  # one more replica of shop/web
    _check(r, [*START, _pod(name, labels)])


def test_a_new_workload_of_a_known_class_shows_its_connections() -> None:
    r = reach.from_objects(START)
    with _never_loaded():
        change = r.apply(_pod("web-x", {"app": "web"}), by="pod")
    new = "shop/web-x[Pod]"
    assert [str(n.node) for n in change.nodes] == [new]
    assert (new, "shop/db-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    assert all(new in (e.src, e.dst) for e in change.edges)
    _check(r, [*START, _pod("web-x", {"app": "web"})])


def test_deleting_a_replica_does_not_load() -> None:
    r = reach.from_objects(START)
    with _never_loaded():
        change = r.delete(_pod("web-1", WEB))
    assert change.edges == []
    _check(r, [o for o in START if o["metadata"]["name"] != "web-1"])


def test_deleting_the_last_pod_of_a_class_renumbers_without_loading() -> None:
    """Its class goes; the classes after it are renumbered (shop/other is the last class:
    take shop/db's, in the middle, too)."""
    r = reach.from_objects(START)
    r.connections(by="pod")
    with _never_loaded():
        change = r.delete(_pod("db-1", {"app": "db"}), by="pod")
    db = "shop/db-1[Pod]"
    assert change.edges and all(db in (e.src, e.dst) for e in change.edges)
    left = [o for o in START if o["metadata"]["name"] != "db-1"]
    _check(r, left)
    assert r.reachability.n_internal == reach.from_objects(left).reachability.n_internal
    with _never_loaded():
        r.delete(_pod("other-1", {"app": "other"}))
    _check(r, [o for o in left if o["metadata"]["name"] != "other-1"])


def test_a_pod_of_new_behaviour_makes_its_class_without_loading() -> None:
    """A pod that the policy selects as no pod before: a new class, its rows and an entry
    at it in every other class's rows (web may reach it, other may not)."""
    start = [o for o in START if o["metadata"]["name"] != "db-1"]
    r = reach.from_objects(start)
    r.connections(by="pod")
    with _never_loaded():
        change = r.apply(_pod("db-1", {"app": "db"}), by="pod")
    opened = {(e.src, e.dst) for e in change.edges}
    assert ("shop/web-1[Pod]", "shop/db-1[Pod]") in opened
    assert ("shop/other-1[Pod]", "shop/db-1[Pod]") not in opened
    _check(r, START)


def test_a_new_class_carries_the_hash_of_its_answers() -> None:
    """The hashes of the classes' answers (made once a pod of a new key asks for the
    class alike) follow a renumbering; a new class's is made of its answers: the hashes a
    compilation's classes would have, without hashing every class again."""
    from reach.engine.answerhash import hashes_of

    start = [o for o in START if o["metadata"]["name"] != "db-1"]
    r = reach.from_objects(start)
    x = r.reachability
    made = x.policy_state
    assert made is not None
    made.hashes = hashes_of(made.policies, made.subjects, x.rules, x.n_internal)
    with _never_loaded():
        r.apply(_pod("db-1", {"app": "db"}))  # a class of its own
    x = r.reachability
    state = x.policy_state
    assert state is not None and state.hashes is not None
    assert x.n_internal == len(made.hashes) + 1
    expected = hashes_of(state.policies, state.subjects, x.rules, x.n_internal)
    assert np.array_equal(state.hashes, expected)


def test_a_pod_of_a_gone_class_comes_back_without_loading() -> None:
    """The key of a class that went is known with no class: a pod of it makes the class
    again, as a compilation would."""
    r = reach.from_objects(START)
    with _never_loaded():
        r.delete(_pod("db-1", {"app": "db"}))
        r.apply(_pod("db-2", {"app": "db"}))
    _check(r, [*(o for o in START if o["metadata"]["name"] != "db-1"), _pod("db-2", {"app": "db"})])


def test_classes_reorder_when_a_least_key_goes() -> None:
    """Classes are in the order of their least key with pods: when shop/a's pod goes, its
    class's least key becomes app=z and it moves after shop/m's class."""
    both = {"app": "a", "tier": "x"}
    later = {"app": "z", "tier": "x"}
    policy = copy.deepcopy(DENY_BUT_WEB)
    policy["spec"]["podSelector"] = {"matchLabels": {"tier": "x"}}
    start = [
        START[0],
        policy,
        _pod("a-1", both),
        _pod("z-1", later),
        _pod("m-1", {"app": "m"}),
    ]
    r = reach.from_objects(start)
    before = r.reachability.pod_class.tolist()
    with _never_loaded():
        r.delete(_pod("a-1", both))
    left = [o for o in start if o["metadata"]["name"] != "a-1"]
    _check(r, left)
    assert before == [0, 1, 0]  # a-1, m-1, z-1 (pods by name)
    assert r.reachability.pod_class.tolist() == [0, 1]  # m-1 first now: reordered


def test_a_new_class_answers_a_policy_update_after_it() -> None:
    """A policy changed after a pod made a new class asks the new class's key too (its
    label class joins the ones the policy update reads)."""
    start = [o for o in START if o["metadata"]["name"] != "db-1"]
    r = reach.from_objects(start)
    with _never_loaded():
        r.apply(_pod("db-1", {"app": "db"}))
    policy = copy.deepcopy(DENY_BUT_WEB)
    policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"] = "other"
    with _never_loaded():
        change = r.apply(policy, by="pod")
    assert {(e.src, e.dst) for e in change.edges} == {
        ("shop/other-1[Pod]", "shop/db-1[Pod]"),
        *((f"shop/web-{i}[Pod]", "shop/db-1[Pod]") for i in (1, 2)),
    }
    _check(r, [o if o["kind"] != "NetworkPolicy" else policy for o in START])


def test_a_compiled_key_whose_class_went_is_told_apart_when_it_joins_another() -> None:
    """A review found: a compiled key whose class went (its pods, then the policy that set
    it apart, gone) joins another class by its answers when a pod of it comes back; a
    policy telling it from that class must split the class. The policy state's class of
    that key is the one the pods' keys give it, so the policy update sees the split."""
    only_a = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "only-a", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "a"}}, "policyTypes": ["Ingress"]},
    }
    a1, b1, a2 = _pod("a-1", {"app": "a"}), _pod("b-1", {"app": "b"}), _pod("a-2", {"app": "a"})
    again = copy.deepcopy(only_a)
    again["metadata"]["name"] = "only-a-again"
    r = reach.from_objects([START[0], a1, b1, only_a])
    with _never_loaded():
        r.delete(a1)
        r.delete(only_a)
        r.apply(a2)  # joins b's class: no policy tells them apart
    assert r.reachability.n_internal == 1
    with _never_loaded():
        r.apply(again)
    assert r.reachability.n_internal == 2
    _check(r, [START[0], b1, a2, again])


@pytest.mark.parametrize("by", BY)
def test_a_pod_resolving_a_named_port_as_no_class_did_makes_a_class_in_place(by: str) -> None:
    """Its resolution cuts the port atoms where no class cut them (8080, which ``http``
    names on it alone): they are cut first, and the rule masks take a row for its
    resolution, without loading (web's egress on ``http`` to every address: toward the
    external addresses a name resolves to nothing, their row); a replica joins its class,
    and when both are gone the classes are a load's."""
    policy = copy.deepcopy(DENY_BUT_WEB)
    policy["spec"]["ingress"][0]["ports"] = [{"port": "http"}]
    web_out = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web-out", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Egress"],
            "egress": [{"ports": [{"port": "http"}]}],
        },
    }
    db = _pod("db-2", {"app": "db", "v": "2"})
    db["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    start = [*START[:-1], policy, web_out]
    r = reach.from_objects(start)
    n = r.reachability.n_internal
    objects, change = stepped_in_place(r, start, "apply", db, by=by)
    assert r.reachability.n_internal == n + 1
    assert by == "namespace" or "8080" in str(change)
    replica = copy.deepcopy(db)
    replica["metadata"]["name"] = "db-3"
    replica["metadata"]["labels"]["v"] = "3"
    objects, _ = stepped_in_place(r, objects, "apply", replica, by=by)
    assert r.reachability.n_internal == n + 1
    also_dns = copy.deepcopy(web_out)  # web's egress rows computed again, the ends' too
    also_dns["spec"]["egress"][0]["ports"].append({"port": 53, "protocol": "UDP"})
    objects, _ = stepped_in_place(r, objects, "apply", also_dns, by=by)
    objects, _ = stepped_in_place(r, objects, "delete", db, by=by)
    stepped_in_place(r, objects, "delete", replica, by=by)
    assert r.reachability.n_internal == n


@pytest.mark.parametrize("by", BY)
def test_the_first_pod_of_an_undeclared_namespace_makes_it_in_two_steps(by: str) -> None:
    """The first pod of a namespace no object declares or makes: a load makes the
    namespace of it, labelled with its name only; in place, the namespace is added so,
    then the pod comes as to a namespace added before it (it loaded until the seventeenth
    session of 2026-12-04)."""
    r = reach.from_objects(START)
    objects, change = stepped_in_place(r, START, "apply", _pod("web-9", WEB, ns="elsewhere"), by=by)
    assert r.cluster.namespaces["elsewhere"].labels == (
        ("kubernetes.io/metadata.name", "elsewhere"),
    )
    assert change.edges


@pytest.mark.parametrize("by", BY)
def test_pods_of_a_namespace_its_pods_make_come_and_go_in_place(
    by: str,
) -> None:
    """No Namespace object for ``elsewhere``: a load makes it of the pods in it. While
    web-9 is there, a second pod comes and goes in place (the namespace stays as it was;
    they loaded until the seventeenth session); web-9, its last pod, goes in two steps:
    the pod out, then the namespace deleted (a load drops it)."""
    first = _pod("web-9", WEB, ns="elsewhere")
    objects = [*START, first]
    r = reach.from_objects(objects)
    second = _pod("db-9", {"app": "db"}, ns="elsewhere")
    objects, _ = stepped_in_place(r, objects, "apply", second, by=by)
    assert "elsewhere" in r.cluster.namespaces
    objects, _ = stepped_in_place(r, objects, "delete", second, by=by)
    stepped_in_place(r, objects, "delete", first, by=by)
    assert "elsewhere" not in r.cluster.namespaces


def test_a_rule_compiled_with_no_class_takes_a_row_for_the_first_resolution() -> None:
    """Found by review: a rule naming a port compiled with no pod (no behaviour class, so
    no resolution: its mask is the numbers-only row alone) must take a row for the first
    pod's resolution (``sql`` on 5432 admits the External ranges on 5432); likewise
    after the only pod went and a policy naming a port no rule named came in."""
    space = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-b"}}
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "np1", "namespace": "ns-b"},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"port": "sql"}]}],
        },
    }
    db = _pod("db", {"app": "db"}, ns="ns-b")
    db["spec"]["containers"][0]["ports"] = [{"name": "sql", "containerPort": 5432}]
    r = reach.from_objects([space, policy])
    objects, change = stepped_in_place(r, [space, policy], "apply", db)
    assert "TCP 5432" in str(change)
    objects, _ = stepped_in_place(r, objects, "delete", db)
    http = copy.deepcopy(policy)
    http["metadata"]["name"] = "np2"
    http["spec"]["ingress"][0]["ports"] = [{"port": "http"}]
    objects, _ = stepped_in_place(r, objects, "apply", http)
    web = _pod("web", {"app": "web"}, ns="ns-b")
    web["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    objects, change = stepped_in_place(r, objects, "apply", web)
    assert "TCP 8080" in str(change)


def test_the_last_pod_of_a_namespace_a_policy_also_makes_goes_in_place() -> None:
    """A NetworkPolicy is in ``elsewhere`` too (no Namespace object): a load makes the
    namespace of it once its last pod went, so that pod goes in place (only a namespace
    with nothing else in it loads)."""
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "elsewhere"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    last = _pod("web-9", WEB, ns="elsewhere")
    objects = [*START, policy, last]
    r = reach.from_objects(objects)
    stepped_in_place(r, objects, "delete", last)
    assert "elsewhere" in r.cluster.namespaces
