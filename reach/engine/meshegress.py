"""What a source's sidecar forwards (docs/semantics.md, "Sidecar and ServiceEntry"):
``egress.hosts`` and ``outboundTrafficPolicy`` of the Sidecar that applies to it, against
the registry (Kubernetes Services, ServiceEntries) that holds each destination.

Sidecar: "If requests are sent to destinations not included in the scoping, the traffic
will be treated as unmatched traffic"; ``ALLOW_ANY``: "any traffic to unknown
destinations will be allowed"; ``REGISTRY_ONLY``: "unknown outbound traffic will be
dropped". So a source's proxy restricts only under ``REGISTRY_ONLY``: it then forwards
TCP only to the hosts its egress listeners import, on their ports. A destination is
described by its :class:`Entry` list (the registry hosts that reach it, and on which
port numbers); a source by its :class:`Egress` (None: not restricted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reach.model.backends import pod_port, selects
from reach.model.cluster import Pod
from reach.model.ipspace import IPRange, parse_network
from reach.model.istio import (
    ROOT_NAMESPACE,
    TRUST_DOMAIN,
    EgressListener,
    IstioObjects,
    ServiceEntry,
    SidecarConfig,
)
from reach.model.ports import PortSet
from reach.model.services import Service

#: The sidecar intercepts TCP only: other protocols are never dropped by it.
TCP = PortSet.of("TCP")
#: Egress of a namespace with no Sidecar anywhere: every host ("*/*").
IMPORT_ALL = (EgressListener(("*/*",)),)


@dataclass(frozen=True)
class Egress:
    """A source restricted to its registry: the Sidecar's namespace and listeners."""

    sidecar: str  #: ``Sidecar ns/name``
    namespace: str
    listeners: tuple[EgressListener, ...]


@dataclass(frozen=True)
class Entry:
    """A registry host that reaches a destination: (service port, port at the destination)."""

    host: str
    namespace: str
    ports: tuple[tuple[int, int], ...]
    #: ServiceEntry ``exportTo`` (None: every namespace, as Kubernetes Services here).
    export: ServiceEntry | None = None
    #: "Service ns/name" or "ServiceEntry ns/name", for explain.
    label: str = ""

    def visible(self, namespace: str) -> bool:
        return self.export is None or self.export.exported_to(namespace)


def applied(
    sidecars: Sequence[SidecarConfig], namespace: str, labels: dict[str, str]
) -> tuple[SidecarConfig | None, tuple[EgressListener, ...]]:
    """The Sidecar of a workload (selector one of its namespace, else the namespace's
    default, else the root namespace's) and its egress listeners (inherited from the
    namespace's, then the root's default when it has none; every host when none has)."""
    workload = next(
        (
            s
            for s in sidecars
            if s.namespace == namespace and s.selector is not None and s.selector.matches(labels)
        ),
        None,
    )
    space = next((s for s in sidecars if s.namespace == namespace and s.selector is None), None)
    root = next((s for s in sidecars if s.namespace == ROOT_NAMESPACE and s.selector is None), None)
    chosen = workload or space or root
    egress = next((s.egress for s in (chosen, space, root) if s is not None and s.egress), ())
    return chosen, egress or IMPORT_ALL


def egress_of(istio: IstioObjects, pod: Pod, sidecar: bool) -> Egress | None:
    """The restriction of a source pod's proxy (None: no sidecar, or ``ALLOW_ANY``)."""
    if not sidecar:
        return None
    chosen, listeners = applied(istio.sidecars, pod.namespace, pod.label_map)
    if chosen is None or chosen.outbound != "REGISTRY_ONLY":
        return None
    return Egress(str(chosen), pod.namespace, listeners)


def host_matches(pattern: str, sidecar_ns: str, host: str, host_ns: str) -> bool:
    """``namespace/dnsName``: namespace ``*`` (or empty) any, ``.`` the sidecar's; dnsName
    ``*`` any, ``*.suffix`` a left-most wildcard, else the FQDN itself."""
    namespace, _, dns = pattern.partition("/")
    if namespace == ".":
        namespace = sidecar_ns
    if namespace not in ("*", "") and namespace != host_ns:
        return False
    dns, host = dns.lower(), host.lower()
    if dns == "*" or dns == host:
        return True
    return dns.startswith("*.") and host.endswith(dns[1:])


def imported(egress: Egress, host: str, host_ns: str, port: int) -> bool:
    """Whether the proxy forwards to ``host`` on service port ``port``: the listeners on
    that port decide, else the listeners without port; an entry ``~ns/dns`` excludes."""
    on_port = [li for li in egress.listeners if li.port == port]
    pool = on_port or [li for li in egress.listeners if li.port is None]
    hosts = [h for li in pool for h in li.hosts]
    ns = egress.namespace
    if any(h.startswith("~") and host_matches(h[1:], ns, host, host_ns) for h in hosts):
        return False
    return any(not h.startswith("~") and host_matches(h, ns, host, host_ns) for h in hosts)


def allowed(egress: Egress | None, entries: Sequence[Entry]) -> PortSet:
    """The ports a source's proxy forwards to a destination reached through ``entries``."""
    if egress is None:
        return PortSet.all()
    out = PortSet.all() - TCP
    for entry in entries:
        if not entry.visible(egress.namespace):
            continue
        for number, target in entry.ports:
            if imported(egress, entry.host, entry.namespace, number):
                out |= PortSet.of("TCP", target)
    return out


def pod_entries(istio: IstioObjects, services: Sequence[Service], pod: Pod) -> tuple[Entry, ...]:
    """The registry hosts that reach a pod: the Services selecting it (TCP ports), the
    ServiceEntries whose ``workloadSelector`` selects it, those that take any address."""
    out: list[Entry] = []
    for svc in services:
        if not selects(svc, pod):
            continue
        ports = tuple(
            (sp.port, target)
            for sp in svc.ports
            if sp.protocol == "TCP" and (target := pod_port(sp, pod, svc.headless)) is not None
        )
        host = f"{svc.name}.{svc.namespace}.svc.{TRUST_DOMAIN}"
        out.append(Entry(host, svc.namespace, ports, None, f"Service {svc.namespace}/{svc.name}"))
    for se in istio.service_entries:
        if (
            se.selector is not None
            and se.namespace == pod.namespace
            and se.selector.matches(pod.label_map)
        ):
            ports = tuple((p.number, p.target_port) for p in se.ports)
            out += [Entry(h, se.namespace, ports, se, str(se)) for h in se.hosts]
    return tuple(out) + any_address(istio)


def any_address(istio: IstioObjects) -> tuple[Entry, ...]:
    """ServiceEntries with ``resolution: NONE`` and no addresses nor endpoints: "traffic
    to any IP on said port will be allowed (i.e. ``0.0.0.0:<port>``)"."""
    return tuple(
        Entry(h, se.namespace, tuple((p.number, p.number) for p in se.ports), se, str(se))
        for se in istio.service_entries
        if se.resolution == "NONE" and not se.addresses and not se.endpoints and se.selector is None
        for h in se.hosts
    )


def segment_entries(istio: IstioObjects, segment: IPRange | None) -> tuple[Entry, ...]:
    """The registry hosts that reach an external address range: the ServiceEntries whose
    ``addresses`` hold it (on their port numbers), and those that take any address."""
    out: list[Entry] = []
    if segment is not None:
        for se in istio.service_entries:
            if any(_range(a).contains(segment) for a in se.addresses):
                ports = tuple((p.number, p.number) for p in se.ports)
                out += [Entry(h, se.namespace, ports, se, str(se)) for h in se.hosts]
    return tuple(out) + any_address(istio)


def _range(cidr: str) -> IPRange:
    return IPRange.of_network(parse_network(cidr))


@dataclass
class EgressPlan:
    """Source profiles (:class:`Egress`) and destination profiles (their entries) of every
    class, and what each source profile's proxy forwards to each destination profile."""

    sources: list[Egress | None]
    source_of: list[int]
    targets: list[tuple[Entry, ...]]
    target_of: list[int]

    @staticmethod
    def of(egress: Sequence[Egress | None], entries: Sequence[tuple[Entry, ...]]) -> EgressPlan:
        """Profiles from one source restriction and one entry list per class."""
        sources: dict[Egress | None, int] = {}
        targets: dict[tuple[Entry, ...], int] = {}
        source_of = [sources.setdefault(e, len(sources)) for e in egress]
        target_of = [targets.setdefault(t, len(targets)) for t in entries]
        return EgressPlan(list(sources), source_of, list(targets), target_of)

    def ports(self, src: int, dst: int) -> PortSet:
        """What the proxy of class ``src`` forwards to class ``dst``."""
        return allowed(self.sources[self.source_of[src]], self.targets[self.target_of[dst]])

    def reason(self, src: int, dst: int) -> str | None:
        """For explain: why the proxy of ``src`` forwards only some TCP ports to ``dst``."""
        egress = self.sources[self.source_of[src]]
        if egress is None:
            return None
        got = self.ports(src, dst) & TCP
        via = sorted({e.label for e in self.targets[self.target_of[dst]]})
        return (
            f"{egress.sidecar} (outboundTrafficPolicy REGISTRY_ONLY) of the source forwards "
            f"{got or 'no TCP port'} to it"
            + (f" (through {', '.join(via)})" if via else " (no Service or ServiceEntry holds it)")
        )
