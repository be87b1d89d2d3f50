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

from reach.analysis.views import SELF_PAIRS, Node, View
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

    def __str__(self) -> str:
        return f"{self.src} => {self.dst} : {self.ports} by {self.rule} ({self.summary})"

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src.id,
            "dst": self.dst.id,
            "ports": self.ports.to_json(),
            "text": str(self.ports),
            "rule": self.rule,
            "l7": self.summary,
        }


@dataclass(frozen=True)
class L7Marks:
    """The marks of a view, sorted, and how many more there were past :data:`LIMIT`."""

    marks: tuple[L7Mark, ...] = ()
    more: int = 0

    def lines(self) -> list[str]:
        """``L7 filtered: ...`` lines, and a count of the rest."""
        out = [f"L7 filtered: {m}" for m in self.marks]
        if self.more:
            out.append(f"L7 filtered: {self.more} more connections not listed")
        return out


def l7_marks(view: View, limit: int = LIMIT) -> L7Marks:
    """The connections of ``view`` that Cilium L7 rules filter (see the module doc)."""
    reach = view.reachability
    rules = [r for r in reach.rules if r.note and r.action == "Allow"]
    if not rules:
        return L7Marks()
    nodes_of: dict[int, list[int]] = defaultdict(list)
    for i, classes in enumerate(view.node_classes):
        for c in classes.tolist():
            nodes_of[c].append(i)
    found: dict[tuple[int, int, str], int] = {}
    summaries: dict[str, str] = {}
    atoms = reach.atoms
    for rule in rules:
        own = np.flatnonzero(rule.selected)
        other = np.flatnonzero(rule.peers)
        if not len(own) or not len(other):
            continue
        src, dst = (other, own) if rule.direction == "ingress" else (own, other)
        allowed = reach.block(src, dst)  # (src, dst, W)
        wanted = np.stack([rule.ports_to(int(d)) for d in dst])  # (dst, W)
        hit = allowed & wanted[None, :, :]
        summaries[rule.label] = rule.note.removeprefix("L7 filtered: ")
        for i, j in np.argwhere(hit.any(axis=2)).tolist():
            value = atoms.to_int(hit[i, j])
            for a in nodes_of[int(src[i])]:
                for b in nodes_of[int(dst[j])]:
                    if a != b or view.by in SELF_PAIRS:
                        key = (a, b, rule.label)
                        found[key] = found.get(key, 0) | value
    marks = sorted(
        (
            L7Mark(view.nodes[a], view.nodes[b], atoms.portset(atoms.from_int(v)), label, "")
            for (a, b, label), v in found.items()
        ),
        key=lambda m: (m.src.id, m.dst.id, m.rule),
    )
    kept = tuple(L7Mark(m.src, m.dst, m.ports, m.rule, summaries[m.rule]) for m in marks[:limit])
    return L7Marks(kept, max(0, len(marks) - limit))
