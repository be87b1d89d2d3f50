"""Internet exposure: ingress from public addresses, unrestricted egress to them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import EGRESS_COVERAGE, Context
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding


def _ingress_findings(ctx: Context, chk: Check, *, every_port: bool) -> Iterable[Finding]:
    """Workloads reachable from the internet on every TCP or UDP port (``every_port``), or
    on some ports only."""
    if not len(ctx.internet_segments):
        raise NotApplicable(
            "no external address range on the internet (every range is special-purpose)"
        )
    exposure = ctx.ingress_exposure
    hit = np.asarray(exposure.ports.any(axis=1))
    all_open = ctx.every_port_open(exposure.ports)
    chosen = hit & (all_open if every_port else ~all_open)
    entries = []
    for i in np.flatnonzero(chosen).tolist():
        ports = ctx.portset(exposure.ports[i])
        sources = ctx.internet_text(exposure.reached_from[i])
        entries.append(
            (
                i,
                f"reachable from {sources} on {ports}",
                {"ports": str(ports), "port_sets": ports.to_json(), "from": sources},
            )
        )
    return grouped_findings(ctx, chk, entries)


@check(
    "internet-ingress-all-ports",
    "Pods reachable from the internet on every port",
    "high",
    "Every TCP (or UDP) port of these pods accepts connections from internet addresses, "
    "typically because no policy isolates them for ingress.",
)
def internet_ingress_all_ports(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _ingress_findings(ctx, chk, every_port=True)


@check(
    "internet-ingress",
    "Pods reachable from the internet on some ports",
    "low",
    "These are the cluster's entry points from the internet; each should be an intended "
    "one, on the intended ports only.",
)
def internet_ingress(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _ingress_findings(ctx, chk, every_port=False)


@check(
    "internet-egress-unrestricted",
    "Pods with unrestricted egress to the internet",
    "medium",
    "A pod that may connect to most of the internet can exfiltrate data or fetch tools "
    "once compromised; egress should name the external ranges it needs.",
)
def internet_egress_unrestricted(ctx: Context, chk: Check) -> Iterable[Finding]:
    if not len(ctx.internet_segments):
        raise NotApplicable(
            "no external address range on the internet (every range is special-purpose)"
        )
    reachability, n = ctx.reachability, ctx.n_internal
    block = reachability.block(np.arange(n), n + ctx.internet_segments)  # (n, k, W)
    reached = ctx.per_workload_any(np.asarray(block.any(axis=2)))
    ports = ctx.per_workload_or(np.bitwise_or.reduce(block, axis=1))
    share = ctx.public_share
    segs = ctx.internet_segments
    family = np.array([reachability.segments[i].version for i in segs.tolist()])
    cover = np.zeros(len(ctx.workloads))
    for v in (4, 6):
        if (family == v).any():
            cover = np.maximum(cover, reached[:, family == v].astype(float) @ share[family == v])
    entries = []
    for i in np.flatnonzero(cover >= EGRESS_COVERAGE).tolist():
        ps = ctx.portset(ports[i])
        where = ctx.internet_text(reached[i])
        entries.append(
            (
                i,
                f"may connect to {where} on {ps}",
                {
                    "coverage": round(float(cover[i]), 4),
                    "to": where,
                    "ports": str(ps),
                    "port_sets": ps.to_json(),
                },
            )
        )
    return grouped_findings(ctx, chk, entries)
