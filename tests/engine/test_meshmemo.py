"""reach.engine.meshmemo: what a mesh layer works out from the Istio objects alone is kept
for the layers made again of the same objects; what depends on the port atoms is kept for
the same atoms only."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

import reach
from reach.engine.atoms import PortAtoms
from reach.engine.meshlayer import MeshLayer
from reach.engine.meshmemo import MeshMemo
from reach.engine.reachability import Reachability

ISTIO = Path(__file__).resolve().parents[2] / "examples" / "istio"


def _compiled() -> Reachability:
    x = reach.load(str(ISTIO)).analysis.reachability
    assert x.mesh is not None and x.mesh.marked(x.atoms), "the example has an L7 mark"
    return x


def _again(layer: MeshLayer, memo: MeshMemo) -> MeshLayer:
    """``layer`` as made again with ``memo`` (its own decisions and rows forgotten)."""
    out = copy.copy(layer)
    out.memo, out.verdicts, out._rows = memo, {}, None
    return out


def _portsets(atoms: PortAtoms, rows: list[np.ndarray]) -> list[list[str]]:
    return [[atoms.texts[int(i)] for i in row] for row in rows]


def test_a_layer_with_a_kept_memo_answers_as_one_with_a_fresh_memo() -> None:
    x = _compiled()
    assert x.mesh is not None
    kept, fresh = _again(x.mesh, x.mesh.memo), _again(x.mesh, MeshMemo())
    assert _portsets(x.atoms, kept.anding(x.atoms).mesh_rows) == _portsets(
        x.atoms, fresh.anding(x.atoms).mesh_rows
    )
    assert repr(kept.marked(x.atoms)) == repr(fresh.marked(x.atoms))


def test_the_admitted_ids_are_kept_for_the_same_atoms_only() -> None:
    """Other atoms number the port sets otherwise: a table (or a layer's rows) kept past
    its atoms would give the ids of the old ones (here, of other port sets)."""
    x = _compiled()
    assert x.mesh is not None
    memo = MeshMemo()
    layer = _again(x.mesh, memo)
    before = _portsets(x.atoms, layer.anding(x.atoms).mesh_rows)
    other = PortAtoms(x.atoms.portsets)  # the same cuts, ids given in another order
    assert other.texts[: len(x.atoms.texts)] != x.atoms.texts
    assert _portsets(other, layer.anding(other).mesh_rows) == before  # the layer's own too
    table, _ = memo.admitted(other, True)
    assert table and memo.admitted(other, True)[0] is table
    assert memo.admitted(other, False)[0] == {}  # without L7, other answers
