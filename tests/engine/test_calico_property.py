"""Property test: the engine against the brute-force Calico reference (``tests/reference_calico``).

Random small clusters (``tests/strategies_calico.py``) mix NetworkPolicies, sometimes the
Admin/Baseline policies, Calico NetworkPolicies and GlobalNetworkPolicies in several tiers
(Allow, Deny, Pass, Log, default actions), NetworkSets, GlobalNetworkSets, Profiles and
Services. For every ordered pod pair and every probe address (``PROBE_IPS``, the NetworkPolicy
and Admin probes, every Calico CIDR's edges; both directions), every protocol and every probe
port (``PROBE_PORTS``, the rule and container ports and their neighbours), the reference's
answer must equal the engine's.

The number of examples is ``REACH_CALICO_EXAMPLES`` (default 30, about 20 s here); run it long
with e.g. ``REACH_CALICO_EXAMPLES=1000 python -m pytest tests/engine/test_calico_property.py
--hypothesis-seed=1``.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import pickle

from hypothesis import given

from reach.engine.compile import compile_cluster
from reach.engine.provenance import Provenance
from reach.model.cluster import Cluster
from reach.model.ports import PortSet
from tests.agreement import agreement_settings, mismatches, sorted_probes
from tests.engine.test_admin_vs_reference import admin_probe_ips, admin_probe_ports
from tests.engine.test_cilium_property import EngineAnswers
from tests.reference_calico import CalicoReference
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
