"""Calico objects added, changed and deleted beside Istio's mesh layer
(``reach.engine.calicomesh``), with Istio's AuthorizationPolicies changing between them:
the state after each update is a load of the same objects and the change is
``reach diff``; the named tests say which Calico events take the quick way there."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.engine.calicomesh import with_calico
from reach.engine.meshclasses import _profiles_kept
from reach.model.cluster import Namespace
from tests.api.test_calicoupdate import (
    CALICO,
    SECURITY,
    _gnp,
    _network_set,
    _tiers,
    back_again,
    calico_clusters,
    calico_events,
    carriers_first,
    emptied,
)
from tests.api.test_meshpodupdate import NS, ONLY_WEB, _pod
from tests.api.test_meshupdate import DB, WEB
from tests.api.test_podupdate import (
    BY,
    _everything,
    each_update_equals_a_load,
    pod_events,
    stepped_in_place,
)
from tests.api.test_whatif import key
from tests.strategies import NS_NAMES

Obj = dict[str, Any]
ISTIO = "security.istio.io/v1"


@st.composite
def authorization_policies(draw: st.DrawFn, name: str) -> Obj:
    """An AuthorizationPolicy over the Calico clusters' pods (``app``, ``tier`` labels), by
    namespace or by account, on port 80 or any."""
    source = draw(
        st.sampled_from(
            [
                {"namespaces": [draw(st.sampled_from(NS_NAMES))]},
                {"principals": ["cluster.local/ns/default/sa/robot"]},
                {"notNamespaces": ["ns-b"]},
            ]
        )
    )
    rule: Obj = {"from": [{"source": source}]}
    if draw(st.booleans()):
        rule["to"] = [{"operation": {"ports": ["80"]}}]
    spec: Obj = {"action": draw(st.sampled_from(["ALLOW", "DENY"])), "rules": [rule]}
    selector = draw(st.sampled_from([{}, {"app": "a"}, {"tier": "web"}, {"tier": "db"}]))
    if selector:
        spec["selector"] = {"matchLabels": selector}
    namespace = draw(st.sampled_from(NS_NAMES))
    meta = {"name": name, "namespace": namespace}
    return {"apiVersion": ISTIO, "kind": "AuthorizationPolicy", "metadata": meta, "spec": spec}


@st.composite
def calico_mesh_clusters(draw: st.DrawFn) -> list[Obj]:
    """The Calico property test's clusters, some namespaces with sidecars injected, and one
    or two AuthorizationPolicies."""
    start = [*draw(calico_clusters()), copy.deepcopy(SECURITY)]
    for obj in start:
        if obj["kind"] == "Namespace" and draw(st.booleans()):
            obj["metadata"].setdefault("labels", {})["istio-injection"] = "enabled"
    count = draw(st.integers(1, 2))
    return start + [draw(authorization_policies(f"ap-{i}")) for i in range(count)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_calico_events_beside_the_mesh_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    start = data.draw(calico_mesh_clusters())
    events = []
    held = {key(o) for o in start if o["kind"] == "AuthorizationPolicy"}
    spaces = [o for o in start if o["kind"] == "Namespace"]
    for event in data.draw(calico_events(start)):
        if spaces and data.draw(st.integers(0, 7)) == 0:  # sidecar injection flipped
            space = copy.deepcopy(data.draw(st.sampled_from(spaces)))
            labels = space["metadata"].setdefault("labels", {})
            labels["istio-injection"] = data.draw(st.sampled_from(["enabled", "disabled"]))
            events.append(("apply", space, data.draw(st.sampled_from(BY))))
        if data.draw(st.integers(0, 3)) == 0:  # an Istio change between (it may split classes)
            made = data.draw(authorization_policies(f"ap-{data.draw(st.integers(0, 2))}"))
            gone = key(made) in held and len(held) > 1 and data.draw(st.booleans())
            (held.discard if gone else held.add)(key(made))
            events.append(("delete" if gone else "apply", made, data.draw(st.sampled_from(BY))))
        events.append(event)
    each_update_equals_a_load(start, events, also=_tiers)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pods_beside_calico_objects_and_the_mesh_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    """Pods of new keys, relabelled, whose class goes or comes, a namespace emptied and a
    Profile's carriers gone and back, beside Calico's objects and the mesh."""
    start = data.draw(calico_mesh_clusters())
    events = carriers_first(data.draw, data.draw(pod_events(start)))
    events = back_again(data.draw, start, emptied(data.draw, start, events))
    each_update_equals_a_load(start, events)


GNP = _gnp("db-from-web", "app == 'db'", types=["Ingress"], ingress=[{"action": "Allow"}])


def _start() -> list[Obj]:
    return [NS, WEB, DB, GNP, ONLY_WEB]


def _cache_as_web() -> Obj:
    """cache-1: web's pod (its account, so the mesh sees them alike) labelled ``app:
    cache``."""
    cache = copy.deepcopy(WEB)
    cache["metadata"]["name"] = "cache-1"
    cache["metadata"]["labels"] = {"app": "cache"}
    return cache


@pytest.mark.parametrize("by", BY)
def test_a_calico_policy_beside_the_mesh_comes_changes_and_goes_in_place(by: str) -> None:
    """A GlobalNetworkPolicy added, changed and deleted beside the mesh layer: no load, the
    state a load's and the change ``reach diff``'s (they loaded until the sixteenth
    session)."""
    objects = _start()
    r = reach.from_objects(objects)
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects, change = stepped_in_place(r, objects, "apply", deny, by=by)
    assert change.edges
    narrower = copy.deepcopy(deny)
    narrower["spec"]["ingress"] = [{"action": "Allow", "source": {"selector": "app == 'db'"}}]
    objects, change = stepped_in_place(r, objects, "apply", narrower, by=by)
    assert change.edges or by == "namespace"  # (web and db are of one namespace)
    objects, change = stepped_in_place(r, objects, "delete", narrower, by=by)
    assert change.edges


def test_a_calico_tier_and_network_set_beside_the_mesh_go_in_place() -> None:
    """A tier given a default action, and network sets in and out beside the mesh layer,
    of nets the segments are cut at and of one that cuts them anew (and coarser again
    when it goes): no load."""
    tiered = copy.deepcopy(GNP)
    tiered["metadata"]["name"] = "security.db-from-web"
    tiered["spec"]["tier"] = "security"
    tiered["spec"]["ingress"] = [{"action": "Pass", "source": {"selector": "app == 'web'"}}]
    tiered["spec"]["types"] = ["Ingress", "Egress"]
    tiered["spec"]["egress"] = [{"action": "Allow", "destination": {"selector": "app == 'a'"}}]
    kept = _network_set("set-0", ["10.0.0.0/8"], {})
    objects = [NS, WEB, DB, tiered, ONLY_WEB, SECURITY, kept]
    r = reach.from_objects(objects)
    later = copy.deepcopy(SECURITY)
    later["spec"]["defaultAction"] = "Pass"
    objects, change = stepped_in_place(r, objects, "apply", later)
    assert change.edges
    picked = _network_set("set-1", ["10.0.0.0/8"], {"app": "a"})
    objects, change = stepped_in_place(r, objects, "apply", picked)
    assert change.edges
    objects, change = stepped_in_place(r, objects, "delete", picked)
    assert change.edges
    segments = len(r.reachability.segments)
    cutting = _network_set("set-2", ["11.0.0.0/8"], {"app": "a"})  # a net no segment ends at
    objects, change = stepped_in_place(r, objects, "apply", cutting)
    assert len(r.reachability.segments) > segments and change.edges
    objects, change = stepped_in_place(r, objects, "delete", cutting)
    assert len(r.reachability.segments) == segments and change.edges


def test_the_calico_state_beside_the_mesh_is_given_back_only_for_its_classes() -> None:
    """The Calico state the mesh state keeps is given back while it holds: not once the
    classes are numbered otherwise, a key was found since, or the port atoms or the
    namespaces are others (an update that moved them beside it left it behind: the update
    loads)."""
    x = reach.from_objects(_start()).reachability
    assert x.calico_state is None and x.mesh_state is not None and x.class_keys is not None
    found = with_calico(x)
    assert found is not None and found.calico_state is x.mesh_state.calico
    keys = x.class_keys
    swapped = replace(keys, behaviour=keys.behaviour[::-1])
    assert keys.behaviour != swapped.behaviour
    assert with_calico(replace(x, class_keys=swapped)) is None
    more = replace(keys, behaviour=[*keys.behaviour, 0])
    assert with_calico(replace(x, class_keys=more)) is None
    assert with_calico(replace(x, atoms=copy.copy(x.atoms))) is None
    spaced = copy.copy(x.cluster)
    spaced.namespaces = {**x.cluster.namespaces, "zz": Namespace.implied("zz")}
    assert with_calico(replace(x, cluster=spaced)) is None


@pytest.mark.parametrize("by", BY)
def test_a_calico_policy_splits_and_merges_classes_beside_the_mesh_in_place(by: str) -> None:
    """A Calico policy that tells the label classes of a class apart splits it first, and
    its going merges the parts again where the mesh sees them alike (a load has one class
    of them), beside the mesh layer: no load, the state a load's, the change ``reach
    diff``'s (both loaded until the sixteenth session)."""
    cache = _cache_as_web()
    objects = [*_start(), cache]
    r = reach.from_objects(objects)
    classes = r.reachability.n_internal
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects, change = stepped_in_place(r, objects, "apply", deny, by=by)
    assert r.reachability.n_internal == classes + 1
    assert change.edges or by == "namespace"  # (of one namespace)
    objects, change = stepped_in_place(r, objects, "delete", deny, by=by)
    assert r.reachability.n_internal == classes
    assert change.edges or by == "namespace"


def test_the_rows_before_the_mesh_and_are_kept_past_a_calico_change() -> None:
    """The rows before the mesh's AND are what the mesh state keeps past a Calico change,
    for the classes it touched and the others: an AuthorizationPolicy taken out after it
    opens what it alone closed (db from cache, which a change of web's Calico policies
    left as it was)."""
    cache = _cache_as_web()
    cache["spec"]["serviceAccountName"] = "cache"
    open_web = copy.deepcopy(ONLY_WEB)
    open_web["metadata"]["name"] = "web-open"
    open_web["spec"] = {"selector": {"matchLabels": {"app": "web"}}, "rules": [{}]}
    objects = [*_start(), cache, open_web]
    r = reach.from_objects(objects)
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects, _ = stepped_in_place(r, objects, "apply", deny)
    objects, change = stepped_in_place(r, objects, "delete", ONLY_WEB)
    opened = {e.src for e in change.edges if e.dst == "shop/db-1[Pod]"}
    assert "shop/cache-1[Pod]" in opened


@pytest.mark.parametrize("by", BY)
def test_a_network_policy_beside_calico_tiers_and_the_mesh_goes_in_place(by: str) -> None:
    """A Kubernetes NetworkPolicy (Calico's default tier) in and out beside the mesh
    layer: no load, the state a load's and the change ``reach diff``'s (it loaded until
    the sixteenth session)."""
    objects = _start()
    r = reach.from_objects(objects)
    deny = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-web", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]},
    }
    objects, change = stepped_in_place(r, objects, "apply", deny, by=by)
    assert change.edges
    objects, change = stepped_in_place(r, objects, "delete", deny, by=by)
    assert change.edges


@pytest.mark.parametrize("by", BY)
def test_pods_of_new_keys_beside_calico_tiers_and_the_mesh_join_or_make_classes(by: str) -> None:
    """Beside Calico's tiers and the mesh, a pod of a key no class had joins the class
    that answers every policy as it does and that the mesh sees as it sees the pod (Calico's
    candidates, the mesh picking), or makes a class: a pod of web's labels and one more
    joins web's class; one of web's labels running as another account (the mesh's
    AuthorizationPolicy names web's) makes a class, which goes with it. No load (they
    loaded until the sixteenth session)."""
    objects = _start()
    r = reach.from_objects(objects)
    classes = r.reachability.n_internal
    joins = _pod("web-2", "web", "10.1.0.3")
    joins["metadata"]["labels"]["canary"] = "yes"
    objects, _ = stepped_in_place(r, objects, "apply", joins, by=by)
    assert r.reachability.n_internal == classes
    other = _pod("web-3", "web", "10.1.0.4")
    other["spec"]["serviceAccountName"] = "other"
    objects, change = stepped_in_place(r, objects, "apply", other, by=by)
    assert r.reachability.n_internal == classes + 1
    assert change.nodes or by == "namespace"  # (a node of its own, but by namespace)
    objects, change = stepped_in_place(r, objects, "delete", other, by=by)
    assert r.reachability.n_internal == classes
    assert change.nodes or by == "namespace"
    x = r.reachability  # Calico's state stays the mesh state's (the other ways read the field)
    assert x.calico_state is None and x.mesh_state is not None and x.mesh_state.calico is not None


@pytest.mark.parametrize("by", BY)
def test_namespaces_beside_calico_tiers_and_the_mesh_change_in_place(by: str) -> None:
    """Beside Calico's tiers and the mesh, a namespace added and deleted, one relabelled
    that a Calico namespaceSelector reads, and one whose sidecar injection changes (the
    policies' answers, then the mesh's features), go in place (they loaded until the
    sixteenth session)."""
    from_team = _gnp(
        "db-from-team",
        "app == 'db'",
        types=["Ingress"],
        ingress=[{"action": "Allow", "source": {"namespaceSelector": "team == 'x'"}}],
    )
    objects = [NS, WEB, DB, from_team, ONLY_WEB]
    r = reach.from_objects(objects)
    extra = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "extra"}}
    objects, _ = stepped_in_place(r, objects, "apply", extra, by=by)
    objects, _ = stepped_in_place(r, objects, "delete", extra, by=by)
    team = copy.deepcopy(NS)
    team["metadata"]["labels"] = {**NS["metadata"]["labels"], "team": "x"}
    objects, change = stepped_in_place(r, objects, "apply", team, by=by)
    assert change.edges or by == "namespace"
    unmeshed = copy.deepcopy(team)
    unmeshed["metadata"]["labels"]["istio-injection"] = "disabled"
    stepped_in_place(r, objects, "apply", unmeshed, by=by)  # (a load's, and no load)


def test_classes_a_gone_port_name_told_apart_merge_beside_the_mesh_in_place() -> None:
    """Found by the property test: beside the mesh, classes told apart only by how they
    resolve a port name merge when the last Calico rule naming it goes (the merge groups
    read the resolutions without it), in place."""
    named = _pod("web-2", "web", "10.1.0.3")
    named["spec"]["containers"][0]["ports"] = [{"containerPort": 53, "name": "http"}]
    to_http = _gnp(
        "to-http",
        "all()",
        types=["Ingress"],
        ingress=[{"action": "Allow", "protocol": "TCP", "destination": {"ports": ["http"]}}],
    )
    objects = [*_start(), named, to_http]
    r = reach.from_objects(objects)
    classes = r.reachability.n_internal
    objects, _ = stepped_in_place(r, objects, "delete", to_http)
    assert r.reachability.n_internal == classes - 1


@pytest.mark.parametrize("by", BY)
def test_a_profiles_first_and_last_carrier_beside_the_mesh_come_and_go_in_place(by: str) -> None:
    """Beside the mesh, the first pod to carry a Profile with rules (its rules come into
    Calico's plan, a net they name cutting the segments first) and then the last going
    take their steps in place (they loaded until the sixteenth session)."""
    profile = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.shop.robot"},
        "spec": {
            "egress": [
                {"action": "Deny", "destination": {"nets": ["192.168.0.0/16"]}},
                {"action": "Deny", "destination": {"selector": "app == 'db'"}},
                {"action": "Allow"},
            ]
        },
    }
    objects = [*_start(), profile]
    r = reach.from_objects(objects)
    robot = _pod("robot-1", "robot", "10.1.0.9")
    objects, change = stepped_in_place(r, objects, "apply", robot, by=by)
    assert change.nodes or by == "namespace"
    objects, change = stepped_in_place(r, objects, "delete", robot, by=by)
    assert change.nodes or by == "namespace"


@pytest.mark.parametrize("by", BY)
def test_a_service_a_calico_rule_names_beside_the_mesh_goes_in_place(by: str) -> None:
    """Beside Calico's tiers and the mesh, a Service a Calico rule names (its pods are the
    rule's end) changes in steps: the policy out, the mesh made again over the Services,
    the policy back (it loaded until the sixteenth session)."""
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 80, "name": "http"}]},
    }
    to_svc = {"services": {"name": "svc", "namespace": "shop"}}
    deny = _gnp(
        "web-not-to-svc",
        "app == 'web'",
        types=["Egress"],
        egress=[{"action": "Deny", "destination": to_svc}, {"action": "Allow"}],
    )
    objects = [*_start(), service, deny]
    r = reach.from_objects(objects)
    moved = copy.deepcopy(service)
    moved["spec"]["selector"] = {"app": "web"}
    objects, change = stepped_in_place(r, objects, "apply", moved, by=by)
    assert change.edges or by == "namespace"


def test_a_layer_made_again_takes_only_the_profiles_it_sees_alike() -> None:
    """A mesh layer made again over renumbered classes takes the profiles of the classes
    whose first label class has the code it had (``meshclasses._profiles_kept``), and
    makes every profile again when a class's code is another (its features changed)."""
    x = reach.from_objects(_start()).reachability
    assert x.mesh is not None and x.mesh.first_label_class is not None
    first, source = x.mesh.first_label_class, np.arange(x.n_internal, dtype=np.intp)
    layer = replace(x.mesh)
    assert _profiles_kept(x, layer, first, source) == (x.mesh, source)
    other = x.mesh.label_codes.copy()
    other[first[0]] = other.max() + 1  # a code no label class had
    layer.label_codes = other
    assert _profiles_kept(x, layer, first, source) is None


def test_calico_objects_that_bring_their_namespace_beside_the_mesh_go_in_steps() -> None:
    """Beside Calico's tiers and the mesh, a Calico NetworkPolicy and a NetworkSet of a
    namespace no Namespace object declares (a load makes it of them) bring it and take it
    away in two steps each, in place (they loaded until the sixteenth session)."""
    objects = _start()
    r = reach.from_objects(objects)
    far = {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": "far-in", "namespace": "far"},
        "spec": {"selector": "all()", "types": ["Ingress"], "ingress": [{"action": "Allow"}]},
    }
    objects, _ = stepped_in_place(r, objects, "apply", far)
    assert "far" in r.cluster.namespaces
    objects, _ = stepped_in_place(r, objects, "delete", far)
    assert "far" not in r.cluster.namespaces
    network_set = _network_set("set-far", ["10.0.0.0/8"], {"app": "a"}, "far")
    objects, _ = stepped_in_place(r, objects, "apply", network_set)
    objects, _ = stepped_in_place(r, objects, "delete", network_set)
    assert "far" not in r.cluster.namespaces


@pytest.mark.parametrize("by", BY)
def test_an_authorization_policy_cutting_ports_beside_calico_tiers_goes_in_place(by: str) -> None:
    """An AuthorizationPolicy whose ports cut the port atoms where no rule did, beside
    Calico's tiers: the atoms are cut in the Calico state the mesh state keeps too (it
    loaded before: the cut needs a policy state), which then still holds for the next
    Calico change."""
    objects = _start()
    r = reach.from_objects(objects)
    atoms = len(r.reachability.atoms.starts["TCP"])
    ported = copy.deepcopy(ONLY_WEB)
    ported["metadata"]["name"] = "db-on-8443"
    ported["spec"]["rules"][0]["to"] = [{"operation": {"ports": ["8443"]}}]
    objects, change = stepped_in_place(r, objects, "apply", ported, by=by)
    assert len(r.reachability.atoms.starts["TCP"]) > atoms
    assert with_calico(r.reachability) is not None  # the state kept over the new atoms
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects, change = stepped_in_place(r, objects, "apply", deny, by=by)
    assert change.edges


@pytest.mark.parametrize("by", BY)
def test_an_authorization_policy_parting_classes_beside_calico_tiers_goes_in_place(
    by: str,
) -> None:
    """web and cache run as one account and answer every Calico and other rule alike (one
    class); an AuthorizationPolicy denying everything to cache parts them (a split over
    the Calico state the mesh state keeps; it loaded before: the classes parted again
    needed a policy state), and its going makes them one again."""
    cache = _cache_as_web()
    objects = [*_start(), cache]
    r = reach.from_objects(objects)
    classes = r.reachability.n_internal
    lock = copy.deepcopy(ONLY_WEB)
    lock["metadata"]["name"] = "cache-locked"
    lock["spec"] = {"selector": {"matchLabels": {"app": "cache"}}, "action": "DENY", "rules": [{}]}
    objects, change = stepped_in_place(r, objects, "apply", lock, by=by)
    assert r.reachability.n_internal == classes + 1
    assert change.edges or by == "namespace"
    assert with_calico(r.reachability) is not None  # the state over the parted classes
    objects, change = stepped_in_place(r, objects, "delete", lock, by=by)
    assert r.reachability.n_internal == classes
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    stepped_in_place(r, objects, "apply", deny, by=by)


def test_classes_of_equal_calico_numbers_are_parted_together_only_when_alike() -> None:
    """With every class's number of its answers but the mesh's colliding (as equal hashes
    of unequal answers would), web and cache (one account: alike in the mesh; told apart
    by a Calico policy selecting cache) fall together when an AuthorizationPolicy changes:
    their answers compared one by one (each policy's selection each way among them;
    the Calico steps, which match every label class again, find them apart too) keep
    them apart, and the update loads rather than merging them."""
    cache = _cache_as_web()
    deny = _gnp("deny-cache", "app == 'cache'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects = [*_start(), cache, deny]
    r = reach.from_objects(objects)
    kept = r.reachability.mesh_state
    assert kept is not None
    classes = r.reachability.n_internal
    kept.class_code[:] = 0  # (every class's number: one)
    changed = copy.deepcopy(ONLY_WEB)
    changed["spec"]["rules"][0]["from"][0]["source"]["principals"].append("cluster.local/ns/x/sa/y")
    r.apply(changed)
    loaded = reach.from_objects([*[o for o in objects if o is not ONLY_WEB], changed])
    assert r.reachability.n_internal == loaded.reachability.n_internal == classes
    assert _everything(r) == _everything(loaded)


def test_an_authorization_policy_after_a_label_class_lost_its_pods_keeps_the_calico_state() -> None:
    """cache's label class (in web's class) has no pod after cache-1 goes; an
    AuthorizationPolicy changed then leaves it in no class in the keys, and in the Calico
    state the mesh state keeps too, which so still holds: the next Calico change goes in
    place (it was left behind, and that change loaded)."""
    cache = _cache_as_web()
    objects = [*_start(), cache]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "delete", cache)
    changed = copy.deepcopy(ONLY_WEB)
    changed["spec"]["rules"][0]["from"][0]["source"]["principals"].append("cluster.local/ns/x/sa/y")
    objects, _ = stepped_in_place(r, objects, "apply", changed)
    assert with_calico(r.reachability) is not None
    deny = _gnp("deny-web", "app == 'web'", types=["Ingress"], ingress=[{"action": "Deny"}])
    objects, change = stepped_in_place(r, objects, "apply", deny)
    assert change.edges
