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

import reach
from tests.api.test_calicoupdate import CALICO, NS_A, NS_B, OBJECTS
from tests.api.test_podupdate import _everything, _pod, stepped_in_place

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


def _set(name: str, nets: list[str], namespace: str | None = None) -> Obj:
    kind = "NetworkSet" if namespace else "GlobalNetworkSet"
    meta: Obj = {"name": name, "labels": {"role": "far"}}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": CALICO, "kind": kind, "metadata": meta, "spec": {"nets": nets}}


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
