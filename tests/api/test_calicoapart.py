"""Calico objects that Calico's tiers do not decide by, changed in place: with no enforced
Calico policy and no Profile in the input, a Tier, a staged policy, a HostEndpoint or a
network set only makes a load say things and cut the address segments at the sets' CIDRs
(``reach.api.calicoupdate``, ``reach.engine.setmoves``); beside them NetworkPolicies and
namespaces change in place too. HostEndpoints and StagedKubernetesNetworkPolicies are
said of only, Calico's tiers deciding or not. Each step is a load of the same objects, and
its change ``reach diff`` of the loads before and after."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from tests.api.test_calicoupdate import (
    CALICO,
    NS_A,
    NS_B,
    OBJECTS,
    SECURITY,
    V4,
    V6,
    _network_set,
    _tiers,
)
from tests.api.test_podupdate import (
    BY,
    Event,
    _everything,
    _pod,
    a_namespace_event,
    a_pod_event,
    applied_or_deleted,
    declared_clusters,
    each_update_equals_a_load,
    stepped_in_place,
)
from tests.api.test_whatif import key
from tests.strategies import NS_NAMES, policy_manifests

Obj = dict[str, Any]

PODS = [NS_A, NS_B, _pod("a-1", {"app": "a"}, "ns-a"), _pod("b-1", {"app": "b"}, "ns-b")]
#: Egress of ns-a to 10.0.0.0/8 only: a rule whose block a network set may cut inside.
TEN = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "ten", "namespace": "ns-a"},
    "spec": {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}],
    },
}


def _set(name: str, nets: list[str], namespace: str = "") -> Obj:
    return _network_set(name, nets, {"role": "far"}, namespace)


def _nodes(r: reach.Reach) -> set[str]:
    return {n.id for n in r.view("pod").nodes}


def test_a_tier_no_enforced_calico_object_is_in_goes_in_place() -> None:
    """A Tier with no Calico policy in it and no Profile: nothing walks it."""
    tier = {"apiVersion": CALICO, "kind": "Tier", "metadata": {"name": "security"}}
    tier["spec"] = {"order": 100}
    r = reach.from_objects([*PODS, TEN])
    objects, _ = stepped_in_place(r, [*PODS, TEN], "apply", tier)
    passing = copy.deepcopy(tier)
    passing["spec"]["defaultAction"] = "Pass"
    objects, change = stepped_in_place(r, objects, "apply", passing)
    assert not change.edges
    stepped_in_place(r, objects, "delete", passing)


def test_network_sets_no_tier_decides_by_cut_the_segments_in_place() -> None:
    """No rule reads a set, but each is a node of its own, of whole segments: its CIDRs
    cut the segments finer (inside the rule's block and outside it), and coarser when the
    set goes."""
    r = reach.from_objects([*PODS, TEN])
    first = _set("far", ["10.1.0.0/16", "192.168.0.0/16"])
    objects, _ = stepped_in_place(r, [*PODS, TEN], "apply", first)
    assert "far[GlobalNetworkSet]" in _nodes(r)
    moved = _set("far", ["10.2.0.0/16"])
    objects, _ = stepped_in_place(r, objects, "apply", moved)
    n = len(r.reachability.segments)
    objects, _ = stepped_in_place(r, objects, "delete", moved)
    assert "far[GlobalNetworkSet]" not in _nodes(r)
    assert len(r.reachability.segments) < n  # (coarser, as a load cuts them)


def test_a_network_set_no_tier_decides_by_brings_its_namespace_and_takes_it() -> None:
    """A NetworkSet in a namespace no object declares: a load makes the namespace of it."""
    r = reach.from_objects(PODS)
    far = _set("far", ["172.16.0.0/12"], namespace="ns-far")
    objects, _ = stepped_in_place(r, PODS, "apply", far)
    assert "ns-far" in r.cluster.namespaces
    stepped_in_place(r, objects, "delete", far)
    assert "ns-far" not in r.cluster.namespaces


def test_policies_and_namespaces_beside_calico_objects_no_tier_decides_by() -> None:
    """Beside a network set and a Tier (no enforced Calico object), a NetworkPolicy whose
    block the set's CIDRs cut, and a namespace relabelled, go in place."""
    tier = {"apiVersion": CALICO, "kind": "Tier", "metadata": {"name": "security"}}
    tier["spec"] = {"order": 100}
    start = [*PODS, _set("far", ["10.1.0.0/16"]), tier]
    r = reach.from_objects(start)
    objects, change = stepped_in_place(r, start, "apply", TEN)
    assert change.edges
    relabelled = copy.deepcopy(NS_B)
    relabelled["metadata"]["labels"] = {"team": "b"}
    objects, _ = stepped_in_place(r, objects, "apply", relabelled)
    objects, _ = stepped_in_place(r, objects, "delete", TEN)


HOST = {
    "apiVersion": CALICO,
    "kind": "HostEndpoint",
    "metadata": {"name": "node-1.eth0"},
    "spec": {"node": "node-1", "interfaceName": "eth0", "expectedIPs": ["192.168.0.1"]},
}
STAGED_K8S = {
    "apiVersion": CALICO,
    "kind": "StagedKubernetesNetworkPolicy",
    "metadata": {"name": "deny-a", "namespace": "ns-a"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}


def test_host_endpoints_and_staged_kubernetes_policies_are_said_of_only() -> None:
    """Outside reach's pod model, or never enforced: their diagnostics come and go, no row
    changes; with Calico's tiers deciding (a GlobalNetworkPolicy) or not."""
    for start in ([*PODS], [*PODS, OBJECTS[0]]):
        r = reach.from_objects(start)
        objects = start
        for obj, code in ((HOST, "calico-host-endpoint"), (STAGED_K8S, "calico-staged")):
            objects, change = stepped_in_place(r, objects, "apply", obj)
            assert not change.edges
            assert code in {d.code for d in r.diagnostics}
            objects, _ = stepped_in_place(r, objects, "delete", obj)
            assert code not in {d.code for d in r.diagnostics}


def test_a_namespace_deleted_after_an_object_said_of_only_beside_the_tiers() -> None:
    """A HostEndpoint said of beside Calico's tiers keeps the rules as compiled and reads
    the policies again: the namespace deletion after it found the Calico rules equal but
    not the same objects, and loaded (the Calico-apart property test, seed 2)."""
    space = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}}
    space["metadata"]["labels"] = {"team": "x"}
    deny = OBJECTS[0]  # web may not reach app a
    team = copy.deepcopy(TEN)
    team["spec"] = {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}
    team["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] = {"team": "x"}
    pods = [_pod("a-1", {"app": "a"}, "ns-a"), _pod("w-1", {"app": "w", "tier": "web"}, "ns-a")]
    start = [space, *pods, team, deny]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", HOST)
    stepped_in_place(r, objects, "delete", space)


def test_a_network_policy_whose_calico_copy_is_held_no_tier_deciding() -> None:
    """A load leaves Calico's copy (``knp.default.x``) out while the original is there, so
    no Calico policy is enforced; the original deleted, the copy is, and Calico's tiers
    decide: that loads, and equals a load."""
    deny = copy.deepcopy(TEN)
    copied = {
        "apiVersion": CALICO,
        "kind": "NetworkPolicy",
        "metadata": {"name": "knp.default.ten", "namespace": "ns-a"},
        "spec": {"selector": "all()", "types": ["Ingress"], "order": 1000},
    }
    r = reach.from_objects([*PODS, copied, deny])
    r.delete(deny)
    assert _everything(r) == _everything(reach.from_objects([*PODS, copied]))
    r.apply(deny)
    assert _everything(r) == _everything(reach.from_objects([*PODS, copied, deny]))


@st.composite
def apart_events(draw: st.DrawFn, start: list[Obj]) -> list[Event]:
    """Network sets (global or namespaced, in a namespace nothing else is in too), Tiers,
    HostEndpoints and staged Kubernetes policies added, changed and deleted; Kubernetes
    NetworkPolicies, namespace and pod events between; now and then an enforced Calico
    policy coming or going (Calico's tiers start or stop deciding: a load)."""
    known = {key(o): o for o in start}
    out: list[Event] = []
    for _ in range(draw(st.integers(1, 15))):
        way = draw(st.sampled_from(["set", "set", "tier", "host", "staged", "np", "ns", "pod"]))
        by = draw(st.sampled_from(BY))
        if way == "ns":
            a_namespace_event(draw, known, out, by)
        elif way == "pod":
            a_pod_event(draw, known, out)
        elif way == "np":
            name = f"np-{draw(st.integers(0, 2))}"
            obj = draw(policy_manifests(draw(st.sampled_from(NS_NAMES)), name))
            applied_or_deleted(draw, known, out, obj, by)
        else:
            applied_or_deleted(draw, known, out, _apart_object(draw, way), by)
        if draw(st.integers(0, 9)) == 0:  # the first enforced Calico policy, or the last
            applied_or_deleted(draw, known, out, OBJECTS[0], by)
    return out


def _apart_object(draw: st.DrawFn, way: str) -> Obj:
    """A Calico object of ``way`` that Calico's tiers do not decide by."""
    if way == "set":
        nets = draw(st.lists(st.sampled_from(V4 + V6), min_size=1, max_size=2, unique=True))
        namespace = draw(st.sampled_from(["", "ns-a", "ns-far"]))
        return _set(f"set-{draw(st.integers(0, 1))}", nets, namespace)
    if way == "tier":
        tier = copy.deepcopy(SECURITY)
        tier["spec"]["order"] = draw(st.sampled_from([1, 50, 2000000]))
        if draw(st.booleans()):
            tier["spec"]["defaultAction"] = draw(st.sampled_from(["Deny", "Pass"]))
        return tier
    if way == "host":
        host = copy.deepcopy(HOST)
        host["spec"]["expectedIPs"] = [draw(st.sampled_from(["192.168.0.1", "10.9.0.1"]))]
        return host
    staged = copy.deepcopy(STAGED_K8S)
    staged["metadata"]["name"] = f"staged-{draw(st.integers(0, 1))}"
    return staged


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_calico_objects_no_tier_decides_by_equal_a_load_of_the_same_objects(
    data: st.DataObject,
) -> None:
    start = data.draw(declared_clusters())
    start += data.draw(st.lists(st.sampled_from([_set("set-0", ["10.1.0.0/16"]), SECURITY])))
    start = list({key(o): o for o in start}.values())
    each_update_equals_a_load(start, data.draw(apart_events(start)), also=_tiers)


def test_a_network_set_beside_the_mesh_layer_keeps_its_ip_blocks_cutting() -> None:
    """Beside Istio's mesh layer, whose ipBlocks cut the segments too: a set whose CIDRs
    cut at the same bounds comes and goes, and the segments stay cut where the mesh cuts
    them (a load cuts at every ipBlock of the mesh and every set)."""
    from tests.api.test_meshupdate import DB, NS, WEB, _by_block

    start = [NS, WEB, DB, _by_block("10.1.0.0/16")]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", _set("near", ["10.1.0.0/16", "10.2.0.0/16"]))
    assert "near[GlobalNetworkSet]" in _nodes(r)
    stepped_in_place(r, objects, "delete", _set("near", ["10.1.0.0/16", "10.2.0.0/16"]))


def test_a_cilium_policy_beside_a_network_set_no_tier_decides_by() -> None:
    """Cilium policies loaded beside any Calico object before; with no enforced one, a
    CiliumNetworkPolicy whose CIDRs cut inside a network set's goes in place."""
    cnp = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "c", "namespace": "ns-a"},
        "spec": {"endpointSelector": {}, "egress": [{"toCIDR": ["10.0.0.0/8"]}]},
    }
    narrower = copy.deepcopy(cnp)
    narrower["spec"]["egress"] = [{"toCIDR": ["10.1.128.0/17"]}]
    start = [*PODS, _set("far", ["10.1.0.0/16"])]
    r = reach.from_objects(start)
    objects, change = stepped_in_place(r, start, "apply", cnp)
    assert change.edges
    objects, _ = stepped_in_place(r, objects, "apply", narrower)
    stepped_in_place(r, objects, "delete", narrower)
