"""Pods that no policy isolates, per direction."""

from __future__ import annotations

from collections.abc import Iterable

from reach.audit.context import Context, workloads_message
from reach.audit.registry import CIS_NETPOL, Check, check_per_direction
from reach.audit.report import Finding


@check_per_direction(
    "pod-{direction}-unisolated",
    "Pods selected by no {direction} policy",
    CIS_NETPOL,
    ingress="A pod that no policy isolates for ingress accepts connections from every pod and "
    "every address on every port.",
    egress="A pod that no policy isolates for egress may connect to every pod and every address, "
    "which helps an attacker who compromised it move on or exfiltrate data.",
)
def _unisolated(ctx: Context, chk: Check, direction: str) -> Iterable[Finding]:
    """Per namespace: the workloads with pods that no policy isolates for ``direction`` (where
    Calico's tiers decide: whose tiers, policies and profiles deny them nothing)."""
    wls = ctx.workloads_in_classes(~ctx.isolated(direction))
    why = (
        f"denied nothing for {direction} by Calico's tiers, policies and profiles"
        if ctx.reachability.calico is not None
        else f"selected by no policy for {direction}"
    )
    for ns, group in ctx.by_namespace(wls).items():
        yield chk.finding(
            ns,
            workloads_message(ctx, group, why),
            namespace=ns,
            details={"direction": direction, "workloads": ctx.workload_details(group)},
            notes=ctx.hostnet_notes(group),
        )
