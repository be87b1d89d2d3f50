"""Compiled reachability: per-class egress and ingress rows, and pairs on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.atoms import PortAtoms
from reach.engine.rules import CompiledRule
from reach.model.cluster import Cluster, Pod
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


@dataclass
class Reachability:
    """Allowed ports between every pair of classes.

    Classes ``0..n_internal-1`` are pod behaviour classes; class ``n_internal + i``
    is external segment ``segments[i]``. Nothing of size classes² is kept: the
    allowed ports of a pair are the AND of its source's egress row and its
    destination's ingress row (:meth:`ids`), computed for the pairs asked for.
    The ports of a class with itself are those between two *different* pods of
    the class.
    """

    cluster: Cluster
    pods: list[Pod]
    pod_class: IntVec
    segments: list[IPRange]
    atoms: PortAtoms
    #: Egress side: ``egress_rows[egress_group[s], d]`` is the id of what s's egress allows
    #: toward d.
    egress_rows: npt.NDArray[np.int32]
    egress_group: IntVec
    #: Ingress side: ``ingress_rows[ingress_group[d], s]`` is the id of what d's ingress
    #: admits from s.
    ingress_rows: npt.NDArray[np.int32]
    ingress_group: IntVec
    ingress_isolated: BoolVec
    egress_isolated: BoolVec
    n_internal: int
    ipv6: bool = False  # some ipBlock names an IPv6 CIDR
    rules: list[CompiledRule] = field(default_factory=list)
    #: ``policy_selected[i, c]``: policy ``cluster.policies[i]`` selects class c.
    policy_selected: BoolVec = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    warnings: list[str] = field(default_factory=list)
    _side_values: list[int] = field(default_factory=list)
    _and: npt.NDArray[np.int32] | None = None

    @property
    def n_classes(self) -> int:
        return self.n_internal + len(self.segments)

    # -- the allowed ports of class pairs, computed from the two sides on demand ------------
    def and_table(self) -> npt.NDArray[np.int32]:
        """``table[e, i]``: the id of ``mask(e) & mask(i)`` for every pair of side ids."""
        k = len(self._side_values)
        if self._and is None:
            vals = self._side_values
            out = np.empty((k, k), dtype=np.int32)
            for a in range(k):
                va = vals[a]
                out[a] = [self.atoms.intern_int(va & vb) for vb in vals]
            self._and = out
        return self._and

    def ids(self, src: IntVec | slice, dst: IntVec | slice) -> npt.NDArray[np.int32]:
        """Port-set ids (``atoms.portsets``) of every pair ``src x dst``; 0 is nothing."""
        s = np.arange(self.n_classes)[src] if isinstance(src, slice) else np.asarray(src)
        d = np.arange(self.n_classes)[dst] if isinstance(dst, slice) else np.asarray(dst)
        table = self.and_table()
        eg = _rows(self.egress_rows, self.egress_group[s], dst)
        ing = _rows(self.ingress_rows, self.ingress_group[d], src).T
        eg *= len(table)  # eg is a fresh copy: index the flattened table in place
        eg += ing
        out: npt.NDArray[np.int32] = np.take(table.ravel(), eg)
        n = self.n_internal
        out[np.ix_(s >= n, d >= n)] = 0  # external to external is not ours to judge
        return out

    def pair_ids(self, src: IntVec, dst: IntVec) -> npt.NDArray[np.int32]:
        """Port-set ids of the pairs ``(src[k], dst[k])`` (element by element)."""
        table = self.and_table()
        out: npt.NDArray[np.int32] = table[
            self.egress_rows[self.egress_group[src], dst],
            self.ingress_rows[self.ingress_group[dst], src],
        ]
        out[(src >= self.n_internal) & (dst >= self.n_internal)] = 0
        return out

    def block(self, src: IntVec | slice, dst: IntVec | slice) -> npt.NDArray[np.uint64]:
        """Port masks ``(len(src), len(dst), W)`` of every pair."""
        return self.atoms.table[self.ids(src, dst)]

    def ports(self, src: int, dst: int) -> PortSet:
        return self.atoms.portsets[int(self.ids(np.array([src]), np.array([dst]))[0, 0])]


def _rows(
    table: npt.NDArray[np.int32], rows: IntVec, cols: IntVec | slice
) -> npt.NDArray[np.int32]:
    """``table[rows][:, cols]`` as one fresh array; a slice of columns copies contiguous runs."""
    if isinstance(cols, slice):
        out: npt.NDArray[np.int32] = table[rows, cols]
        return out
    picked: npt.NDArray[np.int32] = table[np.ix_(rows, np.asarray(cols))]
    return picked
