"""Calico policies and NetworkPolicies added, changed and deleted beside Calico's tiers
(``reach.api.calicoupdate``, ``reach.api.policyupdate``), and pods
coming and going beside Calico policies and Profiles (``reach.api.podupdate``: a pod of a
label class key the compilation has seen joins its class in place, the diagnostics of
Profiles no pod carries said anew): the state after each update is a load of the same
objects and the change is ``reach diff``."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from tests.api.test_podupdate import (
    BY,
    Event,
    _everything,
    _never_loaded,
    _pod,
    a_namespace_event,
    a_pod_event,
    applied_or_deleted,
    declared_clusters,
    each_update_equals_a_load,
    pod_events,
    stepped_in_place,
    tally_in_place,
)
from tests.api.test_policyupdate import NAMED_START, _named_policy, _ported, admin_policies
from tests.api.test_whatif import key
from tests.strategies import CIDRS, NS_NAMES, PORT_NAMES, policy_manifests

Obj = dict[str, Any]
CALICO = "projectcalico.org/v3"
#: Calico objects of each sort: a GlobalNetworkPolicy that denies, a namespaced
#: NetworkPolicy with ports, a policy by service account, and Profiles of a namespace and
#: of a service account (which say when no pod carries them).
OBJECTS: list[Obj] = [
    {
        "apiVersion": CALICO,
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "deny-web-to-a"},
        "spec": {
            "selector": "app == 'a'",
            "types": ["Ingress"],
            "ingress": [
                {"action": "Deny", "source": {"selector": "tier == 'web'"}},
                {"action": "Allow"},
            ],
        },
    },
    {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": "db-from-b", "namespace": "ns-a"},
        "spec": {
            "selector": "tier == 'db'",
            "types": ["Ingress"],
            "ingress": [
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "source": {"selector": "app == 'b'"},
                    "destination": {"ports": [80]},
                }
            ],
        },
    },
    {
        "apiVersion": CALICO,
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "robots-out"},
        "spec": {
            "serviceAccountSelector": "projectcalico.org/name == 'robot'",
            "types": ["Egress"],
            "egress": [{"action": "Allow", "destination": {"nets": ["10.0.0.0/8"]}}],
        },
    },
    {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "kns.ns-b"},
        "spec": {"ingress": [{"action": "Deny"}], "egress": [{"action": "Allow"}]},
    },
    {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.default.robot"},
        "spec": {"egress": [{"action": "Deny"}]},
    },
]


@st.composite
def calico_clusters(draw: st.DrawFn) -> list[Obj]:
    """Clusters with some of the Calico objects, some pods running as ``robot``; their
    namespaces mostly declared (some a load makes of the pods and policies in them). Now
    and then ns-b has no pod at the load and its Profile has rules of another spec (its
    first carrier comes with the events: ``carriers_first``), or its Profile allows
    nothing."""
    objects = [
        o
        for o in draw(declared_clusters())
        if o["kind"] != "Namespace" or draw(st.integers(0, 3)) > 0
    ]
    for obj in objects:
        if obj["kind"] == "Pod" and draw(st.integers(0, 3)) == 0:
            obj["spec"]["serviceAccountName"] = "robot"
        if obj["kind"] == "Pod" and draw(st.integers(0, 3)) == 0:
            obj["metadata"].setdefault("labels", {})["role"] = "x"
    chosen = draw(st.lists(st.sampled_from(range(len(OBJECTS))), min_size=1, unique=True))
    calico = [OBJECTS[i] for i in sorted(chosen)]
    if draw(st.integers(0, 2)) == 0:  # ns-b's Profile before any pod carries it
        objects = [o for o in objects if o["kind"] != "Pod" or _ns(o) != "ns-b"]
        calico = [o for o in calico if o["metadata"]["name"] != "kns.ns-b"]
        spec = draw(st.sampled_from(PROFILE_SPECS[1:]))
        calico.append({**OBJECTS[3], "spec": copy.deepcopy(spec)})
    if draw(st.integers(0, 3)) == 0:  # ns-b's Profile allows nothing (as no Profile)
        calico = [o for o in calico if o["metadata"]["name"] != "kns.ns-b"]
        calico.append({**OBJECTS[3], "spec": {}})
    if draw(st.integers(0, 2)) == 0:  # robot's Profile of another spec, its pods gone
        objects = [o for o in objects if o["kind"] != "Pod" or _account(o) != "robot"]
        calico = [o for o in calico if o["metadata"]["name"] != "ksa.default.robot"]
        spec = draw(st.sampled_from(PROFILE_SPECS[1:]))
        calico.append({**OBJECTS[4], "spec": copy.deepcopy(spec)})
    return objects + calico


def _account(obj: Obj) -> str:
    return str(obj["spec"].get("serviceAccountName", "default"))


def _ns(obj: Obj) -> str:
    return str(obj["metadata"].get("namespace", "default"))


def carriers_first(draw: st.DrawFn, events: list[tuple[str, Obj, str]]) -> list[Event]:
    """``events`` with a pod applied now and then given a ``role`` label, or its own
    taken away (pods whose labels differ in a label only a Profile's rule reads: a
    replica so, of the first pod in ns-b, is told apart by ns-b's Profile), or running
    as ``robot`` (the first carrier of robot's Profile)."""
    out = []
    for what, obj, by in events:
        if what == "apply" and obj["kind"] == "Pod" and draw(st.integers(0, 2)) == 0:
            obj = copy.deepcopy(obj)
            labels = obj["metadata"].setdefault("labels", {})
            labels.pop("role") if "role" in labels else labels.update(role="x")
        if what == "apply" and obj["kind"] == "Pod" and draw(st.integers(0, 3)) == 0:
            obj = copy.deepcopy(obj)  # robot's first pod carries its Profile
            obj["spec"]["serviceAccountName"] = "robot"
        out.append((what, obj, by))
    return out


def emptied(draw: st.DrawFn, start: list[Obj], events: list[Event]) -> list[Event]:
    """``events``, now and then followed by every pod of one namespace deleted, one with a
    pod of the labels of one that stays elsewhere when there is one (an app scaled to zero
    there), and then a pod of those labels in a third namespace (a class whose first label
    class lost its pods may answer Calico's plan otherwise: its namespace left the default
    ``kns.*`` Profile's)."""
    known = {key(o): o for o in start if o["kind"] == "Pod"}
    for what, obj, _ in events:
        if obj["kind"] == "Pod":
            known.pop(key(obj), None) if what == "delete" else known.update({key(obj): obj})
    if not known or draw(st.integers(0, 2)) > 0:
        return events
    pod = draw(st.sampled_from(sorted(known.values(), key=key)))
    labels = pod["metadata"].get("labels")
    twins = sorted(
        {_ns(o) for o in known.values() if o["metadata"].get("labels") == labels} - {_ns(pod)}
    )
    gone = draw(st.sampled_from(twins or [n for n in NS_NAMES if n != _ns(pod)]))
    out = [*events, *(("delete", o, "pod") for o in known.values() if _ns(o) == gone)]
    moved = copy.deepcopy(pod)
    moved["metadata"]["namespace"] = draw(st.sampled_from(NS_NAMES))
    moved["metadata"]["name"] += "-moved"
    moved["metadata"].pop("ownerReferences", None)
    return [*out, ("apply", moved, draw(st.sampled_from(BY)))]


def back_again(draw: st.DrawFn, start: list[Obj], events: list[Event]) -> list[Event]:
    """``events``, now and then followed by every pod of one namespace, or of one account
    of it, deleted (the last carrier of its Profile goes) and then one of them applied
    again (the first carrier comes: its key, known with no pod, must be answered with the
    Profile's rules, which came back; a review found it in its class of before)."""
    known = {key(o): o for o in start if o["kind"] == "Pod"}
    for what, obj, _ in events:
        if obj["kind"] == "Pod":
            known.pop(key(obj), None) if what == "delete" else known.update({key(obj): obj})
    if not known or draw(st.booleans()):
        return events
    carriers = [o for o in known.values() if _ns(o) == "ns-b" or _account(o) == "robot"]
    pod = draw(st.sampled_from(sorted(carriers or known.values(), key=key)))
    account = draw(st.booleans())
    scope = [
        o
        for o in known.values()
        if _ns(o) == _ns(pod) and (not account or _account(o) == _account(pod))
    ]
    out = [*events, *(("delete", o, draw(st.sampled_from(BY))) for o in scope)]
    return [*out, ("apply", draw(st.sampled_from(scope)), draw(st.sampled_from(BY)))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pods_beside_calico_objects_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(calico_clusters())
    events = carriers_first(data.draw, data.draw(pod_events(start)))
    events = back_again(data.draw, start, emptied(data.draw, start, events))
    each_update_equals_a_load(start, events)


V4 = sorted(c for c in CIDRS if ":" not in c)
V6 = sorted(c for c in CIDRS if ":" in c)
PROFILE_NAMES = ["kns.ns-a", "kns.ns-b", "ksa.ns-b.robot", "ksa.ns-a.default"]
PROFILE_SPECS: list[Obj] = [
    {},
    {"ingress": [{"action": "Deny"}], "egress": [{"action": "Allow"}]},
    {"ingress": [{"action": "Allow", "source": {"selector": "app == 'a'"}}]},
    {"egress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}}]},
    # a label no other selector reads: keys alike but for it are told apart once a pod
    # carries the Profile (the projections read the plan's selectors)
    {"ingress": [{"action": "Allow", "source": {"selector": "role == 'x'"}}]},
    # nets, of a rule that selects no pod: a first carrier cuts the addresses anew
    {
        "ingress": [
            {
                "action": "Allow",
                "source": {"nets": ["10.1.0.0/16"]},
                "destination": {"selector": "zone == 'x'"},
            }
        ]
    },
    # the pods of a Service (which Service events change: the rules taken out and back)
    {
        "egress": [
            {"action": "Deny", "destination": {"services": {"name": "svc-0", "namespace": "ns-a"}}},
            {"action": "Allow"},
        ]
    },
]
SELECTORS = ["all()", "app == 'a'", "tier == 'web'", "app in {'a', 'b'}", "!has(tier)"]
TIERS = ["default", "security"]


@st.composite
def calico_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Calico policies copied under another name (the same rules), their selector, order,
    tier or action changed, staged, deleted; and pod events between them."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for _ in range(draw(st.integers(1, 15))):
        ours = [
            o
            for o in known.values()
            if o["kind"] in ("NetworkPolicy", "GlobalNetworkPolicy") and o["apiVersion"] == CALICO
        ]
        way = draw(
            st.sampled_from(
                ["copy", "select", "order", "action", "delete", "pod", "np", "ns", "svc"]
                + ["profile", "admin", "nets", "set", "ports", "tier", "names svc", "both svc"]
            )
        )
        by = draw(st.sampled_from(BY))
        if way == "ns":
            a_namespace_event(draw, known, out, by)
            continue
        if way == "both svc":  # a Profile and a Calico policy name svc-0, which changes
            for named in (_profile_naming_svc(draw), _gnp_naming_svc(draw)):
                known[key(named)] = named
                out.append(("apply", named, by))
            svc = _service("svc-0", draw(st.sampled_from(["a", "b", "o"])))
            applied_or_deleted(draw, known, out, svc, by)
            continue
        if way == "svc":  # a Service (pods' projections read its selector)
            svc = _service(f"svc-{draw(st.integers(0, 1))}", draw(st.sampled_from(["a", "b"])))
            applied_or_deleted(draw, known, out, svc, by)
            continue
        if way == "np":  # a Kubernetes NetworkPolicy, in Calico's default tier
            kube = [o for o in known.values() if o["apiVersion"] == "networking.k8s.io/v1"]
            if kube and draw(st.booleans()):
                out.append(("delete", known.pop(key(draw(st.sampled_from(kube)))), by))
                continue
            name = f"np-{draw(st.integers(0, 2))}"
            obj = draw(policy_manifests(draw(st.sampled_from(NS_NAMES)), name))
            known[key(obj)] = obj
            out.append(("apply", obj, by))
            continue
        if way == "pod":
            a_pod_event(draw, known, out)
            continue
        if way == "admin":  # an admin policy, in Calico's kube-admin or kube-baseline tier
            admin = draw(admin_policies())
            applied_or_deleted(draw, known, out, admin, by)
            continue
        if way == "set":  # a network set, which rule selectors (all(), labels) may pick
            network_set = _network_set(  # (in ns-far, nothing else is: it brings ns-far)
                f"set-{draw(st.integers(0, 1))}",
                draw(st.lists(st.sampled_from(V4 + V6), min_size=1, max_size=2, unique=True)),
                draw(st.sampled_from([{}, {"tier": "web"}, {"app": "a"}])),
                draw(st.sampled_from(["", "ns-a", "ns-far"])),
            )
            applied_or_deleted(draw, known, out, network_set, by)
            continue
        if way == "tier":  # a tier moved, its default action changed, deleted: security,
            # the built-in default, or one no policy names
            tier = copy.deepcopy(SECURITY)
            name = draw(st.sampled_from(["security", "default", "spare"]))
            tier["metadata"]["name"] = name
            builtin = name == "default"  # declared as Calico has it (else invalid)
            tier["spec"]["order"] = 1000000 if builtin else draw(st.sampled_from([1, 50, 2000000]))
            action = "Deny" if builtin else draw(st.sampled_from([None, "Deny", "Pass"]))
            if action is not None:
                tier["spec"]["defaultAction"] = action
            applied_or_deleted(draw, known, out, tier, by)
            continue
        if way == "profile":  # a namespace's or an account's Profile
            profile = {
                "apiVersion": CALICO,
                "kind": "Profile",
                "metadata": {"name": draw(st.sampled_from(PROFILE_NAMES))},
                "spec": copy.deepcopy(draw(st.sampled_from(PROFILE_SPECS))),
            }
            applied_or_deleted(draw, known, out, profile, by)
            continue
        if not ours:
            obj = copy.deepcopy(draw(st.sampled_from(OBJECTS[:3])))
        elif way == "delete":
            out.append(("delete", known.pop(key(draw(st.sampled_from(ours)))), by))
            continue
        else:
            obj = copy.deepcopy(draw(st.sampled_from(ours)))
            spec = obj["spec"]
            if way == "copy":
                obj["metadata"]["name"] = f"copy-{draw(st.integers(0, 3))}"
                if obj["kind"] == "NetworkPolicy":  # ns-far: nothing else is there
                    namespaces = st.sampled_from(["ns-a", "ns-b", "ns-far"])
                    obj["metadata"]["namespace"] = draw(namespaces)
            elif way == "select":
                spec["selector"] = draw(st.sampled_from(SELECTORS))
            elif way == "nets":  # addresses no rule may have named: the segments cut anew
                for rule in (*spec.get("ingress", ()), *spec.get("egress", ())):
                    end = rule.setdefault(
                        "source" if rule in spec.get("ingress", ()) else "destination", {}
                    )
                    field = draw(st.sampled_from(["nets", "notNets"]))
                    family = draw(st.sampled_from([V4, V6]))  # one family per rule
                    end.pop("nets", None)
                    end.pop("notNets", None)
                    end.pop("services", None)  # (never beside nets: invalid)
                    end[field] = draw(st.lists(st.sampled_from(family), min_size=1, max_size=2))
            elif way == "names svc":  # rules whose other end is the pods of a Service
                for rule in spec.get("egress", ()):  # (which Service events change)
                    ref = {"name": f"svc-{draw(st.integers(0, 1))}", "namespace": "ns-a"}
                    rule["destination"] = {"services": ref}
            elif way == "ports":  # port names (and numbers) no rule may have named
                for rule in (*spec.get("ingress", ()), *spec.get("egress", ())):
                    rule["protocol"] = draw(st.sampled_from(["TCP", "UDP"]))
                    ports = st.sampled_from([*PORT_NAMES, 80, "8000:8100"])
                    destination = rule.setdefault("destination", {})
                    destination.pop("services", None)  # (never beside egress ports: invalid)
                    field = draw(st.sampled_from(["ports", "ports", "notPorts"]))
                    destination[field] = draw(st.lists(ports, min_size=1, max_size=2))
            elif way == "order":
                spec["order"] = draw(st.sampled_from([1, 100, 1000]))
                tier = draw(st.sampled_from(TIERS))
                if tier != "default":
                    spec["tier"] = tier
                    obj["metadata"]["name"] = f"{tier}.{obj['metadata']['name'].split('.')[-1]}"
            else:
                for rule in (*spec.get("ingress", ()), *spec.get("egress", ())):
                    rule["action"] = draw(st.sampled_from(["Allow", "Deny", "Pass"]))
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


def _profile_naming_svc(draw: st.DrawFn) -> Obj:
    """A namespace's or an account's Profile whose egress rule names svc-0."""
    return {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": draw(st.sampled_from(PROFILE_NAMES))},
        "spec": copy.deepcopy(PROFILE_SPECS[-1]),
    }


def _gnp_naming_svc(draw: st.DrawFn) -> Obj:
    """A GlobalNetworkPolicy whose egress rule denies or allows svc-0's pods."""
    action = draw(st.sampled_from(["Allow", "Deny", "Pass"]))
    to_svc = {"services": {"name": "svc-0", "namespace": "ns-a"}}
    egress = [{"action": action, "destination": to_svc}]
    return _gnp("names-svc", draw(st.sampled_from(SELECTORS)), types=["Egress"], egress=egress)


SECURITY = {
    "apiVersion": CALICO,
    "kind": "Tier",
    "metadata": {"name": "security"},
    "spec": {"order": 50},
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_calico_policy_events_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = [*data.draw(calico_clusters()), SECURITY]
    each_update_equals_a_load(start, data.draw(calico_events(start)), also=_tiers)


@st.composite
def labelled_clusters(draw: st.DrawFn) -> list[Obj]:
    """Two declared namespaces whose pods carry the labels the Calico selectors read, and
    some of the Calico objects: policies that select by those labels split and merge the
    classes of such pods."""
    objects: list[Obj] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in ("ns-a", "ns-b")
    ]
    for i in range(draw(st.integers(2, 6))):
        labels = {"app": draw(st.sampled_from(["a", "b", "web"]))}
        tier = draw(st.sampled_from(["web", "db", None]))
        if tier is not None:
            labels["tier"] = tier
        objects.append(_pod(f"p-{i}", labels, draw(st.sampled_from(["ns-a", "ns-b"]))))
    chosen = draw(st.lists(st.sampled_from(range(len(OBJECTS))), min_size=1, unique=True))
    return objects + [OBJECTS[i] for i in sorted(chosen)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_calico_splits_and_merges_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    """Calico policies and NetworkPolicies that select by the pods' labels split and merge
    classes, and pods of new labels make and take out classes, beside Calico's tiers."""
    start = [*data.draw(labelled_clusters()), SECURITY]
    each_update_equals_a_load(start, data.draw(calico_events(start)), also=_tiers)


def _tiers(r: reach.Reach) -> list[object]:
    """Which tiers apply to each pod, each way, who each Calico policy selects (what
    ``explain`` and the audit read of the tiers) and who each NetworkPolicy selects."""
    x = r.analysis.reachability
    if x.calico is None:
        return []
    applying = [[x.calico.applying(d, int(c)) for c in x.pod_class] for d in ("ingress", "egress")]
    owners = [
        (str(owner), i[x.pod_class].tolist(), e[x.pod_class].tolist())
        for owner, i, e in x.calico.owners
    ]
    selecting = np.asarray(x.policy_selected)[:, x.pod_class].tolist()
    return [applying, sorted(owners), selecting]


NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
NS_A = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}}
NS_B = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-b"}}


def _robot(name: str) -> Obj:
    pod = _pod(name, {"app": "web"})
    pod["spec"]["serviceAccountName"] = "robot"
    return pod


def test_a_replica_beside_calico_policies_joins_its_class_without_loading() -> None:
    objects = [NS, _pod("web-1", {"app": "web"}), _pod("db-1", {"app": "db"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    replica = _pod("web-2", {"app": "web"})
    with _never_loaded():
        r.apply(replica)
    assert _everything(r) == _everything(reach.from_objects([*objects, replica]))
    with _never_loaded():
        r.delete(replica)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_the_last_pod_of_a_profile_going_says_the_profile_is_unused() -> None:
    """A service-account Profile with no rules tells no class apart: its last pod goes
    while its class keeps pods (the quick way), and the diagnostic comes, then goes."""
    robot, web = _robot("robot-1"), _pod("web-1", {"app": "web"})
    empty = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.shop.robot"},
        "spec": {},
    }
    objects = [NS, robot, web, empty]
    r = reach.from_objects(objects)
    assert not any(d.code == "calico-profile-unused" for d in r.diagnostics)
    with _never_loaded():
        r.delete(robot)
    assert [d.code for d in r.diagnostics].count("calico-profile-unused") == 1
    assert _everything(r) == _everything(reach.from_objects([NS, web, empty]))
    with _never_loaded():
        r.apply(robot)
    assert not any(d.code == "calico-profile-unused" for d in r.diagnostics)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_pod_of_new_labels_no_calico_selector_reads_joins_its_class() -> None:
    """A rollout's new ``pod-template-hash``: no selector reads it, so the pod joins the
    class of the key with the same labels where selectors look, without loading."""
    objects = [NS, _pod("web-1", {"app": "web"}), _pod("a-1", {"app": "a"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    rolled = _pod("web-2", {"app": "web", "pod-template-hash": "b2"})
    with _never_loaded():
        r.apply(rolled)
    assert _everything(r) == _everything(reach.from_objects([*objects, rolled]))


def test_a_pod_of_labels_a_calico_selector_reads_makes_a_class_and_takes_it_out() -> None:
    """Its answers (the GlobalNetworkPolicy selects ``app == 'a'``) are no class's: the
    classes are renumbered in place with a new one, whose rows walk the tiers; its going
    takes the class out again. Neither loads."""
    objects = [NS, _pod("web-1", {"app": "web"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    other = _pod("a-1", {"app": "a"})
    with _never_loaded():
        change = r.apply(other)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects([*objects, other]))
    assert str(change) == str(
        reach.diff(
            reach.from_objects(objects),
            reach.from_objects([*objects, other]),
            old_label="before",
            new_label="after",
        )
    )
    with _never_loaded():
        r.delete(other)
    assert r.reachability.n_internal == 1
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_pod_of_answers_a_class_has_joins_it_beside_calico_tiers() -> None:
    """A pod of another namespace and labels no key had, which every Calico rule and
    profile answers as an existing class's: it joins that class (asked of its key alone)."""
    objects = [NS, NS_B, _pod("web-1", {"app": "web"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    other = _pod("web-b", {"app": "web", "team": "x"}, ns="ns-b")
    with _never_loaded():
        r.apply(other)
    assert r.reachability.n_internal == 1
    assert _everything(r) == _everything(reach.from_objects([*objects, other]))


def test_a_key_joined_by_its_answers_is_told_apart_by_a_namespaced_calico_policy() -> None:
    """A pod of another namespace joins the class whose answers it has (not by projection:
    the namespace differs); a Calico NetworkPolicy of the first namespace then tells them
    apart, which must split the class (the joined key is among the kept label classes)."""
    objects = [NS_A, NS_B, _pod("a-1", {"app": "web"}, "ns-a"), OBJECTS[0]]
    r = reach.from_objects(objects)
    joined = _pod("b-1", {"app": "web"}, "ns-b")
    with _never_loaded():
        r.apply(joined)
    assert r.reachability.n_internal == 1
    in_a = {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-in-a", "namespace": "ns-a"},
        "spec": {"selector": "all()", **DENY_IN},
    }
    with _never_loaded():
        r.apply(in_a)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects([*objects, joined, in_a]))


def test_classes_a_calico_namespace_selector_tells_apart_split_and_merge_on_relabels() -> None:
    """A GlobalNetworkPolicy selecting the pods of namespaces labelled ``team: x``: ns-a
    labelled so splits the one class of the two namespaces' pods (the Calico steps asked
    over the relabelled namespace); ns-b labelled so too, they answer alike and merge
    (the hashes of the classes' answers find them). Neither loads."""
    by_team = _gnp("by-team", "all()", namespaceSelector="team == 'x'", **DENY_IN)
    pods = [_pod("a-1", {"app": "web"}, "ns-a"), _pod("b-1", {"app": "web"}, "ns-b")]
    r = reach.from_objects([NS_A, NS_B, *pods, by_team])
    assert r.reachability.n_internal == 1
    team_a, team_b = copy.deepcopy(NS_A), copy.deepcopy(NS_B)
    team_a["metadata"]["labels"] = team_b["metadata"]["labels"] = {"team": "x"}
    with _never_loaded():
        r.apply(team_a)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects([team_a, NS_B, *pods, by_team]))
    with _never_loaded():
        r.apply(team_b)
    assert r.reachability.n_internal == 1
    assert _everything(r) == _everything(reach.from_objects([team_a, team_b, *pods, by_team]))


def test_a_namespace_profile_added_changed_and_deleted_beside_calico_tiers() -> None:
    """``kns.ns-b`` replaces the profile Calico generates for ns-b (allow all): its pods'
    rows walk the new profile's rules; changed, then deleted (the generated one again),
    without loading, each a load of the same objects."""
    objects = [NS_A, NS_B, _pod("a-1", {"app": "a"}, "ns-a"), _pod("b-1", {"app": "b"}, "ns-b")]
    objects.append(OBJECTS[0])
    r = reach.from_objects(objects)
    profile = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "kns.ns-b"},
        "spec": {"ingress": [{"action": "Deny"}], "egress": [{"action": "Allow"}]},
    }
    with _never_loaded():
        change = r.apply(profile, by="pod")
    assert {e.dst for e in change.edges} == {"ns-b/b-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*objects, profile]))
    allow_a = copy.deepcopy(profile)
    allow_a["spec"]["ingress"] = [{"action": "Allow", "source": {"selector": "app == 'a'"}}]
    with _never_loaded():
        r.apply(allow_a)
    assert _everything(r) == _everything(reach.from_objects([*objects, allow_a]))
    with _never_loaded():
        r.delete(allow_a)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_profile_added_merges_classes_it_no_longer_tells_apart() -> None:
    """A Profile added takes the place of the one Calico generates (allow all): with
    ``kns.ns-a`` empty, ns-a's pods are a class of their own; ``kns.ns-b`` empty too, the
    two namespaces' pods answer alike again and merge (an addition is looked at for
    merges when it is a Profile)."""
    objects = [NS_A, NS_B, _pod("a-1", {"app": "a"}, "ns-a"), _pod("b-1", {"app": "a"}, "ns-b")]
    objects.append(OBJECTS[0])
    empty = [
        {"apiVersion": CALICO, "kind": "Profile", "metadata": {"name": f"kns.{ns}"}, "spec": {}}
        for ns in ("ns-a", "ns-b")
    ]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.apply(empty[0])
    assert r.reachability.n_internal == 2
    with _never_loaded():
        r.apply(empty[1])
    assert r.reachability.n_internal == 1
    assert _everything(r) == _everything(reach.from_objects([*objects, *empty]))


def test_an_account_profile_changed_beside_calico_tiers_computes_its_pods_again() -> None:
    """With ``kns.ns-b`` holding no rules, the pods running as ``robot`` there are decided
    by ``ksa.ns-b.robot``: a change of it computes their rows again, without loading."""
    robot = _pod("b-1", {"app": "b"}, "ns-b")
    robot["spec"]["serviceAccountName"] = "robot"
    empty = {"apiVersion": CALICO, "kind": "Profile", "metadata": {"name": "kns.ns-b"}, "spec": {}}
    account = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.ns-b.robot"},
        "spec": {"ingress": [{"action": "Allow"}], "egress": [{"action": "Allow"}]},
    }
    objects = [NS_A, NS_B, _pod("a-1", {"app": "a"}, "ns-a"), robot, empty, account]
    r = reach.from_objects(objects)
    closed = copy.deepcopy(account)
    closed["spec"]["ingress"] = [{"action": "Deny"}]
    with _never_loaded():
        change = r.apply(closed, by="pod")
    assert {e.dst for e in change.edges} == {"ns-b/b-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*objects[:-1], closed]))


def _admin(name: str, subject: Obj, ingress: list[Obj]) -> Obj:
    """An AdminNetworkPolicy of priority 10 (in Calico's ``kube-admin`` tier)."""
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": 10, "subject": subject, "ingress": ingress},
    }


def test_an_admin_policy_beside_calico_tiers_changes_in_place() -> None:
    """An AdminNetworkPolicy sits in Calico's ``kube-admin`` tier: added (denying ns-b to
    ns-a), changed to select other pods (splitting a class) and deleted (merging classes),
    without loading, each a load of the same objects."""
    objects = [NS_A, NS_B, _pod("a-1", {"app": "a"}, "ns-a"), _pod("w-1", {"app": "w"}, "ns-a")]
    objects += [_pod("b-1", {"app": "b"}, "ns-b"), OBJECTS[1]]
    only_ns_b = [{"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "ns-b"}}}]
    deny = _admin(
        "deny-b",
        {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "ns-a"}}},
        [{"name": "no-b", "action": "Deny", "from": only_ns_b}],
    )
    r = reach.from_objects(objects)
    with _never_loaded():
        change = r.apply(deny, by="pod")
    assert {(e.src, e.dst) for e in change.edges} >= {("ns-b/b-1[Pod]", "ns-a/a-1[Pod]")}
    assert _everything(r) == _everything(reach.from_objects([*objects, deny]))
    only_a = copy.deepcopy(deny)
    only_a["spec"]["subject"] = {
        "pods": {
            "namespaceSelector": {},
            "podSelector": {"matchLabels": {"app": "a"}},
        }
    }
    n = r.reachability.n_internal
    with _never_loaded():
        r.apply(only_a)
    assert r.reachability.n_internal == n + 1  # a-1 and w-1 told apart
    assert _everything(r) == _everything(reach.from_objects([*objects, only_a]))
    with _never_loaded():
        r.delete(only_a)  # (it replaced deny-b: no admin policy is left)
    assert r.reachability.n_internal == 1  # one class again
    assert _everything(r) == _everything(reach.from_objects(objects))


@pytest.mark.parametrize("by", ["pod", "workload"])
def test_a_policy_naming_a_label_key_a_joined_key_leaves_out_splits_nothing_in_place(
    by: str,
) -> None:
    """Found by counting the loads of the property test: a-2, a rollout's pod (a new
    ``pod-template-hash``), joins a-1's class by a projection, which leaves that key out.
    An AdminNetworkPolicy selecting ``team: web`` names a key the projections left out,
    so a-2 might answer it otherwise; asked, every key answers it as its class does
    (neither pod has ``team``), nothing splits, and the update loaded. It goes in place
    now, with the keys asked (those found since among the kept label classes)."""
    a_1 = _pod("a-1", {"app": "a", "pod-template-hash": "x1"}, "ns-a")
    a_2 = _pod("a-2", {"app": "a", "pod-template-hash": "x2"}, "ns-a")
    web = _admin(
        "deny-web",
        {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"team": "web"}}}},
        [{"name": "none", "action": "Deny", "from": [{"namespaces": {}}]}],
    )
    objects = [NS_A, NS_B, a_1, _pod("b-1", {"app": "b"}, "ns-b"), OBJECTS[1]]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "apply", a_2, by=by)
    n = r.reachability.n_internal
    objects, _ = stepped_in_place(r, objects, "apply", web, by=by)
    assert r.reachability.n_internal == n  # nothing split
    stepped_in_place(r, objects, "delete", web, by=by)


def test_a_pod_joins_a_class_whose_pods_are_all_of_keys_found_since() -> None:
    """Found by counting the loads of the property test: a-2 (a new ``pod-template-hash``)
    joins a-1's class, then a-1 goes, so that class's compiled label class has no pod.
    a-3's labels project anew (``tier`` is read), and its answers are asked: they are
    the class's, whose Calico answers were read of a compiled label class with pods, and
    there was none, so it loaded. The keys found since join the compiled label classes
    first, and a-2's stands for the class: a-3 joins it in place."""
    a_1 = _pod("a-1", {"app": "a", "pod-template-hash": "x1"}, "ns-a")
    a_2 = _pod("a-2", {"app": "a", "pod-template-hash": "x2"}, "ns-a")
    a_3 = _pod("a-3", {"app": "a", "pod-template-hash": "x2", "tier": "db"}, "ns-a")
    objects = [NS_A, NS_B, a_1, _pod("b-1", {"app": "b"}, "ns-b"), OBJECTS[0]]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "apply", a_2)
    objects, _ = stepped_in_place(r, objects, "delete", a_1)
    n = r.reachability.n_internal
    stepped_in_place(r, objects, "apply", a_3)
    assert r.reachability.n_internal == n  # a-3 joined a-2's class


@pytest.mark.parametrize("emptied, other", [("ns-b", "ns-a"), ("ns-a", "ns-b")])
def test_the_last_pod_of_a_namespace_leaves_its_podless_keys_to_be_forgotten(
    emptied: str, other: str
) -> None:
    """Found by counting the loads of the property test: x-1 (of ``other``) and x-0 (of
    ``emptied``) share a class, and x-0's pod went (its key stays in the class). lone,
    alone in its class (the Calico policy selects it), is the last pod of ``emptied``: its
    class goes, and Calico's plan no longer gives that namespace's pods its ``kns.*``
    Profile, so x-0's key answers it otherwise than x-1's; the Calico steps of the
    renumbering found the class's label classes told apart, and it loaded. Label classes
    with no pod are left aside there (they are known with no class right after:
    ``podupdate._emptied``), and where x-0's is the class's first label class (ns-a sorts
    first), the class is answered for by its least label class with a pod (as a class
    whose first label class is forgotten is): in place, and back."""
    x_0 = _pod("x-0", {"app": "x", "v": "0"}, emptied)
    lone, x_1 = _pod("lone", {"app": "a"}, emptied), _pod("x-1", {"app": "x"}, other)
    objects = [NS_A, NS_B, x_0, lone, x_1, OBJECTS[0]]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "delete", x_0)
    objects, _ = stepped_in_place(r, objects, "delete", lone)
    stepped_in_place(r, objects, "apply", lone)


def test_a_relabel_an_admin_policy_reads_splits_classes_beside_calico_tiers() -> None:
    """An AdminNetworkPolicy whose subjects are the namespaces labelled ``team: x``, beside
    Calico's tiers: ns-a labelled so splits the one class of the two namespaces' pods (the
    admin policy's answers over the relabelled namespace), without loading."""
    by_team = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "by-team"},
        "spec": {
            "priority": 10,
            "subject": {"namespaces": {"matchLabels": {"team": "x"}}},
            "ingress": [{"name": "none", "action": "Deny", "from": [{"namespaces": {}}]}],
        },
    }
    pods = [_pod("a-1", {"app": "web"}, "ns-a"), _pod("b-1", {"app": "web"}, "ns-b")]
    r = reach.from_objects([NS_A, NS_B, *pods, OBJECTS[0], by_team])
    assert r.reachability.n_internal == 1
    team_a = copy.deepcopy(NS_A)
    team_a["metadata"]["labels"] = {"team": "x"}
    with _never_loaded():
        r.apply(team_a)
    assert r.reachability.n_internal == 2
    expected = reach.from_objects([team_a, NS_B, *pods, OBJECTS[0], by_team])
    assert _everything(r) == _everything(expected)


def test_a_class_made_after_hashes_were_made_merges_when_a_policy_goes() -> None:
    """The hashes of the classes' answers are carried through renumbering (a new class's
    made from its answers): ``b`` makes a class after a change made the hashes; when
    ``keep-b`` goes, ``b`` answers as ``a`` does and must merge with it."""
    keep_b = _gnp("keep-b", "app == 'b'", types=["Egress"], egress=[{"action": "Allow"}])
    r = reach.from_objects([*THREE, keep_b])
    keep_p = copy.deepcopy(THREE[5])
    keep_p["spec"]["order"] = 10  # a change: the hashes are made
    with _never_loaded():
        r.apply(keep_p)
    b = _pod("b-1", {"app": "b"}, "ns-a")
    with _never_loaded():
        r.apply(b)
    assert r.reachability.n_internal == 4
    with _never_loaded():
        r.delete(keep_b)
    assert r.reachability.n_internal == 3
    assert _everything(r) == _everything(reach.from_objects([*THREE[:5], keep_p, b]))


def _replayed(start: list[Obj], events: list[tuple[str, Obj]]) -> reach.Reach:
    """``start`` loaded, then each event applied or deleted, each compared with a load of
    the same objects."""
    r = reach.from_objects(start)
    mirror = {key(o): o for o in start}
    for what, obj in events:
        if what == "apply":
            mirror[key(obj)] = obj
            r.apply(obj)
        else:
            del mirror[key(obj)]
            r.delete(obj)
        assert _everything(r) == _everything(reach.from_objects(mirror.values()))
    return r


def test_a_namespace_made_again_with_other_labels_is_read_so_by_calico() -> None:
    """A review found: a namespace with no pods deleted and made again with other labels
    (both in place), then a pod in it: the kept Calico matcher reads its new labels."""
    prod = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-c"}}
    dev = copy.deepcopy(prod)
    prod["metadata"]["labels"], dev["metadata"]["labels"] = {"env": "prod"}, {"env": "dev"}
    deny_prod = _gnp("deny-prod", "all()", namespaceSelector="env == 'prod'", **DENY_IN)
    start = [NS_A, prod, _pod("a-1", {"app": "web"}, "ns-a"), deny_prod]
    with _never_loaded():
        _replayed(
            start,
            [("delete", prod), ("apply", dev), ("apply", _pod("c-1", {"app": "web"}, "ns-c"))],
        )


def test_a_pod_of_a_namespace_added_since_the_load_is_answered_in_place() -> None:
    """A namespace added after the load (in place), then a pod in it: the kept Calico
    matcher knows the namespace (added after its own), so the pod's answers, a
    namespaceSelector's included, are asked of its key without loading."""
    team = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-t"}}
    team["metadata"]["labels"] = {"team": "x"}
    by_team = _gnp("by-team", "all()", namespaceSelector="team == 'x'", **DENY_IN)
    with _never_loaded():
        _replayed(
            [NS_A, _pod("a-1", {"app": "web"}, "ns-a"), by_team],
            [("apply", team), ("apply", _pod("t-1", {"app": "web"}, "ns-t"))],
        )


def test_the_first_pod_a_profile_of_the_input_applies_to_comes_in_place() -> None:
    """A review found: Calico's plan holds a Profile of the input while a workload pod
    carries it (``kns.ns-c`` when ns-c has pods), so the first such pod, and the last,
    change which rules there are. The first comes in place, and the pods after it are
    answered by the Profile's rules (the projections of keys read its rules' selectors:
    without that, b-1 joined a-1's class by a projection that left ``app`` out). The last
    going goes in place too, in steps (``api/carrierupdate.py``: a second review had found
    that in place the classes only the Profile told apart stayed apart)."""
    kns = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "kns.ns-c"},
        "spec": {
            "ingress": [{"action": "Allow", "source": {"selector": "app == 'a'"}}],
            "egress": [{"action": "Allow"}],
        },
    }
    ns_c = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-c"}}
    a, b = _pod("a-1", {"app": "a"}, "ns-c"), _pod("b-1", {"app": "b"}, "ns-c")
    start = [ns_c, NS_B, _pod("w-1", {"app": "web"}, "ns-b"), kns]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", a)
    objects, _ = stepped_in_place(r, objects, "apply", b)
    assert not r.path("ns-c/b-1", "ns-c/a-1").reachable  # the Profile tells b from a
    objects, _ = stepped_in_place(r, objects, "delete", b)
    objects, _ = stepped_in_place(r, objects, "delete", a)  # the last carrier
    assert [d.code for d in r.diagnostics] == ["calico-profile-unused"]
    stepped_in_place(r, objects, "apply", b)


def _sa1_robot() -> tuple[Obj, Obj]:
    """robot, a pod of ns-c running as sa1, and ``ksa.ns-c.sa1``, whose egress rule
    denies 10.1.0.0/16."""
    robot = _pod("robot", {"app": "web"}, "ns-c")
    robot["spec"]["serviceAccountName"] = "sa1"
    deny = {"action": "Deny", "destination": {"nets": ["10.1.0.0/16"]}}
    profile = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.ns-c.sa1"},
        "spec": {"egress": [deny, {"action": "Allow"}]},
    }
    return robot, profile


@pytest.mark.parametrize("by", ["pod", "workload", "namespace"])
def test_the_last_pod_carrying_a_profile_that_names_nets_goes_in_place(by: str) -> None:
    """Found by review: robot, the one pod of account sa1, carries ``ksa.ns-c.sa1``, whose
    egress rule denies 10.1.0.0/16: robot deleted in place left the addresses cut there
    (three external nodes where a load has one), so it loaded. It goes in place now, in
    steps (``api/carrierupdate.py``): the Profile's rules out, the pod out, the rules
    back; the addresses are cut as a load cuts them, and the change is ``reach diff``'s."""
    robot, profile = _sa1_robot()
    ns_c = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-c"}}
    start = [ns_c, _pod("api", {"app": "api"}, "ns-c"), robot, profile, THREE[4]]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "delete", robot, by=by)
    after = reach.from_objects(objects)
    assert [n.id for n in r.view("pod").nodes] == [n.id for n in after.view("pod").nodes]
    stepped_in_place(r, objects, "apply", robot, by=by)  # the first carrier: cuts again


@pytest.mark.parametrize("by", ["pod", "workload", "namespace"])
def test_the_first_carrier_of_a_profile_whose_rules_tell_classes_apart(by: str) -> None:
    """Found by counting the loads of the property test: x-1 and y-1 differ in ``role``
    alone, which no rule in Calico's plan reads, so they share a class. robot, the first
    pod running as robot, brings ``ksa.ns-a.robot``'s rules into the plan, whose source
    selector reads ``role``: the classes split, which the pod's own step does not do, and
    it loaded. It goes in steps now, as a Profile changed (the pod with the Profile bare,
    then its rules in: ``api/carrierupdate.py``), and back out likewise."""
    robot = _pod("robot", {"app": "r"}, "ns-a")
    robot["spec"]["serviceAccountName"] = "robot"
    profile = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "ksa.ns-a.robot"},
        "spec": {"ingress": [{"action": "Allow", "source": {"selector": "role == 'x'"}}]},
    }
    x_1, y_1 = _pod("x-1", {"app": "a", "role": "x"}, "ns-a"), _pod("y-1", {"app": "a"}, "ns-a")
    objects = [NS_A, NS_B, x_1, y_1, _pod("b-1", {"app": "b"}, "ns-b"), OBJECTS[0], profile]
    r = reach.from_objects(objects)
    n = r.reachability.n_internal
    objects, _ = stepped_in_place(r, objects, "apply", robot, by=by)
    assert r.reachability.n_internal == n + 2  # robot's class, and x-1 apart from y-1
    stepped_in_place(r, objects, "delete", robot, by=by)
    assert r.reachability.n_internal == n


@pytest.mark.parametrize("by", ["pod", "workload"])
def test_a_pod_moved_from_the_last_carrier_of_a_profile_to_the_first_of_another(by: str) -> None:
    """robot, the one pod running as sa1 (``ksa.ns-c.sa1``, which denies 10.1.0.0/16),
    is replaced by one running as sa2 (``ksa.ns-c.sa2``, which denies 10.2.0.0/16): one
    Profile's last carrier goes and another's first comes, naming nets the plan did not.
    In place (the first Profile's rules out, the pod, which then cuts the frame for the
    second's, the rules back), and back again; each a load's state, ``reach diff``'s
    change."""

    def profile(account: str, nets: str) -> Obj:
        deny = {"action": "Deny", "destination": {"nets": [nets]}}
        return {
            "apiVersion": CALICO,
            "kind": "Profile",
            "metadata": {"name": f"ksa.ns-c.{account}"},
            "spec": {"egress": [deny, {"action": "Allow"}]},
        }

    def robot(account: str) -> Obj:
        pod = _pod("robot", {"app": "web"}, "ns-c")
        pod["spec"]["serviceAccountName"] = account
        return pod

    ns_c = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-c"}}
    start = [ns_c, _pod("api", {"app": "api"}, "ns-c"), robot("sa1"), THREE[4]]
    start += [profile("sa1", "10.1.0.0/16"), profile("sa2", "10.2.0.0/16")]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", robot("sa2"), by=by)
    after = reach.from_objects(objects)
    assert [n.id for n in r.view("pod").nodes] == [n.id for n in after.view("pod").nodes]
    objects, _ = stepped_in_place(r, objects, "apply", robot("sa1"), by=by)
    after = reach.from_objects(objects)
    assert [n.id for n in r.view("pod").nodes] == [n.id for n in after.view("pod").nodes]


@pytest.mark.parametrize("by", ["pod", "workload", "namespace"])
def test_the_last_carrier_of_a_profile_that_is_the_last_object_of_its_namespace(by: str) -> None:
    """Found by counting the loads of the property test: robot runs as sa1 and carries
    ``ksa.ns-c.sa1`` (which denies 10.1.0.0/16), and it is the one object of ns-c, which
    no Namespace object declares. Its delete took the Profile's steps
    (``api/carrierupdate.py``), whose pod step deleted the namespace already; the
    namespace step after them found nothing to delete, and the update loaded. The pod
    step inside the Profile's steps leaves the namespace now, and the update goes in
    place, a load's state with ``reach diff``'s change (and the first carrier back)."""
    robot, profile = _sa1_robot()
    start = [NS_B, _pod("w-1", {"app": "web"}, "ns-b"), robot, profile]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "delete", robot, by=by)
    assert "ns-c" not in r.cluster.namespaces
    stepped_in_place(r, objects, "apply", robot, by=by)
    assert "ns-c" in r.cluster.namespaces


def test_scaling_to_no_pod_and_back_after_hashes_were_made() -> None:
    """A review found: once the hashes of the classes' answers are made, the last pod
    going leaves no class, and the next pod's class is made without an index error."""
    keep, deny = _gnp("keep", "app == 'q'", **DENY_IN), _gnp("deny-a", "app == 'a'", **DENY_IN)
    a = _pod("a-1", {"app": "a"}, "ns-a")
    with _never_loaded():
        _replayed([NS_A, a, keep, deny], [("delete", deny), ("delete", a), ("apply", a)])


def test_a_calico_policy_reading_labels_a_joined_key_was_projected_splits_its_class() -> None:
    """A pod that joined its class by the labels selectors read then: a policy reading a
    label they did not (which it answers otherwise) splits the class, the key found since
    joining the kept label classes to be asked; no load."""
    objects = [NS, _pod("web-1", {"app": "web"}), _pod("a-1", {"app": "a"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    rolled = _pod("web-2", {"app": "web", "pod-template-hash": "b2"})
    with _never_loaded():
        r.apply(rolled)
    by_hash = _gnp("by-hash", "pod-template-hash == 'b2'", **DENY_IN)
    assert r.reachability.n_internal == 2
    with _never_loaded():
        r.apply(by_hash)
    assert r.reachability.n_internal == 3
    assert _everything(r) == _everything(reach.from_objects([*objects, rolled, by_hash]))


def _gnp(name: str, selector: str, **spec: Any) -> Obj:
    return {
        "apiVersion": CALICO,
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"selector": selector, **spec},
    }


def _p_from_block(name: str, cidr: str) -> Obj:
    """A NetworkPolicy of ns-a admitting p's ingress from the addresses of ``cidr``."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "ns-a"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "p"}},
            "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}]}],
        },
    }


#: Pods of three apps in one namespace, and policies that tell ``o`` and ``p`` apart from
#: the rest (so that a policy selecting either splits no class and, gone, merges none).
THREE = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}},
    _pod("a-1", {"app": "a"}, "ns-a"),
    _pod("o-1", {"app": "o"}, "ns-a"),
    _pod("p-1", {"app": "p"}, "ns-a"),
    _gnp("keep-o", "app == 'o'", types=["Egress"], egress=[{"action": "Allow"}]),
    _gnp("keep-p", "app == 'p'", types=["Egress"], egress=[{"action": "Deny"}]),
]
DENY_IN = {"types": ["Ingress"], "ingress": [{"action": "Deny"}]}


def test_a_calico_policy_added_then_deleted_closes_then_opens_without_loading() -> None:
    deny = _gnp("deny-o", "app == 'o'", **DENY_IN)
    r = reach.from_objects(THREE)
    with _never_loaded():
        closed = r.apply(deny, by="pod")
    assert {e.dst for e in closed.edges} == {"ns-a/o-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*THREE, deny]))
    with _never_loaded():
        opened = r.delete(deny, by="pod")
    assert {e.dst for e in opened.edges} == {"ns-a/o-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects(THREE))


def _network_set(name: str, nets: list[str], labels: dict[str, str], ns: str = "") -> Obj:
    meta: Obj = {"name": name, "labels": labels}
    if ns:
        meta["namespace"] = ns
    kind = "NetworkSet" if ns else "GlobalNetworkSet"
    return {"apiVersion": CALICO, "kind": kind, "metadata": meta, "spec": {"nets": nets}}


def test_a_network_set_changed_beside_calico_tiers_computes_its_rules_again() -> None:
    """A policy denies o the network sets labelled ``role == 'partner'``: a set added (its
    nets cut the segments anew), its nets changed, its label taken off, a namespaced set
    added, each deleted; the rows of the classes whose rules' peers changed are computed
    again, and the views' set nodes made again."""
    to_partners = _gnp(
        "o-to-partners",
        "app == 'o'",
        order=1,
        types=["Egress"],
        egress=[{"action": "Deny", "destination": {"selector": "role == 'partner'"}}],
    )
    partner = _network_set("partner", ["198.51.100.0/24"], {"role": "partner"})
    moved = _network_set("partner", ["203.0.113.0/24", "10.0.0.0/8"], {"role": "partner"})
    unlabelled = _network_set("partner", ["203.0.113.0/24"], {})
    local = _network_set("local", ["192.0.2.0/25"], {"role": "partner"}, ns="ns-a")
    objects = [*THREE, to_partners]
    r = reach.from_objects(objects)
    steps = [partner, moved, unlabelled, moved, local, ("delete", local), ("delete", moved)]
    for step in steps:  # each changes connections: a range moves into or out of a set
        what, obj = step if isinstance(step, tuple) else ("apply", step)
        objects, change = stepped_in_place(r, objects, what, obj)
        assert change.edges


def test_a_network_set_change_recounts_the_watch_tally_as_a_fresh_count() -> None:
    """A set holding ranges that were External nodes changes the pairs of every node with
    them: the nodes the update names are every node, so that ``reach watch`` counts its
    pairs and internet-exposed nodes again as a fresh count does."""
    partners = _network_set("partners", ["0.0.0.0/1", "10.0.0.0/8"], {"role": "partner"})
    tally_in_place(THREE, partners)  # the set added
    moved = {**partners, "spec": {"nets": ["192.0.2.0/24"]}}
    tally_in_place([*THREE, partners], moved)  # its nets moved off the External ranges


def test_policies_with_new_port_bounds_beside_calico_tiers_cut_the_atoms_in_place() -> None:
    """A Calico policy denying o's ingress on 6000-6100/TCP and a NetworkPolicy admitting
    p's on 53/UDP: ports no rule named cut the atoms again, without loading."""
    deny = _gnp(
        "deny-o-ports",
        "app == 'o'",
        types=["Ingress"],
        ingress=[{"action": "Deny", "protocol": "TCP", "destination": {"ports": ["6000:6100"]}}],
    )
    dns = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p-dns", "namespace": "ns-a"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "p"}},
            "ingress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
        },
    }
    r = reach.from_objects(THREE)
    atoms = len(r.reachability.atoms.atoms)
    with _never_loaded():
        change = r.apply(deny, by="pod")
    assert {e.dst for e in change.edges} == {"ns-a/o-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*THREE, deny]))
    with _never_loaded():
        r.apply(dns)
    assert len(r.reachability.atoms.atoms) > atoms
    assert _everything(r) == _everything(reach.from_objects([*THREE, deny, dns]))


def test_policies_with_new_address_bounds_beside_calico_tiers_cut_the_segments() -> None:
    """A Calico policy denying o's egress to nets (and notNets) no rule named, then a
    NetworkPolicy admitting p's ingress from an ipBlock: the segments are cut again in
    place (the kept Calico matcher over the new segments), and coarser when they go."""
    deny = _gnp(
        "deny-o-nets",
        "app == 'o'",
        types=["Egress"],
        egress=[
            {"action": "Deny", "destination": {"nets": ["198.51.100.0/24"]}},
            {"action": "Allow", "destination": {"notNets": ["203.0.113.0/25"]}},
        ],
    )
    office = _p_from_block("p-office", "192.0.2.0/24")
    r = reach.from_objects(THREE)
    segments = list(r.reachability.segments)
    steps = [("apply", deny), ("apply", office), ("delete", deny), ("delete", office)]
    objects = list(THREE)
    for what, obj in steps:
        objects = stepped_in_place(r, objects, what, obj)[0]
        assert r.reachability.segments == reach.from_objects(objects).reachability.segments
    assert r.reachability.segments == segments


def test_a_calico_policy_moved_to_other_pods_computes_both_again() -> None:
    """The classes it selected before and those it selects now: both sides change."""
    deny = _gnp("deny", "app == 'o'", **DENY_IN)
    moved = _gnp("deny", "app == 'p'", **DENY_IN)
    r = reach.from_objects([*THREE, deny])
    with _never_loaded():
        change = r.apply(moved, by="pod")
    assert {e.dst for e in change.edges} == {"ns-a/o-1[Pod]", "ns-a/p-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*THREE, moved]))


def test_a_calico_policy_that_splits_a_class_and_merges_it_again_does_not_load() -> None:
    """``a`` and ``b`` are one class until a policy selects ``a`` alone: the class is
    split first (the parts allow what it did), then the policy goes in; its deletion
    merges them again. The changes are those of ``reach diff``."""
    objects = [*THREE, _pod("b-1", {"app": "b"}, "ns-a")]
    r = reach.from_objects(objects)
    deny_a = _gnp("deny-a", "app == 'a'", **DENY_IN)
    n = r.reachability.n_internal
    with _never_loaded():
        change = r.apply(deny_a, by="pod")
    assert r.reachability.n_internal == n + 1
    assert _everything(r) == _everything(reach.from_objects([*objects, deny_a]))
    expected = reach.diff(
        reach.from_objects(objects),
        reach.from_objects([*objects, deny_a]),
        by="pod",
        old_label="before",
        new_label="after",
    )
    assert change.edges and str(change) == str(expected)
    with _never_loaded():
        r.delete(deny_a)
    assert r.reachability.n_internal == n
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_network_policy_that_splits_a_class_beside_calico_tiers_does_not_load() -> None:
    objects = [*THREE, _pod("b-1", {"app": "b"}, "ns-a")]
    r = reach.from_objects(objects)
    n = r.reachability.n_internal
    deny_b = _np("deny-b", {"matchLabels": {"app": "b"}}, policyTypes=["Ingress"])
    with _never_loaded():
        r.apply(deny_b)
    assert r.reachability.n_internal == n + 1
    assert _everything(r) == _everything(reach.from_objects([*objects, deny_b]))
    with _never_loaded():
        r.delete(deny_b)
    assert r.reachability.n_internal == n
    assert _everything(r) == _everything(reach.from_objects(objects))


def _np(name: str, selector: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "ns-a"},
        "spec": {"podSelector": selector, **spec},
    }


def test_a_network_policy_beside_calico_tiers_changes_in_place() -> None:
    """A Kubernetes NetworkPolicy sits in Calico's default tier: added, moved to other
    pods and deleted without loading, each equal to a load."""
    deny = _np("deny-o", {"matchLabels": {"app": "o"}}, policyTypes=["Ingress"])
    moved = _np("deny-o", {"matchLabels": {"app": "p"}}, policyTypes=["Ingress"])
    r = reach.from_objects(THREE)
    with _never_loaded():
        closed = r.apply(deny, by="pod")
    assert {e.dst for e in closed.edges} == {"ns-a/o-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([*THREE, deny]))
    with _never_loaded():
        r.apply(moved, by="pod")
    assert _everything(r) == _everything(reach.from_objects([*THREE, moved]))
    assert _tiers(r) == _tiers(reach.from_objects([*THREE, moved]))
    with _never_loaded():
        r.delete(moved, by="pod")
    assert _everything(r) == _everything(reach.from_objects(THREE))


def test_projections_made_after_a_calico_policy_read_its_selectors() -> None:
    """A policy that reads ``team`` (no pod has it: nothing splits), then the first pod of
    new labels: its projection reads ``team``, so a pod of ``team: x`` is not taken for
    one of its app's class."""
    objects = [NS, _pod("web-1", {"app": "web"}), _pod("a-1", {"app": "a"}), OBJECTS[0]]
    r = reach.from_objects(objects)
    by_team = _gnp("by-team", "team == 'x'", **DENY_IN)
    with _never_loaded():
        r.apply(by_team)
    teamed = _pod("web-3", {"app": "web", "team": "x"})
    r.apply(teamed)
    assert _everything(r) == _everything(reach.from_objects([*objects, by_team, teamed]))


def test_a_namespace_added_and_deleted_beside_calico_tiers_does_not_load() -> None:
    """A namespace with no pod holds no label class: nothing Calico answers changes (the
    Calico matcher numbers the namespaces again: a policy by namespace after it reads the
    new numbering)."""
    extra = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "aaa"}}
    by_namespace = _gnp(
        "deny-in-ns-a", "app == 'o'", namespaceSelector="projectcalico.org/name == 'ns-a'"
    )
    by_namespace["spec"].update(DENY_IN)
    r = reach.from_objects(THREE)
    with _never_loaded():
        r.apply(extra)
    assert _everything(r) == _everything(reach.from_objects([*THREE, extra]))
    with _never_loaded():
        r.apply(by_namespace)
    assert _everything(r) == _everything(reach.from_objects([*THREE, extra, by_namespace]))
    with _never_loaded():
        r.delete(extra)
    assert _everything(r) == _everything(reach.from_objects([*THREE, by_namespace]))


def test_a_namespace_relabelled_beside_calico_tiers_does_not_load() -> None:
    """Policies that select by the namespace's labels: a GlobalNetworkPolicy without
    rules (its tier's default denies what it selects), one whose rule's source does, and a
    NetworkPolicy whose peer does; relabelled, their subjects and peers are asked again,
    without loading."""
    by_env = _gnp(
        "deny-o-in-prod", "app == 'o'", namespaceSelector="env == 'prod'", types=["Ingress"]
    )
    from_prod = _gnp(
        "a-not-from-prod",
        "app == 'a'",
        types=["Ingress"],
        ingress=[
            {"action": "Deny", "source": {"namespaceSelector": "env == 'prod'"}},
            {"action": "Allow"},
        ],
    )
    p_from_prod = _np(
        "p-from-prod",
        {"matchLabels": {"app": "p"}},
        ingress=[{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}]}],
    )
    objects = [*THREE, by_env, from_prod, p_from_prod]
    r = reach.from_objects(objects)
    prod = {**THREE[0], "metadata": {"name": "ns-a", "labels": {"env": "prod"}}}
    with _never_loaded():
        change = r.apply(prod, by="pod")
    assert {e.dst for e in change.edges} == {"ns-a/o-1[Pod]", "ns-a/p-1[Pod]", "ns-a/a-1[Pod]"}
    assert _everything(r) == _everything(reach.from_objects([prod, *objects[1:]]))
    assert _tiers(r) == _tiers(reach.from_objects([prod, *objects[1:]]))
    with _never_loaded():
        r.apply(THREE[0], by="pod")
    assert _everything(r) == _everything(reach.from_objects(objects))


def _service(name: str, app: str, ns: str = "ns-a") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]},
    }


def test_a_service_beside_calico_tiers_is_read_in_place_named_or_not() -> None:
    """No Calico rule names Services: a Service comes and goes in place; a policy that
    then names it reads it (the Calico matcher is made again with the new Services); with
    such a rule in the input, another Service still comes in place, and the one it names,
    changed, has the policy taken out and put back in, in place too."""
    svc = _service("svc-o", "o")
    port_80 = {"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}}
    base = [*THREE, _gnp("o-80", "app == 'o'", types=["Egress"], egress=[port_80])]
    r = reach.from_objects(base)  # (port 80 is cut already: the Service's port cuts none)
    with _never_loaded():
        r.apply(svc)
    assert _everything(r) == _everything(reach.from_objects([*base, svc]))
    to_svc = _gnp(
        "a-not-to-svc-o",
        "app == 'a'",
        types=["Egress"],
        egress=[
            {"action": "Deny", "destination": {"services": {"name": "svc-o", "namespace": "ns-a"}}},
            {"action": "Allow"},
        ],
    )
    with _never_loaded():
        r.apply(to_svc, by="pod")
    assert _everything(r) == _everything(reach.from_objects([*base, svc, to_svc]))
    other = _service("svc-p", "p")
    with _never_loaded():
        r.apply(other)
    assert _everything(r) == _everything(reach.from_objects([*base, svc, to_svc, other]))
    objects = [*base, svc, to_svc, other]
    objects, change = stepped_in_place(r, objects, "apply", _service("svc-o", "p"))
    assert change.edges  # the named Service selects p now: a may reach o, not p
    stepped_in_place(r, objects, "delete", _service("svc-o", "p"))


@pytest.mark.parametrize("by", ["pod", "workload"])
def test_a_service_a_calico_profile_names_has_its_rules_taken_again_in_place(by: str) -> None:
    """ns-a's Profile denies egress to the Service svc-o: the Service changed (it selects p
    now), added and deleted has the Profile's rules taken out and put back in place, where
    it loaded; and so it does with a Calico policy naming it too (the Profile's rules out
    first, then the policy, and back the other way round), where it loaded until the
    fifteenth session."""
    to_svc = {"services": {"name": "svc-o", "namespace": "ns-a"}}
    profile = {
        "apiVersion": CALICO,
        "kind": "Profile",
        "metadata": {"name": "kns.ns-a"},
        "spec": {
            "ingress": [{"action": "Allow"}],
            "egress": [{"action": "Deny", "destination": to_svc}, {"action": "Allow"}],
        },
    }
    start = [*THREE[:4], profile, _service("svc-o", "o")]
    r = reach.from_objects(start)
    objects, change = stepped_in_place(r, start, "apply", _service("svc-o", "p"), by=by)
    assert change.edges  # a may reach o now, and not p
    objects, change = stepped_in_place(r, objects, "delete", _service("svc-o", "p"), by=by)
    assert change.edges
    objects, change = stepped_in_place(r, objects, "apply", _service("svc-o", "a"), by=by)
    assert change.edges  # no pod reaches a on port 80 any more
    p_not_to_svc = _gnp(
        "p-not-to-svc-o",
        "app == 'p'",
        types=["Egress"],
        egress=[{"action": "Deny", "destination": to_svc}, {"action": "Allow"}],
    )
    objects, _ = stepped_in_place(r, objects, "apply", p_not_to_svc, by=by)
    objects, change = stepped_in_place(r, objects, "apply", _service("svc-o", "o"), by=by)
    assert change.edges  # both name it: p reaches a again, and neither a nor p reaches o
    objects, change = stepped_in_place(r, objects, "delete", _service("svc-o", "o"), by=by)
    assert change.edges


def test_a_network_policy_with_its_calico_copy_in_the_input_loads() -> None:
    """A load evaluates the original once and leaves Calico's copy (``knp.default.x``)
    out while the original is there: applying or deleting the original loads."""
    deny = _np("deny-o", {"matchLabels": {"app": "o"}}, policyTypes=["Ingress"])
    copied = {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": "knp.default.deny-o", "namespace": "ns-a"},
        "spec": {"selector": "app == 'o'", "types": ["Ingress"], "order": 1000},
    }
    r = reach.from_objects([*THREE, copied])
    with _never_loaded(), pytest.raises(AssertionError, match="load"):
        r.apply(deny)
    r.apply(deny)
    assert _everything(r) == _everything(reach.from_objects([*THREE, copied, deny]))
    r.delete(deny)
    assert _everything(r) == _everything(reach.from_objects([*THREE, copied]))


def test_classes_a_calico_policy_told_apart_merge_when_it_goes_after_hashes_were_made() -> None:
    """``a`` and ``b`` are one class until a policy selects ``a``; a later change makes
    the hashes of the classes' answers, which the policy's deletion carries: ``a`` and
    ``b`` answer alike again, which must be found (and they are merged in place)."""
    objects = [*THREE, _pod("b-1", {"app": "b"}, "ns-a")]
    deny_a = _gnp("deny-a", "app == 'a'", **DENY_IN)
    r = reach.from_objects([*objects, deny_a])
    keep_o = copy.deepcopy(THREE[4])
    keep_o["spec"]["order"] = 10  # a change: the hashes are made
    with _never_loaded():
        r.apply(keep_o)
    mirror = [*objects[:4], keep_o, *objects[5:], deny_a]
    assert _everything(r) == _everything(reach.from_objects(mirror))
    n = r.reachability.n_internal
    with _never_loaded():
        r.delete(deny_a)
    assert r.reachability.n_internal == n - 1
    assert _everything(r) == _everything(reach.from_objects(mirror[:-1]))


#: Pods resolving ``sql`` and ``http`` otherwise (``NAMED_START``) beside Calico's tiers.
NAMED_BESIDE = [*NAMED_START, _gnp("deny-cache", "app == 'cache'", **DENY_IN)]
CALICO_SQL = _gnp(
    "db-sql",
    "app == 'db'",
    types=["Ingress"],
    ingress=[
        {"action": "Allow", "protocol": "TCP", "destination": {"ports": ["sql"]}},
        {"action": "Deny"},
    ],
)


def test_a_networkpolicy_naming_a_port_no_rule_named_beside_calico_splits_in_place() -> None:
    """Beside Calico's tiers, a NetworkPolicy naming ``sql`` (5432 on one db replica, 6543
    on the other) tells the two apart and cuts the atoms at both, without loading; gone,
    the classes it alone told apart are one again."""
    r = reach.from_objects(NAMED_BESIDE)
    n = r.reachability.n_internal
    policy = _named_policy("db-sql", "db", "sql")
    objects, change = stepped_in_place(r, NAMED_BESIDE, "apply", policy)
    assert r.reachability.n_internal > n
    assert "5432" in str(change) and "6543" in str(change)
    stepped_in_place(r, objects, "delete", policy)
    assert r.reachability.n_internal == n


@pytest.mark.parametrize("by", BY)
def test_a_calico_rule_naming_port_names_no_rule_named_comes_and_goes_in_place(by: str) -> None:
    """A Calico rule naming ``sql``, replaced by one naming ``http`` (one name comes, one
    goes in one update), a pod of new labels that resolves ``http`` as a class does, and
    the last rule naming a name deleted: each step without loading, a load's state and
    ``reach diff`` of the loads."""
    r = reach.from_objects(NAMED_BESIDE)
    n = r.reachability.n_internal
    objects, change = stepped_in_place(r, NAMED_BESIDE, "apply", CALICO_SQL, by=by)
    assert r.reachability.n_internal > n
    http = copy.deepcopy(CALICO_SQL)
    http["spec"]["ingress"][0]["destination"]["ports"] = ["http"]
    objects, _ = stepped_in_place(r, objects, "apply", http, by=by)
    pod = _ported(_pod("db-3", {"app": "db", "tier": "x"}), sql=6543)
    objects, _ = stepped_in_place(r, objects, "apply", pod, by=by)
    split = r.reachability.n_internal
    objects, _ = stepped_in_place(r, objects, "delete", http, by=by)
    assert r.reachability.n_internal < split  # the classes http alone told apart merged
    assert r.reachability.n_internal == reach.from_objects(objects).reachability.n_internal


@pytest.mark.parametrize("by", BY)
def test_a_tier_added_moved_given_pass_and_deleted_takes_the_quick_way(by: str) -> None:
    """o is denied from a in tier security (which no Tier object declares: placed last,
    after the default tier, whose allow-o admits everyone) and admitted by allow-o. The
    Tier object (order 50) puts security first: a's way to o closes, and so do the others,
    which security's default Deny now meets first; order 5000 is still before the default
    tier's 1,000,000: nothing changes; default action Pass opens the others again;
    deleted, security is last again. Each step without loading, a load's state and
    ``reach diff`` of the loads."""
    deny_o = _gnp(
        "security.deny-o",
        "app == 'o'",
        tier="security",
        types=["Ingress"],
        ingress=[{"action": "Deny", "source": {"selector": "app == 'a'"}}],
    )
    allow_o = _gnp(
        "allow-o", "app == 'o'", order=10, types=["Ingress"], ingress=[{"action": "Allow"}]
    )
    start = [*THREE, allow_o, deny_o]
    r = reach.from_objects(start)
    pods = by != "namespace"  # by namespace the pods are one node with others
    objects, change = stepped_in_place(r, start, "apply", SECURITY, by=by)
    assert not pods or change.edges and all(e.change == "removed" for e in change.edges)
    later = copy.deepcopy(SECURITY)
    later["spec"]["order"] = 5000
    objects, change = stepped_in_place(r, objects, "apply", later, by=by)
    assert not change.edges
    passing = copy.deepcopy(later)
    passing["spec"]["defaultAction"] = "Pass"
    objects, change = stepped_in_place(r, objects, "apply", passing, by=by)
    assert not pods or change.edges and all(e.change == "added" for e in change.edges)
    objects, change = stepped_in_place(r, objects, "delete", passing, by=by)
    assert not pods or change.edges


@pytest.mark.parametrize("by", BY)
def test_the_first_and_last_ipv6_blocks_beside_calico_tiers_take_the_quick_way(by: str) -> None:
    """A NetworkPolicy admitting p from an IPv6 block, then a Calico policy denying o's
    egress to IPv6 nets: the first IPv6 block shows the IPv6 ranges (the segments cover
    both families either way), without loading; each deleted in turn, the last takes them
    out of the views again. Each step a load's state and ``reach diff`` of the loads."""
    v6 = _p_from_block("v6", "fd00::/64")
    deny = _gnp(
        "deny-v6",
        "app == 'o'",
        types=["Egress"],
        egress=[
            {"action": "Deny", "destination": {"nets": ["2001:db8::/32"]}},
            {"action": "Allow"},
        ],
    )
    r = reach.from_objects(THREE)
    assert not r.reachability.ipv6
    objects, _ = stepped_in_place(r, THREE, "apply", v6, by=by)
    assert r.reachability.ipv6
    objects, _ = stepped_in_place(r, objects, "apply", deny, by=by)
    objects, _ = stepped_in_place(r, objects, "delete", v6, by=by)
    assert r.reachability.ipv6
    stepped_in_place(r, objects, "delete", deny, by=by)
    assert not r.reachability.ipv6


@pytest.mark.parametrize("by", BY)
def test_a_network_set_bringing_the_first_ipv6_net_or_taking_the_last_goes_in_place(
    by: str,
) -> None:
    """Found by the property test: a network set whose nets go from IPv6 to IPv4 (the last
    IPv6 address of the input) hides the IPv6 ranges; ``reach diff`` shows them on both
    sides, and the ranges the state after shows were not read (every pair with them
    counted removed). It loaded until the thirteenth session; now each step, the first
    IPv6 net, the last going and the first again, goes in place, equal to a load and its
    change to ``reach diff`` of the loads."""
    start = [*THREE]
    v6_set = _network_set("set-1", ["2001:db8::/32"], {}, "ns-a")
    v4_set = _network_set("set-1", ["0.0.0.0/0"], {}, "ns-a")
    r = reach.from_objects(start)
    objects = start
    for obj, shown in ((v6_set, True), (v4_set, False), (v6_set, True)):
        objects, _ = stepped_in_place(r, objects, "apply", obj, by=by)
        assert r.reachability.ipv6 == shown


@pytest.mark.parametrize("by", BY)
def test_a_networkpolicy_bringing_its_namespace_beside_calico_steps_in_place(by: str) -> None:
    """A NetworkPolicy in a namespace of no Namespace object and nothing else (a load makes
    the namespace from it), beside Calico's tiers: the namespace added, then the policy in
    the default tier, without loading; deleted, the policy out, then the namespace."""
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "lonely", "namespace": "ns-new"},
        "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]},
    }
    r = reach.from_objects(THREE)
    objects, _ = stepped_in_place(r, THREE, "apply", policy, by=by)
    assert "ns-new" in r.cluster.namespaces
    stepped_in_place(r, objects, "delete", policy, by=by)
    assert "ns-new" not in r.cluster.namespaces


def _calico_np(name: str, ns: str, selector: str, **spec: Any) -> Obj:
    return {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": selector, **spec},
    }


@pytest.mark.parametrize("by", BY)
def test_a_calico_networkpolicy_bringing_its_namespace_steps_in_place(by: str) -> None:
    """A Calico NetworkPolicy in a namespace of no Namespace object and nothing else (a
    load makes the namespace from it): the namespace added, then the policy in, without
    loading; deleted, the policy out, then the namespace."""
    policy = _calico_np("lonely", "ns-new", "all()", **DENY_IN)
    r = reach.from_objects(THREE)
    objects, _ = stepped_in_place(r, THREE, "apply", policy, by=by)
    assert "ns-new" in r.cluster.namespaces
    stepped_in_place(r, objects, "delete", policy, by=by)
    assert "ns-new" not in r.cluster.namespaces


def test_a_calico_networkpolicy_in_a_namespace_its_pods_make_changes_in_place() -> None:
    """ns-a has no Namespace object (its pods make it): a Calico NetworkPolicy there is
    added, changed and deleted in place."""
    start = THREE[1:]
    policy = _calico_np("deny-o", "ns-a", "app == 'o'", **DENY_IN)
    r = reach.from_objects(start)
    objects, change = stepped_in_place(r, start, "apply", policy)
    assert change.edges  # o is isolated now
    policy = _calico_np("deny-o", "ns-a", "app == 'p'", **DENY_IN)
    objects, _ = stepped_in_place(r, objects, "apply", policy)
    objects, _ = stepped_in_place(r, objects, "delete", policy)
    assert "ns-a" in r.cluster.namespaces


@pytest.mark.parametrize("by", ["pod", "workload", "namespace"])
def test_a_network_set_bringing_its_namespace_or_taking_it_goes_in_steps(by: str) -> None:
    """ns-far has no Namespace object and nothing else in it: a network set there brings
    it (the namespace added, then the set in) and takes it away (the set out, then the
    namespace deleted), in place where it loaded; a policy picks the set (its nets are
    its own node, and cut the addresses)."""
    deny = {"action": "Deny", "destination": {"selector": "role == 'partner'"}}
    to_far = _gnp("to-far", "app == 'o'", order=1, types=["Egress"], egress=[deny])
    start = [*THREE, to_far]
    far = _network_set("far", ["192.0.2.0/24"], {"role": "partner"}, "ns-far")
    r = reach.from_objects(start)
    objects, change = stepped_in_place(r, start, "apply", far, by=by)
    assert "ns-far" in r.cluster.namespaces
    assert change.edges
    objects, _ = stepped_in_place(r, objects, "delete", far, by=by)
    assert "ns-far" not in r.cluster.namespaces


def test_a_tier_named_profiles_holds_no_profile_rules() -> None:
    """Found by review: a Tier of the input named ``profiles`` took in the profile rules
    (looked up by that name), so that a pod no policy selects lost the allow-all of its
    namespace's generated Profile in a load. An empty tier decides nothing: the load
    and the quick way leave every connection as it was."""
    start = [*THREE[:4], _gnp("deny-x", "app == 'x'", **DENY_IN)]
    tier = {**SECURITY, "metadata": {"name": "profiles"}, "spec": {"order": 1}}
    before = reach.from_objects(start)
    assert not reach.diff(before, reach.from_objects([*start, tier]), by="pod").edges
    r = reach.from_objects(start)
    stepped_in_place(r, start, "apply", tier)


def test_a_profile_reaches_every_class_holding_its_namespace_pods() -> None:
    """Found by the property test in CI: p-0 (ns-b) and p-1 (ns-a) answer alike once
    ns-b's Profile with rules is gone, and share a class whose first label class is
    p-1's; p-1 deleted, an empty Profile of ns-b (no rule: what reaches the profiles is
    denied, where Calico's generated one allows) must compute that class's rows again:
    the profile is looked for on every label class of a class, not on its first."""

    def pod(name: str, ns: str) -> Obj:
        return _pod(name, {"app": "a", "tier": "web"}, ns)

    spaces = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in ("ns-a", "ns-b")
    ]
    denying = copy.deepcopy(OBJECTS[3])  # kns.ns-b: ingress Deny, egress Allow
    start = [*spaces, pod("p-0", "ns-b"), pod("p-1", "ns-a"), OBJECTS[0], denying]
    events = [
        ("delete", denying, "pod"),
        ("delete", pod("p-1", "ns-a"), "pod"),
        ("apply", {**denying, "spec": {}}, "pod"),
    ]
    each_update_equals_a_load(start, events)


def _profile(name: str, **spec: Any) -> Obj:
    return {"apiVersion": CALICO, "kind": "Profile", "metadata": {"name": name}, "spec": spec}


def test_classes_a_deleted_profile_told_apart_merge_after_a_class_was_made() -> None:
    """Found by review: a pod of dev (no Profile of its namespace) brings Calico's default
    ``kns.*`` rules, whose peers hold api's class too; the class made carried api's hash of
    before without them, so when ``kns.shop`` (which told the two apart) went they did not
    merge: two classes of equal rows where a load has one. The hashes of the classes kept
    now take in the columns that came or went (``calicohash.hashes_renumbered``)."""
    zone_deny = {"action": "Deny", "destination": {"selector": "has(zone)"}}
    services = {"services": {"name": "s0", "namespace": "edge"}}
    k0 = _gnp("k0", "app == 'web'", types=["Egress"], egress=[zone_deny])
    k2 = _gnp(
        "k2",
        "app == 'api'",
        types=["Ingress"],
        ingress=[{"action": "Deny", "destination": services}],
    )
    profile = _profile("kns.shop", egress=[zone_deny])
    dev = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    api = _pod("p4", {"app": "api"}, "shop")
    start = [dev, api, k0, k2, profile]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "delete", k0)  # merges looked for: hashes made
    objects, _ = stepped_in_place(
        r, objects, "apply", _pod("p2", {"app": "api", "zone": "x"}, "dev")
    )
    assert r.reachability.n_internal == 2
    stepped_in_place(r, objects, "delete", profile)
    assert r.reachability.n_internal == 1


@pytest.mark.parametrize("by", ["pod", "workload"])
def test_a_new_key_is_not_compared_with_a_label_class_whose_pods_went(by: str) -> None:
    """Found by review: e (edge) and a (shop) share a class under Calico's default
    ``kns.*``; e goes, and the class still stands for its pods by edge's label class, which
    answers the plan otherwise now (edge has no pod, so no ``kns.*``). b in dev, whose
    Profile allows nothing, was compared with it, joined a's class and reached everything;
    a load gives b no connection. Such a key loaded from then; since the fourteenth
    session it is compared with a label class of the class that has pods (a's), in
    place (``calicoclasses._live``)."""
    profile = _profile("kns.dev")
    spaces = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
        for n in ("dev", "edge", "shop")
    ]
    e, a, b = (
        _pod(n, {"app": "web"}, ns) for n, ns in (("e", "edge"), ("a", "shop"), ("b", "dev"))
    )
    start = [*spaces, e, a, profile]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "delete", e, by=by)
    objects, _ = stepped_in_place(r, objects, "apply", b, by=by)
    assert not [c for c in r.connections(by="pod") if "dev/b" in str(c)]
    twin = _pod("a-2", {"app": "web"}, "edge")  # a's class again, by a's live label class
    stepped_in_place(r, objects, "apply", twin, by=by)


@pytest.mark.parametrize("by", ["pod", "workload"])
@pytest.mark.parametrize("nets", ["10.1.0.0/16", "2001:db8::/32"])
def test_the_first_carrier_of_a_profile_naming_nets_goes_in_steps(nets: str, by: str) -> None:
    """Found by review: the first pod carrying ``ksa.dev.sa1``, whose rule names nets and
    selects none of its pods, joined a class: the external addresses stayed uncut where a
    load cuts them (and says IPv6). It loaded then; now the frame is cut first
    (``calicomoves.calico_framed``, ``carrierupdate.framed_first``) and the pod comes as
    a first carrier of the same frame does; the same pod going, the last carrier, takes
    the steps of ``api/carrierupdate.py`` (the rules out, the pod, the rules back)."""
    rule = {
        "action": "Allow",
        "source": {"nets": [nets]},
        "destination": {"selector": "zone == 'x'"},
    }
    profile = _profile("ksa.dev.sa1", ingress=[rule])
    dev = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    a = _pod("a", {"app": "web"}, "dev")
    b = _pod("b", {"app": "web"}, "dev")
    b["spec"]["serviceAccountName"] = "sa1"
    start = [dev, a, profile]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", b, by=by)
    after = reach.from_objects(objects)
    assert [n.id for n in r.view("pod").nodes] == [n.id for n in after.view("pod").nodes]
    assert r.reachability.ipv6 == (":" in nets)
    stepped_in_place(r, objects, "delete", b, by=by)
    assert not r.reachability.ipv6


def test_a_namespace_relabelled_after_a_pod_of_new_labels_came_there_goes_in_place() -> None:
    """A pod of labels no pod had (a rollout's new template hash) in ns-a, then ns-a made
    prod, which a GlobalNetworkPolicy's namespaceSelector reads: the key found since is
    answered as the compiled ones, by the kept Calico matcher too, so the relabel goes
    in place (it loaded) and closes the new pod as it closes o-1."""
    by_env = _gnp("deny-o-in-prod", "app == 'o'", namespaceSelector="env == 'prod'", **DENY_IN)
    objects = [*THREE, by_env]
    r = reach.from_objects(objects)
    rolled = _pod("o-2", {"app": "o", "pod-template-hash": "b"}, "ns-a")
    objects, _ = stepped_in_place(r, objects, "apply", rolled)
    prod = {**THREE[0], "metadata": {"name": "ns-a", "labels": {"env": "prod"}}}
    objects, change = stepped_in_place(r, objects, "apply", prod)
    assert "ns-a/o-2[Pod]" in {e.dst for e in change.edges}


def test_a_pod_of_a_podless_key_after_a_profiles_rules_came_in_is_asked_again() -> None:
    """A key with no pod keeps the class it had when ``kns.ns-b``'s rules were out of
    Calico's plan (no pod in ns-b); a pod of ns-b brings the rules in, which name that
    key's label (``role``) as a peer; a pod of the key applied again is not put back in
    that class (a property sweep, seed 37: a load parts it from ``db``)."""
    space = {"apiVersion": "v1", "kind": "Namespace"}
    profile = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "Profile",
        "metadata": {"name": "kns.ns-b"},
        "spec": {"ingress": [{"action": "Allow", "source": {"selector": "role == 'x'"}}]},
    }
    start = [
        {**space, "metadata": {"name": "default"}},
        {**space, "metadata": {"name": "ns-b"}},
        profile,
        _pod("db", {"app": "c"}, "default"),
    ]
    robot = _pod("robot", {"app": "c", "role": "x"}, "default")
    events = [
        ("apply", robot, "pod"),  # joins db's class: nothing reads role yet
        ("delete", robot, "pod"),  # its key, with no pod, keeps that class
        ("apply", _pod("web", {"app": "w"}, "ns-b"), "pod"),  # kns.ns-b's rules come in
        ("apply", robot, "pod"),
    ]
    each_update_equals_a_load(start, events)
