"""``reach generate``: NetworkPolicies that allow exactly the wanted connections.

The layout (docs/flows.md, "Generating policies"):

- per namespace that holds pods, ``default-deny``: every pod isolated for ingress and
  egress, no rule;
- per unit (:mod:`reach.analysis.units`) that opens or accepts a wanted connection,
  ``allow-<name>``: its egress rules to the units and ranges it may reach and its
  ingress rules from those that may reach it, one rule per set of ports, its peers
  together (a whole namespace as one peer when every unit of it is wanted alike, every
  namespace as ``namespaceSelector: {}`` when every unit is).

Each unit is selected exactly among the pods of its namespace: by a preferred stable
label alone (``app.kubernetes.io/name``, ``app``) when that picks it alone, else by its
stable labels, else by all its labels; with ``DoesNotExist`` for a key of each unit
whose labels include its own (so that ``app: web`` does not pick ``app: web, canary:
"1"``). Labels controllers add (``pod-template-hash`` ...) are used only when nothing
else tells units apart. Ports are written as ranges (``port`` and ``endPort``), which
adds nothing unwanted; all ports of a protocol as the protocol alone.

A connection is allowed by NetworkPolicies when both sides allow it, so each wanted
connection between units is written twice: as the source's egress and the
destination's ingress. Nothing else is allowed: every pod is isolated both ways.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reach.analysis.genpeers import PeerWriter
from reach.analysis.units import Connections, End, Unit, Wanted
from reach.model.ipspace import IPRange
from reach.model.ports import MAX_PORT, MIN_PORT, PortSet
from reach.words import count

#: Labels people choose to name an application, best first.
PREFERRED = ("app.kubernetes.io/name", "app", "k8s-app", "name")
#: Labels controllers add, which change with each rollout.
UNSTABLE = (
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "job-name",
    "pod-template-generation",
)
Obj = dict[str, Any]
#: A rule's comment names each of its peers up to this many, else counts them.
COMMENTED_PEERS = 12


@dataclass
class Generated:
    """The policies (as manifests, in output order) and a comment for each, per rule."""

    policies: list[Obj] = field(default_factory=list)
    comments: list[list[str]] = field(default_factory=list)

    def add(self, policy: Obj, comments: list[str]) -> None:
        self.policies.append(policy)
        self.comments.append(comments)


def generate(
    found: list[Unit],
    wanted: Wanted | Connections,
    notes: Mapping[tuple[End, End], str] = {},
    *,
    taken: frozenset[tuple[str, str]] = frozenset(),
    isolated: frozenset[str] = frozenset(),
) -> Generated:
    """The policies that allow exactly ``wanted`` between ``found`` units and ranges;
    ``notes`` says per connection why it is wanted (the flows it serves), for comments.
    Names in ``taken`` (namespace, name: policies kept beside these) are not used, and
    namespaces in ``isolated`` (whose every pod is isolated both ways already) get no
    default deny."""
    out = Generated()
    by_namespace: dict[str, list[int]] = {}
    for i, unit in enumerate(found):
        by_namespace.setdefault(unit.namespace, []).append(i)
    held = {
        ns: Counter(kv for j in units for kv in found[j].labels)
        for ns, units in by_namespace.items()
    }
    selectors = [
        _selector(u, [found[j] for j in by_namespace[u.namespace]], held[u.namespace])
        for u in found
    ]
    sides = _sides(wanted)
    writer = PeerWriter(
        [u.namespace for u in found],
        selectors,
        {ns: set(units) for ns, units in by_namespace.items()},
    )
    plan = _Plan(found, selectors, notes, writer)
    names = _names(found, set(taken))
    for namespace in sorted(by_namespace):
        if namespace not in isolated:
            name = _unique(namespace, "default-deny", set(taken))
            out.add(_policy(namespace, name, {}, [], []), ["deny all ingress and egress"])
    for a, unit in enumerate(found):
        egress = plan.rules(a, sides[0].get(a, {}), outgoing=True)
        ingress = plan.rules(a, sides[1].get(a, {}), outgoing=False)
        if not egress[0] and not ingress[0]:
            continue
        comments = [f"{unit.name}"] + ingress[1] + egress[1]
        out.add(_policy(unit.namespace, names[a], selectors[a], ingress[0], egress[0]), comments)
    return out


#: Per unit, the ends it is wanted with, per set of ports.
_Side = dict[int, dict[PortSet, list[End]]]


def _sides(wanted: Wanted | Connections) -> tuple[_Side, _Side]:
    """Out of each unit, and into each: its peers per set of ports. Grouped first by the
    port set object (a table of today's connections shares them; hashing a PortSet per
    pair costs more than all the rest), then equal port sets merged."""
    if isinstance(wanted, Connections):
        if not wanted.fixed:
            return _table_sides(wanted)
        wanted = wanted.wanted()
    grouped: tuple[dict[int, dict[int, tuple[PortSet, list[End]]]], ...] = ({}, {})
    for (src, dst), ports in wanted.items():
        if not ports:
            continue
        if type(src) is int:
            grouped[0].setdefault(src, {}).setdefault(id(ports), (ports, []))[1].append(dst)
        if type(dst) is int:
            grouped[1].setdefault(dst, {}).setdefault(id(ports), (ports, []))[1].append(src)
    out: tuple[_Side, _Side] = ({}, {})
    for side, by_unit in zip(out, grouped, strict=True):
        for unit, groups in by_unit.items():
            merged: dict[PortSet, list[End]] = {}
            side[unit] = merged
            for ports, ends in groups.values():
                merged.setdefault(ports, []).extend(ends)
    return out


def _table_sides(table: Connections) -> tuple[_Side, _Side]:
    """:func:`_sides` of a table of today's connections (without units of several
    classes): each unit's row (out of it) and column (into it), grouped by port-set id
    with numpy, in the order the pairs of the table come in."""
    k, ids = table.k, table.ids
    ends: list[End] = [*range(k), *table.segments]
    out: tuple[_Side, _Side] = ({}, {})
    for side, lines in zip(out, (ids[:k], ids[:, :k].T), strict=True):
        for unit in range(k):
            line = lines[unit]
            where = np.flatnonzero(line)
            if not len(where):
                continue
            values = line[where]
            order = np.argsort(values, kind="stable")  # each id's ends in table order
            distinct, first, counts = np.unique(values, return_index=True, return_counts=True)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            held = where[order].tolist()
            merged: dict[PortSet, list[End]] = {}
            for g in np.argsort(first, kind="stable").tolist():  # first seen first
                group = held[starts[g] : starts[g] + counts[g]]
                merged.setdefault(table.portsets[int(distinct[g])], []).extend(
                    [ends[x] for x in group]
                )
            side[unit] = merged
    return out


def _policy(namespace: str, name: str, selector: Obj, ingress: list[Obj], egress: list[Obj]) -> Obj:
    spec: Obj = {"podSelector": selector, "policyTypes": ["Ingress", "Egress"]}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@dataclass
class _Plan:
    """What every unit's rules are written from."""

    found: list[Unit]
    selectors: list[Obj]
    notes: Mapping[tuple[End, End], str]
    writer: PeerWriter
    #: the ipBlock peers of each list of outside ranges
    blocks: dict[tuple[IPRange, ...], list[Obj]] = field(default_factory=dict)
    #: the ports of each port set, as written
    port_lists: dict[PortSet, list[Obj]] = field(default_factory=dict)
    texts: dict[PortSet, str] = field(default_factory=dict)

    def rules(
        self, own: int, by_ports: dict[PortSet, list[End]], outgoing: bool
    ) -> tuple[list[Obj], list[str]]:
        """The egress (``outgoing``) or ingress rules of unit ``own``, and their comments:
        one rule per set of ports, with every peer wanted on it."""
        rules, comments = [], []
        key, direction = ("to", "egress") if outgoing else ("from", "ingress")
        ordered = sorted(
            ((self.text(ports), ports, others) for ports, others in by_ports.items()),
            key=lambda item: item[0],
        )
        for k, (text, ports, others) in enumerate(ordered):
            units = {o for o in others if type(o) is int}
            ranges = _ranges(others) if len(units) < len(others) else []
            rule: Obj = {key: self.peers(self.found[own].namespace, units, ranges)}
            if not ports.is_all():
                written = self.port_lists.get(ports)
                if written is None:  # shared by the rules on these ports (never modified)
                    written = self.port_lists[ports] = _ports(ports)
                rule["ports"] = written
            rules.append(rule)
            arrow = "to" if outgoing else "from"
            if len(others) > COMMENTED_PEERS:
                many = self._many(units, len(ranges))
                comments.append(f"{direction}[{k}]: {arrow} {many} on {text}")
                continue
            for other in sorted(others, key=_end_key):
                name = self.found[other].name if isinstance(other, int) else _range_text(other)
                pair = (own, other) if outgoing else (other, own)
                why = f" ({self.notes[pair]})" if pair in self.notes else ""
                comments.append(f"{direction}[{k}]: {arrow} {name} on {text}{why}")
        return rules, comments

    def text(self, ports: PortSet) -> str:
        """``str(ports)``, made once per port set."""
        text = self.texts.get(ports)
        if text is None:
            text = self.texts[ports] = str(ports)
        return text

    def _many(self, units: set[int], ranges: int) -> str:
        """``units`` (a workload each, mostly) per namespace, and ``ranges`` outside ranges,
        counted."""
        parts = []
        if units:
            namespaces = count(len({self.found[o].namespace for o in units}), "namespace")
            parts.append(f"{count(len(units), 'workload')} in {namespaces}")
        if ranges:
            parts.append(count(ranges, "outside range"))
        return " and ".join(parts)

    def peers(self, namespace: str, units: set[int], ranges: list[IPRange]) -> list[Obj]:
        """The peers for ``units`` and ``ranges``
        (:class:`~reach.analysis.genpeers.PeerWriter`, :func:`ip_blocks`)."""
        head = self.writer.unit_peers(namespace, units) if units else []
        if not ranges:
            return head
        key = tuple(ranges)
        blocks = self.blocks.get(key)
        if blocks is None:  # shared by the rules with these ranges (nothing modifies them)
            blocks = self.blocks[key] = ip_blocks(ranges)
        return [*head, *blocks]


def _end_key(end: End) -> tuple[int, int, int]:
    return (0, end, 0) if isinstance(end, int) else (1, end.version, end.first)


def _ranges(others: list[End]) -> list[IPRange]:
    return [o for o in others if isinstance(o, IPRange)]


def ip_blocks(ranges: list[IPRange]) -> list[Obj]:
    """``ipBlock`` peers that hold exactly the addresses of ``ranges``: per address
    family, the CIDRs of their union, or the whole family with the CIDRs of the gaps as
    ``except`` when that is shorter (the internet is one peer, not dozens)."""
    out: list[Obj] = []
    for version in (4, 6):
        mine = sorted((r for r in ranges if r.version == version), key=lambda r: r.first)
        union: list[IPRange] = []
        for r in mine:
            if union and r.first <= union[-1].last + 1:
                union[-1] = IPRange(version, union[-1].first, max(union[-1].last, r.last))
            else:
                union.append(r)
        if not union:
            continue
        held = [c for r in union for c in cidrs(r)]
        whole = IPRange.whole(version)
        gaps = [c for r in whole.minus(union) for c in cidrs(r)]
        if len(gaps) + 1 < len(held):
            block: Obj = {"cidr": cidrs(whole)[0]}
            if gaps:
                block["except"] = gaps
            out.append({"ipBlock": block})
        else:
            out += [{"ipBlock": {"cidr": c}} for c in held]
    return out


def cidrs(r: IPRange) -> list[str]:
    """The CIDRs that cover exactly the range ``r``."""
    first, last = r.first_address, r.last_address
    return [str(net) for net in ipaddress.summarize_address_range(first, last)]


def _range_text(r: IPRange) -> str:
    return ", ".join(cidrs(r))


def _ports(ports: PortSet) -> list[Obj]:
    out: list[Obj] = []
    for protocol, intervals in ports.items():
        for lo, hi in intervals:
            if (lo, hi) == (MIN_PORT, MAX_PORT):
                out.append({"protocol": protocol})
            elif lo == hi:
                out.append({"protocol": protocol, "port": lo})
            else:
                out.append({"protocol": protocol, "port": lo, "endPort": hi})
    return out


def _selector(unit: Unit, neighbours: list[Unit], held: Counter[tuple[str, str]]) -> Obj:
    """A pod selector that picks ``unit`` alone among the units of its namespace
    (``held``: how many of them have each label)."""
    labels = unit.label_map
    for key in PREFERRED:
        if key in labels and held[(key, labels[key])] == 1:  # the unit's alone
            return {"matchLabels": {key: labels[key]}}
    stable = {k: v for k, v in labels.items() if k not in UNSTABLE}
    for chosen in (stable, labels):
        candidate = _with_exclusions(chosen, unit, neighbours)
        if _picks(candidate, neighbours) == [unit]:
            return candidate
    raise AssertionError(f"no selector picks {unit.name} alone")  # label sets differ


def _with_exclusions(chosen: Mapping[str, str], unit: Unit, neighbours: list[Unit]) -> Obj:
    """``chosen`` as matchLabels, and DoesNotExist for a key of each other unit whose
    labels hold them all."""
    absent: list[str] = []
    for other in neighbours:
        theirs = other.label_map
        if other == unit or any(theirs.get(k) != v for k, v in chosen.items()):
            continue
        extra = sorted(set(theirs) - set(unit.label_map))
        if extra and not set(absent) & set(extra):
            absent.append(extra[0])
    out: Obj = {}
    if chosen:
        out["matchLabels"] = dict(sorted(chosen.items()))
    if absent:
        out["matchExpressions"] = [{"key": k, "operator": "DoesNotExist"} for k in sorted(absent)]
    return out


def _picks(selector: Obj, neighbours: Iterable[Unit]) -> list[Unit]:
    match = selector.get("matchLabels", {})
    absent = [e["key"] for e in selector.get("matchExpressions", [])]
    return [
        u
        for u in neighbours
        if all(u.label_map.get(k) == v for k, v in match.items())
        and not any(k in u.label_map for k in absent)
    ]


def _names(found: list[Unit], taken: set[tuple[str, str]]) -> list[str]:
    """``allow-<workload>``, made unique within each namespace (and not in ``taken``)."""
    out = []
    for unit in found:
        base = re.sub(r"[^a-z0-9-]+", "-", unit.name.split("/", 1)[-1].split("[")[0].lower())
        out.append(_unique(unit.namespace, f"allow-{base.strip('-')[:50] or 'pods'}", taken))
    return out


def _unique(namespace: str, name: str, taken: set[tuple[str, str]]) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when taken in ``namespace``; now taken."""
    candidate, n = name, 1
    while (namespace, candidate) in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add((namespace, candidate))
    return candidate
