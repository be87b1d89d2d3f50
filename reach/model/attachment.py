"""Which Gateway API route attaches to which listener, and which backends it may use.

The rules, each quoted from ``../shared/specs/gateway-api/`` in docs/semantics.md
("Gateway API"):

- a route attaches through a ``parentRefs`` entry naming a Gateway (namespace: the
  route's by default); ``sectionName`` picks the listener of that name, ``port`` the
  listeners on that port, both together both conditions;
- the listener must accept it: ``allowedRoutes.namespaces.from`` (``Same`` by default,
  ``All``, ``Selector`` over namespace labels), ``allowedRoutes.kinds`` (by default the
  kinds compatible with the listener protocol; explicit kinds only where compatible),
  and for HTTPRoute, GRPCRoute and TLSRoute intersecting hostnames;
- a ``backendRef`` of kind Service (group ``""``) names a service port; one with weight
  0 receives nothing; one in another namespace needs a ReferenceGrant there whose
  ``from`` names the route's group, kind and namespace and whose ``to`` names Service
  (with this name, or none).

What the cluster does not do (a refused backend, a route no listener accepts) comes
back as :class:`~reach.errors.Diagnostic` objects: they describe the cluster's own
behaviour, so the answers are not partial.
"""

from __future__ import annotations

from dataclasses import dataclass

from reach.errors import Diagnostic
from reach.model.cluster import NAME_LABEL, Cluster
from reach.model.gateway import (
    GROUP,
    ROUTE_PROTOCOLS,
    BackendRef,
    Gateway,
    GatewayRoute,
    Listener,
    ParentRef,
)
from reach.model.services import Service


@dataclass(frozen=True, slots=True)
class Delivery:
    """A backend that receives traffic from a Gateway listener through a route."""

    gateway: Gateway
    listener: Listener
    route: GatewayRoute
    backend: BackendRef
    service: Service

    @property
    def via(self) -> str:
        """How output names the entry: ``Gateway ns/gw:443 HTTPRoute ns/route``."""
        return f"Gateway {self.gateway}:{self.listener.port} {self.route}"


def allowed_kinds(listener: Listener) -> set[tuple[str, str]]:
    """The route kinds the listener accepts: "When unspecified or empty, the kinds of
    Routes selected are determined using the Listener protocol"; explicit kinds count
    where they "correspond to kinds of Routes that are compatible" with the protocol."""
    compatible = {
        (GROUP, k) for k, protos in ROUTE_PROTOCOLS.items() if listener.protocol in protos
    }
    if not listener.kinds:
        return compatible
    return set(listener.kinds) & compatible


def hostnames_intersect(listener: str | None, route: tuple[str, ...]) -> bool:
    """ "If a hostname is specified by both the Listener and HTTPRoute, there must be at
    least one intersecting hostname"; ``*.`` is a suffix match."""
    if not listener or not route:
        return True
    return any(_intersect(listener, h) for h in route)


def _intersect(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    return (a.startswith("*.") and b.endswith(a[1:])) or (b.startswith("*.") and a.endswith(b[1:]))


def refusal(cluster: Cluster, gw: Gateway, listener: Listener, route: GatewayRoute) -> str | None:
    """Why ``listener`` does not accept ``route`` (None: it does)."""
    if (GROUP, route.kind) not in allowed_kinds(listener):
        return f"listener {listener.name} ({listener.protocol}) does not allow {route.kind}"
    where = listener.namespaces_from
    if where == "Same" and route.namespace != gw.namespace:
        return (
            f"listener {listener.name} admits routes of namespace {gw.namespace} only "
            "(allowedRoutes.namespaces.from: Same)"
        )
    if where == "Selector":
        known = cluster.namespaces.get(route.namespace)
        labels = known.label_map if known else {NAME_LABEL: route.namespace}
        if listener.selector is None or not listener.selector.matches(labels):
            return (
                f"listener {listener.name} admits routes of namespaces {listener.selector} "
                f"only, and namespace {route.namespace} does not match"
            )
    if route.kind in ("HTTPRoute", "GRPCRoute", "TLSRoute") and not hostnames_intersect(
        listener.hostname, route.hostnames
    ):
        return f"listener {listener.name} hostname {listener.hostname} matches none of the route's"
    return None


def attach(
    cluster: Cluster, route: GatewayRoute, gateways: dict[tuple[str, str], Gateway]
) -> tuple[list[tuple[Gateway, Listener]], list[str]]:
    """The listeners that accept ``route``, and why each other candidate does not."""
    accepted: list[tuple[Gateway, Listener]] = []
    reasons: list[str] = []
    for p in route.parents:
        if (p.group, p.kind) != (GROUP, "Gateway"):
            continue
        gw = gateways.get((p.namespace, p.name))
        if gw is None:
            reasons.append(f"{p.field}: Gateway {p.namespace}/{p.name} is not in the input")
            continue
        chosen = [lst for lst in gw.listeners if _selected(p, lst)]
        if not chosen:
            reasons.append(f"{p.field}: Gateway {gw} has no listener {_section(p)}")
        for lst in chosen:
            why = refusal(cluster, gw, lst, route)
            if why is None:
                accepted.append((gw, lst))
            else:
                reasons.append(f"{p.field}: Gateway {gw} {why}")
    return accepted, reasons


def _selected(p: ParentRef, listener: Listener) -> bool:
    """ "When both Port and SectionName are specified, the name and port of the selected
    listener must match both specified values"."""
    return (p.section is None or p.section == listener.name) and (
        p.port is None or p.port == listener.port
    )


def _section(p: ParentRef) -> str:
    parts = ([f"named {p.section}"] if p.section else []) + (
        [f"on port {p.port}"] if p.port else []
    )
    return " ".join(parts)


def granted(cluster: Cluster, route: GatewayRoute, backend: BackendRef) -> bool:
    """Whether a ReferenceGrant of the backend's namespace lets ``route`` name it."""
    for grant in cluster.gateway_api.grants:
        if grant.namespace != backend.namespace:
            continue
        if not any(
            (f.group, f.kind, f.namespace) == (GROUP, route.kind, route.namespace)
            for f in grant.sources
        ):
            continue
        if any(
            (t.group, t.kind) == (backend.group, backend.kind) and t.name in (None, backend.name)
            for t in grant.targets
        ):
            return True
    return False


def resolve(cluster: Cluster) -> tuple[list[Delivery], list[Diagnostic]]:
    """Every backend that receives traffic from some listener, and what the cluster
    refuses (routes no listener accepts, backends it will not send to)."""
    api = cluster.gateway_api
    gateways = {(g.namespace, g.name): g for g in api.gateways}
    services = {(s.namespace, s.name): s for s in cluster.services}
    out: list[Delivery] = []
    notes: list[Diagnostic] = []
    for route in api.routes:
        accepted, reasons = attach(cluster, route, gateways)
        if not route.parents:
            reasons = ["it has no parentRefs"]
        if not accepted:
            if reasons:
                notes.append(
                    Diagnostic(
                        "route-not-accepted",
                        f"{route} is attached to no Gateway listener, so it carries no "
                        f"traffic: {'; '.join(reasons)}",
                        route.origin,
                    )
                )
            continue
        for b in route.backends:
            svc, why = _backend(cluster, services, route, b)
            if why is not None:
                notes.append(why)
            if svc is not None:
                out.extend(Delivery(gw, lst, route, b, svc) for gw, lst in accepted)
    return out, notes


def _backend(
    cluster: Cluster,
    services: dict[tuple[str, str], Service],
    route: GatewayRoute,
    b: BackendRef,
) -> tuple[Service | None, Diagnostic | None]:
    """The Service a backendRef delivers to, or what stops it."""
    if b.weight == 0:
        return None, None
    name = f"{b.namespace}/{b.name}"
    if not b.is_service:
        kind = f"{b.kind} ({b.group})" if b.group else b.kind
        return None, Diagnostic(
            "route-backend-unevaluated",
            f"{route}: {b.field} names {kind} {name}, which reach does not resolve to pods; "
            "the answer leaves this backend out",
            route.origin,
            "warning",
            True,
        )
    if b.namespace != route.namespace and not granted(cluster, route, b):
        return None, Diagnostic(
            "route-refused",
            f"{route}: {b.field} names Service {name} in another namespace, and no "
            f"ReferenceGrant in {b.namespace} allows {route.kind}s of {route.namespace} to "
            "refer to it: the backend receives nothing",
            route.origin,
        )
    svc = services.get((b.namespace, b.name))
    if svc is None:
        return None, Diagnostic(
            "route-backend-missing",
            f"{route}: {b.field} names Service {name}, which is not in the input: it "
            "receives nothing",
            route.origin,
        )
    if not any(sp.port == b.port and sp.protocol == route.protocol for sp in svc.ports):
        return None, Diagnostic(
            "route-backend-missing",
            f"{route}: {b.field} names port {b.port} of Service {name}, which has no "
            f"{route.protocol} port {b.port}: it receives nothing",
            route.origin,
        )
    return svc, None
