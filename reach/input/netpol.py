"""Parse and fully validate ``networking.k8s.io/v1`` NetworkPolicy objects.

Validation follows the API server's: what it would reject is an error here,
with the field path, so an analysis never runs on a policy that could not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from reach.errors import FieldError
from reach.input.fields import describe, mapping
from reach.input.selectors import parse_selector
from reach.input.validation import Collector, known_fields, metadata, raise_all
from reach.model.cluster import NetworkPolicy, Peer, PortSpec, Rule
from reach.model.ipspace import IPBlock, IPRange, parse_network
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS
from reach.words import excerpt

T = TypeVar("T")

# IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', at least one letter,
# no leading, trailing or double '-'.
_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$")


def parse_network_policy(obj: Mapping[str, Any], origin: str = "", seed: str = "") -> NetworkPolicy:
    """The policy, or a FieldError listing every problem of the document (``seed``: where
    the object is, to derive a name from ``generateName``; the origin by default)."""
    found = Collector()
    meta = found.run(metadata, obj, "NetworkPolicy", seed or origin)
    spec = found.run(mapping, obj.get("spec"), "spec") or {}
    found.problems += known_fields(
        spec, "spec", ("podSelector", "policyTypes", "ingress", "egress")
    )
    selector = found.run(parse_selector, spec.get("podSelector"), "spec.podSelector")
    ingress = _rules(spec.get("ingress"), "spec.ingress", "from", found)
    egress = _rules(spec.get("egress"), "spec.egress", "to", found)
    types = found.run(_policy_types, spec.get("policyTypes"), bool(egress))
    found.done()
    assert meta is not None and selector is not None and types is not None
    ingress_isolating, egress_isolating = types
    return NetworkPolicy(
        namespace=meta.namespace,
        name=meta.name,
        pod_selector=selector,
        ingress_isolating=ingress_isolating,
        egress_isolating=egress_isolating,
        ingress=ingress if ingress_isolating else (),
        egress=egress if egress_isolating else (),
        origin=origin,
    )


def _policy_types(types: Any, has_egress: bool) -> tuple[bool, bool]:
    """Whether the policy isolates ingress and egress."""
    if not isinstance(types, list) and types is not None:
        raise FieldError(
            "spec.policyTypes", f"must be a list of Ingress and/or Egress, not {describe(types)}"
        )
    if not types:
        # API server defaulting (also for an empty list): Ingress always, Egress when
        # the policy has an egress rule.
        return True, has_egress
    raise_all(
        [
            FieldError(f"spec.policyTypes[{i}]", f"{excerpt(t)} is not Ingress or Egress")
            for i, t in enumerate(types)
            if t not in ("Ingress", "Egress")
        ]
    )
    return "Ingress" in types, "Egress" in types


def _rules(raw: Any, path: str, peer_key: str, found: Collector) -> tuple[Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        found.problems.append(FieldError(path, f"must be a list of rules, not {describe(raw)}"))
        return ()
    rules = []
    for i, r in enumerate(raw):
        rpath = f"{path}[{i}]"
        r = found.run(mapping, r, rpath) or {}
        found.problems += known_fields(r, rpath, (peer_key, "ports"))
        peers = _peers(r.get(peer_key), f"{rpath}.{peer_key}", found)
        ports = _ports(r.get("ports"), f"{rpath}.ports", found)
        rules.append(Rule(peers, ports, i))
    return tuple(rules)


def _peers(raw: Any, path: str, found: Collector) -> tuple[Peer, ...] | None:
    # "If this field is empty or missing, this rule matches all sources/destinations."
    return _each(raw, path, found, _peer, "peers")


def _each(
    raw: Any, path: str, found: Collector, parse: Callable[[Any, str], T], what: str
) -> tuple[T, ...] | None:
    """Each item of a rule's list parsed; None (every one) when the list is empty or absent."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        found.problems.append(FieldError(path, f"must be a list of {what}"))
        return ()
    items = (found.run(parse, x, f"{path}[{i}]") for i, x in enumerate(raw))
    return tuple(x for x in items if x is not None)


def _peer(raw: Any, path: str) -> Peer:
    p = mapping(raw, path)
    raise_all(known_fields(p, path, ("podSelector", "namespaceSelector", "ipBlock")))
    if "ipBlock" in p and p["ipBlock"] is not None:
        if p.get("podSelector") is not None or p.get("namespaceSelector") is not None:
            raise FieldError(
                path, "ipBlock may not be combined with podSelector or namespaceSelector"
            )
        return Peer(ip_block=_ip_block(p["ipBlock"], f"{path}.ipBlock"))
    pod_sel = p.get("podSelector")
    ns_sel = p.get("namespaceSelector")
    if pod_sel is None and ns_sel is None:
        raise FieldError(path, "must set podSelector, namespaceSelector or ipBlock")
    found = Collector()
    pods = None if pod_sel is None else found.run(parse_selector, pod_sel, f"{path}.podSelector")
    nss = None if ns_sel is None else found.run(parse_selector, ns_sel, f"{path}.namespaceSelector")
    found.done()
    return Peer(pod_selector=pods, namespace_selector=nss)


def _ip_block(raw: Any, path: str) -> IPBlock:
    raw = mapping(raw, path)
    raise_all(known_fields(raw, path, ("cidr", "except")))
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


def _ports(raw: Any, path: str, found: Collector) -> tuple[PortSpec, ...] | None:
    # "If this field is empty or missing, this rule matches all ports."
    return _each(raw, path, found, _port, "ports")


def _port(raw: Any, path: str) -> PortSpec:
    raw = mapping(raw, path)
    raise_all(known_fields(raw, path, ("protocol", "port", "endPort")))
    proto = raw.get("protocol", "TCP")
    if proto is None:
        proto = "TCP"
    if proto not in PROTOCOLS:
        raise FieldError(
            f"{path}.protocol", f"{excerpt(proto)} is not a supported protocol (TCP, UDP, SCTP)"
        )
    port = raw.get("port")
    end = raw.get("endPort")
    if isinstance(port, bool):
        raise FieldError(f"{path}.port", f"{excerpt(port)} is not a port number or name")
    if isinstance(port, int):
        if not MIN_PORT <= port <= MAX_PORT:
            raise FieldError(f"{path}.port", f"{excerpt(port)} is out of range (1-65535)")
    elif isinstance(port, str):
        if not (len(port) <= 15 and _SVC_NAME.match(port)):
            raise FieldError(f"{path}.port", f"{excerpt(port)} is not a port number or name")
    elif port is not None:
        raise FieldError(f"{path}.port", f"{excerpt(port)} is not a port number or name")
    if end is not None:
        if isinstance(end, bool) or not isinstance(end, int):
            raise FieldError(f"{path}.endPort", f"{excerpt(end)} is not a port number")
        if port is None:
            raise FieldError(f"{path}.endPort", "requires port to be set")
        if isinstance(port, str):
            raise FieldError(
                f"{path}.endPort", f"may not be used with the named port {excerpt(port)}"
            )
        if not MIN_PORT <= end <= MAX_PORT:
            raise FieldError(f"{path}.endPort", f"{excerpt(end)} is out of range (1-65535)")
        if end < port:
            raise FieldError(f"{path}.endPort", f"{excerpt(end)} is below port {excerpt(port)}")
    return PortSpec(proto, port, end)
