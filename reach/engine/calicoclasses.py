"""Behaviour classes renumbered beside Calico's tiers without compiling again, after pods
came or went (:mod:`reach.engine.podmoves`): a class whose last pod went is gone, a pod
whose answers no class has makes a new one, a class whose least key changed moves.

A class's answers beside the tiers are those of the other kinds' policies (kept in the
:class:`CalicoState` over its classes, renumbered as :mod:`reach.engine.classmoves`
renumbers them) and Calico's, which are a function of the classes' label classes and of
Calico's plan (which Profiles of the input some workload pod carries: a pod event that
changes that loads, ``api/podupdate.py``); the Calico steps are taken again over the
classes in their new order
(:func:`reach.engine.calicosteps.calico_steps`, the kept Calico matcher answering the
label classes pods brought since, ``CalicoMatcher.extended``). The rows are then taken in
the new order, and a new class's rows and column are computed through the tiers' walk.

A pod of labels whose projection no key had asks its answers of its key alone: the other
kinds' (:meth:`KeyAnswers.asked`) and Calico's (the kept Calico matcher extended by the
key), and joins the class that answers everything as it does, or makes one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.calicohash import answer_columns, hashes_renumbered
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicomesh import unstashed
from reach.engine.calicoplan import calico_plan
from reach.engine.calicostate import CalicoState
from reach.engine.calicosteps import CalicoSteps, calico_steps, is_calico, kept_matcher
from reach.engine.calicotiers import CalicoTiers, Owners, calico_tiers, counts_in_order
from reach.engine.classes import LabelKey, NamedPorts, least_members
from reach.engine.classmoves import (
    NEW,
    NewClass,
    Plan,
    absorbed,
    plan_remeshed,
    projected_answers,
    rebuilt,
    reordered,
    side_in_order,
    state_in_order,
)
from reach.engine.meshclasses import before_and
from reach.engine.meshlayer import MeshLayer
from reach.engine.portmasks import RuleMasks
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import DIRECTIONS, side_fields, side_tables
from reach.engine.rules import CompiledRule, cilium_selected, priority_ties
from reach.engine.taking import Taking, taken_each
from reach.model.cluster import Cluster

#: A key's answers: the other kinds' (policies, then rules, in evaluation order) and its
#: named-port resolution.
Answers = tuple[list[bool], NamedPorts]


def calico_answered(
    x: Reachability, keys: ClassKeys, key: LabelKey, cluster: Cluster
) -> tuple[int | None, Answers] | None:
    """The class of ``x`` that answers every policy (of every kind) of ``cluster``
    (whose pods are ``x``'s with the pod of ``key``) as label class ``key`` does (None:
    none does), and ``key``'s answers; None when they cannot be asked here (its namespace
    is not known to the kept matchers). The Calico plan is that cluster's: which
    profiles apply to whom depends on the namespaces and accounts that have pods."""
    found = calico_candidates(x, keys, key, cluster)
    if found is None:
        return None
    candidates, answers = found
    return (int(candidates[0]) if len(candidates) else None), answers


def calico_candidates(
    x: Reachability, keys: ClassKeys, key: LabelKey, cluster: Cluster
) -> tuple[IntVec, Answers] | None:
    """The classes of ``x`` that answer every policy as label class ``key`` does, in
    class order (:func:`calico_answered`; beside the mesh layer the mesh picks among
    them: ``meshpods.calico_mesh_joined``), and ``key``'s answers."""
    state, asked = x.calico_state, keys.answers
    if state is None or asked is None or state.calico_matcher is None:
        return None
    found = asked.asked(key)
    matcher = state.calico_matcher.extended([key], state.named_ports)
    if found is None or matcher is None:
        return None
    answers, named_ports = found
    none = np.empty(0, dtype=np.intp)
    if named_ports not in state.masks.resolutions:
        return none, found  # a resolution no class has
    resolution = state.masks.resolutions.index(named_ports)
    n = x.n_internal
    candidates = np.flatnonzero(state.masks.resolution_of[:n] == resolution)
    rule_of = {(id(r.policy), id(r.rule), r.direction): r for r in x.rules}
    triples = asked.rules_of(state.policies)
    columns: list[BoolVec] = [*state.subjects]
    columns += [rule_of[id(p), id(r), d].peers for p, r, d in triples]
    candidates = answering(candidates, columns, answers)
    if not len(candidates):
        return none, found  # no class answers as it does: a class is made
    live = _live(state.classes.of_label_class, x.pod_label_class, n)
    if live is not None and (live[candidates] < 0).any():  # a class whose pods are all of
        found_since = _with_found(state, keys, x, key)  # keys found since: they join the
        if found_since is None:  # compiled label classes, and stand for it
            return None
        state, matcher = found_since
        live = _live(state.classes.of_label_class, x.pod_label_class, n)
    if live is None or (live[candidates] < 0).any():
        return None  # a class with no label class that has pods
    vectors = [*calico_plan(cluster).answers(matcher).vectors(), matcher.classes.host_network]
    at = len(matcher.classes) - 1  # the key's label class
    for vector in vectors:
        candidates = candidates[vector[live[candidates]] == vector[at]]
    return candidates, found


def _with_found(
    state: CalicoState, keys: ClassKeys, x: Reachability, key: LabelKey
) -> tuple[CalicoState, CalicoMatcher] | None:
    """``state`` with the keys found since the compilation among its label classes
    (``classmoves.absorbed``), and its Calico matcher with ``key`` after them; None when
    they cannot be asked (a namespace added since)."""
    if len(keys.label_keys) <= len(state.labels):
        return None
    found = absorbed(state, keys, x)
    if not isinstance(found, CalicoState) or found.calico_matcher is None:
        return None
    matcher = found.calico_matcher.extended([key], found.named_ports)
    return (found, matcher) if matcher is not None else None


#: Candidates few enough to be checked one by one against the columns left.
_FEW = 8


def answering(candidates: IntVec, columns: list[BoolVec], answers: list[bool]) -> IntVec:
    """The ``candidates`` (classes) that answer every column as ``answers`` say. The
    columns answered yes come first: few classes are in them (a pod's own namespace's
    policies select it), so the candidates fall to a few at once, which are then checked
    one by one against each distinct column left (at 100k pods beside Calico, 23,466
    columns of 17,250 arrays: taken in their order, the candidates fell to a few only
    after 1,500 to 8,500 of them, 35-115 ms)."""
    yes = [c for c, a in zip(columns, answers, strict=True) if a]
    no = list({id(c): c for c, a in zip(columns, answers, strict=True) if not a}.values())
    for column in yes:
        candidates = candidates[column[candidates]]
        if not len(candidates):
            return candidates
    left = 0
    while left < len(no) and len(candidates) > _FEW:
        candidates = candidates[~no[left][candidates]]
        left += 1
    rest = no[left:]
    held = [c for c in candidates.tolist() if not any([column[c] for column in rest])]
    return np.array(held, dtype=np.intp)


def _live(of_label: IntVec, pod_label: IntVec | None, n: int) -> IntVec | None:
    """For each of the ``n`` classes, its first compiled label class (``of_label``: the
    class of each) that has pods (``pod_label``: each pod's), -1 where none has. A class
    whose first label class lost its last pod may answer Calico's plan otherwise than its
    pods now do (its namespace left the default ``kns.*`` Profile's: found by review), so
    a new key is compared with a label class of its pods."""
    if pod_label is None:
        return None
    held = np.unique(pod_label[pod_label < len(of_label)])
    classes = of_label[held]
    kept = (classes >= 0) & (classes < n)
    found, at = np.unique(classes[kept], return_index=True)
    out = np.full(n, -1, dtype=np.intp)
    out[found] = held[kept][at]
    return out


def calico_rebuilt(
    x: Reachability,
    cluster: Cluster,
    keys: ClassKeys,
    pod_label: IntVec,
    plan: Plan,
    new: NewClass | None,
) -> Reachability | None:
    """``x`` for ``cluster`` (its pods in label classes ``pod_label``, named by ``keys``),
    with the behaviour classes of ``plan``, Calico's tiers deciding; None when that needs
    a compilation (``new``: the class made, whose answers are the other kinds' only)."""
    state, answers = x.calico_state, keys.answers
    if state is None or (answers is None and new is not None):
        return None  # (no answers per key: a new class is not projected into them)
    source, at, n = plan.source, int(plan.renumber[NEW]), len(plan.source)
    found = reordered(x, state, plan, new)
    if found is None:
        return None
    columns, masks, subject_of, others = found
    subjects = [subject_of[id(policy)] for policy in state.policies]
    moved = state_in_order(state, keys, plan, new, masks, subjects, x)
    if moved is None:
        return None
    assert isinstance(moved, CalicoState)
    after = replace(moved, hashes=None, columns=None)  # made again below
    if new is None and cluster is x.cluster:  # a split, a merge: the answers stay
        steps: CalicoSteps | _Taken | None = _taken(x, after, others, masks, source, columns)
    else:
        prior = _tiers_in_order(x, after, source)
        live = np.zeros(len(after.labels), dtype=bool)  # (podless keys: forgotten after)
        live[pod_label[pod_label < len(live)]] = True
        after = _firsts_live(after, live)
        steps = calico_steps(after, x, cluster, others, merges=False, tiers=prior, live=live)
    if steps is None:
        return None
    state_of = steps.tiers.state_of
    rows = {d: side_in_order(x, d, steps.sides, state_of[d], columns, at) for d in DIRECTIONS}
    side_masks, side_ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
    class_keys = replace(
        keys,
        behaviour=plan.behaviour,
        by_signature={},  # beside the tiers classes are found by their answers
        answers=(
            projected_answers(answers, plan.renumber, new, at) if answers is not None else None
        ),
    )
    return replace(
        x,
        cluster=cluster,
        pods=cluster.pods,
        pod_class=np.array(plan.behaviour, dtype=np.intp)[pod_label],
        **side_fields(rows, steps.some),
        n_internal=n,
        rules=steps.rules,
        selected_matrix=None,
        selected_rows=[subject_of[id(policy)] for policy in x.cluster.policies],
        cilium_selected=cilium_selected(state.policies, subjects, n),
        diagnostics=priority_ties(steps.rules),
        calico=steps.tiers,
        calico_state=replace(
            after, calico_matcher=steps.matcher, **_hashes(state, after, steps, source, at)
        ),
        class_keys=class_keys,
        pod_label_class=pod_label,
        _side_masks=side_masks,
        _side_ids=side_ids,
        _and=table,
    )


def _firsts_live(state: CalicoState, live: BoolVec) -> CalicoState:
    """``state`` with each class whose first label class has no pod (``live``: those
    with pods) answered for by its least label class that has (as
    ``forgotten.classes_without`` takes another): the keys of a namespace whose last pod
    went answer its ``kns.*`` Profile otherwise than the pods of the class, which no
    longer carry one with them."""
    first, of = state.classes.first_label_class, state.classes.of_label_class
    inside = first < len(live)
    stale = np.flatnonzero(inside & ~live[np.where(inside, first, 0)])
    if not len(stale):
        return state
    least = least_members(np.where(live, of, -1), stale)
    moved = first.copy()
    moved[stale[least >= 0]] = least[least >= 0]
    return replace(state, classes=replace(state.classes, first_label_class=moved))


def renumbered(
    x: Reachability,
    cluster: Cluster,
    keys: ClassKeys,
    pod_label: IntVec,
    plan: Plan,
    new: NewClass | None,
    kept: bool = False,
    mesh: MeshLayer | None = None,
) -> Reachability | None:
    """``x`` with the behaviour classes of ``plan``: :func:`calico_rebuilt` beside Calico's
    tiers (beside the mesh layer too, over the rows before its AND, the layer made again
    after from the label classes' features of ``mesh``, default ``x``'s:
    ``meshclasses.remeshed``), else ``classmoves.rebuilt`` (see there, and for
    ``kept``)."""
    if x.calico_state is None:
        return rebuilt(x, cluster, keys, pod_label, plan, new, mesh=mesh, kept=kept)
    if x.mesh is None or x.mesh_state is None:
        return calico_rebuilt(x, cluster, keys, pod_label, plan, new)
    after = calico_rebuilt(before_and(x), cluster, keys, pod_label, plan, new)
    if after is None:
        return None
    return unstashed(plan_remeshed(x, after, plan, new, mesh or x.mesh, kept))


@dataclass(frozen=True)
class _Taken:
    """What :func:`calico_rebuilt` reads of the Calico steps, taken from ``x``'s own."""

    rules: list[CompiledRule]
    some: dict[str, BoolVec]
    tiers: CalicoTiers
    matcher: CalicoMatcher | None
    sides: None = None  # no new class: no rows computed


def _taken(
    x: Reachability,
    after: CalicoState,
    others: list[CompiledRule],
    masks: RuleMasks,
    source: IntVec,
    columns: IntVec,
) -> _Taken | None:
    """The Calico steps of ``x``'s cluster over its classes renumbered (``source``: the
    class before of each; ``columns``: of every class) with no class made: every class
    answers as its class before did (a split part as its class, a merged class as each
    of its group), so each Calico rule's and each tier owner's answers are taken in the
    new order, as the other kinds' rules (``others``, taken already) are, and so are the
    counts of the tiers' owners; only the states are made again, numbered in the
    classes' order."""
    tiers = x.calico
    if tiers is None:
        return None
    by_class, by_column = Taking(source), Taking(columns)
    calico = [rule for rule in x.rules if is_calico(rule)]
    if len(calico) + len(others) != len(x.rules):
        return None  # a rule of neither: not as the steps take them
    selected = taken_each(by_class, [rule.selected for rule in calico], None, False)
    peers = taken_each(by_column, [rule.peers for rule in calico], None, False)
    resolution_of = masks.resolution_of
    taken = iter(
        rule.with_(selected=sel, peers=peer, resolution_of=resolution_of)
        for rule, sel, peer in zip(calico, selected, peers, strict=True)
    )
    other = iter(others)
    rules = [next(taken) if is_calico(rule) else next(other) for rule in x.rules]
    owners = _owners_in_order(tiers, after, by_class)
    host = after.labels.host_network[after.classes.first_label_class]
    counts = counts_in_order(tiers, owners, source)
    walk, some = calico_tiers(tiers.tiers, rules, owners, host, masks.atoms.all_int, None, counts)
    return _Taken(rules, some, walk, kept_matcher(after, x.cluster))


def _owners_in_order(tiers: CalicoTiers, after: CalicoState, by_class: Taking) -> Owners:
    """``tiers``' owners with the classes in their new order (``by_class``): the other
    kinds' policies with ``after``'s subjects, Calico's own taken (a class made answers
    them no)."""
    subject_of = dict(zip(map(id, after.policies), after.subjects, strict=True))
    owned = [(p, i, e) for p, i, e in tiers.owners if id(p) not in subject_of]
    ways = taken_each(by_class, [v for _, i, e in owned for v in (i, e)], None, False)
    kinds = iter(zip(ways[::2], ways[1::2], strict=True))
    return [
        (p, subject_of[id(p)], subject_of[id(p)]) if id(p) in subject_of else (p, *next(kinds))
        for p, _, _ in tiers.owners
    ]


def _tiers_in_order(x: Reachability, after: CalicoState, source: IntVec) -> CalicoTiers | None:
    """``x``'s tiers with the classes in their new order (``source``: the class before of
    each, -1 one made), for the Calico steps over them to count again only the owners
    whose subjects they make anew (:func:`reach.engine.calicotiers.owner_counts`)."""
    if x.calico is None:
        return None
    owners = _owners_in_order(x.calico, after, Taking(source))
    counts = counts_in_order(x.calico, owners, source)
    return None if counts is None else replace(x.calico, owners=owners, counts=counts)


def _hashes(
    state: CalicoState,
    after: CalicoState,
    steps: CalicoSteps | _Taken,
    source: IntVec,
    at: int,
) -> dict[str, Any]:
    """The hashes of the classes' answers (``calicohash``) in their new order, with the
    columns they are of, when ``state`` had them: a class answers as its source did (a
    split part as its class did, a merged class as its group, both with the columns that
    came or went with the pods put in or taken out), a new class's is made."""
    if state.hashes is None or state.columns is None:
        return {}
    host = after.labels.host_network[after.classes.first_label_class]
    columns = answer_columns(steps.rules, steps.tiers.owners, host)
    hashes = hashes_renumbered(state.hashes, state.columns, columns, source, at)
    return {"hashes": hashes, "columns": columns}
