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
