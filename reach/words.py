"""How messages word things: counted nouns (``1 policy``, ``2 policies``, never
``1 policies``), and a wrong value as an error shows it (bounded, whatever the value)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The most characters of a wrong value that an error message shows.
EXCERPT = 80


def plural(n: int, noun: str) -> str:
    """``noun`` as it goes with ``n``: ``policy`` for 1, ``policies`` otherwise (English
    regular plurals: ``-y`` after a consonant becomes ``-ies``; ``-s``, ``-x``, ``-ch``,
    ``-sh`` take ``-es``)."""
    if n == 1:
        return noun
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def count(n: int, noun: str, *, thousands: bool = False) -> str:
    """``n`` and its noun: ``1 policy``, ``3 namespaces``; ``12,345 pods`` with
    ``thousands``."""
    return f"{n:,} {plural(n, noun)}" if thousands else f"{n} {plural(n, noun)}"


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
