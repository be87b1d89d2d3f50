"""Where a field of an input document is written: file, line and column, found lazily.

Reading records no position: the fast YAML reader (:mod:`reach.input.fastyaml`), PyYAML
and the JSON decoder build plain values, at the speed they always had. When an error or
a finding needs a position, :func:`locate` reads the one file again with positions: YAML
with PyYAML's composer (the same parser and document boundaries as the load, so document
``#3`` is the third document PyYAML yields, whichever reader built it), JSON with the
scanner of :mod:`reach.input.jsonpositions`, and walks the field path (``spec.ingress[0]
.from[1]``) down the tree. A stream the fast reader cuts into documents is cut the same
way (:func:`reach.input.fastyaml.chunks`), and only the documents asked for are composed.
Files are read again from disk; the text of standard input
and of rendered charts, which cannot be read twice, is kept when it is read
(:func:`keep`). The last few files read again are cached, with the trees built, so a
report with many findings parses each document once.

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

from reach.input import fastyaml, kubeyaml
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


@dataclass(frozen=True, slots=True)
class Anchor:
    """A place in the input to point at: an object's ``origin`` (``file#doc``), a field
    ``path`` in it (``""``: the document), the object's name (which item of a List)."""

    origin: str
    path: str = ""
    obj: ObjectName | None = None

    def position(self) -> Position | None:
        return locate(self.origin, self.path, self.obj)


def first_difference(old: Anchor, new: Anchor) -> str:
    """The path of the first field, in the order written, whose value differs between the
    object at ``old`` and the one at ``new`` (``""``: none found, or a file unreadable).
    Layout does not count: ``{app: web}`` and ``app: web`` on its own line are alike."""
    a, b = _tree_at(old), _tree_at(new)
    if a is None or b is None:
        return ""
    return _differ(a, b, "") or ""


def _tree_at(anchor: Anchor) -> Tree | None:
    where = split_origin(anchor.origin)
    read = _file(where[0]) if where is not None else None
    if where is None or read is None or not 1 <= where[1] <= read.count:
        return None
    tree = read.tree(where[1])
    if tree is not None and anchor.obj is not None:
        tree = _item(tree, anchor.obj)
    return tree if tree is None or not anchor.path else _walk(tree, anchor.path)[0]


def _differ(a: Tree, b: Tree, path: str) -> str | None:
    """The path under ``path`` where ``b`` first differs from ``a``; None if alike."""
    if a.fields is not None and b.fields is not None:
        for name, (_, value) in b.fields.items():
            here = f"{path}.{name}" if path else name
            if name not in a.fields:
                return here
            found = _differ(a.fields[name][1], value, here)
            if found is not None:
                return found
        return path if a.fields.keys() != b.fields.keys() else None
    if a.items is not None and b.items is not None:
        for i, (x, y) in enumerate(zip(a.items, b.items, strict=False)):
            found = _differ(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        return path if len(a.items) != len(b.items) else None
    same = a.fields is None and a.items is None and b.fields is None and b.items is None
    return None if same and a.value == b.value else path


def keep(label: str, text: str) -> None:
    """Remember the text read under ``label`` (standard input, a rendered chart), which
    :func:`locate` cannot read again."""
    _KEPT[label] = text
    _file.cache_clear()


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
    read = _file(file)
    tree = read.tree(doc) if read is not None and 1 <= doc <= read.count else None
    if tree is None:
        return None
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


class _File:
    """A file read again: its documents' texts (each with the line it starts at), and the
    trees of those asked for, built once each."""

    def __init__(self, text: str, json_text: bool) -> None:
        self.text = text
        self.json = json_text
        self.trees: dict[int, Tree | None] = {}
        self.chunks = None if json_text else fastyaml.chunks(text)
        if json_text:
            self.count = 1 if text.strip() else 0
        elif self.chunks is not None:
            self.count = len(self.chunks)
        else:  # a stream only PyYAML reads: composed whole, once
            whole = _yaml_trees(self.text, 0)
            self.count = len(whole)
            self.trees = dict(enumerate(whole, start=1))

    def tree(self, doc: int) -> Tree | None:
        if doc not in self.trees:
            self.trees[doc] = self._build(doc)
        return self.trees[doc]

    def _build(self, doc: int) -> Tree | None:
        try:
            if self.json:
                return json_tree(self.text)
            assert self.chunks is not None
            line, chunk = self.chunks[doc - 1]
            found = _yaml_trees(chunk, line)
            return found[0] if found else None
        except (yaml.YAMLError, ValueError, RecursionError, IndexError):
            return None


@functools.lru_cache(maxsize=8)
def _file(file: str) -> _File | None:
    """``file`` read again; None if it cannot be read or cut into documents."""
    text = _KEPT.get(file)
    if text is None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    try:
        return _File(text, _is_json(file, text))
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def _is_json(file: str, text: str) -> bool:
    """Whether the load read ``file`` as JSON (as :func:`reach.input.files.read_text`)."""
    if file.lower().endswith(".json"):
        return True
    return file == "<stdin>" and text.lstrip().startswith(("{", "["))


class _Composer(kubeyaml.Parser):  # type: ignore[misc]
    """A parser that composes nodes without resolving their tags: a position needs none
    (and resolving each scalar costs more than parsing it)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""

    def descend_resolver(self, *_: Any) -> None:
        return None

    def ascend_resolver(self, *_: Any) -> None:
        return None


def _yaml_trees(text: str, line: int) -> list[Tree]:
    """The trees of the documents of ``text``, which starts at line ``line`` (0-based)."""
    loader: Any = _Composer(text)
    try:
        out = []
        while loader.check_node():
            out.append(_yaml_tree(loader.get_node(), line + 1))
        return out
    finally:
        loader.dispose()


def _yaml_tree(node: yaml.Node, first: int) -> Tree:
    """The tree of a YAML node (lines counted from ``first``); its children are converted
    when first asked for."""
    start, end = node.start_mark, node.end_mark

    def opener(tree: Tree) -> None:
        if isinstance(node, yaml.MappingNode):
            tree.fields = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    mark = (key.start_mark.line + first, key.start_mark.column + 1)
                    tree.fields.setdefault(str(key.value), (mark, _yaml_tree(value, first)))
        elif isinstance(node, yaml.SequenceNode):
            tree.items = [_yaml_tree(item, first) for item in node.value]
        elif isinstance(node, yaml.ScalarNode):
            tree.value = str(node.value)

    return Tree(start.line + first, start.column + 1, end.line + first, end.column + 1, opener)
