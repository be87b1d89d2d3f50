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

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from reach.analysis.exposure_text import conns_text, peer_text
from reach.analysis.views import Node, View, external_node
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
    peer_type: str  # "entire-cluster" | "external" | "representative"
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
    broader = _broader(reps)
    hidden = _matched_by_input(reach, reps)
    lines: list[ExposureLine] = []
    unprotected: list[tuple[Node, str]] = []
    for direction in DIRECTIONS:
        side = sides.sides[direction]
        lines += _external_lines(view, direction)
        chosen: dict[tuple[int, ...], list[tuple[int, int, frozenset[NamedPort]]]] = {}
        for i in range(view.n_internal):
            node, classes = view.nodes[i], view.node_classes[i]
            groups = tuple(sorted(set(side.group_of[classes].tolist())))
            if groups not in chosen:
                chosen[groups] = _choose(reach, side, groups, broader, hidden)
            for r, ports_id, named in chosen[groups]:
                rep = reps[r]
                lines.append(
                    ExposureLine(
                        node,
                        direction,
                        peer_text(rep),
                        "entire-cluster" if rep.entire_cluster else "representative",
                        reach.atoms.portsets[ports_id],
                        tuple(sorted(named)),
                        rep,
                    )
                )
            if not side.protected[classes].all():
                unprotected.append((node, direction.capitalize()))
    lines = _with_exposed_externals(lines)
    lines.sort(key=lambda x: (x.node.id, x.direction, x.peer))
    unprotected.sort(key=lambda u: (u[0].id, u[1]))
    return ExposureSection(lines, unprotected)


def _with_exposed_externals(lines: list[ExposureLine]) -> list[ExposureLine]:
    """Keep a node's external lines only when it has other lines (in either direction): a
    node open to nothing but external addresses is left to the connection list."""
    exposed = {x.node.id for x in lines if x.peer_type != "external"}
    return [x for x in lines if x.peer_type != "external" or x.node.id in exposed]


def _choose(
    reach: Reachability,
    side: RepresentativeSide,
    groups: tuple[int, ...],
    broader: list[list[int]],
    hidden: BoolVec,
) -> list[tuple[int, int, frozenset[NamedPort]]]:
    """``(representative, port-set id, named ports)`` to print for a node of ``groups``."""
    ids: IntVec = side.ids[list(groups)].astype(np.intp)
    if len(groups) > 1:  # a node of several classes: the union of their ports
        row = np.bitwise_or.reduce(reach.atoms.table[ids], axis=0)
        ids = reach.atoms.intern(row)[None, :]
    named = [
        frozenset().union(*(side.named.get((g, r), frozenset()) for g in groups))
        for r in range(ids.shape[1])
    ]
    value = [(int(p), n) for p, n in zip(ids[0].tolist(), named, strict=True)]
    entire = value[0]
    out = [(0, *entire)] if entire != (reach.atoms.empty_id, frozenset()) else []
    for r in range(1, len(value)):
        if value[r] == entire or hidden[r]:
            continue
        if any(value[b] == value[r] for b in broader[r]):
            continue  # covered by a broader representative
        out.append((r, *value[r]))
    return out


def _broader(reps: list[Representative]) -> list[list[int]]:
    """For each representative, the strictly broader ones (the entire cluster included)."""
    return [
        [
            b
            for b, other in enumerate(reps)
            if b != r and rep.implies(other) and not other.implies(rep)
        ]
        for r, rep in enumerate(reps)
    ]


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


def _external_lines(view: View, direction: str) -> list[ExposureLine]:
    """Each node's connections with external ranges, adjacent segments with the same ports
    merged (the connection list's lines, seen from the node)."""
    n_int = view.n_internal
    ext = np.arange(n_int, len(view.nodes))
    if not len(ext) or not n_int:
        return []
    atoms = view.reachability.atoms
    out: list[ExposureLine] = []
    for lo in range(0, n_int, 2048):
        nodes = np.arange(lo, min(n_int, lo + 2048))
        ids = view.node_ids(nodes, ext) if direction == "egress" else view.node_ids(ext, nodes).T
        for row, i in enumerate(nodes.tolist()):
            for first, last, ports_id in _runs(view, ext, ids[row], atoms.empty_id):
                peer = external_node(IPRange(first.version, first.first, last.last))
                out.append(
                    ExposureLine(
                        view.nodes[i], direction, peer.id, "external", atoms.portsets[ports_id]
                    )
                )
    return out


def _runs(
    view: View, ext: IntVec, ids: IntVec, empty: int
) -> Iterator[tuple[IPRange, IPRange, int]]:
    """Runs of adjacent external segments with the same non-empty port-set id."""
    run: tuple[IPRange, IPRange, int] | None = None
    for j in np.flatnonzero(ids != empty).tolist():
        seg, pid = view.nodes[int(ext[j])].range, int(ids[j])
        if run and run[2] == pid and run[1].version == seg.version and run[1].last + 1 == seg.first:
            run = (run[0], seg, pid)
            continue
        if run:
            yield run
        run = (seg, seg, pid)
    if run:
        yield run
