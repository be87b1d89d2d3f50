"""Where a field of an input document is written: file, line and column, found lazily.

Reading records no position: the fast YAML reader (:mod:`reach.input.fastyaml`), PyYAML
and the JSON decoder build plain values, at the speed they always had. When an error or
a finding needs a position, :func:`locate` reads the one file again with positions: YAML
with PyYAML's composer (the same parser and document boundaries as the load, so document
``#3`` is the third document PyYAML yields, whichever reader built it), JSON with the
scanner of :mod:`reach.input.jsonpositions`, and walks the field path (``spec.ingress[0]
.from[1]``) down the tree. Files are read again from disk; the text of standard input
and of rendered charts, which cannot be read twice, is kept when it is read
(:func:`keep`). The trees of the last few files are cached, so a report with many
findings parses each file once.

A field that is not in the document (a required field that is missing) is located at
the deepest field of its path that is; a ``kind: List`` item named by its kind,
namespace and name (an object's origin does not hold its item index) is found among the
items. A position is ``None`` when the file cannot be read again or no longer parses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reach.input import kubeyaml
from reach.input.jsonpositions import Tree, json_tree

#: Texts that cannot be read again (standard input, rendered charts), by label.
_KEPT: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file: 1-based line and column (in characters) of the start of a
    field (its key, or the item of a list), and of the end of its value."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class ObjectName:
    """An object's kind, namespace and name: which item of a ``kind: List`` it is."""

    kind: str | None
    namespace: str | None
    name: str | None


def keep(label: str, text: str) -> None:
    """Remember the text read under ``label`` (standard input, a rendered chart), which
    :func:`locate` cannot read again."""
    _KEPT[label] = text
    _trees.cache_clear()


def split_origin(origin: str) -> tuple[str, int] | None:
    """``("file", 3)`` for the origin ``file#3``; None for an origin of another form."""
    file, sep, doc = origin.rpartition("#")
    if not sep or not doc.isdigit() or not file:
        return None
    return file, int(doc)


def locate(origin: str, path: str = "", obj: ObjectName | None = None) -> Position | None:
    """The position of the field ``path`` of the document at ``origin`` (``file#doc``);
    with ``obj``, of the object so named when the document is a List of objects."""
    where = split_origin(origin)
    if where is None:
        return None
    file, doc = where
    trees = _trees(file)
    if trees is None or not 1 <= doc <= len(trees):
        return None
    tree = trees[doc - 1]
    if obj is not None and not path.startswith("items["):
        tree = _item(tree, obj)
    node, key = _walk(tree, path.rstrip("."))
    line, column = key if key is not None else (node.line, node.column)
    return Position(file, line, column, node.end_line, node.end_column)


def position_text(origin: str, path: str = "", obj: ObjectName | None = None) -> str:
    """``file:line:col`` of :func:`locate`, or ``""`` when it is unknown."""
    found = locate(origin, path, obj)
    return "" if found is None else str(found)


_STEP = re.compile(r"\[(\d+)\]")


def _walk(tree: Tree, path: str) -> tuple[Tree, tuple[int, int] | None]:
    """The deepest node of ``path`` in ``tree``, and the position of its key if it is a
    mapping's field. Keys may hold dots (``app.kubernetes.io/name``): at each mapping the
    longest key that the rest of the path starts with is taken."""
    node, key, rest = tree, None, path
    while rest:
        if rest[0] == "[":
            m = _STEP.match(rest)
            if m is None or node.items is None or int(m.group(1)) >= len(node.items):
                break
            node, key = node.items[int(m.group(1))], None
            rest = rest[m.end() :]
        elif node.fields is not None:
            name = _longest_key(node.fields, rest)
            if name is None:
                break
            key, node = node.fields[name]
            rest = rest[len(name) :]
        else:
            break
        rest = rest[1:] if rest.startswith(".") else rest
    return node, key


def _longest_key(fields: dict[str, tuple[tuple[int, int], Tree]], rest: str) -> str | None:
    best: str | None = None
    for name in fields:
        fits = rest.startswith(name) and rest[len(name) : len(name) + 1] in ("", ".", "[")
        if fits and (best is None or len(name) > len(best)):
            best = name
    return best


def _item(tree: Tree, obj: ObjectName) -> Tree:
    """The item of a List document that is the named object (else the document)."""
    entry = tree.fields.get("items") if tree.fields is not None else None
    if entry is None or entry[1].items is None:
        return tree
    for item in entry[1].items:
        if _scalar(item, "metadata.name") != obj.name:
            continue
        if obj.namespace is not None and _scalar(item, "metadata.namespace") not in (
            None,
            obj.namespace,
        ):
            continue
        if obj.kind is not None and _scalar(item, "kind") not in (None, obj.kind):
            continue
        return item
    return tree


def _scalar(tree: Tree, path: str) -> str | None:
    node = tree
    for name in path.split("."):
        if node.fields is None or name not in node.fields:
            return None
        node = node.fields[name][1]
    return node.value


@functools.lru_cache(maxsize=8)
def _trees(file: str) -> list[Tree] | None:
    """The documents of ``file`` as position trees; None if it cannot be read or parsed."""
    text = _KEPT.get(file)
    if text is None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    try:
        if _is_json(file, text):
            return [json_tree(text)] if text.strip() else []
        return _yaml_trees(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def _is_json(file: str, text: str) -> bool:
    """Whether the load read ``file`` as JSON (as :func:`reach.input.files.read_text`)."""
    if file.lower().endswith(".json"):
        return True
    return file == "<stdin>" and text.lstrip().startswith(("{", "["))


def _yaml_trees(text: str) -> list[Tree]:
    loader: Any = kubeyaml.Loader(text)
    try:
        out = []
        while loader.check_node():
            out.append(_yaml_tree(loader.get_node()))
        return out
    finally:
        loader.dispose()


def _yaml_tree(node: yaml.Node) -> Tree:
    start, end = node.start_mark, node.end_mark
    tree = Tree(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
    if isinstance(node, yaml.MappingNode):
        tree.fields = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                mark = (key.start_mark.line + 1, key.start_mark.column + 1)
                tree.fields.setdefault(str(key.value), (mark, _yaml_tree(value)))
    elif isinstance(node, yaml.SequenceNode):
        tree.items = [_yaml_tree(item) for item in node.value]
    elif isinstance(node, yaml.ScalarNode):
        tree.value = str(node.value)
    return tree
