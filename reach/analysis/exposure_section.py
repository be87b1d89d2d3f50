"""The exposure section of ``reach list --exposure``: what each node is open to beyond the
pods of the input (representative peers, see ``engine.representatives``).

For each node of a view, per direction: its external ranges (as in the
connection list), ``entire-cluster`` when it is open to any pod at all, and
each representative whose connections differ from every broader one's
(*coverage*: a representative is not printed when a broader one, the entire
cluster included, carries the same connections). A representative with no
connections is printed (``No Connections``) only when the entire cluster has
some: it is cut out of them. A representative of plain labels with a fixed
namespace part and a pod selector is left out when a pod of the input matches
it: that pod is in the connection list. Then the nodes that no policy protects
in a direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from reach.analysis.exposure_text import conns_text, peer_text
from reach.analysis.listing import merged_runs, outside_nodes
from reach.analysis.nodes import Node, external_node
from reach.analysis.views import View
from reach.engine.arrays import BoolVec, IntVec
from reach.engine.exposure import (
    DIRECTIONS,
    NamedPort,
    RepresentativeSide,
    RepresentativeSides,
    representative_sides,
)
from reach.engine.labelindex import LabelIndex
from reach.engine.reachability import Reachability
from reach.engine.representatives import Representative, labels_only
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet

ARROWS = {"egress": "=>", "ingress": "<="}
HEADERS = {"egress": "Egress Exposure:", "ingress": "Ingress Exposure:"}
UNPROTECTED_HEADER = "Workloads not protected by network policies:"


@dataclass(frozen=True, slots=True)
class ExposureLine:
    """``node`` may open (egress) or accept (ingress) ``ports`` with ``peer``."""

    node: Node
    direction: str  # "egress" | "ingress"
    peer: str  # entire-cluster, an external range, or ns-part/pod-part
    peer_type: str  # "entire-cluster" | "external" | "networkset" | "pseudo" | "representative"
    ports: PortSet
    named: tuple[NamedPort, ...] = ()
    representative: Representative | None = None

    @property
    def conns(self) -> str:
        return conns_text(self.ports, self.named)

    def __str__(self) -> str:
        return f"{self.node.id} {ARROWS[self.direction]} {self.peer} : {self.conns}"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "node": self.node.id,
            "direction": self.direction,
            "peer": self.peer,
            "peerType": self.peer_type,
            "all": self.ports.is_all(),
            "ports": self.ports.to_json(),
            "namedPorts": [{"protocol": p or None, "name": n} for p, n in self.named],
            "text": self.conns,
        }
        rep = self.representative
        if rep is not None and not rep.entire_cluster:
            out["namespace"] = rep.namespace
            out["namespaceSelector"] = None if rep.namespace else str(rep.namespace_selector)
            out["podSelector"] = str(rep.pod_selector)
        return out


@dataclass
class ExposureSection:
    """The exposure lines (sorted by node, then peer) and the unprotected nodes."""

    lines: list[ExposureLine]
    unprotected: list[tuple[Node, str]]  # (node, "Egress" | "Ingress")

    def __str__(self) -> str:
        return "".join(self.text_lines())

    def text_lines(self) -> Iterator[str]:
        """The section in the grammar of ``list --exposure`` (one string per line)."""
        width = max((len(line.node.id) for line in self.lines), default=0)
        yield "Exposure Analysis Result:\n"
        gap = ""
        for direction in DIRECTIONS[::-1]:  # egress first
            lines = [x for x in self.lines if x.direction == direction]
            if lines:
                yield f"{gap}{HEADERS[direction]}\n"
                gap = "\n"
                for x in lines:
                    yield f"{x.node.id.ljust(width)} \t{ARROWS[direction]} \t{x.peer} : {x.conns}\n"
        if self.unprotected:
            yield f"\n{UNPROTECTED_HEADER}\n"
            for node, direction in self.unprotected:
                yield f"{node.id} is not protected on {direction}\n"

    def to_dict(self) -> dict[str, object]:
        return {
            "egress": [x.to_dict() for x in self.lines if x.direction == "egress"],
            "ingress": [x.to_dict() for x in self.lines if x.direction == "ingress"],
            "unprotected": [
                {"node": node.id, "direction": direction.lower()}
                for node, direction in self.unprotected
            ],
        }


def exposure_section(view: View, sides: RepresentativeSides | None = None) -> ExposureSection:
    """The exposure section of the view's nodes (see the module doc)."""
    reach = view.reachability
    sides = sides or representative_sides(reach)
    reps = sides.representatives
    pick = _Picker(reach, reps, _matched_by_input(reach, reps))
    lines: list[ExposureLine] = []
    unprotected: list[tuple[Node, str]] = []
    exposed: set[int] = set()
    for direction in DIRECTIONS:
        side = sides.sides[direction]
        named = _named_by_group(side)
        chosen: dict[tuple[int, ...], list[tuple[int, int, frozenset[NamedPort]]]] = {}
        for i in range(view.n_internal):
            node, classes = view.nodes[i], view.node_classes[i]
            groups = tuple(sorted(set(side.group_of[classes].tolist())))
            if groups not in chosen:
                chosen[groups] = pick(side, groups, named)
            if chosen[groups]:
                exposed.add(i)
            for r, ports_id, names in chosen[groups]:
                rep = reps[r]
                kind = "entire-cluster" if rep.entire_cluster else "representative"
                ports = reach.atoms.portsets[ports_id]
                lines.append(
                    ExposureLine(
                        node, direction, peer_text(rep), kind, ports, tuple(sorted(names)), rep
                    )
                )
            if not side.protected[classes].all():
                unprotected.append((node, direction.capitalize()))
    # a node open to nothing but external addresses is left to the connection list
    for direction in DIRECTIONS:
        lines += _external_lines(view, direction, np.array(sorted(exposed), dtype=np.intp))
    lines.sort(key=lambda x: (x.node.id, x.direction, x.peer))
    unprotected.sort(key=lambda u: (u[0].id, u[1]))
    return ExposureSection(lines, unprotected)


def picked_for(
    reach: Reachability, sides: RepresentativeSides, classes: IntVec, direction: str
) -> list[tuple[Representative, int, frozenset[NamedPort]]]:
    """``(representative, port-set id, named ports)`` for one node made of ``classes`` in
    ``direction``, by the rules of the section (coverage, entire cluster first), except that
    no representative is left out for a pod of the input matching it: the lines of ``reach
    exposure X --potential`` and ``reach blast-radius X --potential``."""
    reps = sides.representatives
    side = sides.sides[direction]
    pick = _Picker(reach, reps, np.zeros(len(reps), dtype=bool))
    groups = tuple(sorted(set(side.group_of[classes].tolist())))
    picked = pick(side, groups, _named_by_group(side))
    return [(reps[r], ports, names) for r, ports, names in picked]


def _named_by_group(side: RepresentativeSide) -> dict[int, dict[int, frozenset[NamedPort]]]:
    out: dict[int, dict[int, frozenset[NamedPort]]] = {}
    for (g, r), names in side.named.items():
        out.setdefault(g, {})[r] = names
    return out


class _Picker:
    """Which representatives to print for a node, and with what (see the module doc)."""

    def __init__(self, reach: Reachability, reps: list[Representative], hidden: BoolVec) -> None:
        self.reach = reach
        self.reps = reps
        self.hidden = hidden
        self._broader: dict[tuple[int, int], bool] = {}

    def __call__(
        self,
        side: RepresentativeSide,
        groups: tuple[int, ...],
        named_by_group: dict[int, dict[int, frozenset[NamedPort]]],
    ) -> list[tuple[int, int, frozenset[NamedPort]]]:
        """``(representative, port-set id, named ports)`` for a node of ``groups``."""
        atoms = self.reach.atoms
        ids: IntVec = side.ids[list(groups)].astype(np.intp)
        if len(groups) > 1:  # a node of several classes: the union of their ports
            ids = atoms.intern(np.bitwise_or.reduce(atoms.table[ids], axis=0))[None, :]
        row = ids[0]
        named: dict[int, frozenset[NamedPort]] = {}
        for g in groups:
            for r, names in named_by_group.get(g, {}).items():
                named[r] = named.get(r, frozenset()) | names
        entire = (int(row[0]), named.get(0, frozenset()))
        candidates: Iterable[int]
        if entire[1]:
            candidates = range(1, len(row))
        else:
            candidates = sorted({*np.flatnonzero(row != row[0]).tolist(), *named} - {0})
        value = {r: (int(row[r]), named.get(r, frozenset())) for r in candidates}
        value = {r: v for r, v in value.items() if v != entire}
        out = [(0, *entire)] if entire != (atoms.empty_id, frozenset()) else []
        alike: dict[tuple[int, frozenset[NamedPort]], list[int]] = {}
        for r, v in value.items():
            alike.setdefault(v, []).append(r)
        for r, v in value.items():
            if self.hidden[r] or any(self._covers(b, r) for b in alike[v] if b != r):
                continue  # matched by a pod of the input, or covered by a broader one
            out.append((r, *v))
        return out

    def _covers(self, b: int, r: int) -> bool:
        """Whether representative b is strictly broader than r."""
        key = (b, r)
        hit = self._broader.get(key)
        if hit is None:
            rep, other = self.reps[r], self.reps[b]
            hit = self._broader[key] = rep.implies(other) and not other.implies(rep)
        return hit


def _matched_by_input(reach: Reachability, reps: list[Representative]) -> BoolVec:
    """Representatives of plain labels, with a namespace part other than all namespaces and
    a pod selector, that a pod of the input matches (its labels and its namespace's)."""
    hidden = np.zeros(len(reps), dtype=bool)
    candidates = [
        r
        for r, rep in enumerate(reps)
        if not rep.pod_selector.is_empty()
        and labels_only(rep.pod_selector)
        and labels_only(rep.namespace_selector)
        and (rep.namespace is not None or not rep.namespace_selector.is_empty())
    ]
    if not candidates:
        return hidden
    cluster = reach.cluster
    names = sorted(cluster.namespaces)
    position = {name: i for i, name in enumerate(names)}
    namespaces = LabelIndex([cluster.namespaces[n].labels for n in names])
    rows = sorted({(pod.namespace, pod.labels) for pod in reach.pods})
    pod_labels = LabelIndex([labels for _, labels in rows])
    namespace_of: IntVec = np.array([position[ns] for ns, _ in rows], dtype=np.intp)
    for r in candidates:
        rep = reps[r]
        in_namespace = namespaces.select(rep.namespace_requirements)[namespace_of]
        hidden[r] = bool((in_namespace & pod_labels.select(rep.pod_selector)).any())
    return hidden


def _external_lines(view: View, direction: str, nodes: IntVec) -> list[ExposureLine]:
    """The nodes' connections with external ranges, adjacent segments with the same ports
    merged as in the connection list (``listing.merged_runs``), seen from the node; network
    set and pseudo nodes one by one."""
    ext, ranges, adjacent = outside_nodes(view)
    if not len(ext) or not len(nodes):
        return []
    atoms = view.reachability.atoms
    runs = merged_runs(view, nodes, ext, adjacent, atoms.empty_id, direction == "egress")

    def peer(a: int, b: int) -> str:
        if a >= len(ranges):  # a network set or pseudo node: never merged
            return view.nodes[view.n_internal + a].id
        return external_node(IPRange(ranges[a].version, ranges[a].first, ranges[b].last)).id

    return [
        ExposureLine(
            view.nodes[i],
            direction,
            peer(a, b),
            view.nodes[view.n_internal + a].type if a >= len(ranges) else "external",
            atoms.portsets[p],
        )
        for i, a, b, p in zip(*(x.tolist() for x in runs), strict=True)
    ]
