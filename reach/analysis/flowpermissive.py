"""The over-permissive part of ``reach flows check``: per workload pair the view allows,
the ports no observed flow used.

The allowed pairs come from the view in blocks of node indices (a generated 10k-pod
cluster allows about a million workload pairs), as arrays; the ports observed between a
pair are subtracted only for the pairs some flow went between, found with one sorted
lookup. The answer is a sequence that makes its entries when they are read: the text
shows the first few, the JSON all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from reach.analysis.views import View
from reach.engine.arrays import IntVec
from reach.model.ports import Intervals, PortSet


@dataclass
class OverPermissive:
    """Ports a workload pair is allowed that no observed flow used."""

    src: str
    dst: str
    ports: PortSet
    observed: bool  #: whether some flow went between the two at all

    def to_dict(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "unobserved": str(self.ports),
            "ports": self.ports.to_json(),
            "pair_observed": self.observed,
        }


class PairList(Sequence[OverPermissive]):
    """Over-permissive pairs held as arrays of node indices and port sets; an
    :class:`OverPermissive` is made for each entry read."""

    def __init__(
        self,
        names: list[str],
        src: IntVec,
        dst: IntVec,
        ports: IntVec,
        pool: list[PortSet],
        observed: npt.NDArray[np.bool_],
    ) -> None:
        self._names, self._src, self._dst = names, src.tolist(), dst.tolist()
        self._ports, self._pool, self._observed = ports.tolist(), pool, observed.tolist()

    def __len__(self) -> int:
        return len(self._src)

    @overload
    def __getitem__(self, index: int) -> OverPermissive: ...

    @overload
    def __getitem__(self, index: slice) -> list[OverPermissive]: ...

    def __getitem__(self, index: int | slice) -> OverPermissive | list[OverPermissive]:
        if isinstance(index, slice):
            return [self._entry(k) for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._entry(index)

    def __iter__(self) -> Iterator[OverPermissive]:
        return (self._entry(k) for k in range(len(self)))

    def _entry(self, k: int) -> OverPermissive:
        names = self._names
        return OverPermissive(
            names[self._src[k]],
            names[self._dst[k]],
            self._pool[self._ports[k]],
            self._observed[k],
        )


def over_permissive(view: View, used: Iterable[tuple[str, str, str, int]]) -> PairList:
    """Per workload pair ``view`` allows, in the order of its nodes, the ports no flow of
    ``used`` (source node, destination node, protocol, port) went on."""
    nodes = view.nodes
    names = [node.id for node in nodes]
    position = {name: k for k, name in enumerate(names)}
    n = len(nodes)
    seen: dict[int, dict[str, set[int]]] = {}
    last: tuple[str, str, dict[str, set[int]] | None] = ("", "", None)
    for src_name, dst_name, protocol, port in used:  # sorted: a pair's flows come together
        if (src_name, dst_name) != last[:2]:
            a, b = position.get(src_name), position.get(dst_name)
            into = seen.setdefault(a * n + b, {}) if a is not None and b is not None else None
            last = (src_name, dst_name, into)
        if last[2] is not None:
            last[2].setdefault(protocol, set()).add(port)
    src, dst, ids = _workload_edges(view)
    pool = list(view.reachability.atoms.portsets)
    observed = np.zeros(len(src), dtype=bool)
    if seen and len(src):
        keys = src.astype(np.int64) * n + dst
        known = np.array(sorted(seen), dtype=np.int64)
        at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        observed = known[at] == keys
        rows = np.flatnonzero(observed)
        old, new = ids[rows].tolist(), []
        made: dict[PortSet, int] = {}
        for i, key in zip(old, keys[rows].tolist(), strict=True):
            rest = _without(pool[i], seen[key])
            if rest.is_empty():
                new.append(-1)
                continue
            if rest not in made:
                made[rest] = len(pool)
                pool.append(rest)
            new.append(made[rest])
        ids[rows] = new
        keep = ids >= 0
        src, dst, ids, observed = src[keep], dst[keep], ids[keep], observed[keep]
    return PairList(names, src, dst, ids, pool, observed)


def _workload_edges(view: View) -> tuple[IntVec, IntVec, IntVec]:
    """``(src nodes, dst nodes, port-set ids)`` of the pairs of workloads ``view`` allows,
    in the order of :meth:`View.edge_blocks`."""
    workload = np.array([node.type == "workload" for node in view.nodes], dtype=bool)
    parts: list[tuple[IntVec, IntVec, IntVec]] = []
    for src, dst, ids in view.edge_blocks():
        keep = workload[src] & workload[dst]
        parts.append((src[keep], dst[keep], ids[keep]))
    if not parts:
        none = np.zeros(0, dtype=np.intp)
        return none, none, none.copy()
    src, dst, ids = (np.concatenate(x).astype(np.intp) for x in zip(*parts, strict=True))
    return src, dst, ids


def _without(ports: PortSet, used: dict[str, set[int]]) -> PortSet:
    """``ports`` less single ports of some protocols: what ``ports - PortSet.of(...) - ...``
    gives, without the general interval algebra."""
    sctp, tcp, udp = (
        _cut(intervals, sorted(used[protocol])) if protocol in used else intervals
        for protocol, intervals in ports.items()
    )
    return PortSet(sctp, tcp, udp)


def _cut(intervals: Intervals, ports: list[int]) -> Intervals:
    """Sorted disjoint ``intervals`` less the sorted ``ports``; the pieces stay apart, as
    a normalized port set's intervals are."""
    out: list[tuple[int, int]] = []
    k = 0
    for lo, hi in intervals:
        while k < len(ports) and ports[k] < lo:
            k += 1
        start = lo
        while k < len(ports) and ports[k] <= hi:
            if ports[k] > start:
                out.append((start, ports[k] - 1))
            start = ports[k] + 1
            k += 1
        if start <= hi:
            out.append((start, hi))
    return tuple(out)
