"""Counted nouns in messages: ``1 policy``, ``2 policies``, never ``1 policies``."""

from __future__ import annotations


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
