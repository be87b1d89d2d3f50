"""Behaviour classes renumbered without compiling again, after pods came or went
(:mod:`reach.engine.podmoves`): a class whose last pod went is gone, a pod whose answers
no class has makes a new one, a class whose least key changed moves.

A compilation numbers behaviour classes in the order of their least label class key
(among the keys that have pods). When pods change that order, every array indexed by
class is taken again in the new order: the columns of both sides' rows, the rows each
class uses, the isolation, who each policy selects and each rule's peers hold, the
named-port resolutions. Nothing else about a class changes with its number: a class that
stays allows what it did toward every class that stays. A new class needs its own rows
(what its sides allow with every class, computed as compiling does:
``SideRows.rows_of``) and one more entry in every other class's rows (what their sides
allow with it: ``SideRows.column``); its answers come from its key alone
(:meth:`KeyAnswers.answers_of`). Where an entry of another class's row at the new class
differs from what classes sharing its row have there, that class takes a row of its own.

A new class that resolves named ports as no class did takes a mask row of its own in
every rule that names ports (``RuleMasks.with_resolution``, ``RuleMasks.row_added``;
a rule compiled with no class has one row, and takes one too), the port atoms cut at the
ports it resolves to first (:func:`resolution_cut`, as a compilation cuts them).
NetworkPolicies, admin and Cilium policies (:class:`PolicyState`), beside Istio's mesh
layer too (over the rows before its AND, the layer made again after:
:mod:`reach.engine.meshclasses`); beside Calico's tiers the other kinds' rules are taken
here and Calico's again by :func:`reach.engine.calicoclasses.calico_rebuilt`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from reach.engine.answerhash import answers_hash
from reach.engine.arrays import BoolVec, IntVec, PortSetIds, UIntVec
from reach.engine.atoms import Mask
from reach.engine.calicostate import CalicoState
from reach.engine.classes import (
    BehaviourClasses,
    LabelKey,
    NamedPorts,
    Signature,
    extended,
    signature_of,
)
from reach.engine.keyanswers import KeyAnswers
from reach.engine.meshclasses import remeshed, unmeshed
from reach.engine.meshlayer import MeshLayer
from reach.engine.policystate import PolicyState
from reach.engine.portcuts import with_cuts
from reach.engine.portmasks import RuleMasks, names_ports, resolved_ports
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import (
    DIRECTIONS,
    LazySignatures,
    side_fields,
    side_tables,
    signatures_of,
)
from reach.engine.rules import (
    CompiledRule,
    cilium_selected,
    isolation,
    priority_ties,
    rule_triples,
)
from reach.engine.sides import SideRows
from reach.engine.taking import Taking, rows_in_order, taken, taken_each
from reach.model.calico import CalicoRule
from reach.model.cluster import AdminPolicy, Cluster

#: The behaviour class, in ``ClassKeys.behaviour``, of a key whose class is gone, and of the
#: key of a class being made (until :func:`class_plan` numbers it).
GONE, NEW = -1, -2


@dataclass(frozen=True)
class NewClass:
    """A behaviour class no class of the compilation is: its key (label class ``label``
    of ``ClassKeys``), its answers (whether each policy selects it, then whether each
    rule's peers hold it, in evaluation order) and its named-port resolution."""

    key: LabelKey
    label: int
    answers: list[bool]
    named_ports: NamedPorts
    #: Beside the mesh layer: the number of its answers but the mesh's
    #: (``MeshState.class_code``).
    mesh_code: int = -1


def class_plan(
    x: Reachability, keys: ClassKeys, order: list[int], new: NewClass | None
) -> Plan | None:
    """The :class:`Plan` of ``x``'s classes become ``order``: ``order[i]`` is the class of
    ``x`` that class i is, ``-1`` the ``new`` one. ``keys``: the label class keys, their
    classes numbered as ``x``'s (:data:`GONE` for the keys of a class not in ``order``,
    :data:`NEW` for ``new``'s), and ``first_key`` in the new order. None when ``x`` keeps
    no policy state."""
    state = x.policy_state or x.calico_state
    if state is None:
        return None
    source = np.array(order, dtype=np.intp)
    at = int(np.flatnonzero(source < 0)[0]) if new is not None else -1
    renumber = renumber_table(x.n_internal)
    renumber[source[source >= 0]] = np.flatnonzero(source >= 0)
    renumber[NEW] = at
    return Plan(
        source=source,
        behaviour=renumber[np.array(keys.behaviour, dtype=np.intp)].tolist(),
        first=taken(state.classes.first_label_class, source, new.label if new else 0),
        renumber=renumber,
    )


@dataclass(frozen=True)
class Plan:
    """The behaviour classes after a change, as :func:`rebuilt` takes them."""

    #: The class of the compilation that each class is (-1: the new one; a class split in
    #: several is the source of each part).
    source: IntVec
    #: The class of each label class key (:data:`GONE` where it has none).
    behaviour: list[int]
    #: A label class of each class (of the policy state's, or of the keys found since).
    first: IntVec
    #: The new number of each class of the compilation whose projections and signatures
    #: still hold (-1: gone or split), and at :data:`NEW`, the new class's.
    renumber: IntVec
    #: Whether the signatures are made again when first read (classes were split).
    split: bool = False


def rebuilt(
    x: Reachability,
    cluster: Cluster,
    keys: ClassKeys,
    pod_label: IntVec,
    plan: Plan,
    new: NewClass | None,
    mesh: MeshLayer | None = None,
    kept: bool = False,
) -> Reachability | None:
    """``x`` for ``cluster`` (its pods in label classes ``pod_label``, named by ``keys``),
    with the behaviour classes of ``plan``; None when that needs a compilation. Beside the
    mesh layer, over the rows before its AND, the layer made again after from the label
    classes' features of ``mesh`` (default: ``x``'s; :mod:`reach.engine.meshclasses`);
    ``kept``: every class answers as its source class of ``x`` did (pods came or went, a
    class split or merged before a policy goes in), so the rows after the AND are taken
    (``meshclasses.remeshed``'s ``columns``)."""
    if x.mesh is None:
        return _rebuilt(x, keys, cluster, pod_label, plan, new)
    base = unmeshed(x, keys)
    after = _rebuilt(*base, cluster, pod_label, plan, new) if base is not None else None
    if after is None:
        return None
    return plan_remeshed(x, after, plan, new, mesh or x.mesh, kept)


def plan_remeshed(
    x: Reachability,
    after: Reachability,
    plan: Plan,
    new: NewClass | None,
    mesh: MeshLayer,
    kept: bool,
) -> Reachability:
    """``after`` (``x``'s classes renumbered as ``plan`` says, over the rows before the
    mesh's AND) with the mesh layer ``mesh`` made again over them
    (``meshclasses.remeshed``; ``new``: the class made, whose answers but the mesh's are
    numbered ``new.mesh_code``; ``kept``: as for :func:`rebuilt`)."""
    code = new.mesh_code if new is not None else -1
    columns = np.concatenate([plan.source, np.arange(x.n_internal, x.n_classes)])
    return remeshed(x, after, plan.source, code, mesh, columns if kept else None)


def _rebuilt(
    x: Reachability,
    keys: ClassKeys,
    cluster: Cluster,
    pod_label: IntVec,
    plan: Plan,
    new: NewClass | None,
) -> Reachability | None:
    state, answers = x.policy_state, keys.answers
    if state is None or answers is None or len(x.rules) != len(answers.rules):
        return None
    at, n = int(plan.renumber[NEW]), len(plan.source)
    found = reordered(x, state, plan, new)
    if found is None:
        return None
    columns, masks, subject_of, rules = found
    subjects = [subject_of[id(policy)] for policy in state.policies]
    isolated = isolation(state.policies, subjects, n)
    sides = SideRows(rules, x.atoms, n_internal=n, resolution_of=masks.resolution_of)
    rows = {d: side_in_order(x, d, sides, isolated[d], columns, at) for d in DIRECTIONS}
    side_masks, side_ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
    after = state_in_order(state, keys, plan, new, masks, subjects, x)
    if after is None:
        return None
    make = lambda: signatures_of(after, rules)  # noqa: E731
    class_keys = replace(
        keys,
        behaviour=plan.behaviour,
        by_signature=LazySignatures(make) if plan.split else _signatures(keys, plan, new, make),
        answers=projected_answers(answers, plan.renumber, new, at),
    )
    admin = any(isinstance(p, AdminPolicy) for p in state.policies)
    return replace(
        x,
        cluster=cluster,
        pods=cluster.pods,
        pod_class=np.array(plan.behaviour, dtype=np.intp)[pod_label],
        **side_fields(rows, isolated),
        n_internal=n,
        rules=rules,
        selected_matrix=None,
        selected_rows=[subject_of[id(policy)] for policy in x.cluster.policies],
        cilium_selected=cilium_selected(state.policies, subjects, n),
        diagnostics=priority_ties(rules) if admin else x.diagnostics,
        class_keys=class_keys,
        pod_label_class=pod_label,
        policy_state=after,
        _side_masks=side_masks,
        _side_ids=side_ids,
        _and=table,
    )


def reordered(
    x: Reachability, state: PolicyState, plan: Plan, new: NewClass | None
) -> tuple[IntVec, RuleMasks, dict[int, BoolVec], list[CompiledRule]] | None:
    """What renumbering ``x``'s classes as ``plan`` says takes again of ``state``: the old
    class of every class (behaviour classes, then the external ends) in the new order,
    the rule masks with each class's named-port resolution in that order, and
    :func:`answers_in_order`; None when the new class resolves named ports as no class
    did and the atoms are not cut at its ports (the caller cuts them first:
    :func:`resolution_cut`)."""
    columns = np.concatenate([plan.source, np.arange(x.n_internal, x.n_classes)])
    masks = copy.copy(state.masks)
    fresh = new is not None and new.named_ports not in masks.resolutions
    if new is not None and fresh:  # a resolution no class had: a mask row more
        if resolution_cut(x, state, new.named_ports) is not x:
            return None
        masks = masks.with_resolution(new.named_ports)
    masks.resolution_of = taken(masks.resolution_of, columns, 0)
    if new is not None:
        masks.resolution_of[int(plan.renumber[NEW])] = masks.resolutions.index(new.named_ports)
    subject_of, rules = answers_in_order(x, state, plan.source, columns, new, masks.resolution_of)
    if fresh:  # the rules naming ports: a row for the new resolution too
        rules = _with_row(rules, masks)
    return columns, masks, subject_of, rules


def _with_row(rules: list[CompiledRule], masks: RuleMasks) -> list[CompiledRule]:
    """``rules`` (of NetworkPolicies, admin and Cilium policies) with the mask row of the
    last resolution of ``masks`` added to those that name ports (one per distinct mask and
    ports: rules share them)."""
    done: dict[tuple[bytes, object], Mask] = {}
    out = []
    for rule in rules:
        assert not isinstance(rule.rule, CalicoRule), "Calico's rules are taken again"
        # a rule naming ports: of one row when compiled with no class (no resolution)
        if rule.varies or names_ports(rule.rule):
            key = (rule.mask.tobytes(), rule.rule.ports)
            mask = done.get(key)
            if mask is None:
                mask = done[key] = masks.row_added(rule.rule, rule.mask)
            rule = rule.with_(mask=mask)
        out.append(rule)
    return out


def resolution_cut(x: Reachability, state: PolicyState, named: NamedPorts) -> Reachability | None:
    """``x`` with its port atoms cut at the ports the resolution ``named`` (of ``state``'s
    named ports) resolves to, as a compilation with a class of it cuts them (``x`` itself
    when they are cut already; None when they cannot be cut here)."""
    if named in state.masks.resolutions:
        return x
    return with_cuts(x, resolved_ports(state.named_ports, [named]))


def answers_in_order(
    x: Reachability,
    state: PolicyState,
    source: IntVec,
    columns: IntVec,
    new: NewClass | None,
    resolution_of: IntVec,
) -> tuple[dict[int, BoolVec], list[CompiledRule]]:
    """Who each policy of ``state`` (by id) selects and each of their rules (in ``x``'s
    order; beside Calico's tiers, the rules of the other kinds), with the classes in their
    new order (``source``; ``columns``: every class's) and the new class's answers (each
    policy's, then each rule's in evaluation order)."""
    policies = len(state.policies)
    by_class, by_column = Taking(source), Taking(columns)
    subjects = taken_each(by_class, state.subjects, new.answers[:policies] if new else None, False)
    subject_of = {id(policy): s for policy, s in zip(state.policies, subjects, strict=True)}
    place = {
        (id(p), id(r), d): policies + k for k, (p, r, d) in enumerate(rule_triples(state.policies))
    }
    kept = [rule for rule in x.rules if id(rule.policy) in subject_of]
    fills = (
        None
        if new is None
        else [new.answers[place[id(r.policy), id(r.rule), r.direction]] for r in kept]
    )
    peers = taken_each(by_column, [rule.peers for rule in kept], fills, False)
    rules = [
        rule.with_(selected=subject_of[id(rule.policy)], peers=p, resolution_of=resolution_of)
        for rule, p in zip(kept, peers, strict=True)
    ]
    return subject_of, rules


def _signatures(
    keys: ClassKeys,
    plan: Plan,
    new: NewClass | None,
    make: Callable[[], dict[Signature, int]],
) -> Mapping[Signature, int]:
    """The class of each signature after renumbering: ``keys``' renumbered, with the new
    class's, when made already; else made when first read (by ``make``)."""
    before = keys.by_signature
    if isinstance(before, LazySignatures) and not before.made:
        return LazySignatures(make)
    number = plan.renumber.tolist()
    table = {signature: number[c] for signature, c in before.items() if number[c] >= 0}
    if new is not None:
        table[signature_of(new.answers, new.named_ports)] = number[NEW]
    return table


def projected_answers(
    answers: KeyAnswers, renumber: IntVec, new: NewClass | None, at: int
) -> KeyAnswers:
    """``answers`` with the classes of the projections found renumbered (those of a class
    that is gone forgotten), and the new class's."""
    projected = answers.projected.renumbered(renumber)
    if new is not None:
        projected.put(answers.projection(new.key), at)
    return replace(answers, projected=projected)


def renumber_table(n_internal: int) -> IntVec:
    """A new number for each of ``n_internal`` classes (:data:`GONE` until set), then the
    new class's and :data:`GONE`'s own places, at indices :data:`NEW` and :data:`GONE`, so
    that the table renumbers ``ClassKeys.behaviour`` as it is."""
    return np.full(n_internal + 2, GONE, dtype=np.intp)


def every_class(x: Reachability, internal: IntVec, n: int) -> IntVec:
    """The new number of each class of ``x`` (behaviour classes, then the external ends)
    when its behaviour classes ``c`` become ``internal[c]`` (-1: gone) of ``n``: the
    external ends follow them."""
    return np.concatenate(
        [internal[: x.n_internal], np.arange(n, n + x.n_classes - x.n_internal)]
    ).astype(np.intp)


def renumbering(x: Reachability, order: list[int]) -> IntVec:
    """The new number of each class of ``x`` (every class: behaviour classes, then the
    external ends) when its behaviour classes become ``order`` (-1: gone)."""
    internal = np.full(x.n_internal, -1, dtype=np.intp)
    source = np.array(order, dtype=np.intp)
    internal[source[source >= 0]] = np.flatnonzero(source >= 0)
    return every_class(x, internal, len(order))


def side_in_order(
    x: Reachability,
    direction: str,
    sides: SideRows | None,
    isolated: BoolVec | IntVec,
    columns: IntVec,
    at: int,
) -> tuple[PortSetIds, IntVec, set[int]]:
    """``(rows, row_of, ids)`` of one direction with the classes in their new order
    (``columns``: the old class of each, -1 the new class ``at``, whose rows ``sides``
    computes; none when ``at`` is negative); ``ids``: the ids of entries computed here."""
    rows, row_of = (
        (x.ingress_rows, x.ingress_group)
        if direction == "ingress"
        else (x.egress_rows, x.egress_group)
    )
    if at < 0:
        return (*rows_in_order(rows, row_of, columns), set())
    assert sides is not None, "a new class's rows are computed"
    entry = sides.column(direction, isolated, at)  # what each row has at the new class
    own = sides.rows_of(direction, isolated, [at])[0]
    out, row_of_new = rows_in_order(rows, row_of, columns, (at, entry, own))
    return out, row_of_new, set(np.unique(entry).tolist()) | set(np.unique(own).tolist())


def state_in_order(
    state: PolicyState,
    keys: ClassKeys,
    plan: Plan,
    new: NewClass | None,
    masks: RuleMasks,
    subjects: list[BoolVec],
    x: Reachability,
) -> PolicyState | None:
    """``state`` with the classes of ``plan``; when a class's label class is one of the
    keys found since the compilation, those keys join its label classes (policy and
    namespace updates answer for a class by its label class: :func:`absorbed`; None when
    they cannot)."""
    if len(plan.first) and int(plan.first.max()) >= len(state.labels):
        found = absorbed(state, keys, x)
        if found is None:
            return None
        state = found
    classes = BehaviourClasses(
        by_signature={},
        of_label_class=np.array(plan.behaviour[: len(state.labels)], dtype=np.intp),
        first_label_class=plan.first,
        named_ports=[
            state.classes.named_ports[c] if c >= 0 else new.named_ports  # type: ignore[union-attr]
            for c in plan.source.tolist()
        ],
    )
    hashes = _carried(state, plan.source, new, keys)
    return replace(state, classes=classes, masks=masks, subjects=subjects, hashes=hashes)


def _carried(
    state: PolicyState, source: IntVec, new: NewClass | None, keys: ClassKeys
) -> UIntVec | None:
    """The hashes of the classes' answers in their new order (``source``), a new class's
    made of its answers; None when there were none, or its answers' policies are not
    known (beside Calico's tiers its hashes are of other answers and made again:
    :mod:`reach.engine.calicoclasses`)."""
    hashes = state.hashes
    if hashes is None:
        return None
    kept = source >= 0
    out = np.zeros(len(source), dtype=np.uint64)
    out[kept] = hashes[source[kept]]
    if new is not None:
        if keys.answers is None or isinstance(state, CalicoState):
            return None
        out[~kept] = answers_hash((keys.answers.policies, keys.answers.rules), new.answers)
    return out


def absorbed(state: PolicyState, keys: ClassKeys, x: Reachability) -> PolicyState | None:
    """``state`` with the label classes of every key found since the compilation after its
    own (of the classes ``keys`` gives them), answered by its matchers (beside Calico's
    tiers, the kept Calico matcher too: None when it cannot answer them, a namespace added
    since)."""
    more = keys.label_keys[len(state.labels) :]
    matcher = state.matcher
    labels = extended(state.labels, more, matcher.namespace_position, state.named_ports)
    classes = replace(
        state.classes, of_label_class=np.array(keys.behaviour[: len(labels)], dtype=np.intp)
    )
    out = replace(state, labels=labels, matcher=matcher.over(labels, x.segments), classes=classes)
    if not isinstance(out, CalicoState) or out.calico_matcher is None:
        return out
    calico = out.calico_matcher.extended(more, state.named_ports)
    return replace(out, calico_matcher=calico) if calico is not None else None
