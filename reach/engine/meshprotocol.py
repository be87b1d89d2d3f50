"""Which destination ports carry plain TCP for Istio's sidecar (docs/semantics.md, "to.operation
and when"): HTTP attributes are missing there, and authorization_policy.proto says what a
DENY rule then does ("For a `DENY` rule, missing attributes are treated as matches").

A port is plain TCP when at least one Service port leads to it and every one that does
declares a protocol that is not HTTP by its name (Istio's protocol selection:
``name: <protocol>[-<suffix>]``; ``tcp``, ``tls``, ``https``, ``mongo``, ``mysql``,
``redis``). A port no Service names, or one named otherwise, is sniffed by the proxy:
its protocol is not known offline, and HTTP conditions stay marked.
"""

from __future__ import annotations

from collections.abc import Sequence

from reach.model.backends import pod_port, selects
from reach.model.cluster import Pod
from reach.model.ports import PortSet
from reach.model.services import Service, ServicePort

#: Protocols whose traffic the inbound sidecar handles as TCP (no HTTP attributes).
PLAIN = ("tcp", "tls", "https", "mongo", "mysql", "redis")


def declared(sp: ServicePort) -> str | None:
    """The protocol a Service port's name declares (``tcp-db`` -> ``tcp``), or None."""
    if not sp.name:
        return None
    return sp.name.split("-", 1)[0].lower()


def plain_tcp_ports(services: Sequence[Service], pod: Pod) -> PortSet:
    """The TCP ports of ``pod`` that every Service port leading there declares non-HTTP."""
    plain: set[int] = set()
    other: set[int] = set()
    for svc in services:
        if not selects(svc, pod):
            continue
        for sp in svc.ports:
            number = pod_port(sp, pod, svc.headless) if sp.protocol == "TCP" else None
            if number is not None:
                (plain if declared(sp) in PLAIN else other).add(number)
    out = PortSet.empty()
    for number in sorted(plain - other):
        out |= PortSet.of("TCP", number)
    return out
