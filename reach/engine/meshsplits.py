"""Behaviour classes parted again after an Istio change (:mod:`reach.engine.meshmoves`):
where the mesh's new answers split classes or make classes alike.

A behaviour class is the label classes that answer alike every policy and rule peer
(numbered per label class: ``MeshState.label_code``) and the mesh (``MeshLayer.codes``).
When an AuthorizationPolicy or PeerAuthentication changes the mesh's answers so that the
label classes with pods part otherwise, the new classes are the label classes of each
pair of numbers, numbered as a compilation numbers classes (by their least key with
pods). The label classes of a new class answer every policy alike, so it allows and is
allowed, before the mesh's AND, what any class of the compilation holding one of them
did: the classes are renumbered over the rows before the AND and the new mesh layer is
ANDed in (:func:`reach.engine.classmoves.rebuilt`, :mod:`reach.engine.meshclasses`).
Beside Calico's tiers the numbers are of the Calico answers' hashes, the classes put
together are compared on every Calico answer too (each policy's selection each way,
host networking), and they are renumbered over the Calico state the mesh state keeps
(:func:`reach.engine.calicoclasses.renumbered`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from reach.engine.answerhash import Columns, all_alike, columns_of
from reach.engine.arrays import BoolVec, IntVec
from reach.engine.calicoclasses import renumbered
from reach.engine.calicohash import answer_columns, answers_of
from reach.engine.calicostate import CalicoState
from reach.engine.classes import sort_key
from reach.engine.classmoves import GONE, Plan, every_class, renumber_table
from reach.engine.meshlayer import MeshLayer
from reach.engine.moves import Move
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Cluster


def reparted(
    x: Reachability, cluster: Cluster, live: BoolVec, others: IntVec, mesh: MeshLayer
) -> Move | None:
    """``x`` for ``cluster`` (its Istio objects changed) with the label classes with pods
    (``live``) in the classes of their numbers ``others`` and ``mesh.label_codes`` and
    their named-port resolution, the mesh layer ``mesh`` ANDed in; every class counts as
    changed. None when that needs a compilation."""
    keys, pod_label = x.class_keys, x.pod_label_class
    state = x.policy_state if x.policy_state is not None else x.calico_state
    if keys is None or pod_label is None or state is None:
        return None
    # (a class's label classes resolve the rules' port names alike: a compilation keeps
    # classes of other resolutions apart, whatever else they answer alike)
    resolution = state.masks.resolution_of
    parts: dict[tuple[int, int, int], list[int]] = {}
    for label in np.flatnonzero(live).tolist():
        code = (int(others[label]), int(mesh.label_codes[label]))
        parts.setdefault((*code, int(resolution[keys.behaviour[label]])), []).append(label)
    if not _alike(x, state, keys, parts.values()):
        return None

    def by_key(label: int) -> tuple[object, ...]:
        return sort_key(keys.label_keys[label])

    least = {p: min(labels, key=by_key) for p, labels in parts.items()}
    order = sorted(parts, key=lambda p: by_key(least[p]))
    behaviour = [GONE] * len(keys.label_keys)
    for i, part in enumerate(order):
        for label in parts[part]:
            behaviour[label] = i
    compiled = len(state.labels)
    plan = Plan(
        source=np.array([keys.behaviour[least[p]] for p in order], dtype=np.intp),
        behaviour=behaviour,
        first=np.array(
            [min(parts[p], key=lambda k: (k >= compiled, k)) for p in order], dtype=np.intp
        ),
        renumber=renumber_table(x.n_internal),
        split=True,
    )
    first_key = [keys.label_keys[least[p]] for p in order]
    after = renumbered(
        x, cluster, replace(keys, first_key=first_key), pod_label, plan, None, mesh=mesh
    )
    if after is None:
        return None
    internal = np.full(x.n_internal, -1, dtype=np.intp)
    for label in np.flatnonzero(live).tolist():  # each class of x: a class of one of its keys
        internal[keys.behaviour[label]] = behaviour[label]
    renumber = every_class(x, internal, len(order))
    return Move(after, np.ones(len(order), dtype=bool), [], (renumber, list(range(x.n_internal))))


def _alike(
    x: Reachability, state: PolicyState, keys: ClassKeys, parts: Iterable[list[int]]
) -> bool:
    """Whether the classes whose label classes are parted together answer every policy
    and rule peer alike and resolve named ports alike, compared answer by answer (the
    numbers are by hashes of the answers: equal numbers of unequal answers would merge
    classes a compilation keeps apart)."""
    columns = _answers(x, state)
    if columns is None:
        return False
    resolution = state.masks.resolution_of
    for labels in parts:
        classes = sorted({keys.behaviour[label] for label in labels})
        if len(classes) < 2:
            continue
        if not all_alike(columns, classes) or len(set(resolution[classes].tolist())) > 1:
            return False
    return True


def _answers(x: Reachability, state: PolicyState) -> Columns | None:
    """Every answer of some classes: who each policy selects and each rule's peers hold;
    beside Calico's tiers, each policy's selection each way too and whether a class is
    host-networked (``calicohash.answer_columns``: Calico's classes are told apart so);
    None beside the tiers without them."""
    if not isinstance(state, CalicoState):
        return columns_of(state.subjects, x.rules)
    if x.calico is None:
        return None
    host = state.labels.host_network[state.classes.first_label_class]
    return answers_of(answer_columns(x.rules, x.calico.owners, host))
