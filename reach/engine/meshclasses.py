"""Behaviour classes renumbered beside Istio's mesh layer (:mod:`reach.engine.classmoves`:
a class gone, made, moved, split or merged).

The mesh's answer is ANDed into the ingress rows last, and the compilation keeps the rows
before that AND (:class:`~reach.engine.meshstate.MeshState`). So the classes are
renumbered over those rows as without the mesh (:func:`unmeshed`: the rows before the
AND, the answers per key the mesh state keeps), and the mesh layer is then made again
over the new classes from the label classes' features it holds (a label class key holds
all the mesh reads of a pod), and ANDed into the renumbered rows (:func:`remeshed`). The
number of each class's answers but the mesh's (``MeshState.class_code``) follows its
class; a new class takes the number of a class answering alike, or one of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace

import numpy as np

from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.meshands import Ands
from reach.engine.meshlayer import MeshLayer
from reach.engine.meshstate import MeshState
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowbuffer import empty_rows
from reach.engine.rowsagain import side_tables
from reach.engine.taking import Taking


def unmeshed(x: Reachability, keys: ClassKeys) -> tuple[Reachability, ClassKeys] | None:
    """``x`` with its ingress rows before the mesh's AND and no mesh layer, and ``keys``
    with the answers per key the mesh state keeps; None without a mesh state."""
    kept = x.mesh_state
    if kept is None or kept.key_answers is None:
        return None
    return before_and(x), replace(keys, answers=kept.key_answers)


def before_and(x: Reachability) -> Reachability:
    """``x`` with its ingress rows before the mesh's AND (its mesh state's) and no mesh
    layer."""
    kept = x.mesh_state
    assert kept is not None, "beside the mesh, with its state"
    return replace(x, ingress_rows=kept.rows, ingress_group=kept.row_of, mesh=None, mesh_state=None)


def ends_remeshed(
    x: Reachability, move: Callable[[Reachability], Reachability], columns: IntVec | None
) -> Reachability:
    """``move`` (the external ends changed: segments cut, pseudo peers added or taken out)
    taken over the rows of ``x`` before the mesh's AND (:func:`unmeshed`), and the mesh
    layer made again over the new ends and ANDed in (:func:`remeshed`, every behaviour
    class kept; ``columns``: the class of ``x`` each class is, when every one answers as
    that class did, else None)."""
    base = unmeshed(x, x.class_keys) if x.class_keys is not None else None
    assert base is not None and x.mesh is not None, "the ends move beside the mesh with its state"
    moved = move(replace(base[0], class_keys=base[1]))
    return remeshed(x, moved, np.arange(x.n_internal, dtype=np.intp), -1, x.mesh, columns)


def remeshed(
    x: Reachability,
    after: Reachability,
    source: IntVec,
    new_code: int,
    mesh: MeshLayer,
    columns: IntVec | None = None,
) -> Reachability:
    """``after`` (the classes of ``x`` renumbered over :func:`unmeshed` rows: class i is
    ``source[i]`` of ``x``, -1 a new one whose answers but the mesh's are numbered
    ``new_code``) with a mesh layer of the label classes' features of ``mesh`` made over
    its classes and ANDed into its ingress rows.

    ``columns`` (the class of ``x`` each class is, every class: behaviour classes, then
    the external ends; -1 at most once, a new behaviour class) says that every class
    answers, before the AND, as that class of ``x`` did (pods came or went, classes split
    or merged before a policy goes in, segments cut): where the mesh sees each one as it
    saw that class too, the rows of ``x`` after the AND are taken in the new order and
    only the new class's entries ANDed (its column, its row)."""
    layer = _layer(x, after, mesh, source)
    if columns is not None and _seen_alike(x, layer, columns):
        meshed, fresh = _taken(x, after, layer, columns)
        return _meshed(x, after, source, new_code, layer, meshed, fresh)
    rows, row_of, ands, _ = layer.ingress(after.ingress_rows, after.ingress_group, after.atoms)
    fresh = ids_in(rows, len(after.atoms.values))
    return _meshed(x, after, source, new_code, layer, (rows, row_of, ands), fresh)


def _taken(
    x: Reachability, after: Reachability, layer: MeshLayer, columns: IntVec
) -> tuple[tuple[PortSetIds, IntVec, Ands], set[int]]:
    """The rows after the AND of :func:`remeshed` given ``columns``, numbered as
    :meth:`MeshLayer.ingress` numbers them (a row per digest, in the order of the classes
    that first have it), and the ids of the entries ANDed here: each row is the row of
    ``x`` of a class of its digest's column, taken in the new order, with the new class's
    entry (and, for the new class, its own row) ANDed."""
    anding = layer.anding(after.atoms)
    pre, pre_of = after.ingress_rows, after.ingress_group
    ands: Ands = {}
    row_of, first = anding.numbered(pre_of, ands)  # (a class of each row)
    of = np.array(first, dtype=np.intp)
    rows = empty_rows(len(of), len(columns), x.ingress_rows.dtype)
    Taking(columns)(x.ingress_rows, 0, rows=x.ingress_group[np.maximum(columns[of], 0)], out=rows)
    if (columns >= 0).all():
        return (rows, row_of, ands), set()
    at = int(np.flatnonzero(columns < 0)[0])
    entry = anding.column(pre[pre_of, at], at)
    rows[:, at] = entry[of]
    rows[row_of[at]] = own = anding.row(at, pre[pre_of[at]])
    return (rows, row_of, ands), set(np.unique(entry).tolist()) | set(np.unique(own).tolist())


def _seen_alike(x: Reachability, layer: MeshLayer, columns: IntVec) -> bool:
    """Whether ``layer`` sees every class but a new one (``columns``) as ``x``'s mesh
    layer sees its class of ``x``: as a caller, as a destination and, under REGISTRY_ONLY,
    through its proxy (one new class at most)."""
    old = x.mesh
    if old is None or int((columns < 0).sum()) > 1:
        return False
    kept = np.flatnonzero(columns >= 0)
    internal = kept[kept < len(layer.classes)]
    pairs: list[tuple[Sequence[Hashable], list[int], Sequence[Hashable], list[int], IntVec]] = [
        (layer.callers, layer.caller_of, old.callers, old.caller_of, kept),
        (layer.dest_keys, layer.dest_of, old.dest_keys, old.dest_of, internal),
    ]
    if (layer.egress is None) != (old.egress is None):
        return False
    if layer.egress is not None and old.egress is not None:
        new_plan, old_plan = layer.egress, old.egress
        pairs.append(
            (new_plan.sources, new_plan.source_of, old_plan.sources, old_plan.source_of, kept)
        )
        pairs.append(
            (new_plan.targets, new_plan.target_of, old_plan.targets, old_plan.target_of, kept)
        )
    return all(_profiles_alike(*pair, columns) for pair in pairs)


def _profiles_alike(
    profiles: Sequence[Hashable],
    profile_of: list[int],
    old_profiles: Sequence[Hashable],
    old_profile_of: list[int],
    at: IntVec,
    columns: IntVec,
) -> bool:
    """Whether the classes ``at`` have the profiles (``profiles[profile_of[c]]``) their
    columns of ``x`` had (``old_profiles[old_profile_of[columns[c]]]``)."""
    if not len(at):
        return True
    number = {p: i for i, p in enumerate(profiles)}
    translated = np.array([number.get(p, -1) for p in old_profiles], dtype=np.intp)
    now = np.array(profile_of, dtype=np.intp)[at]
    then = translated[np.array(old_profile_of, dtype=np.intp)[columns[at]]]
    return bool(np.array_equal(now, then))


def _layer(x: Reachability, after: Reachability, mesh: MeshLayer, source: IntVec) -> MeshLayer:
    """A mesh layer of the label classes' features of ``mesh`` over ``after``'s classes
    (``source``: the class of ``x`` each is, -1 a new one)."""
    keys = after.class_keys
    assert keys is not None
    layer = MeshLayer(after.cluster, mesh.l7)
    layer.features, layer.label_codes, layer.code_ids = (
        mesh.features,
        mesh.label_codes,
        mesh.code_ids,
    )
    if mesh is x.mesh or mesh.cluster.istio is after.cluster.istio:  # the same decisions
        layer.memo = mesh.memo
    first = mesh.first_of(keys.label, keys.first_key)
    taken = _profiles_kept(x, layer, first, source)
    layer.in_classes(first, after.segments, len(after.pseudo), like=mesh, taken=taken)
    layer.read_from = (keys.label, keys.first_key)
    return layer


def _profiles_kept(
    x: Reachability, layer: MeshLayer, first: IntVec, source: IntVec
) -> tuple[MeshLayer, IntVec] | None:
    """``x``'s mesh layer and ``source`` when every class that is one of ``x``'s
    (``source``) is seen by ``layer`` as ``x``'s layer saw it: the same Istio objects, and
    its first label class of the code ``x``'s first label class of it had (a code names
    every feature the profiles read); None otherwise (at 100k pods the profiles of every
    class took 180 ms of a new class's update)."""
    old = x.mesh
    if old is None or old.first_label_class is None or old.cluster.istio is not layer.cluster.istio:
        return None
    if len(old.classes) != x.n_internal or len(source) != len(first):
        return None
    if (
        len(old.dests) > 2 * len(set(old.dest_of)) + 8
        or len(old.callers) > 2 * len(set(old.caller_of)) + 8
    ):
        return None  # (profiles of classes gone, kept so, made again once they pile up)
    codes = layer.code_ids
    if codes is not old.code_ids and any(codes.get(k) != v for k, v in old.code_ids.items()):
        return None  # (the codes mean other features)
    kept = source >= 0
    now = layer.label_codes[first[kept]]
    then = old.label_codes[old.first_label_class[source[kept]]]
    return (old, source) if np.array_equal(now, then) else None


def _meshed(
    x: Reachability,
    after: Reachability,
    source: IntVec,
    new_code: int,
    layer: MeshLayer,
    meshed: tuple[PortSetIds, IntVec, Ands],
    fresh: set[int],
) -> Reachability:
    """``after`` with ``layer`` and its ingress rows after the AND (``meshed``: the rows,
    each class's, the digests that number them; ``fresh``: ids they hold that ``after``'s
    sides may not), the rows before it kept in the mesh state."""
    kept, keys = x.mesh_state, after.class_keys
    assert kept is not None and keys is not None
    rows, row_of, ands = meshed
    masks, ids, table = side_tables(after, fresh)
    code = np.full(len(source), new_code, dtype=np.intp)
    code[source >= 0] = kept.class_code[source[source >= 0]]
    calico = after.calico_state or kept.calico  # (kept: given back only while it holds)
    state = MeshState(after.ingress_rows, after.ingress_group, code, keys.answers, ands, calico)
    return replace(
        after,
        mesh=layer,
        ingress_rows=rows,
        ingress_group=row_of,
        class_keys=replace(keys, answers=None, by_signature={}),
        mesh_state=state,
        _side_masks=masks,
        _side_ids=ids,
        _and=table,
    )


def ids_in(rows: PortSetIds, n_ids: int) -> set[int]:
    """The ids ``rows`` hold (of ``n_ids``), read in blocks of rows: linear, where
    ``np.unique`` of every row at once sorts hundreds of megabytes at 100k pods."""
    seen = np.zeros(n_ids, dtype=bool)
    step = max(1, (1 << 22) // max(1, rows.shape[1]))
    for lo in range(0, len(rows), step):
        seen[rows[lo : lo + step]] = True
    return set(np.flatnonzero(seen).tolist())
