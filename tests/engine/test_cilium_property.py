"""Property test: the engine against the brute-force Cilium reference (``tests/reference_cilium``).

Random small clusters (``tests/strategies_cilium.py``) mix NetworkPolicies, sometimes the
Admin/Baseline policies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (built as
model objects), and Services. For every ordered pod pair and every probe address (each CIDR's
first and last address and their outside neighbours, both directions), every protocol and
every interesting port, the reference's answer must equal the engine's.

The number of examples is ``REACH_CILIUM_EXAMPLES`` (default 40, about 20 s here); run it long
with e.g. ``REACH_CILIUM_EXAMPLES=1000 python -m pytest tests/engine/test_cilium_property.py
--hypothesis-seed=1``.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import pickle
import warnings
from dataclasses import fields, replace
from typing import Any

from hypothesis import given

import reach
from reach.model.cilium import CiliumPolicy, CiliumRule
from reach.model.cluster import Cluster
from reach.model.ipspace import segment_of
from reach.model.selectors import LabelSelector
from tests.agreement import agreement_settings, mismatches, sorted_probes
from tests.engine.test_admin_vs_reference import admin_probe_ips, admin_probe_ports, banp_manifest
from tests.reference import Obj
from tests.reference_cilium import CiliumReference, Endpoint, PodKey
from tests.strategies_cilium import CiliumCase, cilium_clusters, parse

EXAMPLES = int(os.environ.get("REACH_CILIUM_EXAMPLES", "40"))


def cilium_probe_ips(case: CiliumCase) -> list[str]:
    """The NetworkPolicy and Admin probes, plus every Cilium CIDR and except boundary."""
    cidrs = [
        str(network)
        for policy in case.cluster.cilium_policies
        for rule in policy.rules
        for block in rule.cidrs
        for network in (block.cidr, *block.excepts)
    ]
    probes = {ipaddress.ip_address(ip) for ip in admin_probe_ips(case.objects)}
    return sorted_probes(probes, cidrs)


def cilium_probe_ports(case: CiliumCase) -> list[int]:
    """The NetworkPolicy, Admin and container ports, plus every Cilium port and endPort, with
    their neighbours."""
    ports = set(admin_probe_ports(case.objects))
    for policy in case.cluster.cilium_policies:
        for rule in policy.rules:
            for spec in rule.ports or ():
                for bound in (spec.port, spec.end_port):
                    if isinstance(bound, int):
                        ports.update(p for p in (bound - 1, bound, bound + 1) if 1 <= p <= 65535)
    return sorted(ports)


class EngineAnswers:
    """The engine's connections of a Cluster (``Reach(cluster)``, pod granularity, IPv6 on),
    indexed for single (src, dst) questions."""

    def __init__(self, cluster: Cluster) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = reach.Reach(cluster)
        self.pairs: dict[tuple[PodKey, PodKey], Any] = {}
        self.externals: dict[tuple[PodKey, str], list[tuple[int, int, int, Any]]] = {}
        self.reachability = graph.analysis.reachability
        view = graph.analysis.view("pod", True)
        #: Segments a Calico network set's node holds: no External node shows them, and the
        #: set's node unites them (tests/engine/test_calico_property.py checks it); their
        #: addresses are answered from the engine's classes.
        held = view.node_classes[view.first_set : view.first_pseudo]
        self.in_sets = {c for classes in held for c in classes.tolist()}
        self.pod_index = {(p.namespace, p.name): i for i, p in enumerate(self.reachability.pods)}
        for connection in graph.connections(by="pod", ipv6=True):
            src, dst = connection.src, connection.dst
            if "pseudo" in (src.type, dst.type) or "networkset" in (src.type, dst.type):
                continue  # entities and names without addresses: tests/engine/test_cilium_pseudo
            if src.type == "pod" and dst.type == "pod":
                pair = ((src.namespace, src.name), (dst.namespace, dst.name))
                assert pair not in self.pairs, f"duplicate connection {pair}"
                self.pairs[pair] = connection.ports
                continue
            pod, ext, way = (src, dst, "out") if dst.type == "external" else (dst, src, "in")
            assert pod.type == "pod", connection
            first, last = ext.ip_range
            self.externals.setdefault(((pod.namespace, pod.name), way), []).append(
                (first.version, int(first), int(last), connection.ports)
            )

    def ports_for(self, src: Endpoint, dst: Endpoint) -> Any:
        if not isinstance(src, str) and not isinstance(dst, str):
            return self.pairs.get((src, dst))
        pod, ip, way = (src, dst, "out") if isinstance(dst, str) else (dst, src, "in")
        assert not isinstance(pod, str) and isinstance(ip, str)
        address = ipaddress.ip_address(ip)
        r = self.reachability
        seg = r.n_internal + segment_of(r.segments, address)
        if seg in self.in_sets:
            own = int(r.pod_class[self.pod_index[pod]])
            return r.ports(own, seg) if way == "out" else r.ports(seg, own)
        hits = [
            ports
            for version, first, last, ports in self.externals.get((pod, way), [])
            if version == address.version and first <= int(address) <= last
        ]
        assert len(hits) <= 1, f"{ip} in {len(hits)} segments for {pod} ({way})"
        return hits[0] if hits else None


def disagreements(case: CiliumCase) -> list[str]:
    """Every (src, dst, protocol, port) on which the engine and the reference differ."""
    return _disagreements(case.cluster, cilium_probe_ips(case), cilium_probe_ports(case))


def _disagreements(cluster: Cluster, ips: list[str], ports: list[int]) -> list[str]:
    reference = CiliumReference(cluster)
    engine = EngineAnswers(copy.deepcopy(cluster))
    return mismatches(reference, engine, sorted(reference.pods), ips, ports)


@agreement_settings(EXAMPLES)
@given(cilium_clusters())
def test_engine_matches_cilium_reference(case: CiliumCase) -> None:
    found = disagreements(case)
    if found and os.environ.get("REACH_CILIUM_DUMP"):  # for minimize(): a pickle of the case
        with open(os.environ["REACH_CILIUM_DUMP"], "wb") as out:
            pickle.dump(case, out)
    assert not found, f"{len(found)} disagreements, first ones:\n" + "\n".join(found[:20])


# --------------------------------------------------------------------------- found disagreements


def _world_allowed_without_default_deny_vs_baseline_deny() -> CiliumCase:
    """Found by the property test (seeds 1 and 2): a CCNP with ``enableDefaultDeny.egress:
    false`` allows ``toEntities: [world]``; the BANP denies egress to 0.0.0.0/0. C6: "what
    Admin passes or leaves is decided by the formula above, with Baseline in place of 'not
    isolated'": allowed by Cilium, so the Baseline tier is not consulted."""
    objects: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
        },
        banp_manifest(
            {
                "subject": {"namespaces": {}},
                "egress": [{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}],
            }
        ),
    ]
    cluster = parse(objects)
    world = CiliumRule("egress", deny=False, index=0, entities=("world",))
    cluster.cilium_policies = [
        CiliumPolicy(
            "CiliumClusterwideNetworkPolicy", "", "allow-world", LabelSelector(), egress=(world,)
        )
    ]
    return CiliumCase(objects, cluster)


def test_cilium_allow_without_default_deny_is_not_overridden_by_the_baseline_tier() -> None:
    case = _world_allowed_without_default_deny_vs_baseline_deny()
    assert CiliumReference(case.cluster).allowed(("default", "a"), "8.8.8.8", "TCP", 80)
    assert not disagreements(case)


# --------------------------------------------------------------------------- reproducers


def minimize(case: CiliumCase) -> Cluster:
    """A smaller cluster on which the engine and the reference still disagree (probes of the
    original case kept), for reports: Hypothesis's own shrinking is slow on these examples.
    Greedy: drop objects, rules and peers, and clear flags, while a disagreement remains."""
    ips, ports = cilium_probe_ips(case), cilium_probe_ports(case)

    def fails(cluster: Cluster) -> bool:
        return bool(_disagreements(cluster, ips, ports))

    current = case.cluster
    assert fails(current)
    changed = True
    while changed:
        changed = False
        for candidate in _smaller(current):
            if fails(candidate):
                current, changed = candidate, True
                break
    return current


def _smaller(cluster: Cluster) -> list[Cluster]:
    """Every cluster one step simpler than ``cluster``."""
    out: list[Cluster] = []
    for name in ("pods", "policies", "admin_policies", "cilium_policies", "services"):
        items = getattr(cluster, name)
        for i in range(len(items)):
            out.append(replace(cluster, **{name: items[:i] + items[i + 1 :]}))
    for i, policy in enumerate(cluster.cilium_policies):
        variants = []
        for side in ("ingress", "egress"):
            rules = getattr(policy, side)
            for j, rule in enumerate(rules):
                variants.append(replace(policy, **{side: rules[:j] + rules[j + 1 :]}))
                for field in fields(rule):
                    value = getattr(rule, field.name)
                    if isinstance(value, tuple) and value:
                        for k in range(len(value)):
                            smaller = replace(rule, **{field.name: value[:k] + value[k + 1 :]})
                            variants.append(
                                replace(policy, **{side: (*rules[:j], smaller, *rules[j + 1 :])})
                            )
                if rule.ports is not None:
                    variants.append(
                        replace(
                            policy,
                            **{side: (*rules[:j], replace(rule, ports=None), *rules[j + 1 :])},
                        )
                    )
            if getattr(policy, f"{side}_isolating"):
                variants.append(replace(policy, **{f"{side}_isolating": False}))
        reqs = policy.endpoint_selector.requirements
        for k in range(len(reqs)):
            selector = replace(policy.endpoint_selector, requirements=reqs[:k] + reqs[k + 1 :])
            variants.append(replace(policy, endpoint_selector=selector))
        for variant in variants:
            policies = list(cluster.cilium_policies)
            policies[i] = variant
            out.append(replace(cluster, cilium_policies=policies))
    for i, pol in enumerate(cluster.policies):
        for side in ("ingress", "egress"):
            rules = getattr(pol, side)
            for j in range(len(rules)):
                policies = list(cluster.policies)
                policies[i] = replace(pol, **{side: rules[:j] + rules[j + 1 :]})
                out.append(replace(cluster, policies=policies))
    for i, pod in enumerate(cluster.pods):
        for variant in (
            replace(pod, labels=()),
            replace(pod, ports=()),
            replace(pod, host_network=False),
        ):
            if variant != pod:
                pods = list(cluster.pods)
                pods[i] = variant
                out.append(replace(cluster, pods=pods))
    return out
