"""Large arrays made in memory that arrays gone held (``reach.engine.arraypool``), and the
stacks ``taken_each`` does not make again."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine import arraypool
from reach.engine.rowbuffer import appended, empty_rows, extends
from reach.engine.taking import Taking, _sources, taken, taken_each

BIG = (1 << 24) // 4 + 64  # int32 elements over arraypool.SMALLEST


def _address(a: np.ndarray) -> int:
    address: int = a.__array_interface__["data"][0]
    return address


@pytest.fixture(autouse=True)
def no_slabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no slab kept (others' would fit its arrays too)."""
    monkeypatch.setattr(arraypool, "_slabs", [])


@pytest.fixture
def pooled_small(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every array arraypool makes is pooled, however small."""
    monkeypatch.setattr(arraypool, "SMALLEST", 0)
    yield


def test_a_large_arrays_memory_is_used_again_once_it_is_gone() -> None:
    first = arraypool.empty((BIG,), np.int32)
    where = _address(first)
    del first
    elsewhere = np.empty((BIG,), np.int32)  # would take the memory, had it gone back
    again = arraypool.empty((BIG - 8,), np.int32)  # a little smaller: the slab fits
    assert _address(again) == where != _address(elsewhere)


def test_memory_a_view_still_holds_is_not_used_again() -> None:
    first = arraypool.empty((2, BIG // 2), np.int32)
    row = first[1]  # a view alone keeps the slab
    first[1] = 7
    del first
    other = arraypool.empty((2, BIG // 2), np.int32)
    other[:] = 0
    assert (row == 7).all()


def test_small_arrays_and_much_smaller_ones_are_not_put_in_a_slab() -> None:
    small = arraypool.empty((100,), np.int32)
    assert small.base is None
    big = arraypool.empty((4 * BIG,), np.int32)
    where = _address(big)
    del big
    quarter = arraypool.empty((BIG,), np.int32)  # a quarter of the slab: a slab of its own
    assert _address(quarter) != where


def test_free_slabs_beyond_the_kept_number_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arraypool, "KEPT_FREE", 2)
    sizes = [BIG * (2**k) for k in range(5)]  # none fits another: each a slab
    for size in sizes:
        arraypool.empty((size,), np.int32)
    free, viewed = arraypool.kept_bytes()
    assert viewed == 0
    assert len(arraypool._slabs) == 3  # two free kept, and the last made
    assert free == sum(s.nbytes for s in arraypool._slabs)


def test_arrays_of_other_types_view_a_slab_with_their_shape() -> None:
    a = arraypool.empty((BIG // 8, 4), np.int64)
    a[:] = np.arange(4)
    assert a.shape == (BIG // 8, 4) and a.dtype == np.int64
    assert a[-1].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("pool", ["large only", "every array"])
def test_rows_of_a_pooled_buffer_are_appended_in_place(
    pool: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pool == "every array":
        monkeypatch.setattr(arraypool, "SMALLEST", 0)
    width = 4096 if pool == "large only" else 4
    rows = empty_rows(1100, width, np.dtype(np.int32))  # large only: over 16 MiB
    rows[:] = 1
    more = appended(rows, np.full((3, width), 2, dtype=np.int32))
    assert _address(more) == _address(rows)  # no copy: after the rows, in their buffer
    assert extends(more, rows)
    again = appended(more, np.full((1, width), 3, dtype=np.int32))
    assert _address(again) == _address(rows)
    assert again[-4:, 0].tolist() == [2, 2, 2, 3] and (again[:1100] == 1).all()
    branch = appended(more, np.full((1, width), 9, dtype=np.int32))  # not the latest: a copy
    assert _address(branch) != _address(rows)
    assert again[-1, 0] == 3 and branch[-1, 0] == 9
    assert extends(branch, more) and not extends(branch, again)


def test_the_rows_taken_each_made_are_not_stacked_again(pooled_small: None) -> None:
    take = Taking(np.array([2, 0, -1, 1]))
    vectors = [np.array([i, i + 1, i + 2]) for i in range(5)]
    first = taken_each(take, vectors, None, -1)
    order, blocks = _sources(first)
    assert order is None and [_address(b) for b in blocks] == [_address(first[0])]  # theirs
    order, blocks = _sources(first[::-1])  # (small: stacked, not looked for)
    assert order is None and _address(blocks[0]) != _address(first[0])
    again = taken_each(Taking(np.array([3, 2, 1, 0])), first, None, -1)
    assert [v.tolist() for v in again] == [list(reversed(v.tolist())) for v in first]
    # the rows of one call in another order, or a part of them: stacked, and right
    shuffled = taken_each(Taking(np.array([0, 1, 2, 3])), first[::-1], None, -1)
    assert [v.tolist() for v in shuffled] == [v.tolist() for v in first[::-1]]


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 6),
    width=st.integers(1, 6),
    pool_everything=st.booleans(),
)
def test_taken_each_is_a_take_of_each_vector(
    data: st.DataObject, n: int, width: int, pool_everything: bool
) -> None:
    """Chains of takes, each of the last one's rows (some dropped, reordered or kept as
    they are): every row is ``taken`` of its vector, whatever memory was used again."""
    smallest = arraypool.SMALLEST
    arraypool.SMALLEST = 0 if pool_everything else smallest
    try:
        vectors = [np.arange(width) * 10 + i for i in range(n)]
        for _ in range(4):
            at = np.array(data.draw(st.lists(st.integers(-1, width - 1), min_size=1, max_size=7)))
            kind = data.draw(st.sampled_from(["same", "reversed", "part"]))
            chosen = (
                vectors
                if kind == "same"
                else vectors[::-1]
                if kind == "reversed"
                else vectors[: max(1, len(vectors) - 1)]
            )
            expected = [taken(v, at, -5).tolist() for v in chosen]
            vectors = taken_each(Taking(at), chosen, None, -5)
            assert [v.tolist() for v in vectors] == expected
            width = len(at)
    finally:
        arraypool.SMALLEST = smallest
