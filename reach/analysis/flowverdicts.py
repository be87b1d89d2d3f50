"""How ``reach flows check`` decides one group of flows: the ports of each class pair,
found once for all groups, and the rules that allow it or the reason nothing does, as
``reach explain`` names them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.analysis.flowmatch import Matched
from reach.engine.provenance import Provenance
from reach.engine.verdicts import Explanation, SideVerdict
from reach.model.ports import PortSet


class Verdicts:
    """Verdicts of flow groups from one cluster, each class pair's ports and rules found
    once (many groups share a pair: the same workloads on other ports).

    With NetworkPolicies alone (no admin, Cilium or Calico tier can deny or pass), the
    rules that allow a pair are those in force whose ports meet the flow's, as the
    tier walk of ``reach explain`` finds them, without the walk; a dropped pair is
    explained by the walk (at most :data:`EXPLAINED` pairs; ``reach explain`` names the
    rest's rules, and the output says so).
    """

    #: Placeholders for the ends in a cached explanation's text.
    SRC, DST = "\x00src\x00", "\x00dst\x00"

    def __init__(self, provenance: Provenance) -> None:
        self.provenance = provenance
        reachability = provenance.reachability
        cluster = reachability.cluster
        self.plain = not (cluster.admin_policies or cluster.cilium_policies or cluster.calico)
        self._ports: dict[tuple[int, int], PortSet] = {}
        self._explained: dict[tuple[int, int], Explanation] = {}
        self.unexplained = 0

    def prepare(self, pairs: Iterable[tuple[int, int]]) -> None:
        """The allowed ports of every class pair, in one vectorised lookup."""
        todo = sorted(set(pairs) - set(self._ports))
        if todo:
            r = self.provenance.reachability
            src, dst = (np.array(x, dtype=np.intp) for x in zip(*todo, strict=True))
            ids = r.pair_ids(src, dst).tolist()
            self._ports.update(zip(todo, (r.atoms.portsets[i] for i in ids), strict=True))

    def ports(self, s: int, d: int) -> PortSet:
        if (s, d) not in self._ports:
            self.prepare([(s, d)])
        return self._ports[(s, d)]

    def explained(self, s: int, d: int) -> Explanation:
        found = self._explained.get((s, d))
        if found is None:
            found = self.provenance.explain(s, d, self.SRC, self.DST)
            self._explained[(s, d)] = found
        return found

    def verdict(self, ends: tuple[Matched, Matched], want: PortSet) -> tuple[bool, str]:
        """Whether some pod of the source reaches some other pod of the destination on
        ``want``, and the rules that allow it (or why not), as ``reach explain`` names
        them."""
        src, dst = ends
        pairs = [
            (s, d)
            for s in src.classes.tolist()
            for d in dst.classes.tolist()
            if not (s == d and _same_pod(src, dst))
        ]
        if not pairs:
            return False, "the only pod of the source is the destination"
        for s, d in pairs:
            if want.issubset(self.ports(s, d)):
                return True, self._allowed_by(s, d, want)
        s, d = pairs[0]
        allowed = self.ports(s, d)
        if not allowed.is_empty():
            return False, f"only {allowed} allowed"
        if self.plain:
            return False, self._why_not(s, d, src.node, dst.node)
        if len(self._explained) >= EXPLAINED and (s, d) not in self._explained:
            self.unexplained += 1
            return False, "not allowed (reach explain names the rules)"
        reason = self.explained(s, d).reason()
        return False, reason.replace(self.SRC, src.node).replace(self.DST, dst.node)

    def _why_not(self, s: int, d: int, src: str, dst: str) -> str:
        """With NetworkPolicies alone, the reason ``reach explain`` gives for a pair
        that nothing is allowed on, from the isolating policies and the rules in force."""
        provenance = self.provenance
        n = provenance.reachability.n_internal
        parts, allowed = [], []
        for direction, own in (("ingress", d), ("egress", s)):
            if own >= n:
                continue
            isolating = provenance.isolating(direction, own)
            ports = PortSet.all()
            if isolating:
                ports = PortSet.empty()
                for rule in provenance.in_force(direction, s, d):
                    ports |= provenance.rule_ports(rule, d)
            allowed.append(ports)
            if ports.is_empty():
                names = ", ".join(str(p) for p in isolating)
                parts.append(
                    f"{dst} is isolated for ingress by {names}; no rule admits {src}"
                    if direction == "ingress"
                    else f"{src}'s egress is isolated by {names}; no rule admits {dst}"
                )
        return "; and ".join(parts) or "the egress and ingress sides allow disjoint ports"

    def _allowed_by(self, s: int, d: int, want: PortSet) -> str:
        if not self.plain:
            return allowed_by(self.explained(s, d), want)
        provenance = self.provenance
        n = provenance.reachability.n_internal
        parts = []
        for direction, own in (("egress", s), ("ingress", d)):
            if own >= n:
                continue
            if not provenance.isolating(direction, own):
                parts.append(f"{direction}: not isolated (no policy selects it)")
                continue
            rules = [
                rule.label
                for rule in provenance.in_force(direction, s, d)
                if not (provenance.rule_ports(rule, d) & want).is_empty()
            ]
            parts.append(f"{direction}: {', '.join(dict.fromkeys(rules))}")
        return "; ".join(parts)


#: The most dropped class pairs a check explains with the tier walk (each costs about
#: half a millisecond).
EXPLAINED = 2_000


def _same_pod(src: Matched, dst: Matched) -> bool:
    return len(src.pods) == 1 and len(dst.pods) == 1 and int(src.pods[0]) == int(dst.pods[0])


def allowed_by(explanation: Explanation, want: PortSet) -> str:
    """The rule (or tier decision) of each side that allows ``want``, from the walk."""
    parts = []
    for side in (explanation.egress, explanation.ingress):
        if side is not None:
            parts.append(f"{side.direction}: {_side(side, want)}")
    return "; ".join(parts)


def _side(side: SideVerdict, want: PortSet) -> str:
    """The rule (or tier decision) of one side that allows ``want``."""
    if side.tiered:
        names = [
            d.by for d in side.decisions if d.action == "Allow" and not (d.ports & want).is_empty()
        ]
        return ", ".join(dict.fromkeys(names)) or "allowed"
    if not side.isolated:
        return "not isolated (no policy selects it)"
    rules = [
        f"{r.policy} {r.direction}[{r.index}]"
        for r in side.rules
        if not (r.ports & want).is_empty()
    ]
    return ", ".join(dict.fromkeys(rules))
