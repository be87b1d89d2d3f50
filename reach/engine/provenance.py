"""Why a connection is (not) allowed: the tiers, policies and rules on each side of one pair.

For one pair the tiers are walked with exact port sets, in the engine's order:
Admin (first matching rule decides each port), NetworkPolicy (decides for pods
it isolates; Cilium denies take their ports first), Baseline (first matching
rule), then the default, allow.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reach.engine.calicoprovenance import calico_side
from reach.engine.meshlayer import mesh_side
from reach.engine.reachability import Reachability
from reach.engine.rules import CompiledRule
from reach.engine.verdicts import Decision, Explanation, RuleMatch, SideVerdict
from reach.model.cilium import CiliumPolicy
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
        # per (direction, own class): what depends on the subject alone, asked once
        self._subject_rules: dict[tuple[str, int], list[CompiledRule]] = {}
        self._isolating: dict[tuple[str, int], list[NetworkPolicy | CiliumPolicy]] = {}
        self._selects: dict[str, npt.NDArray[np.bool_]] = {}

    def in_force(self, direction: str, s: int, d: int) -> list[CompiledRule]:
        """Rules of ``direction`` whose subject is the pair's own end and whose peers match."""
        n = self.reachability.n_internal
        own, other = (s, d) if direction == "egress" else (d, s)
        if own >= n:
            return []
        key = (direction, own)
        rules = self._subject_rules.get(key)
        if rules is None:
            of_direction = self._by_dir[direction]
            selects = self._selects.get(direction)
            if selects is None:  # rules x classes, built once: one column per subject
                selects = self._selects[direction] = np.array(
                    [r.selected[:n] for r in of_direction], dtype=bool
                ).reshape(len(of_direction), n)
            rules = [of_direction[i] for i in np.flatnonzero(selects[:, own]).tolist()]
            self._subject_rules[key] = rules
        return [r for r in rules if r.peers[other]]

    def isolating(self, direction: str, own: int) -> list[NetworkPolicy | CiliumPolicy]:
        """The NetworkPolicies and Cilium policies that select class ``own`` and isolate it
        in ``direction``."""
        key = (direction, own)
        found = self._isolating.get(key)
        if found is None:
            reachability = self.reachability
            cluster = reachability.cluster
            found = self._isolating[key] = [
                cluster.policies[i]
                for i in _selecting(reachability.policy_selected, own, len(cluster.policies))
                if _isolates(cluster.policies[i], direction)
            ]
            found += [
                cluster.cilium_policies[i]
                for i in _selecting(reachability.cilium_selected, own, len(cluster.cilium_policies))
                if _isolates(cluster.cilium_policies[i], direction)
            ]
            found.sort(key=str)  # by name, whatever the input order
        return found

    def side(self, direction: str, s: int, d: int) -> SideVerdict:
        """Walk the tiers for one direction of the pair s -> d (cached)."""
        key = (direction, s, d)
        hit = self._sides.get(key)
        if hit is None:
            hit = self._sides[key] = self._walk(direction, s, d)
        return hit

    def _walk(self, direction: str, s: int, d: int) -> SideVerdict:
        reachability = self.reachability
        own = s if direction == "egress" else d
        if own >= reachability.n_internal:  # an external end has no side of its own
            return SideVerdict(direction, False, (), (), PortSet.all())
        rules = self.in_force(direction, s, d)
        if reachability.calico is not None:
            namespace = reachability.pods[int(np.argmax(reachability.pod_class == own))].namespace
            return calico_side(
                reachability.calico,
                direction,
                own,
                namespace,
                rules,
                lambda r: self.rule_ports(r, d),
            )
        decisions: list[Decision] = []
        admin_allow, admin_deny = self._first_match(rules, "Admin", d, PortSet.all(), decisions)
        rest = PortSet.all() - (admin_allow | admin_deny)
        isolating = self.isolating(direction, own)
        matches = tuple(
            sorted(
                (
                    RuleMatch(
                        str(rule.policy),
                        direction,
                        rule.rule.index,
                        ports,
                        rule.policy.origin,
                        rule.note,
                    )
                    for rule in rules
                    if rule.tier == "NetworkPolicy"
                    and rule.action == "Allow"
                    and (ports := self.rule_ports(rule, d))
                ),
                key=lambda m: (m.policy, m.index),  # by name, whatever the input order
            )
        )
        rest = self._cilium_denies(rules, d, rest, decisions)
        below_admin = PortSet.empty()
        if rest and isolating:
            for m in matches:
                below_admin |= m.ports & rest
                if m.ports & rest:
                    by = f"{m.policy} {direction}[{m.index}]" + (f" ({m.note})" if m.note else "")
                    decisions.append(
                        Decision("NetworkPolicy", by, "Allow", m.ports & rest, m.policy)
                    )
            if rest - below_admin:
                names = ", ".join(str(p) for p in isolating)
                decisions.append(
                    Decision("NetworkPolicy", f"isolation by {names}", "Deny", rest - below_admin)
                )
        elif rest:
            kept = self._cilium_allows(matches, rest, direction, decisions)
            baseline_allow, baseline_deny = self._first_match(
                rules, "Baseline", d, rest - kept, decisions
            )
            below_admin = rest - baseline_deny
            default = rest - kept - baseline_allow - baseline_deny
            if default and decisions:
                decisions.append(Decision("default", "no policy decides", "Allow", default))
        return SideVerdict(
            direction=direction,
            isolated=bool(isolating),
            policies=tuple(str(p) for p in isolating),
            rules=matches if isolating else (),
            allowed=admin_allow | below_admin,
            decisions=tuple(decisions),
        )

    def _cilium_allows(
        self,
        matches: tuple[RuleMatch, ...],
        rest: PortSet,
        direction: str,
        decisions: list[Decision],
    ) -> PortSet:
        """What the Cilium allow rules of policies that do not isolate (enableDefaultDeny off)
        allow of ``rest`` before Baseline is asked (each is appended to ``decisions``)."""
        kept = PortSet.empty()
        for m in matches:
            if m.policy.startswith("Cilium") and (new := (m.ports & rest) - kept):
                by = f"{m.policy} {direction}[{m.index}]"
                decisions.append(Decision("NetworkPolicy", by, "Allow", new, m.policy))
                kept |= new
        return kept

    def _cilium_denies(
        self, rules: list[CompiledRule], d: int, rest: PortSet, decisions: list[Decision]
    ) -> PortSet:
        """``rest`` less what the matching Cilium deny rules take (each one that takes
        ports is appended to ``decisions``)."""
        for rule in rules:
            if rule.tier == "NetworkPolicy" and rule.action == "Deny":
                new = self.rule_ports(rule, d) & rest
                if new:
                    decisions.append(
                        Decision("NetworkPolicy", rule.label, "Deny", new, str(rule.policy))
                    )
                    rest = rest - new
        return rest

    def rule_ports(self, rule: CompiledRule, d: int) -> PortSet:
        """The ports ``rule`` allows toward class ``d`` (named ports resolved there)."""
        return self.reachability.atoms.portset(rule.ports_to(d))

    def _first_match(
        self,
        rules: list[CompiledRule],
        tier: str,
        d: int,
        open_ports: PortSet,
        decisions: list[Decision],
    ) -> tuple[PortSet, PortSet]:
        """``(allowed, denied)`` ports: in ``tier`` the first rule matching a port decides it.

        Each rule that decides some ports is appended to ``decisions``.
        """
        decided, allow = PortSet.empty(), PortSet.empty()
        for rule in rules:
            if rule.tier != tier:
                continue
            new = (self.rule_ports(rule, d) & open_ports) - decided
            if new:
                decisions.append(Decision(tier, rule.label, rule.action, new, str(rule.policy)))
                decided |= new
                if rule.action == "Allow":
                    allow |= new
        deny = PortSet.empty()
        for decision in decisions:
            if decision.tier == tier and decision.action == "Deny":
                deny |= decision.ports
        return allow, deny

    def policies(self, s: int, d: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(egress-side, ingress-side) names of the policies whose rules allow s -> d; in
        Calico's tiers, the rule as explain names it (``tier security, policy
        security.partner, egress rule 0``): a policy name alone does not say which tier."""
        out = []
        for direction in ("egress", "ingress"):
            side = self.side(direction, s, d)
            names = [
                dec.by if side.calico else dec.policy
                for dec in side.decisions
                if dec.action == "Allow" and dec.policy
            ]
            out.append(tuple(dict.fromkeys(names)))
        return out[0], out[1]

    def explain(self, s: int, d: int, src: str, dst: str) -> Explanation:
        """Both sides of the pair s -> d, the ports they allow, and notes on host networking."""
        reachability = self.reachability
        n = reachability.n_internal
        egress = self.side("egress", s, d) if s < n else None
        ingress = self.side("ingress", s, d) if d < n else None
        notes = []
        for cls, name in ((s, src), (d, dst)):
            pods = np.flatnonzero(reachability.pod_class == cls) if cls < n else ()
            if any(reachability.pods[i].host_network for i in pods):
                notes.append(f"{name} uses the host network; the plugin may enforce differently")
        mesh = reachability.mesh
        side = mesh_side(mesh, s, d) if mesh is not None else None
        allowed = reachability.ports(s, d)
        return Explanation(src, dst, egress, ingress, allowed, tuple(notes), mesh=side)


def _isolates(policy: NetworkPolicy | CiliumPolicy, direction: str) -> bool:
    return policy.egress_isolating if direction == "egress" else policy.ingress_isolating


def _selecting(selected: npt.NDArray[np.bool_], own: int, count: int) -> list[int]:
    """The indices of the policies (rows of ``selected``, ``count`` of them) that select
    class ``own``."""
    if not count:
        return []
    found: list[int] = np.flatnonzero(selected[:count, own]).tolist()
    return found
