"""A namespace relabelled beside Calico's tiers without compiling again.

A namespace's labels matter to the namespace selectors of the other kinds' policies
(asked again as :mod:`reach.engine.namespacemoves` asks them) and to Calico's
``namespaceSelector`` (the Calico steps are taken again over the kept classes,
:func:`reach.engine.calicosteps.calico_steps`, the kept Calico matcher reading the new
labels: ``CalicoMatcher.relabelled``). The rows computed again are those of the classes
selected by a rule whose answers changed, in its direction, and of the classes whose
policies' selections changed, both ways. As for a policy, classes the new labels tell
apart are split first and classes that come to answer alike merge after.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicomesh import steps_moved, with_calico
from reach.engine.calicomoves import calico_split
from reach.engine.calicoplan import calico_plan
from reach.engine.calicostate import CalicoState
from reach.engine.calicosteps import calico_steps, is_calico, other_rules
from reach.engine.calicotiers import CalicoTiers
from reach.engine.moves import Move, Split
from reach.engine.namespacemoves import found_absorbed, relabelled_answers
from reach.engine.reachability import Reachability
from reach.engine.rowsagain import DIRECTIONS
from reach.engine.rules import CompiledRule
from reach.model.cluster import Cluster


def calico_namespace_moved(x: Reachability, cluster: Cluster, name: str) -> Move | None:
    """``x`` for ``cluster``, where namespace ``name`` has other labels (and nothing else
    changed), Calico's tiers deciding; None when that needs a compilation. Classes whose
    label classes the new labels tell apart are split first
    (:func:`reach.engine.calicomoves.calico_split`). Beside the mesh layer over the Calico
    state its mesh state keeps (``calicomesh.with_calico``)."""
    own = with_calico(x)
    if own is None:
        return None
    x = found_absorbed(own, name)
    moved = _relabelled(x, cluster, name, None)
    if moved is not None:
        return moved

    def answers_of(state: CalicoState, kept: CalicoMatcher) -> list[BoolVec] | None:
        keys = x.class_keys
        asked = relabelled_answers(state, keys, x, cluster, name) if keys else None
        if asked is None:
            return None
        vectors = calico_plan(cluster).answers(kept.relabelled(cluster.namespaces)).vectors()
        return [*vectors, *(new for _, new in asked[1].changed)]

    refined = calico_split(x, cluster, answers_of)
    return _relabelled(refined[0], cluster, name, refined[1:]) if refined else None


def _relabelled(x: Reachability, cluster: Cluster, name: str, split: Split | None) -> Move | None:
    """:func:`calico_namespace_moved` over ``x``'s classes (split first as ``split``
    says); None when they split, or the change needs a compilation."""
    state, tiers, keys = x.calico_state, x.calico, x.class_keys
    if state is None or tiers is None or keys is None or keys.answers is None:
        return None
    asked = relabelled_answers(state, keys, x, cluster, name)
    if asked is None:
        return None
    matcher, answers = asked
    if not answers.alike(keys.behaviour[len(state.labels) :]):
        return None
    subjects = [answers.subject.get(i, s) for i, s in enumerate(state.subjects)]
    compiled = [answers.compiled(k, rule) for k, rule in enumerate(x.rules)]
    others = other_rules(compiled)
    kept = state.calico_matcher
    relabelled = kept.relabelled(cluster.namespaces) if kept is not None else None
    after = replace(state, matcher=matcher, subjects=subjects, calico_matcher=relabelled)
    meshed = x.mesh is not None  # (the mesh tells the merges there: reach.engine.calicomesh)
    steps = calico_steps(after, x, cluster, others, merges=not meshed, hashed=meshed)
    if steps is None:
        return None
    touched = {d: np.zeros(x.n_internal, dtype=bool) for d in DIRECTIONS}
    for i in answers.subject:  # a policy's subjects: its rows, both ways
        for d in DIRECTIONS:
            touched[d] |= state.subjects[i] | subjects[i]
    for k in answers.peers:
        touched[compiled[k].direction] |= compiled[k].selected
    calico = _calico_touched(x.rules, steps.rules, tiers, steps.tiers)
    if calico is None:
        return None
    for d in DIRECTIONS:
        touched[d] |= calico[d]
    triples = keys.answers.rules_of(after.policies)
    class_keys = replace(
        keys, answers=keys.answers.carried(after.policies, triples, cluster.namespaces, None)
    )
    found = steps_moved(steps, x, cluster, after, touched, class_keys, coded=True)
    if found is None:
        return None
    return Move(found[0], touched["ingress"] | touched["egress"], found[1], split)


def _calico_touched(
    before: list[CompiledRule],
    after: list[CompiledRule],
    tiers: CalicoTiers,
    walked: CalicoTiers,
) -> dict[str, BoolVec] | None:
    """The classes whose rows the Calico part changes, per direction: those a Calico rule
    selects (before or after) whose selection or peers changed, in its direction, and
    those of a policy whose selection changed (the tiers applying to them), both ways;
    None when the rules or policies do not correspond one to one."""
    old = [r for r in before if is_calico(r)]
    new = [r for r in after if is_calico(r)]
    if len(old) != len(new) or len(tiers.owners) != len(walked.owners):
        return None
    n = len(tiers.state_of["ingress"])
    out = {d: np.zeros(n, dtype=bool) for d in DIRECTIONS}
    for a, b in zip(old, new, strict=True):
        if not _same(a.rule, b.rule) or a.direction != b.direction:
            return None
        if not (np.array_equal(a.selected, b.selected) and np.array_equal(a.peers, b.peers)):
            out[a.direction] |= a.selected | b.selected
    for (p, *was), (q, *now) in zip(tiers.owners, walked.owners, strict=True):
        if not _same(p, q):
            return None
        for d in range(2):
            if not np.array_equal(was[d], now[d]):
                for direction in DIRECTIONS:
                    out[direction] |= was[d] | now[d]
    return out


def _same(a: object, b: object) -> bool:
    """Whether two rules or policies are the same: one object, or equal ones (a policy
    read again gives equal objects: a review of the loads found a namespace deleted
    beside the tiers loading so)."""
    return a is b or a == b
