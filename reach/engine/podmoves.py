"""Pods added to or taken out of a compiled cluster without compiling it again.

A pod's behaviour class is a function of its label class key (namespace, labels, used
named ports, host networking and, where they count, service account and sidecar
injection) and of the policies. Label classes are numbered in key order, and behaviour
classes in the order of their least key (docs/architecture.md, "The engine"), so a pod
comes or goes without renumbering anything while:

- its key is one the compilation has seen (:class:`~reach.engine.reachability.ClassKeys`):
  the pod joins that key's class; or its key is new and its signature (its answer to every
  policy and rule peer: :mod:`reach.engine.keyanswers`) is an existing behaviour class's,
  which it joins;
- a behaviour class keeps a pod, and its least key with pods stays between those of
  the classes before and after it (a key with no pods left stays known: a pod of it later
  joins the same class, which a compilation would give it too).

The rows of every class then stay what they were: they depend on the classes, the
policies and the addresses, not on the pods (beside Calico's tiers, also on which
Profiles of the input some pod carries: when the first pod comes to carry one with rules
the caller gives the answers per key the plan after; when the last goes, or the first
cuts the frame anew, the caller takes the Profile's rules out first, in steps:
:mod:`reach.api.carrierupdate`).
Otherwise
(a class whose last pod went, a pod
whose answers no class has, classes whose order of least keys changed) the classes are
renumbered in place as a compilation numbers them (:mod:`reach.engine.classmoves`); where
that cannot be done here (a key whose answers are not computed here), :func:`moved` says
so and the caller compiles. A new class that resolves named ports as no class did cuts
the port atoms at the ports it resolves to first (``classmoves.resolution_cut``).
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import TypeVar

import numpy as np

from reach.engine.alikeclasses import answered_alike
from reach.engine.arrays import IntVec
from reach.engine.calicoclasses import calico_answered, renumbered
from reach.engine.calicostate import CalicoState
from reach.engine.classes import LabelKey, NamedPorts, signature_of, sort_key
from reach.engine.classmoves import (
    GONE,
    NEW,
    NewClass,
    absorbed,
    class_plan,
    renumbering,
    resolution_cut,
)
from reach.engine.meshpods import calico_mesh_joined, mesh_joined
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import LazySignatures
from reach.model.cluster import Cluster, Pod

#: A kept policy state (of any kind).
S = TypeVar("S", bound=PolicyState)


def moved(
    x: Reachability,
    cluster: Cluster,
    removed: int | None,
    inserted: int | None,
) -> tuple[Reachability, IntVec | None] | None:
    """``x`` for ``cluster``, whose pods are ``x.pods`` without the pod at ``removed`` (an
    index of ``x.pods``) and with ``cluster.pods[inserted]`` added, and the new number of
    each class of ``x`` when the classes were renumbered (-1: gone; None: they were not);
    None when that needs a compilation.

    ``cluster`` must differ from ``x.cluster`` in its pods only. Beside Calico's tiers a
    pod of a new key finds its class by :func:`reach.engine.calicoclasses.calico_answered`
    and the classes are renumbered by :func:`reach.engine.calicoclasses.calico_rebuilt`
    (Calico's plan changes when the pod is the first or the last to carry a Profile of
    the input: the caller gives the first the plan's projections, and takes the
    Profile's rules out first for the last); beside Istio's mesh layer a pod of a new key finds its
    class, or makes one, by :func:`reach.engine.meshpods.mesh_joined`."""
    keys, pod_label = x.class_keys, x.pod_label_class
    if keys is None or pod_label is None:
        return None
    pod_class = x.pod_class
    affected: set[int] = set()  # classes whose least key may be another
    new: NewClass | None = None
    if removed is not None:
        gone = int(pod_label[removed])
        pod_class, pod_label = np.delete(pod_class, removed), np.delete(pod_label, removed)
        cls = keys.behaviour[gone]
        if keys.label_keys[gone] == keys.first_key[cls] and not np.any(pod_label == gone):
            affected.add(cls)  # its least key has no pod left
    if inserted is not None:
        key = keys.key_of(cluster.pods[inserted])
        label = keys.label.get(key)
        if label is None or keys.behaviour[label] == GONE:
            joined = _key_joined(x, keys, key, cluster, cluster.pods[inserted])
            if joined is None:
                return None
            x, keys, new = joined
            label = keys.label[key]
            x = _synced(x, keys, label)
            state = x.policy_state or x.calico_state
            if new is not None and state is not None:  # ports its resolution cuts at
                cut = resolution_cut(x, state, new.named_ports)
                if cut is None:
                    return None
                x = cut
        cls = keys.behaviour[label]
        if cls != NEW and sort_key(key) < sort_key(keys.first_key[cls]):
            affected.add(cls)
        pod_class = np.insert(pod_class, inserted, cls)
        pod_label = np.insert(pod_label, inserted, label)
    if len(pod_class) != len(cluster.pods):
        raise ValueError("the cluster's pods must be x.pods with one removed and/or inserted")
    order: list[int] | None = None  # None: no class comes, goes or moves
    if affected or new is not None:
        order, first_key = _order(keys, pod_label, affected, new)
        keys = replace(keys, first_key=first_key)
        if new is None and order == list(range(x.n_internal)):
            order = None
    if order is None:
        return replace(
            x,
            cluster=cluster,
            pods=cluster.pods,
            pod_class=pod_class,
            pod_label_class=pod_label,
            class_keys=keys,
        ), None
    plan = class_plan(x, keys, order, new)
    if plan is None:
        return None
    after = renumbered(x, cluster, keys, pod_label, plan, new, kept=True)
    return (after, renumbering(x, order)) if after is not None else None


def _key_joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, cluster: Cluster, pod: Pod
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """:func:`_joined` (``pod``: of ``key``); beside the mesh layer
    ``meshpods.mesh_joined``, and beside the mesh and Calico's tiers together
    ``meshpods.calico_mesh_joined``."""
    if x.mesh is not None and x.calico_state is not None:
        return calico_mesh_joined(x, keys, key, pod, cluster)
    if keys.answers is None and x.mesh_state is not None:
        return mesh_joined(x, keys, key, pod)
    return _joined(x, keys, key, cluster)


def _joined(
    x: Reachability, keys: ClassKeys, key: LabelKey, cluster: Cluster
) -> tuple[Reachability, ClassKeys, NewClass | None] | None:
    """``x`` and ``keys`` with ``key`` (new, or of a class that is gone) in the behaviour
    class of its answers, or in a :data:`NEW` one (described) when no class has them; None
    when its answers cannot be computed here (``cluster``: with the pod of ``key``).

    Beside Calico's tiers, a key that joins a class by its answers (not by a projection of
    a key seen, which keeps its namespace) joins the label classes of the kept state
    (``classmoves.absorbed``): updates check that its class answers alike on it."""
    answers = keys.answers
    if answers is None:
        return None
    label = keys.label.get(key, len(keys.label_keys))
    new = None
    cls = answers.projected_class(key, keys.label_keys, keys.behaviour)
    asked = None
    if cls is None:  # labels no key had: every selector asked
        if x.calico_state is not None:
            asked = calico_answered(x, keys, key, cluster)
        else:
            asked = _answered(x, keys, key)
        if asked is None:
            return None
        cls, found = asked
        if cls is None:
            cls, new = NEW, NewClass(key, label, *found)
        else:
            answers.projected.put(answers.projection(key), cls)
    if label < len(keys.label_keys):
        behaviour = list(keys.behaviour)
        behaviour[label] = cls
        keys = replace(keys, behaviour=behaviour)
    else:
        keys = replace(
            keys,
            label={**keys.label, key: label},
            label_keys=[*keys.label_keys, key],
            behaviour=[*keys.behaviour, cls],
        )
    state = x.calico_state
    if asked is not None and new is None and state is not None and label >= len(state.labels):
        found_state = absorbed(state, keys, x)
        if not isinstance(found_state, CalicoState):
            return None
        x = replace(x, calico_state=found_state)
    return x, keys, new


def _synced(x: Reachability, keys: ClassKeys, label: int) -> Reachability:
    """``x`` with the class its kept policy state gives label class ``label`` the one
    ``keys`` give it (a compiled key whose class was gone that joins a class): an update
    then checks that the class answers alike on it."""
    cls = keys.behaviour[label]
    if x.policy_state is not None:
        x = replace(x, policy_state=_classed(x.policy_state, label, cls))
    if x.calico_state is not None:
        x = replace(x, calico_state=_classed(x.calico_state, label, cls))
    return x


def _classed(state: S, label: int, cls: int) -> S:
    """``state`` with label class ``label`` (when it has it) in class ``cls`` (when one)."""
    if cls < 0 or label >= len(state.labels) or state.classes.of_label_class[label] == cls:
        return state
    of = state.classes.of_label_class.copy()
    of[label] = cls
    return replace(state, classes=replace(state.classes, of_label_class=of))


def _answered(
    x: Reachability, keys: ClassKeys, key: LabelKey
) -> tuple[int | None, tuple[list[bool], NamedPorts]] | None:
    """The behaviour class of the answers of ``key`` (None: no class has them), and those
    answers; None when they cannot be asked here. Found by the signatures when they are
    made (after a compilation), else by the hashes of the classes' answers
    (:func:`alikeclasses.answered_alike`)."""
    table, state, asked = keys.by_signature, x.policy_state, keys.answers
    found = asked.answers_of(key) if asked is not None else None
    if found is None:
        return None
    answers, named_ports = found
    if not isinstance(table, LazySignatures) or table.made or state is None or asked is None:
        return table.get(signature_of(answers, named_ports)), found
    alike = answered_alike(x, state, asked, answers, named_ports, first=True)
    return (alike[0] if alike else None), found


def _order(
    keys: ClassKeys, pod_label: IntVec, affected: set[int], new: NewClass | None
) -> tuple[list[int], list[LabelKey]]:
    """``(order, first_key)``: the classes in the order of their least key with pods
    (``order[i]``: the class that comes i-th, -1 the new one; a class with no pods left
    is gone), and the least key of each, once the least keys of the ``affected`` classes
    and the new class are found again."""
    first = {c: keys.first_key[c] for c in range(len(keys.first_key))}
    if affected:
        held = np.bincount(pod_label, minlength=len(keys.label_keys)) > 0
        for c in affected:
            del first[c]
        for k, c, h in zip(keys.label_keys, keys.behaviour, held.tolist(), strict=True):
            if h and c in affected and (c not in first or sort_key(k) < sort_key(first[c])):
                first[c] = k
    if new is not None:
        first[-1] = new.key
    order = [c for c in range(len(keys.first_key)) if c not in affected]
    for c in sorted(affected | ({-1} if new is not None else set())):
        if c in first:
            bisect.insort(order, c, key=lambda d: sort_key(first[d]))
    return order, [first[c] for c in order]
