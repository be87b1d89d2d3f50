"""Services and the objects that route traffic to them from outside the pod network.

A :class:`Service` selects backend pods by labels and maps each service port to a
``targetPort`` on them (by number, or by name looked up per pod). Entry points
(:class:`EntryRoute`) are Ingresses and OpenShift Routes: they point at Services of
their own namespace. Gateway API objects are in :mod:`reach.model.gateway`.
Everything here is validated already; :mod:`reach.model.backends` resolves
backends against pods.
"""

from __future__ import annotations

from dataclasses import dataclass

from reach.model.ipspace import IPRange

#: Service types (``spec.type``); a Service with ``clusterIP: None`` is headless.
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One entry of ``spec.ports``: ``target`` None means the same number as ``port``."""

    port: int
    protocol: str = "TCP"
    name: str | None = None
    target: int | str | None = None
    node_port: int | None = None

    @property
    def target_port(self) -> int | str:
        """The pod-side port: ``targetPort``, or ``port`` when it is absent."""
        return self.port if self.target is None else self.target

    def __str__(self) -> str:
        return f"{self.name or self.port}"


@dataclass(frozen=True, slots=True)
class Service:
    """A ``v1`` Service. ``selector`` None: no selector (endpoints managed elsewhere)."""

    namespace: str
    name: str
    type: str = "ClusterIP"
    selector: tuple[tuple[str, str], ...] | None = None
    ports: tuple[ServicePort, ...] = ()
    headless: bool = False
    external_ips: tuple[str, ...] = ()
    #: ``loadBalancerSourceRanges``; empty means every client address.
    source_ranges: tuple[IPRange, ...] = ()
    #: ``externalTrafficPolicy``: ``Local`` keeps the client address, ``Cluster`` may not.
    traffic_policy: str = "Cluster"
    external_name: str | None = None
    origin: str = ""
    #: The Service's own labels (``metadata.labels``), which Cilium's ``toServices`` selects.
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def ref(self) -> str:
        """How the service is written in output: ``svc/ns/name``."""
        return f"svc/{self.namespace}/{self.name}"

    @property
    def external(self) -> bool:
        """Whether clients outside the cluster reach it directly (NodePort, LoadBalancer,
        or ``externalIPs``)."""
        return self.type in ("NodePort", "LoadBalancer") or bool(self.external_ips)

    def port(self, ref: int | str) -> ServicePort | None:
        """The service port named ``ref`` or numbered ``ref``."""
        for sp in self.ports:
            if ref in (sp.name, sp.port):
                return sp
        return None

    def __str__(self) -> str:
        return self.ref


@dataclass(frozen=True, slots=True)
class RouteBackend:
    """A Service an entry point sends traffic to; ``port`` None means every service port.

    ``namespace`` is the Service's namespace (the route's own for Ingress and Route).
    ``field`` is the field path of the reference in its document, for messages.
    """

    namespace: str
    service: str
    port: int | str | None = None
    field: str = ""


@dataclass(frozen=True, slots=True)
class EntryRoute:
    """An object that routes traffic from outside to Services: an Ingress or a Route.

    ``kind`` is ``Ingress`` or ``Route``; both go through the cluster's ingress
    controller, the ``{ingress-controller}`` node of the output.
    """

    kind: str
    namespace: str
    name: str
    backends: tuple[RouteBackend, ...]
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.namespace}/{self.name}"
