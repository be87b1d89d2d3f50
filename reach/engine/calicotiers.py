"""Calico's tiers as the engine walks them (docs/semantics.md, "Calico policies", E1, E10, E12).

Every rule gets a tier: Calico policies their own, Kubernetes NetworkPolicies (and
Cilium policies, which Calico does not know: reach's choice) ``default``,
Admin-tier policies ``kube-admin``, Baseline ones ``kube-baseline``; profile
rules come after the last tier. Rules are ordered by tier, then by their policy's
order and name inside the tier, then as written.

The walk for one own class and one matching set of rules, per port: the tiers in
order; a tier no policy of which applies to the own class is skipped; in a tier
that applies, the first matching Allow or Deny rule decides, a Pass rule sends the
port to the next tier, a Log rule is skipped; no matching rule is the tier's
default action (Deny, or Pass). Ports still open after the last tier go to the
profiles: first Allow or Deny decides, none is Deny; a host-networked pod has no
profiles and is allowed. What applies depends on the own class, so it is the
class's *state*, part of the row-sharing key (``sides.SideRows``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.rules import CompiledPolicy, CompiledRule
from reach.model.calico import (
    ADMIN_TIER,
    BASELINE_TIER,
    DEFAULT_TIER,
    K8S_POLICY_ORDER,
    K8S_POLICY_PREFIX,
    CalicoPolicy,
    Profile,
    Tier,
)
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import AdminPolicy, NetworkPolicy

#: The pseudo-tier of profile rules (after every tier).
PROFILES = "profiles"
ALLOW, DENY, PASS, LOG = "Allow", "Deny", "Pass", "Log"

Owner = CompiledPolicy
Owners = Sequence[tuple[CompiledPolicy, BoolVec, BoolVec]]
#: Per direction: how many owners of each tier apply to each class (tiers x classes).
Counts = dict[str, npt.NDArray[np.int32]]
DIRECTIONS = ("ingress", "egress")


def tier_of(policy: Owner) -> str:
    """E10: the tier a policy of any kind sits in."""
    if isinstance(policy, CalicoPolicy):
        return policy.tier
    if isinstance(policy, Profile):
        return PROFILES
    if isinstance(policy, AdminPolicy):
        return ADMIN_TIER if policy.tier == "Admin" else BASELINE_TIER
    return DEFAULT_TIER


def policy_key(policy: Owner) -> tuple[float, str]:
    """E1, E10: a policy's place inside its tier (order, then name)."""
    if isinstance(policy, CalicoPolicy):
        return policy.sort_key
    if isinstance(policy, Profile):  # a pod's kns.* profile before its ksa.* one
        return (0.0 if policy.name.startswith("kns.") else 1.0, policy.name)
    if isinstance(policy, AdminPolicy):
        return (float(policy.priority), policy.name)
    prefix = K8S_POLICY_PREFIX if isinstance(policy, NetworkPolicy) else ""
    return (K8S_POLICY_ORDER, f"{policy.namespace}/{prefix}{policy.name}")


def applies(policy: Owner, direction: str) -> bool:
    """Whether a policy of a non-Calico kind makes its tier apply to what it selects."""
    if isinstance(policy, NetworkPolicy | CiliumPolicy):
        return policy.ingress_isolating if direction == "ingress" else policy.egress_isolating
    return True


@dataclass
class CalicoTiers:
    """The tiers of one compilation, and the walk over them (see the module doc)."""

    tiers: list[Tier]
    #: Per rule (of the sorted rule list): its tier's position (``len(tiers)``: profiles),
    #: its action.
    tier_of_rule: list[int]
    action_of_rule: list[str]
    #: Per direction: the state code of each internal class, and what each code means:
    #: (does tier t apply, for each t; is the class host-networked).
    state_of: dict[str, IntVec]
    states: dict[str, list[tuple[tuple[bool, ...], bool]]]
    everything: int = 0
    #: Every policy with its subjects over internal classes, for ingress and for egress
    #: (what ``calico_tiers`` was given; the audit reads the Calico policies' selections).
    owners: Owners = ()
    #: How many of ``owners`` of each tier apply to each class, each way: what the states
    #: are made of, kept so that the next walk over mostly the same owners counts again
    #: only those that changed (:func:`owner_counts`).
    counts: Counts = field(default_factory=dict)

    @property
    def position(self) -> dict[str, int]:
        return {t.name: i for i, t in enumerate(self.tiers)}

    def applying(self, direction: str, own: int) -> tuple[bool, ...]:
        """Which tiers apply to internal class ``own`` in ``direction``."""
        return self.states[direction][int(self.state_of[direction][own])][0]

    def walk(
        self,
        direction: str,
        rule_ids: tuple[int, ...],
        masks: tuple[int, ...],
        state: int,
        everything: int | None = None,
    ) -> int:
        """The ports allowed, given the matching rules (in order) and their int masks;
        ``everything``: the mask of every port (default: every atom)."""
        tiers_applying, host = self.states[direction][state]
        open_ = self.everything if everything is None else everything
        allowed, i = 0, 0
        n = len(rule_ids)
        for t, tier in enumerate(self.tiers):
            start = i
            while i < n and self.tier_of_rule[rule_ids[i]] == t:
                i += 1
            if not tiers_applying[t] or not open_:
                continue
            decided = passed = 0
            for j in range(start, i):
                action = self.action_of_rule[rule_ids[j]]
                if action == LOG:
                    continue
                new = masks[j] & open_ & ~decided
                decided |= new
                if action == ALLOW:
                    allowed |= new
                elif action == PASS:
                    passed |= new
            open_ = passed | ((open_ & ~decided) if tier.default_action == PASS else 0)
        if host:
            return allowed | open_
        decided = 0
        for j in range(i, n):
            action = self.action_of_rule[rule_ids[j]]
            if action in (ALLOW, DENY):
                new = masks[j] & open_ & ~decided
                decided |= new
                if action == ALLOW:
                    allowed |= new
        return allowed


def in_tier(policy: Owner, name: str) -> bool:
    """Whether ``policy`` sits in the tier ``name`` (a profile sits in none: a Tier of the
    input named ``profiles`` holds none of the profile rules, which come after every
    tier)."""
    return not isinstance(policy, Profile) and tier_of(policy) == name


def tier_index(position: Mapping[str, int], policy: Owner) -> int | None:
    """The place among the tiers (``position``: by name) of the tier ``policy`` sits in;
    None for a profile (its rules come after every tier: a Tier of the input named
    ``profiles`` holds none of them) or a tier not among them."""
    if isinstance(policy, Profile):
        return None
    return position.get(tier_of(policy))


def tier_rank(position: Mapping[str, int], policy: Owner) -> int:
    """:func:`tier_index`, with profiles (and tiers not among them) after every tier."""
    t = tier_index(position, policy)
    return len(position) if t is None else t


def sort_rules(rules: list[CompiledRule], tiers: list[Tier]) -> list[CompiledRule]:
    """Rules by tier, then policy order and name; stable, so rules stay as written."""
    position = {t.name: i for i, t in enumerate(tiers)}
    keys: dict[int, tuple[int, tuple[float, str]]] = {}  # by policy: its rules share it

    def key(rule: CompiledRule) -> tuple[int, tuple[float, str]]:
        found = keys.get(id(rule.policy))
        if found is None:
            found = keys[id(rule.policy)] = (
                tier_rank(position, rule.policy),
                policy_key(rule.policy),
            )
        return found

    return sorted(rules, key=key)


def calico_tiers(
    tiers: list[Tier],
    rules: list[CompiledRule],
    owners: Owners,
    host_network: BoolVec,
    everything: int,
    before: CalicoTiers | None = None,
    counts: Counts | None = None,
) -> tuple[CalicoTiers, dict[str, BoolVec]]:
    """The walk over the sorted ``rules``, and per direction whether some policy applies.

    ``owners``: every policy with its subjects over internal classes for ingress and
    for egress (a Kubernetes NetworkPolicy's only where it isolates). ``before``: the
    tiers of a walk over the same classes, whose counts are taken again for the owners
    whose subjects are the same arrays (:func:`owner_counts`); ``counts``: the owners'
    counts, known already.
    """
    position = {t.name: i for i, t in enumerate(tiers)}
    kept = before if before is not None and before.tiers == tiers else None
    if counts is None:
        counts = owner_counts(position, owners, len(host_network), kept)
    state_of: dict[str, IntVec] = {}
    states: dict[str, list[tuple[tuple[bool, ...], bool]]] = {}
    some: dict[str, BoolVec] = {}
    for direction in DIRECTIONS:
        by_tier = counts[direction] > 0
        some[direction] = np.asarray(by_tier.any(axis=0), dtype=bool)
        state_of[direction], states[direction] = _states(by_tier.T, host_network)
    walk = CalicoTiers(
        tiers,
        _ranks(position, rules),
        [r.action for r in rules],
        state_of,
        states,
        everything,
        owners,
        counts,
    )
    return walk, some


def owner_counts(
    position: Mapping[str, int], owners: Owners, n: int, before: CalicoTiers | None = None
) -> Counts:
    """How many ``owners`` of each tier (``position``: by name) apply to each of the ``n``
    classes, each way. With ``before`` (tiers over ``n`` classes too), its counts with the
    owners that changed taken out and put in again: an owner whose policy and subjects are
    the objects ``before`` holds counts as it did (the arrays are not written once made),
    so an update that changes a few policies adds and takes a few rows, not every one."""
    prior = _prior(before, n)
    if prior is None:
        counts = {d: np.zeros((len(position), n), dtype=np.int32) for d in DIRECTIONS}
        _add(counts, position, owners, 1)
        return counts
    assert before is not None
    counts = {d: c.copy() for d, c in before.counts.items()}
    changed = []
    for owner in owners:
        old = prior.pop(id(owner[0]), None)
        if old is not None and old[1] is owner[1] and old[2] is owner[2]:
            continue
        if old is not None:
            _add(counts, position, [old], -1)
        changed.append(owner)
    _add(counts, position, list(prior.values()), -1)
    _add(counts, position, changed, 1)
    return counts


def counts_in_order(tiers: CalicoTiers, owners: Owners, source: IntVec) -> Counts | None:
    """``tiers``' counts over classes renumbered (``source``: the class before of each, -1
    one made), where ``owners`` (``tiers``' own, over the new classes) answer for each
    class kept as for its class before; a class made is counted from ``owners``' answers.
    None when ``tiers`` has no counts."""
    if not tiers.counts:
        return None
    kept = np.flatnonzero(source >= 0)
    counts = {}
    for direction, before in tiers.counts.items():
        counts[direction] = np.zeros((len(before), len(source)), dtype=np.int32)
        counts[direction][:, kept] = before[:, source[kept]]
    position = tiers.position
    for c in np.flatnonzero(source < 0).tolist():
        for policy, *subjects in owners:  # few select a class: their places only
            if subjects[0][c] or subjects[1][c]:
                for d, direction, t in _places(position, policy):
                    counts[direction][t, c] += int(subjects[d][c])
    return counts


def _prior(
    before: CalicoTiers | None, n: int
) -> dict[int, tuple[CompiledPolicy, BoolVec, BoolVec]] | None:
    """``before``'s owners by the identity of their policy, when its counts can be taken
    again: kept, over ``n`` classes, no policy twice."""
    if before is None or not before.counts or before.counts[DIRECTIONS[0]].shape[1] != n:
        return None
    prior = {id(owner[0]): owner for owner in before.owners}
    return prior if len(prior) == len(before.owners) else None


def _places(position: Mapping[str, int], policy: Owner) -> list[tuple[int, str, int]]:
    """Where an owner counts: ``(subject index, direction, tier)`` for each direction it
    makes its tier apply in (none for a profile or a tier not among ``position``)."""
    t = tier_index(position, policy)
    if t is None:
        return []
    return [(d, way, t) for d, way in enumerate(DIRECTIONS) if applies(policy, way)]


def _add(counts: Counts, position: Mapping[str, int], owners: Owners, sign: int) -> None:
    """Count ``owners`` in (``sign`` 1) or out (-1) of ``counts``, in place."""
    for policy, *subjects in owners:
        for d, direction, t in _places(position, policy):
            row = counts[direction][t]
            if sign > 0:
                row += subjects[d]
            else:
                row -= subjects[d]


def _ranks(position: Mapping[str, int], rules: list[CompiledRule]) -> list[int]:
    """:func:`tier_rank` of each rule's policy (found once per policy)."""
    rank: dict[int, int] = {}
    out = []
    for rule in rules:
        found = rank.get(id(rule.policy))
        if found is None:
            found = rank[id(rule.policy)] = tier_rank(position, rule.policy)
        out.append(found)
    return out


def _states(
    applying: npt.NDArray[np.bool_], host_network: BoolVec
) -> tuple[IntVec, list[tuple[tuple[bool, ...], bool]]]:
    """The state code of each class (which tiers apply to it, whether it is
    host-networked), numbered in the order of the classes that first have them, and what
    each code means."""
    n = len(host_network)
    if n == 0:
        return np.empty(0, dtype=np.intp), []
    rows = np.packbits(np.column_stack([applying, host_network]), axis=1)
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.intp)
    rank[np.argsort(first)] = np.arange(len(first))  # codes in order of first appearance
    of: IntVec = rank[inverse.reshape(-1)]
    states = [(tuple(applying[c].tolist()), bool(host_network[c])) for c in np.sort(first).tolist()]
    return of, states
