"""Label class keys with no pod known with no class again, so that a pod of one asks its
answers anew (:func:`reach.engine.podmoves.moved`: a key whose class is gone).

A key with no pod left stays known with its class, so that a pod of it later joins the
class a compilation would give it. That holds while the answers of a key do not depend
on which pods there are. Two changes make them do so: a namespace deleted after its pods
went (made again, it may have other labels: :mod:`reach.engine.namespacesets`), and
beside Calico's tiers the last workload pod of a namespace, or of an account of a
``ksa.*`` Profile, going (a pod of such a key brings the namespace's or account's
Profile back into Calico's plan: ``podupdate._emptied``, :mod:`reach.api.carrierupdate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.calicostate import CalicoState
from reach.engine.classes import LabelKey, least_members
from reach.engine.classmoves import GONE
from reach.engine.keyanswers import KeyAnswers
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability

#: The state, keys and answers per key of a compilation.
Known = tuple[PolicyState, ClassKeys, KeyAnswers]


def forgotten(
    state: PolicyState,
    keys: ClassKeys,
    asked: KeyAnswers,
    which: Callable[[LabelKey], bool],
    podless: BoolVec | None = None,
) -> Known | None:
    """``state`` and ``keys`` with the label class keys ``which`` says (none with a pod;
    ``podless``: those of the keys that have none, when some have) known with no class,
    as when a class's last pod goes, and the answers per key without the projections
    ``which`` says. A class answered for by one of them takes another of its label
    classes (every class has pods, so other keys); None when it has no other compiled
    one."""
    gone = [
        i for i, key in enumerate(keys.label_keys) if (podless is None or podless[i]) and which(key)
    ]
    if not gone:
        return state, keys, asked
    behaviour = list(keys.behaviour)
    for i in gone:
        behaviour[i] = GONE
    after = classes_without(state, gone)
    if after is None:
        return None
    asked = replace(asked, projected=asked.projected.without(which))
    return (
        after,
        replace(keys, behaviour=behaviour, answers=asked if keys.answers is not None else None),
        asked,
    )


def classes_without(state: PolicyState, gone: list[int]) -> PolicyState | None:
    """``state`` with the label classes ``gone`` in no class (a class answered for by one
    of them takes another of its label classes); None when one has no other compiled
    one."""
    compiled = len(state.labels)
    of = state.classes.of_label_class.copy()
    of[[i for i in gone if i < compiled]] = GONE
    first = state.classes.first_label_class.copy()
    stale = np.flatnonzero(of[first] == GONE)
    least = least_members(of, stale)
    if (least < 0).any():
        return None
    first[stale] = least
    return replace(
        state, classes=replace(state.classes, of_label_class=of, first_label_class=first)
    )


def calico_forgotten(x: Reachability, which: Callable[[LabelKey], bool]) -> Reachability | None:
    """``x`` (a compilation through Calico's tiers) with the label class keys ``which``
    says that have no pod known with no class (:func:`forgotten`); None when that cannot
    be done here."""
    state, keys, pod_label = x.calico_state, x.class_keys, x.pod_label_class
    if state is None or keys is None or keys.answers is None or pod_label is None:
        return None
    podless = np.ones(len(keys.label_keys), dtype=bool)
    podless[pod_label] = False
    known = forgotten(state, keys, keys.answers, which, podless)
    if known is None or not isinstance(known[0], CalicoState):
        return None
    return replace(x, calico_state=known[0], class_keys=known[1])
