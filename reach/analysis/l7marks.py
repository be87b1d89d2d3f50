"""Connections that a Cilium L7 rule filters: allowed at L4, refused per request by the proxy.

A Cilium allow rule with ``toPorts[].rules`` (HTTP, DNS, Kafka ...) allows its
ports at L4, and Cilium's proxy then refuses the requests the rules do not
match: reach, which answers at L3/L4, lists the connection and marks it "L7
filtered" with the rule's summary. A connection is marked when the rule's
policy selects its own end, the rule's peers hold the other end, and the ports
both allow overlap the rule's ports. Computed per rule over its class
rectangle, then gathered by the nodes of the view.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from reach.analysis.nodes import Node
from reach.analysis.views import SELF_PAIRS, View
from reach.engine.arrays import IntVec
from reach.engine.atoms import Mask
from reach.engine.reachability import Reachability
from reach.model.ports import PortSet

#: At most this many marks are listed; the rest are counted.
LIMIT = 10_000


@dataclass(frozen=True)
class L7Mark:
    """``src`` may open connections to ``dst`` on ``ports``, which ``rule`` filters at L7."""

    src: Node
    dst: Node
    ports: PortSet
    rule: str
    summary: str
    #: Istio's marks: what the rule does to the requests (``allows``, ``may deny``, ...);
    #: "" for Cilium's (the rule filters).
    effect: str = ""

    def __str__(self) -> str:
        if self.effect:
            return (
                f"{self.src} => {self.dst} : {self.ports} [{self.summary}] "
                f"({self.rule} {self.effect})"
            )
        return f"{self.src} => {self.dst} : {self.ports} by {self.rule} ({self.summary})"

    @property
    def heading(self) -> str:
        """``L7 conditioned`` (Istio) or ``L7 filtered`` (Cilium)."""
        return "L7 conditioned" if self.effect else "L7 filtered"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "src": self.src.id,
            "dst": self.dst.id,
            "ports": self.ports.to_json(),
            "text": str(self.ports),
            "rule": self.rule,
            "l7": self.summary,
        }
        if self.effect:
            out["effect"] = self.effect
        return out


@dataclass(frozen=True)
class L7Marks:
    """The marks of a view, sorted, and how many more there were past :data:`LIMIT`."""

    marks: tuple[L7Mark, ...] = ()
    more: int = 0

    def lines(self) -> list[str]:
        """``L7 filtered: ...`` lines, and a count of the rest."""
        out = [f"{m.heading}: {m}" for m in self.marks]
        if self.more:
            out.append(f"L7 filtered: {self.more} more connections not listed")
        return out


def l7_marks(view: View, limit: int = LIMIT) -> L7Marks:
    """The connections of ``view`` that Cilium L7 rules filter, or that Istio's policies
    condition on what reach does not see (see the module doc)."""
    reach = view.reachability
    rules = [r for r in reach.rules if r.note and r.action == "Allow"]
    mesh = reach.mesh.marked(reach.atoms) if reach.mesh is not None else []
    if not rules and not mesh:
        return L7Marks()
    nodes_of: dict[int, list[int]] = defaultdict(list)
    for i, classes in enumerate(view.node_classes):
        for c in classes.tolist():
            nodes_of[c].append(i)
    found: dict[tuple[int, int, str, str, str], int] = {}
    for rule in rules:
        own = np.flatnonzero(rule.selected)
        other = np.flatnonzero(rule.peers)
        if not len(own) or not len(other):
            continue
        src, dst = (other, own) if rule.direction == "ingress" else (own, other)
        wanted = np.stack([rule.ports_to(int(d)) for d in dst])  # (dst, W)
        summary = rule.note.removeprefix("L7 filtered: ")
        _gather(view, nodes_of, found, (rule.label, summary, ""), src, dst, wanted)
    for label, summary, effect, src, dst, mask in mesh:
        if len(src) and len(dst):
            wanted = np.broadcast_to(mask, (len(dst), len(mask)))
            _gather(view, nodes_of, found, (label, summary, effect), src, dst, wanted)
    atoms = reach.atoms
    marks = sorted(
        (
            L7Mark(view.nodes[a], view.nodes[b], atoms.portset(atoms.from_int(v)), *what)
            for (a, b, *what), v in found.items()
        ),
        key=lambda m: (m.src.id, m.dst.id, m.rule, m.summary),
    )
    return L7Marks(tuple(marks[:limit]), max(0, len(marks) - limit))


def l7_text(reach: Reachability, src: int, dst: int, ports: PortSet) -> str:
    """`` [GET /headers]`` when Istio conditions the connection of the two classes on
    ``ports`` at L7 (for path and blast-radius hops), else ``""``."""
    if reach.mesh is None:
        return ""
    said = reach.mesh.conditions(src, dst, ports)
    return f" [{'; '.join(said)}]" if said else ""


def _gather(
    view: View,
    nodes_of: dict[int, list[int]],
    found: dict[tuple[int, int, str, str, str], int],
    what: tuple[str, str, str],
    src: IntVec,
    dst: IntVec,
    wanted: Mask,
) -> None:
    """Add the allowed part of ``wanted`` (per destination) between the classes, by node."""
    reach = view.reachability
    hit = reach.block(src, dst) & wanted[None, :, :]
    for i, j in np.argwhere(hit.any(axis=2)).tolist():
        value = reach.atoms.to_int(hit[i, j])
        for a in nodes_of[int(src[i])]:
            for b in nodes_of[int(dst[j])]:
                if a != b or view.by in SELF_PAIRS:
                    key = (a, b, *what)
                    found[key] = found.get(key, 0) | value
