"""Label selectors and labels read from manifests, validated as the API server does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import validation
from reach.input.fields import describe
from reach.model.selectors import OPERATORS, LabelSelector, Requirement
from reach.words import excerpt


def label_value(value: Any) -> str:
    """Render a YAML scalar as text (``true``, ``1``); label values themselves must be
    strings (:func:`parse_labels` refuses others, as the API server does)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def parse_labels(raw: Any, path: str) -> dict[str, str]:
    """Parse a ``labels`` / ``matchLabels`` mapping of strings, every key and value checked
    as the API server does (one error listing every problem)."""
    return validation.labels(raw, path)


def parse_selector(raw: Any, path: str) -> LabelSelector:
    """Parse and validate a LabelSelector; ``None`` is the empty selector."""
    if raw is None:
        return LabelSelector()
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a label selector mapping, not {describe(raw)}")
    found = validation.Collector()
    found.problems += validation.known_fields(raw, path, ("matchLabels", "matchExpressions"))
    reqs: list[Requirement] = []
    labels = found.run(parse_labels, raw.get("matchLabels"), f"{path}.matchLabels") or {}
    for k, v in labels.items():
        reqs.append(Requirement(k, "In", frozenset([v]), plain=True))
    exprs = raw.get("matchExpressions")
    if exprs is None:
        exprs = []
    if not isinstance(exprs, list):
        raise FieldError(f"{path}.matchExpressions", f"must be a list, not {describe(exprs)}")
    for i, expr in enumerate(exprs):
        req = found.run(parse_requirement, expr, f"{path}.matchExpressions[{i}]")
        if req is not None:
            reqs.append(req)
    found.done()
    return LabelSelector(tuple(reqs))


def parse_requirement(
    expr: Any, path: str, key_part: Callable[[str], str] = lambda key: key
) -> Requirement:
    """One ``matchExpressions`` item, validated as the API server does; ``key_part`` gives
    the part of the key that must be a label key (Cilium keys carry a source prefix)."""
    if not isinstance(expr, Mapping):
        raise FieldError(
            path, f"must be a mapping with key, operator and values, not {describe(expr)}"
        )
    problems = validation.known_fields(expr, path, ("key", "operator", "values"))
    key = expr.get("key")
    if not isinstance(key, str) or not key:
        problems.append(FieldError(f"{path}.key", "is required and must be a non-empty string"))
    else:
        problems += validation.label_key(key_part(key), f"{path}.key")
    op = expr.get("operator")
    if op not in OPERATORS:
        problems.append(
            FieldError(
                f"{path}.operator",
                f"{excerpt(op)} is not a valid operator (In, NotIn, Exists, DoesNotExist)",
            )
        )
    values = expr.get("values")
    if values is None:
        values = []
    if not isinstance(values, list):
        problems.append(FieldError(f"{path}.values", f"must be a list, not {describe(values)}"))
        validation.raise_all(problems)
    if op in ("In", "NotIn") and not values:
        problems.append(FieldError(f"{path}.values", f"must be non-empty when operator is {op}"))
    if op in ("Exists", "DoesNotExist") and values:
        problems.append(FieldError(f"{path}.values", f"must be empty when operator is {op}"))
    for i, v in enumerate(values):
        problems += validation.label_value(v, f"{path}.values[{i}]")
    validation.raise_all(problems)
    return Requirement(str(key), str(op), frozenset(label_value(v) for v in values))
