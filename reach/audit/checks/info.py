"""Information for review: host-network pods and the cross-namespace map."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from reach.audit.context import CHUNK, Context, workloads_message
from reach.audit.registry import Check, NotApplicable, check
from reach.audit.report import Finding, short_list
from reach.words import count


@check(
    "host-network",
    "Pods on the host network",
    "info",
    "How NetworkPolicy applies to hostNetwork pods is up to the network plugin; the "
    "analysis treats them as ordinary pods, real enforcement may differ.",
)
def host_network(ctx: Context, chk: Check) -> Iterable[Finding]:
    wls = np.flatnonzero(ctx.workload_hostnet).tolist()
    for ns, group in ctx.by_namespace(wls).items():
        yield chk.finding(
            ns,
            workloads_message(ctx, group, "use the host network"),
            namespace=ns,
            details={"workloads": ctx.workload_details(group)},
        )


@check(
    "cross-namespace-summary",
    "Cross-namespace reachability",
    "info",
    "Which namespaces may open connections into which others, with ports and pod-pair "
    "counts: the map to review namespace isolation against.",
)
def cross_namespace_summary(ctx: Context, chk: Check) -> Iterable[Finding]:
    if not ctx.n_internal:
        raise NotApplicable("no pods")
    pairs = _pod_pairs_by_namespace(ctx)
    ports = _ports_by_namespace(ctx)
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
        message = f"no namespace may reach another ({count(with_pods, 'namespace')} with pods)"
    else:
        top = sorted(rows, key=lambda x: (-int(x["pod_pairs"]), x["src"], x["dst"]))
        message = (
            f"{len(rows)} of {possible} ordered namespace pairs are connected; most pod pairs: "
            + short_list((f"{x['src']} -> {x['dst']} ({x['pod_pairs']})" for x in top), 3)
        )
    yield chk.finding("cluster", message, details={"pairs": rows, "possible": possible})


def _pod_pairs_by_namespace(ctx: Context) -> npt.NDArray[np.float64]:
    """``[i, j]``: how many pod pairs of namespace i -> namespace j are connected."""
    reachability, n = ctx.reachability, ctx.n_internal
    k = len(ctx.ns_names)
    counts = np.zeros((k, n))
    np.add.at(counts, (ctx.pod_ns, ctx.pod_class), 1.0)
    # pod pairs per namespace pair: counts . adjacency . counts^T, by blocks of class rows
    pairs = np.zeros((k, k))
    everything = np.arange(n)
    for lo in range(0, n, CHUNK):
        block = np.arange(lo, min(n, lo + CHUNK))
        adj = (reachability.ids(block, everything) != reachability.atoms.empty_id).astype(float)
        pairs += counts[:, block] @ adj @ counts.T
        # a pod and itself are no pair
        own = adj[np.arange(len(block)), block]
        pairs[np.diag_indices(k)] -= counts[:, block] @ own
    return pairs


def _ports_by_namespace(ctx: Context) -> dict[tuple[str, str], str]:
    """The ports open from one namespace to another, as text, by (source, destination)."""
    ports: dict[tuple[str, str], str] = {}
    view = ctx.analysis.view("namespace")
    texts = ctx.reachability.atoms.texts
    for src, dst, ids in view.edge_blocks():
        keep = (src < view.n_internal) & (dst < view.n_internal)
        for s, d, p in zip(src[keep].tolist(), dst[keep].tolist(), ids[keep].tolist(), strict=True):
            ports[(view.nodes[s].id, view.nodes[d].id)] = texts[p]
    return ports
