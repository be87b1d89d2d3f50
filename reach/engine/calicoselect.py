"""Calico selector expressions evaluated over many label sets at once.

Each leaf of the expression (``reach.model.calicoselector.leaves``) is one vectorized
comparison over a :class:`LabelIndex` column; ``!``, ``&&`` and ``||`` combine the
vectors. Used for endpoint labels (one row per label class): a selector costs a few
numpy operations, never a loop over pods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec
from reach.engine.labelindex import LabelIndex
from reach.model.calicoselector import (
    All,
    And,
    Equal,
    Global,
    Has,
    In,
    Not,
    NotEqual,
    NotIn,
    Or,
    Selector,
    StringTest,
)


class SelectorIndex:
    """Answers of Calico selectors over the rows of a :class:`LabelIndex` (cached)."""

    def __init__(self, index: LabelIndex) -> None:
        self.index = index
        self._cache: dict[Selector, BoolVec] = {}

    def extended(self, rows: Sequence[tuple[tuple[str, str], ...]]) -> SelectorIndex:
        """These answers over the index's rows with ``rows`` after them: every answer
        cached is kept, with the new rows' answers after it (asked of them alone)."""
        out = SelectorIndex(self.index.extended(rows))
        more = SelectorIndex(LabelIndex(rows))
        out._cache = {
            selector: _frozen(np.concatenate([hit, more.select(selector)]))
            for selector, hit in self._cache.items()
        }
        return out

    def select(self, selector: Selector) -> BoolVec:
        """Rows the selector matches (none is a non-namespaced resource); do not modify."""
        hit = self._cache.get(selector)
        if hit is None:
            hit = self._cache[selector] = _frozen(self._evaluate(selector))
        return hit

    def _evaluate(self, selector: Selector) -> BoolVec:
        n = self.index.n
        if isinstance(selector, Not):
            return ~self.select(selector.operand)
        if isinstance(selector, And):
            out = np.ones(n, dtype=bool)
            for operand in selector.operands:
                out &= self.select(operand)
            return out
        if isinstance(selector, Or):
            out = np.zeros(n, dtype=bool)
            for operand in selector.operands:
                out |= self.select(operand)
            return out
        if isinstance(selector, All):
            return np.ones(n, dtype=bool)
        if isinstance(selector, Global):
            return np.zeros(n, dtype=bool)
        col, codes = self.index.column(selector.key)
        if isinstance(selector, Has):
            has: BoolVec = col >= 0
            return has
        if isinstance(selector, Equal | NotEqual):
            code = codes.get(selector.value)
            equal: BoolVec = col == code if code is not None else np.zeros(n, dtype=bool)
            return equal if isinstance(selector, Equal) else ~equal
        if isinstance(selector, In | NotIn):
            member = _member(col, [codes[v] for v in selector.values if v in codes])
            return member if isinstance(selector, In) else ~member
        assert isinstance(selector, StringTest)
        wanted = [code for value, code in codes.items() if selector.matches({selector.key: value})]
        return _member(col, wanted)


def _member(col: npt.NDArray[np.int32], codes: list[int]) -> BoolVec:
    """Rows whose code is one of ``codes`` (absent keys, -1, never are)."""
    if not codes:
        return np.zeros(len(col), dtype=bool)
    hit: BoolVec = np.isin(col, codes)
    return hit


def _frozen(hit: BoolVec) -> BoolVec:
    """``hit``, read-only (answers are cached and shared)."""
    hit.flags.writeable = False
    return hit
