"""Namespace baselines: a default-deny policy for ingress and for egress."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import Context, pods_text
from reach.audit.registry import CIS_NETPOL, Check, check_per_direction
from reach.audit.report import Finding, short_list
from reach.model.cluster import NetworkPolicy


def _isolating(pol: NetworkPolicy, direction: str) -> bool:
    """Whether the policy isolates the pods it selects for ``direction``."""
    return pol.ingress_isolating if direction == "ingress" else pol.egress_isolating


def _allows_all(pol: NetworkPolicy, direction: str) -> bool:
    """Whether one of the policy's ``direction`` rules allows every peer on every port."""
    rules = pol.ingress if direction == "ingress" else pol.egress
    return any(r.peers is None and r.ports is None for r in rules)


@check_per_direction(
    "namespace-default-deny-{direction}",
    "Namespace without a default-deny {direction} policy",
    CIS_NETPOL,
    ingress="Without a podSelector: {} policy isolating ingress, every pod added to the namespace "
    "accepts connections from anywhere until some policy selects it.",
    egress="Without a podSelector: {} policy isolating egress, every pod added to the namespace "
    "may connect anywhere, inside or outside the cluster.",
)
def _default_deny(ctx: Context, chk: Check, direction: str) -> Iterable[Finding]:
    """Namespaces with pods but no podSelector {} policy that isolates ``direction`` (or only
    ones that allow it all again)."""
    pod_isolated = ctx.isolated(direction)[ctx.pod_class]
    total = np.bincount(ctx.pod_ns, minlength=len(ctx.ns_names))
    isolated = np.bincount(ctx.pod_ns[pod_isolated], minlength=len(ctx.ns_names))
    for k, ns in enumerate(ctx.ns_names):
        if not total[k]:
            continue
        baseline = [
            p
            for p in ctx.policies_by_ns.get(ns, [])
            if p.pod_selector.is_empty() and _isolating(p, direction)
        ]
        if baseline and not all(_allows_all(p, direction) for p in baseline):
            continue
        why = (
            f"its policies with podSelector {{}} allow all {direction} "
            f"({short_list(str(p) for p in baseline)})"
            if baseline
            else f"no policy with podSelector {{}} isolates {direction}"
        )
        message = (
            f"{why}; {isolated[k]} of {total[k]} pods are isolated for {direction} by "
            "other policies"
            if isolated[k]
            else f"{why}; none of its {pods_text(int(total[k]))} is isolated for {direction}"
        )
        yield chk.finding(
            ns,
            message,
            namespace=ns,
            details={
                "direction": direction,
                "pods": int(total[k]),
                "isolated_pods": int(isolated[k]),
                "policies": len(ctx.policies_by_ns.get(ns, [])),
            },
        )
