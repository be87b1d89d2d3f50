"""Each direction of each class through the tiers, as rows of interned port-set ids."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.atoms import PortAtoms
from reach.engine.rules import CompiledRule


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
        total: int,
        n: int,
        class_res: IntVec,
        other_res: IntVec,
    ) -> None:
        self.rules = rules
        self.atoms = atoms
        self.total = total
        self.n = n
        self.class_res = class_res
        self.other_res = other_res
        self._ints: dict[tuple[int, int], int] = {}
        self._decided: dict[tuple[object, ...], int] = {}

    def _int(self, k: int, cls: int) -> int:
        """Rule k's ports toward destination class ``cls``, as an int mask."""
        cr = self.rules[k]
        key = (k, int(cr.res_of[cls]) if cr.varies and cr.res_of is not None else -1)
        hit = self._ints.get(key)
        if hit is None:
            hit = self._ints[key] = self.atoms.to_int(cr.ports_to(cls))
        return hit

    def _decide(
        self, ks: tuple[int, ...], isolated: bool, own: int, other: int, ingress: bool
    ) -> int:
        """First-match Admin, then NetworkPolicy (if isolated) or Baseline, else allow."""
        dst = own if ingress else other
        masks = tuple(self._int(k, dst) for k in ks)
        key = (ks, masks, isolated)
        hit = self._decided.get(key)
        if hit is not None:
            return hit
        full = self.atoms.all_int
        decided = allow = deny = 0
        np_allowed = 0
        b_decided = b_deny = 0
        for k, m in zip(ks, masks, strict=True):
            cr = self.rules[k]
            if cr.tier == "Admin":
                new = m & ~decided
                decided |= new
                if cr.action == "Allow":
                    allow |= new
                elif cr.action == "Deny":
                    deny |= new
            elif cr.tier == "NetworkPolicy":
                np_allowed |= m
            else:
                new = m & ~b_decided
                b_decided |= new
                if cr.action == "Deny":
                    b_deny |= new
        lower = np_allowed if isolated else full & ~b_deny
        result = allow | (full & ~(allow | deny) & lower)
        hit = self._decided[key] = self.atoms.intern_int(result)
        return hit

    def build(self, direction: str, isolated: BoolVec) -> tuple[npt.NDArray[np.int32], IntVec]:
        """``(rows, group)``: ``rows[group[own], other]`` is the id of what the side allows.

        The last row is "everything" (the group of external ends, which have no side).
        """
        ingress = direction == "ingress"
        idx = [k for k, r in enumerate(self.rules) if r.direction == direction]
        n, total = self.n, self.total
        sel = np.zeros((n, len(idx)), dtype=bool)  # [own class, rule]
        for j, k in enumerate(idx):
            sel[:, j] = self.rules[k].selected
        packed = np.packbits(sel, axis=1)
        varies = np.array([self.rules[k].varies for k in idx], dtype=bool)
        named_own = (sel & varies).any(axis=1) if ingress else np.zeros(n, dtype=bool)
        iso = isolated.tolist()
        groups: dict[tuple[object, ...], int] = {}
        group = np.empty(total, dtype=np.intp)
        reps: list[int] = []
        for c in range(n):
            res = int(self.class_res[c]) if named_own[c] else -1
            key = (packed[c].tobytes(), iso[c], res)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(reps)
                reps.append(c)
            group[c] = g
        group[n:] = len(reps)
        rows = np.empty((len(reps) + 1, total), dtype=np.int32)
        rows[len(reps)] = self.atoms.all_id
        for g, own in enumerate(reps):
            ks = tuple(idx[j] for j in np.flatnonzero(sel[own]))
            peers = [self.rules[k].peers for k in ks]
            rows[g] = self._row(ks, bool(isolated[own]), own, ingress, peers)
        # Different rule sets often come to the same row: keep each row once.
        keys: dict[bytes, int] = {}
        keep: list[int] = []
        merged = np.empty(len(rows), dtype=np.intp)
        for g in range(len(rows)):
            key = rows[g].tobytes()
            m = keys.get(key)
            if m is None:
                m = keys[key] = len(keep)
                keep.append(g)
            merged[g] = m
        return rows[keep], merged[group]

    def _row(
        self, ks: tuple[int, ...], isolated: bool, own: int, ingress: bool, peers: list[BoolVec]
    ) -> npt.NDArray[np.int32]:
        total = self.total
        if not ks:
            return np.full(total, self.atoms.empty_id if isolated else self.atoms.all_id, np.int32)
        code = np.zeros(total, dtype=np.int64)
        for j, p in enumerate(peers[:62]):
            code |= p.astype(np.int64) << j
        if len(peers) > 62:  # very long rule lists: fall back to exact profiles
            prof = np.packbits(np.stack(peers, axis=1), axis=1)
            _, code = np.unique(prof, axis=0, return_inverse=True)
            code = code.reshape(-1).astype(np.int64)
        if not ingress and any(self.rules[k].varies for k in ks):
            code = code * (int(self.other_res.max()) + 1) + self.other_res
        top = int(code.max())
        if top < 1 << 22:  # small codes: a lookup table instead of sorting
            first = np.full(top + 1, -1, dtype=np.intp)
            first[code[::-1]] = np.arange(total - 1, -1, -1)
            present = np.flatnonzero(first >= 0)
            lut = np.zeros(top + 1, dtype=np.int32)
            for c in present.tolist():
                other = int(first[c])
                hit = tuple(k for k, p in zip(ks, peers, strict=True) if p[other])
                lut[c] = self._decide(hit, isolated, own, other, ingress)
            out: npt.NDArray[np.int32] = lut[code]
            return out
        _, first_idx, inverse = np.unique(code, return_index=True, return_inverse=True)
        values = np.empty(len(first_idx), dtype=np.int32)
        for i, other in enumerate(first_idx.tolist()):
            hit = tuple(k for k, p in zip(ks, peers, strict=True) if p[other])
            values[i] = self._decide(hit, isolated, own, other, ingress)
        return values[inverse.reshape(-1)]
