"""The label class that answers for a behaviour class when its first one can no more
(``classes.least_members``: pods gone, keys forgotten; the policy, Calico and forgetting
ways all take it)."""

from __future__ import annotations

import numpy as np

from reach.engine.classes import least_members


def test_a_class_is_answered_for_by_its_least_label_class_that_qualifies() -> None:
    """``least_members``: the least label class of each class asked (negative: in none),
    -1 for a class with none, whatever the order the classes are asked in."""
    of = np.array([2, -1, 0, 2, -1, 0, 3], dtype=np.intp)
    asked = np.array([2, 0, 1, 3, 5], dtype=np.intp)
    assert least_members(of, asked).tolist() == [0, 2, -1, 6, -1]
    assert least_members(np.full(3, -1, dtype=np.intp), asked).tolist() == [-1] * 5
    assert least_members(of, np.zeros(0, dtype=np.intp)).tolist() == []
