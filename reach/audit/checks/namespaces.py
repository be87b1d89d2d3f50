"""Namespace baselines: a default-deny policy for ingress and for egress (a NetworkPolicy with
podSelector {}, or a Cilium policy that selects the whole namespace). Where Calico's tiers
decide, every pod of the namespace must be isolated by what its tiers actually do."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import Context, pods_text
from reach.audit.registry import CIS_NETPOL, Check, check_per_direction
from reach.audit.report import Finding, short_list
from reach.model.cilium import NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX, CiliumPolicy, identity_labels
from reach.model.cluster import Namespace, NetworkPolicy


def _isolating(pol: NetworkPolicy | CiliumPolicy, direction: str) -> bool:
    """Whether the policy isolates the pods it selects for ``direction``."""
    return pol.ingress_isolating if direction == "ingress" else pol.egress_isolating


def _allows_all(pol: NetworkPolicy | CiliumPolicy, direction: str) -> bool:
    """Whether one of the policy's ``direction`` rules allows every peer on every port."""
    if isinstance(pol, CiliumPolicy):
        return any(
            not r.deny and r.ports is None and ((r.wildcard and not r.empty) or "all" in r.entities)
            for r in (pol.ingress if direction == "ingress" else pol.egress)
        )
    rules = pol.ingress if direction == "ingress" else pol.egress
    return any(r.peers is None and r.ports is None for r in rules)


def _namespace_wide(pol: CiliumPolicy, namespace: Namespace) -> bool:
    """Whether the Cilium policy selects every pod of the namespace, present or future: its
    endpoint selector asks only about the namespace (name or labels) and the namespace
    answers yes."""
    if pol.node_selector is not None:
        return False
    reqs = pol.endpoint_selector.requirements
    if any(r.key != NAMESPACE_KEY and not r.key.startswith(NAMESPACE_LABELS_PREFIX) for r in reqs):
        return False
    identity = identity_labels(
        {}, namespace=namespace.name, namespace_labels=namespace.label_map, service_account=""
    )
    return pol.endpoint_selector.matches(identity)


def _baselines(ctx: Context, ns: str, direction: str) -> list[NetworkPolicy | CiliumPolicy]:
    """The policies that isolate ``direction`` for every pod of namespace ``ns``: NetworkPolicies
    with podSelector {}, Cilium policies whose endpoint selector holds the whole namespace."""
    found: list[NetworkPolicy | CiliumPolicy] = [
        p
        for p in ctx.policies_by_ns.get(ns, [])
        if p.pod_selector.is_empty() and _isolating(p, direction)
    ]
    namespace = ctx.analysis.cluster.namespace(ns)
    found += [
        p
        for p in ctx.analysis.cluster.cilium_policies
        if _isolating(p, direction) and _namespace_wide(p, namespace)
    ]
    return found


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
    calico = ctx.reachability.calico is not None
    for k, ns in enumerate(ctx.ns_names):
        if not total[k]:
            continue
        if calico:  # what the tiers do for the pods, not which policies select them
            if isolated[k] < total[k]:
                yield _calico_finding(ctx, chk, ns, direction, int(total[k]), int(isolated[k]))
            continue
        baseline = _baselines(ctx, ns, direction)
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


def _calico_finding(
    ctx: Context, chk: Check, ns: str, direction: str, total: int, isolated: int
) -> Finding:
    """Where Calico's tiers decide: a namespace with pods for which no tier, policy or profile
    denies anything in ``direction`` (``Context.isolated``)."""
    if isolated:
        who = f"{total - isolated} of {total} pods are not"
    else:
        who = "its pod is not" if total == 1 else f"none of its {pods_text(total)} is"
    return chk.finding(
        ns,
        f"{who} isolated for {direction}: Calico's tiers, policies and profiles deny "
        f"{'it' if total - isolated == 1 else 'them'} nothing",
        namespace=ns,
        details={
            "direction": direction,
            "pods": total,
            "isolated_pods": isolated,
            "policies": len(ctx.policies_by_ns.get(ns, [])),
        },
    )
