"""Cluster DNS: pods whose policies forget kube-dns/CoreDNS on port 53."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import (
    DNS_LABEL,
    DNS_NAMESPACE,
    Context,
    withheld,
)
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding, short_list
from reach.engine.arrays import IntVec
from reach.model.ports import PortSet


def _dns_pods(ctx: Context) -> IntVec:
    key, value = DNS_LABEL
    return np.array(
        [
            i
            for i, p in enumerate(ctx.pods)
            if p.namespace == DNS_NAMESPACE and p.label_map.get(key) == value
        ],
        dtype=np.intp,
    )


@check(
    "dns-unreachable",
    "Pods that cannot reach cluster DNS",
    "medium",
    "A pod whose egress policies forget kube-dns/CoreDNS on UDP and TCP 53 cannot resolve "
    "service names; it fails at run time, not at deploy time.",
)
def dns_unreachable(ctx: Context, chk: Check) -> Iterable[Finding]:
    dns = _dns_pods(ctx)
    if not len(dns):
        raise NotApplicable(
            f"no DNS pods known (label {DNS_LABEL[0]}={DNS_LABEL[1]} in {DNS_NAMESPACE})"
        )
    R, n = ctx.reachability, ctx.n
    dns_cls = np.unique(ctx.pod_class[dns])
    is_dns = np.zeros(n, dtype=bool)
    is_dns[dns_cls] = True
    to_dns = R.block(np.arange(n), dns_cls)  # (n, k, W)
    want = {p: PortSet.of(p, 53) for p in ("UDP", "TCP")}
    ok = {p: np.asarray((to_dns & R.atoms.touching(ps)).any(axis=(1, 2))) for p, ps in want.items()}
    bad = ~is_dns & ~(ok["UDP"] & ok["TCP"])
    dns_name = short_list(sorted({str(ctx.pods[i].owner) for i in dns.tolist()}), 2)
    first_dns = int(dns_cls[0])
    bad_cls = np.flatnonzero(bad)
    eg_sides = dict(zip(bad_cls.tolist(), ctx.sides("egress", bad_cls, first_dns), strict=True))
    in_sides = dict(zip(bad_cls.tolist(), ctx.sides("ingress", bad_cls, first_dns), strict=True))
    reasons: dict[int, tuple[PortSet, str]] = {}
    flagged = bad[ctx.wc_cls]
    wl_class: dict[int, int] = {}
    for w, c in zip(ctx.wc_wl[flagged].tolist(), ctx.wc_cls[flagged].tolist(), strict=True):
        wl_class.setdefault(w, c)
    entries = []
    for i in ctx.pod_flags_to_workloads(bad):
        c = wl_class[i]
        if c not in reasons:
            missing = PortSet.empty()
            for p in ("UDP", "TCP"):
                if not ok[p][c]:
                    missing |= want[p]
            eg = withheld(eg_sides[c], missing)
            ing = withheld(in_sides[c], missing)
            why = "; and ".join([*([eg] if eg else []), *([f"DNS {ing}"] if ing else [])])
            reasons[c] = (missing, why or "the two sides allow disjoint ports")
        missing, why = reasons[c]
        entries.append(
            (
                i,
                f"cannot reach cluster DNS ({dns_name}) on {missing}: {why}",
                {
                    "missing": str(missing),
                    "egress_isolated": bool(R.egress_isolated[c]),
                    "dns": dns_name,
                },
            )
        )
    return grouped_findings(ctx, chk, entries)
