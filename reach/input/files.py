"""Manifests from files, directories (read recursively), globs and stdin (``-``).

YAML is read as kubectl reads it (:mod:`reach.input.kubeyaml`); a key written twice is
an error that suggests the missing ``---``. Helm templates are told apart from malformed
YAML and reported once per file (``helm-template``); charts and kustomizations found in
directories are reported by :mod:`reach.input.layout`.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reach.errors import Diagnostics
from reach.input import fastyaml, jsontext, layout, positions
from reach.input.raw import RawObject
from reach.progress import Progress

#: Kinds that live outside namespaces: ``--default-namespace`` leaves them alone, as
#: ``kubectl apply -n`` does (so do kinds whose name starts with Cluster or Global).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "CustomResourceDefinition",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
        "CiliumCIDRGroup",
        "Tier",
        "Profile",
        "HostEndpoint",
    }
)


@dataclass(frozen=True)
class FileSource:
    """Files, directories and globs given with ``-f``; ``-`` is standard input.

    ``default_namespace`` is given to namespaced objects that name none, as
    ``kubectl apply -n NS`` does.
    """

    paths: tuple[str, ...]
    progress: Progress | None = None  # a bar over the bytes of all files, on a terminal
    default_namespace: str | None = None

    def files(self, diag: Diagnostics) -> list[str]:
        return [name for _, names in self._named(diag) for name in names]

    def _named(self, diag: Diagnostics) -> list[tuple[str, list[str]]]:
        """Each ``-f`` path given, with the files it names."""
        out: list[tuple[str, list[str]]] = []
        for given in self.paths:
            names: list[str] = []
            for p in layout.expand(given, diag):
                path = Path(p)
                if p != "-" and path.is_dir():
                    names.extend(layout.directory_files(path, diag))
                else:
                    names.append(p)
            out.append((given, names))
        return out

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]:
        """The objects of every file, in order. A path in which no object is found gets an
        ``empty-input`` diagnostic naming it (partial when the whole input is empty),
        unless something else was said about it (an error, a Helm template)."""
        named = self._named(diag)
        sizes = [0 if n == "-" else os.path.getsize(n) for _, names in named for n in names]
        total, before, count = sum(sizes), 0, 0
        bar = self.progress if self.progress is not None and self.progress.active(total) else None
        empty: list[str] = []
        for given, names in named:
            said, found = len(diag.errors) + len(diag.notes), 0
            for name in names:
                done = None
                if bar is not None:  # told after every document: only when the bar shows
                    label = "<stdin>" if name == "-" else Path(name).name
                    done = functools.partial(_advance, bar, label, before, total)
                for raw in read_text(name, _read(name, diag), diag, done):
                    found += 1
                    yield in_namespace(raw, self.default_namespace)
                before += 0 if name == "-" else os.path.getsize(name)
            count += found
            if not found and len(diag.errors) + len(diag.notes) == said:
                empty.append("<stdin>" if given == "-" else given)
        _say_empty(diag, empty, whole=not count)


def _say_empty(diag: Diagnostics, empty: list[str], *, whole: bool) -> None:
    """The ``empty-input`` diagnostic: paths given in which no object was found."""
    if not empty:
        return
    if whole and not diag.errors and not any(d.partial for d in diag.notes):
        diag.add(
            "empty-input",
            f"no Kubernetes objects found in {', '.join(empty)}: the answer covers nothing",
            partial=True,
        )
    elif not whole:
        for where in empty:
            diag.add(
                "empty-input",
                "no Kubernetes object found (an empty file or directory, or documents "
                "without a kind)",
                where,
            )


def cluster_scoped(kind: str) -> bool:
    """Whether objects of ``kind`` live outside namespaces (see :data:`CLUSTER_SCOPED`)."""
    return kind in CLUSTER_SCOPED or kind.startswith(("Cluster", "Global"))


def in_namespace(raw: RawObject, namespace: str | None) -> RawObject:
    """``raw`` with ``metadata.namespace`` set to ``namespace`` if it is namespaced and
    names none (what ``kubectl apply -n`` does); otherwise ``raw`` itself."""
    obj = raw.obj
    kind = obj.get("kind")
    meta = obj.get("metadata")
    if (
        namespace is None
        or not isinstance(kind, str)
        or cluster_scoped(kind)
        or not isinstance(meta, Mapping)
        or meta.get("namespace") is not None
    ):
        return raw
    return RawObject({**obj, "metadata": {**meta, "namespace": namespace}}, raw.origin, raw.path)


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
    """Parse a file's text (JSON or multi-document YAML) into raw objects. The text of
    standard input and of what is not a file (a rendered chart) is kept for
    :mod:`reach.input.positions`, which reads files again."""
    label = "<stdin>" if name == "-" else name
    if name == "-" or not Path(name).is_file():
        positions.keep(label, text)
    if name.lower().endswith(".json") or (name == "-" and text.lstrip().startswith(("{", "["))):
        try:
            docs = [jsontext.loads(text)] if text.strip() else []
        except jsontext.MalformedJSON as e:
            line = f":{e.line}" if e.line else ""
            diag.error(f"{label}{line}", "", f"malformed JSON: {e.message}")
            return
        for i, doc in enumerate(docs, start=1):
            yield from flatten(doc, f"{label}#{i}", "")
        return
    chart = layout.chart_of_template(Path(name)) if name != "-" and Path(name).is_file() else None
    if chart is not None:  # a chart's template, even one that happens to parse as YAML
        diag.add("helm-template", _template_message(chart), label, partial=True)
        return
    if TEMPLATE.search(text):
        # Read whole first: if it is a template that is not YAML, none of it is used.
        yield from list(_yaml_objects(label, text, diag, done, template=True))
        return
    # Documents are parsed one at a time and handed on, so a large file never
    # sits in memory as dicts all at once.
    yield from _yaml_objects(label, text, diag, done)


#: Go template actions, as Helm charts hold them (``{{ .Values.x }}``, ``{{- if ... }}``).
TEMPLATE = re.compile(r"\{\{-?\s*(?:[.$]|[a-z]+\b|/\*)")


def _yaml_objects(
    label: str,
    text: str,
    diag: Diagnostics,
    done: Callable[[int], None] | None,
    *,
    template: bool = False,
) -> Iterator[RawObject]:
    stream = fastyaml.load_all(text, done)
    i = 0
    while True:
        try:
            doc = next(stream)
        except StopIteration:
            return
        except fastyaml.DuplicateKey as e:
            diag.error(
                f"{label}#{i + 1}",
                "",
                f"line {e.line}: {e.message}: missing `---` between documents?",
                f"{label}:{e.line}" if e.line else "",
            )
            return
        except fastyaml.MalformedYAML as e:
            if template:
                diag.add("helm-template", _template_message(None), label, partial=True)
                return
            line = f":{e.line}" if e.line else ""
            diag.error(f"{label}{line}", "", f"malformed YAML: {e.message}")
            return
        i += 1
        yield from flatten(doc, f"{label}#{i}", "")


def _template_message(chart: Path | None) -> str:
    render = f"--helm {chart}" if chart is not None else "--helm CHART (its chart directory)"
    return (
        f"an unrendered Helm template, not YAML: its objects were not read; render it with {render}"
    )


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
