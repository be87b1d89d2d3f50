"""Pods coming and going beside Istio objects (``reach.api.podupdate``): a pod of a label
class key the compilation has seen (its namespace, labels, service account, sidecar
injection, the region of its address) joins its class in place, and Istio's diagnostics
of the pods are said anew; the state after each update is a load of the same objects and
the change is ``reach diff``."""

from __future__ import annotations

import copy
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.engine.meshclasses import _seen_alike
from reach.engine.meshlayer import MeshLayer
from reach.input.istiodiag import says_of_unaddressed
from tests.api.test_podupdate import BY, _everything, _never_loaded, each_update_equals_a_load
from tests.api.test_whatif import key
from tests.builders import netpol, sel
from tests.engine.test_istio_property import (
    ADDRESSES,
    APPS,
    NAMESPACES,
    egress_meshes,
    meshes,
    networking,
)

Obj = dict[str, Any]


def _pods_way_by(
    draw: st.DrawFn, known: dict[Any, Obj], ways: list[str]
) -> tuple[list[Obj], str, str]:
    """The pods ``known`` holds, one of ``ways`` and a granularity, drawn."""
    pods = [o for o in known.values() if o["kind"] == "Pod"]
    return pods, draw(st.sampled_from(ways)), draw(st.sampled_from(BY))


@st.composite
def mesh_pod_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Replicas of a pod under new names (the quick way's case), pods relabelled as
    another pod of their namespace, and deletions."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for i in range(draw(st.integers(1, 15))):
        pods, way, by = _pods_way_by(draw, known, ["replica", "replica", "relabel", "delete"])
        if not pods:
            break
        if way == "delete":
            out.append(("delete", known.pop(key(draw(st.sampled_from(pods)))), by))
            continue
        obj = copy.deepcopy(draw(st.sampled_from(pods)))
        if way == "replica":
            obj["metadata"]["name"] = f"r{i}"
        else:
            other = draw(st.sampled_from(pods))
            obj["metadata"]["labels"] = copy.deepcopy(other["metadata"]["labels"])
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


@st.composite
def mesh_clusters(draw: st.DrawFn) -> list[Obj]:
    """The random meshes, each object once (the strategies may give two Services one
    name: a load reads both, a store keeps the later one)."""
    objects = draw(st.one_of(meshes(), networking()))
    return list({key(o): o for o in objects}.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pods_beside_istio_objects_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(mesh_clusters())
    each_update_equals_a_load(start, data.draw(mesh_pod_events(start)))


NS = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}},
}
ONLY_WEB = {
    "apiVersion": "security.istio.io/v1",
    "kind": "AuthorizationPolicy",
    "metadata": {"name": "db-from-web", "namespace": "shop"},
    "spec": {
        "selector": {"matchLabels": {"app": "db"}},
        "action": "ALLOW",
        "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/web"]}}]}],
    },
}


def _pod(name: str, app: str, ip: str | None = None) -> Obj:
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": app}},
        "spec": {"serviceAccountName": app, "containers": [{"name": "main", "image": "x"}]},
    }
    if ip is not None:
        pod["status"] = {"podIP": ip, "podIPs": [{"ip": ip}]}
    return pod


def test_a_replica_beside_istio_policies_joins_its_class_without_loading() -> None:
    objects = [NS, _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2"), ONLY_WEB]
    r = reach.from_objects(objects)
    replica = _pod("web-2", "web", "10.1.0.3")
    with _never_loaded():
        r.apply(replica)
    assert _everything(r) == _everything(reach.from_objects([*objects, replica]))


def test_a_pod_without_an_address_beside_istio_is_said_again() -> None:
    """A pod with no address cannot be matched by ipBlocks: the diagnostic names the pods."""
    by_block = copy.deepcopy(ONLY_WEB)
    by_block["spec"]["rules"] = [{"from": [{"source": {"ipBlocks": ["10.1.0.0/16"]}}]}]
    objects = [NS, _pod("web-1", "web"), _pod("db-1", "db", "10.1.0.2"), by_block]
    r = reach.from_objects(objects)
    replica = _pod("web-2", "web")
    with _never_loaded():
        r.apply(replica)
    loaded = reach.from_objects([*objects, replica])
    assert _everything(r) == _everything(loaded)
    assert [str(d) for d in r.diagnostics if "web-2" in d.message]
    with _never_loaded():
        r.delete(replica)
    assert not [str(d) for d in r.diagnostics if "web-2" in d.message]


def test_pods_without_an_address_are_said_only_where_a_rule_names_ip_blocks() -> None:
    """Istio's diagnostics read the pods only to name those with no address beside a rule
    of ipBlocks: without one, a pod coming does not say them again (0.12 s at 100k)."""
    by_block = copy.deepcopy(ONLY_WEB)
    by_block["spec"]["rules"] = [{"from": [{"source": {"notIpBlocks": ["10.1.0.0/16"]}}]}]
    dry = copy.deepcopy(by_block)  # a dry run is left out, and nothing said of its rules
    dry["metadata"]["annotations"] = {"istio.io/dry-run": "true"}
    for policy, said in ((ONLY_WEB, False), (by_block, True), (dry, False)):
        objects = [NS, _pod("web-1", "web"), _pod("db-1", "db", "10.1.0.2"), policy]
        r = reach.from_objects(objects)
        assert says_of_unaddressed(r.cluster) is said
        replica = _pod("web-2", "web")
        with _never_loaded():
            r.apply(replica)
        assert _everything(r) == _everything(reach.from_objects([*objects, replica]))


def test_a_pod_of_another_address_region_beside_istio_makes_a_class_in_place() -> None:
    """The mesh sees web-2 (outside the policy's ipBlock) as no label class: a class of its
    own, made in place over the rows before the mesh's AND; deleted, the class goes."""
    by_block = copy.deepcopy(ONLY_WEB)
    by_block["spec"]["rules"] = [{"from": [{"source": {"ipBlocks": ["10.1.0.0/16"]}}]}]
    objects = [NS, _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2"), by_block]
    r = reach.from_objects(objects)
    outside = _pod("web-2", "web", "10.2.0.1")
    with _never_loaded():
        r.apply(outside)
    assert r.reachability.n_internal == 3
    assert _everything(r) == _everything(reach.from_objects([*objects, outside]))
    assert r.path("shop/web-2", "shop/db-1").direct.tcp == ()  # the sidecar denies TCP
    assert r.path("shop/web-1", "shop/db-1").direct.tcp
    with _never_loaded():
        r.delete(outside)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_classes_renumbered_by_pods_beside_istio_take_the_rows_after_the_and() -> None:
    """A pod whose class goes, and one that makes a class, beside the mesh: the rows after
    the mesh's AND are those of before in the new order, the new class's column and row
    ANDed alone (the whole AND, ``MeshLayer.ingress``, is never made again). A policy
    applied after takes the rows it does not change by their digests: each step is a
    load's."""
    queue_from_db = copy.deepcopy(ONLY_WEB)
    queue_from_db["metadata"]["name"] = "queue-from-db"
    queue_from_db["spec"]["selector"]["matchLabels"]["app"] = "queue"
    queue_from_db["spec"]["rules"][0]["from"][0]["source"]["principals"] = [
        "cluster.local/ns/shop/sa/db"
    ]
    objects = [NS, _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2"), ONLY_WEB]
    objects += [queue_from_db, _pod("cache-1", "cache", "10.1.0.3")]
    r = reach.from_objects(objects)
    lone, other = objects[-1], _pod("queue-1", "queue", "10.1.0.4")
    anded = mock.patch.object(MeshLayer, "ingress", side_effect=AssertionError("ANDed"))
    with _never_loaded(), anded:
        r.delete(lone)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects(objects[:-1]))
    with _never_loaded(), anded:
        r.apply(other)
    after = [*objects[:-1], other]
    assert r.reachability.n_internal == 3
    kept = r.reachability.mesh_state
    assert kept is not None  # one digest per row, in the rows' order (meshmoves reads so)
    assert list(kept.ands.values()) == list(range(len(r.reachability.ingress_rows)))
    assert _everything(r) == _everything(reach.from_objects(after))
    web_from_db = netpol(
        "web", "shop", sel(app="web"), ingress=[{"from": [{"podSelector": sel(app="db")}]}]
    )
    with _never_loaded():
        r.apply(web_from_db)
    assert _everything(r) == _everything(reach.from_objects([*after, web_from_db]))
    assert r.path("shop/db-1", "shop/queue-1").direct.tcp
    assert not r.path("shop/web-1", "shop/queue-1").direct.tcp
    assert r.path("shop/web-1", "shop/db-1").direct.tcp


def test_segments_cut_beside_istio_take_the_rows_after_the_and_by_segment() -> None:
    """A review found no test of this: web's row differs by address segment (its
    NetworkPolicy admits 10.1.0.0/16 only); NetworkPolicies of db cut the segments finer
    and, deleted, coarser again, and web's row after the mesh's AND, never computed again,
    is taken with each new segment in the column of the segment it was part of (or the
    first of those it joins). Each step is a load's, and no row is ANDed whole."""

    def from_block(name: str, app: str, cidr: str) -> Obj:
        return netpol(name, "shop", sel(app=app), ingress=[{"from": [{"ipBlock": {"cidr": cidr}}]}])

    objects = [NS, _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2"), ONLY_WEB]
    objects.append(from_block("a", "web", "10.1.0.0/16"))
    r = reach.from_objects(objects)
    cuts = [from_block("b", "db", "192.168.0.0/16"), from_block("c", "db", "10.1.2.0/24")]
    for step, obj in [*(("apply", o) for o in cuts), *(("delete", o) for o in reversed(cuts))]:
        before = len(r.reachability.segments)
        with _never_loaded():
            r.apply(obj) if step == "apply" else r.delete(obj)
        objects = [o for o in objects if key(o) != key(obj)] + ([obj] if step == "apply" else [])
        assert (len(r.reachability.segments) > before) == (step == "apply")  # cut, merged
        assert _everything(r) == _everything(reach.from_objects(objects))
    assert r.path("10.1.3.4", "shop/web-1").direct.tcp  # inside web's block
    assert not r.path("192.168.1.1", "shop/web-1").direct


def test_the_mesh_must_see_each_class_as_it_saw_its_source_for_rows_to_be_taken() -> None:
    """The guard of the rows taken after the mesh's AND (never false in the property
    tests: classes keep their features when they are renumbered): a layer whose callers
    see the mesh otherwise (another AuthorizationPolicy's clauses) is not taken."""
    objects = [NS, _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2"), ONLY_WEB]
    x = reach.from_objects(objects).reachability
    other = copy.deepcopy(ONLY_WEB)
    other["spec"]["rules"][0]["from"][0]["source"]["principals"] = ["cluster.local/ns/shop/sa/db"]
    y = reach.from_objects([*objects[:-1], other]).reachability
    same = np.arange(x.n_classes)
    assert x.mesh is not None and y.mesh is not None
    assert _seen_alike(x, x.mesh, same)
    assert not _seen_alike(x, y.mesh, same)


def test_a_new_pod_a_service_leads_to_on_a_new_port_cuts_the_atoms_first() -> None:
    """A review found: beside the mesh, the first pod a Service (its port named ``tcp``:
    plain TCP to Istio) leads to on container port 8080, under a DENY rule of an HTTP-only
    field (which denies plain TCP): the atoms must be cut at 8080 before the mesh denies
    it apart; it went in with every port allowed, a load denies TCP 8080."""
    deny_get = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "deny-get", "namespace": "shop"},
        "spec": {"action": "DENY", "rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]},
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "selector": {"app": "db"},
            "ports": [{"name": "tcp", "port": 80, "targetPort": "http"}],
        },
    }
    db = _pod("db-1", "db", "10.1.0.2")
    db["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    objects = [NS, _pod("web-1", "web", "10.1.0.1"), deny_get, service]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.apply(db)
    loaded = reach.from_objects([*objects, db])
    assert _everything(r) == _everything(loaded)
    ports = [c.ports for c in r.connections(by="pod") if c.dst.id == "shop/db-1[Pod]"]
    assert ports and not any(p.contains("TCP", 8080) for p in ports)


@st.composite
def new_key_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Pods of label class keys the compilation has not seen: new pods of new labels (a
    Service may select them, a Sidecar's workload selector pick them), with or without a
    named port and an address, pods relabelled so, and deletions."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for i in range(draw(st.integers(1, 10))):
        pods, way, by = _pods_way_by(draw, known, ["new", "new", "relabel", "delete"])
        labels = {"app": draw(st.sampled_from(APPS))}
        if draw(st.booleans()):
            labels["v"] = draw(st.sampled_from(["1", "2"]))
        if way == "delete" and pods:
            out.append(("delete", known.pop(key(draw(st.sampled_from(pods)))), by))
            continue
        if way == "relabel" and pods:
            obj = copy.deepcopy(draw(st.sampled_from(pods)))
            obj["metadata"]["labels"] = labels
        else:
            container: Obj = {"name": "c"}
            number = draw(st.sampled_from([None, 8080, 9000]))
            if number is not None:
                container["ports"] = [{"name": "http", "containerPort": number, "protocol": "TCP"}]
            obj = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"n{i}",
                    "namespace": draw(st.sampled_from(NAMESPACES[:2])),
                    "labels": labels,
                },
                "spec": {"containers": [container]},
            }
            ip = draw(st.sampled_from(ADDRESSES))
            if ip is not None:
                obj["status"] = {"podIP": ip, "podIPs": [{"ip": ip}]}
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pods_of_new_keys_under_registry_only_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    """On meshes with a REGISTRY_ONLY Sidecar (what each proxy forwards and which registry
    hosts reach each pod are in what the mesh sees of a label class), and on the random
    meshes, a pod of a new key joins the class that answers and is seen as it is, or
    makes one (one that may resolve a port name as no class did): a load's state each
    step. (That such pods take the quick way is checked by the named test
    ``test_a_pod_relabelled_into_a_service_under_registry_only_equals_a_load``.)"""
    start = list({key(o): o for o in data.draw(st.one_of(egress_meshes(), meshes()))}.values())
    if data.draw(st.booleans()):  # a rule naming a port: new keys may resolve it as none did
        start.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "by-name", "namespace": data.draw(st.sampled_from("ab"))},
                "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]},
            }
        )
    each_update_equals_a_load(start, data.draw(new_key_events(start)))
