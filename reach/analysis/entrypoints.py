"""Entry points: how traffic from the internet arrives at pods, and what the policies let in.

- **LoadBalancer and NodePort Services, and ``externalIPs``**: clients outside the
  cluster reach the Service's backends on their target ports. Who the pod sees as the
  source depends on ``externalTrafficPolicy`` ("If set to "Local", ... without
  masquerading the client source IP"): with ``Local`` the client address, any of
  ``loadBalancerSourceRanges`` or, when it is empty, any internet address (every
  address less the IANA special-purpose ranges); with ``Cluster`` a node address, which the input
  does not give: we take the private ranges (10.0.0.0/8, 172.16.0.0/12,
  192.168.0.0/16), where node addresses live. The entry delivers a port when the
  backend's policies admit it from some address of that source set.
- **Ingress and Route**: the traffic passes the ingress controller, the
  ``{ingress-controller}`` node (:mod:`reach.analysis.controller`), which the
  internet reaches by definition.

- **Gateway API**: a Gateway listener delivers through its attached routes
  (:mod:`reach.analysis.gateways`); ``via`` names the listener and the route
  (``Gateway web/shop-gw:443 HTTPRoute web/storefront``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.analysis.controller import CONTROLLER, admitted_from_anywhere, backend_pods
from reach.analysis.gateways import gateway_entries
from reach.engine.reachability import Reachability
from reach.model.backends import PodsByNamespace, endpoints, pods_by_namespace
from reach.model.ipspace import IPRange, non_global_count, parse_network
from reach.model.ports import PortSet
from reach.model.services import Service

#: Where node addresses are assumed to be (externalTrafficPolicy: Cluster).
NODE_RANGES = tuple(
    IPRange.of_network(parse_network(c)) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


@dataclass(frozen=True)
class Entry:
    """One way in: ``via`` names the entry point, ``hop`` the pseudo node passed on the way
    (the ingress controller) or None, ``pod`` the pod reached and ``ports`` on which."""

    via: str
    pod: int
    ports: PortSet
    hop: str | None = None


def entries(reachability: Reachability) -> list[Entry]:
    """Every entry point of the input with the pods it delivers to (non-empty ports only)."""
    pods = pods_by_namespace(reachability.cluster.pods)
    found = [
        e
        for svc in reachability.cluster.services
        if svc.external
        for e in _service(reachability, svc, pods)
    ]
    gateways = [Entry(via, i, ports) for via, i, ports in gateway_entries(reachability)]
    return found + _routes(reachability) + gateways


def _service(reachability: Reachability, svc: Service, pods: PodsByNamespace) -> list[Entry]:
    """The pods an external Service delivers to, admitted from its source addresses."""
    sources = _source_segments(reachability, svc)
    out: list[Entry] = []
    for sp in svc.ports:
        via = _via(svc, sp.port, sp.node_port)
        for i, wanted in endpoints(svc, pods, sp.port):
            got = wanted & _admitted(reachability, sources, i)
            if got:
                out.append(Entry(via, i, got))
    return out


def _via(svc: Service, port: int, node_port: int | None) -> str:
    if svc.type == "LoadBalancer":
        return f"LoadBalancer {svc.ref}:{port}"
    if svc.type == "NodePort":
        return f"NodePort {svc.ref}:{node_port or port}"
    return f"externalIPs {','.join(svc.external_ips)} {svc.ref}:{port}"


def _source_segments(reachability: Reachability, svc: Service) -> list[int]:
    """Classes of the external segments the pod may see as the source."""
    if svc.traffic_policy == "Local":
        ranges = list(svc.source_ranges) or [IPRange.whole(4), IPRange.whole(6)]
        internet = not svc.source_ranges  # by default, clients on the internet
    else:
        ranges, internet = list(NODE_RANGES), False
    out = []
    for k, seg in enumerate(reachability.segments):
        for r in ranges:
            part = seg.intersection(r)
            if part is not None and (not internet or non_global_count(part) < part.size):
                out.append(reachability.n_internal + k)
                break
    return out


def _admitted(reachability: Reachability, sources: list[int], pod: int) -> PortSet:
    if not sources:
        return PortSet.empty()
    cls = np.array([reachability.pod_class[pod]])
    ids = reachability.ids(np.array(sources), cls)[:, 0]
    out = PortSet.empty()
    for i in np.unique(ids).tolist():
        out |= reachability.atoms.portsets[int(i)]
    return out


def _routes(reachability: Reachability) -> list[Entry]:
    """Ingresses and Routes: through the controller, as far as the policies admit it."""
    cluster = reachability.cluster
    services = {(s.namespace, s.name): s for s in cluster.services}
    wanted: list[tuple[str, int, PortSet]] = []
    for route in cluster.routes:
        for backend in route.backends:
            for i, ports in backend_pods(cluster, services, backend).items():
                wanted.append((f"{route.kind} {route.namespace}/{route.name}", i, ports))
    if not wanted:
        return []
    allowed = admitted_from_anywhere(cluster, sorted({i for _, i, _ in wanted}))
    return [Entry(via, i, p & allowed[i], CONTROLLER) for via, i, p in wanted if p & allowed[i]]
