"""Port-set ids ANDed element by element, by tables kept per right-hand id.

The mesh layer ANDs each ingress row (one port-set id per class) with a row of what a
sidecar admits, whose ids are few: one table per such id, over the left-hand ids, filled
as they are asked, answers each element by a lookup. Sorting the pairs of every row
(``np.unique``) instead took 1.1 s of a class renumbered beside the mesh at 100k pods
(1,755 rows of 23,470 classes; docs/performance.md).
"""

from __future__ import annotations

import numpy as np

from reach.engine.arrays import PortSetIds
from reach.engine.atoms import PortAtoms

#: A table entry not asked yet.
_UNKNOWN = -1


class AndTables:
    """``ids(a) & ids(b)`` element by element, with tables kept across calls (``atoms``
    may grow between them: the ids it interns are its own)."""

    def __init__(self, atoms: PortAtoms) -> None:
        self.atoms = atoms
        self._tables: dict[int, PortSetIds] = {}

    def __call__(self, a: PortSetIds, b: PortSetIds) -> PortSetIds:
        """The id of ``mask(a[i]) & mask(b[i])`` for every i."""
        present = np.flatnonzero(np.bincount(b, minlength=1)).tolist()
        if len(present) == 1:
            out: PortSetIds = self._table(present[0], a)[a]
            return out
        out = np.empty(len(a), dtype=np.int32)
        for v in present:
            where = b == v
            part = a[where]
            out[where] = self._table(v, part)[part]
        return out

    def _table(self, v: int, ids: PortSetIds) -> PortSetIds:
        """The table of right-hand id ``v``, its entries of ``ids`` filled."""
        size = len(self.atoms.values)
        table = self._tables.get(v)
        if table is None or len(table) < size:
            grown = np.full(size, _UNKNOWN, dtype=np.int32)
            if table is not None:
                grown[: len(table)] = table
            table = self._tables[v] = grown
        missing = np.unique(ids[table[ids] == _UNKNOWN]).tolist()
        if missing:
            values, right = self.atoms.values, self.atoms.values[v]
            table[missing] = [self.atoms.intern_int(values[u] & right) for u in missing]
        return table
