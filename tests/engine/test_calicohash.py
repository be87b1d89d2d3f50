"""``engine.calicohash``: hashes made of every column, of one class, carried over a change
and taken into a new class order all agree with the definition (each class's hash: the
sum of the weights of the columns that hold it)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reach.engine.calicohash import (
    Columns,
    _weights,
    carried,
    class_hash,
    class_hashes,
    hashes_renumbered,
)

N = 6
NAMES = ["", "ns/a", "ns/b", "kns.x", "tier.p"]

raw_columns = st.dictionaries(
    st.sampled_from(NAMES),
    st.lists(st.lists(st.booleans(), min_size=N, max_size=N), min_size=1, max_size=4),
    max_size=5,
)


def _columns(raw: dict[str, list[list[bool]]]) -> Columns:
    return {name: [np.array(c, dtype=bool) for c in group] for name, group in raw.items()}


def _plain(columns: Columns, n: int) -> list[int]:
    """Each class's hash as the definition says."""
    return [
        sum(
            int(weight)
            for name, group in columns.items()
            for column, weight in zip(group, _weights(name, len(group)), strict=True)
            if column[c]
        )
        % 2**64
        for c in range(n)
    ]


@given(raw_columns, st.integers(0, N - 1))
def test_the_hashes_are_the_sums_of_the_weights_of_the_columns_holding_each_class(
    raw: dict[str, list[list[bool]]], at: int
) -> None:
    columns = _columns(raw)
    assert class_hashes(columns, N).tolist() == _plain(columns, N)
    assert class_hash(columns, at) == class_hashes(columns, N)[at]
    assert class_hash(columns, at).dtype == np.uint64


def test_dense_columns_are_hashed_as_sparse_ones() -> None:
    columns = {"ns/a": [np.ones(40, dtype=bool), np.arange(40) == 3], "": [np.arange(40) < 20]}
    assert class_hashes(columns, 40).tolist() == _plain(columns, 40)


@given(raw_columns, raw_columns, st.lists(st.booleans(), min_size=5, max_size=5))
def test_hashes_carried_over_a_change_are_those_made_after_it(
    before_raw: dict[str, list[list[bool]]],
    after_raw: dict[str, list[list[bool]]],
    keep: list[bool],
) -> None:
    """A policy kept keeps its arrays (not compared), others come, go, change in place or
    change their number of columns."""
    before = _columns(before_raw)
    after = _columns(after_raw)
    for name, kept in zip(NAMES, keep, strict=True):
        if kept and name in before:
            after[name] = before[name]
    carried_ = carried(class_hashes(before, N), before, after, N)
    assert carried_.tolist() == class_hashes(after, N).tolist()


@given(
    raw_columns,
    st.lists(st.integers(0, N - 1), min_size=1, max_size=N),
    st.integers(-1, N),
    st.sampled_from(NAMES),
    st.lists(st.lists(st.booleans(), min_size=N + 1, max_size=N + 1), max_size=5),
)
def test_hashes_renumbered_are_those_of_the_columns_in_the_new_order(
    raw: dict[str, list[list[bool]]],
    order: list[int],
    new_at: int,
    changed: str,
    group: list[list[bool]],
) -> None:
    """Classes taken in a new order (merged, gone, split: ``order``; a class made at
    ``new_at`` when not -1), with one policy's columns come, gone or of another number
    (as a Profile's come and go with pods)."""
    before = _columns(raw)
    at = min(new_at, len(order))
    source = np.array(order if at < 0 else [*order[:at], -1, *order[at:]], dtype=np.intp)
    after = {
        name: [np.where(source >= 0, column[np.maximum(source, 0)], True) for column in columns]
        for name, columns in before.items()
    }
    if len(group) != len(before.get(changed, [])):
        after.pop(changed, None)
        if group:
            after[changed] = [np.array(c[: len(source)], dtype=bool) for c in group]
    out = hashes_renumbered(class_hashes(before, N), before, after, source, at)
    assert [int(h) for h in out] == _plain(after, len(source))
