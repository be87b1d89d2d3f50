"""Information for review: host-network pods and the cross-namespace map."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from reach.audit.context import (
    CHUNK,
    Context,
    workloads_message,
)
from reach.audit.registry import Check, NotApplicable, check
from reach.audit.report import Finding, short_list


@check(
    "host-network",
    "Pods on the host network",
    "info",
    "How NetworkPolicy applies to hostNetwork pods is up to the network plugin; the "
    "analysis treats them as ordinary pods, real enforcement may differ.",
)
def host_network(ctx: Context, chk: Check) -> Iterable[Finding]:
    wls = np.flatnonzero(ctx.wl_hostnet).tolist()
    for ns, group in ctx.by_namespace(wls).items():
        yield chk.finding(
            ns,
            workloads_message(ctx, group, "use the host network"),
            namespace=ns,
            details={"workloads": ctx.wl_list(group)},
        )


@check(
    "cross-namespace-summary",
    "Cross-namespace reachability",
    "info",
    "Which namespaces may open connections into which others, with ports and pod-pair "
    "counts: the map to review namespace isolation against.",
)
def cross_namespace_summary(ctx: Context, chk: Check) -> Iterable[Finding]:
    R, n = ctx.reachability, ctx.n
    k = len(ctx.ns_names)
    if not n:
        raise NotApplicable("no pods")
    counts = np.zeros((k, n))
    np.add.at(counts, (ctx.pod_ns, ctx.pod_class), 1.0)
    # pod pairs per namespace pair: counts . adjacency . counts^T, by blocks of class rows
    pairs = np.zeros((k, k))
    everything = np.arange(n)
    for lo in range(0, n, CHUNK):
        block = np.arange(lo, min(n, lo + CHUNK))
        adj = (R.ids(block, everything) != R.atoms.empty_id).astype(float)
        pairs += counts[:, block] @ adj @ counts.T
        # a pod and itself are no pair
        own = adj[np.arange(len(block)), block]
        pairs[np.diag_indices(k)] -= counts[:, block] @ own
    ports: dict[tuple[str, str], str] = {}
    view = ctx.analysis.view("namespace")
    atoms = R.atoms
    for src, dst, ids in view.edge_blocks():
        keep = (src < view.n_internal) & (dst < view.n_internal)
        for s, d, p in zip(src[keep].tolist(), dst[keep].tolist(), ids[keep].tolist(), strict=True):
            ports[(view.nodes[s].id, view.nodes[d].id)] = atoms.texts[p]
    rows: list[dict[str, Any]] = []
    for i, j in zip(*np.nonzero(pairs > 0.5), strict=True):
        if i == j:
            continue
        a, b = ctx.ns_names[int(i)], ctx.ns_names[int(j)]
        rows.append(
            {
                "src": a,
                "dst": b,
                "pod_pairs": int(round(pairs[i, j])),
                "ports": ports.get((a, b), ""),
            }
        )
    rows.sort(key=lambda x: (x["src"], x["dst"]))
    with_pods = int(ctx.ns_has_pods.sum())
    possible = with_pods * (with_pods - 1)
    if not rows:
        message = f"no namespace may reach another ({with_pods} namespaces with pods)"
    else:
        top = sorted(rows, key=lambda x: (-int(x["pod_pairs"]), x["src"], x["dst"]))
        message = (
            f"{len(rows)} of {possible} ordered namespace pairs are connected; most pod pairs: "
            + short_list((f"{x['src']} -> {x['dst']} ({x['pod_pairs']})" for x in top), 3)
        )
    yield chk.finding("cluster", message, details={"pairs": rows, "possible": possible})
