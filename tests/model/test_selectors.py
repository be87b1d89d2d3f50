"""Label selectors: matching, equality and text (``reach.model.selectors``)."""

from __future__ import annotations

from typing import Any

from reach.input.selectors import parse_selector
from reach.model.selectors import LabelSelector, Requirement
from tests.builders import expr

PATH = "spec.podSelector"


def sel(raw: Any) -> LabelSelector:
    return parse_selector(raw, PATH)


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
