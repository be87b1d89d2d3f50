"""One rule of a Calico policy or profile (``ingress``/``egress`` items) and its parts.

The checks are the CRD schema's (types, enums, ``maxItems``, ``maxLength`` and its CEL
rules, quoted in the messages) and those of Calico's validator that the API server runs
on ``projectcalico.org/v3``: ports need a protocol with ports, named protocols and
numbers 1-255, ``icmp``/``notICMP`` need protocol ICMP or ICMPv6, one IP family of
CIDRs per rule. What the fields mean: docs/semantics.md ("Calico policies").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.calicoselector import parse_field
from reach.input.validation import Collector, raise_all
from reach.model.calico import (
    ACTIONS,
    PORT_PROTOCOLS,
    PROTOCOL_NUMBERS,
    CalicoPort,
    CalicoRule,
    EntityMatch,
    IcmpMatch,
    ServiceMatch,
)
from reach.model.calicoselector import Selector
from reach.model.ipspace import IPBlock

_RULE_FIELDS = (
    "action",
    "protocol",
    "notProtocol",
    "icmp",
    "notICMP",
    "ipVersion",
    "source",
    "destination",
    "http",
    "metadata",
)
_ENTITY_FIELDS = (
    "selector",
    "notSelector",
    "namespaceSelector",
    "nets",
    "notNets",
    "ports",
    "notPorts",
    "serviceAccounts",
    "services",
)
_NUMBER_NAMES = {number: name for name, number in PROTOCOL_NUMBERS.items()}
_RANGE = re.compile(r"^(\d+):(\d+)$")
#: A named port: what Calico accepts as a port name (letters, digits, '-', '_', '.').
_PORT_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_ICMP = ("ICMP", "ICMPv6")


@dataclass(frozen=True)
class Scope:
    """What a rule's defaults depend on: the namespace of its policy (``""`` for a global
    policy or a profile)."""

    namespace: str


def parse_rule(raw: Any, path: str, index: int, direction: str, scope: Scope) -> CalicoRule:
    """One rule, or a FieldError listing its problems."""
    m = f.obj(raw, path, _RULE_FIELDS)
    found = Collector()
    action = None
    if m.get("action") is None:
        found.problems.append(FieldError(f"{path}.action", "is required"))
    else:
        action = found.run(f.enum, m["action"], f"{path}.action", ACTIONS)
    protocol = found.run(_protocol, m.get("protocol"), f"{path}.protocol")
    not_protocol = found.run(_protocol, m.get("notProtocol"), f"{path}.notProtocol")
    icmp = found.run(_icmp, m.get("icmp"), f"{path}.icmp")
    not_icmp = found.run(_icmp, m.get("notICMP"), f"{path}.notICMP")
    version = None
    if m.get("ipVersion") is not None:
        version = found.run(_ip_version, m["ipVersion"], f"{path}.ipVersion")
    http = found.run(_http, m.get("http"), f"{path}.http")
    if m.get("metadata") is not None:
        meta = found.run(f.obj, m["metadata"], f"{path}.metadata", ("annotations",)) or {}
        if meta.get("annotations") is not None:
            found.run(f.mapping_of_strings, meta["annotations"], f"{path}.metadata.annotations")
    source = found.run(parse_entity, m.get("source"), f"{path}.source", scope)
    destination = found.run(parse_entity, m.get("destination"), f"{path}.destination", scope)
    found.done()
    assert action is not None and source is not None and destination is not None
    rule = CalicoRule(
        direction=direction,
        index=index,
        action=action,
        protocol=protocol,
        not_protocol=not_protocol,
        ip_version=version,
        icmp=icmp,
        not_icmp=not_icmp,
        source=source,
        destination=destination,
        http=http,
    )
    check_rule(rule, path)
    return rule


def check_rule(rule: CalicoRule, path: str) -> None:
    """The checks across fields of one rule (CRD CEL rules and Calico's validator)."""
    problems: list[FieldError] = []
    if rule.http is not None and rule.protocol not in (None, "TCP"):
        problems.append(FieldError(path, "rules with HTTP match must have protocol TCP or unset"))
    if rule.http is not None and rule.action != "Allow":
        problems.append(FieldError(f"{path}.http", "HTTP match is only valid on Allow rules"))
    dst = rule.destination
    if dst.service is not None and (dst.ports is not None or dst.not_ports):
        problems.append(
            FieldError(
                f"{path}.destination", "ports and notPorts cannot be specified with services"
            )
        )
    for name, icmp in (("icmp", rule.icmp), ("notICMP", rule.not_icmp)):
        if icmp is not None and rule.protocol not in _ICMP:
            problems.append(
                FieldError(f"{path}.{name}", "ICMP fields require protocol to be ICMP or ICMPv6")
            )
    for name, proto in (("protocol", rule.protocol), ("notProtocol", rule.not_protocol)):
        wanted = {"ICMP": 4, "ICMPv6": 6}.get(proto or "")
        if wanted is not None and rule.ip_version not in (None, wanted):
            problems.append(
                FieldError(f"{path}.{name}", f"protocol {proto} requires ipVersion {wanted}")
            )
    for side, entity in (("source", rule.source), ("destination", rule.destination)):
        for key, ports in (("ports", entity.ports), ("notPorts", entity.not_ports)):
            if ports and rule.protocol not in PORT_PROTOCOLS:
                problems.append(
                    FieldError(
                        f"{path}.{side}.{key}",
                        "rules that specify ports must set protocol to TCP or UDP or SCTP",
                    )
                )
    problems += _families(rule, path)
    raise_all(problems)


def _families(rule: CalicoRule, path: str) -> list[FieldError]:
    """ "IPv4 and IPv6 CIDRs shouldn't be mixed in one rule"; they must agree with ipVersion."""
    versions = {
        block.cidr.version
        for entity in (rule.source, rule.destination)
        for block in (entity.nets or ()) + entity.not_nets
    }
    if len(versions) > 1:
        return [FieldError(path, "rule contains both IPv4 and IPv6 CIDRs")]
    if rule.ip_version is not None and versions and versions != {rule.ip_version}:
        (other,) = versions
        return [
            FieldError(path, f"rule contains an IPv{other} CIDR but ipVersion is {rule.ip_version}")
        ]
    return []


def _protocol(raw: Any, path: str) -> str | None:
    """``TCP``, ``UDP``, ``ICMP``, ``ICMPv6``, ``SCTP``, ``UDPLite`` or a number 1-255; a
    number of a named protocol becomes its name."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = f.integer(raw, path, 1, 255)
        return _NUMBER_NAMES.get(number, str(number))
    if isinstance(raw, str) and raw in PROTOCOL_NUMBERS:
        return raw
    raise FieldError(
        path,
        f"{raw!r} is not a protocol: TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255",
    )


def _icmp(raw: Any, path: str) -> IcmpMatch | None:
    if raw is None:
        return None
    m = f.obj(raw, path, ("type", "code"))
    found = Collector()
    kind = found.run(f.integer, m["type"], f"{path}.type", 0, 254) if "type" in m else None
    code = found.run(f.integer, m["code"], f"{path}.code", 0, 255) if "code" in m else None
    found.done()
    if code is not None and kind is None:
        raise FieldError(path, "ICMP code specified without an ICMP type")
    return IcmpMatch(kind, code)


def _ip_version(raw: Any, path: str) -> int:
    if isinstance(raw, bool) or raw not in (4, 6):
        raise FieldError(path, f"{raw!r} is not one of 4, 6")
    return int(raw)


def _http(raw: Any, path: str) -> str | None:
    """A summary of ``http`` (methods and paths), validated."""
    if raw is None:
        return None
    m = f.obj(raw, path, ("methods", "paths"))
    found = Collector()
    said: list[str] = []
    for ipath, method in found.run(lambda: list(_each(m.get("methods"), f"{path}.methods"))) or []:
        said.append(str(found.run(f.string, method, ipath)))
    for ipath, item in found.run(lambda: list(_each(m.get("paths"), f"{path}.paths"))) or []:
        pm = found.run(f.obj, item, ipath, ("exact", "prefix")) or {}
        which = found.run(f.one_of, pm, ipath, ("exact", "prefix"))
        if which is not None:
            text = found.run(f.string, pm[which], f"{ipath}.{which}", max_len=1024)
            said.append(f"{which} {text}")
    found.done()
    return "HTTP " + (" ".join(said) or "any request")


def _each(raw: Any, path: str) -> list[tuple[str, Any]]:
    """Items of a list of at most 20 (``methods``, ``paths``)."""
    return [(f"{path}[{i}]", v) for i, v in enumerate(f.items(raw, path, max_items=20))]


def parse_entity(raw: Any, path: str, scope: Scope) -> EntityMatch:
    """``source`` or ``destination``."""
    if raw is None:
        return EntityMatch()
    m = f.obj(raw, path, _ENTITY_FIELDS)
    found = Collector()
    sel = _selector(m, "selector", path, found)
    not_sel = _selector(m, "notSelector", path, found, allow_global=True)
    ns_sel = _selector(m, "namespaceSelector", path, found, allow_global=True)
    nets = found.run(_nets, m.get("nets"), f"{path}.nets") if m.get("nets") is not None else None
    not_nets = found.run(_nets, m.get("notNets"), f"{path}.notNets") or ()
    ports = None
    if m.get("ports") is not None:
        ports = found.run(_ports, m["ports"], f"{path}.ports")
    not_ports = found.run(_ports, m.get("notPorts"), f"{path}.notPorts") or ()
    names, sa_sel = found.run(_service_accounts, m.get("serviceAccounts"), path) or (None, None)
    service = found.run(_service, m.get("services"), f"{path}.services", scope)
    found.done()
    entity = EntityMatch(
        selector=sel,
        not_selector=not_sel,
        namespace_selector=ns_sel,
        nets=nets,
        not_nets=not_nets,
        ports=ports,
        not_ports=not_ports,
        service_account_names=names,
        service_account_selector=sa_sel,
        service=service,
    )
    _check_services(m, path)
    return entity


def _selector(
    m: Mapping[str, Any], key: str, path: str, found: Collector, *, allow_global: bool = False
) -> Selector | None:
    """A selector field; an empty string is no criterion."""
    raw = m.get(key)
    if raw is None or raw == "":
        return None
    return found.run(parse_field, raw, f"{path}.{key}", allow_global=allow_global)


def _check_services(m: Mapping[str, Any], path: str) -> None:
    """The CRD's rules on ``services`` beside other fields of the same entity."""
    if m.get("services") is None:
        return
    problems = []
    if m.get("namespaceSelector"):
        problems.append("cannot specify NamespaceSelector and Services on the same rule")
    if m.get("serviceAccounts") is not None:
        problems.append("cannot specify ServiceAccounts and Services on the same rule")
    if m.get("selector") or m.get("notSelector"):
        problems.append("cannot specify Selector/NotSelector and Services on the same rule")
    if m.get("nets") or m.get("notNets"):
        problems.append("cannot specify Nets/NotNets and Services on the same rule")
    raise_all([FieldError(path, p) for p in problems])


def _nets(raw: Any, path: str) -> tuple[IPBlock, ...]:
    """CIDRs (a bare address is one address), at most 256."""
    out = []
    found = Collector()
    for ipath, item in f.each(raw, path):
        net = found.run(cidr, item, ipath)
        if net is not None:
            out.append(IPBlock(net))
    if len(f.items(raw, path)) > 256:
        found.problems.append(FieldError(path, "must have at most 256 items"))
    found.done()
    return tuple(out)


def cidr(raw: Any, path: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR or a single address; host bits are masked, as Calico stores it."""
    text = f.string(raw, path)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise FieldError(path, f"{text!r} is not a valid CIDR or IP address") from None


def _ports(raw: Any, path: str) -> tuple[CalicoPort, ...]:
    items = f.items(raw, path, max_items=50)
    found = Collector()
    out = [found.run(port, item, f"{path}[{i}]") for i, item in enumerate(items)]
    found.done()
    return tuple(p for p in out if p is not None)


def port(raw: Any, path: str) -> CalicoPort:
    """A number, ``"a:b"`` (inclusive), a number as text, or a named port."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = f.integer(raw, path, 0, 65535)
        return CalicoPort(number, number)
    text = f.string(raw, path)
    if text.isdigit():
        number = f.integer(int(text), path, 0, 65535)
        return CalicoPort(number, number)
    m = _RANGE.match(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi > 65535:
            raise FieldError(path, f"{text!r}: ports must be within 0-65535")
        if lo > hi:
            raise FieldError(path, f"{text!r}: the first port of a range must not exceed the last")
        return CalicoPort(lo, hi)
    if not _PORT_NAME.match(text) or len(text) > 128:
        raise FieldError(path, f"{text!r} is not a port number, a range 'a:b' or a port name")
    return CalicoPort(name=text)


def _service_accounts(raw: Any, path: str) -> tuple[tuple[str, ...] | None, Selector | None]:
    if raw is None:
        return None, None
    spath = f"{path}.serviceAccounts"
    m = f.obj(raw, spath, ("names", "selector"))
    found = Collector()
    names = None
    if m.get("names") is not None:
        listed = found.run(f.items, m["names"], f"{spath}.names") or []
        names = tuple(
            str(found.run(f.string, n, f"{spath}.names[{i}]")) for i, n in enumerate(listed)
        )
    sel = _selector(m, "selector", spath, found)
    found.done()
    return names, sel


def _service(raw: Any, path: str, scope: Scope) -> ServiceMatch | None:
    if raw is None:
        return None
    m = f.obj(raw, path, ("name", "namespace"))
    found = Collector()
    name = found.run(f.string, m.get("name", ""), f"{path}.name", max_len=253) or ""
    namespace = ""
    if m.get("namespace") is not None:
        namespace = found.run(f.string, m["namespace"], f"{path}.namespace", max_len=253) or ""
    found.done()
    if not name:
        raise FieldError(path, "services must specify a service name")
    return ServiceMatch(name, namespace or scope.namespace)
