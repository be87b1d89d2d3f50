"""What generated policies can tell apart: pods grouped by namespace and labels.

A NetworkPolicy selects pods by their labels alone, so pods of one namespace with the
same labels are one *unit*: any set of NetworkPolicies treats them alike. A unit is
named after its workload (``web/frontend[Deployment]``), or its workloads when pods of
several share their labels. The connections a unit may open (``Wanted``) are per unit
pair and per outside address range, with their ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.reachability import Reachability
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


@dataclass(frozen=True)
class Unit:
    """Pods of one namespace with one label set."""

    namespace: str
    labels: tuple[tuple[str, str], ...]
    pods: IntVec = field(compare=False, hash=False)
    name: str = field(compare=False)  #: its workload(s), as ``reach list`` names them

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


#: (source, destination): a unit's index, or an outside range.
End = int | IPRange
#: The ports wanted from each source to each destination (absent: none).
Wanted = dict[tuple[End, End], PortSet]


def units(reachability: Reachability) -> list[Unit]:
    """The units of the pods, in namespace and label order."""
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = {}
    for i, pod in enumerate(reachability.pods):
        groups.setdefault((pod.namespace, pod.labels), []).append(i)
    out = []
    for (namespace, labels), pods in sorted(groups.items()):
        owners = sorted(dict.fromkeys(str(reachability.pods[i].owner) for i in pods))
        out.append(Unit(namespace, labels, np.array(pods, dtype=np.intp), " + ".join(owners)))
    return out


@dataclass
class Connections:
    """Today's connections of ``found`` units as one table: ``ids[x, y]``, the port-set id
    (``portsets``) from end ``x`` to end ``y``, the ends being the units (by index) then
    the outside segments; ``fixed``, the pairs of units of several classes, whose ports
    are the union over their classes (``None``: none)."""

    ids: PortSetIds
    portsets: list[PortSet]
    segments: list[IPRange]
    fixed: dict[tuple[int, int], PortSet | None]

    @property
    def k(self) -> int:
        """The number of units (the first ends)."""
        return len(self.ids) - len(self.segments)

    def __len__(self) -> int:
        """The number of pairs with some port (as in :meth:`wanted`)."""
        if self.fixed:
            return len(self.wanted())
        return int(np.count_nonzero(self.ids))

    def wanted(self, *, internal: bool = True) -> Wanted:
        """As a :data:`Wanted` (pairs with some port); without ``internal``, only the pairs
        of a unit with an outside range."""
        k, ids = self.k, self.ids
        if not internal:
            ids = ids.copy()
            ids[:k, :k] = 0
        rows, cols = np.nonzero(ids)
        portsets = self.portsets
        values = [portsets[i] for i in ids[rows, cols].tolist()]
        ends_of = [*range(k), *self.segments]  # position among the ends: unit or segment
        srcs, dsts = (list(map(ends_of.__getitem__, x.tolist())) for x in (rows, cols))
        out: Wanted = dict(zip(zip(srcs, dsts, strict=True), values, strict=True))
        for (a, b), ports in self.fixed.items():
            pair = (ends_of[a], ends_of[b])
            if ports is not None and (internal or a >= k or b >= k):
                out[pair] = ports
            else:
                out.pop(pair, None)
        return out


def as_wanted(wanted: Wanted | Connections) -> Wanted:
    """``wanted`` as a :data:`Wanted` (a table of today's connections made one)."""
    return wanted.wanted() if isinstance(wanted, Connections) else wanted


def current(reachability: Reachability, found: list[Unit]) -> Wanted:
    """Today's connections between units, and between units and outside ranges (see
    :func:`connections`)."""
    return connections(reachability, found).wanted()


def connections(reachability: Reachability, found: list[Unit]) -> Connections:
    """Today's connections between units, and between units and outside ranges: from
    each pod's class (two different pods for a unit to itself), in one lookup of the
    port-set ids of every pair of the units' classes (a unit of several classes, which
    named ports resolved differently can make, gets the union of theirs)."""
    n = reachability.n_internal
    classes = _unit_classes(reachability, found)
    first = np.array([c[0] for c in classes], dtype=np.intp)
    segments = np.arange(n, n + len(reachability.segments), dtype=np.intp)
    ends = np.concatenate([first, segments])
    distinct, position = np.unique(ends, return_inverse=True)  # units share classes
    ids = reachability.ids(distinct, distinct)[np.ix_(position, position)]
    k = len(found)
    ids[k:, k:] = 0  # outside to outside: not ours
    lone = [a for a, u in enumerate(found) if len(u.pods) < 2]
    ids[lone, lone] = 0  # a pod is never a hop from itself
    several = [a for a, c in enumerate(classes) if len(c) > 1]
    fixed: dict[tuple[int, int], PortSet | None] = {}
    for a in several:  # rare: the union over every class of the unit
        for b in range(len(ends)):
            for key in ((a, b), (b, a)):
                src, dst = (_classes(classes, ends, x, k) for x in key)
                ports = _union(reachability, src, dst)
                keep = ports and not (key[0] == key[1] and len(found[a].pods) < 2)
                fixed[key] = ports if keep else None
    return Connections(ids, reachability.atoms.portsets, list(reachability.segments), fixed)


def _unit_classes(reachability: Reachability, found: list[Unit]) -> list[IntVec]:
    """The classes of each unit's pods, ascending (one sort over all pods)."""
    if not found:
        return []
    n = reachability.n_classes
    unit_of = np.concatenate([np.full(len(u.pods), a, dtype=np.intp) for a, u in enumerate(found)])
    pods = np.concatenate([u.pods for u in found])
    pairs = np.unique(unit_of * n + reachability.pod_class[pods])
    bounds = np.searchsorted(pairs, np.arange(len(found) + 1) * n)
    return [
        pairs[lo:hi] - a * n for a, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def _end(reachability: Reachability, x: int, k: int) -> End:
    """Position ``x`` among the ends: a unit, or (past the units) an outside segment."""
    return x if x < k else reachability.segments[x - k]


def _classes(classes: list[IntVec], ends: IntVec, x: int, k: int) -> IntVec:
    return classes[x] if x < k else ends[x : x + 1]


def _union(reachability: Reachability, src: IntVec, dst: IntVec) -> PortSet:
    out = PortSet.empty()
    for s in src.tolist():
        for d in dst.tolist():
            out |= reachability.ports(s, d)
    return out
