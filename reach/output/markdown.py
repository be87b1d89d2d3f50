"""Markdown escaping, for every md format."""

from __future__ import annotations


def cell(text: object) -> str:
    """``text`` for a table cell or a list item: ``|`` escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")
