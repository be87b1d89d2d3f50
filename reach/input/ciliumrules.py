"""One item of ``ingress``, ``egress``, ``ingressDeny`` or ``egressDeny`` of a Cilium rule.

The fields each section has are the CRD's. The agent's ``sanitize`` adds: one L3
field per rule ("Combining fromEndpoints and fromCIDR is not supported yet"), and
``icmps`` without ``toPorts``. Peers reach cannot resolve offline (nodes, cloud
groups, ``fromRequires``, ICMP, authentication) are named in ``unresolved``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.ciliumcidr import CidrGroup, cidr, cidr_set
from reach.input.ciliuml7 import dns_name
from reach.input.ciliumports import parse_to_ports
from reach.input.ciliumselectors import parse_endpoint_selector, peer_in_namespace
from reach.input.validation import Collector
from reach.model.cilium import ENTITIES, CiliumRule, ServiceRef
from reach.model.ipspace import IPBlock
from reach.model.selectors import LabelSelector

#: The CRD's ``fromEntities``/``toEntities`` enum, and ``world-ipv4``/``world-ipv6`` of
#: earlier Cilium versions.
ENTITY_ENUM = ENTITIES
#: The CRD's pattern of ICMP types (``icmps[].fields[].type``): a number or a name.
ICMP_TYPE = re.compile(
    r"^([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]|EchoReply|DestinationUnreachable|"
    r"Redirect|Echo|RouterAdvertisement|RouterSelection|TimeExceeded|ParameterProblem|"
    r"Timestamp|TimestampReply|Photuris|ExtendedEchoRequest|ExtendedEcho Reply|PacketTooBig|"
    r"ParameterProblem|EchoRequest|MulticastListenerQuery|MulticastListenerReport|"
    r"MulticastListenerDone|RouterSolicitation|RouterAdvertisement|NeighborSolicitation|"
    r"NeighborAdvertisement|RedirectMessage|RouterRenumbering|ICMPNodeInformationQuery|"
    r"ICMPNodeInformationResponse|InverseNeighborDiscoverySolicitation|"
    r"InverseNeighborDiscoveryAdvertisement|HomeAgentAddressDiscoveryRequest|"
    r"HomeAgentAddressDiscoveryReply|MobilePrefixSolicitation|MobilePrefixAdvertisement|"
    r"DuplicateAddressRequestCodeSuffix|DuplicateAddressConfirmationCodeSuffix)$"
)
ICMP_EXPECTED = "an ICMP type: a number 0-255 or a name such as EchoRequest"
AUTH_MODES = ("disabled", "required", "test-always-fail")


@dataclass(frozen=True)
class Section:
    """Where a rule is written, and what its policy is (for defaults and checks)."""

    direction: str  # "ingress" | "egress"
    deny: bool
    namespace: str  # the policy's; "" for a clusterwide one
    host: bool  # a host policy (nodeSelector)
    groups: Mapping[str, CidrGroup]

    @property
    def peer(self) -> str:
        return "from" if self.direction == "ingress" else "to"

    def l3_fields(self) -> tuple[str, ...]:
        """The peer fields of which a rule may name one (the agent's ``l3Members``)."""
        names = ["Endpoints", "CIDR", "CIDRSet", "Entities", "Nodes", "Groups"]
        if self.direction == "egress":
            names.append("Services")
            if not self.deny:
                names.append("FQDNs")
        return tuple(self.peer + n for n in names)

    def fields(self) -> tuple[str, ...]:
        """Every field of the section's items in the CRD."""
        extra = ("icmps", "toPorts", self.peer + "Requires")
        return self.l3_fields() + extra + (() if self.deny else ("authentication",))


@dataclass
class _Peers:
    endpoints: list[LabelSelector] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    cidrs: list[IPBlock] = field(default_factory=list)
    services: list[ServiceRef] = field(default_factory=list)
    fqdns: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def parse_rule(raw: Any, path: str, index: int, where: Section) -> CiliumRule:
    """One rule, or a FieldError listing its problems."""
    m = f.obj(raw, path, where.fields())
    found = Collector()
    named = [k for k in where.l3_fields() if f.present(m, k)]
    if len(named) > 1:
        found.problems.append(
            FieldError(path, f"Combining {named[0]} and {named[1]} is not supported yet")
        )
    peers = _Peers()
    for key in named:
        for ipath, item in found.run(lambda key=key: list(f.each(m[key], f"{path}.{key}"))) or []:
            found.run(_PEER_PARSERS[key[len(where.peer) :]], item, ipath, where, peers, key)
    requires = where.peer + "Requires"
    if f.present(m, requires):
        found.run(_requires, m[requires], f"{path}.{requires}", peers)
    has_ports, has_icmps = f.present(m, "toPorts"), f.present(m, "icmps")
    if has_ports and has_icmps:
        found.problems.append(
            FieldError(
                f"{path}.icmps",
                "the ICMPs block may only be present without ToPorts. "
                "Define a separate rule to use ToPorts.",
            )
        )
    if has_icmps:
        found.run(_icmps, m["icmps"], f"{path}.icmps", peers)
    if m.get("authentication") is not None:
        found.run(_authentication, m["authentication"], f"{path}.authentication", peers)
    read = parse_to_ports(
        m.get("toPorts"),
        f"{path}.toPorts",
        ingress=where.direction == "ingress",
        deny=where.deny,
        host=where.host,
        found=found,
    )
    found.done()
    wildcard = not named and not f.present(m, requires)
    ports = tuple(read.ports) if has_ports or has_icmps else None
    return CiliumRule(
        direction=where.direction,
        deny=where.deny,
        index=index,
        endpoints=tuple(peers.endpoints),
        entities=tuple(dict.fromkeys(peers.entities)),
        cidrs=tuple(peers.cidrs),
        services=tuple(peers.services),
        ports=ports,
        wildcard=wildcard,
        empty=wildcard and ports is None,
        fqdns=tuple(peers.fqdns),
        l7=tuple(read.l7),
        unresolved=tuple(peers.unresolved + read.unresolved),
    )


def _endpoints(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    sel = parse_endpoint_selector(raw, path)
    peers.endpoints.append(peer_in_namespace(sel, where.namespace))


def _entities(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    peers.entities.append(f.enum(raw, path, ENTITY_ENUM))


def _cidr(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    peers.cidrs.append(IPBlock(cidr(raw, path)))


def _cidr_set(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    blocks, unresolved = cidr_set(raw, path, where.groups)
    peers.cidrs += blocks
    peers.unresolved += [f"{key} {u}" for u in unresolved]


def _fqdn(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    peers.fqdns.append(dns_name(raw, path))


def _service(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    """``k8sService`` (by name) and/or ``k8sServiceSelector``; the namespace defaults to
    the policy's (every namespace in a clusterwide policy)."""
    m = f.obj(raw, path, ("k8sService", "k8sServiceSelector"))
    found = Collector()
    if m.get("k8sService") is not None:
        spath = f"{path}.k8sService"
        svc = found.run(f.obj, m["k8sService"], spath, ("serviceName", "namespace")) or {}
        name = found.run(_optional_string, svc.get("serviceName"), f"{spath}.serviceName")
        ns = found.run(_optional_string, svc.get("namespace"), f"{spath}.namespace")
        peers.services.append(ServiceRef(ns or where.namespace, name or ""))
    if m.get("k8sServiceSelector") is not None:
        spath = f"{path}.k8sServiceSelector"
        by = found.run(
            f.obj, m["k8sServiceSelector"], spath, ("selector", "namespace"), ("selector",)
        )
        if by is not None:
            sel = found.run(parse_endpoint_selector, by["selector"], f"{spath}.selector")
            ns = found.run(_optional_string, by.get("namespace"), f"{spath}.namespace")
            if sel is not None:
                peers.services.append(ServiceRef(ns or where.namespace, selector=sel))
    found.done()


def _optional_string(raw: Any, path: str) -> str:
    return "" if raw is None else f.string(raw, path)


def _nodes(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    peers.unresolved.append(f"{key} {parse_endpoint_selector(raw, path)}")


def _groups(raw: Any, path: str, where: Section, peers: _Peers, key: str) -> None:
    m = f.obj(raw, path, ("aws",))
    aws: Mapping[str, Any] = f.obj(
        m.get("aws"),
        f"{path}.aws",
        ("labels", "region", "securityGroupsIds", "securityGroupsNames"),
    )
    found = Collector()
    said = []
    if aws.get("labels") is not None:
        labels = found.run(f.mapping_of_strings, aws["labels"], f"{path}.aws.labels") or {}
        said += [f"{k}={v}" for k, v in labels.items()]
    if aws.get("region") is not None:
        said.append(f"region {found.run(f.string, aws['region'], f'{path}.aws.region')}")
    for k in ("securityGroupsIds", "securityGroupsNames"):
        for ipath, v in found.run(lambda k=k: list(f.each(aws.get(k), f"{path}.aws.{k}"))) or []:
            said.append(str(found.run(f.string, v, ipath)))
    found.done()
    peers.unresolved.append(f"{key} aws {' '.join(said) or '{}'}")


def _requires(raw: Any, path: str, peers: _Peers) -> None:
    """``fromRequires``/``toRequires``: removed in Cilium 1.19 (its CRD allows no item);
    read as earlier versions wrote them (selectors) and named, never evaluated."""
    field_name = path.rsplit(".", 1)[1]
    for ipath, item in f.each(raw, path):
        text = str(parse_endpoint_selector(item, ipath)) if isinstance(item, Mapping) else str(item)
        peers.unresolved.append(f"{field_name} {text}")


def _icmps(raw: Any, path: str, peers: _Peers) -> None:
    found = Collector()
    said: list[str] = []
    for ipath, item in f.each(raw, path):
        m = found.run(f.obj, item, ipath, ("fields",)) or {}
        fields = found.run(f.items, m.get("fields"), f"{ipath}.fields", max_items=40) or []
        for j, fld in enumerate(fields):
            found.run(_icmp_field, fld, f"{ipath}.fields[{j}]", said)
    found.done()
    peers.unresolved.append(f"icmps {', '.join(said) or '{}'}")


def _icmp_field(raw: Any, path: str, said: list[str]) -> None:
    m = f.obj(raw, path, ("family", "type"), ("type",))
    family = (
        "IPv4"
        if m.get("family") is None
        else f.enum(m["family"], f"{path}.family", ("IPv4", "IPv6"))
    )
    kind = m["type"]
    if isinstance(kind, str):
        f.string(kind, f"{path}.type", pattern=ICMP_TYPE, expected=ICMP_EXPECTED)
    else:
        f.integer(kind, f"{path}.type", 0, 255)
    said.append(f"{family} {kind}")


def _authentication(raw: Any, path: str, peers: _Peers) -> None:
    m = f.obj(raw, path, ("mode",), ("mode",))
    mode = f.enum(m["mode"], f"{path}.mode", AUTH_MODES)
    if mode != "disabled":
        peers.unresolved.append(f"authentication {mode}")


_PEER_PARSERS: dict[str, Callable[[Any, str, Section, _Peers, str], None]] = {
    "Endpoints": _endpoints,
    "Entities": _entities,
    "CIDR": _cidr,
    "CIDRSet": _cidr_set,
    "FQDNs": _fqdn,
    "Services": _service,
    "Nodes": _nodes,
    "Groups": _groups,
}
