"""The CRD schema's checks on single values of Cilium objects, as the API server runs them.

Each function reads one value at ``path`` and raises a :class:`FieldError` when the
``cilium.io/v2`` schema (types, enums, patterns, lengths, minimum and maximum) refuses
it. ``None`` stands for an absent field, as the API server drops ``null`` values of
fields that are not nullable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reach.errors import FieldError
from reach.input.fields import describe, mapping
from reach.input.validation import known_fields, raise_all


def string(
    raw: Any,
    path: str,
    *,
    pattern: re.Pattern[str] | None = None,
    max_len: int | None = None,
    min_len: int = 0,
    expected: str = "",
) -> str:
    """A string, checked against the schema's ``pattern`` (searched, unanchored, as
    OpenAPI patterns are), ``maxLength`` and ``minLength``; ``expected`` says what the
    pattern stands for in the message (the pattern itself by default)."""
    if not isinstance(raw, str):
        raise FieldError(path, f"must be a string, not {describe(raw)}")
    if len(raw) < min_len:
        raise FieldError(path, f"must be at least {min_len} characters long")
    if max_len is not None and len(raw) > max_len:
        raise FieldError(path, f"must be at most {max_len} characters long")
    if pattern is not None and not pattern.search(raw):
        said = expected or f"matching the pattern {pattern.pattern!r}"
        raise FieldError(path, f"{raw!r} is not {said}")
    return raw


def integer(raw: Any, path: str, lo: int, hi: int) -> int:
    """An integer between ``lo`` and ``hi`` (the schema's ``minimum`` and ``maximum``)."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise FieldError(path, f"must be an integer, not {describe(raw)}")
    if not lo <= raw <= hi:
        raise FieldError(path, f"{raw} is outside {lo}-{hi}")
    return raw


def boolean(raw: Any, path: str) -> bool:
    if not isinstance(raw, bool):
        raise FieldError(path, f"must be true or false, not {describe(raw)}")
    return raw


def enum(raw: Any, path: str, values: Sequence[str]) -> str:
    """One of ``values`` (the schema's ``enum``)."""
    if raw not in values:
        raise FieldError(path, f"{raw!r} is not one of {', '.join(values)}")
    return str(raw)


def items(raw: Any, path: str, *, max_items: int | None = None) -> list[Any]:
    """A list (``None``: an empty one), at most ``max_items`` long."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FieldError(path, f"must be a list, not {describe(raw)}")
    if max_items is not None and len(raw) > max_items:
        raise FieldError(path, f"must have at most {max_items} items, not {len(raw)}")
    return raw


def each(raw: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The path and value of each item of the list ``raw``."""
    for i, item in enumerate(items(raw, path)):
        yield f"{path}[{i}]", item


def obj(
    raw: Any, path: str, fields: Sequence[str], required: Sequence[str] = ()
) -> Mapping[str, Any]:
    """A mapping with only ``fields`` and every one of ``required``."""
    m = mapping(raw, path)
    problems = known_fields(m, path, fields)
    problems += [FieldError(f"{path}.{k}", "is required") for k in required if m.get(k) is None]
    raise_all(problems)
    return m


def one_of(m: Mapping[str, Any], path: str, fields: Sequence[str]) -> str:
    """The one field of ``fields`` that ``m`` sets (the schema's ``oneOf`` of required fields)."""
    present = [k for k in fields if m.get(k) is not None]
    if len(present) != 1:
        said = " or ".join(fields) if len(fields) == 2 else ", ".join(fields)
        found = f" (found {', '.join(present)})" if present else ""
        raise FieldError(path, f"exactly one of {said} must be set{found}")
    return present[0]


def present(m: Mapping[str, Any], key: str) -> bool:
    """Whether a list field is set and not empty: Cilium ignores an empty list."""
    value = m.get(key)
    return value is not None and value != []


def mapping_of_strings(raw: Any, path: str) -> dict[str, str]:
    """A mapping of strings to strings (``additionalProperties: {type: string}``)."""
    m = mapping(raw, path)
    bad = [
        FieldError(f"{path}.{k}", f"must be a string, not {describe(v)}")
        for k, v in m.items()
        if not isinstance(v, str)
    ]
    raise_all(bad)
    return {str(k): str(v) for k, v in m.items()}
