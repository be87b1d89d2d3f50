"""Checks about Calico policies: selections, shadowed rules and policies, Pass, tier ends.

Every check reads the compiled Calico rules (in tier order: ``Reachability.rules``), the
policies' selections over pod classes and which tiers apply to each class
(``Reachability.calico``, the walk the engine itself takes). Containment is decided in
class space, by the pods, address segments and ports the rules actually match in the
input, never by comparing selector text; the rule fields that class space does not hold
(protocols other than TCP, UDP and SCTP, ICMP types, ``ipVersion``, ``http``, source
ports) are compared on the model, and a rule with a field reach does not evaluate never
counts as covering another. The catalogue entries are in docs/audit.md ("Calico").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from reach.audit.context import Context, workloads_message
from reach.audit.registry import Check, check
from reach.audit.report import Finding
from reach.engine.arrays import BoolVec
from reach.engine.calicotiers import CalicoTiers
from reach.engine.rules import CompiledRule
from reach.model.calico import ADMIN_TIER, BASELINE_TIER, CalicoPolicy, CalicoRule, Profile, Tier

#: Actions that end the evaluation of a tier for the packets they match.
ENDING = ("Allow", "Deny", "Pass")
#: Built-in tiers whose default action is Pass by design (Admin and Baseline policies).
PASS_BY_DESIGN = (ADMIN_TIER, BASELINE_TIER)


# -- what the compilation holds ------------------------------------------------------------
def _selections(tiers: CalicoTiers) -> dict[int, tuple[BoolVec, BoolVec]]:
    """``id(policy) -> (ingress subjects, egress subjects)`` of every Calico policy."""
    return {id(p): (ing, egr) for p, ing, egr in tiers.owners if isinstance(p, CalicoPolicy)}


def _applying(tiers: CalicoTiers, direction: str) -> BoolVec:
    """``(classes, tiers)``: whether tier t applies to class c in ``direction``."""
    table = np.array([s[0] for s in tiers.states[direction]], dtype=bool)
    table = table.reshape(len(tiers.states[direction]), len(tiers.tiers))
    out: BoolVec = table[tiers.state_of[direction]]
    return out


def _calico_rules(ctx: Context, direction: str) -> list[CompiledRule]:
    """The enforced Calico policies' rules of a direction, in evaluation order."""
    return [
        r
        for r in ctx.reachability.rules
        if isinstance(r.policy, CalicoPolicy) and r.direction == direction
    ]


def _live(rule: CompiledRule) -> bool:
    return bool(rule.selected.any() and rule.peers.any() and rule.mask.any())


def _calico_rule(rule: CompiledRule) -> CalicoRule:
    assert isinstance(rule.rule, CalicoRule)
    return rule.rule


def _namespace(rule: CompiledRule) -> str | None:
    return getattr(rule.policy, "namespace", None) or None


def catch_all(rule: CalicoRule) -> bool:
    """A rule with no match criteria at all: it matches every packet."""
    return (
        rule.source.is_empty
        and rule.destination.is_empty
        and rule.protocol is None
        and rule.not_protocol is None
        and rule.ip_version is None
        and rule.icmp is None
        and rule.not_icmp is None
        and rule.http is None
    )


# -- containment -----------------------------------------------------------------------------
def _protocols_within(b: CalicoRule, a: CalicoRule) -> bool:
    """Whether every protocol ``b`` lets through ``a`` lets through (any protocol, not only
    reach's port model)."""
    if a.protocol is not None and b.protocol != a.protocol:
        return False
    if a.not_protocol is None:
        return True
    excluded = b.protocol is not None and b.protocol != a.not_protocol
    return excluded or b.not_protocol == a.not_protocol


def _model_within(b: CalicoRule, a: CalicoRule) -> bool:
    """What class space does not hold: ``a`` matches at least what ``b`` matches in the
    fields reach evaluates partly or not at all (``a`` must have none of those)."""
    if a.http is not None or a.source.ports is not None or a.source.not_ports:
        return False
    if a.ip_version is not None and a.ip_version != b.ip_version:
        return False
    if (a.icmp, a.not_icmp) != (None, None) and (a.icmp, a.not_icmp) != (b.icmp, b.not_icmp):
        return False
    return _protocols_within(b, a)


def _ports_within(b: CompiledRule, a: CompiledRule) -> bool:
    """Whether a's ports hold b's toward every destination (every resolution row)."""
    for k in range(max(len(a.mask), len(b.mask))):
        mb = b.mask[min(k, len(b.mask) - 1)]
        ma = a.mask[min(k, len(a.mask) - 1)]
        if (mb & ~ma).any():
            return False
    return True


def _covered_by_earlier(rules: list[CompiledRule]) -> Iterator[tuple[int, int]]:
    """``(i, j)``, ``j < i``: rule ``j`` ends evaluation and matches every (pod, peer, port)
    that rule ``i`` matches, so rule ``i`` never decides (one matrix product per side)."""
    if len(rules) < 2:
        return
    sel = np.array([r.selected for r in rules], dtype=np.float32)
    peers = np.array([r.peers for r in rules], dtype=np.float32)
    # outside[i, j]: classes rule i holds that rule j does not; zero means contained
    outside = sel @ (1 - sel).T + peers @ (1 - peers).T
    for i, j in zip(*np.nonzero(outside == 0), strict=True):
        b, a = rules[int(i)], rules[int(j)]
        if (
            j < i
            and a.action in ENDING
            and _model_within(_calico_rule(b), _calico_rule(a))
            and _ports_within(b, a)
        ):
            yield int(i), int(j)


def _shadowed(ctx: Context, direction: str) -> dict[int, list[CompiledRule]]:
    """``id(rule) -> earlier rules`` for the live rules of ``direction`` that an earlier
    rule of the same tier covers."""
    by_tier: dict[tuple[bool, str], list[CompiledRule]] = {}
    for r in _calico_rules(ctx, direction):
        if r.action != "Log" and _live(r):  # the profiles are no tier of the input's
            by_tier.setdefault((isinstance(r.policy, Profile), r.tier), []).append(r)
    out: dict[int, list[CompiledRule]] = {}
    for rules in by_tier.values():
        for i, j in _covered_by_earlier(rules):
            out.setdefault(id(rules[i]), []).append(rules[j])
    return out


# -- the checks -------------------------------------------------------------------------------
@check(
    "calico-policy-selects-nothing",
    "Calico policies that select no pod",
    "low",
    "A Calico NetworkPolicy or GlobalNetworkPolicy whose selector (with its namespace, "
    "namespaceSelector and serviceAccountSelector) selects no pod of the input, in the "
    "directions its types name, protects nothing: usually a typo in a label or a namespace.",
)
def policy_selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    tiers = ctx.reachability.calico
    if tiers is None:
        return
    selections = _selections(tiers)
    for policy in ctx.analysis.cluster.calico.policies:
        sel = selections.get(id(policy))
        if sel is None or sel[0].any() or sel[1].any():
            continue  # staged or host-only (diagnostics say so), or selecting pods
        yield chk.finding(
            str(policy),
            f"selector {policy.selector} selects no pod of the input",
            namespace=policy.namespace or None,
            details={"policy": str(policy), "selector": str(policy.selector)},
        )


@check(
    "calico-rule-shadowed",
    "Calico rules and policies that never decide because an earlier rule of the tier does",
    "medium",
    "A rule every packet of which an earlier Allow, Deny or Pass rule of the same tier "
    "matches first never decides anything; when rules of different actions are involved "
    "the later rule does not do what its author meant, and a wholly shadowed policy can "
    "be deleted without changing any answer.",
)
def rule_shadowed(ctx: Context, chk: Check) -> Iterable[Finding]:
    tiers = ctx.reachability.calico
    if tiers is None:
        return
    shadowed = {**_shadowed(ctx, "ingress"), **_shadowed(ctx, "egress")}
    whole = _wholly_shadowed(ctx, tiers, shadowed)
    for policy, by in whole:
        names = sorted({str(r.policy) for r in by if r.policy is not policy})
        yield chk.finding(
            str(policy),
            f"never decides: earlier policies of its tier select every pod it selects and "
            f"match all of its rules first ({', '.join(names)})",
            namespace=policy.namespace or None,
            details={"policy": str(policy), "by": sorted({r.label for r in by})},
        )
    done = {id(p) for p, _ in whole}
    for rule in ctx.reachability.rules:
        earlier = shadowed.get(id(rule))
        if earlier is not None and id(rule.policy) not in done:
            yield _rule_finding(chk, rule, earlier)


def _rule_finding(chk: Check, rule: CompiledRule, by: list[CompiledRule]) -> Finding:
    first = by[0]
    verdict = "is redundant" if first.action == rule.action else "never takes effect"
    return chk.finding(
        rule.label,
        f"{rule.action} rule {verdict}: {first.label} ({first.action}) matches all of it first",
        namespace=_namespace(rule),
        details={"rule": rule.label, "action": rule.action, "by": [r.label for r in by]},
    )


def _wholly_shadowed(
    ctx: Context, tiers: CalicoTiers, shadowed: dict[int, list[CompiledRule]]
) -> list[tuple[CalicoPolicy, list[CompiledRule]]]:
    """Policies with at least one shadowed rule, whose every other rule matches nothing,
    and whose selection, in each direction it applies, the earlier policies of its tier
    select too (so deleting it changes neither a rule's answer nor whether the tier applies)."""
    selections = _selections(tiers)
    rules_of: dict[int, list[CompiledRule]] = {}
    for r in ctx.reachability.rules:
        if isinstance(r.policy, CalicoPolicy) and r.action != "Log":
            rules_of.setdefault(id(r.policy), []).append(r)
    out = []
    policies = sorted(ctx.analysis.cluster.calico.policies, key=lambda p: p.sort_key)
    for policy in policies:
        rules = rules_of.get(id(policy), [])
        if id(policy) not in selections or not any(id(r) in shadowed for r in rules):
            continue
        if any(_live(r) and id(r) not in shadowed for r in rules):
            continue
        earlier = [
            selections[id(p)]
            for p in policies
            if p.tier == policy.tier and p.sort_key < policy.sort_key and id(p) in selections
        ]
        if all(
            not policy.applies_to(d)
            or not (
                selections[id(policy)][k] & ~_union([e[k] for e in earlier], ctx.n_internal)
            ).any()
            for k, d in enumerate(("ingress", "egress"))
        ):
            out.append((policy, [b for r in rules for b in shadowed.get(id(r), [])]))
    return out


def _union(vectors: list[BoolVec], n: int) -> BoolVec:
    """The classes (of ``n``) that any of the vectors holds."""
    out: BoolVec = np.zeros(n, dtype=bool)
    for v in vectors:
        out |= v
    return out


@check(
    "calico-pass-to-profiles",
    "Calico Pass with no later tier that applies: the packet falls to the profiles",
    "medium",
    "A Pass (a rule's action, or a tier's defaultAction) hands the packet to the next tier "
    "that applies; when none applies to the pod it goes to the profiles, which allow "
    "everything on the Kubernetes datastore, so the Pass works as an Allow.",
)
def pass_to_profiles(ctx: Context, chk: Check) -> Iterable[Finding]:
    tiers = ctx.reachability.calico
    if tiers is None:
        return
    position = tiers.position
    for direction in ("ingress", "egress"):
        applying = _applying(tiers, direction)
        later = np.logical_or.accumulate(applying[:, ::-1], axis=1)[:, ::-1]
        # none_after[c, t]: no tier after t applies to class c
        none_after = ~np.concatenate([later[:, 1:], np.zeros((len(later), 1), bool)], axis=1)
        for rule in _calico_rules(ctx, direction):
            if rule.action == "Pass" and _live(rule):
                falls = rule.selected & none_after[:, position[rule.tier]]
                if falls.any():
                    yield _falls(
                        ctx, chk, rule.label, _namespace(rule), direction, falls, "Pass rule"
                    )
        for t, tier in enumerate(tiers.tiers):
            if tier.default_action != "Pass" or tier.name in PASS_BY_DESIGN:
                continue
            falls = applying[:, t] & none_after[:, t] & ~_ended(ctx, tier, direction)
            if falls.any():
                yield _falls(ctx, chk, str(tier), None, direction, falls, "defaultAction Pass")


def _ended(ctx: Context, tier: Tier, direction: str) -> BoolVec:
    """The classes for which a catch-all Allow, Deny or Pass rule of the tier decides every
    packet before the tier's end."""
    return _union(
        [
            r.selected
            for r in _calico_rules(ctx, direction)
            if r.tier == tier.name and r.action in ENDING and catch_all(_calico_rule(r))
        ],
        ctx.n_internal,
    )


def _falls(
    ctx: Context,
    chk: Check,
    subject: str,
    namespace: str | None,
    direction: str,
    falls: BoolVec,
    what: str,
) -> Finding:
    wls = ctx.workloads_in_classes(falls)
    return chk.finding(
        subject,
        f"{what} hands {direction} traffic to the profiles: no later tier applies to "
        f"{workloads_message(ctx, wls)}",
        namespace=namespace,
        details={
            "subject": subject,
            "direction": direction,
            "workloads": ctx.workload_details(wls),
        },
    )


@check(
    "calico-tier-without-default-deny",
    "Calico tiers whose unmatched traffic is not denied",
    "low",
    "A tier with defaultAction Pass and no catch-all Deny rule for a pod it applies to "
    "lets what its policies do not match go on to the next tier: the tier is not a "
    "default deny, whatever its name suggests.",
)
def tier_without_default_deny(ctx: Context, chk: Check) -> Iterable[Finding]:
    tiers = ctx.reachability.calico
    if tiers is None:
        return
    for direction in ("ingress", "egress"):
        applying = _applying(tiers, direction)
        for t, tier in enumerate(tiers.tiers):
            if tier.default_action != "Pass" or tier.name in PASS_BY_DESIGN:
                continue
            denied = _union(
                [
                    r.selected
                    for r in _calico_rules(ctx, direction)
                    if r.tier == tier.name and r.action == "Deny" and catch_all(_calico_rule(r))
                ],
                ctx.n_internal,
            )
            open_ = applying[:, t] & ~denied
            if not open_.any():
                continue
            wls = ctx.workloads_in_classes(open_)
            yield chk.finding(
                str(tier),
                f"defaultAction Pass and no catch-all Deny {direction} rule for "
                f"{workloads_message(ctx, wls)}: what its policies do not match goes on to "
                "the next tier",
                details={
                    "tier": tier.name,
                    "direction": direction,
                    "workloads": ctx.workload_details(wls),
                },
            )
