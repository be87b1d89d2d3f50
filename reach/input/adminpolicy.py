"""Parse and validate the cluster-scoped policies of ``policy.networking.k8s.io``.

- AdminNetworkPolicy (v1alpha1): Admin tier, ``priority`` 0-1000, actions Allow/Deny/Pass.
- BaselineAdminNetworkPolicy (v1alpha1): Baseline tier, a single object named ``default``,
  actions Allow/Deny.
- ClusterNetworkPolicy (v1alpha2): ``tier`` Admin or Baseline, ``priority`` 0-1000,
  actions Accept/Deny/Pass, ports as ``protocols``.

All become :class:`~reach.model.cluster.AdminPolicy` so the engine has one code path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import describe, mapping
from reach.input.selectors import parse_selector
from reach.input.validation import Collector, metadata
from reach.model.cluster import AdminPolicy, AdminRule, Peer, PortSpec
from reach.model.ipspace import IPBlock, parse_network
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS
from reach.words import excerpt

_ACTIONS = {
    "AdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny", "Pass": "Pass"},
    "BaselineAdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny"},
    "ClusterNetworkPolicy": {"Accept": "Allow", "Deny": "Deny", "Pass": "Pass"},
}


def parse_admin_policy(
    obj: Mapping[str, Any], kind: str, origin: str = "", seed: str = ""
) -> AdminPolicy:
    """The policy, or a FieldError listing every problem of the document."""
    found = Collector()
    meta = found.run(metadata, obj, kind, seed or origin, namespaced=False)
    spec = found.run(mapping, obj.get("spec"), "spec") or {}
    placed = found.run(_tier, spec, kind, meta.name if meta else "")
    subject = None
    if "subject" not in spec:
        found.problems.append(FieldError("spec.subject", "is required"))
    else:
        subject = found.run(_subject, spec.get("subject"), "spec.subject")
    ingress = _rules(spec.get("ingress"), "spec.ingress", "from", kind, found)
    egress = _rules(spec.get("egress"), "spec.egress", "to", kind, found)
    found.done()
    assert meta is not None and placed is not None and subject is not None
    return AdminPolicy(
        kind=kind,
        name=meta.name,
        tier=placed[0],
        priority=placed[1],
        subject=subject,
        ingress=ingress,
        egress=egress,
        origin=origin,
    )


def _tier(spec: Mapping[str, Any], kind: str, name: str) -> tuple[str, int]:
    """The policy's tier and priority (-1 for the BaselineAdminNetworkPolicy)."""
    if kind == "BaselineAdminNetworkPolicy":
        if name and name != "default":
            raise FieldError(
                "metadata.name",
                f"{excerpt(name)}: a BaselineAdminNetworkPolicy must be named 'default'",
            )
        return "Baseline", -1
    priority = _priority(spec.get("priority"))
    if kind == "ClusterNetworkPolicy":
        raw_tier = spec.get("tier")
        if raw_tier not in ("Admin", "Baseline"):
            raise FieldError("spec.tier", f"{excerpt(raw_tier)} is not Admin or Baseline")
        return str(raw_tier), priority
    return "Admin", priority


def _priority(raw: Any) -> int:
    if raw is None:
        raise FieldError("spec.priority", "is required")
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise FieldError("spec.priority", f"{excerpt(raw)} is not a number")
    if not 0 <= raw <= 1000:
        raise FieldError("spec.priority", f"{excerpt(raw)} is outside 0-1000")
    return raw


def _subject(raw: Any, path: str) -> Peer:
    raw = mapping(raw, path)
    key = _one_of(raw, path, ("namespaces", "pods"), "namespaces or pods")
    return _selector_peer(raw, key, path)


def _selector_peer(raw: Mapping[str, Any], key: str, path: str) -> Peer:
    if key == "namespaces":
        return Peer(namespace_selector=parse_selector(raw[key], f"{path}.namespaces"))
    pods = mapping(raw[key], f"{path}.pods")
    _only(pods, f"{path}.pods", ("namespaceSelector", "podSelector"))
    return Peer(
        namespace_selector=parse_selector(
            pods.get("namespaceSelector"), f"{path}.pods.namespaceSelector"
        ),
        pod_selector=parse_selector(pods.get("podSelector"), f"{path}.pods.podSelector"),
    )


def _rules(
    raw: Any, path: str, peer_key: str, kind: str, found: Collector
) -> tuple[AdminRule, ...]:
    """The rules; the problems of each go to ``found``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        found.problems.append(FieldError(path, f"must be a list of rules, not {describe(raw)}"))
        return ()
    rules = (found.run(_rule, r, f"{path}[{i}]", peer_key, kind, i) for i, r in enumerate(raw))
    return tuple(r for r in rules if r is not None)


def _rule(raw: Any, path: str, peer_key: str, kind: str, index: int) -> AdminRule:
    raw = mapping(raw, path)
    port_key = "protocols" if kind == "ClusterNetworkPolicy" else "ports"
    _only(raw, path, ("name", "action", peer_key, port_key))
    actions = _ACTIONS[kind]
    action = raw.get("action")
    if not isinstance(action, str) or action not in actions:
        raise FieldError(f"{path}.action", f"{excerpt(action)} is not one of {', '.join(actions)}")
    name = raw.get("name") or f"{'ingress' if peer_key == 'from' else 'egress'}[{index}]"
    peers_raw = raw.get(peer_key)
    if not isinstance(peers_raw, list) or not peers_raw:
        raise FieldError(f"{path}.{peer_key}", "is required and must list at least one peer")
    peers: list[Peer] = []
    unresolved: list[str] = []
    for i, p in enumerate(peers_raw):
        _peer(p, f"{path}.{peer_key}[{i}]", kind, peers, unresolved, egress=peer_key == "to")
    if kind == "ClusterNetworkPolicy":
        ports = _protocols(raw.get("protocols"), f"{path}.protocols")
    else:
        ports = _ports(raw.get("ports"), f"{path}.ports")
    return AdminRule(str(name), actions[action], tuple(peers), ports, index, tuple(unresolved))


def _peer(
    raw: Any, path: str, kind: str, peers: list[Peer], unresolved: list[str], *, egress: bool
) -> None:
    """Add the peer to ``peers``, or, when offline analysis cannot resolve it, to ``unresolved``."""
    raw = mapping(raw, path)
    allowed = ["namespaces", "pods"]
    if egress:
        allowed += ["networks", "nodes"]
        if kind == "ClusterNetworkPolicy":
            allowed.append("domainNames")
    key = _one_of(raw, path, tuple(allowed))
    if key in ("namespaces", "pods"):
        peers.append(_selector_peer(raw, key, path))
    elif key == "networks":
        nets = raw[key]
        if not isinstance(nets, list) or not nets:
            raise FieldError(f"{path}.networks", "must list at least one CIDR")
        for j, cidr in enumerate(nets):
            if not isinstance(cidr, str):
                raise FieldError(f"{path}.networks[{j}]", "must be a CIDR string")
            try:
                peers.append(Peer(ip_block=IPBlock(parse_network(cidr))))
            except ValueError as e:
                raise FieldError(f"{path}.networks[{j}]", str(e)) from None
    elif key == "nodes":
        unresolved.append(f"nodes {parse_selector(raw[key], f'{path}.nodes')}")
    else:
        names = raw[key]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise FieldError(f"{path}.domainNames", "must be a list of domain names")
        unresolved.extend(f"domain {n}" for n in names)


def _ports(raw: Any, path: str) -> tuple[PortSpec, ...] | None:
    """ANP/BANP ``ports``: portNumber, portRange or namedPort; absent means all ports."""
    if raw is None:
        return None
    out: list[PortSpec] = []
    for ppath, p in _items(raw, path, "must be a list of ports"):
        key = _one_of(p, ppath, ("portNumber", "portRange", "namedPort"))
        if key == "namedPort":
            out.extend(_named(p[key], f"{ppath}.namedPort"))
            continue
        body = mapping(p[key], f"{ppath}.{key}")
        proto = _protocol(body.get("protocol"), f"{ppath}.{key}.protocol")
        if key == "portNumber":
            out.append(PortSpec(proto, _number(body.get("port"), f"{ppath}.portNumber.port")))
        else:
            out.append(_range(proto, body, f"{ppath}.portRange"))
    return tuple(out)


def _protocols(raw: Any, path: str) -> tuple[PortSpec, ...] | None:
    """ClusterNetworkPolicy ``protocols``: tcp/udp/sctp with destinationPort, or a named port."""
    if raw is None:
        return None
    out: list[PortSpec] = []
    for ppath, p in _items(raw, path, "must be a list"):
        key = _one_of(p, ppath, ("tcp", "udp", "sctp", "destinationNamedPort"))
        if key == "destinationNamedPort":
            out.extend(_named(p[key], f"{ppath}.destinationNamedPort"))
            continue
        proto = key.upper()
        body = mapping(p[key], f"{ppath}.{key}")
        _only(body, f"{ppath}.{key}", ("destinationPort",))
        dest = body.get("destinationPort")
        if dest is None:
            out.append(PortSpec(proto))  # no port: every port of the protocol
            continue
        dpath = f"{ppath}.{key}.destinationPort"
        dest = mapping(dest, dpath)
        if _one_of(dest, dpath, ("number", "range"), "number or range") == "number":
            out.append(PortSpec(proto, _number(dest["number"], f"{dpath}.number")))
        else:
            out.append(_range(proto, mapping(dest["range"], f"{dpath}.range"), f"{dpath}.range"))
    return tuple(out)


def _items(raw: Any, path: str, not_a_list: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The path and the mapping of each item of the list ``raw`` (``not_a_list`` otherwise)."""
    if not isinstance(raw, list):
        raise FieldError(path, not_a_list)
    for i, item in enumerate(raw):
        yield f"{path}[{i}]", mapping(item, f"{path}[{i}]")


def _one_of(raw: Mapping[str, Any], path: str, fields: tuple[str, ...], said: str = "") -> str:
    """The one field of ``fields`` that ``raw`` sets; it may set no other (``said`` names
    the fields in the error, by default as a comma-separated list)."""
    _only(raw, path, fields)
    keys = [k for k in fields if raw.get(k) is not None]
    if len(keys) != 1:
        raise FieldError(path, f"exactly one of {said or ', '.join(fields)} must be set")
    return keys[0]


def _named(raw: Any, path: str) -> list[PortSpec]:
    """A named port matches the destination's container port of that name, any protocol."""
    if not isinstance(raw, str) or not raw:
        raise FieldError(path, "must be a port name")
    return [PortSpec(proto, raw) for proto in PROTOCOLS]


def _range(proto: str, rng: Mapping[str, Any], path: str) -> PortSpec:
    start = _number(rng.get("start"), f"{path}.start")
    end = _number(rng.get("end"), f"{path}.end")
    if end <= start:
        raise FieldError(
            f"{path}.end", f"{excerpt(end)} must be greater than start {excerpt(start)}"
        )
    return PortSpec(proto, start, end)


def _number(raw: Any, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise FieldError(path, f"{excerpt(raw)} is not a port number")
    if not MIN_PORT <= raw <= MAX_PORT:
        raise FieldError(path, f"{excerpt(raw)} is out of range (1-65535)")
    return raw


def _protocol(raw: Any, path: str) -> str:
    proto = raw or "TCP"
    if proto not in PROTOCOLS:
        raise FieldError(path, f"{excerpt(proto)} is not a supported protocol (TCP, UDP, SCTP)")
    return str(proto)


def _only(raw: Mapping[str, Any], path: str, fields: tuple[str, ...]) -> None:
    for key in raw:
        if key not in fields:
            raise FieldError(
                f"{path}.{key}", f"unknown field (expected one of: {', '.join(fields)})"
            )
