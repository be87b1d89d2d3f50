"""Tests of reach.selectors: label selector parsing, validation and matching."""

from __future__ import annotations

from typing import Any

import pytest

from reach.errors import FieldError, ReachError
from reach.input.selectors import label_value, parse_labels, parse_selector
from reach.model.selectors import LabelSelector, Requirement

PATH = "spec.podSelector"


def sel(raw: Any) -> LabelSelector:
    return parse_selector(raw, PATH)


def expr(key: str, operator: str, *values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        out["values"] = list(values)
    return out


def exprs(*items: dict[str, Any]) -> LabelSelector:
    return sel({"matchExpressions": list(items)})


# -- matching -------------------------------------------------------------------------------


def test_empty_selector_matches_everything() -> None:
    for s in (
        sel(None),
        sel({}),
        sel({"matchLabels": {}, "matchExpressions": []}),
        LabelSelector(),
    ):
        assert s.is_empty()
        assert s.matches({})
        assert s.matches({"app": "web", "tier": "db"})
    assert not sel({"matchLabels": {"app": "web"}}).is_empty()


def test_match_labels() -> None:
    s = sel({"matchLabels": {"app": "web"}})
    assert s.matches({"app": "web"})
    assert s.matches({"app": "web", "tier": "front"})
    assert not s.matches({"app": "db"})
    assert not s.matches({})
    assert not s.matches({"App": "web"})  # keys are case-sensitive
    assert not s.matches({"app": "Web"})  # and so are values


def test_match_labels_are_anded() -> None:
    s = sel({"matchLabels": {"app": "web", "tier": "front"}})
    assert s.matches({"app": "web", "tier": "front", "x": "y"})
    assert not s.matches({"app": "web"})
    assert not s.matches({"tier": "front"})
    assert not s.matches({"app": "web", "tier": "back"})


def test_in() -> None:
    s = exprs(expr("env", "In", "prod", "staging"))
    assert s.matches({"env": "prod"})
    assert s.matches({"env": "staging"})
    assert not s.matches({"env": "dev"})
    assert not s.matches({})
    assert not s.matches({"other": "prod"})


def test_not_in_matches_objects_lacking_the_key() -> None:
    s = exprs(expr("env", "NotIn", "prod", "staging"))
    assert not s.matches({"env": "prod"})
    assert not s.matches({"env": "staging"})
    assert s.matches({"env": "dev"})
    assert s.matches({"env": ""})
    assert s.matches({})
    assert s.matches({"other": "prod"})


def test_exists() -> None:
    s = exprs(expr("env", "Exists"))
    assert s.matches({"env": "prod"})
    assert s.matches({"env": ""})
    assert not s.matches({})
    assert not s.matches({"other": "env"})


def test_does_not_exist_matches_objects_lacking_the_key() -> None:
    s = exprs(expr("env", "DoesNotExist"))
    assert s.matches({})
    assert s.matches({"other": "env"})
    assert not s.matches({"env": "prod"})
    assert not s.matches({"env": ""})


def test_match_labels_and_expressions_are_anded() -> None:
    s = sel(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [expr("env", "In", "prod"), expr("canary", "DoesNotExist")],
        }
    )
    assert s.matches({"app": "web", "env": "prod"})
    assert not s.matches({"app": "web", "env": "prod", "canary": "true"})
    assert not s.matches({"app": "web", "env": "dev"})
    assert not s.matches({"app": "db", "env": "prod"})
    assert not s.matches({"env": "prod"})


def test_contradictory_requirements_match_nothing() -> None:
    s = sel({"matchLabels": {"a": "x"}, "matchExpressions": [expr("a", "In", "y")]})
    for labels in ({}, {"a": "x"}, {"a": "y"}):
        assert not s.matches(labels)
    s = exprs(expr("a", "Exists"), expr("a", "DoesNotExist"))
    assert not s.matches({}) and not s.matches({"a": "x"})


def test_requirements_keep_their_order_and_values() -> None:
    s = sel({"matchLabels": {"app": "web"}, "matchExpressions": [expr("env", "NotIn", "a", "b")]})
    assert s.requirements == (
        Requirement("app", "In", frozenset({"web"})),
        Requirement("env", "NotIn", frozenset({"a", "b"})),
    )


def test_equal_selectors_are_equal_and_hash_equal() -> None:
    a = exprs(expr("env", "In", "a", "b"))
    b = exprs(expr("env", "In", "b", "a", "a"))
    assert a == b
    assert hash(a) == hash(b)
    assert a != exprs(expr("env", "NotIn", "a", "b"))


def test_selector_text() -> None:
    assert str(sel(None)) == "{}"
    s = sel(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                expr("env", "In", "prod", "dev"),
                expr("zone", "NotIn", "b", "a"),
                expr("canary", "Exists"),
                expr("legacy", "DoesNotExist"),
            ],
        }
    )
    assert str(s) == "app=web,env in (dev,prod),zone notin (a,b),canary,!legacy"


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


def test_yaml_scalars_in_selectors_match_their_string_form() -> None:
    s = sel({"matchLabels": {"canary": True, "version": 2}})
    assert s.matches({"canary": "true", "version": "2"})
    assert not s.matches({"canary": "True", "version": "2"})
    s = exprs(expr("n", "In", 1, False))
    assert s.matches({"n": "1"})
    assert s.matches({"n": "false"})
    assert not s.matches({"n": "0"})


def test_parse_labels() -> None:
    assert parse_labels(None, "metadata.labels") == {}
    assert parse_labels({"a": "x", "b": True, "c": 3}, "metadata.labels") == {
        "a": "x",
        "b": "true",
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
