"""Packing a boolean matrix's columns (reach.engine.bitpack) as ``np.packbits`` does."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.bitpack import packed_columns


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(0, 40),
    width=st.integers(0, 12),
    seed=st.integers(0, 2**32 - 1),
    transposed=st.booleans(),
)
def test_packed_columns_are_packbits_along_the_first_axis(
    height: int, width: int, seed: int, transposed: bool
) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.random((width, height) if transposed else (height, width)) < 0.5
    if transposed:  # a strided view, as callers pass slices and transposes
        matrix = matrix.T
    out = packed_columns(matrix)
    expected = np.packbits(matrix, axis=0).T
    assert out.shape == expected.shape
    assert np.array_equal(out, expected)
    assert out.flags.c_contiguous
    # each row's bytes tell columns apart exactly when their bits differ
    for a in range(width):
        for b in range(width):
            same = bool(np.array_equal(matrix[:, a], matrix[:, b]))
            assert (out[a].tobytes() == out[b].tobytes()) == same
