"""Rows appended after a reachability's rows: in place for the latest, a copy otherwise."""

from __future__ import annotations

import numpy as np

from reach.engine.rowbuffer import appended


def test_appending_to_the_latest_rows_writes_after_them_in_place() -> None:
    rows = np.arange(6, dtype=np.int32).reshape(3, 2)
    first = appended(rows, np.array([[7, 8]], dtype=np.int32))
    second = appended(first, np.array([[9, 9]], dtype=np.int32))
    assert second.base is first.base  # the same buffer, a longer prefix
    assert second.tolist() == [[0, 1], [2, 3], [4, 5], [7, 8], [9, 9]]
    assert first.tolist() == [[0, 1], [2, 3], [4, 5], [7, 8]]  # the earlier prefix as it was


def test_appending_to_an_earlier_prefix_copies_and_leaves_the_later_rows() -> None:
    rows = np.zeros((2, 2), dtype=np.int32)
    first = appended(rows, np.ones((1, 2), dtype=np.int32))
    later = appended(first, np.full((1, 2), 5, dtype=np.int32))
    branch = appended(first, np.full((1, 2), 7, dtype=np.int32))  # from first, not later
    assert later.tolist() == [[0, 0], [0, 0], [1, 1], [5, 5]]
    assert branch.tolist() == [[0, 0], [0, 0], [1, 1], [7, 7]]
    assert branch.base is not later.base
