"""Kubernetes label selectors and their matching (parsing is in ``reach.input.selectors``).

"A label selector is a label query over a set of resources. The result of
matchLabels and matchExpressions are ANDed. An empty label selector matches all
objects." matchLabels ``{k: v}`` is the requirement ``k In (v)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

Labels = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str] = frozenset()
    #: Written as matchLabels (``key: value``); same meaning as ``In [value]``, kept for
    #: the exposure section, which tells the two apart (see docs/queries.md).
    plain: bool = field(default=False, compare=False)

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
