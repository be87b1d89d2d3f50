"""Cluster DNS: pods whose policies forget kube-dns/CoreDNS on port 53."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from reach.audit.context import DNS_LABEL, DNS_NAMESPACE, Context, why_withheld
from reach.audit.registry import Check, NotApplicable, check, grouped_findings
from reach.audit.report import Finding, short_list
from reach.engine.arrays import BoolVec, IntVec
from reach.model.ports import PortSet

#: What a pod needs to resolve names: port 53 over UDP and over TCP.
DNS_PORTS = {proto: PortSet.of(proto, 53) for proto in ("UDP", "TCP")}


def _dns_pods(ctx: Context) -> IntVec:
    """The cluster DNS pods: labelled ``k8s-app=kube-dns`` in ``kube-system``."""
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
    reachability, n = ctx.reachability, ctx.n_internal
    dns_classes = np.unique(ctx.pod_class[dns])
    is_dns = np.zeros(n, dtype=bool)
    is_dns[dns_classes] = True
    to_dns = reachability.block(np.arange(n), dns_classes)  # (n, k, W)
    reaches = {
        proto: np.asarray((to_dns & reachability.atoms.touching(ports)).any(axis=(1, 2)))
        for proto, ports in DNS_PORTS.items()
    }
    bad = ~is_dns & ~(reaches["UDP"] & reaches["TCP"])
    dns_name = short_list(sorted({str(ctx.pods[i].owner) for i in dns.tolist()}), 2)
    reasons = _reasons(ctx, bad, reaches, int(dns_classes[0]))
    flagged = bad[ctx.pair_class]
    workload_class: dict[int, int] = {}
    for w, c in zip(
        ctx.pair_workload[flagged].tolist(), ctx.pair_class[flagged].tolist(), strict=True
    ):
        workload_class.setdefault(w, c)
    entries = []
    for i in ctx.workloads_in_classes(bad):
        c = workload_class[i]
        missing, why = reasons[c]
        entries.append(
            (
                i,
                f"cannot reach cluster DNS ({dns_name}) on {missing}: {why}",
                {
                    "missing": str(missing),
                    "egress_isolated": bool(reachability.egress_isolated[c]),
                    "dns": dns_name,
                },
            )
        )
    return grouped_findings(ctx, chk, entries)


def _reasons(
    ctx: Context, bad: BoolVec, reaches: dict[str, BoolVec], dns_class: int
) -> dict[int, tuple[PortSet, str]]:
    """Per class flagged in ``bad``: the DNS ports it misses and why, from its egress and
    the ingress of the DNS class ``dns_class``."""
    bad_classes = np.flatnonzero(bad)
    egress = ctx.side_verdicts("egress", bad_classes, dns_class)
    ingress = ctx.side_verdicts("ingress", bad_classes, dns_class)
    out: dict[int, tuple[PortSet, str]] = {}
    for c, egress_side, ingress_side in zip(bad_classes.tolist(), egress, ingress, strict=True):
        missing = PortSet.empty()
        for proto, ports in DNS_PORTS.items():
            if not reaches[proto][c]:
                missing |= ports
        egress_why = why_withheld(egress_side, missing)
        ingress_why = why_withheld(ingress_side, missing)
        whys = [egress_why] if egress_why else []
        if ingress_why:
            whys.append(f"DNS {ingress_why}")
        why = "; and ".join(whys)
        out[c] = (missing, why or "the two sides allow disjoint ports")
    return out
