"""Services as node references: ``svc/NAME``, ``service/NAME``, ``svc/ns/name``.

A Service stands for its backend pods (:mod:`reach.model.backends`); a port filter
given in service ports (``--port 80``) becomes, per backend, the pod ports those
service ports reach (``targetPort`` by number, or by name looked up per pod).
"""

from __future__ import annotations

from dataclasses import replace

from reach.errors import ReachError
from reach.model.backends import endpoints, pod_port, pods_by_namespace, selects
from reach.model.cluster import Cluster
from reach.model.ports import PortSet
from reach.model.services import Service

#: The first word of a service reference.
SERVICE_WORDS = ("svc", "service", "services")


class ServiceRefError(ReachError):
    """An unknown, ambiguous or empty Service reference."""


def parse_service_ref(text: str) -> tuple[str | None, str] | None:
    """``(namespace or None, name)`` of ``svc/NAME`` or ``svc/ns/name``; None for other forms."""
    parts = text.split("/")
    if parts[0].lower() not in SERVICE_WORDS or len(parts) not in (2, 3) or not all(parts):
        return None
    return (None, parts[1]) if len(parts) == 2 else (parts[1], parts[2])


def find_service(cluster: Cluster, text: str, namespace: str | None) -> Service | None:
    """The Service ``text`` names (None when ``text`` is no service reference)."""
    ref = parse_service_ref(text)
    if ref is None:
        return None
    ns, name = ref
    ns = ns or namespace
    found = [s for s in cluster.services if s.name == name and (ns is None or s.namespace == ns)]
    if len(found) > 1:
        found = [s for s in found if s.namespace == "default"] or found
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(sorted(s.ref for s in found))
        raise ServiceRefError(f"{text!r} is ambiguous: it names {names}; write one in full")
    known = ", ".join(sorted(s.ref for s in cluster.services)[:10]) or "none in the input"
    raise ServiceRefError(f"no Service matches {text!r}; Services: {known}")


def backend_pods(cluster: Cluster, service: Service) -> list[int]:
    """Indices of the pods that are endpoints of some port of ``service``; raise when none."""
    pods = [
        i
        for i, pod in enumerate(cluster.pods)
        if selects(service, pod)
        and any(pod_port(sp, pod, service.headless) is not None for sp in service.ports)
    ]
    if not pods:
        raise ServiceRefError(
            f"{service} has no backend pods: {no_backends_reason(cluster, service)}"
        )
    return pods


def no_backends_reason(cluster: Cluster, service: Service) -> str:
    """Why a Service has no backends, in words."""
    if service.type == "ExternalName":
        return (
            f"an ExternalName Service points at {service.external_name or '?'} outside the cluster"
        )
    if not service.selector:
        return "it has no selector (its endpoints are managed outside Kubernetes)"
    if not service.ports:
        return "it has no ports"
    if not any(selects(service, p) for p in cluster.pods):
        return "its selector matches no pod of namespace " + service.namespace
    return "no selected pod has the ports its targetPorts name"


def translate(cluster: Cluster, service: Service, ports: PortSet | None) -> dict[int, PortSet]:
    """Per backend pod index, the pod ports the service ports in ``ports`` reach
    (every service port for None); pods that none reaches are left out."""
    chosen = tuple(
        sp for sp in service.ports if ports is None or ports.contains(sp.protocol, sp.port)
    )
    if not chosen:
        wanted = "" if ports is None else f" {ports}"
        raise ServiceRefError(f"{service} has no service port{wanted}")
    picked = replace(service, ports=chosen)
    return dict(endpoints(picked, pods_by_namespace(cluster.pods)))


def backend_filter(cluster: Cluster, service: Service, ports: PortSet | None) -> PortSet:
    """The pod ports a filter of service ports (None: all) reaches on any backend: what
    ``reach exposure svc/NAME`` and ``blast-radius`` look at."""
    out = PortSet.empty()
    for got in translate(cluster, service, ports).values():
        out |= got
    return out
