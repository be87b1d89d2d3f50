"""Position trees: where each field and item of a document is written, and JSON's.

A :class:`Tree` is the shape of a parsed document with positions: a mapping's fields
(each with the position of its key), a sequence's items, a scalar's text.
:func:`json_tree` scans a JSON text that :func:`reach.input.jsontext.loads` accepted;
:mod:`reach.input.positions` builds the same trees from PyYAML's nodes.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable


class Tree:
    """A value's position (1-based line and column of its start and end), and its parts:
    ``fields`` (name -> (key position, value)) for a mapping, ``items`` for a sequence,
    ``value`` (the text) for a scalar. ``opener``, when given, fills the parts the first
    time they are asked for (a YAML node's children are converted only where a path goes).
    """

    __slots__ = (
        "line",
        "column",
        "end_line",
        "end_column",
        "_fields",
        "_items",
        "_value",
        "_opener",
    )

    def __init__(
        self,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        opener: Callable[[Tree], None] | None = None,
    ) -> None:
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        self._fields: dict[str, tuple[tuple[int, int], Tree]] | None = None
        self._items: list[Tree] | None = None
        self._value: str | None = None
        self._opener = opener

    def _open(self) -> None:
        if self._opener is not None:
            opener, self._opener = self._opener, None
            opener(self)

    @property
    def fields(self) -> dict[str, tuple[tuple[int, int], Tree]] | None:
        self._open()
        return self._fields

    @fields.setter
    def fields(self, value: dict[str, tuple[tuple[int, int], Tree]] | None) -> None:
        self._fields = value

    @property
    def items(self) -> list[Tree] | None:
        self._open()
        return self._items

    @items.setter
    def items(self, value: list[Tree] | None) -> None:
        self._items = value

    @property
    def value(self) -> str | None:
        self._open()
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        self._value = value


_SPACE = " \t\n\r"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def at(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1

    def skip(self, j: int) -> int:
        text, n = self.text, len(self.text)
        while j < n and text[j] in _SPACE:
            j += 1
        return j

    def string_end(self, j: int) -> int:
        """The offset after the string that starts (with its quote) at ``j``."""
        text = self.text
        j += 1
        while text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        return j + 1

    def value(self, j: int) -> tuple[Tree, int]:
        """The tree of the value starting at ``j`` (no space before it), and its end."""
        c = self.text[j]
        tree = Tree(*self.at(j), 0, 0)
        if c == "{":
            tree.fields = {}
            j = self.skip(j + 1)
            while self.text[j] != "}":
                end = self.string_end(j)
                name = json.loads(self.text[j:end])
                key = self.at(j)
                item, j = self.value(self.skip(self.skip(end) + 1))
                tree.fields[str(name)] = (key, item)  # a repeated key: the last, as json
                j = self.skip(j)
                j = self.skip(j + 1) if self.text[j] == "," else j
            j += 1
        elif c == "[":
            tree.items = []
            j = self.skip(j + 1)
            while self.text[j] != "]":
                item, j = self.value(j)
                tree.items.append(item)
                j = self.skip(j)
                j = self.skip(j + 1) if self.text[j] == "," else j
            j += 1
        elif c == '"':
            end = self.string_end(j)
            tree.value = str(json.loads(self.text[j:end]))
            j = end
        else:
            start = j
            while j < len(self.text) and self.text[j] not in ",]}" + _SPACE:
                j += 1
            tree.value = self.text[start:j]
        tree.end_line, tree.end_column = self.at(j)
        return tree, j


def json_tree(text: str) -> Tree:
    """The position tree of a JSON text (one the JSON reader accepted)."""
    scanner = _Scanner(text)
    tree, _ = scanner.value(scanner.skip(0))
    return tree
