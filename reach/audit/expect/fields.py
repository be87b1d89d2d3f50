"""Reading the fields of the expectations file: each reader returns the value or raises a
:class:`~reach.errors.FieldError` naming the field path."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input.fields import describe


def unknown_field(key: str, known: tuple[str, ...]) -> str:
    """The message for an unknown key, with the closest known one as a hint."""
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown field (expected one of: {', '.join(known)}){hint}"


def reject_unknown(raw: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
    """Raise on the first key of ``raw`` that is not in ``known``."""
    for key in raw:
        if key not in known:
            raise FieldError(f"{path}.{key}", unknown_field(str(key), known))


def read_mapping(raw: Any, path: str, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be {what}, not {describe(raw)}")
    return raw


def read_string(raw: Any, path: str) -> str:
    """A non-empty string, stripped."""
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError(path, f"must be a non-empty string, not {describe(raw)}")
    return raw.strip()


def read_strings(raw: Any, path: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings."""
    if isinstance(raw, str):
        return (read_string(raw, path),)
    if not isinstance(raw, list) or not raw:
        raise FieldError(
            path, f"must be a string or a non-empty list of strings, not {describe(raw)}"
        )
    return tuple(read_string(v, f"{path}[{i}]") for i, v in enumerate(raw))


def read_choice(raw: Any, path: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise FieldError(path, f"must be one of {', '.join(choices)}, not {describe(raw)}")
    return str(raw)


def item_path(raw: Any, path: str, i: int) -> str:
    """The path of item ``i`` of a field given as a string or a list."""
    return path if isinstance(raw, str) else f"{path}[{i}]"
