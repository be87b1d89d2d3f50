"""How ``reach flows check`` decides its groups of flows: the ports of every class pair
of every group in one vectorised lookup, each group's port tested as one bit of its
pairs' masks, and the rules that allow it or the reason nothing does, as
``reach explain`` names them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reach.analysis.flowmatch import Matched
from reach.engine.provenance import Provenance
from reach.engine.verdicts import Explanation, SideVerdict
from reach.model.ports import PROTOCOLS, PortSet

#: One group to decide: its matched ends, its protocol and destination port.
Ask = tuple[Matched, Matched, str, int]


class Verdicts:
    """Verdicts of flow groups from one cluster.

    A port lies in exactly one atom of the cluster's port space, so a group is allowed
    on a class pair exactly when that atom's bit is set in the pair's mask. With
    NetworkPolicies alone (no admin, Cilium or Calico tier can deny or pass), the rules
    that allow a pair are those in force whose mask holds the atom, as the tier walk of
    ``reach explain`` finds them, without the walk; a dropped pair is explained by the
    walk (at most :data:`EXPLAINED` pairs; ``reach explain`` names the rest's rules, and
    the output says so).
    """

    #: Placeholders for the ends in a cached explanation's text.
    SRC, DST = "\x00src\x00", "\x00dst\x00"

    def __init__(self, provenance: Provenance) -> None:
        self.provenance = provenance
        reachability = provenance.reachability
        cluster = reachability.cluster
        self.plain = not (cluster.admin_policies or cluster.cilium_policies or cluster.calico)
        self._explained: dict[tuple[int, int], Explanation] = {}
        self._allowing: dict[tuple[int, int, int], str] = {}
        self._isolating: dict[tuple[str, int], str] = {}
        self._atom_of: dict[tuple[str, int], int] = {}
        self.unexplained = 0
        starts: dict[str, list[int]] = {p: [] for p in PROTOCOLS}
        for proto, lo, _ in reachability.atoms.atoms:
            starts[proto].append(lo)
        first = np.cumsum([0] + [len(starts[p]) for p in PROTOCOLS])
        #: Per protocol: the first atom's index, and the ports where its atoms start.
        self._atoms = {
            p: (int(first[k]), np.array(starts[p], dtype=np.int64)) for k, p in enumerate(PROTOCOLS)
        }

    def atom(self, protocol: str, port: int) -> int:
        """The index of the atom that holds ``port`` of ``protocol``."""
        found = self._atom_of.get((protocol, port))
        if found is None:
            first, starts = self._atoms[protocol]
            found = first + int(np.searchsorted(starts, port, side="right")) - 1
            self._atom_of[(protocol, port)] = found
        return found

    def ports(self, s: int, d: int) -> PortSet:
        """The ports class ``s`` may open to class ``d``."""
        return self.provenance.reachability.ports(s, d)

    def explained(self, s: int, d: int) -> Explanation:
        found = self._explained.get((s, d))
        if found is None:
            found = self.provenance.explain(s, d, self.SRC, self.DST)
            self._explained[(s, d)] = found
        return found

    def decide(self, asks: Sequence[Ask]) -> list[tuple[bool, str]]:
        """For each group, in order: whether some pod of the source reaches some other pod
        of the destination on its port, and the rules that allow it (or why not), as
        ``reach explain`` names them."""
        r = self.provenance.reachability
        starts, src_of, dst_of = [0], [], []
        for src, dst, _, _ in asks:
            pairs = _pairs(src, dst)
            src_of += [s for s, _ in pairs]
            dst_of += [d for _, d in pairs]
            starts.append(len(src_of))
        src_arr = np.array(src_of, dtype=np.intp)
        ids = r.pair_ids(src_arr, np.array(dst_of, dtype=np.intp)).astype(np.intp)
        atoms = [self.atom(protocol, port) for _, _, protocol, port in asks]
        at = np.repeat(np.array(atoms, dtype=np.intp), np.diff(starts))
        words = r.atoms.table[ids, at >> 6]  # after pair_ids, which may intern
        bits = (words >> (at & 63).astype(np.uint64)) & np.uint64(1)
        hit, id_list = bits.astype(bool).tolist(), ids.tolist()
        out = []
        for k, (src, dst, protocol, port) in enumerate(asks):
            lo, hi = starts[k], starts[k + 1]
            if lo == hi:
                out.append((False, "the only pod of the source is the destination"))
                continue
            j = next((j for j in range(lo, hi) if hit[j]), -1)
            if j >= 0:
                out.append((True, self._allowed(src_of[j], dst_of[j], atoms[k], protocol, port)))
            else:
                out.append((False, self._dropped(src_of[lo], dst_of[lo], id_list[lo], src, dst)))
        return out

    def _allowed(self, s: int, d: int, atom: int, protocol: str, port: int) -> str:
        if self.plain:
            return self._allowed_by(s, d, atom)
        return allowed_by(self.explained(s, d), PortSet.of(protocol, port, port))

    def _dropped(self, s: int, d: int, ports_id: int, src: Matched, dst: Matched) -> str:
        atoms = self.provenance.reachability.atoms
        if ports_id != atoms.empty_id:
            return f"only {atoms.texts[ports_id]} allowed"
        if self.plain:
            return self._why_not(s, d, src.node, dst.node)
        if len(self._explained) >= EXPLAINED and (s, d) not in self._explained:
            self.unexplained += 1
            return "not allowed (reach explain names the rules)"
        reason = self.explained(s, d).reason()
        return reason.replace(self.SRC, src.node).replace(self.DST, dst.node)

    def _why_not(self, s: int, d: int, src: str, dst: str) -> str:
        """With NetworkPolicies alone, the reason ``reach explain`` gives for a pair
        that nothing is allowed on, from the isolating policies and the rules in force."""
        provenance = self.provenance
        n = provenance.reachability.n_internal
        parts = []
        for direction, own in (("ingress", d), ("egress", s)):
            if own >= n:
                continue
            names = self._isolated_by(direction, own)
            if names and not any(r.ports_to(d).any() for r in provenance.in_force(direction, s, d)):
                parts.append(
                    f"{dst} is isolated for ingress by {names}; no rule admits {src}"
                    if direction == "ingress"
                    else f"{src}'s egress is isolated by {names}; no rule admits {dst}"
                )
        return "; and ".join(parts) or "the egress and ingress sides allow disjoint ports"

    def _isolated_by(self, direction: str, own: int) -> str:
        """The names of the policies that isolate class ``own`` in ``direction`` ("":
        none)."""
        key = (direction, own)
        names = self._isolating.get(key)
        if names is None:
            isolating = self.provenance.isolating(direction, own)
            names = self._isolating[key] = ", ".join(str(p) for p in isolating)
        return names

    def _allowed_by(self, s: int, d: int, atom: int) -> str:
        """With NetworkPolicies alone, the rules of each side that allow the port of
        ``atom`` from class ``s`` to class ``d``, from the rules in force."""
        key = (s, d, atom)
        found = self._allowing.get(key)
        if found is not None:
            return found
        provenance = self.provenance
        n = provenance.reachability.n_internal
        word, bit = atom >> 6, np.uint64(1) << np.uint64(atom & 63)
        parts = []
        for direction, own in (("egress", s), ("ingress", d)):
            if own >= n:
                continue
            if not self._isolated_by(direction, own):
                parts.append(f"{direction}: not isolated (no policy selects it)")
                continue
            rules = [
                rule.label
                for rule in provenance.in_force(direction, s, d)
                if rule.ports_to(d)[word] & bit
            ]
            parts.append(f"{direction}: {', '.join(dict.fromkeys(rules))}")
        found = self._allowing[key] = "; ".join(parts)
        return found


#: The most dropped class pairs a check explains with the tier walk (each costs about
#: half a millisecond).
EXPLAINED = 2_000


def _pairs(src: Matched, dst: Matched) -> list[tuple[int, int]]:
    """The class pairs a group's connection may go between: every source class with
    every destination class, a class with itself only when two pods hold it."""
    same = len(src.pods) == 1 and len(dst.pods) == 1 and int(src.pods[0]) == int(dst.pods[0])
    return [
        (s, d) for s in src.classes.tolist() for d in dst.classes.tolist() if not (s == d and same)
    ]


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
