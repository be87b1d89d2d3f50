"""reach.engine.projections: the class of each projected key, renumbered as one array;
checked against a dictionary renumbered entry by entry (what it replaced)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reach.engine.projections import Projections

KEYS = [("ns", ((f"k{i}", "v"),), "sa", False, False, None, ()) for i in range(12)]


def test_a_renumbered_key_has_its_new_class_and_a_gone_one_none() -> None:
    p = Projections()
    p.put(KEYS[0], 0)
    p.put(KEYS[1], 1)
    p.put(KEYS[2], 2)
    after = p.renumbered(np.array([1, -1, 0, -1, -1], dtype=np.intp))
    assert (after.get(KEYS[0]), after.get(KEYS[1]), after.get(KEYS[2])) == (1, None, 0)
    assert len(after) == 2
    assert (p.get(KEYS[0]), p.get(KEYS[1]), len(p)) == (0, 1, 3)  # the old one unchanged


def test_a_copy_and_the_original_are_apart() -> None:
    p = Projections()
    p.put(KEYS[0], 3)
    q = p.copy()
    q.put(KEYS[0], 4)
    q.put(KEYS[1], 5)
    assert (p.get(KEYS[0]), p.get(KEYS[1]), len(p)) == (3, None, 1)
    assert (q.get(KEYS[0]), q.get(KEYS[1]), len(q)) == (4, 5, 2)


def test_without_leaves_out_the_keys_it_is_told_and_keeps_the_rest() -> None:
    p = Projections()
    for i, key in enumerate(KEYS[:4]):
        p.put(key, i)
    q = p.without(lambda key: key[1][0][0] in ("k1", "k2"))
    assert [q.get(k) for k in KEYS[:4]] == [0, None, None, 3]
    assert len(q) == 2


def test_a_key_put_again_after_its_class_went_counts_once() -> None:
    p = Projections()
    p.put(KEYS[0], 0)
    after = p.renumbered(np.array([-1, -1, -1], dtype=np.intp))
    assert len(after) == 0 and after.get(KEYS[0]) is None
    after.put(KEYS[0], 2)
    assert len(after) == 1 and after.get(KEYS[0]) == 2


def test_a_class_given_as_a_numpy_integer_counts_as_an_int() -> None:
    p = Projections()
    p.put(KEYS[0], np.intp(2))  # type: ignore[arg-type]
    p.put(KEYS[0], np.intp(3))  # type: ignore[arg-type]
    after = p.renumbered(np.array([-1, -1, -1, 0], dtype=np.intp))
    after.put(KEYS[0], np.intp(-1))  # type: ignore[arg-type]
    assert (p.get(KEYS[0]), len(p), after.get(KEYS[0]), len(after)) == (3, 1, None, 0)


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 11), st.integers(-1, 6)),
        st.tuples(st.just("renumber"), st.lists(st.integers(-1, 6), min_size=7, max_size=7)),
        st.tuples(st.just("copy")),
        st.tuples(st.just("without"), st.integers(0, 11)),
    ),
    max_size=30,
)


@given(OPS)
def test_projections_agree_with_a_dictionary_renumbered_entry_by_entry(ops: list[tuple]) -> None:
    p, d = Projections(), {}
    for op in ops:
        if op[0] == "put":
            p.put(KEYS[op[1]], op[2])
            d[KEYS[op[1]]] = op[2]
        elif op[0] == "renumber":
            table = np.array(op[1], dtype=np.intp)
            p = p.renumbered(table)
            d = {k: (int(table[c]) if c >= 0 else -1) for k, c in d.items()}
        elif op[0] == "copy":
            p = p.copy()
        else:
            gone = KEYS[op[1]]
            p = p.without(lambda key, gone=gone: key == gone)
            d.pop(gone, None)
        live = {k: c for k, c in d.items() if c >= 0}
        assert {k: p.get(k) for k in KEYS} == {k: live.get(k) for k in KEYS}
        assert len(p) == len(live)


def test_compiled_keys_are_projected_a_namespace_at_a_time_when_first_asked() -> None:
    from reach.engine.keyanswers import KeyAnswers

    answers = KeyAnswers([], [], {}, [], None)  # type: ignore[arg-type]
    a = [("a", ((f"k{i}", "v"),), "sa", False, False, None, ()) for i in range(3)]
    b = [("b", ((f"k{i}", "v"),), "sa", False, False, None, ()) for i in range(3)]
    known, classes = [*a, *b], [0, 0, -1, 1, 1, 1]
    asked = ("a", (("other", "x"),), "sa", False, False, None, ())  # no selector reads it
    assert answers.projected_class(asked, known, classes) == 0
    assert answers.projected.spaces == {"a"}
    assert len(answers.projected) == 1  # a's keys (one projection); none of b's yet
    assert answers.projected.get(answers.projection(b[0])) is None
    assert answers.projected_class(("b", (), "sa", False, False, None, ()), known, classes) == 1
    assert answers.projected.spaces == {"a", "b"}
    kept = answers.projected.renumbered(np.array([1, 0], dtype=np.intp))
    assert kept.spaces == {"a", "b"} and kept.copy().spaces == {"a", "b"}
    assert kept.without(lambda key: key[0] == "b").spaces == {"a", "b"}  # not asked again
