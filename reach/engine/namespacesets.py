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
from reach.engine.classmoves import GONE, absorbed
from reach.engine.forgotten import forgotten
from reach.engine.policystate import PolicyState
from reach.engine.reachability import Reachability
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
        if len(keys.label_keys) > len(state.labels):  # keys found since join the compiled
            state = absorbed(state, keys, x)  # (a class may have only them outside ``name``)
            if state is None:
                return None
        known = forgotten(state, keys, asked, lambda key: key[0] == name)
        if known is None:
            return None
        state, keys, asked = known
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
