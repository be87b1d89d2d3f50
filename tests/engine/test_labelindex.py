"""Tests of reach.engine.labelindex: vectorized selector matching equals per-row matching."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.labelindex import LabelIndex
from reach.input.selectors import parse_selector
from reach.model.selectors import LabelSelector

Row = tuple[tuple[str, str], ...]


def row(**labels: str) -> Row:
    return tuple(sorted(labels.items()))


def sel(raw: Any) -> LabelSelector:
    return parse_selector(raw, "spec.podSelector")


def expected(rows: list[Row], selector: LabelSelector) -> list[bool]:
    return [selector.matches(dict(r)) for r in rows]


def selected(index: LabelIndex, selector: LabelSelector) -> list[bool]:
    return [bool(x) for x in index.select(selector)]


ROWS = [
    row(app="web", env="prod"),
    row(app="web", env="dev"),
    row(app="db", env="prod", tier="back"),
    row(),
    row(app="", env="prod"),
    row(tier="front"),
]


def test_empty_selector_selects_every_row() -> None:
    idx = LabelIndex(ROWS)
    assert selected(idx, LabelSelector()) == [True] * len(ROWS)


def test_match_labels() -> None:
    idx = LabelIndex(ROWS)
    assert selected(idx, sel({"matchLabels": {"app": "web"}})) == [1, 1, 0, 0, 0, 0]
    assert selected(idx, sel({"matchLabels": {"app": "web", "env": "prod"}})) == [1, 0, 0, 0, 0, 0]
    assert selected(idx, sel({"matchLabels": {"app": ""}})) == [0, 0, 0, 0, 1, 0]


def test_each_operator() -> None:
    idx = LabelIndex(ROWS)

    def one(op: str, *values: str) -> list[bool]:
        e: dict[str, Any] = {"key": "app", "operator": op}
        if values:
            e["values"] = list(values)
        s = sel({"matchExpressions": [e]})
        result = selected(idx, s)
        assert result == expected(ROWS, s)
        return result

    assert one("In", "web", "db") == [1, 1, 1, 0, 0, 0]
    assert one("NotIn", "web") == [0, 0, 1, 1, 1, 1]  # rows without app match NotIn
    assert one("Exists") == [1, 1, 1, 0, 1, 0]
    assert one("DoesNotExist") == [0, 0, 0, 1, 0, 1]


def test_unknown_keys_and_values() -> None:
    idx = LabelIndex(ROWS)
    in_unknown_value = sel(
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["x"]}]}
    )
    assert selected(idx, in_unknown_value) == [False] * 6
    notin_unknown_key = sel(
        {"matchExpressions": [{"key": "zz", "operator": "NotIn", "values": ["x"]}]}
    )
    assert selected(idx, notin_unknown_key) == [True] * 6
    assert (
        selected(idx, sel({"matchExpressions": [{"key": "zz", "operator": "Exists"}]})) == [0] * 6
    )
    absent = sel({"matchExpressions": [{"key": "zz", "operator": "DoesNotExist"}]})
    assert selected(idx, absent) == [True] * 6
    assert selected(idx, sel({"matchLabels": {"zz": "web"}})) == [False] * 6


def test_value_of_one_key_does_not_match_another_key() -> None:
    idx = LabelIndex([row(a="x"), row(b="x"), row(a="y", b="x")])
    assert selected(idx, sel({"matchLabels": {"b": "x"}})) == [False, True, True]
    assert selected(idx, sel({"matchLabels": {"a": "x"}})) == [True, False, False]


def test_requirements_are_anded() -> None:
    idx = LabelIndex(ROWS)
    s = sel(
        {
            "matchLabels": {"env": "prod"},
            "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}],
        }
    )
    assert selected(idx, s) == [1, 0, 0, 0, 1, 0]


def test_no_rows() -> None:
    idx = LabelIndex([])
    assert len(idx.select(LabelSelector())) == 0
    assert len(idx.select(sel({"matchLabels": {"a": "b"}}))) == 0


def test_repeated_and_interleaved_selects_give_the_same_answers() -> None:
    idx = LabelIndex(ROWS)
    a = sel({"matchLabels": {"app": "web"}})
    b = sel({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]})
    first_a, first_b = selected(idx, a), selected(idx, b)
    assert selected(idx, a) == first_a == expected(ROWS, a)
    assert selected(idx, b) == first_b == expected(ROWS, b)
    equal_to_a = sel({"matchLabels": {"app": "web"}})
    assert selected(idx, equal_to_a) == first_a


# -- property: the index agrees with LabelSelector.matches ----------------------------------

KEYS = ["a", "b", "c", "d"]
VALUES = ["x", "y", "z", ""]

label_rows = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4).map(
    lambda d: tuple(sorted(d.items()))
)


@st.composite
def expressions(draw: st.DrawFn) -> dict[str, Any]:
    # Keys and values may be absent from every row ("e", "w").
    key = draw(st.sampled_from([*KEYS, "e"]))
    op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    out: dict[str, Any] = {"key": key, "operator": op}
    if op in ("In", "NotIn"):
        out["values"] = draw(st.lists(st.sampled_from([*VALUES, "w"]), min_size=1, max_size=3))
    return out


selectors = st.fixed_dictionaries(
    {},
    optional={
        "matchLabels": st.dictionaries(
            st.sampled_from([*KEYS, "e"]), st.sampled_from([*VALUES, "w"]), max_size=2
        ),
        "matchExpressions": st.lists(expressions(), max_size=3),
    },
).map(sel)


@settings(max_examples=200)
@given(st.lists(label_rows, max_size=12), st.lists(selectors, min_size=1, max_size=4))
def test_select_equals_per_row_matching(rows: list[Row], sels: list[LabelSelector]) -> None:
    idx = LabelIndex(rows)
    for s in [*sels, *reversed(sels)]:  # again in another order: cached answers stay right
        result = idx.select(s)
        assert result.shape == (len(rows),)
        assert result.dtype == bool
        assert result.tolist() == expected(rows, s)


@settings(max_examples=200)
@given(
    st.lists(label_rows, min_size=1, max_size=10),
    st.data(),
    st.lists(selectors, min_size=1, max_size=4),
)
def test_rows_replaced_select_as_an_index_of_the_new_rows(
    rows: list[Row], data: st.DataObject, sels: list[LabelSelector]
) -> None:
    """An index with some rows replaced (keys and values gone, new ones) answers as an
    index made of the new rows, and the index it was made from as it did."""
    idx = LabelIndex(rows)
    idx.select(sels[0])  # an answer cached before: the replaced index must not share it
    # (the others are asked of the old index only after: its columns must be its own)
    at = data.draw(st.lists(st.integers(0, len(rows) - 1), unique=True, max_size=len(rows)))
    new = {i: data.draw(label_rows) for i in at}
    replaced = idx.replaced(new)
    after = [new.get(i, r) for i, r in enumerate(rows)]
    for s in sels:
        assert replaced.select(s).tolist() == expected(after, s)
        assert idx.select(s).tolist() == expected(rows, s)
