"""``reach generate --keep-existing``: only what the input's NetworkPolicies miss.

With every pod isolated both ways (a default deny where the kept policies do not
isolate already), a connection is allowed when the egress rules of its source and the
ingress rules of its destination both allow it, from the kept policies or the
generated ones. Writing the wanted ports that the kept policies do not allow on their
own on both sides therefore gives exactly the wanted set plus what the kept policies
allow on their own (``X``): what ``X`` holds beyond the wanted set cannot be removed
by adding allow-only NetworkPolicies, and verification names those pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reach.analysis.rangeports import disjoint
from reach.analysis.units import End, Unit, Wanted, current
from reach.engine.compile import compile_cluster
from reach.model.cluster import Cluster, NetworkPolicy
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet
from reach.model.selectors import LabelSelector


@dataclass(frozen=True)
class Existing:
    """What the kept policies give: the namespaces they isolate both ways already, the
    names they take, and what they allow on their own with every pod isolated."""

    isolated: frozenset[str]
    taken: frozenset[tuple[str, str]]
    allows: Wanted


def isolated_namespaces(policies: list[NetworkPolicy]) -> frozenset[str]:
    """Namespaces where policies that select every pod isolate both ways."""
    ingress, egress = set(), set()
    for p in policies:
        if p.pod_selector.is_empty():
            if p.ingress_isolating:
                ingress.add(p.namespace)
            if p.egress_isolating:
                egress.add(p.namespace)
    return frozenset(ingress & egress)


def default_deny(namespace: str) -> NetworkPolicy:
    """Every pod of ``namespace`` isolated for ingress and egress, no rule."""
    return NetworkPolicy(namespace, "(default deny)", LabelSelector(()), True, True)


def existing(cluster: Cluster, found: list[Unit]) -> Existing:
    """What ``cluster``'s NetworkPolicies give (see :class:`Existing`); compiles it once
    more, with a default deny where they do not isolate."""
    isolated = isolated_namespaces(cluster.policies)
    namespaces = sorted({u.namespace for u in found} - isolated)
    denies = [default_deny(ns) for ns in namespaces]
    with_denies = compile_cluster(replace(cluster, policies=[*cluster.policies, *denies]))
    taken = frozenset((p.namespace, p.name) for p in cluster.policies)
    return Existing(isolated, taken, current(with_denies, found))


def missing(wanted: Wanted, allows: Wanted) -> Wanted:
    """The wanted ports that ``allows`` does not hold, per unit pair; per unit and outside
    range, cut where either set changes."""
    out: Wanted = {}
    for pair, ports in wanted.items():
        if isinstance(pair[0], int) and isinstance(pair[1], int):
            rest = ports - allows.get(pair, PortSet.empty())
            if rest:
                out[pair] = rest
    sides: dict[tuple[int, bool], tuple[list[tuple[IPRange, PortSet]], ...]] = {}
    for which, table in enumerate((wanted, allows)):
        for (a, b), ports in table.items():
            if isinstance(a, int) and isinstance(b, IPRange):
                sides.setdefault((a, True), ([], []))[which].append((b, ports))
            elif isinstance(a, IPRange) and isinstance(b, int):
                sides.setdefault((b, False), ([], []))[which].append((a, ports))
    for (unit, outgoing), (want, have) in sides.items():
        for piece, rest in disjoint(want, have):
            key: tuple[End, End] = (unit, piece) if outgoing else (piece, unit)
            out[key] = rest
    return out
