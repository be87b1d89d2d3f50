"""A fast reader for the plain block YAML that manifests are written in.

PyYAML's C loader still builds every value in Python (node objects, a regex
resolver per scalar, a generator per mapping), which makes parsing the largest
single cost of an analysis. Generated and hand-written manifests use a small
part of YAML: block mappings and sequences, plain and simply quoted scalars.
This module reads exactly that part, line by line, and hands every document it
is not sure about to PyYAML. It never guesses:

- The stream is cut into documents at ``---`` lines, where libyaml cuts it
  too. Streams with directives (``%``), document-end markers (``...``),
  carriage returns, byte-order marks, tabs or characters YAML forbids are read
  by PyYAML whole.
- A document is read here only if every line is understood: anchors, aliases,
  tags, block scalars, flow collections (other than ``[]`` and ``{}``),
  escapes, comments after a value, quoted keys and multi-line scalars make the
  document go to PyYAML.
- Plain scalars are resolved by PyYAML's own resolver and constructor (YAML
  1.1: ``yes`` is a boolean, ``017`` an int), once per distinct text, with the
  changes of :mod:`reach.input.kubeyaml` (kubectl's reading of ``=``,
  timestamps and base-60 numbers); a mapping that repeats a key goes to
  PyYAML, which reports both lines.

``tests/input/test_fastyaml.py`` checks, on generated text, that whatever this
reader accepts equals what PyYAML reads, types included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from reach.input import kubeyaml

#: PyYAML's safe loader as kubectl reads (libyaml's parser when PyYAML has it).
_Loader: type = kubeyaml.Loader


class MalformedYAML(Exception):
    """The text is not YAML; ``line`` is 1-based when known."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class DuplicateKey(MalformedYAML):
    """A key written twice in one mapping (``line``: the second; the message names the first)."""


class _Declined(Exception):
    """This document uses YAML this reader does not handle: PyYAML reads it."""


# Streams that only PyYAML reads: directives, document-end markers, and
# characters that change how lines or text are read.
_ASCII_OK = bytes([10, *range(0x20, 0x7F)])
_NON_ASCII = (
    "[\x85\u2028\u2029\ufeff]"
    "|[^\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)  # compiled only for text that is not ASCII: compiling costs 8 ms at start-up
_SEPARATOR = re.compile(r"^---(?=[ \n]|$)", re.M)
_PLAIN_START = frozenset("[]{},#&*!|>'\"%@`")
_FLOW_END = frozenset(",[]{}:")
_MISS = object()
_KEY_MAX = 1024  # libyaml refuses a simple key longer than this


def load_all(text: str, done: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Yield the documents of a YAML stream, as ``yaml.load_all`` with the safe loader.

    Raises ``MalformedYAML`` at the first error. ``done``, if given, is told how
    many characters have been read after each document.
    """
    bounds = cuts(text)
    if bounds is None:
        yield from _pyyaml(text, 0)
        return
    reader = _Reader()
    line = 0
    for k in range(len(bounds) - 1):
        chunk = text[bounds[k] : bounds[k + 1]]
        explicit = _SEPARATOR.match(chunk) is not None
        try:
            found, doc = reader.document(chunk, explicit=explicit)
        except (_Declined, RecursionError):  # nesting deeper than Python's stack: PyYAML
            yield from _pyyaml(chunk, line)
        else:
            if found:
                yield doc
        line += chunk.count("\n")
        if done is not None:
            done(bounds[k + 1])


def cuts(text: str) -> list[int] | None:
    """Where the stream is cut into documents (at ``---`` lines, from 0 to the end), or
    None when only PyYAML reads it, whole."""
    if not _simple(text):
        return None
    starts = [m.start() for m in _SEPARATOR.finditer(text)]
    return ([0] if not starts or starts[0] != 0 else []) + starts + [len(text)]


def chunks(text: str) -> list[tuple[int, str]] | None:
    """The text of each document of the stream, with the line it starts at (0-based), as
    :func:`load_all` counts documents; None when only PyYAML reads the stream, whole."""
    bounds = cuts(text)
    if bounds is None:
        return None
    out, line = [], 0
    for start, end in zip(bounds, bounds[1:], strict=False):
        chunk = text[start:end]
        # every chunk but perhaps the first starts with ---: one document each
        if start or _SEPARATOR.match(chunk) is not None or _content(chunk):
            out.append((line, chunk))
        line += chunk.count("\n")
    return out


def _content(chunk: str) -> bool:
    """Whether a chunk holds more than blank lines and comments."""
    return any(s and s[0] != "#" for s in (raw.strip(" ") for raw in chunk.split("\n")))


def _simple(text: str) -> bool:
    """Whether the stream can be cut into documents and lines here."""
    if text.startswith(("%", "...")) or "\n%" in text or "\n..." in text:
        return False
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_OK)
    return re.search(_NON_ASCII, text) is None


def _pyyaml(text: str, offset: int) -> Iterator[Any]:
    """The documents of ``text`` as ``yaml.load_all`` reads them (``offset``: the line
    ``text`` starts at), each checked against reach's limits (aliases only if the text
    may hold one)."""
    loader = _Loader(text)
    loader.may_alias = "*" in text
    try:
        yield from _documents(loader, offset)
    finally:
        loader.dispose()


def _documents(loader: Any, offset: int) -> Iterator[Any]:
    while True:
        try:
            if not loader.check_data():
                return
            doc = loader.get_data()
        except kubeyaml.DuplicateKeyError as e:
            second = e.problem_mark.line + 1 + offset if e.problem_mark else None
            raise DuplicateKey(second, f"{e.problem} at line {e.first.line + 1 + offset}") from None
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            what = " ".join(str(x) for x in (e.context, e.problem) if x)
            raise MalformedYAML(mark.line + 1 + offset if mark else None, what) from None
        except yaml.YAMLError as e:
            raise MalformedYAML(None, str(e)) from None
        except ValueError as e:  # an impossible date (2024-02-30), or undecodable stdin
            raise MalformedYAML(None, str(e)) from None
        yield doc


class _Reader:
    """Reads one document at a time; remembers each scalar's value by its text."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.plain_values: dict[str, Any] = {}
        self._pyyaml = kubeyaml.PyLoader("")
        #: The document's significant lines: indentation, and text after it.
        self.indents: list[int] = []
        self.contents: list[str] = []

    def document(self, chunk: str, *, explicit: bool) -> tuple[bool, Any]:
        """(whether the chunk holds a document, the document)."""
        lines = chunk.split("\n")
        if explicit:
            head = lines[0].rstrip(" ")
            if head != "---" and not head[3:].lstrip(" ").startswith("#"):
                raise _Declined
            lines[0] = ""
        if " \n" in chunk or chunk.endswith(" "):
            lines = [raw.rstrip(" ") for raw in lines]
        indents: list[int] = []
        contents: list[str] = []
        indent_append, content_append = indents.append, contents.append
        for raw in lines:
            s = raw.lstrip(" ")
            if s and s[0] != "#":
                indent_append(len(raw) - len(s))
                content_append(s)
        if not contents:
            return explicit, None
        self.indents, self.contents = indents, contents
        value, end = self.block(0)
        if end != len(contents):
            raise _Declined
        return True, value

    def block(self, i: int) -> tuple[Any, int]:
        if _entry(self.contents[i]):
            return self.sequence(i, self.indents[i])
        return self.mapping(i, self.indents[i])

    def mapping(self, i: int, at: int) -> tuple[dict[Any, Any], int]:
        indents, contents, n = self.indents, self.contents, len(self.contents)
        keys, values = self.keys, self.values
        out: dict[Any, Any] = {}
        while i < n and indents[i] == at:
            s = contents[i]
            pos = s.find(": ")
            if pos < 0:
                if s[-1] != ":":
                    raise _Declined
                pos = len(s) - 1
            key_text = s[:pos]
            key = keys.get(key_text, _MISS)
            if key is _MISS:
                key = self.key(key_text)
            if key in out:
                raise _Declined  # PyYAML reports the duplicate with both lines
            rest = s[pos + 2 :]
            i += 1
            value = _MISS
            if rest:
                value = values.get(rest, _MISS)
                if value is _MISS and rest.lstrip(" ")[0] == "#":
                    rest = ""  # only a comment follows the key
            if rest:
                out[key] = self.inline(rest) if value is _MISS else value
                if i < n and indents[i] > at:
                    raise _Declined  # a multi-line scalar, or an error
            elif i < n and indents[i] > at:
                out[key], i = self.block(i)
            elif i < n and indents[i] == at and _entry(contents[i]):
                out[key], i = self.sequence(i, at)
            else:
                out[key] = None
        return out, i

    def sequence(self, i: int, at: int) -> tuple[list[Any], int]:
        indents, contents, n = self.indents, self.contents, len(self.contents)
        values = self.values
        out: list[Any] = []
        while i < n and indents[i] == at:
            s = contents[i]
            if s[0] != "-" or (len(s) > 1 and s[1] != " "):
                break
            rest = s[2:]
            if rest:
                value = values.get(rest, _MISS)
                if value is not _MISS:
                    out.append(value)
                    i += 1
                    if i < n and indents[i] > at:
                        raise _Declined
                    continue
            item = rest.lstrip(" ")
            if not item or item[0] == "#":  # the entry's value starts on the next line
                i += 1
                if i < n and indents[i] > at:
                    value, i = self.block(i)
                    out.append(value)
                else:
                    out.append(None)
                continue
            c = item[0]
            head = item[: item.index(" #")].rstrip(" ") if " #" in item else item
            nested = _entry(item)
            if nested or (c not in "'\"[{" and (": " in head or head[-1] == ":")):
                # A sequence or mapping starts on the entry's line; read it in place.
                indents[i] = at + 2 + len(rest) - len(item)
                contents[i] = item
                value, i = (self.sequence if nested else self.mapping)(i, indents[i])
                out.append(value)
                continue
            out.append(self.inline(rest))
            i += 1
            if i < n and indents[i] > at:
                raise _Declined
        return out, i

    def key(self, text: str) -> Any:
        """A plain key's value; ``text`` is what precedes ``:``."""
        s = text.rstrip(" ")
        if not s or s[0] in _PLAIN_START or " #" in s or s == "<<" or len(text) > _KEY_MAX:
            raise _Declined
        if _indicator(s):
            raise _Declined
        value = self.keys[text] = self.plain(s)
        return value

    def inline(self, text: str) -> Any:
        """A value written after ``key:`` or ``-`` on the same line."""
        s = text.lstrip(" ")
        c = s[0]
        value: Any
        if c == "'" or c == '"':
            value = _quoted(s)
        elif c == "[" or c == "{":
            return self.flow(s)  # mutable: never shared between documents
        else:
            if " #" in s:
                s = s[: s.index(" #")].rstrip(" ")
            if c in _PLAIN_START or ": " in s or s[-1] == ":" or _indicator(s):
                raise _Declined
            value = self.plain(s)
        self.values[text] = value
        return value

    def flow(self, s: str) -> Any:
        """A flow collection on one line, such as ``{name: http, port: 80}``."""
        value, j = self.flow_node(s, 0)
        tail = s[j:]
        if tail and (tail[0] != " " or tail.lstrip(" ")[0] != "#"):
            raise _Declined
        return value

    def flow_node(self, s: str, j: int) -> tuple[Any, int]:
        """The flow value starting at ``s[j]``, and where it ends."""
        c = s[j]
        if c == "[" or c == "{":
            close = "]" if c == "[" else "}"
            out: Any = [] if c == "[" else {}
            j = _skip(s, j + 1)
            while s[j] != close:
                if s[j] == ",":
                    raise _Declined
                start = j
                item, j = self.flow_node(s, j)
                j = _skip(s, j)
                if j - start > _KEY_MAX:
                    raise _Declined  # too long for a key, should it be one
                if c == "{":
                    if s[j : j + 2] != ": ":
                        raise _Declined
                    if isinstance(item, (list, dict)) or item in out:
                        raise _Declined
                    j = _skip(s, j + 2)
                    if s[j] in ",}":
                        raise _Declined
                    out[item], j = self.flow_node(s, j)
                    j = _skip(s, j)
                else:
                    out.append(item)
                if s[j] == ",":
                    j = _skip(s, j + 1)
                elif s[j] != close:
                    raise _Declined
            return out, j + 1
        if c == "'" or c == '"':
            end = s.find(c, j + 1)
            if end < 0 or s[end + 1 : end + 2] == c or "\\" in s[j:end]:
                raise _Declined
            return s[j + 1 : end], end + 1
        end = j
        while end < len(s) and s[end] not in _FLOW_END:
            end += 1
        text = s[j:end].rstrip(" ")
        # in flow context libyaml reads a leading "?" as the explicit-key indicator
        if not text or c in _PLAIN_START or c == "?" or _indicator(text) or " #" in text:
            raise _Declined
        if end < len(s) and s[end] == ":" and s[end + 1 : end + 2] != " ":
            raise _Declined
        return self.plain(text), end

    def plain(self, s: str) -> Any:
        """A plain scalar's value, resolved as PyYAML resolves it."""
        value = self.plain_values.get(s, _MISS)
        if value is not _MISS:
            return value
        loader = self._pyyaml
        try:
            tag = loader.resolve(yaml.ScalarNode, s, (True, False))  # type: ignore[no-untyped-call]
            value = loader.construct_object(yaml.ScalarNode(tag, s), deep=True)
        except (yaml.YAMLError, ValueError):  # PyYAML reports it, with its line if it can
            raise _Declined from None
        finally:
            loader.constructed_objects.clear()
        if isinstance(value, (list, dict)):
            raise _Declined
        self.plain_values[s] = value
        return value


def _entry(s: str) -> bool:
    """Whether a line starts a block sequence entry."""
    return s[0] == "-" and (len(s) == 1 or s[1] == " ")


def _quoted(s: str) -> str:
    """A quoted scalar that ends on its line, perhaps followed by a comment."""
    c = s[0]
    if c == "'":
        j = 1
        while True:
            j = s.find("'", j)
            if j < 0:
                raise _Declined
            if s[j + 1 : j + 2] != "'":
                break
            j += 2
        value = s[1:j].replace("''", "'")
    else:
        j = s.find('"', 1)
        if j < 0 or "\\" in s[1:j]:
            raise _Declined
        value = s[1:j]
    tail = s[j + 1 :]
    if tail and (tail[0] != " " or tail.lstrip(" ")[0] != "#"):
        raise _Declined
    return value


def _skip(s: str, j: int) -> int:
    """The first position at or after ``j`` that is not a space; declines at the line's end."""
    n = len(s)
    while j < n and s[j] == " ":
        j += 1
    if j == n:
        raise _Declined
    return j


def _indicator(s: str) -> bool:
    """Whether a scalar starts with ``-``, ``?`` or ``:`` as an indicator."""
    return s[0] in "-?:" and (len(s) == 1 or s[1] == " ")
