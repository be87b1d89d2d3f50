"""Istio's security objects (``security.istio.io/v1``, ``v1beta1``) and the mesh they act in.

Parsing and validation are in ``reach.input.istio``; what each field means, with the
sentence of the reference (/work/shared/specs/istio/) it comes from, is in
docs/semantics.md ("Istio authorization"). String lists keep the text as written:
matching (exact, ``prefix*``, ``*suffix``, ``*``) is :func:`string_match`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from reach.model.ipspace import IPRange
from reach.model.selectors import LabelSelector

#: The mesh's root namespace: policies there apply to every namespace (Istio's default).
ROOT_NAMESPACE = "istio-system"
#: The trust domain of every workload identity (Istio's default).
TRUST_DOMAIN = "cluster.local"
#: The actions of an AuthorizationPolicy, in the order the proxy evaluates them.
ACTIONS = ("ALLOW", "DENY", "AUDIT", "CUSTOM")
#: PeerAuthentication's mTLS modes.
MODES = ("UNSET", "DISABLE", "PERMISSIVE", "STRICT")
#: The label and annotation that put a pod in or out of the mesh.
INJECT_KEY = "sidecar.istio.io/inject"
#: The namespace labels that ask for injection.
INJECTION_LABEL = "istio-injection"
REVISION_LABEL = "istio.io/rev"


def string_match(pattern: str, value: str) -> bool:
    """Istio's string match: exact, prefix (``abc*``), suffix (``*abc``), presence (``*``)."""
    if pattern == "*":
        return value != ""
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def source_address(ips: tuple[str, ...]) -> IPRange | None:
    """A pod's source address for ``ipBlocks``: the first valid one of its IPs (Kubernetes'
    ``status.podIP``, the primary address), or None when the input gives none."""
    for text in ips:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        return IPRange(address.version, int(address), int(address))
    return None


def principal(namespace: str, service_account: str) -> str:
    """The peer identity of a pod: ``cluster.local/ns/NS/sa/NAME``."""
    return f"{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}"


@dataclass(frozen=True, slots=True)
class Source:
    """``from[].source``: its fields are ANDed; an empty list does not constrain."""

    principals: tuple[str, ...] = ()
    not_principals: tuple[str, ...] = ()
    request_principals: tuple[str, ...] = ()
    not_request_principals: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    not_namespaces: tuple[str, ...] = ()
    service_accounts: tuple[str, ...] = ()
    not_service_accounts: tuple[str, ...] = ()
    ip_blocks: tuple[str, ...] = ()
    not_ip_blocks: tuple[str, ...] = ()
    remote_ip_blocks: tuple[str, ...] = ()
    not_remote_ip_blocks: tuple[str, ...] = ()
    trust_domains: tuple[str, ...] = ()
    not_trust_domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Operation:
    """``to[].operation``: ports are L4 (numbers); hosts, methods and paths are HTTP."""

    hosts: tuple[str, ...] = ()
    not_hosts: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    not_ports: tuple[int, ...] = ()
    methods: tuple[str, ...] = ()
    not_methods: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    not_paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """``when[]``: the attribute ``key`` has one of ``values`` and none of ``not_values``."""

    key: str
    values: tuple[str, ...] = ()
    not_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthzRule:
    """One rule: ``sources``/``operations`` of ``None`` (not set) match anything."""

    index: int
    sources: tuple[Source, ...] | None = None
    operations: tuple[Operation, ...] | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizationPolicy:
    """An AuthorizationPolicy: scope (namespace, selector or targetRefs), action, rules."""

    namespace: str
    name: str
    action: str = "ALLOW"
    #: ``selector.matchLabels``; ``None``: every workload of the scope.
    selector: LabelSelector | None = None
    #: ``targetRef``/``targetRefs`` as ``Kind/name`` (not evaluated: gateways, waypoints).
    target_refs: tuple[str, ...] = ()
    rules: tuple[AuthzRule, ...] = ()
    provider: str = ""
    #: ``istio.io/dry-run: "true"``: evaluated by Istio for its logs only, never enforced.
    dry_run: bool = False
    origin: str = ""

    @property
    def mesh_wide(self) -> bool:
        return self.namespace == ROOT_NAMESPACE

    def __str__(self) -> str:
        return f"AuthorizationPolicy {self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class PeerAuthentication:
    """A PeerAuthentication: the mTLS mode of the workloads it selects, per port."""

    namespace: str
    name: str
    selector: LabelSelector | None = None
    mode: str = "UNSET"
    #: ``portLevelMtls``: (port, mode), sorted by port.
    port_modes: tuple[tuple[int, str], ...] = ()
    origin: str = ""

    def __str__(self) -> str:
        return f"PeerAuthentication {self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class MeshObject:
    """An Istio networking object (Sidecar, ServiceEntry): the evaluated ones are the
    subclasses :class:`SidecarConfig` and :class:`ServiceEntry`."""

    kind: str
    namespace: str
    name: str
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


#: Sidecar ``outboundTrafficPolicy.mode``: the proto's enum, zero first.
OUTBOUND_MODES = ("REGISTRY_ONLY", "ALLOW_ANY")


@dataclass(frozen=True, slots=True)
class EgressListener:
    """A Sidecar ``egress[]`` listener: the hosts it imports, on ``port`` (None: every port
    of the imported services). ``captured``: False when ``bind`` or ``captureMode: NONE``
    makes it a listener the application must call explicitly."""

    hosts: tuple[str, ...]
    port: int | None = None
    captured: bool = True


@dataclass(frozen=True, slots=True)
class SidecarConfig(MeshObject):
    """A ``networking.istio.io`` Sidecar: whom it applies to, what it imports, and what
    its proxy does with traffic to destinations it does not know."""

    selector: LabelSelector | None = None
    egress: tuple[EgressListener, ...] = ()
    #: ``outboundTrafficPolicy.mode``; None: not set (MeshConfig's default, ALLOW_ANY).
    outbound: str | None = None
    #: ``ingress`` listeners are given (they change the inbound ports: not evaluated).
    has_ingress: bool = False


@dataclass(frozen=True, slots=True)
class EntryPort:
    """A ServiceEntry port: the number called, the endpoint's ``targetPort``, protocol."""

    number: int
    protocol: str = ""
    target: int | None = None

    @property
    def target_port(self) -> int:
        return self.target or self.number


@dataclass(frozen=True, slots=True)
class ServiceEntry(MeshObject):
    """A ServiceEntry: hosts added to the mesh's registry (docs/semantics.md)."""

    hosts: tuple[str, ...] = ()
    #: ``addresses``: IPs or CIDRs, as CIDRs.
    addresses: tuple[str, ...] = ()
    ports: tuple[EntryPort, ...] = ()
    location: str = "MESH_EXTERNAL"
    resolution: str = "NONE"
    #: ``workloadSelector.labels``: pods of the namespace that are its endpoints.
    selector: LabelSelector | None = None
    #: ``endpoints[].address`` as written.
    endpoints: tuple[str, ...] = ()
    export_to: tuple[str, ...] = ()

    def exported_to(self, namespace: str) -> bool:
        """``exportTo``: none means every namespace; ``.`` its own; ``*`` every one."""
        if not self.export_to or "*" in self.export_to:
            return True
        return namespace in self.export_to or (
            "." in self.export_to and namespace == self.namespace
        )


@dataclass
class IstioObjects:
    """The Istio objects of the input."""

    authorization: list[AuthorizationPolicy] = field(default_factory=list)
    peer_authentication: list[PeerAuthentication] = field(default_factory=list)
    #: Sidecars and ServiceEntries (in name order).
    unevaluated: list[MeshObject] = field(default_factory=list)

    @property
    def sidecars(self) -> list[SidecarConfig]:
        return [o for o in self.unevaluated if isinstance(o, SidecarConfig)]

    @property
    def service_entries(self) -> list[ServiceEntry]:
        return [o for o in self.unevaluated if isinstance(o, ServiceEntry)]

    @property
    def registry_only(self) -> bool:
        """Whether some Sidecar drops traffic to destinations outside its registry."""
        return any(s.outbound == "REGISTRY_ONLY" for s in self.sidecars)

    def __bool__(self) -> bool:
        """Whether the mesh layer has anything to evaluate."""
        return bool(self.authorization or self.peer_authentication or self.registry_only)
