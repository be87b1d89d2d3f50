"""Why a connection is (not) allowed: the policies and rules on each side of one pair."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import CompiledRule, Reachability
from .model import NetworkPolicy
from .ports import PortSet


@dataclass(frozen=True)
class RuleMatch:
    """A rule that admits the peer, and the ports it allows for this pair."""

    policy: str
    direction: str
    index: int
    ports: PortSet
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.policy} {self.direction}[{self.index}]: {self.ports}"


@dataclass(frozen=True)
class Side:
    """One direction at one end: is it isolated, by which policies, which rules admit the peer."""

    direction: str  # "egress" (at the source) or "ingress" (at the destination)
    isolated: bool
    policies: tuple[str, ...]
    rules: tuple[RuleMatch, ...]
    allowed: PortSet

    def to_dict(self) -> dict[str, object]:
        return {
            "direction": self.direction,
            "isolated": self.isolated,
            "policies": list(self.policies),
            "rules": [
                {
                    "policy": r.policy,
                    "index": r.index,
                    "ports": r.ports.to_json(),
                    "text": str(r.ports),
                }
                for r in self.rules
            ],
            "allowed": str(self.allowed),
        }


@dataclass(frozen=True)
class Explanation:
    """Egress at the source AND ingress at the destination give the allowed set."""

    src: str
    dst: str
    egress: Side | None  # None when the source is an external address
    ingress: Side | None  # None when the destination is an external address
    allowed: PortSet
    notes: tuple[str, ...] = field(default_factory=tuple)

    def reason(self) -> str:
        """One sentence on why nothing (or only part) is allowed."""
        parts = []
        if self.ingress and self.ingress.isolated and self.ingress.allowed.is_empty():
            parts.append(
                f"{self.dst} is isolated for ingress by {', '.join(self.ingress.policies)}; "
                f"no rule admits {self.src}"
            )
        if self.egress and self.egress.isolated and self.egress.allowed.is_empty():
            parts.append(
                f"{self.src}'s egress is isolated by {', '.join(self.egress.policies)}; "
                f"no rule admits {self.dst}"
            )
        if not parts and self.allowed.is_empty():
            parts.append("the egress and ingress sides allow disjoint ports")
        return "; and ".join(parts)

    def __str__(self) -> str:
        lines = [f"{self.src} => {self.dst} : {self.allowed}"]
        for side in (self.egress, self.ingress):
            if side is None:
                continue
            who = self.src if side.direction == "egress" else self.dst
            if not side.isolated:
                lines.append(
                    f"  {side.direction} of {who}: not isolated (no policy selects it) -> all"
                )
                continue
            lines.append(f"  {side.direction} of {who}: isolated by {', '.join(side.policies)}")
            if not side.rules:
                lines.append("    no rule admits the peer -> nothing")
            for r in side.rules:
                lines.append(f"    {r}")
            lines.append(f"    => {side.allowed}")
        if self.allowed.is_empty():
            lines.append(f"  not allowed: {self.reason()}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "allowed": str(self.allowed),
            "ports": self.allowed.to_json(),
            "egress": self.egress.to_dict() if self.egress else None,
            "ingress": self.ingress.to_dict() if self.ingress else None,
            "reason": self.reason() if self.allowed.is_empty() else "",
            "notes": list(self.notes),
        }


class Provenance:
    """Answers "which policies allow class s to reach class d", vectorized over rules."""

    def __init__(self, reach: Reachability) -> None:
        self.reach = reach
        n_all = reach.n_classes
        self._by_dir: dict[str, tuple[list[CompiledRule], np.ndarray, np.ndarray, np.ndarray]] = {}
        for direction in ("egress", "ingress"):
            rules = [r for r in reach.rules if r.direction == direction]
            sel = np.array([r.selected for r in rules], dtype=bool).reshape(
                len(rules), reach.n_internal
            )
            peers = np.array([r.peers for r in rules], dtype=bool).reshape(len(rules), n_all)
            nonempty = np.array(
                [np.broadcast_to(r.mask.any(axis=1), (n_all,)) for r in rules], dtype=bool
            ).reshape(len(rules), n_all)
            self._by_dir[direction] = (rules, sel, peers, nonempty)
        self._cache: dict[tuple[int, int], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def rules(self, direction: str, s: int, d: int) -> list[CompiledRule]:
        """Rules of ``direction`` in force on the pair that admit the peer with some port."""
        rules, sel, peers, nonempty = self._by_dir[direction]
        n = self.reach.n_internal
        own, other = (s, d) if direction == "egress" else (d, s)
        if own >= n or not len(rules):
            return []
        hit = sel[:, own] & peers[:, other] & nonempty[:, d]
        return [rules[i] for i in np.flatnonzero(hit)]

    def policies(self, s: int, d: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(egress-side, ingress-side) names of the policies whose rules allow s -> d."""
        key = (s, d)
        hit = self._cache.get(key)
        if hit is None:
            eg = tuple(dict.fromkeys(str(r.policy) for r in self.rules("egress", s, d)))
            ing = tuple(dict.fromkeys(str(r.policy) for r in self.rules("ingress", s, d)))
            hit = self._cache[key] = (eg, ing)
        return hit

    def explain(self, s: int, d: int, src: str, dst: str) -> Explanation:
        r = self.reach
        atoms = r.atoms
        n = r.n_internal
        pols = r.cluster.policies
        sides: dict[str, Side | None] = {"egress": None, "ingress": None}
        for direction, own in (("egress", s), ("ingress", d)):
            if own >= n:
                continue
            isolating = [
                p
                for i, p in enumerate(pols)
                if r.policy_selected[i, own] and _isolates(p, direction)
            ]
            matches = tuple(
                RuleMatch(
                    str(cr.policy),
                    direction,
                    cr.rule.index,
                    atoms.portset(cr.ports_to(d)),
                    cr.policy.origin,
                )
                for cr in self.rules(direction, s, d)
            )
            allowed = PortSet.empty()
            for m in matches:
                allowed |= m.ports
            sides[direction] = Side(
                direction=direction,
                isolated=bool(isolating),
                policies=tuple(str(p) for p in isolating),
                rules=matches if isolating else (),
                allowed=allowed if isolating else PortSet.all(),
            )
        notes = []
        for cls, name in ((s, src), (d, dst)):
            if cls < n and any(r.pods[i].host_network for i in np.flatnonzero(r.pod_class == cls)):
                notes.append(f"{name} uses the host network; the plugin may enforce differently")
        return Explanation(src, dst, sides["egress"], sides["ingress"], r.ports(s, d), tuple(notes))


def _isolates(policy: NetworkPolicy, direction: str) -> bool:
    return policy.egress_isolating if direction == "egress" else policy.ingress_isolating
