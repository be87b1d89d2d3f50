"""Why a connection is (not) allowed: the tiers, policies and rules on each side of one pair.

For one pair the tiers are walked with exact port sets, in the engine's order:
Admin (first matching rule decides each port), NetworkPolicy (decides for pods
it isolates), Baseline (first matching rule), then the default, allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import CompiledRule, Reachability
from .model import NetworkPolicy
from .ports import PortSet


@dataclass(frozen=True)
class RuleMatch:
    """A NetworkPolicy rule that admits the peer, and the ports it allows for this pair."""

    policy: str
    direction: str
    index: int
    ports: PortSet
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.policy} {self.direction}[{self.index}]: {self.ports}"


@dataclass(frozen=True)
class Decision:
    """A step of the walk: who decided which ports, and how."""

    tier: str  # "Admin" | "NetworkPolicy" | "Baseline" | "default"
    by: str  # the rule (or policy set) that decided
    action: str  # "Allow" | "Deny" | "Pass"
    ports: PortSet
    policy: str = ""  # the deciding policy, when one rule decided

    def __str__(self) -> str:
        verb = {"Allow": "allows", "Deny": "denies", "Pass": "passes"}[self.action]
        return f"{self.by} {verb} {self.ports}"

    def to_dict(self) -> dict[str, str]:
        return {"tier": self.tier, "by": self.by, "action": self.action, "ports": str(self.ports)}


@dataclass(frozen=True)
class Side:
    """One direction at one end: the decisions of each tier and what they leave allowed."""

    direction: str  # "egress" (at the source) or "ingress" (at the destination)
    isolated: bool  # by NetworkPolicies
    policies: tuple[str, ...]  # the NetworkPolicies that isolate it
    rules: tuple[RuleMatch, ...]  # NetworkPolicy rules that admit the peer
    allowed: PortSet
    decisions: tuple[Decision, ...] = ()

    @property
    def tiered(self) -> bool:
        """Whether an Admin or Baseline policy took part."""
        return any(d.tier in ("Admin", "Baseline") for d in self.decisions)

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
            "decisions": [d.to_dict() for d in self.decisions],
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
        """One sentence on why nothing is allowed: the decisive tier and rule."""
        parts = []
        for side in (self.ingress, self.egress):
            if side is None or not side.allowed.is_empty():
                continue
            who = self.dst if side.direction == "ingress" else self.src
            deny = [d for d in side.decisions if d.action == "Deny" and d.tier != "NetworkPolicy"]
            passed = [d for d in side.decisions if d.action == "Pass"]
            if deny:
                lead = f"passed by {passed[0].by}, then " if passed else ""
                parts.append(f"{side.direction} of {who} {lead}denied by {deny[0].by}")
            elif side.isolated:
                lead = f"passed by {passed[0].by}, then " if passed else ""
                if side.direction == "ingress":
                    parts.append(
                        f"{lead}{self.dst} is isolated for ingress by {', '.join(side.policies)}; "
                        f"no rule admits {self.src}"
                    )
                else:
                    parts.append(
                        f"{lead}{self.src}'s egress is isolated by {', '.join(side.policies)}; "
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
            if side.tiered:
                lines.append(f"  {side.direction} of {who}:")
                lines.extend(f"    [{d.tier}] {d}" for d in side.decisions)
                lines.append(f"    => {side.allowed}")
                continue
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
    """Answers "which rules decide for class s reaching class d", one pair at a time."""

    def __init__(self, reach: Reachability) -> None:
        self.reach = reach
        self._by_dir = {
            d: [r for r in reach.rules if r.direction == d] for d in ("egress", "ingress")
        }
        self._sides: dict[tuple[str, int, int], Side] = {}

    def in_force(self, direction: str, s: int, d: int) -> list[CompiledRule]:
        """Rules of ``direction`` whose subject is the pair's own end and whose peers match."""
        n = self.reach.n_internal
        own, other = (s, d) if direction == "egress" else (d, s)
        if own >= n:
            return []
        return [r for r in self._by_dir[direction] if r.selected[own] and r.peers[other]]

    def side(self, direction: str, s: int, d: int) -> Side:
        """Walk the tiers for one direction of the pair s -> d (cached)."""
        key = (direction, s, d)
        hit = self._sides.get(key)
        if hit is None:
            hit = self._sides[key] = self._walk(direction, s, d)
        return hit

    def _walk(self, direction: str, s: int, d: int) -> Side:
        r = self.reach
        atoms = r.atoms
        own = s if direction == "egress" else d
        if own >= r.n_internal:  # an external end has no side of its own
            return Side(direction, False, (), (), PortSet.all())
        rules = self.in_force(direction, s, d)
        decisions: list[Decision] = []
        everything = PortSet.all()

        def first_match(tier: str, open_ports: PortSet) -> tuple[PortSet, PortSet]:
            decided, allow = PortSet.empty(), PortSet.empty()
            for cr in rules:
                if cr.tier != tier:
                    continue
                new = (atoms.portset(cr.ports_to(d)) & open_ports) - decided
                if new:
                    decisions.append(Decision(tier, cr.label, cr.action, new, str(cr.policy)))
                    decided |= new
                    if cr.action == "Allow":
                        allow |= new
            deny = PortSet.empty()
            for dec in decisions:
                if dec.tier == tier and dec.action == "Deny":
                    deny |= dec.ports
            return allow, deny

        a_allow, a_deny = first_match("Admin", everything)
        rest = everything - (a_allow | a_deny)
        isolating = [
            p
            for i, p in enumerate(r.cluster.policies)
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
            for cr in rules
            if cr.tier == "NetworkPolicy" and atoms.portset(cr.ports_to(d))
        )
        lower = PortSet.empty()
        if rest and isolating:
            for m in matches:
                lower |= m.ports & rest
                if m.ports & rest:
                    by = f"{m.policy} {direction}[{m.index}]"
                    decisions.append(
                        Decision("NetworkPolicy", by, "Allow", m.ports & rest, m.policy)
                    )
            if rest - lower:
                names = ", ".join(str(p) for p in isolating)
                decisions.append(
                    Decision("NetworkPolicy", f"isolation by {names}", "Deny", rest - lower)
                )
        elif rest:
            b_allow, b_deny = first_match("Baseline", rest)
            lower = rest - b_deny
            default = rest - b_allow - b_deny
            if default and decisions:
                decisions.append(Decision("default", "no policy decides", "Allow", default))
        return Side(
            direction=direction,
            isolated=bool(isolating),
            policies=tuple(str(p) for p in isolating),
            rules=matches if isolating else (),
            allowed=a_allow | lower,
            decisions=tuple(decisions),
        )

    def policies(self, s: int, d: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(egress-side, ingress-side) names of the policies whose rules allow s -> d."""
        out = []
        for direction in ("egress", "ingress"):
            side = self.side(direction, s, d)
            names = [dec.policy for dec in side.decisions if dec.action == "Allow" and dec.policy]
            out.append(tuple(dict.fromkeys(names)))
        return out[0], out[1]

    def explain(self, s: int, d: int, src: str, dst: str) -> Explanation:
        r = self.reach
        n = r.n_internal
        egress = self.side("egress", s, d) if s < n else None
        ingress = self.side("ingress", s, d) if d < n else None
        notes = []
        for cls, name in ((s, src), (d, dst)):
            if cls < n and any(r.pods[i].host_network for i in np.flatnonzero(r.pod_class == cls)):
                notes.append(f"{name} uses the host network; the plugin may enforce differently")
        return Explanation(src, dst, egress, ingress, r.ports(s, d), tuple(notes))


def _isolates(policy: NetworkPolicy, direction: str) -> bool:
    return policy.egress_isolating if direction == "egress" else policy.ingress_isolating
