"""``toPorts`` of a Cilium rule: ports for the engine, a summary of each L7 part.

Ports follow layer4.rst: "Protocol is the L4 protocol. If omitted or empty, any protocol
matches" (``ANY``: one port spec each for TCP, UDP and SCTP); port ``"0"`` (or none)
is every port of the protocol; ``endPort`` makes a range; a name is a named port
("EndPort is ignored if Port is a named port"). Other protocols (VRRP, GRE, ...) are
outside reach's port model: they add no port and are named in ``unresolved``.

The checks are the CRD schema's and those of the agent's ``PortRule.sanitize``, in
its words where it has some.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.ciliuml7 import l7_rules, tls_summaries
from reach.input.validation import Collector
from reach.model.ports import PROTOCOLS, PortSpec

#: The CRD's ``protocol`` enum; ``ANY`` and the three of reach's port model apart, the
#: extended IP protocols of host policies.
PROTOCOL_ENUM = ("TCP", "UDP", "SCTP", "VRRP", "IGMP", "GRE", "IPIP", "IPV6", "ESP", "AH", "ANY")
#: The CRD's ``port`` pattern (its ``^`` and ``$`` bind to one alternative each, and the
#: API server searches it: ``80abc`` passes, and the agent then refuses it).
PORT_PATTERN = re.compile(
    r"^(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
    r"|([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$"
)
#: ``iana.IsSvcName``: at most 15 alphanumerics in groups joined by single '-', one letter.
_SVC_NAME = re.compile(r"[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*")
#: The most ports one ``toPorts`` item of an allow rule may list (``maxItems``).
MAX_PORTS = 40
_ALLOW_FIELDS = ("ports", "rules", "serverNames", "listener", "terminatingTLS", "originatingTLS")


@dataclass
class PortsRead:
    """What ``toPorts`` of one rule gives: the ports, L7 summaries, unresolved parts."""

    ports: list[PortSpec] = field(default_factory=list)
    l7: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def parse_to_ports(
    raw: Any, path: str, *, ingress: bool, deny: bool, host: bool, found: Collector
) -> PortsRead:
    """Every item of ``toPorts``; the problems go to ``found``."""
    out = PortsRead()
    for ipath, item in found.run(lambda: list(f.each(raw, path))) or []:
        found.run(_port_rule, item, ipath, out, ingress=ingress, deny=deny, host=host)
    return out


def _port_rule(
    raw: Any, path: str, out: PortsRead, *, ingress: bool, deny: bool, host: bool
) -> None:
    m = f.obj(raw, path, ("ports",) if deny else _ALLOW_FIELDS)
    found = Collector()
    limit = None if deny else MAX_PORTS
    ports = found.run(f.items, m.get("ports"), f"{path}.ports", max_items=limit) or []
    parsed = [found.run(_port, p, f"{path}.ports[{i}]") for i, p in enumerate(ports)]
    rules = found.run(l7_rules, m.get("rules"), f"{path}.rules") if not deny else None
    tls = found.run(tls_summaries, m, path) or []
    found.done()
    kind, summaries = rules or ("", [])
    _sanitize(m, path, [p for p in parsed if p is not None], kind, ingress=ingress, host=host)
    for p in parsed:
        assert p is not None
        out.ports.extend(p.specs)
        if p.other:
            out.unresolved.append(f"protocol {p.other}")
    out.l7.extend(summaries + tls)


@dataclass(frozen=True)
class _Port:
    """One ``ports`` item: the specs for reach's protocols, or another protocol."""

    specs: tuple[PortSpec, ...]
    protocol: str
    number: int | None = None  # None: a name, or no port
    end: int = 0
    other: str = ""
    zero: bool = False  # port "0" or none: every port


def _port(raw: Any, path: str) -> _Port:
    m = f.obj(raw, path, ("port", "endPort", "protocol"))
    found = Collector()
    proto = "ANY"
    if m.get("protocol") is not None:
        proto = found.run(f.enum, m["protocol"], f"{path}.protocol", PROTOCOL_ENUM) or "ANY"
    port = found.run(_port_value, m.get("port"), f"{path}.port")
    end = 0
    if m.get("endPort") is not None:
        end = found.run(f.integer, m["endPort"], f"{path}.endPort", 0, 65535) or 0
    found.done()
    if isinstance(port, int) and end and end < port:
        raise FieldError(f"{path}.endPort", f"{end} must be greater than or equal to port {port}")
    if proto not in ("ANY", *PROTOCOLS):
        return _Port((), proto, other=proto, zero=port is None or port == 0)
    protos = PROTOCOLS if proto == "ANY" else (proto,)
    number = port if isinstance(port, int) else None
    specs = tuple(_spec(p, port, end) for p in protos)
    return _Port(specs, proto, number, end, zero=port is None or port == 0)


def _spec(proto: str, port: int | str | None, end: int) -> PortSpec:
    if port is None or port == 0:
        return PortSpec(proto)  # "0" or none: every port of the protocol
    if isinstance(port, str) or not end or end == port:
        return PortSpec(proto, port)
    return PortSpec(proto, port, end)


def _port_value(raw: Any, path: str) -> int | str | None:
    """A port number, a (lowercased) port name, or None when absent."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise FieldError(path, f'must be a string, not the number {raw}: quote it ("{raw}")')
    text = f.string(raw, path, pattern=PORT_PATTERN, expected="a port number (0-65535) or name")
    if len(text) <= 15 and _SVC_NAME.fullmatch(text) and re.search("[a-zA-Z]", text):
        return text.lower()  # Cilium: "Normalize for case insensitive comparison"
    number = _parse_uint16(text)
    if number is None:
        raise FieldError(path, f"Unable to parse port {text!r}: not a number 0-65535 or a name")
    return number


def _parse_uint16(text: str) -> int | None:
    """Go's ``strconv.ParseUint(text, 0, 16)``: a leading ``0`` means octal."""
    if not re.fullmatch(r"[0-9A-Za-z_]+", text):
        return None
    if re.fullmatch(r"0[0-9_]+", text):
        text = "0o" + text[1:]
    try:
        value = int(text, 0)
    except ValueError:
        return None
    return value if value <= 65535 else None


def _sanitize(
    m: Mapping[str, Any], path: str, ports: list[_Port], kind: str, *, ingress: bool, host: bool
) -> None:
    """The agent's checks of one ``toPorts`` item (``PortRule.sanitize``)."""
    listener = m.get("listener")
    name = listener.get("name") if isinstance(listener, Mapping) else None
    if listener is not None and ingress:
        raise FieldError(f"{path}.listener", f"Listener is not allowed on ingress ({name})")
    if not kind:
        return
    where = f"{path}.rules"
    if kind == "dns" and ingress:
        raise FieldError(where, "DNS rules are not allowed on ingress")
    if host and kind != "dns":
        side = "ingress" if ingress else "egress"
        raise FieldError(where, f"L7 protocol {kind.upper()} is not supported on {side} yet")
    if listener is not None:
        raise FieldError(f"{path}.listener", f"Listener is not allowed with L7 rules ({name})")
    if m.get("serverNames") and m.get("terminatingTLS") is None:
        raise FieldError(
            f"{path}.serverNames",
            "ServerNames are not allowed with L7 rules without TLS termination",
        )
    for i, p in enumerate(ports):
        ppath = f"{path}.ports[{i}]"
        if kind != "dns" and p.protocol != "TCP":
            raise FieldError(
                f"{ppath}.protocol",
                f"L7 rules can only apply to TCP (not {p.protocol}) except for DNS rules",
            )
        if p.zero:
            raise FieldError(f"{ppath}.port", "L7 rules can not be used when a port is 0")
        if kind == "dns" and p.number is not None and p.end > p.number:
            raise FieldError(f"{ppath}.endPort", "DNS rules do not support port ranges")
