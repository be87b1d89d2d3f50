"""Rows appended to a compilation's rows without copying them.

A side's rows (``Reachability.egress_rows`` and ``ingress_rows``) are one 2-D array of
ids, classes by classes: at 100k pods, hundreds of megabytes. An update that computes some
rows again (:mod:`reach.engine.rowsagain`) appends them; copying every row for that costs
more than the update. So rows live in a buffer with room after them: the rows of a
reachability are a prefix of it, an update writes its rows after that prefix and takes a
longer prefix, and the reachability before keeps its own (shorter) prefix, whose rows no
one writes. Only the holder of the longest prefix appends in place; any other copies.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from reach.engine.arrays import PortSetIds

#: How many rows of each buffer (by id) are taken, while the buffer lives.
_taken: dict[int, int] = {}


def appended(rows: PortSetIds, fresh: PortSetIds) -> PortSetIds:
    """``rows`` followed by ``fresh``, as a prefix of a buffer with room after it."""
    n, k = len(rows), len(fresh)
    base = rows.base
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 2
        and base.shape[1] == rows.shape[1]
        and base.dtype == rows.dtype
        and _taken.get(id(base)) == n
        and n + k <= len(base)
        and rows.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    ):
        base[n : n + k] = fresh
        _taken[id(base)] = n + k
        return base[: n + k]
    buffer = _buffer(n + k + max(k, n // 8, 16), rows.shape[1], rows.dtype)
    buffer[:n] = rows
    buffer[n : n + k] = fresh
    _taken[id(buffer)] = n + k
    return buffer[: n + k]


def with_room(rows: PortSetIds, keep: list[int]) -> PortSetIds:
    """``rows[keep]``, as the prefix of a buffer with room after it (a compilation's rows:
    the first update then appends without copying them)."""
    n = len(keep)
    buffer = _buffer(n + max(n // 8, 16), rows.shape[1], rows.dtype)
    np.take(rows, keep, axis=0, out=buffer[:n])
    _taken[id(buffer)] = n
    return buffer[:n]


def empty_rows(n: int, width: int, dtype: np.dtype[Any]) -> PortSetIds:
    """``n`` rows to be written, as the prefix of a buffer with room after it (rows made
    anew by renumbering classes: the next update then appends without copying them)."""
    buffer = _buffer(n + max(n // 8, 16), width, dtype)
    _taken[id(buffer)] = n
    return buffer[:n]


def _buffer(size: int, width: int, dtype: np.dtype[Any]) -> PortSetIds:
    """An empty buffer of ``size`` rows, known to :data:`_taken` while it lives."""
    buffer: PortSetIds = np.empty((size, width), dtype=dtype)
    weakref.finalize(buffer, _taken.pop, id(buffer), None)
    return buffer
