"""Every notebook under notebooks/ runs top to bottom, and is kept without outputs.

Each notebook executes with nbclient in a python3 kernel of this interpreter,
with notebooks/ as the working directory (explore.ipynb also from the
repository root); any error in any cell fails the test. large-cluster.ipynb
needs the cluster generator of ../shared (or $REACH_SHARED) and is skipped
without it.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

from tests.helpers import ROOT, SHARED

NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
GENERATOR = SHARED / "bench" / "gen_cluster.py"
CELL_TIMEOUT = 300  # seconds, per cell


def read(path: Path) -> nbformat.NotebookNode:
    nb: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return nb


def execute(path: Path, cwd: Path) -> None:
    nb = read(path)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",  # jupyter_client starts it with this interpreter
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors


def test_there_are_notebooks() -> None:
    assert {p.name for p in ALL} >= {"explore.ipynb", "large-cluster.ipynb"}


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for i, cell in enumerate(nb.cells):
        assert cell.source.strip(), f"{path.name} cell {i}: empty"
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i}: outputs are stripped in git"
            assert cell.execution_count is None, f"{path.name} cell {i}: execution count"
            assert i > 0 and nb.cells[i - 1].cell_type == "markdown", (
                f"{path.name} cell {i}: a code cell follows a sentence of prose"
            )


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebook_runs(path: Path) -> None:
    if path.name == "large-cluster.ipynb" and not GENERATOR.is_file():
        pytest.skip(f"no cluster generator at {GENERATOR} (set REACH_SHARED)")
    execute(path, NOTEBOOKS)


def test_explore_runs_from_the_repository_root() -> None:
    execute(NOTEBOOKS / "explore.ipynb", ROOT)
