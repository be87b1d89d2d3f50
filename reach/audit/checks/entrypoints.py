"""Entry points: what the internet reaches through Services, Ingresses and Routes, and
Services or routes that point at nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reach.analysis.controller import route_ports
from reach.analysis.entrypoints import entries
from reach.audit.context import Context
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding
from reach.model.backends import pod_port, selects
from reach.model.ports import PortSet
from reach.model.services import Service


def _services(ctx: Context) -> list[Service]:
    return sorted(ctx.analysis.cluster.services, key=lambda s: s.ref)


def _require_entry_points(ctx: Context) -> None:
    cluster = ctx.analysis.cluster
    if not cluster.routes and not any(s.external for s in cluster.services):
        raise NotApplicable(
            "no entry point in the input (no LoadBalancer or NodePort Service, externalIPs, "
            "Ingress or Route)"
        )


@check(
    "internet-entry-point",
    "Workloads reachable from the internet through an entry point",
    "info",
    "A LoadBalancer or NodePort Service, externalIPs, an Ingress or a Route delivers traffic "
    "from outside the cluster to these workloads, as far as their policies admit it; each "
    "is a way in that deserves its own review.",
)
def _internet_entry(ctx: Context, chk: Check) -> Iterable[Finding]:
    """Per workload: the entry points that deliver to it, and the ports delivered."""
    _require_entry_points(ctx)
    reached: dict[int, dict[str, PortSet]] = {}
    for e in entries(ctx.reachability):
        vias = reached.setdefault(int(ctx.pod_workload[e.pod]), {})
        vias[e.via] = vias.get(e.via, PortSet.empty()) | e.ports
    found = []
    for wl, vias in reached.items():
        text = "; ".join(f"{via} on {ports}" for via, ports in sorted(vias.items()))
        details = {"entry_points": [{"via": v, "ports": str(p)} for v, p in sorted(vias.items())]}
        found.append((wl, f"reachable from the internet through {text}", details))
    return grouped_findings(ctx, chk, found)


def _backends(ctx: Context) -> Iterator[tuple[str, int]]:
    """``(entry point, pod index)`` for every backend pod of an external Service (with a
    port that resolves on it) and of every Ingress or Route backend."""
    services = {(s.namespace, s.name): s for s in ctx.analysis.cluster.services}
    for svc in _services(ctx):
        if svc.external:
            for i, pod in enumerate(ctx.pods):
                if selects(svc, pod) and any(pod_port(sp, pod, svc.headless) for sp in svc.ports):
                    yield f"{svc.type} {svc.ref}", i
    for route in ctx.analysis.cluster.routes:
        for b in route.backends:
            target = services.get((b.namespace, b.service))
            if target is None or not route_ports(target, b.port):
                continue
            for i, pod in enumerate(ctx.pods):
                if selects(target, pod):
                    yield f"{route.kind} {route.namespace}/{route.name}", i


@check(
    "entry-backend-unisolated",
    "Entry-point backends that no ingress policy isolates",
    "medium",
    "A pod behind a LoadBalancer or NodePort Service, an Ingress or a Route takes traffic "
    "from outside the cluster; when no policy isolates it for ingress, every pod and every "
    "address may connect to it on every port, not only through the entry point.",
)
def _entry_unisolated(ctx: Context, chk: Check) -> Iterable[Finding]:
    _require_entry_points(ctx)
    isolated = ctx.isolated("ingress")
    vias: dict[int, set[str]] = {}
    for via, i in _backends(ctx):
        if not isolated[ctx.pod_class[i]]:
            vias.setdefault(int(ctx.pod_workload[i]), set()).add(via)
    found = [
        (wl, f"behind {', '.join(sorted(v))}, selected by no ingress policy", {"via": sorted(v)})
        for wl, v in vias.items()
    ]
    return grouped_findings(ctx, chk, found)


@check(
    "entry-port-missing",
    "Services and routes whose target port does not exist on the selected pods",
    "low",
    "A named targetPort is looked up in each selected pod's container ports; a pod without "
    "a port of that name is no backend for that service port, and a route naming a service "
    "port the Service lacks (or a Service that is not there) delivers nothing.",
)
def _port_missing(ctx: Context, chk: Check) -> Iterable[Finding]:
    if not ctx.analysis.cluster.services and not ctx.analysis.cluster.routes:
        raise NotApplicable("no Service, Ingress or Route in the input")
    for svc in _services(ctx):
        pods = [p for p in ctx.pods if selects(svc, p)]
        for sp in svc.ports:
            target = sp.target_port
            if svc.headless or isinstance(target, int) or not pods:
                continue
            lacking = sorted({str(p.owner) for p in pods if pod_port(sp, p) is None})
            if lacking:
                yield chk.finding(
                    svc.ref,
                    f"port {sp}: targetPort {target!r} ({sp.protocol}) is not a container "
                    f"port of {', '.join(lacking)}",
                    svc.namespace,
                    {"port": str(sp), "targetPort": target, "workloads": lacking},
                )
    yield from _route_ports_missing(ctx, chk)


def _route_ports_missing(ctx: Context, chk: Check) -> Iterable[Finding]:
    services = {(s.namespace, s.name): s for s in ctx.analysis.cluster.services}
    for route in sorted(ctx.analysis.cluster.routes, key=str):
        for b in route.backends:
            svc = services.get((b.namespace, b.service))
            if svc is None:
                problem = f"names Service {b.namespace}/{b.service}, which is not in the input"
            elif not route_ports(svc, b.port):
                problem = f"names port {b.port!r} of {svc.ref}, which has no such port"
            else:
                continue
            subject = str(route)
            details = {"field": b.field, "service": f"{b.namespace}/{b.service}"}
            yield chk.finding(subject, f"{b.field} {problem}", route.namespace, details)


@check(
    "service-selects-no-pods",
    "Services selecting no pods",
    "low",
    "A Service whose selector matches no pod of its namespace has no backends: clients "
    "get no answer, or the selector has a typo. A Service without a selector has its "
    "endpoints managed elsewhere and is not reported.",
)
def _selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    services = [s for s in _services(ctx) if s.selector and s.type != "ExternalName"]
    if not services:
        raise NotApplicable("no Service with a selector in the input")
    for svc in services:
        if not any(selects(svc, p) for p in ctx.pods):
            selector = ",".join(f"{k}={v}" for k, v in svc.selector or ())
            yield chk.finding(
                svc.ref,
                f"selector {selector} matches no pod of namespace {svc.namespace}",
                svc.namespace,
                {"selector": dict(svc.selector or ())},
            )
