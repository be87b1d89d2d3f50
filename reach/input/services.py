"""``v1`` Services read from manifests: what decides which pods get which traffic.

Only the fields that decide connectivity are checked; a wrong one is a
:class:`~reach.errors.FieldError` naming its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import describe, mapping
from reach.input.selectors import parse_labels
from reach.model.ipspace import IPRange, parse_network
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS
from reach.model.services import SERVICE_TYPES, Service, ServicePort
from reach.words import excerpt


def object_name(obj: Mapping[str, Any]) -> tuple[str, str]:
    """``(namespace, name)`` of a namespaced object (namespace ``default`` when absent)."""
    meta = mapping(obj.get("metadata"), "metadata")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise FieldError("metadata.name", "is required")
    ns = meta.get("namespace") or "default"
    if not isinstance(ns, str):
        raise FieldError("metadata.namespace", "must be a string")
    return ns, name


def parse_service(obj: Mapping[str, Any], origin: str) -> Service:
    namespace, name = object_name(obj)
    spec = mapping(obj.get("spec"), "spec")
    kind = spec.get("type") or "ClusterIP"
    if kind not in SERVICE_TYPES:
        raise FieldError("spec.type", f"{excerpt(kind)} is not one of {', '.join(SERVICE_TYPES)}")
    raw_selector = spec.get("selector")
    selector = (
        tuple(sorted(parse_labels(raw_selector, "spec.selector").items())) if raw_selector else None
    )
    policy = spec.get("externalTrafficPolicy") or "Cluster"
    if policy not in ("Cluster", "Local"):
        raise FieldError("spec.externalTrafficPolicy", f"{excerpt(policy)} is not Cluster or Local")
    external_name = spec.get("externalName")
    labels = mapping(obj.get("metadata"), "metadata").get("labels")
    return Service(
        namespace=namespace,
        name=name,
        type=kind,
        selector=selector,
        ports=tuple(_port(p, f"spec.ports[{i}]") for i, p in enumerate(_list(spec, "ports"))),
        headless=spec.get("clusterIP") == "None",
        external_ips=tuple(str(ip) for ip in _list(spec, "externalIPs")),
        source_ranges=tuple(
            _cidr(c, f"spec.loadBalancerSourceRanges[{i}]")
            for i, c in enumerate(_list(spec, "loadBalancerSourceRanges"))
        ),
        traffic_policy=policy,
        external_name=external_name if isinstance(external_name, str) else None,
        origin=origin,
        labels=tuple(sorted(parse_labels(labels, "metadata.labels").items())) if labels else (),
    )


def _list(spec: Mapping[str, Any], key: str) -> list[Any]:
    value = spec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(f"spec.{key}", f"must be a list, not {describe(value)}")
    return value


def port_number(value: Any, path: str) -> int:
    """A port number within 1-65535, or a FieldError at ``path``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(path, f"{describe(value)} is not a port number")
    if not MIN_PORT <= value <= MAX_PORT:
        raise FieldError(path, f"{value} is out of range (1-65535)")
    return value


def int_or_name(value: Any, path: str) -> int | str:
    """An IntOrString port: a number within 1-65535 or a non-empty name."""
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    return port_number(value, path)


def _port(raw: Any, path: str) -> ServicePort:
    p = mapping(raw, path)
    proto = p.get("protocol") or "TCP"
    if proto not in PROTOCOLS:
        raise FieldError(f"{path}.protocol", f"{excerpt(proto)} is not TCP, UDP or SCTP")
    target = p.get("targetPort")
    node_port = p.get("nodePort")
    name = p.get("name")
    return ServicePort(
        port=port_number(p.get("port"), f"{path}.port"),
        protocol=proto,
        name=str(name) if name else None,
        target=None if target is None else int_or_name(target, f"{path}.targetPort"),
        node_port=None if node_port is None else port_number(node_port, f"{path}.nodePort"),
    )


def _cidr(raw: Any, path: str) -> IPRange:
    if not isinstance(raw, str):
        raise FieldError(path, f"must be a CIDR string, not {describe(raw)}")
    try:
        return IPRange.of_network(parse_network(raw.strip()))
    except ValueError as e:
        raise FieldError(path, str(e)) from None
