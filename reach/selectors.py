"""Kubernetes label selectors: parsing, validation and matching.

"A label selector is a label query over a set of resources. The result of
matchLabels and matchExpressions are ANDed. An empty label selector matches all
objects." matchLabels ``{k: v}`` is the requirement ``k In (v)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import FieldError
from .fields import describe

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

Labels = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Labels) -> bool:
        # NotIn and DoesNotExist also match objects that lack the key.
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return labels.get(self.key) not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A conjunction of requirements; no requirement matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Labels) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def is_empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        if not self.requirements:
            return "{}"
        parts = []
        for r in self.requirements:
            vals = sorted(r.values)
            if r.operator == "In" and len(vals) == 1:
                parts.append(f"{r.key}={vals[0]}")
            elif r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(vals)})")
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts)


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
        reqs.append(Requirement(k, "In", frozenset([v])))
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
