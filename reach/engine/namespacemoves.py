"""A namespace relabelled in a compiled cluster without compiling it again.

A namespace's labels matter only to namespace selectors: of rule peers, and of the
subjects of admin policies. Their answers are asked again over the label classes; the
rows of the classes whose policies have an answer that changed are computed again, in
the directions of those rules (and both for an admin policy whose subjects changed).

As for a policy (:mod:`reach.engine.policymoves`), this holds while the behaviour classes
stay: every changed answer is the same on the label classes of each behaviour class
(pods' keys found since the compilation included), and no two classes come to answer
everything alike (:mod:`reach.engine.answerhash`). Label classes, segments and port
atoms do not depend on namespace labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from reach.engine.answerhash import columns_of, contribution, hashes_of, merged
from reach.engine.arrays import BoolVec, UIntVec
from reach.engine.bitpack import packed_columns
from reach.engine.calicostate import CalicoState
from reach.engine.classmoves import absorbed
from reach.engine.classsplits import split_into
from reach.engine.matching import Matcher
from reach.engine.meshpolicy import mesh_codes, rows_moved
from reach.engine.moves import Move, Split
from reach.engine.policystate import PolicyState
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import DIRECTIONS
from reach.engine.rules import AnyPolicy, CompiledRule, cilium_selected, priority_ties
from reach.model.cilium import NAMESPACE_LABELS_PREFIX, CiliumPolicy, CiliumRule
from reach.model.cluster import AdminPolicy, Cluster
from reach.model.selectors import Labels, LabelSelector


def namespace_moved(x: Reachability, cluster: Cluster, name: str) -> Move | None:
    """``x`` for ``cluster``, where namespace ``name`` has other labels (and nothing else
    changed), as a :class:`Move` (classes split first where the namespace's keys now answer
    otherwise than their class's others, merged after where classes answer alike); None
    when that needs a compilation."""
    x = found_absorbed(x, name)
    state, keys = x.policy_state, x.class_keys
    if state is None or keys is None:
        return None
    asked = relabelled_answers(state, keys, x, cluster, name)
    if asked is None:
        return None
    matcher, answers = asked
    labels = answers.labels
    split: Split | None = None
    if not answers.alike(keys.behaviour[len(state.labels) :]):
        refined = split_into(x, answers.patterns(keys))
        if refined is None or refined[0].policy_state is None or refined[0].class_keys is None:
            return None
        x, split = refined[0], refined[1:]
        state, keys = refined[0].policy_state, refined[0].class_keys
        matcher = namespace_matcher(state, cluster, x)
        answers = NamespaceAnswers(state, x, matcher, labels)
        if not answers.alike(keys.behaviour[len(state.labels) :]):
            return None
    subjects = [answers.subject.get(i, s) for i, s in enumerate(state.subjects)]
    rules = [answers.compiled(k, rule) for k, rule in enumerate(x.rules)]
    hashes = state.hashes
    groups: list[list[int]] = []
    resolution = state.masks.resolution_of[: x.n_internal]
    if answers.changed:  # else nothing can merge
        hashes = _hashes(state, x, answers, subjects, rules)
        if x.mesh is None:
            groups = merged(hashes, resolution, columns_of(subjects, rules))
    code = None
    if x.mesh is not None:  # classes the mesh tells apart stay apart; others merge
        changed = hashes if answers.changed else None
        found = mesh_codes(x, changed, [], resolution, columns_of(subjects, rules))
        if found is None:
            return None
        code, groups = found
    touched = {d: np.zeros(x.n_internal, dtype=bool) for d in DIRECTIONS}
    for i in answers.subject:  # an admin or Cilium policy's subjects: its rows, both ways
        for d in DIRECTIONS:
            touched[d] |= state.subjects[i] | subjects[i]
    for k in answers.peers:
        touched[rules[k].direction] |= rules[k].selected
    after = replace(state, matcher=matcher, subjects=subjects, hashes=hashes)
    moved = rows_moved(x, cluster, after, rules, touched, None, _rows_of(x), code)
    if moved is None:
        return None
    if any(isinstance(state.policies[i], CiliumPolicy) for i in answers.subject):
        moved.cilium_selected = cilium_selected(state.policies, subjects, x.n_internal)
    if any(isinstance(p, AdminPolicy) for p in state.policies):  # overlaps read the answers
        moved.diagnostics = priority_ties(rules)
    return Move(moved, touched["ingress"] | touched["egress"], groups, split)


def found_absorbed(x: Reachability, name: str) -> Reachability:
    """``x`` with the label class keys found since the compilation among its policy
    state's (or Calico's) when some are of namespace ``name`` (``classmoves.absorbed``:
    its matchers answer them as the compiled ones; a relabel reads their answers so; it
    loaded before); ``x`` as it is otherwise, or when they cannot be (then
    :func:`relabelled_answers` says None)."""
    state = x.policy_state if x.policy_state is not None else x.calico_state
    keys = x.class_keys
    if state is None or keys is None:
        return x
    if not any(key[0] == name for key in keys.label_keys[len(state.labels) :]):
        return x
    whole = absorbed(state, keys, x)
    if isinstance(whole, CalicoState):
        return replace(x, calico_state=whole)
    return replace(x, policy_state=whole) if whole is not None else x


def relabelled_answers(
    state: PolicyState, keys: ClassKeys, x: Reachability, cluster: Cluster, name: str
) -> tuple[Matcher, NamespaceAnswers] | None:
    """The matcher of ``cluster``'s namespace labels and the answers that changed when
    namespace ``name`` was relabelled (nothing else changed); None when a key found since
    the compilation is in it (its answers are not at hand) or the namespaces differ."""
    if list(cluster.namespaces) != list(x.cluster.namespaces):
        return None
    if any(key[0] == name for key in keys.label_keys[len(state.labels) :]):
        return None
    labels = (dict(x.cluster.namespaces[name].labels), dict(cluster.namespaces[name].labels))
    matcher = namespace_matcher(state, cluster, x)
    return matcher, NamespaceAnswers(state, x, matcher, labels)


def namespace_matcher(state: PolicyState, cluster: Cluster, x: Reachability) -> Matcher:
    """A matcher over the state's label classes and ``cluster``'s namespace labels."""
    names = list(state.matcher.namespace_position)
    return state.matcher.renamespaced(
        state.labels, [cluster.namespaces[n] for n in names], x.segments
    )


class NamespaceAnswers:
    """The answers that changed: admin and Cilium policies' subjects (by position among the state's
    policies) and rule peers (by position among ``x.rules``), over label classes."""

    def __init__(
        self,
        state: PolicyState,
        x: Reachability,
        matcher: Matcher,
        labels: tuple[Labels, Labels],
    ) -> None:
        """``labels``: the namespace's labels before and after; a selector that answers
        them alike answers every label class as before."""
        self.state, self.x, self.labels = state, x, labels

        def flips(selector: LabelSelector | None) -> bool:
            return selector is not None and selector.matches(labels[0]) != selector.matches(
                labels[1]
            )

        def reads(selectors: Iterable[LabelSelector]) -> bool:
            """Whether Cilium identity selectors read a namespace label that changed."""
            return any(
                r.key.startswith(NAMESPACE_LABELS_PREFIX)
                and labels[0].get(r.key[len(NAMESPACE_LABELS_PREFIX) :])
                != labels[1].get(r.key[len(NAMESPACE_LABELS_PREFIX) :])
                for s in selectors
                for r in s.requirements
            )

        self.first = state.classes.first_label_class
        #: old and new answers over label classes, where they differ
        self.changed: list[tuple[BoolVec, BoolVec]] = []
        self.subject: dict[int, BoolVec] = {}
        self.peers: dict[int, BoolVec] = {}
        for i, policy in enumerate(state.policies):
            if (isinstance(policy, AdminPolicy) and flips(policy.subject.namespace_selector)) or (
                isinstance(policy, CiliumPolicy) and reads([policy.endpoint_selector])
            ):
                self._compare(i, state.matcher.selected(policy), matcher.selected(policy), True)
        for k, rule in enumerate(x.rules):
            owner = rule.policy
            peers = getattr(rule.rule, "peers", None) or ()
            if any(flips(p.namespace_selector) for p in peers) or (
                isinstance(rule.rule, CiliumRule) and reads(rule.rule.endpoints)
            ):
                old = state.matcher.rule_peers(rule.rule, owner)[0]  # type: ignore[arg-type]
                new = matcher.rule_peers(rule.rule, owner)[0]  # type: ignore[arg-type]
                self._compare(k, old, new, False)

    def _compare(self, at: int, old: BoolVec, new: BoolVec, subject: bool) -> None:
        if np.array_equal(old, new):
            return
        self.changed.append((old, new))
        (self.subject if subject else self.peers)[at] = new[self.first]

    def alike(self, joined: list[int]) -> bool:
        """Whether every changed answer is the same on the label classes of each behaviour
        class, and on the keys found since (``joined``: their classes; outside the
        namespace, they keep their old answers)."""
        classes = self.state.classes
        representative = classes.representatives()
        firsts = classes.first_label_class[[c for c in joined if c >= 0]]
        for old, new in self.changed:
            if not np.array_equal(new, new[representative]):
                return False
            if not np.array_equal(old[firsts], new[firsts]):
                return False
        return True

    def patterns(self, keys: ClassKeys) -> list[bytes]:
        """The changed answers of each label class key, packed (the keys found since keep
        their class's old answers: they are in other namespaces)."""
        compiled = len(self.state.labels)
        news = np.array([new for _, new in self.changed], dtype=bool).reshape(-1, compiled)
        out = [row.tobytes() for row in packed_columns(news)]
        olds = np.array([old for old, _ in self.changed], dtype=bool).reshape(-1, compiled)
        first = self.state.classes.first_label_class
        for cls in keys.behaviour[compiled:]:
            column = olds[:, first[cls]] if cls >= 0 else np.zeros(len(olds), dtype=bool)
            out.append(np.packbits(column).tobytes())
        return out

    def compiled(self, k: int, rule: CompiledRule) -> CompiledRule:
        """Rule k with its new peers and its policy's new subjects, where they changed."""
        position = self._position_of(rule.policy)
        selected = self.subject.get(position, rule.selected) if position >= 0 else rule.selected
        peers = self.peers.get(k)
        if peers is None and selected is rule.selected:
            return rule
        n = self.x.n_internal
        whole = rule.peers if peers is None else np.concatenate([peers, rule.peers[n:]])
        return rule.with_(selected=selected, peers=whole)

    def _position_of(self, policy: object) -> int:
        if not self.subject:
            return -1
        for i, p in enumerate(self.state.policies):
            if p is policy:
                return i
        return -1


def _hashes(
    state: PolicyState,
    x: Reachability,
    answers: NamespaceAnswers,
    subjects: list[BoolVec],
    rules: list[CompiledRule],
) -> UIntVec:
    """The hash of each class's answers, with those of the policies whose answers changed
    taken out and put back as they are now (made from every answer the first time)."""
    n = x.n_internal
    if state.hashes is None:
        return hashes_of(state.policies, subjects, rules, n)
    hashes = state.hashes
    changed = {id(x.rules[k].policy) for k in answers.peers}
    changed |= {id(state.policies[i]) for i in answers.subject}
    if not changed:
        return hashes
    old_rules: dict[int, list[BoolVec]] = {}
    new_rules: dict[int, list[BoolVec]] = {}
    for old, new in zip(x.rules, rules, strict=True):
        if id(old.policy) in changed:
            old_rules.setdefault(id(old.policy), []).append(old.peers[:n])
            new_rules.setdefault(id(old.policy), []).append(new.peers[:n])
    for i, policy in enumerate(state.policies):
        if id(policy) in changed:
            p: AnyPolicy = policy
            hashes = hashes - contribution(p, [state.subjects[i], *old_rules.get(id(p), [])])
            hashes = hashes + contribution(p, [subjects[i], *new_rules.get(id(p), [])])
    return hashes


def _rows_of(x: Reachability) -> list[BoolVec]:
    """The rows of ``x.policy_selected`` (a namespace's labels do not change them)."""
    if x.selected_rows is not None:
        return x.selected_rows
    return list(x.policy_selected)
