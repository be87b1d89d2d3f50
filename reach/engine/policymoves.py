"""A NetworkPolicy, an admin policy (ANP, BANP, ClusterNetworkPolicy) or a Cilium policy
added, replaced or deleted in a compiled cluster without compiling it again.

A policy decides only the side of the pods it selects: the ingress rows of the classes
it selects when it isolates ingress or has ingress rules (an admin policy: rules only),
and likewise egress (the rows of the other classes keep what they allow). So when the
change leaves the compilation's frame as it was, only those rows are computed again,
walking the tiers as compiling does. The frame is:

- the named ports rules use: a name no rule used splits the classes whose label classes
  resolve it otherwise first, and a name no rule uses any more merges the classes it
  alone told apart after (:mod:`reach.engine.namedmoves`; not beside the mesh);
- the address segments: the ipBlocks of all rules cut the addresses at the same points
  (where they do not, the segments are cut finer first and coarser after:
  :mod:`reach.engine.segmentmoves`, and likewise Cilium's pseudo peers);
- the behaviour classes: the policy's answers (who it selects, who each rule's peers
  hold) are the same on every label class of a behaviour class (no class splits), and
  with the old policy's answers gone no two classes answer everything alike (none
  merge), so the classes and their numbering stay; where the policy splits classes they
  are split first, and classes that merge are named in the :class:`Move` to be merged
  after (:mod:`reach.engine.classsplits`);
- the port atoms: the rules' ports cut the port space at no new point (cuts no rule
  makes any more may stay: finer atoms hold the same port sets).

Otherwise :func:`policy_moved` says so and the caller compiles. The rows computed again
hold port-set ids interned after the compilation's (a fresh compilation numbers them in
another order): the ports every pair allows are the same, which
``tests/api/test_policyupdate.py`` checks against fresh loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from reach.engine.answerhash import columns_of, contribution, hashes_of, merged
from reach.engine.arrays import BoolVec, UIntVec
from reach.engine.atoms import cuts_of
from reach.engine.ciliumfirst import cilium_after, cilium_ready
from reach.engine.classes import NamedPorts, least_members
from reach.engine.classsplits import policy_answers, split_by
from reach.engine.keyanswers import KeyAnswers
from reach.engine.meshlayer import blocks as mesh_blocks
from reach.engine.meshpolicy import mesh_codes, rows_moved
from reach.engine.moves import Move, Moved, Split
from reach.engine.namedmoves import (
    grown,
    named_patterns,
    names_of,
    reframed,
    resolution_ids,
    splits_any,
)
from reach.engine.policystate import PolicyState
from reach.engine.portcuts import policy_ports, with_cuts
from reach.engine.portmasks import numeric_ports, resolved_ports
from reach.engine.pseudomoves import pseudo_union, with_pseudo
from reach.engine.pseudopeers import pseudo_held
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import DIRECTIONS
from reach.engine.rules import (
    AnyPolicy,
    AnyRule,
    CompiledRule,
    NamedKey,
    compiled_rule,
    evaluation_order,
    priority_ties,
    rule_blocks,
    rule_triples,
    used_named_ports,
)
from reach.engine.segmentmoves import coarser_segments, cut_anew
from reach.model.cluster import AdminPolicy, Cluster, NetworkPolicy
from reach.model.ipspace import IPBlock, IPRange, overlay, segments
from reach.model.pseudo import PseudoPeer, pseudo_peers


def policy_moved(
    x: Reachability,
    cluster: Cluster,
    old: Moved | None,
    new: Moved | None,
) -> Move | None:
    """``x`` for ``cluster``, whose NetworkPolicies (or admin policies) are
    ``x.cluster``'s without ``old`` (one of them) and with ``new`` (one of ``cluster``'s)
    (see :class:`Move`); None when that needs a compilation (see the module doc).

    ``cluster`` must differ from ``x.cluster`` in that policy only."""
    first = cilium_ready(x, cluster, new)  # the first Cilium policy: its matcher made
    state, keys = (first.policy_state, first.class_keys) if first else (None, None)
    if first is None or state is None or keys is None:
        return None
    x = first
    triples = rule_triples(policies := evaluation_order(cluster))
    grow, shrink = _named_change(state, triples, old, new)
    resolved = grown(keys, grow) if grow else []  # how each key resolves the new names
    if new is not None:  # ports no rule cut at: the atoms cut again first
        cut = with_cuts(x, policy_ports(state, new) + resolved_ports(grow, resolved))
        if cut is None or cut.policy_state is None:
            return None
        x, state = cut, cut.policy_state
    after_segments = _cuts(state, x, cluster, triples, old, new)
    after_pseudo = pseudo_peers(cluster.cilium_policies)
    if after_segments is None or not _ends_movable(x, after_segments, after_pseudo):
        return None
    finer = _ends_first(x, after_segments, after_pseudo)  # those gone once it is in
    if finer is not None and finer.policy_state is not None:
        x, state = finer, finer.policy_state
    ready = _split_first(x, keys, new, grow, resolved)
    if ready is None or ready[0].policy_state is None:
        return None
    (x, split), state = ready, ready[0].policy_state
    subject_of = {id(p): s for p, s in zip(state.policies, state.subjects, strict=True)}
    rules_of: dict[int, list[CompiledRule]] = {}
    for rule in x.rules:
        rules_of.setdefault(id(rule.policy), []).append(rule)
    if new is not None:
        selected = state.matcher.selected(new)
        subject_of[id(new)] = selected[state.classes.first_label_class]
        rules_of[id(new)] = list(compiled_rules(state, x, new, selected))
    rules = [rule for policy in policies for rule in rules_of.get(id(policy), [])]
    subjects = [subject_of[id(policy)] for policy in policies]
    hashes = _hashes(state, x, old, new, subject_of, rules_of, (policies, rules))
    groups: list[list[int]] = []
    resolution = state.masks.resolution_of[: x.n_internal]
    if shrink:  # classes told apart by a name no rule names any more merge
        resolution = resolution_ids(state, _without(state.named_ports, shrink))
    code = None
    if x.mesh is not None:  # classes the mesh tells apart stay apart; others merge
        added = []  # the new policy's answers, over the classes
        if new is not None:
            added = [subject_of[id(new)], *(r.peers[: x.n_internal] for r in rules_of[id(new)])]
        found = mesh_codes(x, hashes, added, resolution, columns_of(subjects, rules))
        if found is None:
            return None
        code, groups = found
    elif hashes is not None and old is not None:  # an addition merges nothing
        groups = merged(hashes, resolution, columns_of(subjects, rules))
    touched = {
        direction: _subjects_of([old, new], direction, subject_of, x.n_internal)
        for direction in DIRECTIONS
    }
    after = replace(state, policies=policies, subjects=subjects, hashes=hashes)
    selecting = _selected_rows(x, cluster, old, new, subject_of)
    moved = rows_moved(x, cluster, after, rules, touched, new, selecting, code)
    if moved is None:
        return None
    moved = cilium_after(moved, cluster, (policies, subjects), old, new)
    if isinstance(old, AdminPolicy) or isinstance(new, AdminPolicy):
        moved.diagnostics = priority_ties(rules)
    if shrink:
        moved = reframed(moved, _without(state.named_ports, shrink), [])
    moved.ipv6 = _ipv6(x, cluster, triples, old, new)
    coarser = coarser_segments(moved, after_segments)
    gone = after_pseudo if after_pseudo != moved.pseudo else None
    return Move(moved, touched["ingress"] | touched["egress"], groups, split, finer, coarser, gone)


def _split_first(
    x: Reachability,
    keys: ClassKeys,
    new: Moved | None,
    grow: list[NamedKey],
    resolved: list[NamedPorts],
) -> tuple[Reachability, Split | None] | None:
    """``x`` with the classes split that the policy coming in (``new``) or the port names
    no rule used before (``grow``, resolved by each key as ``resolved`` says) tell apart,
    and the names in its frame (:mod:`reach.engine.namedmoves`); how classes were split
    (None: they were not). None when that needs a compilation."""
    x = _live_firsts(x, keys)
    state = x.policy_state
    assert state is not None
    split: Split | None = None
    asked = keys.answers or (x.mesh_state.key_answers if x.mesh_state is not None else None)
    also = named_patterns(resolved) if grow else None  # names told apart too
    if new is not None and (
        not _splits_nothing(state, keys, new, asked) or (also and splits_any(keys, also))
    ):
        refined = split_by(x, new, also)
        if refined is None or refined[0].policy_state is None:
            return None
        x, split = refined[0], refined[1:]
        state = refined[0].policy_state
    if grow:
        x = reframed(x, sorted({*state.named_ports, *grow}), resolved)
    return x, split


def _live_firsts(x: Reachability, keys: ClassKeys) -> Reachability:
    """``x`` with each class whose first label class is no key of it any more (its pods
    went: beside the mesh layer the policy state's class still holds it) answered for by
    a compiled label class it has: the policy's answers to the class are then those of
    keys with pods, as a load's."""
    state = x.policy_state
    assert state is not None
    first = state.classes.first_label_class
    behaviour = np.array(keys.behaviour[: len(state.labels)], dtype=np.intp)
    stale = np.flatnonzero(behaviour[first] != np.arange(len(first)))
    if not len(stale):
        return x
    least = least_members(behaviour, stale)
    first = first.copy()
    first[stale[least >= 0]] = least[least >= 0]
    classes = replace(state.classes, first_label_class=first)
    return replace(x, policy_state=replace(state, classes=classes))


def _ends_movable(x: Reachability, after: list[IPRange], pseudo: list[PseudoPeer]) -> bool:
    """Whether the external ends can become these segments and pseudo peers in place."""
    return pseudo == x.pseudo or x.n_internal > 0  # (a class computes a new one's column)


def _ends_first(
    x: Reachability, after: list[IPRange], pseudo: list[PseudoPeer]
) -> Reachability | None:
    """``x`` with its segments cut at the bounds of ``after`` too and the pseudo peers of
    ``pseudo`` added; None when it has them all."""
    finer = cut_anew(x, after)
    union = pseudo_union(x.pseudo, pseudo)
    if union == x.pseudo:  # none new (those gone go once it is in)
        return finer
    return with_pseudo(finer or x, union)


def compiled_rules(
    state: PolicyState, x: Reachability, policy: Moved, selected: BoolVec
) -> Iterator[CompiledRule]:
    """The policy's rules in class space, as compiling gives them (``selected``: who it
    selects, over label classes)."""
    first = state.classes.first_label_class
    subject = selected[first]
    for direction, policy_rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for rule in policy_rules:
            pods, external = state.matcher.rule_peers(rule, policy)
            yield compiled_rule(
                policy,
                rule,
                direction,
                subject,
                np.concatenate([pods[first], external, pseudo_held(rule, x.pseudo)]),
                state.masks.mask_of(rule),
                state.masks.resolution_of,
            )


def _cuts(
    state: PolicyState,
    x: Reachability,
    cluster: Cluster,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
    old: Moved | None,
    new: Moved | None,
) -> list[IPRange] | None:
    """The address segments of a compilation of the changed policies (``triples``: its
    rules in order): ``x.segments`` itself when they are the same; None when it would
    not have ``x``'s port atoms or address families (:mod:`reach.engine.segmentmoves`
    cuts the segments again)."""
    before, after = _cutting(old), _cutting(new)
    if any(b - a for b, a in zip(before, after, strict=True)):  # something may be gone
        return _cuts_of_all(state, x, cluster, triples)
    ports, blocks = (a - b for b, a in zip(before, after, strict=True))
    numeric = [state.masks.numeric_of.get(p) or numeric_ports(p) for p in ports]
    starts = x.atoms.starts
    if any(not set(cut) <= set(starts[proto]) for proto, cut in cuts_of(numeric).items()):
        return None
    known = {(s.version, s.first) for s in x.segments}
    cut = segments(blocks)
    if all((s.version, s.first) in known for s in cut):
        return x.segments
    return overlay(x.segments, cut)[0]


def _ipv6(
    x: Reachability,
    cluster: Cluster,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
    old: Moved | None,
    new: Moved | None,
) -> bool:
    """Whether some block names an IPv6 CIDR after the change (``Reachability.ipv6``):
    the views then show the IPv6 ranges too."""
    if _v6(_cutting(new)[1]):
        return True
    if not _v6(_cutting(old)[1]):
        return x.ipv6
    return _v6(frame_blocks(x, cluster, rule_blocks(triples)))


def frame_blocks(x: Reachability, cluster: Cluster, rules: list[IPBlock]) -> list[IPBlock]:
    """The blocks that cut the segments of a compilation of ``cluster`` without Calico's
    tiers: the rules' (``rules``, in order), the network sets', and beside the mesh layer
    its ipBlocks."""
    blocks = rules + [b for s in cluster.calico.network_sets for b in s.nets]
    return blocks + mesh_blocks(cluster.istio) if x.mesh is not None else blocks


def _v6(blocks: Iterable[IPBlock]) -> bool:
    """Whether one of the blocks names an IPv6 CIDR."""
    return any(b.cidr.version == 6 for b in blocks)


def _cutting(policy: Moved | None) -> tuple[set[Any], set[Any]]:
    """What in a policy cuts a compilation's frame: its rules' port lists and their
    ipBlocks (the names they use: :func:`_named_change`)."""
    if policy is None:
        return set(), set()
    rules = (*policy.ingress, *policy.egress)
    ports = {rule.ports for rule in rules}
    blocks = set(rule_blocks([(policy, rule, "") for rule in rules]))
    return ports, blocks


def _named_change(
    state: PolicyState,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
    old: Moved | None,
    new: Moved | None,
) -> tuple[list[NamedKey], list[NamedKey]]:
    """The port names the rules (``triples``, after the change) use that no rule used
    before, and those no rule uses any more (:mod:`reach.engine.namedmoves`)."""
    before, after = names_of(old), names_of(new)
    grow = sorted(after - set(state.named_ports))
    gone = before - after
    return grow, sorted(gone - set(used_named_ports(triples))) if gone else []


def _without(named: list[NamedKey], gone: list[NamedKey]) -> list[NamedKey]:
    """``named`` less ``gone``, in order."""
    return [key for key in named if key not in gone]


def _cuts_of_all(
    state: PolicyState,
    x: Reachability,
    cluster: Cluster,
    triples: list[tuple[AnyPolicy, AnyRule, str]],
) -> list[IPRange] | None:
    """:func:`_cuts`, computed from every rule."""
    blocks = frame_blocks(x, cluster, rule_blocks(triples))
    masks = state.masks
    ports = {rule.ports for _, rule, _ in triples}
    numeric = [masks.numeric_of.get(p) or numeric_ports(p) for p in ports]
    # cuts no rule makes any more may stay: finer atoms hold the same port sets
    cuts, starts = cuts_of([*numeric, *masks.also_cut]), x.atoms.starts
    if not all(set(cut) <= set(starts.get(proto, ())) for proto, cut in cuts.items()):
        return None
    after = segments(blocks)
    return x.segments if after == x.segments else after


def _splits_nothing(
    state: PolicyState, keys: ClassKeys, policy: Moved, asked: KeyAnswers | None
) -> bool:
    """Whether every answer of ``policy`` is the same on every label class key of each
    behaviour class: those compiled (whose pods have not all gone), and those pods brought
    since (:mod:`reach.engine.podmoves`), which may come back to their class later."""
    classes = state.classes
    compiled = policy_answers(state.matcher, policy)
    # a compiled label class whose pods went (beside the mesh layer its class may still
    # hold it) is split from no class: a load has no such label class
    live = np.array(keys.behaviour[: len(state.labels)], dtype=np.intp) >= 0
    representative = classes.representatives()[live]
    if not all(np.array_equal(a[live], a[representative]) for a in compiled):
        return False
    for key, cls in zip(
        keys.label_keys[len(state.labels) :], keys.behaviour[len(state.labels) :], strict=True
    ):
        if cls < 0:
            continue  # its class is gone
        matcher = asked.matcher(key) if asked is not None else None
        if matcher is None:
            return False
        first = classes.first_label_class[cls]
        if any(
            bool(one[0]) != bool(a[first])
            for one, a in zip(policy_answers(matcher, policy), compiled, strict=True)
        ):
            return False
    return True


def _hashes(
    state: PolicyState,
    x: Reachability,
    old: Moved | None,
    new: Moved | None,
    subject_of: dict[int, BoolVec],
    rules_of: dict[int, list[CompiledRule]],
    after: tuple[list[AnyPolicy], list[CompiledRule]],
) -> UIntVec | None:
    """The hash of each class's answers after the change (:mod:`reach.engine.answerhash`):
    those before it, less the old policy's, plus the new's; made from every answer at the
    first update that takes a policy out (an addition merges nothing: None until then)."""
    n = x.n_internal

    def columns(policy: AnyPolicy) -> list[BoolVec]:
        return [subject_of[id(policy)], *(r.peers[:n] for r in rules_of.get(id(policy), []))]

    hashes = state.hashes
    if hashes is None:
        if old is None:
            return None
        policies = after[0]
        return hashes_of(policies, [subject_of[id(p)] for p in policies], after[1], n)
    if old is not None:
        hashes = hashes - contribution(old, columns(old))
    if new is not None:
        hashes = hashes + contribution(new, columns(new))
    return hashes


def _selected_rows(
    x: Reachability,
    cluster: Cluster,
    old: Moved | None,
    new: Moved | None,
    subject_of: dict[int, BoolVec],
) -> list[BoolVec]:
    """The rows of ``Reachability.policy_selected`` (NetworkPolicies only) after the
    change: one out, one in."""
    rows = list(x.selected_rows if x.selected_rows is not None else x.policy_selected)
    if isinstance(old, NetworkPolicy):
        del rows[_index(x.cluster.policies, old)]
    if isinstance(new, NetworkPolicy):
        rows.insert(_index(cluster.policies, new), subject_of[id(new)])
    return rows


def _index(policies: list[NetworkPolicy], policy: NetworkPolicy) -> int:
    """Where ``policy`` (that object) is among ``policies``."""
    return next(i for i, p in enumerate(policies) if p is policy)


def _subjects_of(
    policies: list[Moved | None], direction: str, subject_of: dict[int, BoolVec], n: int
) -> BoolVec:
    """The classes that the policies select and decide in this direction."""
    out = np.zeros(n, dtype=bool)
    for policy in policies:
        if policy is not None and _decides(policy, direction):
            out |= subject_of[id(policy)]
    return out


def _decides(policy: Moved, direction: str) -> bool:
    """Whether the policy has a say in this direction of the pods it selects (an admin
    policy, through its rules only)."""
    rules = policy.ingress if direction == "ingress" else policy.egress
    if isinstance(policy, AdminPolicy):
        return bool(rules)
    isolating = policy.ingress_isolating if direction == "ingress" else policy.egress_isolating
    return isolating or bool(rules)
