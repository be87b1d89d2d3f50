"""Typed access to fields of raw manifest dicts, failing with the field's path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError


def mapping(raw: Any, path: str) -> Mapping[str, Any]:
    """``raw`` as a mapping (``None`` is an empty one), or a FieldError at ``path``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a mapping, not {describe(raw)}")
    return raw


def items(raw: Any, path: str) -> list[Any]:
    """``raw`` as a list (``None`` is an empty one), or a FieldError at ``path``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FieldError(path, f"must be a list, not {describe(raw)}")
    return raw


def flag(raw: Any, path: str) -> bool:
    """``raw`` as a boolean (``None`` is false), or a FieldError at ``path``: the string
    ``"false"`` is no boolean (the API server refuses it), and is not read as true."""
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise FieldError(path, f"must be true or false, not {describe(raw)}")
    return raw


#: The most characters of a wrong value that an error message shows.
EXCERPT = 80


def describe(value: Any) -> str:
    """How a wrong value is named in an error message: ``the string 'x'``, else as
    :func:`excerpt` names it."""
    if isinstance(value, str):
        return f"the string {excerpt(value)}"
    return excerpt(value)


def excerpt(value: Any) -> str:
    """A wrong value as an error message shows it, bounded whatever the value: a mapping or
    a list by what it is, a string's or a number's ``repr`` cut to :data:`EXCERPT`
    characters (with the length of what was cut), a huge integer by its size.

    Never the ``repr`` of a whole value: that of a nested value or of an alias bomb is
    unbounded, and Python refuses that of an integer of more than 4,300 digits.
    """
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of {value.bit_length():,} bits"
    if isinstance(value, str) and len(value) > EXCERPT:
        return f"{value[:EXCERPT]!r}... ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= EXCERPT else f"{text[:EXCERPT]}... ({len(text):,} characters)"
