"""Multi-hop search over the class graph: breadth-first, a bitset OR per level.

A hop is an allowed connection. A multi-hop path assumes that whoever holds an
intermediate pod can open new connections from it. External address segments
are endpoints only: reaching an outside address does not mean holding it, so
search never continues from one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability
from reach.model.ports import PortSet

BoolMat = npt.NDArray[np.bool_]


class HopGraph:
    """Hops between classes, straight from the engine's factorized sides.

    ``allowed(s, d) = egress_rows[egress_group[s]][d] & ingress_rows[ingress_group[d]][s]`` (ids),
    so "does any frontier class reach d" only needs, per egress group of the
    frontier, the set of ingress ids its sources show each ingress group: a
    bitset over the (few) side ids. A level of the search costs work per group,
    not per class pair, and no class x class adjacency is ever built. With a
    port filter, a hop counts only when it allows some port of the filter.
    """

    def __init__(self, reachability: Reachability, ports: PortSet | None = None) -> None:
        self.reachability = reachability
        self.ports = ports
        atoms = reachability.atoms
        table = reachability.and_table()  # interns every pair result, so ``ok`` covers all ids
        if ports is None:
            ok = np.ones(len(atoms.values), dtype=bool)
        else:
            touch = atoms.to_int(atoms.touching(ports))
            ok = np.array([bool(v & touch) for v in atoms.values], dtype=bool)
        ok[atoms.empty_id] = False
        self.ok = ok
        nz = ok[table]  # [egress side id, ingress side id]: a hop
        self.words = max(1, (len(table) + 63) // 64)
        self.row_bits = _pack(nz, self.words)  # row a: the ingress ids b that make a hop
        self.col_bits = _pack(nz.T, self.words)  # row b: the egress ids a that make a hop
        # ingress (egress) ids that make a hop with some id of the other side
        self.useful_in: BoolMat = np.asarray(nz.any(axis=0))
        self.useful_eg: BoolMat = np.asarray(nz.any(axis=1))
        total = reachability.n_classes
        self.internal = np.zeros(total, dtype=bool)
        self.internal[: reachability.n_internal] = True
        # allowed[c, c] is about two different pods of class c; a class of one pod has no
        # such pair (a pod reaching itself is not a hop).
        sizes = np.bincount(reachability.pod_class, minlength=reachability.n_internal)
        self.lone = np.zeros(total, dtype=bool)
        self.lone[: reachability.n_internal] = sizes == 1

    def hop(self, src: IntVec, dst: IntVec) -> BoolMat:
        """Whether each pair ``src x dst`` is a hop."""
        out: BoolMat = self.ok[self.reachability.ids(src, dst)]
        same = np.asarray(src)[:, None] == np.asarray(dst)[None, :]
        out &= ~(same & self.lone[np.asarray(dst)][None, :])
        return out

    def step(
        self, frontier: IntVec, reverse: bool, cand: IntVec | None = None
    ) -> tuple[BoolMat, IntVec]:
        """Classes one hop from (or, reversed, to) the frontier, and one neighbour each.

        Only the classes in ``cand`` (default: all) are looked at: a search passes
        the ones it has not reached yet.
        """
        r = self.reachability
        n, total = r.n_internal, r.n_classes
        if reverse:  # group the frontier (destinations) by ingress group
            own_group, own_rows, other_group, other_rows, bits = (
                r.ingress_group,
                r.ingress_rows,
                r.egress_group,
                r.egress_rows,
                self.col_bits,
            )
            useful = self.useful_eg
        else:  # group the frontier (sources) by egress group
            own_group, own_rows, other_group, other_rows, bits = (
                r.egress_group,
                r.egress_rows,
                r.ingress_group,
                r.ingress_rows,
                self.row_bits,
            )
            useful = self.useful_in
        hit = np.zeros(total, dtype=bool)
        via = np.full(total, -1, dtype=np.intp)
        left = np.arange(total) if cand is None else cand  # candidates not hit yet
        groups = own_group[frontier]
        order = np.argsort(groups, kind="stable")
        bounds = np.flatnonzero(np.diff(groups[order])) + 1
        runs = np.split(frontier[order], bounds)
        need = np.zeros(len(other_rows), dtype=bool)
        pos = np.zeros(len(other_rows), dtype=np.intp)
        left = left[_admits_some(other_rows, other_group[left], frontier, useful)]
        # Largest groups first: a candidate hit once needs no further look, since one
        # witness per class is enough, so later (smaller) groups see fewer candidates.
        for members in sorted(runs, key=len, reverse=True):
            if not len(left):
                break
            g = int(own_group[members[0]])
            left_group = other_group[left]
            need[:] = False
            need[left_group] = True
            rows = np.flatnonzero(need)  # the other side's groups the candidates are in
            pos[rows] = np.arange(len(rows))
            seen = other_rows[np.ix_(rows, members)]  # ids each of those groups shows
            have = _or_bits(seen, self.words)  # [row, words]
            both = have[pos[left_group]] & bits[own_rows[g][left]]  # [candidate, words]
            h = both.any(axis=1)
            if members.min() >= n:  # external to external is never a hop
                h &= left < n
            local = np.flatnonzero(h)
            if not len(local):
                continue
            fresh = left[local]
            # a witness: the first id in both sets, and a member that shows it
            word = np.argmax(both[local] != 0, axis=1)
            x = both[local, word]
            low = x & (~x + np.uint64(1))
            ident = word * 64 + np.log2(low.astype(np.float64)).astype(np.intp)
            shows = seen[pos[left_group[local]]] == ident[:, None]  # [fresh, member]
            via[fresh] = members[np.argmax(shows, axis=1)]
            hit[fresh] = True
            left = left[~h]
        for c in np.flatnonzero(hit & self.lone).tolist():
            if via[c] != c:
                continue
            others = frontier[frontier != c]  # the class reached only itself: check the rest
            pairs = (
                self.hop(np.array([c]), others)[0]
                if reverse
                else self.hop(others, np.array([c]))[:, 0]
            )
            hit[c] = bool(pairs.any())
            via[c] = int(others[np.argmax(pairs)]) if hit[c] else -1
        return hit, via

    def column(self, node: int) -> BoolMat:
        """Which classes hop to ``node``."""
        col: BoolMat = self.hop(np.arange(self.reachability.n_classes), np.array([node]))[:, 0]
        return col

    def search(self, start: IntVec, reverse: bool = False, max_hops: int | None = None) -> Search:
        """Breadth-first search from ``start`` classes, forward or against the edges."""
        total = self.reachability.n_classes
        dist = np.full(total, -1, dtype=np.intp)
        parent = np.full(total, -1, dtype=np.intp)
        expanded = np.zeros(total, dtype=bool)
        frontier = np.zeros(total, dtype=bool)
        frontier[start] = True  # a start is expanded even when external: it is where we stand
        level = 0
        while frontier.any() and (max_hops is None or level < max_hops):
            level += 1
            expanded |= frontier
            hit, via = self.step(np.flatnonzero(frontier), reverse, np.flatnonzero(dist < 0))
            new = hit & (dist < 0)
            new_idx = np.flatnonzero(new)
            dist[new_idx] = level
            parent[new_idx] = via[new_idx]
            frontier = new & ~expanded & self.internal
        return Search(self, np.asarray(start, dtype=np.intp), dist, parent, reverse)


def _admits_some(
    rows: npt.NDArray[np.int32], of: IntVec, frontier: IntVec, useful: BoolMat
) -> BoolMat:
    """Per candidate (in other-side group ``of``), whether its side shows some frontier
    class an id that can make a hop; the others can not be hit, and are dropped at once."""
    groups = np.unique(of)
    admits = np.zeros(len(rows), dtype=bool)
    for lo in range(0, len(frontier), 2048):
        chunk = frontier[lo : lo + 2048]
        admits[groups] |= useful[rows[np.ix_(groups, chunk)]].any(axis=1)
    out: BoolMat = admits[of]
    return out


def _pack(bits: BoolMat, words: int) -> npt.NDArray[np.uint64]:
    """Rows of booleans as little-endian bitsets of ``words`` uint64 words."""
    packed = np.packbits(bits, axis=1, bitorder="little")
    out = np.zeros((len(bits), words * 8), dtype=np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view(np.uint64)


def _or_bits(ids: npt.NDArray[np.int32], words: int) -> npt.NDArray[np.uint64]:
    """Per row, the set of ids present, as a bitset."""
    present = np.zeros((len(ids), words * 64), dtype=bool)
    present[np.arange(len(ids))[:, None], ids] = True
    return _pack(present, words)


@dataclass
class Search:
    """The result of a search: hop distance (-1 unreached) and one parent per class."""

    graph: HopGraph
    start: IntVec
    dist: IntVec
    parent: IntVec
    reverse: bool

    def path_to(self, goal: int) -> list[int]:
        """One shortest class path from a start class to ``goal`` (in edge direction)."""
        if self.dist[goal] < 0:
            return []
        path = [goal]
        cur = goal
        for _ in range(int(self.dist[goal])):
            cur = int(self.parent[cur])
            path.append(cur)
        return path if self.reverse else path[::-1]

    def all_paths_to(self, goal: int, limit: int = 20) -> list[list[int]]:
        """Up to ``limit`` shortest class paths from the start set to ``goal`` (forward only)."""
        k = int(self.dist[goal])
        if k < 0 or self.reverse:
            return [self.path_to(goal)] if k >= 0 else []
        graph = self.graph
        internal = graph.internal
        starts = set(self.start.tolist())
        out: list[list[int]] = []

        def back(node: int, suffix: list[int], remaining: int) -> None:
            if len(out) >= limit:
                return
            if remaining == 1:
                preds = [p for p in np.flatnonzero(graph.column(node)).tolist() if p in starts]
            else:
                ok = graph.column(node) & internal & (self.dist == remaining - 1)
                preds = np.flatnonzero(ok).tolist()
            for p in preds:
                if remaining == 1:
                    out.append([p, node, *suffix])
                    if len(out) >= limit:
                        return
                else:
                    back(p, [node, *suffix], remaining - 1)

        back(goal, [], k)
        return out
