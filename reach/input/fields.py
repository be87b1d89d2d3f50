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


def describe(value: Any) -> str:
    """How a wrong value is named in an error message."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{value!r}"
