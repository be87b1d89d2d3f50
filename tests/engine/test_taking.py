"""reach.engine.taking.Taking: ``vector[..., at]`` with a fill where ``at`` is -1, by runs
of consecutive indices, or element by element when there are many (checked against numpy
indexing)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.taking import Taking


def _reference(vector: np.ndarray, at: np.ndarray, fill: int, rows: np.ndarray | None) -> list:
    source = vector if rows is None else vector[rows]
    out = source[..., np.maximum(at, 0)].copy()
    out[..., at < 0] = fill
    return out.tolist()


def test_many_moves_are_taken_element_by_element_with_the_fills() -> None:
    vector = np.arange(3 * 40, dtype=np.int32).reshape(3, 40)
    at = np.array([39 - i if i % 5 else -1 for i in range(40)])  # reversed: 40 runs
    take = Taking(at)
    assert len(take.runs) > 16
    assert take(vector, -7).tolist() == _reference(vector, at, -7, None)
    rows = np.array([2, 0, 2])
    assert take(vector, -7, rows=rows).tolist() == _reference(vector, at, -7, rows)
    many = np.arange(700) % 3  # more rows than are gathered at a time
    assert take(vector, -7, rows=many).tolist() == _reference(vector, at, -7, many)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_take_is_numpy_indexing_with_the_fill(data: st.DataObject) -> None:
    width, height = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 300))
    shuffled = data.draw(st.booleans())
    vector = np.arange(height * width, dtype=np.int32).reshape(height, width)
    at = np.array(data.draw(st.lists(st.integers(-1, width - 1), min_size=1, max_size=60)))
    if not shuffled:  # runs: the indices in order, some gone
        at = np.sort(at)
    rows = None
    which = data.draw(st.sampled_from(["none", "some", "every row in order"]))
    if which == "some":
        rows = np.array(data.draw(st.lists(st.integers(0, height - 1), min_size=1, max_size=300)))
    elif which == "every row in order":  # copied as slices, not gathered
        rows = np.arange(height)
    take = Taking(at)
    assert take(vector, -1, rows=rows).tolist() == _reference(vector, at, -1, rows)
    assert take(vector[0], -1).tolist() == _reference(vector[0], at, -1, None)


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=12),
    st.lists(st.integers(-1, 5), min_size=1, max_size=8),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.booleans(),
)
def test_vectors_shared_by_identity_are_taken_once_and_stay_shared(
    which: list[int], order: list[int], fills: list[bool], with_fills: bool
) -> None:
    """``taken_each`` of vectors some of which are one object (rules of equal peers share
    one array): each taken as ``vector[at]`` with its fill, and those of one object and
    fill are one row."""
    from reach.engine.taking import taken_each

    rng = np.random.default_rng(len(which) * 31 + len(order))
    objects = [rng.random(6) < 0.5 for _ in range(4)]
    vectors = [objects[k] for k in which]
    at = np.array(order, dtype=np.intp)
    own = fills[: len(vectors)] if with_fills else None
    out = taken_each(Taking(at), vectors, own, False)
    for k, (vector, row) in enumerate(zip(vectors, out, strict=True)):
        fill = own[k] if own is not None else False
        assert row.tolist() == _reference(vector, at, fill, None)
        for j in range(k):
            same = vectors[j] is vector and (own is None or (at >= 0).all() or own[j] == own[k])
            assert (out[j] is row) == same


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_rows_an_earlier_take_made_are_taken_as_any_vector(data: st.DataObject) -> None:
    """``taken_each`` of rows of arrays earlier calls made (in any order, some twice, some
    of another call's array) and vectors of no such array: each as ``vector[at]``."""
    from unittest.mock import patch

    from reach.engine import taking
    from reach.engine.taking import taken_each

    with patch.object(taking, "_LOOKED_FROM", 0):  # rows looked for however small
        _rows_taken_as_any_vector(data, taken_each)


def _rows_taken_as_any_vector(data: st.DataObject, taken_each) -> None:
    width = data.draw(st.integers(1, 12))
    rng = np.random.default_rng(width)
    every = Taking(np.arange(width))
    made = [
        taken_each(
            every,
            [rng.random(width) < 0.5 for _ in range(data.draw(st.integers(1, 9)))],
            None,
            False,
        )
        for _ in range(2)
    ]
    loose = [rng.random(width) < 0.5 for _ in range(3)]
    pool = [*made[0], *made[1], *loose]
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=30))
    vectors = [pool[k] for k in picks]
    at = np.array(data.draw(st.lists(st.integers(-1, width - 1), min_size=1, max_size=20)))
    fills = data.draw(
        st.none() | st.lists(st.booleans(), min_size=len(vectors), max_size=len(vectors))
    )
    out = taken_each(Taking(at), vectors, fills, False)
    for k, (vector, row) in enumerate(zip(vectors, out, strict=True)):
        fill = fills[k] if fills is not None else False
        assert row.tolist() == _reference(vector, at, fill, None)


def test_rows_of_an_earlier_take_are_not_stacked_again(monkeypatch) -> None:
    """A renumbering takes the rules' peers the last one made: runs of rows of its array
    are taken from it as they are (a stack of 13,500 peers cost 45-70 ms at 100k pods)."""
    from reach.engine import taking
    from reach.engine.taking import taken_each

    rows = taken_each(Taking(np.arange(5)), [np.arange(5) + 10 * i for i in range(6)], None, 0)
    other = taken_each(Taking(np.arange(5)), [np.arange(5) + 100 * i for i in range(3)], None, 0)

    def no_stack(vectors: list) -> np.ndarray:
        raise AssertionError("stacked again")

    monkeypatch.setattr(taking, "_stack", no_stack)
    monkeypatch.setattr(taking, "_LOOKED_FROM", 0)
    at = np.array([0, -1, 1, 2, 3, 4])
    picked = [rows[4], rows[5], rows[0], rows[1], rows[2], rows[1]]
    out = taken_each(Taking(at), picked, None, -1)
    assert [r.tolist() for r in out] == [_reference(v, at, -1, None) for v in picked]
    for a, b in ((rows, other), (other, rows)):  # a row and the next of another array
        picked = [b[1], a[0]]
        out = taken_each(Taking(at), picked, None, -1)
        assert [r.tolist() for r in out] == [_reference(v, at, -1, None) for v in picked]


def test_a_view_that_took_the_place_of_a_row_gone_is_not_that_row() -> None:
    """A row handed out and gone may leave its id to a new view of the same array (of
    another row): the rows are known by identity, not by id."""
    from unittest.mock import patch

    from reach.engine import taking
    from reach.engine.taking import taken_each

    made = taken_each(Taking(np.arange(3)), [np.arange(3) + 10 * i for i in range(5)], None, 0)
    with patch.object(taking, "_LOOKED_FROM", 0):  # its rows known by their ids
        taken_each(Taking(np.arange(3)), [made[4], made[2]], None, 0)
    owner, gone = made[0].base, id(made[2])
    made[2] = made[0]  # row 2 is referenced no more
    views = [owner[4] for _ in range(200)]  # one of them likely takes its id
    same = [v for v in views if id(v) == gone]
    assert same, "no view took the id of the row gone (the interpreter reuses memory so)"
    with patch.object(taking, "_LOOKED_FROM", 0):
        out = taken_each(Taking(np.array([2, 1, 0])), [same[0], made[1]], None, 0)
    assert out[0].tolist() == [42, 41, 40]
    assert out[1].tolist() == [12, 11, 10]
