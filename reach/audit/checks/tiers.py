"""Checks about the cluster-scoped tiers: shadowed rules and ambiguous priorities.

A rule lower in the evaluation order (a later Admin rule, a NetworkPolicy rule,
a Baseline rule) can never take effect when, for every pod it applies to, every
peer and every port it names, an Admin-tier rule earlier in the order has
already decided Allow or Deny. Pods are grouped by which Admin rules select
them and peers by which of those rules' peers hold them, so the test runs once
per group, never per pod pair.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import Context
from reach.audit.registry import Check, check
from reach.audit.report import Finding
from reach.engine.rules import CompiledRule, overlapping
from reach.model.cluster import AdminPolicy


def _decided_by(
    ctx: Context, rule: CompiledRule, earlier: list[CompiledRule]
) -> tuple[bool, set[str]]:
    """Whether the Admin rules in ``earlier`` Allow or Deny every port ``rule`` could match."""
    atoms = ctx.reachability.atoms
    ingress = rule.direction == "ingress"
    owners = np.flatnonzero(rule.selected)
    others = np.flatnonzero(rule.peers)
    if not len(owners) or not len(others) or not earlier:
        return False, set()
    varies = rule.varies or any(a.varies for a in earlier)
    sel = np.array([a.selected[owners] for a in earlier])  # [admin rule, owner]
    peer = np.array([a.peers[others] for a in earlier])  # [admin rule, other]
    deciders: set[str] = set()
    for key in {sel[:, i].tobytes(): None for i in range(len(owners))}:
        active = np.frombuffer(key, dtype=bool)
        own = int(owners[int(np.flatnonzero((sel == active[:, None]).all(axis=0))[0])])
        rules = [a for a, on in zip(earlier, active, strict=True) if on]
        peer_hits = peer[active]  # [active admin rule, other]
        profiles: dict[bytes, int] = {}
        for j, other in enumerate(others.tolist()):
            extra = int(other).to_bytes(4, "little") if varies else b""
            profiles.setdefault(peer_hits[:, j].tobytes() + extra, other)
        for k, other in profiles.items():
            dst = own if ingress else other
            hits = np.frombuffer(k[: len(rules)], dtype=bool)
            first = passed = 0  # first-match over the Admin rules, as the engine does
            for a, hit in zip(rules, hits, strict=True):
                if not hit:
                    continue
                new = atoms.to_int(a.ports_to(dst)) & ~first
                first |= new
                if a.action == "Pass":
                    passed |= new
                elif new:
                    deciders.add(a.label)
            if atoms.to_int(rule.ports_to(dst)) & ~(first & ~passed):
                return False, set()
    return True, deciders


@check(
    "rule-shadowed-by-admin",
    "Rules that never take effect because an Admin-tier rule decides first",
    "medium",
    "A NetworkPolicy, Baseline or later Admin rule whose every connection an earlier "
    "AdminNetworkPolicy or ClusterNetworkPolicy rule already allows or denies is dead "
    "configuration; someone relying on it is mistaken.",
)
def rule_shadowed_by_admin(ctx: Context, chk: Check) -> Iterable[Finding]:
    rules = ctx.reachability.rules
    for direction in ("ingress", "egress"):
        admin = [r for r in rules if r.direction == direction and r.tier == "Admin"]
        if not admin:
            continue
        pos = {id(r): i for i, r in enumerate(rules)}
        for i, rule in enumerate(r for r in rules if r.direction == direction):
            earlier = [a for a in admin if pos[id(a)] < pos[id(rule)]]
            shadowed, by = _decided_by(ctx, rule, earlier)
            if not shadowed:
                continue
            ns = getattr(rule.policy, "namespace", None)
            yield chk.finding(
                rule.label,
                f"{rule.tier} {direction} rule never takes effect: "
                f"{', '.join(sorted(by)) or 'earlier Admin rules'} decide all its traffic first",
                namespace=ns,
                details={
                    "rule": rule.label,
                    "tier": rule.tier,
                    "shadowed_by": sorted(by),
                    "index": i,
                },
            )


@check(
    "admin-priority-overlap",
    "Admin or Baseline policies at the same priority with overlapping rules",
    "medium",
    "When two policies of a tier share a priority and their rules can match the same "
    "connection, the specification leaves the order undefined: the result depends on "
    "the implementation.",
)
def admin_priority_overlap(ctx: Context, chk: Check) -> Iterable[Finding]:
    by_prio: dict[tuple[str, int], list[CompiledRule]] = {}
    for cr in ctx.reachability.rules:
        if isinstance(cr.policy, AdminPolicy) and cr.policy.priority >= 0:
            by_prio.setdefault((cr.tier, cr.policy.priority), []).append(cr)
    for (tier, prio), group in sorted(by_prio.items()):
        pairs: dict[tuple[str, str], list[str]] = {}
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.policy is not b.policy and overlapping(a, b):
                    first, second = sorted((str(a.policy), str(b.policy)))
                    pairs.setdefault((first, second), []).append(f"{a.label} / {b.label}")
        for (x, y), where in sorted(pairs.items()):
            yield chk.finding(
                f"{x} and {y}",
                f"same priority {prio} in the {tier} tier and overlapping rules "
                f"({where[0]}{'' if len(where) == 1 else f' and {len(where) - 1} more'}): "
                "which applies first is undefined",
                details={"tier": tier, "priority": prio, "rules": where},
            )
