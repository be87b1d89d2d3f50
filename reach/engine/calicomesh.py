"""Calico's tiers beside Istio's mesh layer: the Calico state a compilation with both
keeps, and the Calico steps taken over the rows before the mesh's AND
(:mod:`reach.engine.calicomoves`, :mod:`reach.engine.calicorelabel`).

The mesh's answer is ANDed into the ingress rows last (:mod:`reach.engine.meshpolicy`).
A compilation with both keeps Calico's state and the answers per key in the mesh state
(``MeshState.calico``, ``MeshState.key_answers``; ``Reachability.calico_state`` is None
there, so a quick way that reads that field and does not take the mesh into account never
takes it for its own). :func:`with_calico` gives them back while the state holds for the
reachability: the same behaviour classes of the same label classes, port atoms, address
segments and namespaces (an update of another kind that moves any of them leaves it
behind: the next update that needs it loads); :func:`stashed` puts them back when the
update is done. The Calico steps take the rows before the mesh's AND
(``MeshState.rows``) and the mesh's answer is ANDed in again
(:func:`reach.engine.meshpolicy.meshed_again`). Each class's number of its answers but the
mesh's (``MeshState.class_code``) is made again from the hashes of its answers
(:func:`reach.engine.meshpolicy.mesh_codes`), and the classes that come to answer alike
where the mesh sees them alike merge. Classes split, merged and renumbered beside the mesh
go through ``calicoclasses.renumbered``, which makes the mesh layer again.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.calicohash import answers_of
from reach.engine.calicostate import CalicoState
from reach.engine.calicosteps import CalicoSteps
from reach.engine.meshclasses import before_and
from reach.engine.meshpolicy import mesh_codes, meshed_again
from reach.engine.namedmoves import resolution_ids
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rules import NamedKey
from reach.model.cluster import Cluster


def with_calico(x: Reachability) -> Reachability | None:
    """``x`` with its Calico state: its own, or beside the mesh layer the one its mesh
    state keeps, while that state holds for ``x`` (see the module doc); None when it has
    none that holds."""
    if x.calico_state is not None:
        return unstashed(x)  # (the answers a remeshing left in the mesh state, its own)
    kept, keys = x.mesh_state, x.class_keys
    state = kept.calico if kept is not None else None
    if state is None or keys is None or x.calico is None or not _holds(state, x, keys):
        return None
    return unstashed(x)


def unstashed(x: Reachability) -> Reachability:
    """``x`` with the Calico state and the answers per key its mesh state keeps as its own,
    where it has none of its own (:func:`with_calico` checks that the state holds first;
    a step beside the mesh that keeps Calico's state its own may leave the answers in the
    mesh state: ``meshclasses.remeshed``)."""
    kept, keys = x.mesh_state, x.class_keys
    calico = x.calico_state if x.calico_state is not None else kept.calico if kept else None
    if kept is None or keys is None or calico is None:
        return x
    answers = keys.answers if keys.answers is not None else kept.key_answers
    return replace(x, calico_state=calico, class_keys=replace(keys, answers=answers))


def _holds(state: CalicoState, x: Reachability, keys: ClassKeys) -> bool:
    """Whether ``state`` was made over ``x``'s classes, label classes (no key found since),
    port atoms, segments and namespaces."""
    classes = state.classes
    return (
        len(classes.first_label_class) == x.n_internal
        and len(keys.behaviour) == len(state.labels)
        and state.masks.atoms is x.atoms
        and np.array_equal(classes.of_label_class, np.array(keys.behaviour, dtype=np.intp))
        and state.matcher.made_over(x.segments)
        and list(state.matcher.namespace_position) == sorted(x.cluster.namespaces)
    )


def steps_moved(
    steps: CalicoSteps,
    x: Reachability,
    cluster: Cluster,
    state: CalicoState,
    touched: dict[str, BoolVec],
    class_keys: ClassKeys,
    coded: bool,
    gone: list[NamedKey] | None = None,
) -> tuple[Reachability, list[list[int]]] | None:
    """``steps.moved`` and the groups of classes to merge after (``steps.groups``); beside
    the mesh layer over the rows before its AND, the mesh's answer ANDed in again and
    Calico's state kept in the mesh state (``coded``: the classes' answers may have
    changed, so their numbers are made again from the steps' hashes, and the classes that
    come to answer alike where the mesh sees them alike are the groups; ``gone``: port
    names no rule names any more, which they do not read); None when equal hashes there
    hold unequal answers."""
    kept = x.mesh_state
    if x.mesh is None or kept is None:
        return steps.moved(x, cluster, state, touched, class_keys), steps.groups
    found = _codes(x, steps, state, gone or []) if coded else (kept.class_code, [])
    if found is None:
        return None
    moved = steps.moved(before_and(x), cluster, state, touched, class_keys)
    return stashed(meshed_again(x, moved, found[0])), found[1]


def stashed(x: Reachability) -> Reachability:
    """``x`` with its Calico state and its answers per key kept in its mesh state, none of
    its own (beside the mesh layer; elsewhere ``x`` as it is)."""
    kept, keys = x.mesh_state, x.class_keys
    if x.mesh is None or kept is None or keys is None or x.calico_state is None:
        return x
    answers = keys.answers if keys.answers is not None else kept.key_answers
    return replace(
        x,
        calico_state=None,
        class_keys=replace(keys, answers=None),  # (the mesh state carries them)
        mesh_state=replace(kept, calico=x.calico_state, key_answers=answers),
    )


def _codes(
    x: Reachability, steps: CalicoSteps, state: CalicoState, gone: list[NamedKey]
) -> tuple[IntVec, list[list[int]]] | None:
    """Each class's number of its answers but the mesh's after the steps (by the hash of
    its answers and its named-port resolution), and the groups of classes that come to
    answer alike where the mesh sees them alike (a compilation has one class of each:
    they merge); None when equal hashes hold unequal answers there, or the steps made no
    hashes."""
    if steps.hashes is None or steps.columns is None:
        return None
    resolution = state.masks.resolution_of[: x.n_internal]
    if gone:  # classes told apart by a name no rule names any more answer alike
        resolution = resolution_ids(state, [k for k in state.named_ports if k not in gone])
    return mesh_codes(x, steps.hashes, [], resolution, answers_of(steps.columns))
