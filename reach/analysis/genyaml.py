"""Generated policies as block YAML, byte for byte what ``yaml.dump(policy,
sort_keys=False)`` writes, without PyYAML's representer walking every node; except
that an object the policy holds twice is written out twice (PyYAML writes an anchor
and an alias, ``&id001`` and ``*id001``, which readers of a manifest do not expect).

A generated policy holds mappings, lists, strings, integers and booleans. Each
distinct string is written once by PyYAML itself (quoted as PyYAML quotes it) and
remembered; a policy holding anything that PyYAML could write another way in another
place (a string with a space, which it may fold, or with a character outside printable
ASCII; a long key, which it writes as a complex key; a list in a list) is handed to
``yaml.dump`` whole.
``tests/analysis/test_genyaml.py`` compares the two on random policies.
"""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's emitter when PyYAML has it (ten times faster), else PyYAML's own.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: Keys longer than this are left to PyYAML (it writes keys over 128 characters as ``? key``).
LONG_KEY = 100


class _Other(Exception):
    """The policy holds something only PyYAML should write."""


_SCALARS: dict[str, str] = {}
#: Printable ASCII less the space: strings of other characters are left to PyYAML.
_PLAIN_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))


def dump(policy: dict[str, Any]) -> str:
    """``policy`` as ``yaml.dump(policy, Dumper=DUMPER, sort_keys=False)`` writes it."""
    return Writer().dump(policy)


class Writer:
    """Writes policies; a mapping held by several (a selector shared by many peers) is
    written once per indentation and its lines reused."""

    def __init__(self) -> None:
        self._blocks: dict[tuple[int, int], list[str]] = {}
        self._alive: list[object] = []  # so that no other object takes a cached id

    def dump(self, policy: dict[str, Any]) -> str:
        """As :func:`dump`."""
        lines: list[str] = []
        try:
            self._mapping(policy, 0, lines, "")
        except _Other:
            return yaml.dump(policy, Dumper=DUMPER, sort_keys=False)
        lines.append("")
        return "\n".join(lines)

    def _mapping(self, d: dict[str, Any], indent: int, out: list[str], first: str) -> None:
        """Block mapping items at ``indent``; the first line starts with ``first`` (a list
        item's ``- ``) when given."""
        pad = " " * indent
        for i, (key, value) in enumerate(d.items()):
            if not isinstance(key, str) or len(key) > LONG_KEY:
                raise _Other
            head = f"{first if i == 0 and first else pad}{_scalar(key)}:"
            if isinstance(value, dict):
                if value:
                    out.append(head)
                    out += self._block(value, indent + 2)
                else:
                    out.append(f"{head} {{}}")
            elif isinstance(value, list):
                if value:
                    out.append(head)
                    self._sequence(value, indent, out)
                else:
                    out.append(f"{head} []")
            else:
                out.append(f"{head} {_scalar(value)}")

    def _block(self, d: dict[str, Any], indent: int) -> list[str]:
        """The lines of mapping ``d`` at ``indent``, written once."""
        key = (id(d), indent)
        lines = self._blocks.get(key)
        if lines is None:
            lines = []
            self._mapping(d, indent, lines, "")
            self._blocks[key] = lines
            self._alive.append(d)
        return lines

    def _sequence(self, items: list[Any], indent: int, out: list[str]) -> None:
        """Block sequence items at ``indent`` (PyYAML does not indent a mapping's list)."""
        pad = " " * indent
        for item in items:
            if isinstance(item, dict):
                if item:
                    self._mapping(item, indent + 2, out, f"{pad}- ")
                else:
                    out.append(f"{pad}- {{}}")
            elif isinstance(item, list):
                raise _Other
            else:
                out.append(f"{pad}- {_scalar(item)}")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise _Other
    text = _SCALARS.get(value)
    if text is None:
        if len(value) > LONG_KEY or not _PLAIN_CHARS.issuperset(value):
            raise _Other
        written = yaml.dump({"k": value}, Dumper=DUMPER, sort_keys=False)
        text = written[3:-1]
        if "\n" in text:
            raise _Other
        _SCALARS[value] = text
    return text
