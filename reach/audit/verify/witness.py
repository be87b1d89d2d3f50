"""The witness of a broken expectation: one concrete pair of endpoints (or a path of hops)
with its port and the policies that allow it."""

from __future__ import annotations

from typing import Any

import numpy as np

from reach.analysis.hops import HopGraph
from reach.audit.context import Context, range_text
from reach.audit.expect.expectations import Expectation
from reach.audit.verify.endpoints import ResolvedEndpoint
from reach.audit.verify.pairs import ClassPairs
from reach.engine.arrays import BoolVec
from reach.model.ports import PortSet


def pair_witness(
    ctx: Context,
    exp: Expectation,
    pairs: ClassPairs,
    hit: BoolVec,
    i: int,
    j: int,
    src: ResolvedEndpoint,
    dst: ResolvedEndpoint,
) -> dict[str, Any]:
    """The witness for the hit class pair ``(pairs.src[i], pairs.dst[j])``: its two ends, a
    port it allows (among the expectation's), and the policies on either side."""
    reachability, n = ctx.reachability, ctx.n_internal
    s, d = int(pairs.src[i]), int(pairs.dst[j])
    p, q = _endpoint_pods(ctx, s, d, src, dst)
    if s >= n:
        col = pairs.src[np.asarray(hit[:, j])]
        src_text, src_node = range_witness(ctx, s - n, [int(c) - n for c in col if c >= n], src)
    else:
        src_text, src_node = pod_witness(ctx, p)
    if d >= n:
        row = pairs.dst[np.asarray(hit[i, :])]
        dst_text, dst_node = range_witness(ctx, d - n, [int(c) - n for c in row if c >= n], dst)
    else:
        dst_text, dst_node = pod_witness(ctx, q)
    ports = reachability.ports(s, d)
    if exp.ports is not None:
        ports = ports & exp.ports
    egress_policies, ingress_policies = allowing_policies(ctx, s, d)
    return {
        "src": src_text,
        "src_node": src_node,
        "src_pod": str(ctx.pods[p]) if p >= 0 else None,
        "src_host_network": p >= 0 and ctx.pods[p].host_network,
        "src_external": s >= n,
        "dst": dst_text,
        "dst_node": dst_node,
        "dst_pod": str(ctx.pods[q]) if q >= 0 else None,
        "dst_host_network": q >= 0 and ctx.pods[q].host_network,
        "dst_external": d >= n,
        "port": first_port(ports),
        "ports": str(ports),
        "egress_policies": egress_policies,
        "ingress_policies": ingress_policies,
    }


def _endpoint_pods(
    ctx: Context, s: int, d: int, src: ResolvedEndpoint, dst: ResolvedEndpoint
) -> tuple[int, int]:
    """Two different pods (or -1 for an external end) of classes s and d from the ends."""
    a = src.pods[ctx.pod_class[src.pods] == s].tolist() if s < ctx.n_internal else [-1]
    b = dst.pods[ctx.pod_class[dst.pods] == d].tolist() if d < ctx.n_internal else [-1]
    for p in a:
        for q in b:
            if p != q or p < 0:
                return int(p), int(q)
    raise AssertionError("a valid class pair holds two different endpoints")


def pod_witness(ctx: Context, p: int) -> tuple[str, str]:
    """A pod as the witness names it, and its node id in the workload view."""
    pod = ctx.pods[p]
    owner = str(pod.owner)
    return (owner if owner == f"{pod}[Pod]" else f"{owner} (pod {pod})"), owner


def range_witness(
    ctx: Context, seg: int, hit_segs: list[int], endpoint: ResolvedEndpoint
) -> tuple[str, str]:
    """The witness range around segment ``seg``: the joined hit segments holding it, cut to
    the addresses the endpoint names; and its node id."""
    s = ctx.reachability.segments[seg]
    for joined in ctx.segment_ranges(hit_segs):
        if joined.contains(s):
            pieces = [p for p in joined.clip(endpoint.addresses) if p.overlaps(s)]
            if pieces:
                return range_text(pieces[0]), f"{pieces[0]}[External]"
    return range_text(s), f"{s}[External]"


def allowing_policies(ctx: Context, s: int, d: int) -> tuple[list[str], list[str]]:
    """(egress-side, ingress-side) policies whose rules allow some port of s -> d; an end
    outside the cluster has no side."""
    out: list[list[str]] = []
    for direction, own in (("egress", s), ("ingress", d)):
        if own >= ctx.n_internal:
            out.append([])
            continue
        side = ctx.analysis.provenance.side(direction, s, d)
        names = [dec.policy for dec in side.decisions if dec.action == "Allow" and dec.policy]
        out.append(list(dict.fromkeys(names)))
    return out[0], out[1]


def first_port(ports: PortSet) -> str:
    """One concrete port of the set (TCP first, then UDP, then SCTP)."""
    for proto in ("TCP", "UDP", "SCTP"):
        intervals = ports.intervals(proto)
        if intervals:
            return f"{proto} {intervals[0][0]}"
    return "no port"


def transitive_path(
    ctx: Context,
    exp: Expectation,
    pairs: ClassPairs,
    src: ResolvedEndpoint,
    dst: ResolvedEndpoint,
) -> list[dict[str, Any]] | None:
    """The hops of one shortest multi-hop path from the sources to the destinations."""
    reachability = ctx.reachability
    search = HopGraph(reachability, exp.ports).search(pairs.src)
    reached = [int(c) for c in pairs.dst.tolist() if search.dist[c] > 0]
    if not reached:
        return None
    goal = min(reached, key=lambda c: int(search.dist[c]))
    path = search.path_to(goal)
    names = _path_names(ctx, path, src, dst)
    hops = []
    for k in range(len(path) - 1):
        a, b = path[k], path[k + 1]
        ports = reachability.ports(a, b)
        if exp.ports is not None:
            ports = ports & exp.ports
        egress_policies, ingress_policies = allowing_policies(ctx, a, b)
        hops.append(
            {
                "src": names[k],
                "dst": names[k + 1],
                "ports": str(ports),
                "egress_policies": egress_policies,
                "ingress_policies": ingress_policies,
            }
        )
    return hops


def _path_names(
    ctx: Context, path: list[int], src: ResolvedEndpoint, dst: ResolvedEndpoint
) -> list[str]:
    """The classes of a path as the workload view names them; its two ends as witnesses
    (a pod of the endpoint, or the endpoint's addresses in the segment)."""
    n = ctx.n_internal
    view = ctx.analysis.view("workload")
    names = [view.class_label(c) for c in path]
    first, last = path[0], path[-1]
    if first < n:
        names[0] = pod_witness(ctx, int(src.pods[ctx.pod_class[src.pods] == first][0]))[0]
    else:
        names[0] = range_witness(ctx, first - n, [], src)[0]
    if last < n:
        names[-1] = pod_witness(ctx, int(dst.pods[ctx.pod_class[dst.pods] == last][0]))[0]
    else:
        names[-1] = range_witness(ctx, last - n, [], dst)[0]
    return names
