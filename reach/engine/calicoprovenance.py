"""Why a connection is (not) allowed in Calico's tiers: one side of one pair, with port sets.

The walk of ``calicotiers`` with exact port sets and a decision per step: each
rule that decides ports (``tier security, policy security.deny-egress, egress
rule 2 denies TCP 80``), each tier whose end is reached (its default action), and
the profiles after the last tier.
"""

from __future__ import annotations

from collections.abc import Callable

from reach.engine.calicotiers import (
    ALLOW,
    DENY,
    LOG,
    PASS,
    PROFILES,
    CalicoTiers,
    tier_index,
    tier_of,
)
from reach.engine.rules import CompiledRule
from reach.engine.verdicts import Decision, SideVerdict
from reach.model.calico import CalicoPolicy, Profile, namespace_profile_name
from reach.model.ports import PortSet


def rule_text(rule: CompiledRule, namespace: str) -> str:
    """The rule as explain names it; ``namespace``: the own pod's (for generated profiles)."""
    policy = rule.policy
    where = f"{rule.direction} rule {rule.rule.index}"
    if isinstance(policy, CalicoPolicy):
        return f"tier {policy.tier}, policy {policy.qualified_name}, {where}"
    if isinstance(policy, Profile):
        if policy.name.startswith("kns.*"):
            return f"profile {namespace_profile_name(namespace)} (generated: allows all)"
        return f"profile {policy.name}, {where}"
    return f"tier {tier_of(policy)}, {rule.label}"


def _policy_name(rule: CompiledRule) -> str:
    policy = rule.policy
    if isinstance(policy, CalicoPolicy):
        return policy.qualified_name
    if isinstance(policy, Profile):
        return f"profile {policy.name}"
    return str(policy)


def calico_side(
    tiers: CalicoTiers,
    direction: str,
    own: int,
    namespace: str,
    rules: list[CompiledRule],
    ports_of: Callable[[CompiledRule], PortSet],
) -> SideVerdict:
    """One side of a pair: ``rules`` are those in force (own end selected, peer held), in
    tier order; ``ports_of`` gives a rule's ports toward the pair's destination."""
    applying = tiers.applying(direction, own)
    host = tiers.states[direction][int(tiers.state_of[direction][own])][1]
    position = {t.name: i for i, t in enumerate(tiers.tiers)}
    open_, allowed = PortSet.all(), PortSet.empty()
    decisions: list[Decision] = []
    for t, tier in enumerate(tiers.tiers):
        if not applying[t] or not open_:
            continue
        decided = passed = PortSet.empty()
        for rule in rules:
            if tier_index(position, rule.policy) != t or rule.action == LOG:
                continue
            new = (ports_of(rule) & open_) - decided
            if not new:
                continue
            decided |= new
            by = rule_text(rule, namespace)
            decisions.append(Decision(tier.name, by, rule.action, new, _policy_name(rule)))
            if rule.action == ALLOW:
                allowed |= new
            elif rule.action == PASS:
                passed |= new
        rest = open_ - decided
        if rest:
            by = f"the end of tier {tier.name} (its default action)"
            decisions.append(Decision(tier.name, by, tier.default_action, rest))
        open_ = passed | (rest if tier.default_action == PASS else PortSet.empty())
    if open_:
        allowed |= _profiles(rules, host, namespace, open_, ports_of, decisions)
    return SideVerdict(
        direction=direction,
        isolated=any(applying),
        policies=tuple(t.name for t, on in zip(tiers.tiers, applying, strict=True) if on),
        rules=(),
        allowed=allowed,
        decisions=tuple(decisions),
        calico=True,
    )


def _profiles(
    rules: list[CompiledRule],
    host: bool,
    namespace: str,
    open_: PortSet,
    ports_of: Callable[[CompiledRule], PortSet],
    decisions: list[Decision],
) -> PortSet:
    """What the profiles allow of ``open_`` (E12); each step appended to ``decisions``."""
    if host:
        decisions.append(Decision(PROFILES, "no profile (a host-networked pod)", ALLOW, open_))
        return open_
    allowed = decided = PortSet.empty()
    for rule in rules:
        if not isinstance(rule.policy, Profile) or rule.action not in (ALLOW, DENY):
            continue
        new = (ports_of(rule) & open_) - decided
        if new:
            decided |= new
            by = rule_text(rule, namespace)
            decisions.append(Decision(PROFILES, by, rule.action, new, _policy_name(rule)))
            if rule.action == ALLOW:
                allowed |= new
    if open_ - decided:
        by = "the profiles (no rule decides)"
        decisions.append(Decision(PROFILES, by, DENY, open_ - decided))
    return allowed
