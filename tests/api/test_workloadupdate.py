"""Workload objects whose pods a load expands (``reach.api.workloadupdate``), and Pod
objects beside them (``reach.api.podupdate``), added, changed and deleted in place: each
step is a load of the same objects, and its change ``reach diff`` of the loads before and
after; where a load could name or expand the pods otherwise, the update loads."""

from __future__ import annotations

import copy
import glob
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
import reach.api.whatif
from reach.api.workloadupdate import MOST_STEPS_AT_LEAST, PODS_PER_STEP
from tests.api.test_podupdate import (
    DENY_BUT_WEB,
    _check,
    _pod,
    each_update_equals_a_load,
    stepped_in_place,
)
from tests.api.test_whatif import key
from tests.strategies import NS_NAMES, POD_LABELS, label_maps, namespace_manifests

Obj = dict[str, Any]

NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
ONLY_WEB = DENY_BUT_WEB  # db admits web only

TEMPLATES = {"CronJob": ("jobTemplate", "spec", "template")}


def _workload(
    name: str,
    labels: dict[str, str],
    replicas: int = 1,
    kind: str = "Deployment",
    ns: str = "shop",
    api: str = "",
) -> Obj:
    """A workload of one container serving 8080/TCP, ``replicas`` of it."""
    template = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 8080}]}]},
    }
    spec: Obj = {"selector": {"matchLabels": labels}}
    inner = spec
    for step in TEMPLATES.get(kind, ("template",))[:-1]:
        inner = inner.setdefault(step, {})
    inner["template"] = template
    if kind != "DaemonSet":
        spec["replicas"] = replicas
    meta = {"name": name, "namespace": ns}
    api = api or ("batch/v1" if kind in ("Job", "CronJob") else "apps/v1")
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


START = [NS, _workload("web", {"app": "web"}, 2), _workload("db", {"app": "db"}), ONLY_WEB]
OLD_WEB = _workload("web", {"app": "web"}, 2, api="apps/v1beta2")  # deprecated: said of
DAEMON_DB = _workload("db", {"app": "db"}, kind="DaemonSet")
FRESH = _workload("api", {"app": "web"}, ns="fresh")  # of a namespace no object declares


@contextmanager
def _loads() -> Iterator[list[int]]:
    """Count the loads of the updates inside."""
    real = reach.api.whatif.build_cluster
    counted = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted[0] += 1
        return real(*args, **kwargs)

    with mock.patch.object(reach.api.whatif, "build_cluster", side_effect=counting):
        yield counted


def _loaded(objects: list[Obj], what: str, obj: Obj) -> list[Obj]:
    """``obj`` applied (or deleted) to a load of ``objects``: it loads, and the state after
    is a load of the objects after; the objects after."""
    r = reach.from_objects(objects)
    after = [o for o in objects if key(o) != key(obj)] + ([obj] if what == "apply" else [])
    with _loads() as counted:
        r.apply(obj) if what == "apply" else r.delete(obj)
    assert counted == [1]
    _check(r, after)
    return after


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "CronJob"])
def test_a_workload_added_and_deleted_goes_in_place(kind: str) -> None:
    """Its pods put in among the expanded pods in a load's order (``api`` sorts before
    ``db``), a policy admitting them; then taken out."""
    r = reach.from_objects(START)
    api = _workload("api", {"app": "web", "tier": "api"}, 2, kind)
    objects, change = stepped_in_place(r, START, "apply", api, by="workload")
    assert any("shop/api" in str(e) for e in change.edges)
    stepped_in_place(r, objects, "delete", api, by="workload")


def test_a_workload_relabelled_goes_in_place_and_changes_what_a_policy_admits() -> None:
    r = reach.from_objects(START)
    relabelled = _workload("web", {"app": "other"}, 2)
    objects, change = stepped_in_place(r, START, "apply", relabelled, by="workload")
    assert change.edges  # shop/web no longer reaches shop/db
    stepped_in_place(r, objects, "apply", _workload("web", {"app": "web"}, 2), by="pod")


@pytest.mark.parametrize("replicas", [(2, 1), (2, 5), (1, 3)])
def test_a_workload_scaled_goes_in_place(replicas: tuple[int, int]) -> None:
    """One replica is named as its workload, several ``name-i``: the pods renamed, put in
    and taken out place by place."""
    start = [NS, _workload("web", {"app": "web"}, replicas[0]), _workload("db", {"app": "db"})]
    r = reach.from_objects(start)
    scaled = _workload("web", {"app": "web"}, replicas[1])
    objects, _ = stepped_in_place(r, start, "apply", scaled, by="pod")
    names = [p.name for p in r.cluster.pods if p.workload and p.workload.name == "web"]
    assert names == (["web"] if replicas[1] == 1 else [f"web-{i}" for i in range(replicas[1])])
    stepped_in_place(r, objects, "delete", scaled, by="namespace")


def test_a_workload_whose_own_pods_a_load_renames_goes_in_place() -> None:
    """A StatefulSet web sorts after the Deployment web, whose pods took web-0 and web-1:
    its own are named web-0-statefulset and web-1-statefulset; a Deployment web-admin
    beside web takes no name of it."""
    r = reach.from_objects(START)
    same = _workload("web", {"app": "db"}, 2, "StatefulSet")
    objects, _ = stepped_in_place(r, START, "apply", same, by="pod")
    names = {p.name for p in r.cluster.pods if p.workload and p.workload.kind == "StatefulSet"}
    assert names == {"web-0-statefulset", "web-1-statefulset"}
    admin = _workload("web-admin", {"app": "web"}, 2)
    objects, _ = stepped_in_place(r, objects, "apply", admin, by="pod")
    stepped_in_place(r, objects, "delete", same, by="workload")


def test_a_larger_cluster_moves_more_pods_in_place() -> None:
    """A cluster of 400 pods moves up to 20 one by one (one in PODS_PER_STEP), more than
    the MOST_STEPS_AT_LEAST a small one moves: 18 replicas in place, 21 load."""
    start = [*START, _workload("bulk", {"app": "bulk"}, 397)]
    r = reach.from_objects(start)
    assert len(r.cluster.pods) // PODS_PER_STEP == 20 > 18 > MOST_STEPS_AT_LEAST
    objects, _ = stepped_in_place(r, start, "apply", _workload("api", {"app": "web"}, 18))
    _loaded(objects, "apply", _workload("api", {"app": "web"}, 21))


def test_a_pod_object_beside_workloads_goes_in_place() -> None:
    """A debug pod of no workload object, named unlike every workload of its namespace."""
    r = reach.from_objects(START)
    debug = _pod("toolbox", {"app": "web"})
    objects, _ = stepped_in_place(r, START, "apply", debug)
    relabelled = _pod("toolbox", {"app": "other"})
    objects, _ = stepped_in_place(r, objects, "apply", relabelled)
    stepped_in_place(r, objects, "delete", relabelled)


def test_a_workload_beside_a_namespace_its_objects_make_goes_in_place() -> None:
    """No Namespace object: the namespace stays while other objects are in it."""
    start = [o for o in START if o is not NS]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "delete", START[1], by="workload")
    stepped_in_place(r, objects, "apply", _workload("cache", {"app": "web"}), by="workload")


def _owned(name: str, owner: str, kind: str = "Deployment") -> Obj:
    pod = _pod(name, {"app": "web"})
    pod["metadata"]["ownerReferences"] = [{"kind": kind, "name": owner, "controller": True}]
    return pod


@pytest.mark.parametrize(
    "objects, what, obj",
    [
        # another pod renamed: a DaemonSet db sorts before the Deployment db, and takes
        # its pod's name (db-deployment then); a pod web-0 takes web's first pod's name
        (START, "apply", DAEMON_DB),
        ([*START, DAEMON_DB], "delete", DAEMON_DB),
        (START, "apply", _pod("web-0", {"app": "web"})),
        ([*START, _pod("web-0", {"app": "web"})], "delete", _pod("web-0", {"app": "web"})),
        # a pod of the workload given stands for it: the workload is not expanded
        ([*START, _owned("db-1", "db")], "apply", _workload("db", {"app": "x"})),
        (START, "apply", _owned("toolbox", "db")),
        # a deprecated version is said of; replicas over the steps a workload takes
        (START, "apply", _workload("api", {"app": "web"}, api="extensions/v1beta1")),
        ([NS, OLD_WEB, *START[2:]], "apply", START[1]),  # the load said OLD_WEB's version
        ([NS, OLD_WEB, *START[2:]], "delete", OLD_WEB),
        (START, "apply", _workload("api", {"app": "web"}, MOST_STEPS_AT_LEAST + 1)),
        # the first and the last object of a namespace no Namespace object declares
        (START, "apply", FRESH),
        ([*START, FRESH], "delete", FRESH),
    ],
    ids=[
        "renames-another",
        "renamed-back",
        "pod-renames",
        "pod-renamed-back",
        "given-pod",
        "pod-of-workload",
        "deprecated",
        "deprecated-replaced",
        "deprecated-deleted",
        "many-replicas",
        "first-of-namespace",
        "last-of-namespace",
    ],
)
def test_where_a_load_may_expand_or_name_otherwise_it_loads(
    objects: list[Obj], what: str, obj: Obj
) -> None:
    _loaded(objects, what, obj)


def test_an_object_of_the_same_workload_in_another_group_loads() -> None:
    """``apps`` and ``extensions`` Deployments of one name are one workload to a load,
    which keeps the later one and says so."""
    older = _workload("web", {"app": "other"}, api="extensions/v1beta1")
    r = reach.from_objects([*START, older])
    with _loads() as counted:
        r.apply(_workload("web", {"app": "web"}, 3))
    assert counted == [1]


EXAMPLES = ["shop", "calico", "istio", "cilium", "microservices-demo", "istio-egress"]


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_workloads_of_the_examples_change_in_place(example: str) -> None:
    """Real manifests (beside Calico's Profiles, Istio's mesh, Cilium's policies): three of
    their workloads relabelled, scaled, deleted and added back, each in place."""
    objects: list[Obj] = []
    for path in sorted(glob.glob(f"examples/{example}/*.yaml")):
        with open(path) as f:
            objects += [o for o in yaml.safe_load_all(f) if o]
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]
    r = reach.from_objects(objects)
    for workload in workloads[:3]:
        relabelled = copy.deepcopy(workload)
        relabelled["spec"]["template"]["metadata"]["labels"]["reach-test"] = "x"
        scaled = copy.deepcopy(relabelled)
        scaled["spec"]["replicas"] = 3
        for what, obj in (("apply", relabelled), ("apply", scaled), ("delete", scaled)):
            objects, _ = stepped_in_place(r, objects, what, obj, by="workload")
        objects, _ = stepped_in_place(r, objects, "apply", workload, by="workload")


WORKLOAD_NAMES = ["web", "webhook", "db", "api", "cache"]


@st.composite
def workload_clusters(draw: st.DrawFn) -> list[Obj]:
    """Namespaces (mostly declared), workloads and a few Pod objects, and policies."""
    declared = [ns for ns in NS_NAMES if draw(st.integers(0, 3))]
    out: list[Obj] = [draw(namespace_manifests(ns)) for ns in declared]
    for _ in range(draw(st.integers(0, 5))):
        out.append(draw(workloads()))
    for _ in range(draw(st.integers(0, 2))):
        out.append(draw(pods()))
    for _ in range(draw(st.integers(0, 2))):
        out.append(_policy(draw(st.sampled_from(NS_NAMES)), draw(label_maps(POD_LABELS))))
    return list({key(o): o for o in out}.values())


@st.composite
def workloads(draw: st.DrawFn) -> Obj:
    kind = draw(st.sampled_from(["Deployment", "Deployment", "StatefulSet", "CronJob"]))
    labels = draw(label_maps(POD_LABELS)) or {"app": "a"}
    name, ns = draw(st.sampled_from(WORKLOAD_NAMES)), draw(st.sampled_from(NS_NAMES))
    return _workload(name, labels, draw(st.integers(0, 4)), kind, ns)


@st.composite
def pods(draw: st.DrawFn) -> Obj:
    name = f"{draw(st.sampled_from(['debug', 'web', 'db']))}-{draw(st.integers(0, 2))}"
    pod = _pod(name, {"app": "a", **draw(label_maps(POD_LABELS))}, draw(st.sampled_from(NS_NAMES)))
    if draw(st.booleans()):  # of a workload object, maybe
        owner = {"kind": "Deployment", "name": draw(st.sampled_from(WORKLOAD_NAMES))}
        pod["metadata"]["ownerReferences"] = [{**owner, "controller": True}]
    return pod


def _policy(ns: str, labels: dict[str, str]) -> Obj:
    """Pods of ``labels`` admit only pods of app ``a``."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"p-{len(labels)}", "namespace": ns},
        "spec": {
            "podSelector": {"matchLabels": labels},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}}]}],
        },
    }


@st.composite
def workload_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Workloads added, relabelled, scaled and deleted, and pods between them."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for _ in range(draw(st.integers(1, 25))):
        by = draw(st.sampled_from(["pod", "workload", "namespace"]))
        held = [o for o in known.values() if o["kind"] not in ("Namespace", "NetworkPolicy")]
        way = draw(st.sampled_from(["new", "pod", "change", "change", "delete"]))
        if way in ("change", "delete") and held:
            obj = copy.deepcopy(draw(st.sampled_from(held)))
            if way == "delete":
                out.append(("delete", known.pop(key(obj)), by))
                continue
            if obj["kind"] == "Pod":
                obj["metadata"]["labels"] = {"app": "b", **draw(label_maps(POD_LABELS))}
            else:
                again = draw(workloads())
                obj["spec"] = again["spec"] if again["kind"] == obj["kind"] else obj["spec"]
        else:
            obj = draw(pods() if way == "pod" else workloads())
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_workloads_and_pods_changing_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    start = data.draw(workload_clusters())
    each_update_equals_a_load(start, data.draw(workload_events(start)))
