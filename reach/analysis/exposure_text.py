"""The text of representative peers and of their connections, in the grammar of
``list --exposure`` (docs/queries.md, "Representatives")."""

from __future__ import annotations

from reach.engine.representatives import Representative
from reach.model.ports import PROTOCOLS, PortSet
from reach.model.selectors import LabelSelector, Requirement

NamedPort = tuple[str, str]  # (protocol, name); protocol "" when any protocol


def peer_text(rep: Representative) -> str:
    """``entire-cluster`` or ``NS-PART/POD-PART``: the namespace name, ``[all namespaces]``
    or ``[namespace with {...}]``, then ``[all pods]`` or ``[pod with {...}]``."""
    if rep.entire_cluster:
        return "entire-cluster"
    if rep.namespace is not None:
        namespace = rep.namespace
    elif rep.namespace_selector.is_empty():
        namespace = "[all namespaces]"
    else:
        namespace = f"[namespace with {{{selector_text(rep.namespace_selector)}}}]"
    if rep.pod_selector.is_empty():
        pods = "[all pods]"
    else:
        pods = f"[pod with {{{selector_text(rep.pod_selector)}}}]"
    return f"{namespace}/{pods}"


def selector_text(selector: LabelSelector) -> str:
    """Plain labels (matchLabels) first as ``key=value`` sorted by key, then the other
    requirements in Go struct form (``{Key:k,Operator:NotIn,Values:[a b],}``) sorted as
    text."""
    labels = sorted(f"{r.key}={next(iter(r.values))}" for r in selector.requirements if r.plain)
    others = sorted(_go_form(r) for r in selector.requirements if not r.plain)
    return ",".join(labels + others)


def _go_form(req: Requirement) -> str:
    return f"{{Key:{req.key},Operator:{req.operator},Values:[{' '.join(sorted(req.values))}],}}"


def conns_text(ports: PortSet, named: tuple[NamedPort, ...] = ()) -> str:
    """``All Connections``, ``No Connections``, or the ports by protocol with the named
    ports that could not be resolved after them (``TCP 80,http``). A name given for every
    protocol (an admin policy's ``namedPort``) comes first, after a bare space
    (`` local-port``)."""
    if ports.is_all() or (not named and ports.is_empty()):
        return str(ports)
    by_protocol: dict[str, set[str]] = {}
    for protocol, name in named:
        by_protocol.setdefault(protocol, set()).add(name)
    anywhere = set.intersection(*(by_protocol.get(p, set()) for p in PROTOCOLS))
    anywhere |= by_protocol.pop("", set())
    parts = [" " + ",".join(sorted(anywhere))] if anywhere else []
    for protocol in PROTOCOLS:
        items = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports.intervals(protocol)]
        items += sorted(by_protocol.get(protocol, set()) - anywhere)
        if items:
            parts.append(f"{protocol} " + ",".join(items))
    return ",".join(parts)
