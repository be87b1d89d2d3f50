"""Label selectors and labels read from manifests, validated as the API server does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import describe
from reach.model.selectors import OPERATORS, LabelSelector, Requirement


def label_value(value: Any) -> str:
    """Render a YAML scalar as the string Kubernetes would store (``true``, ``1``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def parse_labels(raw: Any, path: str) -> dict[str, str]:
    """Parse a ``labels`` / ``matchLabels`` mapping of strings."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a mapping of label keys to values, not {describe(raw)}")
    out: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, (Mapping, list)):
            raise FieldError(f"{path}.{k}", f"label value must be a string, not {describe(v)}")
        out[str(k)] = label_value(v)
    return out


def parse_selector(raw: Any, path: str) -> LabelSelector:
    """Parse and validate a LabelSelector; ``None`` is the empty selector."""
    if raw is None:
        return LabelSelector()
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a label selector mapping, not {describe(raw)}")
    for key in raw:
        if key not in ("matchLabels", "matchExpressions"):
            raise FieldError(
                f"{path}.{key}", "unknown field (expected matchLabels or matchExpressions)"
            )
    reqs: list[Requirement] = []
    for k, v in parse_labels(raw.get("matchLabels"), f"{path}.matchLabels").items():
        reqs.append(Requirement(k, "In", frozenset([v]), plain=True))
    exprs = raw.get("matchExpressions")
    if exprs is None:
        exprs = []
    if not isinstance(exprs, list):
        raise FieldError(f"{path}.matchExpressions", f"must be a list, not {describe(exprs)}")
    for i, expr in enumerate(exprs):
        reqs.append(_parse_requirement(expr, f"{path}.matchExpressions[{i}]"))
    return LabelSelector(tuple(reqs))


def _parse_requirement(expr: Any, path: str) -> Requirement:
    if not isinstance(expr, Mapping):
        raise FieldError(
            path, f"must be a mapping with key, operator and values, not {describe(expr)}"
        )
    key = expr.get("key")
    if not isinstance(key, str) or not key:
        raise FieldError(f"{path}.key", "is required and must be a non-empty string")
    op = expr.get("operator")
    if op not in OPERATORS:
        raise FieldError(
            f"{path}.operator", f"{op!r} is not a valid operator (In, NotIn, Exists, DoesNotExist)"
        )
    values = expr.get("values")
    if values is None:
        values = []
    if not isinstance(values, list):
        raise FieldError(f"{path}.values", f"must be a list, not {describe(values)}")
    if op in ("In", "NotIn") and not values:
        raise FieldError(f"{path}.values", f"must be non-empty when operator is {op}")
    if op in ("Exists", "DoesNotExist") and values:
        raise FieldError(f"{path}.values", f"must be empty when operator is {op}")
    for i, v in enumerate(values):
        if isinstance(v, (Mapping, list)):
            raise FieldError(f"{path}.values[{i}]", f"must be a string, not {describe(v)}")
    return Requirement(key, op, frozenset(label_value(v) for v in values))
