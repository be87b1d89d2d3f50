"""Parse and validate Istio's Sidecar and ServiceEntry (``networking.istio.io``) as far as
they change who can reach whom: a Sidecar's ``egress`` hosts and ``outboundTrafficPolicy``,
a ServiceEntry's hosts, addresses, ports, resolution, workload selector and ``exportTo``.

Validation follows sidecar.proto and service_entry.proto (/work/shared/specs/istio/):
unknown fields are refused, enums checked, and the sentences that say what must be set
("hosts" required, "Port MUST be specified if bind is not empty", "port number cannot be
duplicated", "hostname cannot be wildcard", "Only one of endpoints or workloadSelector
can be specified"). Every problem of a document is reported at once. What each field
means: docs/semantics.md ("Sidecar and ServiceEntry").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.selectors import parse_labels
from reach.input.validation import Collector, metadata
from reach.model.ipspace import parse_network
from reach.model.istio import (
    OUTBOUND_MODES,
    EgressListener,
    EntryPort,
    MeshObject,
    ServiceEntry,
    SidecarConfig,
)
from reach.model.selectors import LabelSelector, Requirement

_SIDECAR_FIELDS = (
    "workloadSelector",
    "ingress",
    "egress",
    "inboundConnectionPool",
    "outboundTrafficPolicy",
)
_EGRESS_FIELDS = ("port", "bind", "captureMode", "hosts")
_ENTRY_FIELDS = (
    "hosts",
    "addresses",
    "ports",
    "location",
    "resolution",
    "endpoints",
    "workloadSelector",
    "exportTo",
    "subjectAltNames",
)
CAPTURE_MODES = ("DEFAULT", "IPTABLES", "NONE")
LOCATIONS = ("MESH_EXTERNAL", "MESH_INTERNAL")
RESOLUTIONS = ("NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS")


def parse_networking(obj: Mapping[str, Any], kind: str, origin: str, seed: str) -> MeshObject:
    """A Sidecar or a ServiceEntry, or a FieldError listing every problem of the document."""
    found = Collector()
    meta = found.run(metadata, obj, kind, seed or origin)
    fields = _SIDECAR_FIELDS if kind == "Sidecar" else _ENTRY_FIELDS
    spec = found.run(f.obj, obj.get("spec") or {}, "spec", fields, found=found) or {}
    where = (meta.namespace, meta.name, origin) if meta else ("", "", origin)
    if kind == "Sidecar":
        out: MeshObject | None = found.run(_sidecar, spec, found, where)
    else:
        out = found.run(_entry, spec, found, where)
    found.done()
    assert out is not None
    return out


Where = tuple[str, str, str]  # namespace, name, origin


def _sidecar(spec: Mapping[str, Any], found: Collector, where: Where) -> SidecarConfig:
    selector = found.run(_workload_selector, spec.get("workloadSelector"), "spec.workloadSelector")
    egress: list[EgressListener] = []
    for path, raw in f.each(spec.get("egress"), "spec.egress"):
        listener = found.run(_egress, raw, path)
        if listener is not None:
            egress.append(listener)
    outbound = None
    if spec.get("outboundTrafficPolicy") is not None:
        path = "spec.outboundTrafficPolicy"
        m = f.obj(spec["outboundTrafficPolicy"], path, ("mode", "egressProxy"))
        # proto3: an absent enum is its zero value, REGISTRY_ONLY
        outbound = found.run(f.enum, m.get("mode", "REGISTRY_ONLY"), f"{path}.mode", OUTBOUND_MODES)
    found.run(f.items, spec.get("ingress"), "spec.ingress")
    return SidecarConfig(
        "Sidecar",
        *where,
        selector=selector,
        egress=tuple(egress),
        outbound=outbound,
        has_ingress=bool(spec.get("ingress")),
    )


def _egress(raw: Any, path: str) -> EgressListener:
    found = Collector()
    m = f.obj(raw, path, _EGRESS_FIELDS, required=("hosts",), found=found)
    port = found.run(_listener_port, m.get("port"), f"{path}.port")
    bind = m.get("bind")
    if bind is not None and not isinstance(bind, str):
        found.problems.append(FieldError(f"{path}.bind", "must be a string"))
    if bind and port is None:
        found.problems.append(
            FieldError(f"{path}.port", "Port MUST be specified if bind is not empty")
        )
    capture = found.run(
        f.enum, m.get("captureMode", "DEFAULT"), f"{path}.captureMode", CAPTURE_MODES
    )
    hosts: list[str] = []
    for i, text in enumerate(found.run(f.items, m.get("hosts"), f"{path}.hosts") or []):
        host = found.run(egress_host, text, f"{path}.hosts[{i}]")
        if host is not None:
            hosts.append(host)
    if m.get("hosts") is not None and not hosts and not found.problems:
        found.problems.append(FieldError(f"{path}.hosts", "must have at least 1 item"))
    found.done()
    return EgressListener(tuple(hosts), port or None, not bind and capture != "NONE")


def egress_host(text: Any, path: str) -> str:
    """``namespace/dnsName``: the namespace ``*``, ``.``, ``~``, a name, or ``~name``."""
    if not isinstance(text, str):
        raise FieldError(path, "must be a string")
    namespace, slash, dns = text.partition("/")
    if not slash or not dns or not namespace:
        raise FieldError(path, f"{text!r} is not in namespace/dnsName format (e.g. ./*, prod/*)")
    return text


def _listener_port(raw: Any, path: str) -> int | None:
    """A SidecarPort: its ``number`` (0: a Unix domain socket, no port)."""
    if raw is None:
        return None
    m = f.obj(raw, path, ("number", "protocol", "name", "targetPort"))
    if m.get("number") is None:
        return None
    return f.integer(m["number"], f"{path}.number", 0, 65535)


def _workload_selector(raw: Any, path: str) -> LabelSelector | None:
    """A WorkloadSelector: ``labels`` only; absent: None."""
    if raw is None:
        return None
    m = f.obj(raw, path, ("labels",))
    labels = parse_labels(m.get("labels"), f"{path}.labels")
    for key, value in labels.items():
        if "*" in value:
            raise FieldError(f"{path}.labels.{key}", "wildcard is not supported in selector")
    return LabelSelector(
        tuple(Requirement(k, "In", frozenset([v]), plain=True) for k, v in sorted(labels.items()))
    )


def _entry(spec: Mapping[str, Any], found: Collector, where: Where) -> ServiceEntry:
    hosts = tuple(found.run(_hosts, spec.get("hosts"), "spec.hosts") or ())
    addresses: list[str] = []
    for i, text in enumerate(found.run(f.items, spec.get("addresses"), "spec.addresses") or []):
        cidr = found.run(_address, text, f"spec.addresses[{i}]")
        if cidr is not None:
            addresses.append(cidr)
    ports = tuple(found.run(_entry_ports, spec.get("ports"), "spec.ports") or ())
    location = found.run(f.enum, spec.get("location", "MESH_EXTERNAL"), "spec.location", LOCATIONS)
    resolution = found.run(f.enum, spec.get("resolution", "NONE"), "spec.resolution", RESOLUTIONS)
    if spec.get("endpoints") and spec.get("workloadSelector") is not None:
        found.problems.append(
            FieldError("spec", "only one of endpoints or workloadSelector can be specified")
        )
    selector = found.run(_workload_selector, spec.get("workloadSelector"), "spec.workloadSelector")
    endpoints: list[str] = []
    for path, raw in f.each(spec.get("endpoints"), "spec.endpoints"):
        address = found.run(mapping_address, raw, path)
        if address:
            endpoints.append(address)
    export_to = found.run(f.items, spec.get("exportTo"), "spec.exportTo") or []
    return ServiceEntry(
        "ServiceEntry",
        *where,
        hosts=hosts,
        addresses=tuple(addresses),
        ports=ports,
        location=location or "MESH_EXTERNAL",
        resolution=resolution or "NONE",
        selector=selector,
        endpoints=tuple(endpoints),
        export_to=tuple(str(e) for e in export_to),
    )


def mapping_address(raw: Any, path: str) -> str:
    """A WorkloadEntry's ``address`` ("" when absent)."""
    if not isinstance(raw, Mapping):
        raise FieldError(path, "must be a mapping")
    address = raw.get("address", "")
    return address if isinstance(address, str) else ""


def _hosts(raw: Any, path: str) -> list[str]:
    """``hosts``: required, 1-256 items, "hostname cannot be wildcard" (``*``)."""
    listed = f.items(raw, path, max_items=256)
    if not listed:
        raise FieldError(path, "is required (at least 1 host)")
    for i, host in enumerate(listed):
        if not isinstance(host, str) or not host:
            raise FieldError(f"{path}[{i}]", "must be a host name")
        if host == "*":
            raise FieldError(f"{path}[{i}]", "hostname cannot be wildcard")
    return [str(h) for h in listed]


def address_block(text: str, path: str) -> str:
    """A single IP (``203.0.113.4``) or a CIDR (``203.0.113.0/24``), as a CIDR."""
    cidr = text if "/" in text else f"{text}/{128 if ':' in text else 32}"
    try:
        parse_network(cidr)
    except ValueError:
        raise FieldError(path, f"{text!r} is not an IP address or CIDR") from None
    return cidr


def _address(text: Any, path: str) -> str:
    """An IP or a CIDR of ``addresses``, as a CIDR."""
    if not isinstance(text, str):
        raise FieldError(path, "must be a string")
    return address_block(text, path)


def _entry_ports(raw: Any, path: str) -> list[EntryPort]:
    """``ports``: number (1-65535, not duplicated), name required, targetPort."""
    found = Collector()
    out: list[EntryPort] = []
    for p, item in f.each(raw, path):
        m = f.obj(item, p, ("number", "protocol", "name", "targetPort"), ("number", "name"), found)
        number = None
        if m.get("number") is not None:
            number = found.run(f.integer, m.get("number"), f"{p}.number", 1, 65535)
        target = None
        if m.get("targetPort") is not None:
            target = found.run(f.integer, m.get("targetPort"), f"{p}.targetPort", 1, 65535)
        protocol = m.get("protocol", "")
        if number is not None:
            out.append(EntryPort(number, str(protocol).upper(), target))
    numbers = [p.number for p in out]
    if len(set(numbers)) != len(numbers):
        found.problems.append(FieldError(path, "port number cannot be duplicated"))
    found.done()
    return out
