"""Potential peers: ingress open to pods that are not in the input (representatives, see
``engine.representatives`` and docs/queries.md)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.analysis.exposure_text import peer_text
from reach.audit.context import Context
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding
from reach.engine.exposure import RepresentativeSides, representative_sides
from reach.engine.reachability import Reachability
from reach.engine.representatives import Representative
from reach.model.ports import PortSet

#: A workload holds data when one of its pods carries ``reach.io/holds-data: "true"``, or one
#: of these keys with one of these values (``app.kubernetes.io/component: database``).
HOLDS_DATA_LABEL = "reach.io/holds-data"
DATA_KEYS = ("app.kubernetes.io/component", "component", "tier", "role", "app")
DATA_VALUES = (
    "database",
    "db",
    "data",
    "datastore",
    "storage",
    "cache",
    "postgres",
    "mysql",
    "redis",
    "mongodb",
)

_sides: dict[int, tuple[Reachability, RepresentativeSides]] = {}


def _ingress(ctx: Context) -> tuple[list[Representative], list[dict[int, PortSet]]]:
    """The representatives, and per workload what its ingress admits from each (non-empty)."""
    reach = ctx.reachability
    kept = _sides.get(id(reach))
    if kept is None or kept[0] is not reach:
        _sides.clear()
        kept = _sides[id(reach)] = (reach, representative_sides(reach))
    sides = kept[1]
    side = sides.sides["ingress"]
    masks = reach.atoms.table[side.ids[side.group_of[ctx.pair_class]]]  # (pairs, reps, W)
    per: list[dict[int, PortSet]] = [{} for _ in ctx.workloads]
    merged = np.zeros((len(ctx.workloads), *masks.shape[1:]), dtype=np.uint64)
    np.bitwise_or.at(merged, ctx.pair_workload, masks)
    for wl, r in zip(*np.nonzero(merged.any(axis=2)), strict=True):
        per[int(wl)][int(r)] = ctx.portset(merged[wl, r])
    return sides.representatives, per


def _holds_data(ctx: Context) -> set[int]:
    out: set[int] = set()
    for pod, wl in zip(ctx.pods, ctx.pod_workload.tolist(), strict=True):
        labels = pod.label_map
        if labels.get(HOLDS_DATA_LABEL) == "true" or any(
            labels.get(k) in DATA_VALUES for k in DATA_KEYS
        ):
            out.add(wl)
    return out


@check(
    "exposed-to-entire-cluster",
    "Data workloads that policies open to every pod of the cluster",
    "high",
    "A rule with namespaceSelector: {} (or no from) admits every pod that exists or will "
    "ever exist, in any namespace; a workload holding data should name its clients. A "
    "workload holds data when a pod carries reach.io/holds-data=true or a label such as "
    "app.kubernetes.io/component=database.",
)
def exposed_to_entire_cluster(ctx: Context, chk: Check) -> Iterable[Finding]:
    data = _holds_data(ctx)
    if not data:
        raise NotApplicable("no workload holds data (reach.io/holds-data=true or a data label)")
    _, per = _ingress(ctx)
    protected = ctx.per_workload_any(ctx.isolated("ingress")[:, None])[:, 0]
    entries = [
        (wl, f"admits any pod of any namespace on {per[wl][0]}", {"ports": str(per[wl][0])})
        for wl in sorted(data)
        if 0 in per[wl] and protected[wl]  # unprotected workloads: the isolation checks
    ]
    return grouped_findings(ctx, chk, entries)


@check(
    "exposed-to-absent-namespaces",
    "Workloads open to namespaces that are not in the input",
    "medium",
    "A rule that admits namespaces by name or labels also admits namespaces created later "
    "with that name or those labels; when none exists today, the rule is either stale or "
    "an opening waiting for someone to create the namespace.",
)
def exposed_to_absent_namespaces(ctx: Context, chk: Check) -> Iterable[Finding]:
    reps, per = _ingress(ctx)
    labels = [dict(ns.labels) for ns in ctx.analysis.cluster.namespaces.values()]
    absent = {
        r
        for r, rep in enumerate(reps)
        if not rep.namespace_requirements.is_empty()
        and not any(rep.namespace_requirements.matches(m) for m in labels)
    }
    entries = []
    for wl, admitted in enumerate(per):
        for r in sorted(absent & set(admitted)):
            peer, ports = peer_text(reps[r]), admitted[r]
            entries.append((wl, f"admits {peer} on {ports}", {"peer": peer, "ports": str(ports)}))
    return grouped_findings(ctx, chk, entries)
