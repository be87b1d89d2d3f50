"""Typed access to fields of raw manifest dicts, failing with the field's path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.words import excerpt


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


def describe(value: Any) -> str:
    """How a wrong value is named in an error message: ``the string 'x'``, else as
    :func:`excerpt` names it."""
    if isinstance(value, str):
        return f"the string {excerpt(value)}"
    return excerpt(value)
