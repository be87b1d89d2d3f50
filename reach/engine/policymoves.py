"""A NetworkPolicy added, replaced or deleted in a compiled cluster without compiling it
again.

A NetworkPolicy decides only the side of the pods it selects: the ingress rows of the
classes it selects when it isolates ingress or has ingress rules, and likewise egress
(the rows of the other classes keep what they allow). So when the change leaves the
compilation's frame as it was, only those rows are computed again. The frame is:

- the label classes: the named ports rules use are the same (they are part of a pod's
  label class key);
- the address segments: the ipBlocks of all rules cut the addresses at the same points;
- the behaviour classes: the policy's answers (who it selects, who each rule's peers
  hold) are the same on every label class of a behaviour class (no class splits), and
  with the old policy's answers gone no two classes answer everything alike (none
  merge), so the classes and their numbering stay;
- the port atoms: the rules' ports cut the port space at the same points.

Otherwise :func:`policy_moved` says so and the caller compiles. The rows computed again
hold port-set ids interned after the compilation's (a fresh compilation numbers them in
another order): the ports every pair allows are the same, which
``tests/api/test_policyupdate.py`` checks against fresh loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from reach.engine.answerhash import Columns, contribution, merges
from reach.engine.arrays import BoolVec, IntVec, PortSetIds, UIntVec
from reach.engine.atoms import cuts_of
from reach.engine.classes import Signature, signatures
from reach.engine.keyanswers import KeyAnswers
from reach.engine.matching import Matcher
from reach.engine.policystate import PolicyState
from reach.engine.portmasks import numeric_ports
from reach.engine.pseudopeers import pseudo_held
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rules import AnyPolicy, AnyRule, CompiledRule, rule_blocks, used_named_ports
from reach.engine.sides import SideRows
from reach.model.cluster import AdminPolicy, Cluster, NetworkPolicy
from reach.model.ipspace import segments

DIRECTIONS = ("ingress", "egress")


def policy_moved(
    x: Reachability,
    cluster: Cluster,
    old: NetworkPolicy | None,
    new: NetworkPolicy | None,
) -> tuple[Reachability, BoolVec] | None:
    """``x`` for ``cluster``, whose NetworkPolicies are ``x.cluster.policies`` without
    ``old`` (one of them) and with ``new`` (one of ``cluster.policies``), and the behaviour
    classes whose rows changed; None when that needs a compilation (see the module doc).

    ``cluster`` must differ from ``x.cluster`` in that policy only."""
    state, keys = x.policy_state, x.class_keys
    if state is None or keys is None:
        return None
    policies = _evaluation_order(state.policies, cluster)
    triples: list[tuple[AnyPolicy, AnyRule, str]] = [
        (policy, rule, direction)
        for policy in policies
        for direction, of in (("ingress", policy.ingress), ("egress", policy.egress))
        for rule in of
    ]
    if not _same_cuts(state, x, cluster, triples, old, new):
        return None
    if new is not None and not _splits_nothing(state, keys, new):
        return None
    first = state.classes.first_label_class
    subject_of = {id(p): s for p, s in zip(state.policies, state.subjects, strict=True)}
    rules_of: dict[int, list[CompiledRule]] = {}
    for rule in x.rules:
        rules_of.setdefault(id(rule.policy), []).append(rule)
    if new is not None:
        selected = state.matcher.selected(new)
        subject_of[id(new)] = selected[first]
        rules_of[id(new)] = list(_compiled(state, x, new, selected))
    rules = [rule for policy in policies for rule in rules_of.get(id(policy), [])]
    subjects = [subject_of[id(policy)] for policy in policies]
    hashes = _hashes(state, x, old, new, subject_of, rules_of)
    if old is not None and merges(
        hashes, state.masks.resolution_of[: x.n_internal], _columns(subjects, rules)
    ):
        return None
    isolated = _isolation(policies, subjects, x.n_internal)
    sides = SideRows(
        rules, x.atoms, n_internal=x.n_internal, resolution_of=state.masks.resolution_of
    )
    changed = np.zeros(x.n_internal, dtype=bool)
    rows: dict[str, tuple[PortSetIds, IntVec]] = {}
    for direction in DIRECTIONS:
        touched = np.zeros(x.n_internal, dtype=bool)
        for policy in (old, new):
            if policy is not None and _decides(policy, direction):
                touched |= subject_of[id(policy)]
        changed |= touched
        rows[direction] = _rows_with(x, direction, sides, isolated[direction], touched)
    after = PolicyState(
        state.labels,
        state.classes,
        state.matcher,
        state.masks,
        state.named_ports,
        policies,
        subjects,
        hashes,
    )
    masks = list(x.atoms.values)
    answers = KeyAnswers(policies, triples, cluster.namespaces, state.named_ports, keys.key_of)
    moved = replace(
        x,
        cluster=cluster,
        rules=rules,
        egress_rows=rows["egress"][0],
        egress_group=rows["egress"][1],
        ingress_rows=rows["ingress"][0],
        ingress_group=rows["ingress"][1],
        ingress_isolated=isolated["ingress"],
        egress_isolated=isolated["egress"],
        policy_selected=_selected(policies, subjects, x.n_internal),
        class_keys=replace(
            keys, answers=answers, by_signature=LazySignatures(lambda: _signatures(after, rules))
        ),
        policy_state=after,
        _side_masks=masks,
        _and=_extended(x, masks),
    )
    return moved, changed


def _compiled(
    state: PolicyState, x: Reachability, policy: NetworkPolicy, selected: BoolVec
) -> Iterator[CompiledRule]:
    """The policy's rules in class space, as compiling gives them."""
    first = state.classes.first_label_class
    subject = selected[first]
    for direction, policy_rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for rule in policy_rules:
            pods, external = state.matcher.rule_peers(rule, policy)
            yield CompiledRule(
                policy=policy,
                rule=rule,
                direction=direction,
                selected=subject,
                peers=np.concatenate([pods[first], external, pseudo_held(rule, x.pseudo)]),
                mask=state.masks.mask_of(rule),
                resolution_of=state.masks.resolution_of,
            )


def _evaluation_order(before: list[AnyPolicy], cluster: Cluster) -> list[AnyPolicy]:
    """The policies in the compiler's order: Admin, the NetworkPolicies, Baseline."""
    admin = [p for p in before if isinstance(p, AdminPolicy) and p.tier == "Admin"]
    baseline = [p for p in before if isinstance(p, AdminPolicy) and p.tier != "Admin"]
    return [*admin, *cluster.policies, *baseline]


def _same_cuts(
    state: PolicyState,
    x: Reachability,
    cluster: Cluster,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
    old: NetworkPolicy | None,
    new: NetworkPolicy | None,
) -> bool:
    """Whether a compilation of the changed policies (``triples``: its rules in order) has
    ``x``'s label classes (the same named ports used), address segments and port atoms."""
    before, after = _cutting(old), _cutting(new)
    if any(b - a for b, a in zip(before, after, strict=True)):  # something may be gone
        return _same_cuts_of_all(state, x, cluster, triples)
    ports, named, blocks = (a - b for b, a in zip(before, after, strict=True))
    if not named <= set(state.named_ports):
        return False
    numeric = [state.masks.numeric_of.get(p) or numeric_ports(p) for p in ports]
    starts = x.atoms.starts
    if any(not set(cut) <= set(starts[proto]) for proto, cut in cuts_of(numeric).items()):
        return False
    if any(b.cidr.version == 6 for b in blocks) and not x.ipv6:
        return False
    known = {(s.version, s.first) for s in x.segments}
    return all((s.version, s.first) in known for s in segments(blocks))


def _cutting(policy: NetworkPolicy | None) -> tuple[set[Any], set[Any], set[Any]]:
    """What in a policy cuts a compilation's frame: its rules' port lists, the named
    ports they use, and their ipBlocks."""
    if policy is None:
        return set(), set(), set()
    rules = (*policy.ingress, *policy.egress)
    ports = {rule.ports for rule in rules}
    named = {(p.port, p.protocol) for r in rules for p in r.ports or () if isinstance(p.port, str)}
    blocks = {peer.ip_block for r in rules for peer in r.peers or () if peer.ip_block}
    return ports, named, blocks


def _same_cuts_of_all(
    state: PolicyState,
    x: Reachability,
    cluster: Cluster,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
) -> bool:
    """:func:`_same_cuts`, computed from every rule."""
    if used_named_ports(triples) != state.named_ports:
        return False
    blocks = rule_blocks(triples) + [b for s in cluster.calico.network_sets for b in s.nets]
    if segments(blocks) != x.segments or any(b.cidr.version == 6 for b in blocks) != x.ipv6:
        return False
    masks = state.masks
    ports = {rule.ports for _, rule, _ in triples}
    numeric = [masks.numeric_of.get(p) or numeric_ports(p) for p in ports]
    return cuts_of([*numeric, *masks.also_cut]) == x.atoms.starts


def _splits_nothing(state: PolicyState, keys: ClassKeys, policy: NetworkPolicy) -> bool:
    """Whether every answer of ``policy`` is the same on every label class key of each
    behaviour class: those compiled, and those pods brought since
    (:mod:`reach.engine.podmoves`), which may come back to their class later."""
    classes = state.classes
    compiled = _answers(state.matcher, policy)
    representative = classes.first_label_class[classes.of_label_class]
    if not all(np.array_equal(a, a[representative]) for a in compiled):
        return False
    for key, cls in zip(
        keys.label_keys[len(state.labels) :], keys.behaviour[len(state.labels) :], strict=True
    ):
        matcher = keys.answers.matcher(key) if keys.answers is not None else None
        if matcher is None:
            return False
        first = classes.first_label_class[cls]
        if any(
            bool(one[0]) != bool(a[first])
            for one, a in zip(_answers(matcher, policy), compiled, strict=True)
        ):
            return False
    return True


def _answers(matcher: Matcher, policy: NetworkPolicy) -> list[BoolVec]:
    """Who the policy selects and who each of its rules' peers hold, over the matcher's
    label classes."""
    rules = (*policy.ingress, *policy.egress)
    return [matcher.selected(policy), *(matcher.rule_peers(r, policy)[0] for r in rules)]


def _hashes(
    state: PolicyState,
    x: Reachability,
    old: NetworkPolicy | None,
    new: NetworkPolicy | None,
    subject_of: dict[int, BoolVec],
    rules_of: dict[int, list[CompiledRule]],
) -> UIntVec:
    """The hash of each class's answers after the change (:mod:`reach.engine.answerhash`):
    the compilation's, made at the first update, less the old policy's, plus the new's."""
    n = x.n_internal

    def columns(policy: AnyPolicy) -> list[BoolVec]:
        return [subject_of[id(policy)], *(r.peers[:n] for r in rules_of.get(id(policy), []))]

    hashes = state.hashes
    if hashes is None:
        hashes = np.zeros(n, dtype=np.uint64)
        for policy in state.policies:
            hashes = hashes + contribution(policy, columns(policy))
        state.hashes = hashes
    if old is not None:
        hashes = hashes - contribution(old, columns(old))
    if new is not None:
        hashes = hashes + contribution(new, columns(new))
    return hashes


def _columns(subjects: list[BoolVec], rules: list[CompiledRule]) -> Columns:
    """Every answer of some classes: who each policy selects, who each rule's peers hold."""

    def of(classes: IntVec) -> npt.NDArray[np.bool_]:
        return np.array([*(s[classes] for s in subjects), *(r.peers[classes] for r in rules)])

    return of


def _isolation(policies: list[AnyPolicy], subjects: list[BoolVec], n: int) -> dict[str, BoolVec]:
    """Which classes NetworkPolicies isolate, per direction."""
    out = {d: np.zeros(n, dtype=bool) for d in DIRECTIONS}
    for policy, selected in zip(policies, subjects, strict=True):
        if isinstance(policy, NetworkPolicy):
            if policy.ingress_isolating:
                out["ingress"] |= selected
            if policy.egress_isolating:
                out["egress"] |= selected
    return out


def _decides(policy: NetworkPolicy, direction: str) -> bool:
    """Whether the policy has a say in this direction of the pods it selects."""
    if direction == "ingress":
        return policy.ingress_isolating or bool(policy.ingress)
    return policy.egress_isolating or bool(policy.egress)


def _rows_with(
    x: Reachability, direction: str, sides: SideRows, isolated: BoolVec, touched: BoolVec
) -> tuple[PortSetIds, IntVec]:
    """``(rows, row_of)`` of one direction, with the rows of the ``touched`` classes
    computed again and the rows no class uses any more dropped."""
    rows, row_of = (
        (x.ingress_rows, x.ingress_group)
        if direction == "ingress"
        else (x.egress_rows, x.egress_group)
    )
    classes = np.flatnonzero(touched)
    if not len(classes):
        return rows, row_of
    fresh = sides.rows_of(direction, isolated, classes.tolist())
    row_of = row_of.copy()
    row_of[classes] = len(rows) + np.arange(len(classes))
    rows = np.vstack([rows, fresh])
    used, row_of = np.unique(row_of, return_inverse=True)
    return rows[used], row_of.reshape(-1).astype(np.intp)


def _selected(policies: list[AnyPolicy], subjects: list[BoolVec], n: int) -> BoolVec:
    """``Reachability.policy_selected``: the classes each NetworkPolicy selects."""
    rows = [s for p, s in zip(policies, subjects, strict=True) if isinstance(p, NetworkPolicy)]
    return np.array(rows, dtype=bool).reshape(len(rows), n)


def _extended(x: Reachability, masks: list[int]) -> PortSetIds | None:
    """``x``'s AND table grown to the ids ``masks`` (None when ``x`` never made one)."""
    table = x._and
    if table is None:
        return None
    n_old, n = len(table), len(masks)
    out = np.empty((n, n), dtype=np.int32)
    out[:n_old, :n_old] = table
    intern = x.atoms.intern_int
    for e in range(n):  # the new ids' rows and columns
        start = n_old if e < n_old else 0
        out[e, start:] = [intern(masks[e] & masks[i]) for i in range(start, n)]
    for i in range(n_old, n):
        out[:n_old, i] = [intern(masks[e] & masks[i]) for e in range(n_old)]
    return out


def _signatures(state: PolicyState, rules: list[CompiledRule]) -> dict[Signature, int]:
    """The behaviour class of each signature, as compiling the changed policies gives it."""
    n = len(state.classes)
    answers = [*state.subjects, *(r.peers[:n] for r in rules)]
    found = signatures(answers, state.classes.named_ports)
    return {signature: c for c, signature in enumerate(found)}


class LazySignatures(Mapping[Signature, int]):
    """``ClassKeys.by_signature``, computed when first read (a pod of new labels)."""

    def __init__(self, make: Callable[[], dict[Signature, int]]) -> None:
        self._make = make
        self._table: dict[Signature, int] | None = None

    def _got(self) -> dict[Signature, int]:
        if self._table is None:
            self._table = self._make()
        return self._table

    def __getitem__(self, key: Signature) -> int:
        return self._got()[key]

    def __iter__(self) -> Iterator[Signature]:
        return iter(self._got())

    def __len__(self) -> int:
        return len(self._got())
