"""A namespace added or deleted without compiling again, when no pod is in it.

A namespace with no pod holds no label class: no policy or rule peer answers otherwise for
any class, and no row changes. Label classes and the matcher number namespaces by their
place among the sorted names: those after it move by one. The keys pods bring later ask
their answers with the new namespaces (:class:`KeyAnswers`). A namespace deleted must hold
no label class key at all (one of a pod that went may come back with it: the update
takes the other way then).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.labelindex import LabelIndex
from reach.engine.matching import Matcher
from reach.engine.reachability import Reachability
from reach.model.cluster import Cluster


def namespaces_moved(x: Reachability, cluster: Cluster) -> Reachability | None:
    """``x`` for ``cluster``, whose namespaces are ``x.cluster``'s with one added or
    one deleted (and nothing else changed); None when that needs a compilation."""
    state, keys = x.policy_state, x.class_keys
    if state is None or keys is None or keys.answers is None:
        return None
    before, after = sorted(x.cluster.namespaces), sorted(cluster.namespaces)
    if list(state.matcher.namespace_position) != before:
        return None
    changed = set(before) ^ set(after)
    if len(changed) != 1 or any(key[0] in changed for key in keys.label_keys):
        return None
    position = {name: i for i, name in enumerate(after)}
    moved = np.array([position.get(name, -1) for name in before], dtype=np.intp)
    labels = replace(state.labels, namespace=moved[state.labels.namespace])
    matcher = Matcher(
        labels,
        namespace_labels=LabelIndex([cluster.namespaces[name].labels for name in after]),
        namespace_position=position,
        segments=x.segments,
    )
    answers = replace(keys.answers, namespaces=cluster.namespaces)
    return replace(
        x,
        cluster=cluster,
        policy_state=replace(state, labels=labels, matcher=matcher),
        class_keys=replace(keys, answers=answers),
    )
