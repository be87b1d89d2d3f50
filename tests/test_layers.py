"""The package's layers: no module imports a module above it, and no imports form a cycle.

The order is written down once, here and in docs/architecture.md. A module may
import modules of a lower layer and of its own package; ``output`` and
``draw`` share a layer and do not import each other. Imports inside
functions and under ``TYPE_CHECKING`` count as well: a dependency is a
dependency whenever it is resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "reach"

#: Layers from the bottom up; each entry names the packages or modules it holds.
LAYERS: list[tuple[str, ...]] = [
    ("reach.errors", "reach.freedmemory", "reach.gcpause", "reach.progress", "reach.words"),
    ("reach.model",),
    ("reach.input",),
    ("reach.engine",),
    ("reach.analysis",),
    ("reach.audit",),
    ("reach.output", "reach.draw"),
    ("reach.api",),
    ("reach.cli",),
    ("reach", "reach.__main__"),
]


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their own name)."""
    out = {}
    for f in sorted(root.rglob("*.py")):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def unit(module: str) -> str:
    """The layer entry a module belongs to: the longest listed prefix."""
    best = ""
    for layer in LAYERS:
        for entry in layer:
            if (module == entry or module.startswith(entry + ".")) and len(entry) > len(best):
                best = entry
    assert best, f"{module} is in no layer: add it to LAYERS (and docs/architecture.md)"
    return best


def rank(module: str) -> int:
    entry = unit(module)
    return next(i for i, layer in enumerate(LAYERS) if entry in layer)


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of the package that ``name`` imports (resolved to module names)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        found.update(t for t in targets if t in known)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module above the importer, or across peers of one layer."""
    bad = []
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            if unit(a) == unit(b):
                continue
            if rank(b) >= rank(a):
                bad.append(f"{a} imports {b} (layer {rank(b)} >= {rank(a)})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles, one per strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        assert unit(name)


def test_no_module_imports_a_module_above_it() -> None:
    bad = upward(import_graph())
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize(
    ("graph", "problem"),
    [
        ({"reach.model.a": {"reach.engine.b"}, "reach.engine.b": set()}, "upward"),
        ({"reach.output.a": {"reach.draw.b"}, "reach.draw.b": set()}, "upward"),
        (
            {"reach.audit.a": {"reach.audit.b"}, "reach.audit.b": {"reach.audit.a"}},
            "cycle",
        ),
    ],
)
def test_the_checks_catch_what_they_forbid(graph: dict[str, set[str]], problem: str) -> None:
    """The two checks fail on an upward import, an import between peers, and a cycle."""
    if problem == "upward":
        assert upward(graph)
    else:
        assert cycles(graph) == [sorted(graph)]


def test_imports_are_resolved_from_the_source(tmp_path: Path) -> None:
    """Relative, absolute, submodule and function-local imports are all seen."""
    pkg = tmp_path / "reach"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "model").mkdir()
    for f in ("__init__.py", "engine/__init__.py", "model/__init__.py", "model/ports.py"):
        (pkg / f).write_text("")
    (pkg / "engine" / "a.py").write_text(
        "from ..model import ports\n"
        "def f():\n    from reach.model.ports import X\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import reach.model\n"
    )
    known = modules(pkg)
    assert imports("reach.engine.a", pkg / "engine" / "a.py", known) == {
        "reach.model",
        "reach.model.ports",
    }
