"""The state codes of Calico's tiers (``calicotiers._states``): each class's code names
which tiers apply to it and whether it is host-networked, numbered in the order of the
classes that first have them, as a walk over the classes one by one numbers them."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reach.engine.calicotiers import _states


def _one_by_one(
    applying: np.ndarray, host: np.ndarray
) -> tuple[list[int], list[tuple[tuple[bool, ...], bool]]]:
    codes: dict[tuple[tuple[bool, ...], bool], int] = {}
    of = [
        codes.setdefault((tuple(applying[c].tolist()), bool(host[c])), len(codes))
        for c in range(len(host))
    ]
    return of, list(codes)


@given(
    st.integers(0, 40).flatmap(
        lambda n: st.tuples(
            st.integers(0, 4).flatmap(
                lambda t: st.lists(
                    st.lists(st.booleans(), min_size=t, max_size=t), min_size=n, max_size=n
                )
            ),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    )
)
def test_state_codes_are_numbered_by_first_appearance(
    data: tuple[list[list[bool]], list[bool]],
) -> None:
    rows, host_list = data
    tiers = len(rows[0]) if rows else 0
    applying = np.array(rows, dtype=bool).reshape(len(host_list), tiers)
    host = np.array(host_list, dtype=bool)
    of, states = _states(applying, host)
    expected_of, expected_states = _one_by_one(applying, host)
    assert of.tolist() == expected_of
    assert states == expected_states
