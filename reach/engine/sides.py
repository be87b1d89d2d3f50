"""Step 4 of compilation: each direction of each class through the tiers, as rows of ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.atoms import PortAtoms
from reach.engine.bitpack import packed_columns
from reach.engine.rowbuffer import with_room
from reach.engine.rules import CompiledRule
from reach.model.cilium import CiliumPolicy

#: A tier walk: (direction, matching rule ids, their int masks, own state) -> allowed mask.
Walk = Callable[[str, tuple[int, ...], tuple[int, ...], int], int]


class SideRows:
    """Each direction of each class, through the tiers, as rows of port-set ids.

    The ingress side of a destination depends on it only through the set of
    ingress rules that select it, its isolation and (for named ports) how its
    port names resolve: classes alike in these share one row, over all sources.
    Along a row, a source matters only through which of those rules' peers hold
    it (and, for egress named ports, how the destination resolves them): the
    row is computed once per such profile and spread with one lookup.
    """

    def __init__(
        self,
        rules: list[CompiledRule],
        atoms: PortAtoms,
        *,
        n_internal: int,
        resolution_of: IntVec,
        walk: Walk | None = None,
    ) -> None:
        """``resolution_of[c]``: the named-port resolution of class c (see ``RuleMasks``).

        ``walk``: the tier walk of Calico's tiers (``calicotiers``), which takes the
        direction, the matching rules, their int masks and the own class's state; without
        it, :func:`walk_tiers` with the state as isolation.
        """
        self.rules = rules
        self.atoms = atoms
        self.n_internal = n_internal
        self.n_classes = len(resolution_of)
        self.resolution_of = resolution_of
        self.walk = walk
        self._direction = ""
        self._ports: dict[tuple[int, int], int] = {}
        self._verdicts: dict[tuple[object, ...], int] = {}
        self._groups: dict[str, _Grouped] = {}

    def build(self, direction: str, isolated: BoolVec | IntVec) -> tuple[PortSetIds, IntVec]:
        """``(rows, row_of)``: ``rows[row_of[own], other]`` is the id of what the side allows.

        ``isolated[c]``: NetworkPolicies isolate class c in this direction (with a
        ``walk``: the state code of class c). The last row is "everything" (the row of
        the external ends, which have no side).
        """
        ingress = direction == "ingress"
        self._direction = direction
        rule_ids = [k for k, rule in enumerate(self.rules) if rule.direction == direction]
        subjects = _Subjects([self.rules[k] for k in rule_ids], self.n_internal)
        row_of, first_class = self._share_rows(subjects, isolated, ingress=ingress)
        rows = np.empty((len(first_class) + 1, self.n_classes), dtype=np.int32)
        rows[len(first_class)] = self.atoms.all_id
        for row, positions in enumerate(subjects.rules_of(first_class)):
            own = first_class[row]
            own_rules = tuple(rule_ids[j] for j in positions)
            state = int(isolated[own]) if self.walk else bool(isolated[own])
            if not own_rules and self.walk is None:  # no rule: the class's isolation alone
                rows[row] = self.atoms.empty_id if state else self.atoms.all_id
                continue
            rows[row] = self._row(own_rules, isolated=state, own=own, ingress=ingress)
        return _distinct_rows(rows, row_of)

    def rows_of(self, direction: str, isolated: BoolVec | IntVec, classes: list[int]) -> PortSetIds:
        """The rows of ``classes`` alone in this direction (``rows_of(...)[k]`` is the row
        of ``classes[k]``), as :meth:`build` computes them (``isolated``: as there)."""
        ingress = direction == "ingress"
        self._direction = direction
        at = np.array(classes, dtype=np.intp)
        rule_ids = _holding(self._grouped(direction).by_selected, at)
        subjects = _Subjects([self.rules[k] for k in rule_ids], self.n_internal)
        out = np.empty((len(classes), self.n_classes), dtype=np.int32)
        done: dict[tuple[object, ...], int] = {}
        for i, positions in enumerate(subjects.rules_of(classes)):
            own = classes[i]
            own_rules = tuple(rule_ids[j] for j in positions)
            resolves = ingress and any(self.rules[k].varies for k in own_rules)
            alone = int(isolated[own]) if self.walk else bool(isolated[own])
            key = (own_rules, alone, int(self.resolution_of[own]) if resolves else -1)
            first = done.setdefault(key, i)
            if first == i:
                out[i] = self._row(own_rules, isolated=alone, own=own, ingress=ingress)
            else:
                out[i] = out[first]
        return out

    def column(self, direction: str, isolated: BoolVec | IntVec, other: int) -> PortSetIds:
        """What the side of every class allows with class ``other`` in this direction
        (``column(...)[c]``: the entry of class c's row at ``other``), as :meth:`build`
        computes it (``isolated``: as there); the external ends' entries: everything."""
        ingress = direction == "ingress"
        self._direction = direction
        n = self.n_internal
        holding = _holding(self._grouped(direction).by_peers, np.array([other], dtype=np.intp))
        out = np.full(self.n_classes, self.atoms.all_id, dtype=np.int32)
        matrix = np.array([self.rules[k].selected for k in holding], dtype=bool).reshape(-1, n)
        packed = packed_columns(matrix)  # [class, bytes]: which hold it
        resolves = ingress and any(self.rules[k].varies for k in holding)
        # classes alike in the rules holding them, isolation and resolution share a verdict
        # (grouped at once: a loop over the classes took 3 us each, 70 ms at 100k pods)
        alone = np.asarray(isolated[:n], dtype=np.int64)
        resolution = self.resolution_of[:n] if resolves else np.zeros(n, dtype=np.int64)
        keys = np.concatenate(
            [packed, _bytes_of(alone), _bytes_of(np.asarray(resolution, dtype=np.int64))], axis=1
        )
        rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1]))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        verdicts = np.empty(len(first), dtype=np.int32)
        held = np.array(holding, dtype=np.intp)
        for g, c in enumerate(first.tolist()):
            matching = tuple(held[matrix[:, c]].tolist())
            verdicts[g] = self._verdict(
                matching, isolated=int(alone[c]), dst=c if ingress else other
            )
        out[:n] = verdicts[inverse.reshape(-1)]
        return out

    def _grouped(self, direction: str) -> _Grouped:
        """The rules of ``direction`` grouped by their subject vector and by their peers
        (rules share them: a policy's rules its subjects, rules of equal peers one array),
        made once for this builder's rules."""
        found = self._groups.get(direction)
        if found is None:
            found = self._groups[direction] = _Grouped.of(self.rules, direction)
        return found

    def _share_rows(
        self, subjects: _Subjects, isolated: BoolVec | IntVec, *, ingress: bool
    ) -> tuple[IntVec, list[int]]:
        """``(row_of, first_class)``: classes with the same selecting rules, isolation and
        (ingress with named ports) resolution share a row; ``first_class[r]`` computes row r.
        """
        n_internal = self.n_internal
        packed = packed_columns(subjects.matrix)  # [class, bytes]
        resolves_own: BoolVec = np.zeros(n_internal, dtype=bool)
        if ingress:
            resolves_own = np.asarray(subjects.matrix[subjects.varies].any(axis=0))
        isolated_of = isolated.tolist()
        row_ids: dict[tuple[object, ...], int] = {}
        row_of = np.empty(self.n_classes, dtype=np.intp)
        first_class: list[int] = []
        for c in range(n_internal):
            resolution = int(self.resolution_of[c]) if resolves_own[c] else -1
            key = (packed[c].tobytes(), isolated_of[c], resolution)
            row = row_ids.get(key)
            if row is None:
                row = row_ids[key] = len(first_class)
                first_class.append(c)
            row_of[c] = row
        row_of[n_internal:] = len(first_class)
        return row_of, first_class

    def _row(
        self, rule_ids: tuple[int, ...], *, isolated: bool | int, own: int, ingress: bool
    ) -> PortSetIds:
        """What the side of class ``own``, selected by ``rule_ids``, allows with every class."""
        if not rule_ids and self.walk is None:
            return np.full(
                self.n_classes, self.atoms.empty_id if isolated else self.atoms.all_id, np.int32
            )
        peers = [self.rules[k].peers for k in rule_ids]
        varies = not ingress and any(self.rules[k].varies for k in rule_ids)
        profile = self._profiles(peers, by_resolution=varies)
        # With a bit per rule, a code names the matching rules itself.
        scale = int(self.resolution_of.max()) + 1 if varies else 1
        bits = len(peers) <= 62

        def verdict(other: int, code: int) -> int:
            if bits:
                matching = _bits(rule_ids, code // scale)
            else:
                matching = tuple(k for k, p in zip(rule_ids, peers, strict=True) if p[other])
            return self._verdict(matching, isolated=isolated, dst=own if ingress else other)

        top = int(profile.max())
        if top < 4 * self.n_classes:  # small codes: a lookup table instead of sorting
            first = np.full(top + 1, -1, dtype=np.intp)
            first[profile[::-1]] = np.arange(self.n_classes - 1, -1, -1)
            lookup = np.zeros(top + 1, dtype=np.int32)
            for code in np.flatnonzero(first >= 0).tolist():
                lookup[code] = verdict(int(first[code]), code)
            by_lookup: PortSetIds = lookup[profile]
            return by_lookup
        codes, first_other, inverse = np.unique(profile, return_index=True, return_inverse=True)
        values = np.array(
            [
                verdict(other, code)
                for other, code in zip(first_other.tolist(), codes.tolist(), strict=True)
            ],
            dtype=np.int32,
        )
        by_sort: PortSetIds = values[inverse.reshape(-1)]
        return by_sort

    def _profiles(self, peers: list[BoolVec], *, by_resolution: bool) -> npt.NDArray[np.int64]:
        """A code per class at the other end: equal codes, equal verdicts.

        The code says which rules' peers hold the class (one bit per rule) and,
        ``by_resolution``, how it resolves named ports (egress toward it).
        """
        if not peers:
            profile = np.zeros(self.n_classes, dtype=np.int64)
        elif len(peers) <= 62:  # bit j: rule j's peers hold the class
            weights = np.left_shift(1, np.arange(len(peers), dtype=np.int64))
            profile = weights @ np.array(peers, dtype=np.int64)
        else:  # very long rule lists: number the exact profiles
            packed = np.packbits(np.stack(peers, axis=1), axis=1)
            _, inverse = np.unique(packed, axis=0, return_inverse=True)
            profile = inverse.reshape(-1).astype(np.int64)
        if by_resolution:
            profile = profile * (int(self.resolution_of.max()) + 1) + self.resolution_of
        return profile

    def _verdict(self, rule_ids: tuple[int, ...], *, isolated: bool | int, dst: int) -> int:
        """The id of what the matching rules ``rule_ids`` leave allowed toward class ``dst``."""
        masks = tuple(self._ports_to(k, dst) for k in rule_ids)
        key = (rule_ids, masks, isolated, self._direction if self.walk else "")
        hit = self._verdicts.get(key)
        if hit is None:
            allowed = self._walk_tiers(rule_ids, masks, isolated=isolated)
            hit = self._verdicts[key] = self.atoms.intern_int(allowed)
        return hit

    def _walk_tiers(
        self, rule_ids: tuple[int, ...], masks: tuple[int, ...], *, isolated: bool | int
    ) -> int:
        """:func:`walk_tiers` (or the Calico ``walk``) over this compilation's rules and
        port atoms."""
        if self.walk is not None:
            return self.walk(self._direction, rule_ids, masks, int(isolated))
        return walk_tiers(
            self.rules, rule_ids, masks, isolated=bool(isolated), everything=self.atoms.all_int
        )

    def _ports_to(self, k: int, dst: int) -> int:
        """Rule k's ports toward destination class ``dst``, as an int mask (cached)."""
        rule = self.rules[k]
        key = (k, int(self.resolution_of[dst]) if rule.varies else -1)
        hit = self._ports.get(key)
        if hit is None:
            hit = self._ports[key] = self.atoms.to_int(rule.ports_to(dst))
        return hit


@dataclass(frozen=True)
class _Grouped:
    """The ids of the rules of one direction, by the vectors they share: each distinct
    subject vector and each distinct peers vector with the rules that have it. Which rules
    hold a class is then read from a vector per group rather than from every rule (at 100k
    pods 13,518 rules share 9,302 subject vectors and 7,302 peers vectors; a new class's
    rows read them all, 25 ms a side rule by rule)."""

    by_selected: list[tuple[BoolVec, list[int]]]
    by_peers: list[tuple[BoolVec, list[int]]]

    @staticmethod
    def of(rules: list[CompiledRule], direction: str) -> _Grouped:
        by_selected: dict[int, tuple[BoolVec, list[int]]] = {}
        by_peers: dict[int, tuple[BoolVec, list[int]]] = {}
        for k, rule in enumerate(rules):
            if rule.direction == direction:
                by_selected.setdefault(id(rule.selected), (rule.selected, []))[1].append(k)
                by_peers.setdefault(id(rule.peers), (rule.peers, []))[1].append(k)
        return _Grouped(list(by_selected.values()), list(by_peers.values()))


def _holding(groups: list[tuple[BoolVec, list[int]]], at: IntVec) -> list[int]:
    """The ids, in order, of the rules of ``groups`` whose vector holds a class of ``at``."""
    if len(at) == 1:
        one = int(at[0])
        return sorted(k for vector, ids in groups if vector[one] for k in ids)
    return sorted(k for vector, ids in groups if vector[at].any() for k in ids)


def _bits(rule_ids: tuple[int, ...], code: int) -> tuple[int, ...]:
    """The rules of ``rule_ids`` whose bits are set in ``code``, in order."""
    out = []
    while code:
        low = code & -code
        out.append(rule_ids[low.bit_length() - 1])
        code ^= low
    return tuple(out)


class _Subjects:
    """Who the rules of one direction select, per distinct subject vector (the rules of a
    policy share their policy's): classes alike in these are alike in the rules."""

    def __init__(self, rules: list[CompiledRule], n_internal: int) -> None:
        vector_of: dict[int, int] = {}
        vectors: list[BoolVec] = []
        #: positions (among ``rules``) of the rules of each distinct vector, in order
        self.positions: list[list[int]] = []
        for j, rule in enumerate(rules):
            v = vector_of.get(id(rule.selected))
            if v is None:
                v = vector_of[id(rule.selected)] = len(vectors)
                vectors.append(rule.selected)
                self.positions.append([])
            self.positions[v].append(j)
        #: ``[vector, class]``
        self.matrix: BoolVec = (
            np.stack(vectors) if vectors else np.zeros((0, n_internal), dtype=bool)
        )
        #: whether some rule of each vector has named ports
        self.varies: BoolVec = np.array(
            [any(rules[j].varies for j in p) for p in self.positions], dtype=bool
        )

    def rules_of(self, classes: list[int]) -> list[list[int]]:
        """For each of ``classes``, the positions of the rules that select it, in order."""
        out: list[list[int]] = [[] for _ in classes]
        vectors, rows = np.nonzero(self.matrix[:, classes])
        for v, row in zip(vectors.tolist(), rows.tolist(), strict=True):
            out[row].extend(self.positions[v])
        for positions in out:
            positions.sort()
        return out


def _distinct_rows(rows: PortSetIds, row_of: IntVec) -> tuple[PortSetIds, IntVec]:
    """Different rule sets often come to the same row: keep each row once."""
    distinct: dict[bytes, int] = {}
    keep: list[int] = []
    kept_as = np.empty(len(rows), dtype=np.intp)
    for row in range(len(rows)):
        key = rows[row].tobytes()
        kept = distinct.get(key)
        if kept is None:
            kept = distinct[key] = len(keep)
            keep.append(row)
        kept_as[row] = kept
    return with_room(rows, keep), kept_as[row_of]


def walk_tiers(
    rules: list[CompiledRule],
    rule_ids: tuple[int, ...],
    masks: tuple[int, ...],
    *,
    isolated: bool,
    everything: int,
) -> int:
    """First-match Admin, then NetworkPolicy (if isolated) or first-match Baseline, else allow;
    Cilium denies (in the NetworkPolicy tier) take their ports from the last two.

    ``rule_ids`` are the matching rules in tier order, ``masks`` their ports as int
    masks, ``everything`` the mask of every port.
    """
    admin_decided = admin_allow = admin_deny = 0
    policy_allow = policy_deny = cilium_allow = 0
    baseline_decided = baseline_deny = 0
    for k, mask in zip(rule_ids, masks, strict=True):
        rule = rules[k]
        if rule.tier == "Admin":
            new = mask & ~admin_decided
            admin_decided |= new
            if rule.action == "Allow":
                admin_allow |= new
            elif rule.action == "Deny":
                admin_deny |= new
        elif rule.tier == "NetworkPolicy":
            if rule.action == "Deny":  # a Cilium deny: wins over every allow of the tier
                policy_deny |= mask
            else:
                policy_allow |= mask
                if isinstance(rule.policy, CiliumPolicy):
                    cilium_allow |= mask
        else:
            new = mask & ~baseline_decided
            baseline_decided |= new
            if rule.action == "Deny":
                baseline_deny |= new
    # Not isolated: Baseline decides, but a Cilium allow (of a policy with enableDefaultDeny
    # off) still allows what it names.
    below_admin = policy_allow if isolated else (everything & ~baseline_deny) | cilium_allow
    below_admin &= ~policy_deny
    return admin_allow | (everything & ~(admin_allow | admin_deny) & below_admin)


def _bytes_of(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A 1-D array of fixed-size numbers as the rows of its bytes (one row per number)."""
    return values.view(np.uint8).reshape(len(values), values.itemsize)
