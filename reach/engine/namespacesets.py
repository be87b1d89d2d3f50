"""A namespace added or deleted without compiling again, when no pod is in it.

A namespace with no pod holds no label class: no policy or rule peer answers otherwise for
any class, and no row changes. Label classes and the matcher number namespaces by their
place among the sorted names: those after it move by one. The keys pods bring later ask
their answers with the new namespaces (:class:`KeyAnswers`). The label class keys of a
namespace deleted after its pods went are known with no class afterwards, as when a
class's last pod goes: a pod of one, in a namespace of that name made again, asks its
answers with the new namespace's labels.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.calicostate import CalicoState
from reach.engine.classmoves import GONE
from reach.engine.keyanswers import KeyAnswers
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability
from reach.model.cluster import Cluster


def namespaces_moved(x: Reachability, cluster: Cluster) -> Reachability | None:
    """``x`` for ``cluster``, whose namespaces are ``x.cluster``'s with one added or
    one deleted (and nothing else changed); None when that needs a compilation. Beside
    Calico's tiers no Calico answer changes either (the kept Calico matcher answers over
    its own label classes and namespaces, which give the same answers)."""
    state: PolicyState | None = x.policy_state
    if state is None:
        state = x.calico_state
    keys = x.class_keys
    # beside Istio's mesh layer the answers of new keys are kept in its state
    asked = keys.answers if keys is not None else None
    if asked is None and x.mesh_state is not None:
        asked = x.mesh_state.key_answers
    if state is None or keys is None or asked is None:
        return None
    before, after = sorted(x.cluster.namespaces), sorted(cluster.namespaces)
    if list(state.matcher.namespace_position) != before:
        return None
    changed = set(before) ^ set(after)
    if len(changed) != 1:
        return None
    (name,) = changed
    if name in after and any(
        key[0] == name and cls != GONE
        for key, cls in zip(keys.label_keys, keys.behaviour, strict=True)
    ):
        return None  # keys with a class in a namespace not known: a load's matter
    if name in before:
        forgotten = _forgotten(state, keys, name, asked)
        if forgotten is None:
            return None
        state, keys, asked = forgotten
    position = {name: i for i, name in enumerate(after)}
    # by name: the label classes of a namespace deleted and made again (known with no
    # class) take its new place
    where = [position.get(key[0], -1) for key in state.labels.keys]
    labels = replace(state.labels, namespace=np.array(where, dtype=np.intp))
    matcher = state.matcher.renamespaced(
        labels, [cluster.namespaces[name] for name in after], x.segments
    )
    answers = replace(asked, namespaces=cluster.namespaces)
    moved = replace(state, labels=labels, matcher=matcher)
    if isinstance(moved, CalicoState) and moved.calico_matcher is not None:
        # a namespace made again may have other labels: the kept Calico matcher reads them
        moved = replace(moved, calico_matcher=moved.calico_matcher.relabelled(cluster.namespaces))
    calico = isinstance(moved, CalicoState)
    out = replace(
        x,
        cluster=cluster,
        policy_state=None if calico else moved,
        calico_state=moved if isinstance(moved, CalicoState) else None,
        class_keys=replace(keys, answers=answers if keys.answers is not None else None),
    )
    if x.mesh is not None and x.mesh_state is not None:  # it reads the namespaces too
        out.mesh = replace(x.mesh, cluster=cluster)
        out.mesh_state = replace(x.mesh_state, key_answers=answers)
    return out


def _forgotten(
    state: PolicyState, keys: ClassKeys, name: str, asked: KeyAnswers
) -> tuple[PolicyState, ClassKeys, KeyAnswers] | None:
    """``state`` and ``keys`` with the label class keys of namespace ``name`` (whose pods
    all went) known with no class, as when a class's last pod goes: a pod of such a key,
    in a namespace of that name made again, asks its answers with the new namespace's
    labels. A class answered for by one of them takes another of its label classes
    (every class has pods, so keys outside the namespace); None when it has no other
    compiled one."""
    gone = [i for i, key in enumerate(keys.label_keys) if key[0] == name]
    if not gone:
        return state, keys, asked
    behaviour = list(keys.behaviour)
    for i in gone:
        behaviour[i] = GONE
    compiled = len(state.labels)
    of = state.classes.of_label_class.copy()
    of[[i for i in gone if i < compiled]] = GONE
    first = state.classes.first_label_class.copy()
    for cls in np.flatnonzero(of[first] == GONE).tolist():
        others = np.flatnonzero(of == cls)
        if not len(others):
            return None
        first[cls] = others[0]
    projected = asked.projected.without(lambda key: key[0] == name)
    asked = replace(asked, projected=projected)
    return (
        replace(state, classes=replace(state.classes, of_label_class=of, first_label_class=first)),
        replace(keys, behaviour=behaviour, answers=asked if keys.answers is not None else None),
        asked,
    )
