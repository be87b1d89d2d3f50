"""Checks about Cilium policies: deny rules that deny nothing, allow rules that never apply.

Both compare compiled rules in class space: a rule covers another when it
selects every class the other selects, holds every peer the other holds, and
matches every port the other matches (toward every destination, named ports
included). Containment of the class sets is one matrix product per direction,
so the pairs compared are only those whose selections and peers nest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from reach.audit.context import Context
from reach.audit.registry import Check, check
from reach.audit.report import Finding
from reach.engine.rules import CompiledRule, overlapping
from reach.model.cilium import CiliumPolicy


def _cilium(ctx: Context, direction: str, action: str) -> list[CompiledRule]:
    return [
        r
        for r in ctx.reachability.rules
        if isinstance(r.policy, CiliumPolicy) and r.direction == direction and r.action == action
    ]


def _covers(a: list[CompiledRule], b: list[CompiledRule]) -> Iterator[tuple[int, int]]:
    """``(i, j)``: rule ``b[j]`` selects, holds and matches all that ``a[i]`` does."""
    if not a or not b:
        return
    sel_a = np.array([r.selected for r in a], dtype=np.float32)
    sel_b = np.array([r.selected for r in b], dtype=np.float32)
    peer_a = np.array([r.peers for r in a], dtype=np.float32)
    peer_b = np.array([r.peers for r in b], dtype=np.float32)
    # count of classes a selects that b does not: zero means contained
    outside = sel_a @ (1 - sel_b).T + peer_a @ (1 - peer_b).T
    for i, j in zip(*np.nonzero(outside == 0), strict=True):
        if a[int(i)] is not b[int(j)] and _ports_within(a[int(i)], b[int(j)]):
            yield int(i), int(j)


def _ports_within(a: CompiledRule, b: CompiledRule) -> bool:
    """Whether b's ports hold a's toward every destination (every resolution row)."""
    rows = max(len(a.mask), len(b.mask))
    for k in range(rows):
        ma = a.mask[min(k, len(a.mask) - 1)]
        mb = b.mask[min(k, len(b.mask) - 1)]
        if (ma & ~mb).any():
            return False
    return True


def _live(rule: CompiledRule) -> bool:
    return bool(rule.selected.any() and rule.peers.any() and rule.mask.any())


@check(
    "cilium-policy-selects-nothing",
    "Cilium policies whose endpointSelector selects no pod",
    "low",
    "A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy that selects no pod of the "
    "input protects nothing: usually a typo in a label, or a namespace the policy is not in.",
)
def policy_selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    reach = ctx.reachability
    for i, policy in enumerate(ctx.analysis.cluster.cilium_policies):
        if policy.node_selector is not None or reach.cilium_selected[i].any():
            continue
        yield chk.finding(
            str(policy),
            f"endpointSelector {policy.endpoint_selector} selects no pod of the input",
            namespace=policy.namespace or None,
            details={"policy": str(policy), "selector": str(policy.endpoint_selector)},
        )


@check(
    "cilium-deny-denies-nothing",
    "Cilium deny rules that deny nothing",
    "low",
    "An ingressDeny or egressDeny rule that selects no pod, matches no peer, or only "
    "denies what no rule allows to pods that are isolated anyway changes no answer; "
    "someone relying on it to block traffic is mistaken about what blocks it.",
)
def deny_denies_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    reach = ctx.reachability
    for direction in ("ingress", "egress"):
        isolated = reach.ingress_isolated if direction == "ingress" else reach.egress_isolated
        allows = [
            r
            for r in reach.rules
            if r.direction == direction and r.tier == "NetworkPolicy" and r.action == "Allow"
        ]
        for deny in _cilium(ctx, direction, "Deny"):
            if not deny.selected.any():
                why = "its policy selects no pod"
            elif not deny.peers.any() or not deny.mask.any():
                why = "it matches no peer of the input"
            elif isolated[deny.selected].all() and not any(overlapping(deny, a) for a in allows):
                why = "no rule allows what it denies, and every pod it selects is isolated"
            else:
                continue
            yield chk.finding(
                deny.label,
                f"{deny.label} denies nothing: {why}",
                namespace=getattr(deny.policy, "namespace", None) or None,
                details={"rule": deny.label, "reason": why},
            )


@check(
    "cilium-rule-shadowed",
    "Cilium allow rules that never take effect, or that another policy already covers",
    "medium",
    "An allow rule whose every connection a deny rule denies is dead configuration; "
    "one whose every connection another policy's allow rule also allows is redundant, "
    "and deleting either copy silently keeps the traffic open.",
)
def rule_shadowed(ctx: Context, chk: Check) -> Iterable[Finding]:
    for direction in ("ingress", "egress"):
        allows = [r for r in _cilium(ctx, direction, "Allow") if _live(r)]
        denies = [r for r in _cilium(ctx, direction, "Deny") if _live(r)]
        denied: dict[int, list[str]] = {}
        for i, j in _covers(allows, denies):
            denied.setdefault(i, []).append(denies[j].label)
        for i, by in sorted(denied.items()):
            yield _shadow(
                chk, allows[i], f"never takes effect: {', '.join(sorted(by))} denies all of it", by
            )
        covered: dict[int, list[str]] = {}
        for i, j in _covers(allows, allows):
            if i not in denied and allows[i].policy is not allows[j].policy:
                covered.setdefault(i, []).append(allows[j].label)
        for i, by in sorted(covered.items()):
            yield _shadow(
                chk,
                allows[i],
                f"is redundant: {', '.join(sorted(by))} allows all of it as well",
                by,
            )


def _shadow(chk: Check, rule: CompiledRule, what: str, by: list[str]) -> Finding:
    return chk.finding(
        rule.label,
        f"{rule.label} {what}",
        namespace=getattr(rule.policy, "namespace", None) or None,
        details={"rule": rule.label, "by": sorted(by)},
    )
