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

from reach.engine import arraypool
from reach.engine.arrays import PortSetIds

#: How many rows of each buffer (by id) are taken, while the buffer lives.
_taken: dict[int, int] = {}
#: The rows each buffer (by id) was made from by :func:`appended`, while it lives: their
#: address and number (the buffer's first rows are a copy of them).
_copied: dict[int, tuple[int, int]] = {}


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
        and _address(rows) == _address(base)
    ):
        base[n : n + k] = fresh
        _taken[id(base)] = n + k
        return base[: n + k]
    buffer = _buffer(n + k + max(k, n // 8, 16), rows.shape[1], rows.dtype)
    buffer[:n] = rows
    buffer[n : n + k] = fresh
    _taken[id(buffer)] = n + k
    _copied[id(buffer)] = (_address(rows), n)
    return buffer[: n + k]


def extends(rows: PortSetIds, earlier: PortSetIds) -> bool:
    """Whether ``rows`` are ``earlier`` (alive) followed by others, as :func:`appended`
    made them: in the same buffer, or copied into a new one when it had no room."""
    if rows is earlier:
        return True
    if len(rows) < len(earlier) or rows.shape[1:] != earlier.shape[1:]:
        return False
    if _address(rows) == _address(earlier):
        return True
    base = rows.base
    return (
        isinstance(base, np.ndarray)
        and _address(rows) == _address(base)
        and _copied.get(id(base)) == (_address(earlier), len(earlier))
    )


def _address(rows: np.ndarray[Any, Any]) -> int:
    address: int = rows.__array_interface__["data"][0]
    return address


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
    buffer: PortSetIds = arraypool.empty((size, width), dtype)
    weakref.finalize(buffer, _forget, id(buffer))
    return buffer


def _forget(key: int) -> None:
    _taken.pop(key, None)
    _copied.pop(key, None)
