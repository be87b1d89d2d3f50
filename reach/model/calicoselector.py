"""Calico selector expressions as a tree (parsing is in ``reach.input.calicoselector``).

The NetworkPolicy reference ("Selectors") defines the language: match operators
(``all()``, ``global()``, ``k == 'v'``, ``k != 'v'``, ``has(k)``, ``k in {...}``,
``k not in {...}``, ``k contains 's'``, ``k starts with 's'``, ``k ends with 's'``)
combined by ``!``, ``&&``, ``||`` and parentheses. Leaves are label tests; ``Not``,
``And`` and ``Or`` combine them, so an evaluator over label columns only needs the
leaves (:func:`leaves`) and the three connectives.

``global_resource`` is the only context a selector needs besides labels. It matters in a
``namespaceSelector``, whose items are namespaces: there ``all()`` holds for every
namespace and not for a non-namespaced resource (a GlobalNetworkSet), which is matched
by ``global()`` instead ("Match all non-namespaced resources"); such a resource is
evaluated with no labels. Elsewhere it is False: ``all()`` holds for every in-scope
resource, and ``global()`` (which validation allows only in a ``namespaceSelector``)
for none.

``str()`` gives text the parser reads back to an equal tree: string values in double
quotes (single quotes when the value holds a double quote), connectives parenthesized
where precedence or the n-ary grouping needs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

Labels = Mapping[str, str]


def quote(value: str) -> str:
    """A string literal for ``value``; the language has no escapes, so a value holding
    both quote characters cannot be written."""
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    raise ValueError(f"{value!r} holds both quote characters: no selector literal can hold it")


@dataclass(frozen=True, slots=True)
class All:
    """``all()``: every in-scope resource (in a namespaceSelector: every namespace)."""

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return not global_resource

    def __str__(self) -> str:
        return "all()"


@dataclass(frozen=True, slots=True)
class Global:
    """``global()``: non-namespaced resources (meaningful in a namespaceSelector)."""

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return global_resource

    def __str__(self) -> str:
        return "global()"


@dataclass(frozen=True, slots=True)
class Has:
    """``has(k)``: the label is present, whatever its value."""

    key: str

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return self.key in labels

    def __str__(self) -> str:
        return f"has({self.key})"


@dataclass(frozen=True, slots=True)
class Equal:
    """``k == 'v'``: the label is present with that value."""

    key: str
    value: str

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return labels.get(self.key) == self.value

    def __str__(self) -> str:
        return f"{self.key} == {quote(self.value)}"


@dataclass(frozen=True, slots=True)
class NotEqual:
    """``k != 'v'``: "resources without label 'k' or with label 'k' and value not equal"."""

    key: str
    value: str

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return labels.get(self.key) != self.value

    def __str__(self) -> str:
        return f"{self.key} != {quote(self.value)}"


def _set_text(values: frozenset[str]) -> str:
    return "{" + ", ".join(quote(v) for v in sorted(values)) + "}"


@dataclass(frozen=True, slots=True)
class In:
    """``k in {...}``: the label is present with a value of the set."""

    key: str
    values: frozenset[str]

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        value = labels.get(self.key)
        return value is not None and value in self.values

    def __str__(self) -> str:
        return f"{self.key} in {_set_text(self.values)}"


@dataclass(frozen=True, slots=True)
class NotIn:
    """``k not in {...}``: "without label 'k' or with [a] value not in the given set"."""

    key: str
    values: frozenset[str]

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        value = labels.get(self.key)
        return value is None or value not in self.values

    def __str__(self) -> str:
        return f"{self.key} not in {_set_text(self.values)}"


#: The string operators, as written, and what each tests of a present value.
STRING_OPERATORS = ("contains", "starts with", "ends with")


@dataclass(frozen=True, slots=True)
class StringTest:
    """``k contains 's'``, ``k starts with 's'``, ``k ends with 's'``: the label is present
    and its value contains, starts or ends with the substring."""

    key: str
    operator: str  # one of STRING_OPERATORS
    value: str

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        have = labels.get(self.key)
        if have is None:
            return False
        if self.operator == "contains":
            return self.value in have
        if self.operator == "starts with":
            return have.startswith(self.value)
        return have.endswith(self.value)

    def __str__(self) -> str:
        return f"{self.key} {self.operator} {quote(self.value)}"


Leaf = All | Global | Has | Equal | NotEqual | In | NotIn | StringTest


@dataclass(frozen=True, slots=True)
class Not:
    """``! expr``."""

    operand: Selector

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return not self.operand.matches(labels, global_resource)

    def __str__(self) -> str:
        inner = str(self.operand)
        if isinstance(self.operand, And | Or):
            inner = f"({inner})"
        return f"!{inner}"


@dataclass(frozen=True, slots=True)
class And:
    """``a && b && ...`` (two or more operands, written at one level)."""

    operands: tuple[Selector, ...]

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return all(o.matches(labels, global_resource) for o in self.operands)

    def __str__(self) -> str:
        return " && ".join(f"({o})" if isinstance(o, And | Or) else str(o) for o in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    """``a || b || ...`` (two or more operands, written at one level)."""

    operands: tuple[Selector, ...]

    def matches(self, labels: Labels, global_resource: bool = False) -> bool:
        return any(o.matches(labels, global_resource) for o in self.operands)

    def __str__(self) -> str:
        return " || ".join(f"({o})" if isinstance(o, Or) else str(o) for o in self.operands)


Selector = Leaf | Not | And | Or

#: The selector an absent or empty selector field stands for ("all() or the empty
#: selector -> matches all endpoints").
ALL = All()


def leaves(selector: Selector) -> Iterator[Leaf]:
    """Every label test of the expression, left to right."""
    if isinstance(selector, Not):
        yield from leaves(selector.operand)
    elif isinstance(selector, And | Or):
        for operand in selector.operands:
            yield from leaves(operand)
    else:
        yield selector


def keys(selector: Selector) -> set[str]:
    """The label keys the expression tests."""
    return {leaf.key for leaf in leaves(selector) if not isinstance(leaf, All | Global)}


def uses_global(selector: Selector) -> bool:
    """Whether ``global()`` appears in the expression."""
    return any(isinstance(leaf, Global) for leaf in leaves(selector))
