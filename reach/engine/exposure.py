"""What each class allows with each representative peer, per direction, through the tiers.

Only the side of the class of the input counts: the representative stands for
pods that may not exist, whose own policies are unknown. The ingress side of a
class depends on it only through the ingress rules that select it, its
isolation and (for named ports) how its port names resolve, exactly as in
``sides``; classes alike in these form one group, and a group meets a
representative through which of its rules hold the representative
(``representatives.peer_holds``). So the work is per group and distinct rule
profile, over the same rules, port atoms and tier walk as real pods.

Named ports toward a representative (egress) cannot be resolved: each
``(name, protocol)`` becomes one more bit after the port atoms, so the tier
walk treats it like a port, and :class:`RepresentativeSides` reports it by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.calicoplan import holds_every_pod
from reach.engine.ciliumpeers import peers_of
from reach.engine.reachability import Reachability
from reach.engine.representatives import (
    ENTIRE_CLUSTER,
    Representative,
    RepresentativeIndex,
    labels_only,
    representative_of,
)
from reach.engine.rules import CompiledRule
from reach.engine.sides import walk_tiers
from reach.model.calico import CalicoRule
from reach.model.cluster import NetworkPolicy, Peer

DIRECTIONS = ("ingress", "egress")
NamedPort = tuple[str, str]  # (protocol, name)


@dataclass
class RepresentativeSide:
    """One direction: ``ids[group_of[c], r]`` is the port-set id (``atoms``) class ``c``
    allows with representative ``r``; ``named[(group, r)]`` the unresolved named ports."""

    group_of: IntVec
    ids: npt.NDArray[np.int32]
    named: dict[tuple[int, int], frozenset[NamedPort]] = field(default_factory=dict)
    #: ``protected[c]``: a NetworkPolicy isolates class c, or an admin rule selects it.
    protected: BoolVec = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass
class RepresentativeSides:
    """Every representative (``representatives[0]`` is the entire cluster) and both sides."""

    representatives: list[Representative]
    sides: dict[str, RepresentativeSide]


def rule_representatives(rules: list[CompiledRule]) -> list[Representative]:
    """The entire cluster, then every distinct representative the rules' peers stand for.

    Peers written as matchLabels in one rule and as ``In`` expressions in another stand
    for one representative; it keeps the expression form (which the exposure section
    prints as such and never hides), whatever the order of the rules."""
    found: dict[Representative, Representative] = {ENTIRE_CLUSTER: ENTIRE_CLUSTER}
    for rule in rules:
        if isinstance(rule.rule, CalicoRule):  # Calico ends stand for no representative
            continue
        namespace = rule.policy.namespace if isinstance(rule.policy, NetworkPolicy) else None
        for peer in peers_of(rule.rule) or ():
            rep = representative_of(peer, namespace)
            if rep is not None and _plainness(rep) < _plainness(found.get(rep, rep)):
                found[rep] = rep
            elif rep is not None:
                found.setdefault(rep, rep)
    return list(found.values())


def _plainness(rep: Representative) -> tuple[bool, bool]:
    return (labels_only(rep.pod_selector), labels_only(rep.namespace_selector))


def representative_sides(reachability: Reachability) -> RepresentativeSides:
    """Both sides of every class of the input toward every representative peer."""
    reps = rule_representatives(reachability.rules)
    return RepresentativeSides(reps, {d: _Side(reachability, reps, d).build() for d in DIRECTIONS})


class _Side:
    """The computation of one direction (see the module doc)."""

    def __init__(self, reachability: Reachability, reps: list[Representative], direction: str):
        self.reach = reachability
        self.atoms = reachability.atoms
        self.ingress = direction == "ingress"
        self.direction = direction
        rules = reachability.rules
        self.rule_ids = [k for k, r in enumerate(rules) if r.direction == direction]
        # holds[r, j]: rule rule_ids[j]'s peers hold every pod of representative r
        self.holds = np.zeros((len(reps), len(self.rule_ids)), dtype=bool)
        index = RepresentativeIndex(reps)
        held: dict[tuple[Peer, str | None], BoolVec] = {}
        for j, k in enumerate(self.rule_ids):
            rule = rules[k]
            if isinstance(rule.rule, CalicoRule):
                self.holds[:, j] = holds_every_pod(rule.rule, direction)
                continue
            namespace = rule.policy.namespace if isinstance(rule.policy, NetworkPolicy) else None
            if peers_of(rule.rule) is None:
                self.holds[:, j] = True
            for peer in peers_of(rule.rule) or ():
                key = (peer, namespace)
                if key not in held:
                    held[key] = index.held_by(peer, namespace)
                self.holds[:, j] |= held[key]
        self.named = sorted(
            {
                (p.protocol, p.port)
                for k in self.rule_ids
                if not isinstance(of := rules[k].rule, CalicoRule)
                for p in of.ports or ()
                if isinstance(p.port, str)
            }
        )
        self.named_base = len(self.atoms.atoms)
        self.everything = self.atoms.all_int | (((1 << len(self.named)) - 1) << self.named_base)
        self._ports: dict[tuple[int, int], int] = {}
        self._verdicts: dict[tuple[object, ...], int] = {}

    def build(self) -> RepresentativeSide:
        reach, n = self.reach, self.reach.n_internal
        rules = reach.rules
        some = reach.ingress_isolated if self.ingress else reach.egress_isolated
        isolated: BoolVec | IntVec = some
        if reach.calico is not None:  # the state of each class in Calico's tiers
            isolated = reach.calico.state_of[self.direction]
        selects = np.zeros((n, len(self.rule_ids)), dtype=bool)
        for j, k in enumerate(self.rule_ids):
            selects[:, j] = rules[k].selected
        admin = np.array([rules[k].tier != "NetworkPolicy" for k in self.rule_ids], dtype=bool)
        protected = some[:n] | (selects & admin).any(axis=1)
        group_of, firsts = self._groups(selects, isolated)
        ids = np.empty((len(firsts), len(self.holds)), dtype=np.int32)
        named: dict[tuple[int, int], frozenset[NamedPort]] = {}
        interned: dict[int, tuple[int, frozenset[NamedPort]]] = {}
        for g, own in enumerate(firsts):
            values, of_rep = self._row(selects[own], self._state(isolated, own), own)
            found = []
            for value in values:
                hit = interned.get(value)
                if hit is None:
                    numbers = self.atoms.intern_int(value & self.atoms.all_int)
                    hit = interned[value] = (numbers, self._names(value))
                found.append(hit)
            ids[g] = np.array([numbers for numbers, _ in found], dtype=np.int32)[of_rep]
            for p, (_, names) in enumerate(found):
                for r in np.flatnonzero(of_rep == p).tolist() if names else ():
                    named[(g, r)] = names
        return RepresentativeSide(group_of, ids, named, protected)

    def _state(self, isolated: BoolVec | IntVec, own: int) -> bool | int:
        """The isolation of class ``own`` (its state code in Calico's tiers)."""
        return int(isolated[own]) if self.reach.calico is not None else bool(isolated[own])

    def _groups(self, selects: BoolVec, isolated: BoolVec | IntVec) -> tuple[IntVec, list[int]]:
        """Classes with the same selecting rules, isolation and (ingress, named ports)
        resolution share a group; the first class of each computes it."""
        rules = self.reach.rules
        varies = np.array([rules[k].varies for k in self.rule_ids], dtype=bool)
        resolves = (selects & varies).any(axis=1) if self.ingress else np.zeros(len(selects), bool)
        resolution_of = rules[0].resolution_of if rules else None
        packed = np.packbits(selects, axis=1)
        keys: dict[tuple[object, ...], int] = {}
        group_of = np.empty(len(selects), dtype=np.intp)
        firsts: list[int] = []
        for c in range(len(selects)):
            res = int(resolution_of[c]) if resolves[c] and resolution_of is not None else -1
            key = (packed[c].tobytes(), self._state(isolated, c), res)
            g = keys.get(key)
            if g is None:
                g = keys[key] = len(firsts)
                firsts.append(c)
            group_of[c] = g
        return group_of, firsts

    def _row(
        self, own_selects: BoolVec, isolated: bool | int, own: int
    ) -> tuple[list[int], IntVec]:
        """``(values, of_rep)``: what class ``own`` allows with representative r is
        ``values[of_rep[r]]`` (int masks; one per distinct profile of held rules)."""
        positions = np.flatnonzero(own_selects)
        if not len(positions) and self.reach.calico is not None:
            return [self._verdict((), isolated, own)], np.zeros(len(self.holds), np.intp)
        if not len(positions):
            return [self.everything if not isolated else 0], np.zeros(len(self.holds), np.intp)
        held = self.holds[:, positions]
        if len(positions) <= 62:  # one int64 code per representative
            codes = held.astype(np.int64) @ (
                np.int64(1) << np.arange(len(positions), dtype=np.int64)
            )
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            profiles = held[first]
        else:
            profiles, inverse = np.unique(held, axis=0, return_inverse=True)
        values = [
            self._verdict(tuple(self.rule_ids[int(j)] for j in positions[profile]), isolated, own)
            for profile in profiles
        ]
        return values, inverse.reshape(-1).astype(np.intp)

    def _verdict(self, matching: tuple[int, ...], isolated: bool | int, own: int) -> int:
        masks = tuple(self._ports_of(k, own) for k in matching)
        key = (matching, masks, isolated)
        hit = self._verdicts.get(key)
        calico = self.reach.calico
        if hit is None and calico is not None:
            hit = self._verdicts[key] = calico.walk(
                self.direction, matching, masks, int(isolated), everything=self.everything
            )
        if hit is None:
            hit = self._verdicts[key] = walk_tiers(
                self.reach.rules,
                matching,
                masks,
                isolated=bool(isolated),
                everything=self.everything,
            )
        return hit

    def _ports_of(self, k: int, own: int) -> int:
        """Rule k's ports: toward ``own`` (ingress: its named ports resolve there), or
        toward a representative (egress: numbers, and each named port as its own bit)."""
        rule = self.reach.rules[k]
        resolves = self.ingress and rule.varies and rule.resolution_of is not None
        key = (k, int(rule.resolution_of[own]) if resolves else -1)  # type: ignore[index]
        hit = self._ports.get(key)
        if hit is None:
            if isinstance(rule.rule, CalicoRule):  # toward a representative: numbers only
                hit = self.atoms.to_int(rule.ports_to(own) if self.ingress else rule.mask[-1])
            elif rule.rule.ports is None:
                hit = self.everything
            elif self.ingress:
                hit = self.atoms.to_int(rule.ports_to(own))
            else:
                hit = self.atoms.to_int(rule.mask[-1])  # the numbers-only row
                for p in rule.rule.ports:
                    if isinstance(p.port, str):
                        hit |= 1 << (self.named_base + self.named.index((p.protocol, p.port)))
            self._ports[key] = hit
        return hit

    def _names(self, value: int) -> frozenset[NamedPort]:
        """The named ports a verdict holds (none when it holds every port anyway)."""
        if value & self.atoms.all_int == self.atoms.all_int:
            return frozenset()
        bits = value >> self.named_base
        return frozenset(name for i, name in enumerate(self.named) if bits >> i & 1)
