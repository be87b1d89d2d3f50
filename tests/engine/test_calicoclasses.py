"""The classes that answer a new key's columns as it does (``calicoclasses.answering``),
against the plain filter column by column."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.calicoclasses import answering


def _plain(candidates: np.ndarray, columns: list[np.ndarray], answers: list[bool]) -> list[int]:
    """Each candidate kept when every column holds it exactly where the answer is yes."""
    return [
        c
        for c in candidates.tolist()
        if all(bool(column[c]) == a for column, a in zip(columns, answers, strict=True))
    ]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_candidates_answering_every_column_are_the_plain_filters(data: st.DataObject) -> None:
    """Columns shared by several places (as rules share their policy's subjects) and
    answered otherwise at two of them leave no candidate; few and many candidates, and
    classes that answer exactly as the key (so that some candidates stay)."""
    n = data.draw(st.integers(1, 40))
    arrays = data.draw(
        st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=6)
    )
    pool = [np.array(a, dtype=bool) for a in arrays]
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=30))
    columns = [pool[i] for i in picks]  # the same arrays at several places
    like = data.draw(st.integers(0, n - 1))  # a class whose answers the key has, or not
    answers = [bool(column[like]) for column in columns]
    if data.draw(st.booleans()):
        flip = data.draw(st.integers(0, len(answers) - 1))
        answers[flip] = not answers[flip]
    candidates = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1)))), dtype=np.intp)
    found = answering(candidates, columns, answers)
    assert found.tolist() == _plain(candidates, columns, answers)
