"""Property test: the engine against the brute-force Calico reference (``tests/reference_calico``).

Random small clusters (``tests/strategies_calico.py``) mix NetworkPolicies, sometimes the
Admin/Baseline policies, Calico NetworkPolicies and GlobalNetworkPolicies in several tiers
(Allow, Deny, Pass, Log, default actions), NetworkSets, GlobalNetworkSets, Profiles and
Services. For every ordered pod pair and every probe address (``PROBE_IPS``, the NetworkPolicy
and Admin probes, every Calico CIDR's edges; both directions), every protocol and every probe
port (``PROBE_PORTS``, the rule and container ports and their neighbours), the reference's
answer must equal the engine's. The network set nodes of the view hold the addresses the
reference says each set holds, and connect with what the reference allows to some of them.

The number of examples is ``REACH_CALICO_EXAMPLES`` (default 30, about 20 s here); run it long
with e.g. ``REACH_CALICO_EXAMPLES=1000 python -m pytest tests/engine/test_calico_property.py
--hypothesis-seed=1``.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import pickle

import numpy as np
from hypothesis import given

from reach.analysis.views import build_view
from reach.engine.compile import compile_cluster
from reach.engine.provenance import Provenance
from reach.model.cluster import Cluster
from reach.model.ipspace import segment_of
from reach.model.ports import PortSet
from tests.agreement import agreement_settings, mismatches, sorted_probes
from tests.engine.test_admin_vs_reference import admin_probe_ips, admin_probe_ports
from tests.engine.test_cilium_property import EngineAnswers
from tests.reference_calico import CalicoReference, network_set_allowed
from tests.strategies_calico import PROBE_IPS, PROBE_PORTS, CalicoCase, calico_clusters

EXAMPLES = int(os.environ.get("REACH_CALICO_EXAMPLES", "30"))


def calico_probe_ips(case: CalicoCase) -> list[str]:
    """The fixed Calico probes, the NetworkPolicy and Admin ones, and the edges of every
    CIDR of the Calico rules and network sets."""
    calico = case.cluster.calico
    blocks = [b for s in calico.network_sets for b in s.nets]
    rules = [r for p in calico.policies for r in (*p.ingress, *p.egress)]
    rules += [r for p in calico.profiles.values() for r in (*p.ingress, *p.egress)]
    for rule in rules:
        for end in (rule.source, rule.destination):
            blocks += [*(end.nets or ()), *end.not_nets]
    cidrs = [str(network) for block in blocks for network in (block.cidr, *block.excepts)]
    probes = {ipaddress.ip_address(ip) for ip in [*PROBE_IPS, *admin_probe_ips(case.objects)]}
    return sorted_probes(probes, cidrs)


def calico_probe_ports(case: CalicoCase) -> list[int]:
    """The fixed Calico probe ports, the NetworkPolicy/Admin/container ones, and every Calico
    port bound and Service target with its neighbours."""
    ports = set(PROBE_PORTS) | set(admin_probe_ports(case.objects))
    calico = case.cluster.calico
    rules = [r for p in calico.policies for r in (*p.ingress, *p.egress)]
    rules += [r for p in calico.profiles.values() for r in (*p.ingress, *p.egress)]
    bounds = [
        bound
        for rule in rules
        for port in (*(rule.destination.ports or ()), *rule.destination.not_ports)
        if port.name is None
        for bound in (port.first, port.last)
    ]
    bounds += [
        sp.target_port
        for s in case.cluster.services
        for sp in s.ports
        if isinstance(sp.target_port, int)
    ]
    bounds += [cp.port for pod in case.cluster.pods for cp in pod.ports]
    for bound in bounds:
        ports.update(p for p in (bound - 1, bound, bound + 1) if 1 <= p <= 65535)
    return sorted(ports)


def disagreements(case: CalicoCase) -> list[str]:
    """Every (src, dst, protocol, port) on which the engine and the reference differ."""
    return cluster_disagreements(case.cluster, calico_probe_ips(case), calico_probe_ports(case))


def cluster_disagreements(cluster: Cluster, ips: list[str], ports: list[int]) -> list[str]:
    reference = CalicoReference(cluster)
    engine = EngineAnswers(copy.deepcopy(cluster))
    return mismatches(reference, engine, sorted(reference.pods), ips, ports)


@agreement_settings(EXAMPLES)
@given(calico_clusters())
def test_engine_matches_calico_reference(case: CalicoCase) -> None:
    found = disagreements(case)
    if found and os.environ.get("REACH_CALICO_DUMP"):  # a pickle of the case, to minimize
        with open(os.environ["REACH_CALICO_DUMP"], "wb") as out:
            pickle.dump(case, out)
    assert not found, f"{len(found)} disagreements, first ones:\n" + "\n".join(found[:20])


def provenance_disagreements(cluster: Cluster) -> list[str]:
    """Class pairs on which explain's two sides (``Provenance``) allow other ports than the
    engine's rows."""
    reachability = compile_cluster(copy.deepcopy(cluster))
    provenance = Provenance(reachability)
    n, total = reachability.n_internal, reachability.n_classes
    out = []
    for s in range(total):
        for d in range(n if s >= n else total):
            sides = [provenance.side(direction, s, d) for direction in ("egress", "ingress")]
            both = sides[0].allowed & sides[1].allowed if s < n or d < n else PortSet.empty()
            if both != reachability.ports(s, d):
                out.append(f"classes {s} -> {d}: explain {both}, engine {reachability.ports(s, d)}")
    return out


@agreement_settings(max(EXAMPLES // 2, 5))
@given(calico_clusters())
def test_explain_walks_calico_tiers_as_the_engine(case: CalicoCase) -> None:
    found = provenance_disagreements(case.cluster)
    assert not found, "\n".join(found[:20])


def network_set_disagreements(case: CalicoCase) -> list[str]:
    """The view's network set nodes against the reference: every address a set's CIDRs hold
    is in that set's node and in no External node (an address no set holds is in exactly one
    External node), and every pod reaches (is reached from) a set's node on what it reaches
    of some address of the set, port by port."""
    cluster, ips, ports = case.cluster, calico_probe_ips(case), calico_probe_ports(case)
    reference = CalicoReference(cluster)
    reachability = compile_cluster(copy.deepcopy(cluster))
    view = build_view(reachability, "pod", ipv6=True)
    sets = {s.node_id: s for s in cluster.calico.network_sets if s.nets}
    set_nodes = range(view.first_set, view.first_pseudo)
    out = []
    if sorted(view.nodes[j].id for j in set_nodes) != sorted(sets):
        out.append(f"set nodes {[view.nodes[j].id for j in set_nodes]}, sets {sorted(sets)}")
    for ip in ips:
        cls = reachability.n_internal + segment_of(reachability.segments, ipaddress.ip_address(ip))
        holding = sorted(view.nodes[i].id for i in view.nodes_of_class(cls))
        expected = sorted(s.node_id for s in reference.netsets_holding(ip))
        if expected and holding != expected:
            out.append(f"{ip} is in {holding}, reference {expected}")
        if not expected and (len(holding) != 1 or not holding[0].endswith("[External]")):
            out.append(f"{ip} is in {holding}, reference one External range")
    pods = {str(view.nodes[i].id): i for i in range(view.n_internal)}
    for key in sorted(reference.pods):
        i = pods[f"{key[0]}/{key[1]}[Pod]"]
        for j in set_nodes:
            network_set = sets[view.nodes[j].id]
            for src, dst, a, b in ((key, network_set, i, j), (network_set, key, j, i)):
                got = reachability.atoms.portsets[
                    int(view.node_ids(np.array([a]), np.array([b]))[0, 0])
                ]
                for protocol in ("TCP", "UDP", "SCTP"):
                    for port in ports:
                        want = network_set_allowed(reference, src, dst, protocol, port, ips)
                        if want != bool(got.contains(protocol, port)):
                            out.append(
                                f"{view.nodes[a].id} -> {view.nodes[b].id} {protocol}/{port}: "
                                f"reference={want} reach={not want}"
                            )
    return out


@agreement_settings(max(EXAMPLES // 2, 5))
@given(calico_clusters())
def test_network_set_nodes_match_calico_reference(case: CalicoCase) -> None:
    found = network_set_disagreements(case)
    assert not found, f"{len(found)} disagreements, first ones:\n" + "\n".join(found[:20])
