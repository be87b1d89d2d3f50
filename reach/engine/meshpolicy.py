"""A NetworkPolicy, admin policy or Cilium policy changed in place beside Istio's mesh
layer (:mod:`reach.engine.policymoves`).

The mesh's answer is ANDed into the ingress rows last, so the rows the policy decides are
computed again before that AND, over the kept rows before it
(:class:`~reach.engine.meshstate.MeshState`), and the mesh's answer is ANDed into them
again (the rows whose mesh answer is the same are taken as they were). A change that
splits classes, or merges classes the mesh sees alike, splits or merges them over the
rows before the mesh's AND, the mesh layer made again over the new classes
(:mod:`reach.engine.meshclasses`); classes the policies now answer alike but the mesh
tells apart stay apart, as a compilation keeps them. The kept
answers' numbers are those of the classes' answers after the change. The mesh layer itself
is kept as it is: of the cluster it reads the Istio objects, the Services and the
namespaces' sidecar injection, which these changes leave as they were (a relabel that
changes the injection loads: :mod:`reach.api.namespaceupdate`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.answerhash import Columns, all_alike
from reach.engine.arrays import BoolVec, IntVec, UIntVec
from reach.engine.meshclasses import ids_in, unmeshed
from reach.engine.meshstate import recoded
from reach.engine.policystate import PolicyState
from reach.engine.reachability import Reachability
from reach.engine.rowbuffer import extends
from reach.engine.rowsagain import rows_again, side_tables
from reach.engine.rules import AnyPolicy, CompiledRule
from reach.model.cluster import Cluster


def mesh_codes(
    x: Reachability,
    hashes: UIntVec | None,
    added: list[BoolVec],
    resolution: IntVec,
    columns: Columns,
) -> tuple[IntVec, list[list[int]]] | None:
    """Beside the mesh layer: the classes' numbers after a change (by the hash of each
    class's answers and its named-port resolution when the hashes are made, else the
    numbers before parted by the answers ``added``), and the groups of classes that come
    to answer alike and that the mesh sees alike: they merge
    (:func:`reach.engine.classsplits.merged_classes`). The classes of a group are compared
    answer by answer (``columns``); None when two of them answer otherwise (equal hashes
    of unequal answers: a compilation tells them apart). Classes the mesh tells apart may
    share a number by equal hashes of unequal answers: an Istio change that parts the
    label classes by the numbers compares the answers of the classes it puts together
    (:mod:`reach.engine.meshsplits`)."""
    kept, keys, mesh = x.mesh_state, x.class_keys, x.mesh
    if kept is None or keys is None or mesh is None:
        return None
    seen = mesh.label_codes[mesh.first_of(keys.label, keys.first_key)]
    if hashes is None:  # answers only added: no two classes come to answer alike
        return recoded(kept.class_code, added), []
    ids: dict[tuple[int, int], int] = {}
    pairs = zip(hashes.tolist(), resolution.tolist(), strict=True)
    code = np.array([ids.setdefault(p, len(ids)) for p in pairs], dtype=np.intp)
    alike: dict[tuple[int, int], list[int]] = {}
    for c, pair in enumerate(zip(code.tolist(), seen.tolist(), strict=True)):
        alike.setdefault(pair, []).append(c)
    groups = [group for group in alike.values() if len(group) > 1]
    if not all(all_alike(columns, group) for group in groups):
        return None
    return code, groups


def rows_moved(
    x: Reachability,
    cluster: Cluster,
    state: PolicyState,
    rules: list[CompiledRule],
    touched: dict[str, BoolVec],
    added: AnyPolicy | None,
    policy_selected: list[BoolVec],
    class_code: IntVec | None = None,
) -> Reachability | None:
    """:func:`rows_again`; beside the mesh layer, over the rows before the mesh's AND, the
    mesh ANDed in again, the classes numbered by their answers as ``class_code``
    (:func:`mesh_codes`); None when ``x`` has no mesh state there (see the module doc)."""
    kept, mesh, keys = x.mesh_state, x.mesh, x.class_keys
    if mesh is None:
        return rows_again(x, cluster, state, rules, touched, added, policy_selected)
    base = unmeshed(x, keys) if kept is not None and keys is not None else None
    if base is None or kept is None or class_code is None:
        return None
    before = replace(base[0], class_keys=base[1])
    moved = rows_again(before, cluster, state, rules, touched, added, policy_selected)
    return meshed_again(x, moved, class_code)


def meshed_again(x: Reachability, moved: Reachability, class_code: IntVec) -> Reachability:
    """``moved`` (``x`` with ingress rows computed again before the mesh's AND: appended
    to the rows ``x``'s mesh state keeps, the classes as they were) with the mesh's
    answer ANDed in again (the rows whose AND was made are taken as they were), the rows
    before the AND and the classes' numbers ``class_code`` kept in the mesh state."""
    kept, mesh = x.mesh_state, x.mesh
    assert kept is not None and mesh is not None, "beside the mesh, with its state"
    rows, row_of = moved.ingress_rows, moved.ingress_group
    after_keys = moved.class_keys
    assert after_keys is not None
    # the rows before kept their numbers (appended to): the rows made still stand
    made = (kept.ands, x.ingress_rows) if extends(rows, kept.rows) else None
    meshed, meshed_of, ands, fresh = mesh.ingress(rows, row_of, x.atoms, made)
    if fresh is None:  # every row made anew
        fresh = ids_in(meshed, len(x.atoms.values))
    masks, ids, table = side_tables(moved, fresh)
    return replace(
        moved,
        mesh=mesh,
        ingress_rows=meshed,
        ingress_group=meshed_of,
        class_keys=replace(after_keys, answers=None),  # the mesh state carries them
        mesh_state=replace(
            kept,
            rows=rows,
            row_of=row_of,
            key_answers=after_keys.answers,
            ands=ands,
            class_code=class_code,
        ),
        _side_masks=masks,
        _side_ids=ids,
        _and=table,
    )
