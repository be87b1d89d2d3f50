"""Cilium policies added, changed and deleted the quick way (``reach.api.ciliumupdate``
through ``reach.api.policyupdate``), and pods and NetworkPolicies beside them: the state
after each update is a load of the same objects, views, diagnostics and all, and the
change is ``reach diff``; one named test per condition of ``cilium_change``."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from reach.input.canonical import diagnostic_key
from tests.api.test_podupdate import (
    BY,
    _everything,
    _never_loaded,
    _pod,
    a_namespace_event,
    a_pod_event,
    applied_or_deleted,
    declared_clusters,
    each_update_equals_a_load,
    stepped_in_place,
)
from tests.api.test_whatif import key
from tests.strategies import (
    NS_LABELS,
    NS_NAMES,
    POD_LABELS,
    policy_manifests,
    selectors,
)

Obj = dict[str, Any]
SECTIONS = {"ingress": "from", "ingressDeny": "from", "egress": "to", "egressDeny": "to"}
#: Entities of every sort: addresses (world), every pod (cluster), and a pseudo peer.
ENTITIES = ["world", "cluster", "all", "kube-apiserver"]
CIDRS = ["10.0.0.0/8", "192.168.0.0/24", "172.16.0.0/12"]
NS_LABEL_KEY = "io.cilium.k8s.namespace.labels."
GROUP_NAMES = ["g-0", "g-1"]
POLICY_KINDS = ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")


def cidr_group(name: str, cidrs: list[str]) -> Obj:
    return {
        "apiVersion": "cilium.io/v2alpha1",
        "kind": "CiliumCIDRGroup",
        "metadata": {"name": name},
        "spec": {"externalCIDRs": cidrs},
    }


@st.composite
def cilium_items(draw: st.DrawFn, section: str) -> Obj:
    """One rule item: endpoints (by pod labels, namespace labels or the namespace),
    entities, CIDRs or no peer at all, with ports or without."""
    side = SECTIONS[section]
    item: Obj = {}
    kind = draw(
        st.sampled_from(
            ["endpoints", "endpoints", "namespace", "entities", "cidr", "group", "none"]
        )
    )
    if kind == "endpoints":
        item[f"{side}Endpoints"] = [draw(selectors(POD_LABELS))]
    elif kind == "namespace":
        label, values = draw(st.sampled_from(sorted(NS_LABELS.items())))
        item[f"{side}Endpoints"] = [
            {"matchLabels": {NS_LABEL_KEY + label: draw(st.sampled_from(values))}}
        ]
    elif kind == "entities":
        item[f"{side}Entities"] = [draw(st.sampled_from(ENTITIES))]
    elif kind == "cidr":
        item[f"{side}CIDR"] = [draw(st.sampled_from(CIDRS))]
    elif kind == "group":  # a CiliumCIDRGroup, which may come, change or go later
        item[f"{side}CIDRSet"] = [{"cidrGroupRef": draw(st.sampled_from(GROUP_NAMES))}]
    if kind == "none" or draw(st.booleans()):
        port = draw(st.sampled_from(["80", "443", "53", "http"]))
        protocol = draw(st.sampled_from(["TCP", "UDP", "ANY"]))
        item["toPorts"] = [{"ports": [{"port": port, "protocol": protocol}]}]
    return item


@st.composite
def endpoint_selectors(draw: st.DrawFn) -> Obj:
    """Over pod labels, or now and then over a label of the namespace."""
    if draw(st.integers(0, 3)) == 0:
        label, values = draw(st.sampled_from(sorted(NS_LABELS.items())))
        return {"matchLabels": {NS_LABEL_KEY + label: draw(st.sampled_from(values))}}
    return draw(selectors(POD_LABELS))


@st.composite
def cilium_manifests(draw: st.DrawFn, namespace: str, name: str) -> Obj:
    """A CiliumNetworkPolicy of ``namespace`` (a CiliumClusterwideNetworkPolicy when it is
    empty): an endpoint selector over pod labels and up to two items of each section."""
    spec: Obj = {"endpointSelector": draw(endpoint_selectors())}
    sections = draw(st.lists(st.sampled_from(sorted(SECTIONS)), min_size=1, unique=True))
    for section in sections:
        spec[section] = draw(st.lists(cilium_items(section), min_size=1, max_size=2))
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    kind = "CiliumNetworkPolicy" if namespace else "CiliumClusterwideNetworkPolicy"
    return {"apiVersion": "cilium.io/v2", "kind": kind, "metadata": meta, "spec": spec}


def _cilium_policy(draw: st.DrawFn) -> Obj:
    namespace = draw(st.sampled_from([*NS_NAMES, ""]))
    return draw(cilium_manifests(namespace, f"cnp-{draw(st.integers(0, 4))}"))


@st.composite
def cilium_clusters(draw: st.DrawFn) -> list[Obj]:
    """Declared clusters with none to three Cilium policies."""
    objects = draw(declared_clusters())
    known = {key(o): o for o in objects}
    for _ in range(draw(st.integers(0, 3))):
        obj = _cilium_policy(draw)
        known[key(obj)] = obj
    return list(known.values())


@st.composite
def cilium_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Cilium policies copied to another name (the same rules: the quick way's usual
    case), their endpoint selector changed, new ones, deletions; NetworkPolicies applied
    and deleted; and pod events."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for _ in range(draw(st.integers(1, 20))):
        ours = [o for o in known.values() if o["kind"] in POLICY_KINDS]
        kind = draw(
            st.sampled_from(
                ["copy", "copy", "select", "specs", "new", "delete", "pod", "np", "namespace"]
                + ["group"]
            )
        )
        by = draw(st.sampled_from(BY))
        if kind == "group":  # a CiliumCIDRGroup applied (addresses new or known) or deleted
            cidrs = st.sampled_from([*CIDRS, "203.0.113.0/24", "198.51.100.0/25"])
            group = cidr_group(
                draw(st.sampled_from(GROUP_NAMES)),
                draw(st.lists(cidrs, min_size=1, max_size=2, unique=True)),
            )
            applied_or_deleted(draw, known, out, group, by)
            continue
        if kind == "namespace":  # relabelled (or declared), deleted, or a new one
            a_namespace_event(draw, known, out, by)
            continue
        if kind == "pod":
            a_pod_event(draw, known, out)
            continue
        if kind == "np":
            ns = draw(st.sampled_from(NS_NAMES))
            obj = draw(policy_manifests(ns, f"np-{draw(st.integers(0, 2))}"))
        elif kind == "delete" and ours:
            out.append(("delete", known.pop(key(draw(st.sampled_from(ours)))), by))
            continue
        elif kind == "specs" and ours:  # an object of one to three rules of those known
            obj = copy.deepcopy(draw(st.sampled_from(ours)))
            pool = [r for o in ours for r in ([o["spec"]] if "spec" in o else o["specs"])]
            obj.pop("spec", None)
            many = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
            obj["specs"] = copy.deepcopy(many)
        elif kind in ("copy", "select") and ours:
            obj = copy.deepcopy(draw(st.sampled_from(ours)))
            if kind == "copy":
                obj["metadata"]["name"] = f"cnp-{draw(st.integers(0, 4))}"
            else:
                rule = obj["spec"] if "spec" in obj else obj["specs"][0]
                rule["endpointSelector"] = draw(endpoint_selectors())
        else:
            obj = _cilium_policy(draw)
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


def _selected(r: reach.Reach) -> list[object]:
    """Which pods each Cilium policy selects (``Reachability.cilium_selected``); and the
    diagnostics are in the load's order (by origin first)."""
    diagnostics = r.cluster.diagnostics
    assert diagnostics == sorted(diagnostics, key=diagnostic_key)
    x = r.analysis.reachability
    picked = np.asarray(x.cilium_selected)[:, x.pod_class]
    return [
        (p.kind, p.namespace, p.name, row.tolist())
        for p, row in zip(r.cluster.cilium_policies, picked, strict=True)
    ]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cilium_events_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(cilium_clusters())
    events = data.draw(cilium_events(start))
    each_update_equals_a_load(start, events, also=_selected)


NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
START = [
    NS,
    _pod("web-1", {"app": "web"}),
    _pod("db-1", {"app": "db"}),
    _pod("db-2", {"app": "db"}),
    _pod("other-1", {"app": "other"}),
]


def _cnp(name: str, spec: Obj, ns: str = "shop") -> Obj:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


DB_FROM_WEB = _cnp(
    "db-from-web",
    {
        "endpointSelector": {"matchLabels": {"app": "db"}},
        "ingress": [
            {
                "fromEndpoints": [{"matchLabels": {"app": "web"}}],
                "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}],
            }
        ],
    },
)


GROUP = {
    "apiVersion": "cilium.io/v2alpha1",
    "kind": "CiliumCIDRGroup",
    "metadata": {"name": "g"},
    "spec": {"externalCIDRs": ["10.0.0.0/8"]},
}


def _check(r: reach.Reach, objects: list[Obj]) -> None:
    loaded = reach.from_objects(objects)
    assert _everything(r) == _everything(loaded)
    assert _selected(r) == _selected(loaded)


def test_a_cilium_policy_copied_to_another_name_does_not_load() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    again = copy.deepcopy(DB_FROM_WEB)
    again["metadata"]["name"] = "again"
    with _never_loaded():
        change = r.apply(again)
    assert not change.edges
    _check(r, [*START, DB_FROM_WEB, again])


#: A Cilium policy that stays (the last one going makes service accounts leave the keys).
OTHER_TO_WORLD = _cnp(
    "other-to-world",
    {"endpointSelector": {"matchLabels": {"app": "other"}}, "egress": [{"toEntities": ["world"]}]},
)


def test_deleting_a_cilium_policy_merges_its_classes_and_opens_what_it_closed() -> None:
    r = reach.from_objects([*START, OTHER_TO_WORLD, DB_FROM_WEB])
    with _never_loaded():
        change = r.delete(DB_FROM_WEB, by="pod")
    assert {(e.src, e.dst) for e in change.edges} >= {("shop/web-1[Pod]", "shop/db-1[Pod]")}
    _check(r, [*START, OTHER_TO_WORLD])


def test_a_cilium_deny_rule_added_closes_what_it_denies() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    deny = _cnp(
        "deny-web",
        {
            "endpointSelector": {"matchLabels": {"app": "db"}},
            "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"app": "web"}}]}],
        },
    )
    with _never_loaded():
        change = r.apply(deny, by="pod")
    closed = {(e.src, e.dst) for e in change.edges}
    assert closed == {("shop/web-1[Pod]", "shop/db-1[Pod]"), ("shop/web-1[Pod]", "shop/db-2[Pod]")}
    _check(r, [*START, DB_FROM_WEB, deny])


def test_a_cilium_policy_selecting_by_service_account_splits_a_class() -> None:
    robot = _pod("db-3", {"app": "db"})
    robot["spec"]["serviceAccountName"] = "robot"
    r = reach.from_objects([*START, robot, DB_FROM_WEB])
    by_account = _cnp(
        "robot-only",
        {
            "endpointSelector": {"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "robot"}},
            "ingress": [{}],
        },
    )
    with _never_loaded():
        r.apply(by_account)
    _check(r, [*START, robot, DB_FROM_WEB, by_account])


def test_a_cilium_policy_diagnostic_comes_and_goes_with_it() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    l7 = copy.deepcopy(DB_FROM_WEB)
    l7["metadata"]["name"] = "l7"
    port = l7["spec"]["ingress"][0]["toPorts"][0]
    port["ports"][0]["port"] = "5432"
    port["rules"] = {"http": [{"method": "GET", "path": "/"}]}
    with _never_loaded():
        r.apply(l7)
    assert any(d.code == "cilium-l7" for d in r.diagnostics)
    _check(r, [*START, DB_FROM_WEB, l7])
    with _never_loaded():
        r.delete(l7)
    assert not any(d.code == "cilium-l7" for d in r.diagnostics)
    _check(r, [*START, DB_FROM_WEB])


def test_a_pod_of_new_labels_beside_cilium_policies_joins_its_class_without_loading() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    pod = _pod("web-2", {"app": "web", "pod-template-hash": "b2"})
    with _never_loaded():
        r.apply(pod)
    _check(r, [*START, DB_FROM_WEB, pod])


def test_a_pod_of_a_new_class_beside_cilium_policies_does_not_load() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    pod = _pod("new-1", {"app": "web"})
    pod["spec"]["serviceAccountName"] = "robot"  # a service account no pod had
    r.apply(_cnp("robot", {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}]}))
    with _never_loaded():
        r.apply(pod)
    robot = _cnp(
        "robot",
        {
            "endpointSelector": {"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "robot"}},
            "egress": [{"toEntities": ["world"]}],
        },
    )
    with _never_loaded():
        r.apply(robot)
    _check(r, [*START, DB_FROM_WEB, pod, robot])


def test_the_first_cilium_policy_and_the_last_come_and_go_in_place() -> None:
    """Label class keys hold the service account whatever the policies: the first Cilium
    policy (selecting by service account) makes the identity matcher in place, the last
    going drops it, and the next first one's ``toServices`` reads a Service applied
    between (the matcher is made again, not kept stale)."""
    robot = _pod("robot-1", {"app": "web"})
    robot["spec"]["serviceAccountName"] = "robot"  # like web-1 but for its account
    objects = [*START, robot]
    r = reach.from_objects(objects)
    by_account = _cnp(
        "robot",
        {
            "endpointSelector": {"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "robot"}},
            "egress": [{"toEntities": ["world"]}],
        },
    )
    objects, change = stepped_in_place(r, objects, "apply", by_account, _check)
    assert change.edges  # robot-1 may reach the world only
    objects, _ = stepped_in_place(r, objects, "delete", by_account, _check)
    db = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 80}]},
    }
    objects, _ = stepped_in_place(r, objects, "apply", db, _check)
    to_db = _cnp(
        "to-db",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "shop"}}]}
            ],
        },
    )
    objects, change = stepped_in_place(r, objects, "apply", to_db, _check)
    assert change.edges  # web-1 and robot-1 reach db only
    stepped_in_place(r, objects, "delete", to_db, _check)


def test_an_object_of_several_rules_goes_in_rule_by_rule_without_loading() -> None:
    """``specs``: one policy per rule, taken out and put in one rule at a time; the change
    is reach diff's of the loads before and after, at every step of the object."""
    deny_other = {
        "endpointSelector": {"matchLabels": {"app": "db"}},
        "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"app": "other"}}]}],
    }
    to_world = {
        "endpointSelector": {"matchLabels": {"app": "web"}},
        "egress": [{"toEntities": ["world"]}],
    }
    two = {**_cnp("two", {}), "specs": [DB_FROM_WEB["spec"], deny_other]}
    del two["spec"]
    three = {**two, "specs": [deny_other, to_world, DB_FROM_WEB["spec"]]}
    one = {**two, "specs": [to_world]}
    objects = [*START, DB_FROM_WEB]
    events = [("apply", two, "pod"), ("apply", three, "workload"), ("apply", one, "pod")]
    with _never_loaded():
        each_update_equals_a_load(objects, [*events, ("delete", one, "pod")], also=_selected)


@pytest.mark.parametrize("cut", [True, False], ids=["cut by another rule", "new addresses"])
def test_a_cilium_policy_naming_a_cidr_group_reads_it_without_loading(cut: bool) -> None:
    """``cidrGroupRef`` names a CiliumCIDRGroup of the input: read as a load reads it; its
    addresses already cut by another rule, or cut in place (and one again when it goes)."""
    to_ten = _cnp("to-ten", {"endpointSelector": {}, "egress": [{"toCIDR": ["10.0.0.0/8"]}]})
    objects = [*START, DB_FROM_WEB, *([to_ten] if cut else []), GROUP]
    r = reach.from_objects(objects)
    segments = list(r.reachability.segments)
    by_group = _cnp(
        "web-to-g",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egressDeny": [{"toCIDRSet": [{"cidrGroupRef": "g"}]}],
        },
    )
    with _never_loaded():
        change = r.apply(by_group, by="pod")
    assert change.edges
    _check(r, [*objects, by_group])
    assert (r.reachability.segments == segments) == cut
    with _never_loaded():
        r.delete(by_group)
    _check(r, objects)
    assert r.reachability.segments == segments


def test_a_new_pseudo_peer_is_a_class_added_in_place_and_taken_out_when_unnamed() -> None:
    """A policy naming ``kube-apiserver`` and an FQDN no rule named: each is a class added
    at the end (every rule's peers and every side's entry at it computed as compiling
    does, ``world`` holding the FQDN), reported as new pairs with every node; taken out
    with the last rule naming it."""
    world = _cnp("world", {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}]})
    objects = [*START, DB_FROM_WEB, world]
    r = reach.from_objects(objects)
    api = _cnp(
        "api",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toEntities": ["kube-apiserver"]},
                {"toFQDNs": [{"matchName": "api.example.com"}]},
            ],
        },
    )
    for what in ("apply", "delete"):
        objects, change = stepped_in_place(r, objects, what, api, _check)
        pairs = {(e.src, e.dst) for e in change.edges}
        assert ("shop/db-1[Pod]", "api.example.com[FQDN]") in pairs  # by world, not by api
        assert ("shop/web-1[Pod]", "kube-apiserver[Entity]") in pairs
    assert r.reachability.pseudo == []


def test_a_cidr_group_changed_reads_the_policies_naming_it_again_without_loading() -> None:
    """A CiliumCIDRGroup changed to other addresses, then deleted: the Cilium objects that
    name CIDR groups are read again with the store's groups (their addresses cut anew in
    place); a group no policy names changes nothing."""
    by_group = _cnp(  # web may reach the group's addresses only
        "web-to-g",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [{"toCIDRSet": [{"cidrGroupRef": "g"}]}],
        },
    )
    objects = [*START, DB_FROM_WEB, GROUP, by_group]
    r = reach.from_objects(objects)
    moved = {**GROUP, "spec": {"externalCIDRs": ["203.0.113.0/24"]}}
    unnamed = {**GROUP, "metadata": {"name": "unnamed"}}
    steps = [("apply", moved), ("apply", unnamed), ("delete", moved), ("delete", unnamed)]
    for what, obj in steps:
        objects, change = stepped_in_place(r, objects, what, obj, _check)
        assert bool(change.edges) == (obj is moved)


def test_a_new_pseudo_peer_with_no_pod_loads() -> None:
    """No pod, no class to compute a new pseudo peer's column of: the update loads (the
    review found a crash)."""
    objects = [NS, DB_FROM_WEB]
    r = reach.from_objects(objects)
    api = _cnp("api", {"endpointSelector": {}, "egress": [{"toEntities": ["kube-apiserver"]}]})
    with _never_loaded(), pytest.raises(AssertionError, match="load"):
        r.apply(api)
    r.apply(api)
    _check(r, [*objects, api])


def test_a_cidr_group_a_load_skipped_as_invalid_loads_when_it_changes() -> None:
    """Read with ``skip_invalid`` (as ``reach watch`` reads), an invalid group is skipped
    with a diagnostic; fixed, the load no longer says so, so the update loads (the review
    found the diagnostic kept)."""
    bad = {**GROUP, "spec": {"externalCIDRs": ["10.0.0.0/33"]}}
    by_group = _cnp(
        "web-to-g", {"endpointSelector": {}, "egress": [{"toCIDRSet": [{"cidrGroupRef": "g"}]}]}
    )
    r = reach.from_objects([*START, DB_FROM_WEB, by_group, bad], skip_invalid=True)
    assert any(d.code == "skipped-invalid" for d in r.diagnostics)
    with _never_loaded(), pytest.raises(AssertionError, match="load"):
        r.apply(GROUP)
    r.apply(GROUP)
    assert not any(d.code == "skipped-invalid" for d in r.diagnostics)


def test_relabelling_a_namespace_a_cilium_policy_selects_by_does_not_load() -> None:
    by_env = _cnp(
        "prod-only",
        {
            "endpointSelector": {"matchLabels": {"io.cilium.k8s.namespace.labels.env": "prod"}},
            "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "web"}}]}],
        },
    )
    r = reach.from_objects([*START, DB_FROM_WEB, by_env])
    relabelled = {**NS, "metadata": {"name": "shop", "labels": {"env": "prod"}}}
    with _never_loaded():
        change = r.apply(relabelled, by="pod")
    assert ("shop/other-1[Pod]", "shop/web-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    _check(r, [relabelled, *START[1:], DB_FROM_WEB, by_env])
    with _never_loaded():
        r.apply(NS)
    _check(r, [*START, DB_FROM_WEB, by_env])


def test_a_pod_told_apart_only_by_a_service_selector_of_to_services_is_asked() -> None:
    api = _pod("api-1", {"app": "api", "role": "api"})
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": "shop"},
        "spec": {"selector": {"role": "api"}, "ports": [{"port": 80}]},
    }
    to_service = _cnp(
        "web-to-svc",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toServices": [{"k8sService": {"serviceName": "svc", "namespace": "shop"}}]}
            ],
        },
    )
    objects = [*START, api, service, to_service]
    r = reach.from_objects(objects)
    other = _pod("api-2", {"app": "api", "role": "other"})  # not behind the Service
    with _never_loaded():
        r.apply(other)
    _check(r, [*objects, other])
    pairs = {(c.src.id, c.dst.id) for c in r.connections(by="pod")}
    assert ("shop/web-1[Pod]", "shop/api-1[Pod]") in pairs
    assert ("shop/web-1[Pod]", "shop/api-2[Pod]") not in pairs


def test_a_service_beside_cilium_policies_naming_none_is_read_in_place() -> None:
    """Then a policy naming it in ``toServices`` reads it: the matcher took the Service."""
    objects = [*START, DB_FROM_WEB]
    r = reach.from_objects(objects)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]},
    }
    with _never_loaded():
        change = r.apply(service)
    assert not change.edges
    _check(r, [*objects, service])
    to_db = _cnp(
        "web-to-db",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "shop"}}]}
            ],
        },
    )
    with _never_loaded():
        r.apply(to_db)
    _check(r, [*objects, service, to_db])
    pairs = {(c.src.id, c.dst.id) for c in r.connections(by="pod")}
    assert ("shop/web-1[Pod]", "shop/db-1[Pod]") in pairs
    assert ("shop/web-1[Pod]", "shop/other-1[Pod]") not in pairs


def test_a_cilium_policy_in_a_namespace_its_pods_make_goes_in_place() -> None:
    """No Namespace object for shop: a load makes it of its pods, with the policy or
    without, so the policy comes and goes in place (it loaded until the seventeenth
    session of 2026-12-04)."""
    objects = START[1:]
    r = reach.from_objects(objects)
    assert "shop" in r.cluster.namespaces
    objects, change = stepped_in_place(r, objects, "apply", DB_FROM_WEB, _check)
    assert change.edges
    stepped_in_place(r, objects, "delete", DB_FROM_WEB, _check)


@pytest.mark.parametrize("by", BY)
def test_a_cilium_policy_bringing_its_namespace_and_taking_it_goes_in_steps(by: str) -> None:
    """A CiliumNetworkPolicy in ``elsewhere``, which nothing else makes: a load makes the
    namespace of it. Applied, the namespace is added first as a load makes it, then the
    policy; deleted, the policy goes, then the namespace (both loaded until the
    seventeenth session of 2026-12-04)."""
    r = reach.from_objects(START)
    lone = _cnp("lone", DB_FROM_WEB["spec"], ns="elsewhere")
    objects, _ = stepped_in_place(r, START, "apply", lone, _check, by=by)
    assert "elsewhere" in r.cluster.namespaces
    stepped_in_place(r, objects, "delete", lone, _check, by=by)
    assert "elsewhere" not in r.cluster.namespaces
