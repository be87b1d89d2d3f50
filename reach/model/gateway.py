"""Gateway API objects (``gateway.networking.k8s.io``), validated, as the model keeps them.

A :class:`Gateway` has listeners; a :class:`GatewayRoute` (HTTPRoute, GRPCRoute,
TLSRoute, TCPRoute, UDPRoute) names Gateways in its ``parentRefs`` and Services in its
``backendRefs``; a :class:`ReferenceGrant` lets routes of other namespaces name Services
of its own. Which route attaches where, and which backend it may use, is decided in
:mod:`reach.model.attachment`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.model.selectors import LabelSelector

#: The API group of every kind here.
GROUP = "gateway.networking.k8s.io"
#: Route kinds, with the listener protocols each is compatible with ("Route summary
#: table" of the Gateway API overview).
ROUTE_PROTOCOLS = {
    "HTTPRoute": ("HTTP", "HTTPS"),
    "GRPCRoute": ("HTTP", "HTTPS"),
    "TLSRoute": ("TLS",),
    "TCPRoute": ("TCP",),
    "UDPRoute": ("UDP",),
}


@dataclass(frozen=True, slots=True)
class Listener:
    """``spec.listeners[]``: ``namespaces_from`` is ``Same``, ``All`` or ``Selector``;
    ``kinds`` are ``(group, kind)`` pairs, empty meaning "determined using the Listener
    protocol"."""

    name: str
    port: int
    protocol: str
    hostname: str | None = None
    namespaces_from: str = "Same"
    selector: LabelSelector | None = None
    kinds: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Gateway:
    namespace: str
    name: str
    class_name: str
    listeners: tuple[Listener, ...]
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class ParentRef:
    """One ``spec.parentRefs[]`` entry, namespace already defaulted to the route's."""

    group: str
    kind: str
    namespace: str
    name: str
    section: str | None = None
    port: int | None = None
    field: str = ""


@dataclass(frozen=True, slots=True)
class BackendRef:
    """One ``backendRefs[]`` entry, namespace already defaulted to the route's; ``port`` is
    the service port number ("the port number is the service port number, not the
    target port")."""

    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int = 1
    field: str = ""

    @property
    def is_service(self) -> bool:
        return self.group == "" and self.kind == "Service"


@dataclass(frozen=True, slots=True)
class GatewayRoute:
    kind: str
    namespace: str
    name: str
    parents: tuple[ParentRef, ...]
    backends: tuple[BackendRef, ...]
    hostnames: tuple[str, ...] = ()
    origin: str = ""

    @property
    def protocol(self) -> str:
        """What the route sends to its backends: UDP for UDPRoute, TCP for the others."""
        return "UDP" if self.kind == "UDPRoute" else "TCP"

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class GrantFrom:
    group: str
    kind: str
    namespace: str


@dataclass(frozen=True, slots=True)
class GrantTo:
    group: str
    kind: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceGrant:
    namespace: str
    name: str
    sources: tuple[GrantFrom, ...]
    targets: tuple[GrantTo, ...]
    origin: str = ""


@dataclass
class GatewayAPI:
    """Every Gateway API object of the input (GatewayClasses are counted, nothing more)."""

    gateways: list[Gateway] = field(default_factory=list)
    routes: list[GatewayRoute] = field(default_factory=list)
    grants: list[ReferenceGrant] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.gateways or self.routes)
