"""A Calico NetworkPolicy, GlobalNetworkPolicy or Profile, or a Kubernetes NetworkPolicy
or admin policy (which sit in Calico's default, kube-admin and kube-baseline tiers),
added, replaced or deleted in a compiled cluster (Calico's tiers deciding) without
compiling it again.

A Calico policy decides only the sides of the classes it selects: in each direction its
tier applies to them (or no longer does) and its rules select among them; the rows of
every other class allow what they did. So when the change leaves the compilation's frame
as it was, the Calico rules are taken again from the cluster's Calico objects, as
compiling takes them (``calicoplan``, ``calicocompile``), the tiers are walked again
(``calicotiers``: which tiers apply to which class), and only the rows of the classes
the policy selects, before or after, are computed again. The frame:

- the named ports rules use: a name no rule used splits the classes whose label classes
  resolve it otherwise first (with the change's answers, :func:`calico_split`), and a
  name no rule uses any more merges the classes it alone told apart after
  (:mod:`reach.engine.namedmoves`, as for a NetworkPolicy without Calico);
- the address segments and the port atoms: the Calico rules' nets and network sets cut
  the addresses at the same points, their ports cut the port space at no new point;
- the behaviour classes: where the change's answers tell the label classes of a class
  apart, the class is split first (:func:`calico_split`); classes that come to answer
  everything alike are merged after (``CalicoSteps.groups``,
  ``classsplits.merged_classes``).

Otherwise :func:`calico_moved` says so and the caller compiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.bitpack import packed_columns
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicomesh import stashed, steps_moved, unstashed, with_calico
from reach.engine.calicoplan import CalicoPlan, calico_plan
from reach.engine.calicostate import CalicoState
from reach.engine.calicosteps import calico_steps, kept_matcher, other_rules
from reach.engine.calicotiers import CalicoTiers, in_tier
from reach.engine.classes import NamedPorts
from reach.engine.classmoves import absorbed
from reach.engine.classsplits import policy_answers, split_into
from reach.engine.moves import Move, Split
from reach.engine.namedmoves import grown, named_patterns, reframed, splits_any
from reach.engine.policyframe import policy_frame
from reach.engine.policymoves import compiled_rules
from reach.engine.portcuts import policy_ports, with_cuts
from reach.engine.portmasks import resolved_ports
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import DIRECTIONS
from reach.engine.rules import (
    CompiledRule,
    NamedKey,
    evaluation_order,
)
from reach.engine.segmentmoves import coarser_segments, cut_anew
from reach.model.calico import (
    CalicoPolicy,
    Profile,
    namespace_profile_name,
    service_account_profile_name,
)
from reach.model.cluster import AdminPolicy, Cluster, NetworkPolicy
from reach.model.ipspace import IPRange, segments

#: The policies that change in place beside Calico's tiers (admin policies sit in the
#: ``kube-admin`` and ``kube-baseline`` tiers, NetworkPolicies in ``default``).
Changed = CalicoPolicy | NetworkPolicy | AdminPolicy | Profile
#: Those of the other kinds, whose answers the kept policy state holds.
Other = NetworkPolicy | AdminPolicy


def calico_moved(
    x: Reachability, cluster: Cluster, old: Changed | None, new: Changed | None
) -> Move | None:
    """``x`` for ``cluster``, whose Calico policies (or NetworkPolicies) are
    ``x.cluster``'s with the policy ``old`` taken out and ``new`` put in (either may be
    None), as a :class:`Move`; None when that needs a compilation (see the module doc).
    Classes the change tells apart are split first (:func:`calico_split`). Beside the
    mesh layer over the Calico state its mesh state keeps (``calicomesh.with_calico``)."""
    own = with_calico(x)
    if own is None:
        return None
    x = own
    state, keys = x.calico_state, x.class_keys
    if state is None or keys is None:
        return None
    plan = calico_plan(cluster)
    names = _names(state, keys, cluster, plan)
    ports = policy_ports(state, new) if isinstance(new, Other) else []
    # ports no rule cut at (the new names' too): the atoms cut again
    cut = with_cuts(x, [*plan.port_sets, *ports, *resolved_ports(names.grow, names.resolved)])
    if cut is None:
        return None
    after, ipv6 = _frame_segments(cluster, plan)
    finer = cut_anew(cut, after)  # addresses cut anew: finer first (coarser at the end)
    finer = unstashed(finer) if finer is not None else None  # (beside the mesh: its own)
    cut = _shown(finer or cut, ipv6)
    moved = None
    if not (names.grow and splits_any(keys, named_patterns(names.resolved))):
        moved = _moved(names.framed(cut), cluster, old, new, plan, None, names.gone)
    if moved is None:
        moved = _split_moved(cut, cluster, old, new, plan, names)
    if moved is None:
        return None
    if names.gone:  # the frame without the names no rule names any more
        moved = replace(moved, x=stashed(reframed(unstashed(moved.x), names.after, [])))
    return replace(moved, cut=finer, segments=coarser_segments(moved.x, after))


class _Names(NamedTuple):
    """The port names rules use before and after a change (:mod:`reach.engine.namedmoves`):
    those before (``named``), those no rule used (``grow``, resolved by each label class
    key as ``resolved`` says), and those no rule names any more (``gone``)."""

    named: list[NamedKey]
    grow: list[NamedKey]
    resolved: list[NamedPorts]
    gone: list[NamedKey]

    @property
    def after(self) -> list[NamedKey]:
        """The names rules use after the change."""
        return sorted({*self.named, *self.grow} - set(self.gone))

    def framed(self, x: Reachability) -> Reachability:
        """``x`` with the names that grow in its frame (classes must resolve them alike)."""
        if not self.grow:
            return x
        return reframed(x, sorted({*self.named, *self.grow}), self.resolved)


def _names(state: CalicoState, keys: ClassKeys, cluster: Cluster, plan: CalicoPlan) -> _Names:
    """The port names every rule of ``cluster`` uses (its policies' and Calico's) against
    those ``state``'s compilation used."""
    frame = policy_frame(evaluation_order(cluster), state.masks.numeric_of)
    used = frame.named | plan.named_ports
    grow = sorted(used - set(state.named_ports))
    gone = sorted(set(state.named_ports) - used)
    return _Names(state.named_ports, grow, grown(keys, grow) if grow else [], gone)


def calico_sets_moved(x: Reachability, cluster: Cluster) -> Move | None:
    """``x`` for ``cluster``, whose Calico network sets are ``x.cluster``'s changed (and
    nothing else), as a :class:`Move` whose views make their end nodes again; None when
    that needs a compilation.

    A network set is labelled CIDRs that rule selectors pick: it changes the addresses the
    rules picking it hold, and no answer about pods (no class splits or merges). The
    Calico rules are taken again (the kept Calico matcher with the new sets,
    ``CalicoMatcher.with_sets``), and the rows of the classes a rule whose peers changed
    selects, in its direction, are computed again; its CIDRs may cut the segments anew.
    Beside the mesh layer over the Calico state its mesh state keeps."""
    own = with_calico(x)
    if own is None:
        return None
    x = own
    state = x.calico_state
    if state is None:
        return None
    plan = calico_plan(cluster)
    after, ipv6 = _frame_segments(cluster, plan)
    finer = cut_anew(x, after)
    finer = unstashed(finer) if finer is not None else None  # (beside the mesh: its own)
    y = _shown(finer or x, ipv6)  # the first IPv6 net or the last: the views show them or not
    kept = y.calico_state
    assert kept is not None
    if kept.calico_matcher is not None:  # (its Services: ``kept_matcher``)
        kept = replace(
            kept, calico_matcher=kept.calico_matcher.with_sets(cluster.calico.network_sets)
        )
    others = other_rules(y.rules)
    steps = calico_steps(kept, y, cluster, others, merges=False, plan=plan)
    class_keys = _keys(y, kept, cluster, None, steps.plan) if steps is not None else None
    if steps is None or class_keys is None or len(steps.rules) != len(y.rules):
        return None
    touched = {d: np.zeros(y.n_internal, dtype=bool) for d in DIRECTIONS}
    for rule, before in zip(steps.rules, y.rules, strict=True):
        if not np.array_equal(rule.peers, before.peers):
            touched[rule.direction] |= rule.selected
    found = steps_moved(steps, y, cluster, kept, touched, class_keys, coded=False)
    if found is None:
        return None
    moved = found[0]
    changed = touched["ingress"] | touched["egress"]
    coarser = coarser_segments(moved, after) or moved.segments
    return Move(moved, changed, [], None, finer, coarser)


def calico_framed(x: Reachability, cluster: Cluster) -> Move | None:
    """``x`` cut at the frame of a compilation of ``cluster``, whose pods (not rules) are
    another's (the first pod to carry a Profile whose rules name nets or ports: Calico's
    plan holds them from then): its address segments and port atoms cut anew, every row as
    it was (the same answers, at finer ends), as a :class:`Move`; None when the plan names
    port names ``x``'s frame does not (classes resolving them otherwise split then)."""
    state, keys = x.calico_state, x.class_keys
    if state is None or keys is None:
        return None
    plan = calico_plan(cluster)
    if _names(state, keys, cluster, plan).grow:
        return None
    cut = with_cuts(x, plan.port_sets)
    if cut is None:
        return None
    after, ipv6 = _frame_segments(cluster, plan)
    finer = cut_anew(cut, after)
    unchanged = np.zeros(x.n_internal, dtype=bool)
    return Move(stashed(_shown(finer or cut, ipv6)), unchanged, [], None, finer)


def _frame_segments(cluster: Cluster, plan: CalicoPlan) -> tuple[list[IPRange], bool]:
    """The address segments of a compilation of ``cluster`` through Calico's tiers (its
    policies' blocks, the plan's nets and the network sets), and whether it shows the
    IPv6 ranges (some block is IPv6: ``Reachability.ipv6``)."""
    blocks = policy_frame(evaluation_order(cluster)).blocks + plan.blocks
    return segments(blocks), any(b.cidr.version == 6 for b in blocks)


def _shown(x: Reachability, ipv6: bool) -> Reachability:
    """``x`` showing the IPv6 ranges or not (a copy when that changes: the segments cover
    both families either way, so only the views differ, which an update moves)."""
    return x if x.ipv6 == ipv6 else replace(x, ipv6=ipv6)


def _split_moved(
    x: Reachability,
    cluster: Cluster,
    old: Changed | None,
    new: Changed | None,
    plan: CalicoPlan,
    names: _Names,
) -> Move | None:
    """:func:`calico_moved` with the classes the change tells apart split first (by its
    answers, and by how label classes resolve the port names no rule used)."""

    def answers_of(state: CalicoState, kept: CalicoMatcher) -> list[BoolVec] | None:
        vectors = plan.answers(kept).vectors()
        if isinstance(new, Other):
            vectors += policy_answers(state.matcher, new)
        return vectors

    also = named_patterns(names.resolved) if names.grow else None
    asked = calico_patterns(x, cluster, answers_of, also)
    if asked is None:
        return None
    refined = split_into(*asked)
    if refined is None:  # nothing splits: every key, those found since too, answers alike
        return _moved(names.framed(asked[0]), cluster, old, new, plan, None, names.gone)
    return _moved(names.framed(refined[0]), cluster, old, new, plan, refined[1:], names.gone)


def _moved(
    x: Reachability,
    cluster: Cluster,
    old: Changed | None,
    new: Changed | None,
    plan: CalicoPlan,
    split: Split | None,
    gone: list[NamedKey],
) -> Move | None:
    """:func:`calico_moved` over ``x``'s classes (split first as ``split`` says; ``gone``:
    the port names no rule names any more, still in ``x``'s frame); None when they split,
    or the change needs a compilation."""
    state, tiers = x.calico_state, x.calico
    if state is None or tiers is None:
        return None
    others = other_rules(x.rules)
    selected_rows = x.selected_rows
    if isinstance(old, Other) or isinstance(new, Other):
        other = _other_moved(state, x, cluster, new if isinstance(new, Other) else None, others)
        if other is None:
            return None
        state, others = other
        subject_of = dict(zip(map(id, state.policies), state.subjects, strict=True))
        selected_rows = [subject_of[id(p)] for p in cluster.policies]
    # a policy only added brings answers and takes none: no two classes come to agree (a
    # Profile added takes the place of the one Calico generates for its pods)
    merges = old is not None or isinstance(new, Profile)
    meshed = x.mesh is not None  # (the mesh tells the merges there: reach.engine.calicomesh)
    steps = calico_steps(
        state, x, cluster, others, merges=merges and not meshed, plan=plan, gone=gone, hashed=meshed
    )
    if steps is None:
        return None
    class_keys = _keys(x, state, cluster, new, steps.plan)
    if class_keys is None:
        return None
    touched = {  # who the policy selects, before and after (of any kind: the tiers' owners)
        d: _selecting(tiers, old, d) | _selecting(steps.tiers, new, d) for d in DIRECTIONS
    }
    if isinstance(old, Profile) or isinstance(new, Profile):
        profiled = _profiled(state, (old or new).name)  # type: ignore[union-attr]
        touched = {d: profiled for d in DIRECTIONS}
    found = steps_moved(steps, x, cluster, state, touched, class_keys, coded=True, gone=gone)
    if found is None:
        return None
    moved, groups = found
    if selected_rows is not x.selected_rows:
        moved = replace(moved, selected_matrix=None, selected_rows=selected_rows)
    return Move(moved, touched["ingress"] | touched["egress"], groups, split)


def calico_split(
    x: Reachability,
    cluster: Cluster,
    answers_of: Callable[[CalicoState, CalicoMatcher], list[BoolVec] | None],
    also: list[bytes] | None = None,
) -> tuple[Reachability, IntVec, list[int]] | None:
    """``x`` with its behaviour classes split where the answers ``answers_of`` gives over
    the kept label classes (given the state and its Calico matcher: Calico's answers of
    ``cluster``, and those of the changed policy or namespace) tell their label class keys
    apart (``classsplits.split_into``; the keys found since the compilation join the kept
    label classes first, ``classmoves.absorbed``, to be asked too), or the patterns
    ``also`` (one per label class key) do; None when nothing splits or the answers cannot
    be asked here."""
    asked = calico_patterns(x, cluster, answers_of, also)
    return split_into(*asked) if asked is not None else None


def calico_patterns(
    x: Reachability,
    cluster: Cluster,
    answers_of: Callable[[CalicoState, CalicoMatcher], list[BoolVec] | None],
    also: list[bytes] | None = None,
) -> tuple[Reachability, list[bytes]] | None:
    """What :func:`calico_split` splits by: ``x`` with the keys found since the
    compilation in its Calico state's label classes, and the pattern of answers of each
    label class key; None when the answers cannot be asked here. Where no two keys of a
    class differ, every key (those found since too) answers the change as its class does
    (a key joined by a projection that a new policy reads more of among them)."""
    state, keys = x.calico_state, x.class_keys
    if state is None or keys is None:
        return None
    if len(keys.label_keys) > len(state.labels):
        found = absorbed(state, keys, x)
        if not isinstance(found, CalicoState):
            return None
        state = found
        x = replace(x, calico_state=state)
    kept = kept_matcher(state, cluster)
    vectors = answers_of(state, kept) if kept is not None else None
    if vectors is None:
        return None
    n = len(state.labels)
    packed = packed_columns(np.array(vectors, dtype=bool).reshape(len(vectors), n))
    patterns = [row.tobytes() for row in packed]
    if also is not None:
        patterns = [a + b for a, b in zip(patterns, also, strict=True)]
    return x, patterns


def _keys(
    x: Reachability, state: CalicoState, cluster: Cluster, new: Changed | None, plan: CalicoPlan
) -> ClassKeys | None:
    """``x``'s class keys with their answers carried to the changed policies (the
    projections of pods' keys read the new policy's selectors); None when a key found
    since the compilation joined its class by a projection that ``new`` reads more of
    (its answers are not computed here: it may answer ``new`` otherwise)."""
    keys = x.class_keys
    if keys is None or keys.answers is None:
        return keys
    since = keys.behaviour[len(state.labels) :]
    if new is not None and any(c >= 0 for c in since) and keys.answers.names_more(new):
        return None
    answers = keys.answers.carried(
        state.policies,
        keys.answers.rules_of(state.policies),
        cluster.namespaces,
        new,
        (plan,),
    )
    return replace(keys, answers=answers)


def _other_moved(
    state: CalicoState,
    x: Reachability,
    cluster: Cluster,
    new: Other | None,
    others: list[CompiledRule],
) -> tuple[CalicoState, list[CompiledRule]] | None:
    """``state`` with the policies of other kinds of ``cluster`` (a NetworkPolicy out,
    ``new`` in) and who each selects, and those policies' rules in compile order; None
    when ``new`` answers the label classes of one behaviour class otherwise."""
    first = state.classes.first_label_class
    subject_of = dict(zip(map(id, state.policies), state.subjects, strict=True))
    rules_of: dict[int, list[CompiledRule]] = {}
    for rule in others:
        rules_of.setdefault(id(rule.policy), []).append(rule)
    if new is not None:
        representative = state.classes.representatives()
        answers = policy_answers(state.matcher, new)
        if any(not np.array_equal(a, a[representative]) for a in answers):
            return None  # it tells label classes of one class apart
        subject_of[id(new)] = answers[0][first]
        rules_of[id(new)] = list(compiled_rules(state, x, new, answers[0]))
    policies = evaluation_order(cluster)
    subjects = [subject_of[id(p)] for p in policies]
    rules = [rule for p in policies for rule in rules_of.get(id(p), [])]
    return replace(state, policies=policies, subjects=subjects), rules


def _profiled(state: CalicoState, name: str) -> BoolVec:
    """The classes the profile ``name`` applies to: ``kns.<namespace>`` to the workload
    pods of the namespace, ``ksa.<namespace>.<account>`` to those running as the account
    (docs/semantics.md, "Calico policies"); a profile of another name to none. A class
    counts when any of its label classes is such: its first one may be one whose pods
    went (a class of two namespaces' pods, say; the property test found it)."""
    labels, of_label = state.labels, state.classes.of_label_class
    names = {position: ns for ns, position in state.matcher.namespace_position.items()}
    out = np.zeros(len(state.classes.first_label_class), dtype=bool)
    for label, c in enumerate(of_label.tolist()):
        if c < 0 or c >= len(out) or labels.host_network[label]:
            continue  # no class, or no workload endpoint: no profiles
        ns = names.get(int(labels.namespace[label]), "")
        account = labels.service_accounts[label]
        if name in (namespace_profile_name(ns), service_account_profile_name(ns, account)):
            out[c] = True
    return out


def _selecting(tiers: CalicoTiers, policy: Changed | None, direction: str) -> BoolVec:
    """The classes ``policy`` selects in ``direction`` among the owners the tiers were
    walked with (none when it is not one: staged, or applying to hosts only)."""
    n = len(tiers.state_of[direction])
    out = np.zeros(n, dtype=bool)
    if policy is None:
        return out
    d = DIRECTIONS.index(direction)
    for owner, *subjects in tiers.owners:
        if owner is policy:
            out |= subjects[d]
    return out


def calico_tier_moved(x: Reachability, cluster: Cluster, name: str) -> Move | None:
    """``x`` for ``cluster``, whose Calico tier ``name`` is ``x.cluster``'s added, changed
    (its order or default action) or deleted (and nothing else), as a :class:`Move`; None
    when that needs a compilation.

    A tier decides only for the classes some policy of it selects (the walk skips a tier
    no policy of which applies to the class: docs/semantics.md, "Calico policies"), and
    no answer about pods changes (no class splits or merges): the Calico steps are taken
    again with the tiers in their new order, and the rows of the classes a policy of the
    tier selects, each way, are computed again."""
    own = with_calico(x)  # (beside the mesh layer, the Calico state its mesh state keeps)
    if own is None:
        return None
    x = own
    state = x.calico_state
    if state is None or x.calico is None:
        return None
    others = other_rules(x.rules)
    steps = calico_steps(state, x, cluster, others, merges=False)
    class_keys = _keys(x, state, cluster, None, steps.plan) if steps is not None else None
    if steps is None or class_keys is None:
        return None
    touched = {d: _of_tier(steps.tiers, name, d) for d in DIRECTIONS}  # its policies stay
    found = steps_moved(steps, x, cluster, state, touched, class_keys, coded=False)
    if found is None:
        return None
    return Move(found[0], touched["ingress"] | touched["egress"], [], None)


def _of_tier(tiers: CalicoTiers, name: str, direction: str) -> BoolVec:
    """The classes a policy of tier ``name`` selects in ``direction`` among the owners the
    tiers were walked with."""
    out = np.zeros(len(tiers.state_of[direction]), dtype=bool)
    d = DIRECTIONS.index(direction)
    for owner, *subjects in tiers.owners:
        if in_tier(owner, name):
            out |= subjects[d]
    return out
