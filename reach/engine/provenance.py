"""Why a connection is (not) allowed: the tiers, policies and rules on each side of one pair.

For one pair the tiers are walked with exact port sets, in the engine's order:
Admin (first matching rule decides each port), NetworkPolicy (decides for pods
it isolates), Baseline (first matching rule), then the default, allow.
"""

from __future__ import annotations

import numpy as np

from reach.engine.reachability import Reachability
from reach.engine.rules import CompiledRule
from reach.engine.verdicts import Decision, Explanation, RuleMatch, SideVerdict
from reach.model.cluster import NetworkPolicy
from reach.model.ports import PortSet


class Provenance:
    """Answers "which rules decide for class s reaching class d", one pair at a time."""

    def __init__(self, reachability: Reachability) -> None:
        self.reachability = reachability
        self._by_dir = {
            d: [r for r in reachability.rules if r.direction == d] for d in ("egress", "ingress")
        }
        self._sides: dict[tuple[str, int, int], SideVerdict] = {}

    def in_force(self, direction: str, s: int, d: int) -> list[CompiledRule]:
        """Rules of ``direction`` whose subject is the pair's own end and whose peers match."""
        n = self.reachability.n_internal
        own, other = (s, d) if direction == "egress" else (d, s)
        if own >= n:
            return []
        return [r for r in self._by_dir[direction] if r.selected[own] and r.peers[other]]

    def side(self, direction: str, s: int, d: int) -> SideVerdict:
        """Walk the tiers for one direction of the pair s -> d (cached)."""
        key = (direction, s, d)
        hit = self._sides.get(key)
        if hit is None:
            hit = self._sides[key] = self._walk(direction, s, d)
        return hit

    def _walk(self, direction: str, s: int, d: int) -> SideVerdict:
        r = self.reachability
        atoms = r.atoms
        own = s if direction == "egress" else d
        if own >= r.n_internal:  # an external end has no side of its own
            return SideVerdict(direction, False, (), (), PortSet.all())
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
        return SideVerdict(
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
        r = self.reachability
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
