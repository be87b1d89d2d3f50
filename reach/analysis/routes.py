"""Shortest routes from a start set of pods to a destination set (``reach path``).

The search runs over behaviour classes (:mod:`reach.analysis.hops`); three rules
make its answer exact pod by pod:

- A hop joins two different pods. A class pair stands for the pod pairs of its two
  classes, except a pod with itself (:meth:`Ends.distinct`).
- A start pod is reached again only from another pod. The search gives each class
  the distance of its first pods reached, which for a class holding start pods are
  its other pods; the start pods' own distance is worked out apart
  (:func:`start_pod_goal`).
- A route is printed as the start, the classes between, and the destination, so two
  class paths that differ only in their first or last class are one route
  (:func:`all_routes` lists each once and counts them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reach.analysis.hops import HopGraph, Search
from reach.analysis.refs import Target
from reach.engine.arrays import BoolVec
from reach.engine.reachability import Reachability


class Ends:
    """The pods of one end of a query, by class (an outside address holds no pods)."""

    def __init__(self, reachability: Reachability, target: Target) -> None:
        self.classes = target.classes(reachability)
        self._pods: dict[int, frozenset[int]] = {}
        for pod, cls in zip(
            target.pods.tolist(), reachability.pod_class[target.pods].tolist(), strict=True
        ):
            self._pods[cls] = self._pods.get(cls, frozenset()) | {pod}

    def pods_in(self, cls: int) -> frozenset[int]:
        return self._pods.get(cls, frozenset())

    def distinct(self, other: Ends, s: int, d: int) -> bool:
        """Whether class pair (s, d) holds a pod of this end and a *different* pod of
        ``other``: not when both ends hold one and the same pod of the class."""
        if s != d:
            return True
        mine, theirs = self.pods_in(s), other.pods_in(d)
        return not (len(mine) == 1 and mine == theirs)


@dataclass(frozen=True)
class Goal:
    """A destination class reached at ``dist`` hops; ``via`` is the class of the last hop
    when the search's parents do not give it (a start pod reached again)."""

    cls: int
    dist: int
    via: int | None = None


def goals(
    graph: HopGraph, search: Search, start: Ends, dest: Ends, max_hops: int | None
) -> list[Goal]:
    """The destination classes at the shortest distance (empty: not reachable)."""
    found: list[Goal] = []
    n = graph.reachability.n_internal
    for d in dest.classes.tolist():
        pods = dest.pods_in(d)
        if (d >= n or pods - start.pods_in(d)) and search.dist[d] > 0:
            found.append(Goal(d, int(search.dist[d])))
        if pods & start.pods_in(d):
            again = start_pod_goal(graph, search, start, d, max_hops)
            if again is not None:
                found.append(again)
    if not found:
        return []
    best = min(g.dist for g in found)
    return [g for g in found if g.dist == best]


def start_pod_goal(
    graph: HopGraph, search: Search, start: Ends, d: int, max_hops: int | None
) -> Goal | None:
    """How far the start pods of class ``d`` are from the other start pods and the pods
    reached on the way (a pod is never a hop from itself)."""
    into = graph.column(d)
    for s in start.classes.tolist():
        if into[s] and (s != d or len(start.pods_in(d)) >= 2):
            return Goal(d, 1, s)
    # Later: from a pod reached on the way. Those are never start pods (start pods hop at
    # once), so the pod they reach is always another one.
    reached: BoolVec = into & (search.dist > 0) & graph.internal
    if not reached.any():
        return None
    dist = np.where(reached, search.dist, np.iinfo(np.intp).max)
    via = int(np.argmin(dist))
    k = int(dist[via]) + 1
    if max_hops is not None and k > max_hops:
        return None
    return Goal(d, k, via)


def route_to(search: Search, goal: Goal) -> list[int]:
    """One shortest class path from a start class to the goal."""
    if goal.via is None:
        return search.path_to(goal.cls)
    if goal.dist == 1:
        return [goal.via, goal.cls]
    return [*search.path_to(goal.via), goal.cls]


@dataclass(frozen=True)
class Route:
    """A shortest path: its classes from start to destination, and the node it passes
    through on each class between the ends (indices into the view's nodes)."""

    classes: list[int]
    stops: list[int]


def all_routes(
    graph: HopGraph,
    search: Search,
    found: list[Goal],
    limit: int,
    stops: Callable[[int], list[int]],
) -> tuple[list[Route], int]:
    """Up to ``limit`` shortest routes that differ in the nodes between the ends, in the
    order of ``stops`` (the nodes a path can pass on a class), and how many there are."""
    k = found[0].dist
    if k == 1:
        return [Route(route_to(search, found[0]), [])], 1
    layers = [
        sorted(lay, key=lambda c: (stops(c), c)) for lay in _useful_layers(graph, search, found, k)
    ]
    if not layers[0]:
        return [], 0
    links = [graph.hop(np.array(a), np.array(b)) for a, b in zip(layers, layers[1:], strict=False)]
    weight = [np.array([len(stops(c)) for c in layer], dtype=object) for layer in layers]
    count = weight[0]  # Python ints: route counts grow fast
    for link, w in zip(links, weight[1:], strict=True):
        count = (count @ link.astype(object)) * w
    routes: list[Route] = []

    def walk(path: list[int]) -> None:
        """Extend ``path`` (positions in the layers) to whole routes, in order."""
        if len(routes) >= limit:
            return
        if len(path) == len(layers):
            mid = [layers[i][j] for i, j in enumerate(path)]
            for nodes in _products([stops(c) for c in mid], limit - len(routes)):
                routes.append(Route(_complete(graph, search, found, mid), nodes))
            return
        step = len(path)
        nexts = range(len(layers[0])) if step == 0 else np.flatnonzero(links[step - 1][path[-1]])
        for j in nexts:
            walk([*path, int(j)])

    walk([])
    return routes, int(sum(count))


def _products(choices: list[list[int]], limit: int) -> list[list[int]]:
    """Up to ``limit`` picks of one item from each list, in order."""
    out: list[list[int]] = [[]]
    for options in choices:
        out = [[*done, o] for done in out for o in options][:limit]
    return out


def _useful_layers(graph: HopGraph, search: Search, found: list[Goal], k: int) -> list[list[int]]:
    """The classes at 1 .. k-1 hops that lie on some shortest route, layer by layer, in
    class order (backward from the goals)."""
    targets = np.array([g.cls for g in found], dtype=np.intp)
    layers: list[list[int]] = []
    for level in range(k - 1, 0, -1):
        here = np.flatnonzero((search.dist == level) & graph.internal)
        if not len(here) or not len(targets):
            return [[] for _ in range(k - 1)]
        keep = graph.hop(here, targets).any(axis=1)
        targets = here[keep]
        layers.insert(0, targets.tolist())
    return layers


def _complete(graph: HopGraph, search: Search, found: list[Goal], mid: list[int]) -> list[int]:
    """A class path through the classes ``mid``: a start class before, a goal after."""
    first = int(search.parent[mid[0]])
    after = graph.hop(np.array([mid[-1]]), np.array([g.cls for g in found]))[0]
    return [first, *mid, found[int(np.argmax(after))].cls]
