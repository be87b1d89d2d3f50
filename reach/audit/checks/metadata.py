"""Cloud metadata: pods that may connect to the instance metadata service."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import Context
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding
from reach.model.ipspace import METADATA, segment_of


@check(
    "cloud-metadata-reachable",
    "Pods that may connect to the cloud metadata service",
    "medium",
    "The instance metadata service (169.254.169.254, and fd00:ec2::254 on AWS) hands "
    "out the node's credentials on many clouds; a compromised pod that reaches it can act "
    "as the node. Egress policies should except it unless a workload needs it.",
)
def cloud_metadata_reachable(ctx: Context, chk: Check) -> Iterable[Finding]:
    reachability, n = ctx.reachability, ctx.n_internal
    shown = set(ctx.shown_segments.tolist())
    targets = []
    for r in METADATA:
        seg = segment_of(reachability.segments, r.first_address)
        if seg in shown:
            targets.append((seg, str(r.first_address)))
    if not targets or not n:
        raise NotApplicable("no pods, or no metadata address among the ranges considered")
    segs = np.array([seg for seg, _ in targets], dtype=np.intp)
    block = reachability.block(np.arange(n), n + segs)  # (n, k, W)
    reached = ctx.per_workload_any(np.asarray(block.any(axis=2)))
    ports = ctx.per_workload_or(np.bitwise_or.reduce(block, axis=1))
    entries = []
    for i in np.flatnonzero(reached.any(axis=1)).tolist():
        addresses = [addr for (_, addr), hit in zip(targets, reached[i], strict=True) if hit]
        ps = ctx.portset(ports[i])
        entries.append(
            (
                i,
                f"may connect to the cloud metadata address {', '.join(addresses)} on {ps}",
                {"addresses": addresses, "ports": str(ps), "port_sets": ps.to_json()},
            )
        )
    return grouped_findings(ctx, chk, entries)
