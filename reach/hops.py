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

from .engine import IntVec, Reachability
from .ports import PortSet

BoolMat = npt.NDArray[np.bool_]


class HopGraph:
    """Class adjacency (optionally restricted to hops that allow some port of a filter)."""

    def __init__(self, reach: Reachability, ports: PortSet | None = None) -> None:
        self.reach = reach
        self.ports = ports
        atoms = reach.atoms
        reach.and_table()  # intern every pair result first, so ``ok`` covers all ids
        if ports is None:
            ok = np.ones(len(atoms.values), dtype=bool)
        else:
            touch = atoms.to_int(atoms.touching(ports))
            ok = np.array([bool(v & touch) for v in atoms.values], dtype=bool)
        ok[atoms.empty_id] = False
        total = reach.n_classes
        adj: BoolMat = np.empty((total, total), dtype=bool)
        for lo in range(0, total, 1024):
            rows = np.arange(lo, min(total, lo + 1024))
            ids = reach.ids(rows, slice(None))
            adj[rows] = ok[ids]
        # allowed[c, c] is about two different pods of class c; a class of one pod has no
        # such pair (a pod reaching itself is not a hop).
        sizes = np.bincount(reach.pod_class, minlength=reach.n_internal)
        lone = np.flatnonzero(sizes == 1)
        adj[lone, lone] = False
        self.adj = adj
        self.internal = np.zeros(reach.n_classes, dtype=bool)
        self.internal[: reach.n_internal] = True

    def search(self, start: IntVec, reverse: bool = False, max_hops: int | None = None) -> Search:
        """Breadth-first search from ``start`` classes, forward or against the edges."""
        adj = self.adj.T if reverse else self.adj
        n = len(adj)
        dist = np.full(n, -1, dtype=np.intp)
        parent = np.full(n, -1, dtype=np.intp)
        expanded = np.zeros(n, dtype=bool)
        frontier = np.zeros(n, dtype=bool)
        frontier[start] = True  # a start is expanded even when external: it is where we stand
        level = 0
        while frontier.any() and (max_hops is None or level < max_hops):
            level += 1
            expanded |= frontier
            rows = np.flatnonzero(frontier)
            sub = adj[rows]
            hit = sub.any(axis=0)
            new = hit & (dist < 0)
            new_idx = np.flatnonzero(new)
            if len(new_idx):
                dist[new_idx] = level
                parent[new_idx] = rows[np.argmax(sub[:, new_idx], axis=0)]
            frontier = new & ~expanded & self.internal
        return Search(self, np.asarray(start, dtype=np.intp), dist, parent, reverse)


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
        adj = self.graph.adj
        internal = self.graph.internal
        starts = set(self.start.tolist())
        out: list[list[int]] = []

        def back(node: int, suffix: list[int], remaining: int) -> None:
            if len(out) >= limit:
                return
            if remaining == 1:
                preds = [p for p in np.flatnonzero(adj[:, node]).tolist() if p in starts]
            else:
                ok = adj[:, node] & internal & (self.dist == remaining - 1)
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
