"""``engine.calicohash``: the hash of one class made alone is the one every class's hashes
give it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reach.engine.calicohash import class_hash, class_hashes


@given(
    st.lists(st.lists(st.booleans(), min_size=6, max_size=6), max_size=30),
    st.integers(0, 5),
)
def test_the_hash_of_one_class_is_its_hash_among_all(answers: list[list[bool]], at: int) -> None:
    columns = {
        ("ns/p", "ingress", k, "selected"): np.array(column, dtype=bool)
        for k, column in enumerate(answers)
    }
    assert class_hash(columns, at) == class_hashes(columns, 6)[at]
    assert class_hash(columns, at).dtype == np.uint64
