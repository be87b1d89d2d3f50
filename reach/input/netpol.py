"""Parse and fully validate ``networking.k8s.io/v1`` NetworkPolicy objects.

Validation follows the API server's: what it would reject is an error here,
with the field path, so an analysis never runs on a policy that could not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import mapping
from reach.input.selectors import parse_selector
from reach.model.cluster import NetworkPolicy, Peer, PortSpec, Rule
from reach.model.ipspace import IPBlock, IPRange, parse_network
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS

# IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', at least one letter,
# no leading, trailing or double '-'.
_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$")


def parse_network_policy(obj: Mapping[str, Any], origin: str = "") -> NetworkPolicy:
    meta = mapping(obj.get("metadata"), "metadata")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise FieldError("metadata.name", "is required")
    namespace = meta.get("namespace") or "default"
    if not isinstance(namespace, str):
        raise FieldError("metadata.namespace", "must be a string")
    spec = mapping(obj.get("spec"), "spec")
    _known(spec, "spec", ("podSelector", "policyTypes", "ingress", "egress"))
    selector = parse_selector(spec.get("podSelector"), "spec.podSelector")
    ingress = _rules(spec.get("ingress"), "spec.ingress", "from")
    egress = _rules(spec.get("egress"), "spec.egress", "to")
    types = spec.get("policyTypes")
    if not types:
        # API server defaulting (also for an empty list): Ingress always, Egress when
        # the policy has an egress rule.
        ingress_isolating, egress_isolating = True, bool(egress)
    else:
        if not isinstance(types, list):
            raise FieldError("spec.policyTypes", "must be a list of Ingress and/or Egress")
        for i, t in enumerate(types):
            if t not in ("Ingress", "Egress"):
                raise FieldError(f"spec.policyTypes[{i}]", f"{t!r} is not Ingress or Egress")
        ingress_isolating, egress_isolating = "Ingress" in types, "Egress" in types
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=selector,
        ingress_isolating=ingress_isolating,
        egress_isolating=egress_isolating,
        ingress=ingress if ingress_isolating else (),
        egress=egress if egress_isolating else (),
        origin=origin,
    )


def _rules(raw: Any, path: str, peer_key: str) -> tuple[Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FieldError(path, f"must be a list of rules, not {type(raw).__name__}")
    rules = []
    for i, r in enumerate(raw):
        rpath = f"{path}[{i}]"
        r = mapping(r, rpath) if r is not None else {}
        _known(r, rpath, (peer_key, "ports"))
        peers = _peers(r.get(peer_key), f"{rpath}.{peer_key}")
        ports = _ports(r.get("ports"), f"{rpath}.ports")
        rules.append(Rule(peers, ports, i))
    return tuple(rules)


def _peers(raw: Any, path: str) -> tuple[Peer, ...] | None:
    # "If this field is empty or missing, this rule matches all sources/destinations."
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise FieldError(path, "must be a list of peers")
    out = []
    for i, p in enumerate(raw):
        ppath = f"{path}[{i}]"
        p = mapping(p, ppath)
        _known(p, ppath, ("podSelector", "namespaceSelector", "ipBlock"))
        if "ipBlock" in p and p["ipBlock"] is not None:
            if p.get("podSelector") is not None or p.get("namespaceSelector") is not None:
                raise FieldError(
                    ppath, "ipBlock may not be combined with podSelector or namespaceSelector"
                )
            out.append(Peer(ip_block=_ip_block(p["ipBlock"], f"{ppath}.ipBlock")))
            continue
        pod_sel = p.get("podSelector")
        ns_sel = p.get("namespaceSelector")
        if pod_sel is None and ns_sel is None:
            raise FieldError(ppath, "must set podSelector, namespaceSelector or ipBlock")
        out.append(
            Peer(
                pod_selector=None
                if pod_sel is None
                else parse_selector(pod_sel, f"{ppath}.podSelector"),
                namespace_selector=None
                if ns_sel is None
                else parse_selector(ns_sel, f"{ppath}.namespaceSelector"),
            )
        )
    return tuple(out)


def _ip_block(raw: Any, path: str) -> IPBlock:
    raw = mapping(raw, path)
    _known(raw, path, ("cidr", "except"))
    cidr_text = raw.get("cidr")
    if not isinstance(cidr_text, str):
        raise FieldError(f"{path}.cidr", "is required and must be a string such as 10.0.0.0/8")
    try:
        cidr = parse_network(cidr_text)
    except ValueError as e:
        raise FieldError(f"{path}.cidr", str(e)) from None
    excepts_raw = raw.get("except") or []
    if not isinstance(excepts_raw, list):
        raise FieldError(f"{path}.except", "must be a list of CIDRs")
    excepts = []
    outer = IPRange.of_network(cidr)
    for i, text in enumerate(excepts_raw):
        epath = f"{path}.except[{i}]"
        if not isinstance(text, str):
            raise FieldError(epath, "must be a CIDR string")
        try:
            net = parse_network(text)
        except ValueError as bad:
            raise FieldError(epath, str(bad)) from None
        inner = IPRange.of_network(net)
        # "Except values will be rejected if they are outside the cidr range."
        if not outer.contains(inner) or inner == outer:
            raise FieldError(epath, f"{text} is not strictly inside cidr {cidr_text}")
        excepts.append(net)
    return IPBlock(cidr, tuple(excepts))


def _ports(raw: Any, path: str) -> tuple[PortSpec, ...] | None:
    # "If this field is empty or missing, this rule matches all ports."
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise FieldError(path, "must be a list of ports")
    return tuple(_port(p, f"{path}[{i}]") for i, p in enumerate(raw))


def _port(raw: Any, path: str) -> PortSpec:
    raw = mapping(raw, path)
    _known(raw, path, ("protocol", "port", "endPort"))
    proto = raw.get("protocol", "TCP")
    if proto is None:
        proto = "TCP"
    if proto not in PROTOCOLS:
        raise FieldError(
            f"{path}.protocol", f"{proto!r} is not a supported protocol (TCP, UDP, SCTP)"
        )
    port = raw.get("port")
    end = raw.get("endPort")
    if isinstance(port, bool):
        raise FieldError(f"{path}.port", f"{port!r} is not a port number or name")
    if isinstance(port, int):
        if not MIN_PORT <= port <= MAX_PORT:
            raise FieldError(f"{path}.port", f"{port} is out of range (1-65535)")
    elif isinstance(port, str):
        if not (len(port) <= 15 and _SVC_NAME.match(port)):
            raise FieldError(f"{path}.port", f"{port!r} is not a port number or name")
    elif port is not None:
        raise FieldError(f"{path}.port", f"{port!r} is not a port number or name")
    if end is not None:
        if isinstance(end, bool) or not isinstance(end, int):
            raise FieldError(f"{path}.endPort", f"{end!r} is not a port number")
        if port is None:
            raise FieldError(f"{path}.endPort", "requires port to be set")
        if isinstance(port, str):
            raise FieldError(f"{path}.endPort", f"may not be used with the named port {port!r}")
        if not MIN_PORT <= end <= MAX_PORT:
            raise FieldError(f"{path}.endPort", f"{end} is out of range (1-65535)")
        if end < port:
            raise FieldError(f"{path}.endPort", f"{end} is below port {port}")
    return PortSpec(proto, port, end)


def _known(raw: Mapping[str, Any], path: str, fields: tuple[str, ...]) -> None:
    for key in raw:
        if key not in fields:
            raise FieldError(
                f"{path}.{key}", f"unknown field (expected one of: {', '.join(fields)})"
            )
