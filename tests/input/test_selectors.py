"""Label selectors and labels from manifests: values, parsing and the errors that name the field
(``reach.input.selectors``)."""

from __future__ import annotations

from typing import Any

import pytest

from reach.errors import FieldError, ReachError
from reach.input.selectors import label_value, parse_labels, parse_selector
from reach.input.validation import each_problem
from reach.model.selectors import LabelSelector
from tests.builders import expr

PATH = "spec.podSelector"


def sel(raw: Any) -> LabelSelector:
    return parse_selector(raw, PATH)


def exprs(*items: dict[str, Any]) -> LabelSelector:
    return sel({"matchExpressions": list(items)})


# -- label values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (True, "true"),
        (False, "false"),
        (1, "1"),
        (0, "0"),
        (443, "443"),
        ("web", "web"),
        (None, ""),
    ],
)
def test_label_value(raw: Any, text: str) -> None:
    assert label_value(raw) == text


def test_yaml_scalars_that_are_not_strings_are_refused_in_selectors() -> None:
    # matchLabels is map[string]string and values []string: the API server (kubectl's
    # decoding) refuses `canary: true` or `version: 2`; reach no longer turns them into text.
    with pytest.raises(FieldError) as info:
        sel({"matchLabels": {"canary": True, "version": 2}})
    assert [p.path for p in each_problem(info.value)] == [
        f"{PATH}.matchLabels.canary",
        f"{PATH}.matchLabels.version",
    ]
    with pytest.raises(FieldError) as info:
        exprs(expr("n", "In", 1, False))
    assert len(each_problem(info.value)) == 2


def test_parse_labels() -> None:
    assert parse_labels(None, "metadata.labels") == {}
    assert parse_labels({"a": "x", "b": None, "c": "3"}, "metadata.labels") == {
        "a": "x",
        "b": "",
        "c": "3",
    }


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (["a"], "metadata.labels"),
        ("app=web", "metadata.labels"),
        ({"app": {"x": 1}}, "metadata.labels.app"),
        ({"app": ["x"]}, "metadata.labels.app"),
    ],
)
def test_parse_labels_errors(raw: Any, path: str) -> None:
    with pytest.raises(FieldError) as info:
        parse_labels(raw, "metadata.labels")
    assert info.value.path == path


# -- parse errors ---------------------------------------------------------------------------

E0 = f"{PATH}.matchExpressions[0]"


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        # not a mapping
        (["app"], PATH),
        ("app=web", PATH),
        (42, PATH),
        # unknown field (a typo must not silently widen the selector)
        ({"matchLabel": {"app": "web"}}, f"{PATH}.matchLabel"),
        ({"matchLabels": {"app": "web"}, "extra": 1}, f"{PATH}.extra"),
        # matchLabels
        ({"matchLabels": ["app"]}, f"{PATH}.matchLabels"),
        ({"matchLabels": {"app": {"x": "y"}}}, f"{PATH}.matchLabels.app"),
        # matchExpressions
        ({"matchExpressions": {"key": "a", "operator": "Exists"}}, f"{PATH}.matchExpressions"),
        ({"matchExpressions": ["a"]}, E0),
        ({"matchExpressions": [{"operator": "Exists"}]}, f"{E0}.key"),
        ({"matchExpressions": [{"key": "", "operator": "Exists"}]}, f"{E0}.key"),
        ({"matchExpressions": [{"key": 3, "operator": "Exists"}]}, f"{E0}.key"),
        ({"matchExpressions": [expr("a", "Equals", "x")]}, f"{E0}.operator"),
        ({"matchExpressions": [expr("a", "in", "x")]}, f"{E0}.operator"),
        ({"matchExpressions": [{"key": "a"}]}, f"{E0}.operator"),
        ({"matchExpressions": [expr("a", "In")]}, f"{E0}.values"),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, f"{E0}.values"),
        ({"matchExpressions": [expr("a", "NotIn")]}, f"{E0}.values"),
        ({"matchExpressions": [expr("a", "Exists", "x")]}, f"{E0}.values"),
        ({"matchExpressions": [expr("a", "DoesNotExist", "x")]}, f"{E0}.values"),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]}, f"{E0}.values"),
        (
            {"matchExpressions": [expr("a", "Exists"), expr("b", "Nope")]},
            f"{PATH}.matchExpressions[1].operator",
        ),
    ],
)
def test_parse_selector_errors_name_the_field(raw: Any, path: str) -> None:
    with pytest.raises(FieldError) as info:
        sel(raw)
    err = info.value
    assert err.path == path
    assert err.message
    assert str(err) == f"{path}: {err.message}"
    assert isinstance(err, ReachError)


def test_unknown_operator_message_lists_the_valid_ones() -> None:
    with pytest.raises(FieldError) as info:
        exprs(expr("a", "Equals", "x"))
    assert "'Equals'" in info.value.message
    for op in ("In", "NotIn", "Exists", "DoesNotExist"):
        assert op in info.value.message


def test_parse_selector_uses_the_given_path() -> None:
    with pytest.raises(FieldError) as info:
        parse_selector(
            {"matchExpressions": [expr("a", "Bad")]}, "spec.ingress[2].from[0].podSelector"
        )
    assert info.value.path == "spec.ingress[2].from[0].podSelector.matchExpressions[0].operator"


def test_exists_and_does_not_exist_accept_an_empty_values_list() -> None:
    s = exprs({"key": "a", "operator": "Exists", "values": []})
    assert s.matches({"a": "x"})
    assert not s.matches({})


@pytest.mark.parametrize("bad", [{"x": "y"}, ["y"]])
def test_expression_values_must_be_scalars_like_match_labels(bad: Any) -> None:
    with pytest.raises(FieldError) as info:
        exprs({"key": "a", "operator": "In", "values": ["ok", bad]})
    assert info.value.path.startswith(f"{E0}.values")
