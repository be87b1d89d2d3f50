"""Manifests from files, directories (read recursively) and stdin (``-``)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reach.errors import Diagnostics
from reach.input import fastyaml
from reach.input.raw import RawObject
from reach.progress import Progress

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class FileSource:
    """Files and directories given with ``-f``; ``-`` is standard input."""

    paths: tuple[str, ...]
    progress: Progress | None = None  # a bar over the bytes of all files, on a terminal

    def files(self, diag: Diagnostics) -> list[str]:
        out: list[str] = []
        for p in self.paths:
            if p == "-":
                out.append(p)
                continue
            path = Path(p)
            if path.is_dir():
                out.extend(
                    str(f)
                    for f in sorted(path.rglob("*"))
                    if f.is_file() and f.suffix.lower() in SUFFIXES
                )
            elif path.is_file():
                out.append(p)
            else:
                diag.error(p, "", "no such file or directory")
        return out

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]:
        names = self.files(diag)
        sizes = [0 if n == "-" else os.path.getsize(n) for n in names]
        total, before = sum(sizes), 0
        bar = self.progress if self.progress is not None and self.progress.active(total) else None
        for name, size in zip(names, sizes, strict=True):
            done = None
            if bar is not None:  # told after every document: only when the bar shows
                label = "<stdin>" if name == "-" else Path(name).name
                done = functools.partial(_advance, bar, label, before, total)
            yield from read_text(name, _read(name, diag), diag, done)
            before += size


def _advance(bar: Progress, label: str, before: int, total: int, chars: int) -> None:
    bar.update(label, min(total, before + chars), total)


def _read(name: str, diag: Diagnostics) -> str:
    try:
        if name == "-":
            raw = getattr(sys.stdin, "buffer", None)  # bytes, so bad UTF-8 is reported as such
            return raw.read().decode("utf-8") if raw is not None else sys.stdin.read()
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        diag.error("<stdin>" if name == "-" else name, "", f"cannot read: {e}")
        return ""


def read_text(
    name: str, text: str, diag: Diagnostics, done: Callable[[int], None] | None = None
) -> Iterator[RawObject]:
    """Parse a file's text (JSON or multi-document YAML) into raw objects."""
    label = "<stdin>" if name == "-" else name
    docs: list[Any]
    if name.lower().endswith(".json") or (name == "-" and text.lstrip().startswith(("{", "["))):
        try:
            docs = [json.loads(text)] if text.strip() else []
        except json.JSONDecodeError as e:
            diag.error(f"{label}:{e.lineno}", "", f"malformed JSON: {e.msg} (column {e.colno})")
            return
    else:
        # Documents are parsed one at a time and handed on, so a large file never
        # sits in memory as dicts all at once.
        stream = fastyaml.load_all(text, done)
        i = 0
        while True:
            try:
                doc = next(stream)
            except StopIteration:
                return
            except fastyaml.MalformedYAML as e:
                line = f":{e.line}" if e.line else ""
                diag.error(f"{label}{line}", "", f"malformed YAML: {e.message}")
                return
            i += 1
            yield from flatten(doc, f"{label}#{i}", "")
        return
    for i, doc in enumerate(docs, start=1):
        yield from flatten(doc, f"{label}#{i}", "")


def flatten(doc: Any, origin: str, path: str) -> Iterator[RawObject]:
    """Yield the Kubernetes objects in a document, unpacking ``kind: List``/``*List``.

    Documents that are not Kubernetes objects (no ``kind``) are skipped.
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("kind"), str):
        return
    kind = doc["kind"]
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        item_kind = kind[: -len("List")]
        for j, item in enumerate(doc["items"]):
            if item_kind and isinstance(item, Mapping) and "kind" not in item:
                item = {**item, "kind": item_kind}  # API list responses omit the items' kind
            yield from flatten(item, origin, f"{path}items[{j}].")
        return
    yield RawObject(doc, origin, path)
