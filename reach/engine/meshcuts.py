"""Where the mesh cuts the port atoms: the ports Istio's objects name, the ports Services
lead to on their pods, and under REGISTRY_ONLY those of the ServiceEntries (so that what
a sidecar admits or forwards is a union of whole atoms)."""

from __future__ import annotations

from reach.model.backends import pod_port, selects
from reach.model.cluster import Cluster, Pod
from reach.model.ports import PortSet
from reach.model.services import Service


def port_sets(cluster: Cluster) -> list[PortSet]:
    """The ports the policies name, the Services' target ports, the ServiceEntries' ports
    under REGISTRY_ONLY."""
    istio = cluster.istio
    out = [
        PortSet.of("TCP", p)
        for policy in istio.authorization
        for rule in policy.rules
        for op in rule.operations or ()
        for p in op.ports + op.not_ports
    ]
    out += [
        PortSet.of("TCP", int(v))
        for policy in istio.authorization
        for rule in policy.rules
        for c in rule.conditions
        if c.key == "destination.port"
        for v in c.values + c.not_values
        if v.isdigit() and 0 < int(v) <= 65535
    ]
    out += [PortSet.of("TCP", p) for pa in istio.peer_authentication for p, _ in pa.port_modes]
    if istio.registry_only:
        out += [
            PortSet.of("TCP", n)
            for se in istio.service_entries
            for p in se.ports
            for n in (p.number, p.target_port)
        ]
    return out + service_ports(cluster.services, cluster.pods)


def service_ports(services: list[Service], pods: list[Pod]) -> list[PortSet]:
    """Where the Services lead on ``pods`` (registry hosts, plain-TCP ports): each TCP
    target port a Service selecting one of them resolves to on it."""
    if not services:
        return []
    by_namespace: dict[str, list[Service]] = {}
    for svc in services:
        by_namespace.setdefault(svc.namespace, []).append(svc)
    numbers = {
        n
        for pod in pods
        for svc in by_namespace.get(pod.namespace, ())
        if selects(svc, pod)
        for sp in svc.ports
        if sp.protocol == "TCP" and (n := pod_port(sp, pod, svc.headless)) is not None
    }
    return [PortSet.of("TCP", n) for n in sorted(numbers)]
