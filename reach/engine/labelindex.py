"""Vectorized label-selector matching over many label sets at once.

Each label key becomes an integer column (the value's code, -1 when the key is
absent), so a requirement is one numpy comparison over all rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec
from reach.model.selectors import LabelSelector, Requirement


class LabelIndex:
    """Label sets (rows) indexed for fast selector evaluation."""

    def __init__(self, rows: Sequence[tuple[tuple[str, str], ...]]) -> None:
        self.n = len(rows)
        self.rows = rows
        self._codes: dict[str, dict[str, int]] = {}
        cols: dict[str, list[tuple[int, int]]] = {}
        for i, labels in enumerate(rows):
            for k, v in labels:
                vals = self._codes.setdefault(k, {})
                code = vals.setdefault(v, len(vals))
                cols.setdefault(k, []).append((i, code))
        self._columns: dict[str, npt.NDArray[np.int32]] = {}
        for k, entries in cols.items():
            col = np.full(self.n, -1, dtype=np.int32)
            idx = np.fromiter((e[0] for e in entries), dtype=np.int64, count=len(entries))
            col[idx] = np.fromiter((e[1] for e in entries), dtype=np.int32, count=len(entries))
            self._columns[k] = col
        self._cache: dict[LabelSelector, BoolVec] = {}

    def extended(self, rows: Sequence[tuple[tuple[str, str], ...]]) -> LabelIndex:
        """This index with ``rows`` after its own (the codes of values it knows kept)."""
        out = LabelIndex(())
        out.n, out.rows = self.n + len(rows), [*self.rows, *rows]
        out._codes = dict(self._codes)
        cols: dict[str, list[tuple[int, int]]] = {}
        for i, labels in enumerate(rows, start=self.n):
            for k, v in labels:
                vals = out._codes.get(k, {})
                if vals is self._codes.get(k):  # copied before it changes
                    vals = dict(vals)
                out._codes[k] = vals
                cols.setdefault(k, []).append((i, vals.setdefault(v, len(vals))))
        for k in {*self._columns, *cols}:
            col = np.full(out.n, -1, dtype=np.int32)
            old = self._columns.get(k)
            if old is not None:
                col[: self.n] = old
            for i, code in cols.get(k, ()):
                col[i] = code
            out._columns[k] = col
        return out

    def replaced(self, rows: dict[int, tuple[tuple[str, str], ...]]) -> LabelIndex:
        """This index with the rows at the keys of ``rows`` replaced by their values (the
        columns and codes of values they do not touch shared; the codes of values no row
        holds any more kept, which nothing selects)."""
        out = LabelIndex(())
        out.n, out.rows = self.n, list(self.rows)
        out._codes, out._columns = dict(self._codes), dict(self._columns)
        for i, labels in rows.items():
            new = dict(labels)
            for k in {k for k, _ in out.rows[i]} | new.keys():
                col = out._columns.get(k)
                if col is None or col is self._columns.get(k):  # copied before it changes
                    col = out._columns[k] = (
                        np.full(self.n, -1, dtype=np.int32) if col is None else col.copy()
                    )
                if k in new:
                    vals = out._codes.get(k)
                    if vals is None or vals is self._codes.get(k):  # copied before it changes
                        vals = out._codes[k] = dict(vals or {})
                    col[i] = vals.setdefault(new[k], len(vals))
                else:
                    col[i] = -1
            out.rows[i] = labels
        return out

    def select(self, selector: LabelSelector) -> BoolVec:
        """Rows matched by the selector (cached; do not modify the result)."""
        hit = self._cache.get(selector)
        if hit is None:
            hit = np.ones(self.n, dtype=bool)
            for req in selector.requirements:
                hit &= self._requirement(req)
            hit.flags.writeable = False
            self._cache[selector] = hit
        return hit

    def column(self, key: str) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
        """The codes of ``key`` per row (-1: absent) and the code of each value."""
        col = self._columns.get(key)
        if col is None:
            col = np.full(self.n, -1, dtype=np.int32)
        return col, self._codes.get(key, {})

    def _requirement(self, req: Requirement) -> BoolVec:
        col = self._columns.get(req.key)
        if col is None:
            col = np.full(self.n, -1, dtype=np.int32)
        if req.operator in ("Exists", "DoesNotExist"):
            present = col >= 0
            return present if req.operator == "Exists" else ~present
        known = self._codes.get(req.key, {})
        codes = [known[v] for v in req.values if v in known]
        member = np.isin(col, codes) if codes else np.zeros(self.n, dtype=bool)
        # NotIn matches rows lacking the key as well.
        return member if req.operator == "In" else ~member
