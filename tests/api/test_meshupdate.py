"""Istio AuthorizationPolicies and PeerAuthentications added, changed and deleted beside
the mesh layer (``reach.api.meshupdate``), with NetworkPolicies (``reach.engine.meshpolicy``)
and pods coming and going between: the state after each update is a load of the same
objects and the change is ``reach diff``."""

from __future__ import annotations

import copy
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
import reach.engine.policymoves
from reach.analysis.l7marks import l7_marks
from tests.api.test_ciliumupdate import DB_FROM_WEB, _cnp
from tests.api.test_meshpodupdate import NS, ONLY_WEB, _pod, mesh_clusters, mesh_pod_events
from tests.api.test_podupdate import (
    BY,
    _everything,
    _never_loaded,
    applied_or_deleted,
    each_update_equals_a_load,
    stepped_in_place,
)
from tests.api.test_whatif import key
from tests.builders import netpol, sel
from tests.engine.test_istio_property import (
    authorization_policies,
    networking,
    peer_authentications,
)

Obj = dict[str, Any]
SECURITY = ("AuthorizationPolicy", "PeerAuthentication")
#: Ports 1000-1099, each on its own (a rule naming them cuts the port atoms there).
PORTS_1000 = [{"port": 1000 + i} for i in range(100)]


@st.composite
def mesh_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """AuthorizationPolicies and PeerAuthentications new, changed (a new spec, or another
    one's) and deleted, Sidecars and ServiceEntries applied or deleted, with pod events
    between."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for i in range(draw(st.integers(1, 12))):
        by = draw(st.sampled_from(BY))
        security = [o for o in known.values() if o["kind"] in SECURITY]
        way = draw(
            st.sampled_from(
                [
                    "new",
                    "change",
                    "change",
                    "delete",
                    "pod",
                    "netpol",
                    "relabel",
                    "space",
                    "service",
                    "networking",
                    "cilium",
                ]
            )
        )
        if way == "cilium":  # the first makes Cilium's identity matcher, the last drops it
            applied_or_deleted(draw, known, out, draw(mesh_cilium_policies()), by)
            continue
        if way == "networking":  # what proxies forward (REGISTRY_ONLY), the hosts of pods
            made = [o for o in draw(networking()) if o["kind"] != "Service"]
            if made:
                applied_or_deleted(draw, known, out, draw(st.sampled_from(made)), by)
            continue
        if way == "service":  # the mesh reads Services: plain-TCP ports, named targets
            made = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "svc", "namespace": draw(st.sampled_from(["a", "b"]))},
                "spec": {
                    "selector": {"app": draw(st.sampled_from(["web", "db"]))},
                    "ports": [
                        {
                            "name": draw(st.sampled_from(["http", "tcp", "grpc"])),
                            "port": 80,
                            "targetPort": draw(st.sampled_from([8080, 9000, "http"])),
                        }
                    ],
                },
            }
            applied_or_deleted(draw, known, out, made, by)
            continue
        if way == "space":  # a namespace added, a pod in it, the namespace deleted
            made = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}}
            if key(made) in known:
                if not any(o["metadata"].get("namespace") == "c" for o in known.values()):
                    out.append(("delete", known.pop(key(made)), by))
                    continue
                pods = [o for o in known.values() if o["kind"] == "Pod"]
                if not pods:
                    continue
                moved = copy.deepcopy(draw(st.sampled_from(pods)))
                moved["metadata"]["namespace"] = "c"
                known[key(moved)] = moved
                out.append(("apply", moved, by))
                continue
            if draw(st.booleans()):
                made["metadata"]["labels"] = {"istio-injection": "enabled"}
            known[key(made)] = made
            out.append(("apply", made, by))
            continue
        spaces = [o for o in known.values() if o["kind"] == "Namespace"]
        if way == "relabel" and spaces:
            ns = copy.deepcopy(draw(st.sampled_from(spaces)))
            labels = ns["metadata"].setdefault("labels", {})
            if draw(st.booleans()):
                labels.pop("team", None) if "team" in labels else labels.update(team="x")
            else:  # sidecar injection changed: the mesh's features of its pods
                labels["istio-injection"] = draw(st.sampled_from(["enabled", "disabled"]))
            known[key(ns)] = ns
            out.append(("apply", ns, by))
            continue
        if way == "netpol":
            name = draw(st.sampled_from(["np0", "np1"]))
            netpol = draw(network_policies(name, draw(st.sampled_from(["a", "b"]))))
            applied_or_deleted(draw, known, out, netpol, by)
            continue
        if way == "pod":
            for what, obj, at in draw(mesh_pod_events(list(known.values()))):
                if what == "apply":
                    known[key(obj)] = obj
                else:
                    known.pop(key(obj))
                out.append((what, obj, at))
            continue
        if way == "delete" and security:
            out.append(("delete", known.pop(key(draw(st.sampled_from(security)))), by))
            continue
        kind = draw(st.sampled_from(SECURITY))
        make = authorization_policies if kind == SECURITY[0] else peer_authentications
        obj = draw(make(f"x{i}"))
        if way == "change" and security:
            old = draw(st.sampled_from(security))
            obj = copy.deepcopy(old)
            obj["spec"] = draw(make("y"))["spec"] if old["kind"] == kind else obj["spec"]
            if draw(st.booleans()):  # the spec of another object of its kind
                same = [o for o in security if o["kind"] == old["kind"]]
                obj["spec"] = copy.deepcopy(draw(st.sampled_from(same))["spec"])
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


@st.composite
def mesh_cilium_policies(draw: st.DrawFn) -> Obj:
    """A CiliumNetworkPolicy over the random meshes' pods (one of two names, so that the
    first comes and the last goes often): who it selects, from whom it admits, on which
    port (those Istio's objects name, or the name ``http`` some pods carry), now and then
    whom it denies, and entities it admits or reaches (pseudo peers come and go)."""
    app = st.sampled_from([{}, {"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "db"}}])
    item: Obj = {"fromEndpoints": [draw(app)]}
    if draw(st.booleans()):
        port = draw(st.sampled_from(["8080", "9000", "http"]))
        item["toPorts"] = [{"ports": [{"port": port, "protocol": "TCP"}]}]
    if draw(st.integers(0, 3)) == 0:  # a namespace's sidecar injection, as Cilium reads it
        label = "io.cilium.k8s.namespace.labels.istio-injection"
        item["fromEndpoints"] = [
            {"matchLabels": {label: draw(st.sampled_from(["enabled", "disabled"]))}}
        ]
    spec: Obj = {"endpointSelector": draw(app), "ingress": [item]}
    if draw(st.integers(0, 3)) == 0:
        spec["ingressDeny"] = [{"fromEndpoints": [draw(app)]}]
    if draw(st.integers(0, 2)) == 0:  # pseudo peers: the first naming one makes its column
        entities = st.lists(st.sampled_from(PSEUDO), min_size=1, max_size=2, unique=True)
        section = draw(st.sampled_from(["ingress", "egress"]))
        side = "fromEntities" if section == "ingress" else "toEntities"
        spec.setdefault(section, []).append({side: draw(entities)})
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": f"cnp{draw(st.integers(0, 1))}", "namespace": draw(NAMESPACES)},
        "spec": spec,
    }


NAMESPACES = st.sampled_from(["a", "b"])
#: Cilium entities that are pseudo peers (``model/pseudo.py``), and one that is not.
PSEUDO = ["kube-apiserver", "health", "ingress", "world"]


@st.composite
def ip_blocks(draw: st.DrawFn) -> Obj:
    """An ipBlock: about the pods' addresses (10.1.0.x), Istio's (test_istio_property's
    ipBlocks), elsewhere, or IPv6 (the first block of the family, or the last); now and
    then with an exception."""
    cidr = draw(
        st.sampled_from(
            ["10.1.0.0/16", "10.1.0.0/24", "10.0.0.0/8", "192.168.0.0/24", "2001:db8::/32"]
        )
    )
    block: Obj = {"cidr": cidr}
    if cidr == "10.0.0.0/8" and draw(st.booleans()):
        block["except"] = [draw(st.sampled_from(["10.1.0.0/24", "10.2.0.0/16"]))]
    return block


@st.composite
def network_policies(draw: st.DrawFn, name: str, namespace: str) -> Obj:
    """A NetworkPolicy over the random meshes' pods: who it selects, from whom it admits
    and on which port (those Istio's objects name, another, or the name ``http`` some
    pods carry)."""
    app = st.sampled_from([{}, {"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "db"}}])
    peer = draw(st.sampled_from(["pods", "namespaces", "none", "block"]))
    rule: Obj = {}
    if peer == "pods":
        rule["from"] = [{"podSelector": draw(app)}]
    elif peer == "namespaces":
        rule["from"] = [
            {"namespaceSelector": draw(st.sampled_from([{}, {"matchLabels": {"team": "x"}}]))}
        ]
    elif peer == "block":  # addresses: the segments cut anew, or coarser when it goes
        rule["from"] = [{"ipBlock": draw(ip_blocks())}]
    if draw(st.booleans()):
        port = draw(st.sampled_from([8080, 9000, 7000, "http"]))  # a name the pods may carry
        rule["ports"] = [{"port": port, "protocol": "TCP"}]
    spec: Obj = {"podSelector": draw(app), "policyTypes": ["Ingress"]}
    if draw(st.booleans()):
        spec["ingress"] = [rule]
    if draw(st.integers(0, 3)) == 0:  # egress to addresses
        spec["policyTypes"] = ["Ingress", "Egress"]
        spec["egress"] = [{"to": [{"ipBlock": draw(ip_blocks())}]}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_istio_security_objects_changed_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    start = data.draw(mesh_clusters())
    each_update_equals_a_load(start, data.draw(mesh_events(start)), also=_marks)


def _marks(r: reach.Reach) -> list[str]:
    """The connections that depend on L7 conditions, and on which."""
    return l7_marks(r.view("workload")).lines()


WEB, DB = _pod("web-1", "web", "10.1.0.1"), _pod("db-1", "db", "10.1.0.2")


def _web_to_db(r: reach.Reach) -> bool:
    """Whether web-1 may open a TCP connection to db-1 on port 80 (the mesh filters TCP)."""
    return any(
        (c.src.id, c.dst.id) == ("shop/web-1[Pod]", "shop/db-1[Pod]")
        and c.ports.contains("TCP", 80)
        for c in r.connections(by="pod")
    )


def _allow_from(account: str) -> Obj:
    policy = copy.deepcopy(ONLY_WEB)
    policy["spec"]["rules"][0]["from"][0]["source"]["principals"] = [
        f"cluster.local/ns/shop/sa/{account}"
    ]
    return policy


def test_an_authorization_policy_changed_in_place_closes_what_it_no_longer_allows() -> None:
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    assert _web_to_db(r)
    with _never_loaded():
        change = r.apply(_allow_from("other"))
    assert not _web_to_db(r)
    assert "shop/web" in str(change) and "shop/db" in str(change)
    assert _everything(r) == _everything(reach.from_objects([NS, WEB, DB, _allow_from("other")]))


def test_an_authorization_policy_deleted_in_place_opens_again() -> None:
    deny = copy.deepcopy(ONLY_WEB)
    deny["metadata"]["name"] = "deny-web"
    deny["spec"]["action"] = "DENY"
    objects = [NS, WEB, DB, ONLY_WEB, deny]
    r = reach.from_objects(objects)
    assert not _web_to_db(r)
    with _never_loaded():
        r.delete(deny)
    assert _web_to_db(r)
    assert _everything(r) == _everything(reach.from_objects([NS, WEB, DB, ONLY_WEB]))


def test_a_peer_authentication_added_in_place_is_read() -> None:
    strict = {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "strict", "namespace": "shop"},
        "spec": {"mtls": {"mode": "STRICT"}},
    }
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.apply(strict)
    assert _everything(r) == _everything(reach.from_objects([*objects, strict]))


def test_a_policy_that_parts_a_class_splits_it_in_place() -> None:
    """Two pods of one behaviour class told apart by a new policy's selector: the class
    splits (over the rows before the mesh's AND); the policy deleted, they merge again."""
    cache_pod = _pod("cache-1", "cache", "10.1.0.3")
    cache_pod["spec"]["serviceAccountName"] = "web"
    objects = [NS, WEB, DB, cache_pod, ONLY_WEB]
    r = reach.from_objects(objects)
    assert r.reachability.n_internal == 2
    cache = copy.deepcopy(ONLY_WEB)
    cache["metadata"]["name"] = "cache"
    cache["spec"]["selector"]["matchLabels"] = {"app": "cache"}
    with _never_loaded():
        r.apply(cache)
    assert r.reachability.n_internal == 3
    assert _everything(r) == _everything(reach.from_objects([*objects, cache]))
    with _never_loaded():
        r.delete(cache)
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects(objects))
    with _never_loaded():  # and the change is reach diff's (cache's sidecar now denies)
        each_update_equals_a_load(objects, [("apply", cache, "pod"), ("delete", cache, "pod")])


def test_classes_renumbered_in_place_keep_the_numbers_of_their_answers() -> None:
    """web and cache (web's account) differ by a NetworkPolicy only; extra's class goes
    with its pod (classes renumbered beside the mesh). An AuthorizationPolicy added then
    changes neither's class: it must read them apart by their kept numbers, not load."""
    extra = _pod("extra-1", "extra", "10.1.0.9")
    objects = [NS, WEB, DB, _cache("web"), extra, ONLY_WEB, _deny_to("cache")]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.delete(extra)
    other = copy.deepcopy(ONLY_WEB)
    other["metadata"]["name"] = "extra"
    other["spec"]["selector"]["matchLabels"] = {"app": "extra"}
    with _never_loaded():
        r.apply(other)
    kept = [o for o in objects if o is not extra]
    assert _everything(r) == _everything(reach.from_objects([*kept, other]))


def test_a_class_made_beside_the_mesh_merges_when_the_mesh_sees_it_alike() -> None:
    """web-3 runs as another account: the mesh tells it from web (a class made in place,
    its answers but the mesh's numbered as web's); once the AuthorizationPolicy admits
    that account too, the two classes are one, as a load makes them."""
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    web3 = _pod("web-3", "web", "10.1.0.5")
    web3["spec"]["serviceAccountName"] = "other"
    with _never_loaded():
        r.apply(web3)
    assert r.reachability.n_internal == 3
    both = _allow_from("web")
    both["spec"]["rules"][0]["from"][0]["source"]["principals"].append(
        "cluster.local/ns/shop/sa/other"
    )
    with _never_loaded():
        r.apply(both)
    loaded = reach.from_objects([NS, WEB, DB, web3, both])
    assert loaded.reachability.n_internal == 2
    assert _everything(r) == _everything(loaded)


def test_a_policy_naming_a_new_ip_block_loads() -> None:
    by_block = copy.deepcopy(ONLY_WEB)
    by_block["spec"]["rules"] = [{"from": [{"source": {"ipBlocks": ["10.1.0.0/16"]}}]}]
    r = reach.from_objects([NS, WEB, DB, ONLY_WEB])
    with _never_loaded(), pytest.raises(AssertionError, match="load"):
        r.apply(by_block)


def test_the_last_authorization_policy_deleted_loads() -> None:
    """Without Istio's security objects there is no mesh layer: a compilation without it."""
    r = reach.from_objects([NS, WEB, DB, ONLY_WEB])
    with _never_loaded(), pytest.raises(AssertionError, match="load"):
        r.delete(ONLY_WEB)


def test_a_key_whose_pods_went_before_a_policy_change_is_asked_again() -> None:
    """web-2's key (labels of its own) is in web-1's class; its pod goes, a policy then
    tells the two keys apart (no pod of that key: no class splits), and a pod of that key
    comes back: it may not join web-1's class as before."""
    web2 = _pod("web-2", "web", "10.1.0.4")
    web2["metadata"]["labels"]["track"] = "canary"
    objects = [NS, WEB, DB, web2, ONLY_WEB]
    r = reach.from_objects(objects)
    assert len(set(r.reachability.pod_class.tolist())) == 2
    with _never_loaded():
        r.delete(web2)
    canary = copy.deepcopy(ONLY_WEB)
    canary["metadata"]["name"] = "canary"
    canary["spec"]["selector"]["matchLabels"] = {"track": "canary"}
    canary["spec"]["action"] = "DENY"
    with _never_loaded():
        r.apply(canary)
    r.apply(web2)
    loaded = reach.from_objects([NS, WEB, DB, web2, ONLY_WEB, canary])
    assert len(set(loaded.reachability.pod_class.tolist())) == 3
    assert _everything(r) == _everything(loaded)


def _deny_to(app: str) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"deny-{app}", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"]},
    }


def _cache(account: str) -> Obj:
    pod = _pod("cache-1", "cache", "10.1.0.3")
    pod["spec"]["serviceAccountName"] = account
    return pod


def test_a_network_policy_beside_the_mesh_changes_in_place() -> None:
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    assert _web_to_db(r)
    with _never_loaded():
        r.apply(_deny_to("db"))
    assert not _web_to_db(r)
    assert _everything(r) == _everything(reach.from_objects([*objects, _deny_to("db")]))
    with _never_loaded():
        r.delete(_deny_to("db"))
    assert _web_to_db(r)


def test_classes_the_policies_answer_alike_but_the_mesh_tells_apart_stay_apart() -> None:
    """web and cache differ in the mesh (only web's account is the AuthorizationPolicy's
    principal): a NetworkPolicy that told them apart going merges nothing."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB, _deny_to("cache")]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.delete(_deny_to("cache"))
    loaded = reach.from_objects(objects[:-1])
    assert len(set(loaded.reachability.pod_class.tolist())) == 3
    assert _everything(r) == _everything(loaded)


def test_classes_alike_in_the_mesh_and_the_policies_merge_in_place() -> None:
    """cache runs as web's account: once the NetworkPolicy that told them apart goes, the
    mesh and the policies see them alike, and their classes merge over the rows before
    the mesh's AND."""
    objects = [NS, WEB, DB, _cache("web"), ONLY_WEB, _deny_to("cache")]
    r = reach.from_objects(objects)
    assert r.reachability.n_internal == 3
    with _never_loaded():
        r.delete(_deny_to("cache"))
    assert r.reachability.n_internal == 2
    assert _everything(r) == _everything(reach.from_objects(objects[:-1]))


def test_a_network_policy_that_splits_a_class_beside_the_mesh_splits_it_in_place() -> None:
    objects = [NS, WEB, DB, _cache("web"), ONLY_WEB]
    r = reach.from_objects(objects)
    assert r.reachability.n_internal == 2
    with _never_loaded():
        r.apply(_deny_to("cache"))
    assert r.reachability.n_internal == 3
    assert _everything(r) == _everything(reach.from_objects([*objects, _deny_to("cache")]))


def test_the_kept_answers_are_numbered_again_after_a_network_policy() -> None:
    """A NetworkPolicy that told web and cache apart goes (the mesh still tells them
    apart); then the AuthorizationPolicy that told them apart changes: the two classes
    merge, which the kept answers (numbered again after the first change) must show."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB, _deny_to("cache")]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.delete(_deny_to("cache"))
    r.apply(_allow_from("other"))
    loaded = reach.from_objects([NS, WEB, DB, _cache("cache"), _allow_from("other")])
    assert len(set(loaded.reachability.pod_class.tolist())) == 2
    assert _everything(r) == _everything(loaded)


def test_rows_kept_past_many_policy_changes_beside_the_mesh() -> None:
    """Each change appends rows; past a bound the rows no class uses are dropped and the
    others renumbered: the mesh's rows made before are then not taken by number. Here
    web's policy changes until the bound, and cache's then (its old row dropped, web's
    row taking its number: web and cache have the same mesh answer)."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB]
    r = reach.from_objects(objects)
    state = r.reachability.mesh_state
    cache, web = _deny_to("cache"), _deny_to("web")
    r.apply(cache)
    apps = [{}, {"matchLabels": {"app": "db"}}, {"matchLabels": {"app": "cache"}}]
    for i in range(200):
        state = r.reachability.mesh_state
        assert state is not None
        if len(state.rows) >= 2 * len(np.unique(state.row_of)) + 64:
            break  # the next change drops rows
        web["spec"]["ingress"] = [{"from": [{"podSelector": apps[i % 3]}]}]
        with _never_loaded():
            r.apply(web)
    before = len(state.rows)
    cache["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]
    with _never_loaded():
        r.apply(cache)
    assert r.reachability.mesh_state is not None
    assert len(r.reachability.mesh_state.rows) < before  # rows were dropped
    assert _everything(r) == _everything(reach.from_objects([*objects, cache, web]))


def test_rows_after_the_mesh_and_are_appended_and_dropped_past_a_bound() -> None:
    """An Istio change keeps the numbers of the rows after the mesh's AND made before and
    appends the new ones in place (the rows before the change are a prefix of the same
    memory); past a bound the rows no class uses are dropped, the digests with them. Here
    db's sidecar admits web on another port each time (ports a NetworkPolicy cut before:
    the atoms stay). Each step is a load's; a NetworkPolicy after takes the rows it does
    not change by their digests."""
    cuts = netpol("cuts", "shop", sel(app="none"), ingress=[{"ports": PORTS_1000}])
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB, cuts]
    r = reach.from_objects(objects)
    policy = copy.deepcopy(ONLY_WEB)
    shared, dropped = 0, False
    for i in range(100):
        before = r.reachability.ingress_rows
        policy["spec"]["rules"][0]["to"] = [{"operation": {"ports": [str(1000 + i)]}}]
        with _never_loaded():
            r.apply(policy)
        after, state = r.reachability.ingress_rows, r.reachability.mesh_state
        assert state is not None
        assert list(state.ands.values()) == list(range(len(after)))
        if len(after) < len(before):
            dropped = True
            break
        shared += bool(np.shares_memory(before, after))
    assert dropped
    assert shared >= 48  # appended in place, not copied (but when the room ran out)
    replaced = [o for o in objects if o is not ONLY_WEB]
    assert _everything(r) == _everything(reach.from_objects([*replaced, policy]))
    web = _deny_to("web")
    with _never_loaded():
        r.apply(web)
    assert _everything(r) == _everything(reach.from_objects([*replaced, policy, web]))


def test_rows_after_the_mesh_and_stand_when_the_rows_before_moved_to_a_larger_buffer() -> None:
    """A NetworkPolicy changed again and again beside the mesh appends rows before the
    AND; when their buffer has no room they are copied into a larger one (their numbers
    kept), and the rows after the AND made before still stand: they are appended to, not
    ANDed again (``rowbuffer.extends``)."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB]
    r = reach.from_objects(objects)
    web = _deny_to("web")
    apps = [{}, {"matchLabels": {"app": "db"}}, {"matchLabels": {"app": "cache"}}]
    moved = 0
    for i in range(40):
        before, state = r.reachability.ingress_rows, r.reachability.mesh_state
        assert state is not None
        web["spec"]["ingress"] = [{"from": [{"podSelector": apps[i % 3]}]}]
        with _never_loaded():
            r.apply(web)
        after = r.reachability.mesh_state
        assert after is not None
        moved += not np.shares_memory(state.rows, after.rows)
        assert len(r.reachability.ingress_rows) >= len(before)  # appended to
    assert moved >= 2  # the rows before the AND moved to a larger buffer more than once
    assert _everything(r) == _everything(reach.from_objects([*objects, web]))


def _team(labels: dict[str, str]) -> Obj:
    ns = copy.deepcopy(NS)
    ns["metadata"]["labels"] = {**ns["metadata"]["labels"], **labels}
    return ns


def test_a_namespace_relabelled_beside_the_mesh_changes_in_place() -> None:
    """A NetworkPolicy admits db's ingress from namespaces of team x only: shop's new
    label opens web to db again (and the mesh still allows web)."""
    from_team = _deny_to("db")
    from_team["spec"]["ingress"] = [
        {"from": [{"namespaceSelector": {"matchLabels": {"team": "x"}}}]}
    ]
    objects = [NS, WEB, DB, ONLY_WEB, from_team]
    r = reach.from_objects(objects)
    assert not _web_to_db(r)
    with _never_loaded():
        r.apply(_team({"team": "x"}))
    assert _web_to_db(r)
    assert _everything(r) == _everything(reach.from_objects([*objects[1:], _team({"team": "x"})]))


@pytest.mark.parametrize("by", BY)
def test_a_namespace_whose_sidecar_injection_changes_changes_the_mesh_in_place(by: str) -> None:
    """shop's sidecars taken out (``istio-injection=disabled``) and put back: the
    policies' answers to its new labels, then the mesh's features of its pods read again,
    each in place; equal to a load, the change ``reach diff``'s."""
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    off = _team({"istio-injection": "disabled"})
    objects, change = stepped_in_place(r, objects, "apply", off, by=by)
    assert change.edges or by == "namespace"  # (shop to shop is allowed either way)
    stepped_in_place(r, objects, "apply", NS, by=by)


def test_a_pod_of_a_namespace_added_beside_the_mesh_joins_a_class() -> None:
    """Namespace c (sidecars injected) comes, then a pod in it that answers as cache does
    and that the mesh sees as it sees cache: it joins cache's class, with the sidecar of
    its new namespace."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB]
    r = reach.from_objects(objects)
    made = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "c", "labels": {"istio-injection": "enabled"}},
    }
    there = _cache("cache")
    there["metadata"]["namespace"] = "c"
    with _never_loaded():
        r.apply(made)
        r.apply(there)
    assert len(set(r.reachability.pod_class.tolist())) == 3
    assert _everything(r) == _everything(reach.from_objects([*objects, made, there]))
    with _never_loaded():
        r.delete(there)
        r.delete(made)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_the_change_of_a_load_names_what_a_proxy_now_forwards_to_addresses() -> None:
    """Under a REGISTRY_ONLY Sidecar, sidecars injected in namespace a restrict what its
    pod may open to addresses outside the registry: a load and compilation, and the change
    compared on the classes whose rows changed, the external ends' rows included."""
    registry_only = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Sidecar",
        "metadata": {"name": "default", "namespace": "istio-system"},
        "spec": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}},
    }
    space = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    pod = _pod("p0", "web", "10.1.0.5")
    pod["metadata"]["namespace"] = "a"
    objects = [space, pod, registry_only]
    r = reach.from_objects(objects)
    injected = copy.deepcopy(space)
    injected["metadata"]["labels"] = {"istio-injection": "enabled"}
    change = r.apply(injected, by="pod")
    expected = reach.diff(
        reach.from_objects(objects),
        reach.from_objects([injected, pod, registry_only]),
        by="pod",
        old_label="before",
        new_label="after",
    )
    assert "a/p0[Pod] => 0.0.0.0-255.255.255.255[External]" in str(expected)
    assert str(change) == str(expected)


def test_classes_a_network_policy_told_apart_stay_apart_when_the_mesh_no_longer_does() -> None:
    """web and cache are apart in the mesh only; a NetworkPolicy on cache tells them apart
    too (its answers number the classes again), so the AuthorizationPolicy changed to see
    them alike merges nothing: in place."""
    objects = [NS, WEB, DB, _cache("cache"), ONLY_WEB]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.apply(_deny_to("cache"))
        r.apply(_allow_from("other"))
    loaded = reach.from_objects(
        [NS, WEB, DB, _cache("cache"), _deny_to("cache"), _allow_from("other")]
    )
    assert len(set(loaded.reachability.pod_class.tolist())) == 3
    assert _everything(r) == _everything(loaded)


def _service(target: object, app: str = "web") -> Obj:
    """A Service declaring plain TCP (port name ``tcp``) in front of ``app``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": app, "namespace": "shop"},
        "spec": {
            "selector": {"app": app},
            "ports": [{"name": "tcp", "port": 80, "targetPort": target}],
        },
    }


def _web_on(name: str, number: int) -> Obj:
    pod = _pod(name, "web", f"10.1.0.{number % 250}")
    pod["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": number}]
    return pod


def _get_on(*ports: str) -> Obj:
    """ONLY_WEB, on GET requests to ``ports`` (which cut the ports there)."""
    policy = copy.deepcopy(ONLY_WEB)
    policy["spec"]["rules"][0]["to"] = [{"operation": {"ports": list(ports), "methods": ["GET"]}}]
    return policy


def test_a_service_beside_the_mesh_changes_it_in_place() -> None:
    """A Service declaring plain TCP in front of db: HTTP attributes are missing there, so
    a DENY rule on GET requests denies web's TCP connections on 8080 outright instead of
    conditioning them (the mesh reads the Services of every pod again)."""
    deny = _get_on("8080")
    deny["spec"]["action"] = "DENY"
    objects = [NS, WEB, DB, deny]
    r = reach.from_objects(objects)
    before = _everything(r), _marks(r)
    with _never_loaded():
        r.apply(_service(8080, "db"))
    loaded = reach.from_objects([*objects, _service(8080, "db")])
    assert (_everything(r), _marks(r)) == (_everything(loaded), _marks(loaded)) != before
    with _never_loaded():
        r.delete(_service(8080, "db"))
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_service_naming_a_target_port_beside_the_mesh_changes_it_in_place() -> None:
    """web-1 and web-2 name their port ``http`` on other numbers: a Service whose target
    port is ``http`` tells them apart, and their label class keys (which hold every named
    container port) have told them apart since the load."""
    objects = [NS, _web_on("web-1", 8080), _web_on("web-2", 9000), DB, _get_on("8080", "9000")]
    r = reach.from_objects(objects)
    before = _everything(r), _marks(r)
    with _never_loaded():
        r.apply(_service("http"))
    loaded = reach.from_objects([*objects, _service("http")])
    assert (_everything(r), _marks(r)) == (_everything(loaded), _marks(loaded)) != before


def test_classes_of_equal_hashes_beside_the_mesh_merge_only_when_their_answers_are_equal() -> None:
    """With hashes that collide everywhere, web and cache (alike in the mesh, told apart by
    a NetworkPolicy) share a number after another policy changes: their answers, compared
    one by one, keep them apart (the update loads rather than merging them)."""
    objects = [NS, WEB, DB, _cache("web"), ONLY_WEB, _deny_to("cache"), _deny_to("db")]
    r = reach.from_objects(objects)
    changed = _deny_to("db")
    changed["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]

    def colliding(*_: object) -> np.ndarray:
        return np.zeros(r.reachability.n_internal, dtype=np.uint64)

    with mock.patch.object(reach.engine.policymoves, "_hashes", colliding):
        r.apply(changed)
    loaded = reach.from_objects([*objects[:-1], changed])
    assert loaded.reachability.n_internal == 3
    assert _everything(r) == _everything(loaded)


def test_an_authorization_policy_naming_a_new_port_cuts_the_atoms_in_place() -> None:
    """Port 9999 is no rule's bound: the atoms are cut again, and db admits web on it
    alone; changed back, the finer atoms stay and web reaches db as before."""
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    atoms = len(r.reachability.atoms.atoms)
    on_port = copy.deepcopy(ONLY_WEB)
    on_port["spec"]["rules"][0]["to"] = [{"operation": {"ports": ["9999"]}}]
    with _never_loaded():
        r.apply(on_port)
    assert len(r.reachability.atoms.atoms) > atoms
    assert not _web_to_db(r)
    assert _everything(r) == _everything(reach.from_objects([NS, WEB, DB, on_port]))
    with _never_loaded():
        r.apply(ONLY_WEB)
    assert _web_to_db(r)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_the_last_pod_gone_and_back_beside_the_mesh_makes_its_class_in_place() -> None:
    """No class at all between the two updates: the new class's number is its own."""
    objects = [NS, ONLY_WEB, WEB]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.delete(WEB)
    assert r.reachability.n_internal == 0
    with _never_loaded():
        r.apply(WEB)
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_rules_of_one_cilium_object_tell_classes_apart_when_the_mesh_no_longer_does() -> None:
    """a and b are selected each by one rule (``specs``) of one Cilium object, on other
    ports; an AuthorizationPolicy told them apart too. Once it selects every pod, the mesh
    sees them alike, and the rules still tell them apart: two classes, as a load keeps."""

    def rule(app: str, port: int) -> Obj:
        return {
            "endpointSelector": {"matchLabels": {"app": app}},
            "ingress": [{"fromEndpoints": [{}], "toPorts": [{"ports": [{"port": str(port)}]}]}],
        }

    two = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "two", "namespace": "shop"},
        "specs": [rule("a", 80), rule("b", 443)],
    }
    allow_a = copy.deepcopy(ONLY_WEB)
    allow_a["spec"] = {"selector": {"matchLabels": {"app": "a"}}, "action": "ALLOW", "rules": [{}]}
    other = _deny_to("zzz")
    objects = [NS, _pod("a-1", "a", "10.1.0.1"), _pod("b-1", "b", "10.1.0.2"), two, allow_a, other]
    every = copy.deepcopy(allow_a)
    del every["spec"]["selector"]
    loaded = reach.from_objects([*objects[:4], every])
    assert loaded.reachability.n_internal == 2

    def colliding(*_: object) -> np.ndarray:
        return np.zeros(r.reachability.n_internal, dtype=np.uint64)

    for hashes in (None, colliding):  # the rules' own hashes, then hashes that collide
        r = reach.from_objects(objects)
        with (
            _never_loaded(),
            mock.patch.object(
                reach.engine.policymoves, "_hashes", hashes or reach.engine.policymoves._hashes
            ),
        ):
            r.delete(other)  # a policy taken out: the answers' hashes are made
        r.apply(every)
        assert _everything(r) == _everything(loaded)


def test_an_istio_change_beside_calico_tiers_and_the_mesh_does_not_load() -> None:
    gnp = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "g"},
        "spec": {"selector": "app == 'db'", "types": ["Ingress"], "ingress": [{"action": "Allow"}]},
    }
    objects = [NS, WEB, DB, gnp, ONLY_WEB]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.apply(_allow_from("other"))
    assert _everything(r) == _everything(
        reach.from_objects([NS, WEB, DB, gnp, _allow_from("other")])
    )


def test_a_service_no_calico_rule_names_beside_calico_and_the_mesh_goes_in_place() -> None:
    """Beside Calico's tiers and the mesh (whose rows before the AND are kept, Calico's
    rules being compiled with no state of theirs), a Service no Calico rule names, whose
    ports are cut already, has the mesh made again in place: its port made plain TCP,
    where a DENY of POST requests cannot read the method (it loaded until the fifteenth
    session); one naming a port no rule cut at too, the atoms cut again in the Calico
    state the mesh state keeps (it loaded until the seventeenth session: the atoms were
    cut by a policy state, which this compilation keeps none of)."""
    gnp = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "g"},
        "spec": {"selector": "app == 'db'", "types": ["Ingress"], "ingress": [{"action": "Allow"}]},
    }
    no_post = copy.deepcopy(ONLY_WEB)
    no_post["metadata"]["name"] = "db-no-post"
    no_post["spec"]["action"] = "DENY"
    no_post["spec"]["rules"] = [{"to": [{"operation": {"methods": ["POST"]}}]}]
    db = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 80, "name": "http"}]},
    }
    objects = [NS, WEB, DB, gnp, no_post, db]
    r = reach.from_objects(objects)
    tcp = copy.deepcopy(db)
    tcp["spec"]["ports"][0]["name"] = "tcp"
    objects, change = stepped_in_place(r, objects, "apply", tcp)
    assert change.edges
    objects, change = stepped_in_place(r, objects, "apply", db)
    assert change.edges
    new_port = copy.deepcopy(db)
    new_port["spec"]["ports"] = [{"port": 9999, "name": "tcp"}]
    atoms = len(r.reachability.atoms.starts["TCP"])
    stepped_in_place(r, objects, "apply", new_port)
    assert len(r.reachability.atoms.starts["TCP"]) > atoms


def test_a_pod_relabelled_into_a_service_under_registry_only_equals_a_load() -> None:
    """Found by the property test: under a REGISTRY_ONLY Sidecar, a pod relabelled so that
    a Service of its namespace selects it (a registry host now reaches it) must not join
    the class of pods no registry host reaches. It loaded from then on; since the port
    atoms are cut at the ports a new pod's Services lead to first (what went wrong), it
    takes the quick way: it makes a class, and a replica of new labels joins it."""
    start: list[Obj] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {}}}
        for ns in ("a", "b")
    ]

    def pod(name: str, ns: str, labels: dict[str, str]) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "c"}], "serviceAccountName": "default"},
        }

    db = {"app": "db", "sidecar.istio.io/inject": "true"}
    start += [pod("p0", "a", db), pod("p1", "b", {"app": "web"}), pod("p2", "a", {"app": "web"})]
    start += [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "b"},
            "spec": {"selector": {"app": "db"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "Sidecar",
            "metadata": {"name": "sc0", "namespace": "a"},
            "spec": {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}},
        },
    ]
    r = reach.from_objects(start)
    n = r.reachability.n_internal
    relabelled = pod("p1", "b", db)
    with _never_loaded():
        r.apply(relabelled)
    after = [o for o in start if o["metadata"]["name"] != "p1"] + [relabelled]
    assert _everything(r) == _everything(reach.from_objects(after))
    made = reach.from_objects(after).reachability.n_internal
    assert made == n + 1  # a class: no class of b is one a registry host reaches
    assert r.reachability.n_internal == made
    replica = pod("p3", "b", {**db, "v": "2"})
    with _never_loaded():
        r.apply(replica)
    assert r.reachability.n_internal == made  # it joins that class
    assert _everything(r) == _everything(reach.from_objects([*after, replica]))


def _db_policy(name: str, **spec: object) -> Obj:
    """A NetworkPolicy of namespace shop selecting the db pods, of these spec fields."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "db"}}, **spec},
    }


def _by_block(*blocks: str) -> Obj:
    """ONLY_WEB admitting the sources of ``blocks`` instead."""
    policy = copy.deepcopy(ONLY_WEB)
    policy["spec"]["rules"] = [{"from": [{"source": {"ipBlocks": list(blocks)}}]}]
    return policy


@pytest.mark.parametrize("by", BY)
def test_a_network_policy_of_new_address_bounds_beside_the_mesh_does_not_load(by: str) -> None:
    """A NetworkPolicy whose ipBlock cuts the addresses anew beside Istio's mesh layer
    (whose own ipBlock cuts them too): the rows before the mesh's AND are cut and the mesh
    layer made again over the new segments; deleted, the segments it alone cut merge
    again, and those of the AuthorizationPolicy's ipBlock stay. Each step is a load's
    state and ``reach diff`` of the loads."""
    by_block = _by_block("10.1.0.0/16")
    outside = _db_policy(
        "db-from-outside",
        policyTypes=["Ingress", "Egress"],
        ingress=[{"from": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}],
        egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/24"]}}]}],
    )
    objects = [NS, WEB, DB, by_block]
    r = reach.from_objects(objects)
    before = len(r.reachability.segments)
    objects, change = stepped_in_place(r, objects, "apply", outside, by=by)
    assert len(r.reachability.segments) > before
    assert change.edges  # db may no longer reach what it reached
    stepped_in_place(r, objects, "delete", outside, by=by)
    assert len(r.reachability.segments) == before
    assert (
        r.reachability.segments == reach.from_objects([NS, WEB, DB, by_block]).reachability.segments
    )


def test_a_policy_answering_a_gone_label_class_otherwise_beside_the_mesh_does_not_load() -> None:
    """Beside the mesh layer, after an Istio change, the policy state's class keeps the
    label class whose pods went (web tier a, its first) that the class keys know with no
    class; a NetworkPolicy selecting tier a then selects no pod of the class: it splits
    nothing and the class answers as its keys with pods do (tier b), as a load."""
    tier_a, tier_b = _pod("web-1", "web", "10.1.0.1"), _pod("web-2", "web", "10.1.0.3")
    tier_a["metadata"]["labels"]["tier"] = "a"
    tier_b["metadata"]["labels"]["tier"] = "b"
    objects = [NS, tier_a, tier_b, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    n = r.reachability.n_internal
    objects, _ = stepped_in_place(r, objects, "delete", tier_a)
    objects, _ = stepped_in_place(r, objects, "apply", _allow_from("db"))  # an Istio change
    deny_a = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-tier-a", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"tier": "a"}}, "policyTypes": ["Ingress"]},
    }
    stepped_in_place(r, objects, "apply", deny_a)
    assert r.reachability.n_internal == n


@pytest.mark.parametrize("by", BY)
def test_the_first_ipv6_block_and_the_last_beside_the_mesh_do_not_load(by: str) -> None:
    """Beside the mesh layer (its ipBlock IPv4), a NetworkPolicy naming the first IPv6
    block shows the IPv6 ranges, and deleted hides them again; beside an AuthorizationPolicy
    naming an IPv6 block, the policy's going leaves them shown. Each step is a load's state
    and ``reach diff`` of the loads."""
    by_block = _by_block("10.1.0.0/16")
    v6 = _db_policy("db-from-v6", ingress=[{"from": [{"ipBlock": {"cidr": "2001:db8::/32"}}]}])
    for istio_v6, shown in ((False, False), (True, True)):
        policy = copy.deepcopy(by_block)
        if istio_v6:
            policy["spec"]["rules"][0]["from"][0]["source"]["ipBlocks"].append("fd00::/64")
        objects = [NS, WEB, DB, policy]
        r = reach.from_objects(objects)
        assert r.reachability.ipv6 is shown
        objects, _ = stepped_in_place(r, objects, "apply", v6, by=by)
        assert r.reachability.ipv6
        stepped_in_place(r, objects, "delete", v6, by=by)
        assert r.reachability.ipv6 is shown


def test_a_port_name_beside_the_mesh_resolves_as_the_class_keys_with_pods() -> None:
    """A review found: db's compiled label class (db-1, http on 8080) loses its pods after a
    pod of a new key (db-2, http on 9000) joined the class, and an Istio change takes db-1's
    key out of the class keys; a NetworkPolicy naming ``http`` then comes in place. The
    class resolved ``http`` as its first label class, db-1's (8080); a load: db-2's 9000."""

    def db(name: str, ip: str, port: int) -> Obj:
        pod = _pod(name, "db", ip)
        pod["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": port}]
        return pod

    allow = _allow_from("web")
    allow["spec"]["rules"][0]["from"][0]["source"]["principals"].append(
        "cluster.local/ns/shop/sa/x"
    )
    named = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db-http", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"port": "http", "protocol": "TCP"}]}],
        },
    }
    db1, db2 = db("db-1", "10.1.0.2", 8080), db("db-2", "10.1.0.3", 9000)
    objects = [NS, WEB, db1, ONLY_WEB]
    r = reach.from_objects(objects)
    for what, obj in [("apply", db2), ("delete", db1), ("apply", allow), ("apply", named)]:
        objects, _ = stepped_in_place(r, objects, what, obj)
    ports = [c.ports for c in r.connections(by="pod") if c.dst.id == "shop/db-2[Pod]"]
    assert ports and all(p.contains("TCP", 9000) and not p.contains("TCP", 8080) for p in ports)


def test_the_first_cilium_policy_and_the_last_beside_the_mesh_come_and_go_in_place() -> None:
    """Beside the mesh layer the answers per key are the mesh state's: the first Cilium
    policy makes the identity matcher and has them read the Services, in place (it loaded
    until the fifteenth session); a pod of a new key is then answered by them; the last
    going drops both, and the next first one's ``toServices`` reads a Service applied
    between."""
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    objects, change = stepped_in_place(r, objects, "apply", DB_FROM_WEB)
    assert change.edges  # web-1 reaches db-1 on 5432 only
    canary = _pod("web-2", "web", "10.1.0.9")
    canary["metadata"]["labels"]["track"] = "canary"  # a key no class had
    objects, _ = stepped_in_place(r, objects, "apply", canary)
    objects, change = stepped_in_place(r, objects, "delete", DB_FROM_WEB)
    assert change.edges
    db = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 80, "name": "tcp"}]},
    }
    objects, _ = stepped_in_place(r, objects, "apply", db)
    to_db = _cnp(
        "to-db",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "shop"}}]}
            ],
        },
    )
    objects, change = stepped_in_place(r, objects, "apply", to_db)
    assert change.edges  # the web pods reach db-1 only
    stepped_in_place(r, objects, "delete", to_db)


def test_a_cilium_policy_naming_a_new_pseudo_peer_beside_the_mesh_goes_in_place() -> None:
    """web-1 may reach the API server and be reached from Cilium's ingress: each entity is
    a pseudo peer no rule named, a class after the segments, made with its column over the
    rows before the mesh's AND, which is made again (it loaded until the fifteenth
    session); a second policy naming one of them again, and the policies deleted, the
    last taking the pseudo peers out."""
    objects = [NS, WEB, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    web = {"matchLabels": {"app": "web"}}
    api = _cnp(
        "web-api",
        {
            "endpointSelector": web,
            "egress": [{"toEntities": ["kube-apiserver"]}],
            "ingress": [{"fromEntities": ["ingress"]}],
        },
    )
    objects, change = stepped_in_place(r, objects, "apply", api)
    assert change.edges
    assert {p.id for p in r.reachability.pseudo} == {"kube-apiserver[Entity]", "ingress[Entity]"}
    again = _cnp("db-api", {"endpointSelector": {}, "egress": [{"toEntities": ["kube-apiserver"]}]})
    objects, change = stepped_in_place(r, objects, "apply", again)
    assert change.edges  # db-1 reaches the API server only
    objects, _ = stepped_in_place(r, objects, "delete", api)
    objects, _ = stepped_in_place(r, objects, "delete", again)
    assert r.reachability.pseudo == []


def test_a_service_a_cilium_policy_takes_beside_the_mesh_goes_in_place() -> None:
    """web-1 may reach the pods of the Service ``db`` only (``toServices``), and the mesh
    reads the Service's ports (a DENY of POST requests, whose HTTP attribute a plain-TCP
    port cannot carry): the Service changed to select web-1's own app, its port made
    plain TCP, and deleted has the policy taken out, the mesh made again over the
    Services, and the policy put back, in place (it loaded until the fifteenth
    session)."""
    db = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"selector": {"app": "db"}, "ports": [{"port": 80, "name": "http"}]},
    }
    to_db = _cnp(
        "to-db",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "egress": [
                {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "shop"}}]}
            ],
        },
    )
    no_post = copy.deepcopy(ONLY_WEB)  # db-1's, a DENY of POST requests instead
    no_post["metadata"]["name"] = "db-no-post"
    no_post["spec"]["action"] = "DENY"
    no_post["spec"]["rules"] = [{"to": [{"operation": {"methods": ["POST"]}}]}]
    objects = [NS, WEB, DB, ONLY_WEB, no_post, db, to_db]
    r = reach.from_objects(objects)
    other = copy.deepcopy(db)
    other["spec"]["selector"] = {"app": "web"}
    objects, change = stepped_in_place(r, objects, "apply", other)
    assert change.edges  # web-1 no longer reaches db-1
    tcp = copy.deepcopy(db)
    tcp["spec"]["ports"][0]["name"] = "tcp"
    objects, change = stepped_in_place(r, objects, "apply", tcp)
    assert change.edges
    stepped_in_place(r, objects, "delete", tcp)


@pytest.mark.parametrize("by", BY)
def test_sidecar_injection_relabelled_beside_cilium_policies_changes_in_place(by: str) -> None:
    """A Cilium policy admits into web-1 only what comes from namespaces whose sidecars
    are injected (its peer reads the namespace label ``istio-injection``), and the mesh
    admits into db-1 web's identity only: shop's sidecars taken out and put back change
    both the policy's answers and the mesh's features, in two steps, in place (it loaded
    beside Cilium policies until the fifteenth session)."""
    injected = {"matchLabels": {"io.cilium.k8s.namespace.labels.istio-injection": "enabled"}}
    from_injected = _cnp(
        "web-from-injected",
        {
            "endpointSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"fromEndpoints": [injected]}],
        },
    )
    objects = [NS, WEB, DB, ONLY_WEB, from_injected]
    r = reach.from_objects(objects)
    off = _team({"istio-injection": "disabled"})
    objects, change = stepped_in_place(r, objects, "apply", off, by=by)
    assert change.edges or by == "namespace"
    stepped_in_place(r, objects, "apply", NS, by=by)


def test_the_marks_after_a_class_gone_name_only_profiles_a_class_has() -> None:
    """Found by the property test (seed 1): a mesh layer made again over renumbered
    classes keeps the profiles of the classes it saw alike, and those of a class gone stay
    in its lists; the L7 marks read only the profiles some class has."""
    get_only = copy.deepcopy(ONLY_WEB)
    get_only["spec"]["rules"][0]["to"] = [{"operation": {"methods": ["GET"]}}]
    get_only["spec"]["rules"][0]["from"][0]["source"]["principals"].append(
        "cluster.local/ns/shop/sa/cache"
    )
    cache = _pod("cache-1", "cache", "10.1.0.3")
    cache_get = copy.deepcopy(get_only)  # cache's own destination profile, of marks
    cache_get["metadata"]["name"] = "cache-get"
    cache_get["spec"]["selector"] = {"matchLabels": {"app": "cache"}}
    objects = [NS, WEB, DB, cache, get_only, cache_get]
    r = reach.from_objects(objects)
    assert any("cache-1" in line for line in _marks(r))
    objects, _ = stepped_in_place(r, objects, "delete", cache)
    assert _marks(r) == _marks(reach.from_objects(objects))


def test_the_mesh_layer_reads_the_first_label_classes_again_from_other_keys_only() -> None:
    """The first label class of each class, read from the class keys by key (2,500
    lookups at 10k pods at every change beside the mesh), is the one the layer was made
    over while asked with the same dict and list (a compilation's or a remade layer's;
    never changed in place); with other ones, it is read from them (by the keys' objects
    where they are the dict's, else by their values)."""
    r = reach.from_objects([NS, WEB, DB, _cache("web"), ONLY_WEB, _deny_to("cache")])
    x = r.reachability
    mesh, keys = x.mesh, x.class_keys
    assert mesh is not None and keys is not None and mesh.first_label_class is not None
    made = mesh.first_of(keys.label, keys.first_key)
    assert made is mesh.first_label_class
    assert made.tolist() == [keys.label[k] for k in keys.first_key]
    other = dict(keys.label)  # the classes' first keys swapped: read from them, some
    swapped = [tuple(list(k)) if i % 2 else k for i, k in enumerate(reversed(keys.first_key))]
    assert any(k is not f for k, f in zip(swapped, reversed(keys.first_key), strict=True))
    assert mesh.first_of(other, swapped).tolist() == [other[k] for k in swapped]
    with _never_loaded():
        r.delete(_deny_to("cache"))  # web and cache merge: a layer remade over new keys
    y = r.reachability
    assert y.mesh is not None and y.class_keys is not None
    assert y.mesh.first_of(y.class_keys.label, y.class_keys.first_key) is (y.mesh.first_label_class)


def test_a_namespace_relabelled_beside_the_mesh_after_a_pod_of_new_labels_goes_in_place() -> None:
    """web-2 (web's labels and a rollout's new template hash: a key found since the
    compilation) in shop, then shop's new label, which a NetworkPolicy admits db's
    ingress from: the key is answered as the compiled ones, so the relabel goes in place
    (it loaded) and opens web-2 to db as it opens web-1."""
    from_team = _deny_to("db")
    from_team["spec"]["ingress"] = [
        {"from": [{"namespaceSelector": {"matchLabels": {"team": "x"}}}]}
    ]
    objects = [NS, WEB, DB, ONLY_WEB, from_team]
    r = reach.from_objects(objects)
    rolled = _pod("web-2", "web", "10.1.0.7")
    rolled["metadata"]["labels"]["pod-template-hash"] = "b"
    objects, _ = stepped_in_place(r, objects, "apply", rolled)
    objects, change = stepped_in_place(r, objects, "apply", _team({"team": "x"}))
    assert ("shop/web-2[Pod]", "shop/db-1[Pod]") in {(e.src, e.dst) for e in change.edges}


def test_classes_the_mesh_sees_alike_stay_apart_when_they_resolve_port_names_otherwise() -> None:
    """Found by counting the loads of the property test: web-1 names its port ``http``
    and web-2 names none; a NetworkPolicy naming ``http`` splits their class in place, and
    both parts keep the class's number of answers. web-3 runs as another account, which
    the AuthorizationPolicy tells apart; changed to admit it, the mesh sees the three
    alike, and the classes were parted by their numbers and the mesh's alone: classes of
    other resolutions parted together, and the update loaded. They are parted by their
    resolution too: web-3 joins web-2, web-1 stays apart, in place, as a load parts them."""
    web_1, web_2 = _web_on("web-1", 8080), _pod("web-2", "web", "10.1.0.9")
    web_3 = _pod("web-3", "web", "10.1.0.10")
    web_3["spec"]["serviceAccountName"] = "other"
    named = netpol("db-on-http", "shop", sel(app="db"), ingress=[{"ports": [{"port": "http"}]}])
    both = copy.deepcopy(ONLY_WEB)
    both["spec"]["rules"][0]["from"][0]["source"]["principals"] += [
        "cluster.local/ns/shop/sa/other"
    ]
    objects = [NS, web_1, web_2, web_3, DB, ONLY_WEB]
    r = reach.from_objects(objects)
    assert r.reachability.n_internal == 3  # web-1 and web-2 alike: no rule names http
    objects, _ = stepped_in_place(r, objects, "apply", named)
    assert r.reachability.n_internal == 4
    objects, _ = stepped_in_place(r, objects, "apply", both)
    assert r.reachability.n_internal == 3  # web-3 with web-2; web-1 apart
    stepped_in_place(r, objects, "apply", ONLY_WEB)
