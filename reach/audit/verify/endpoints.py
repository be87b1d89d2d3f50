"""Expectation endpoints (``from`` and ``to``) resolved to pods and external segments.

External segments are cut at the policies' ipBlocks, not at the expectation's
CIDRs, so a segment may hold addresses the endpoint does not name: the
endpoint keeps its own ``addresses`` to clip witness ranges to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reach.analysis.refs import RefError
from reach.audit.context import Context
from reach.audit.expect.expectations import Endpoint, Selector
from reach.engine.arrays import BoolVec, IntVec
from reach.model.ipspace import NON_GLOBAL, IPRange, uncovered


@dataclass
class ResolvedEndpoint:
    """What one end of an expectation resolved to: pods, and addresses outside the cluster.

    ``segments`` are the (shown) segments holding some of ``addresses``; ``hints`` say
    why a selector matched nothing.
    """

    text: str
    pods: IntVec
    segments: IntVec
    addresses: list[IPRange] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not len(self.pods) and not len(self.segments)


def resolve_endpoint(ctx: Context, endpoint: Endpoint) -> ResolvedEndpoint:
    """The pods and addresses the selectors of ``endpoint`` name (their union)."""
    pods = np.zeros(len(ctx.pods), dtype=bool)
    hints: list[str] = []
    addresses: list[IPRange] = []
    for sel in endpoint.selectors:
        if sel.is_external:
            addresses += _selected_addresses(sel)
        else:
            pods |= _selected_pods(ctx, sel, hints)
    segments = _segments_holding(ctx, addresses)
    return ResolvedEndpoint(str(endpoint), np.flatnonzero(pods), segments, addresses, hints)


def everything_but(ctx: Context, endpoint: ResolvedEndpoint) -> ResolvedEndpoint:
    """Every pod and address that is not in ``endpoint`` (the sources ``only`` forbids)."""
    pods = np.setdiff1d(np.arange(len(ctx.pods)), endpoint.pods)
    addresses = uncovered(endpoint.addresses)
    segments = _segments_holding(ctx, addresses)
    return ResolvedEndpoint(f"not ({endpoint.text})", pods, segments, addresses)


def _selected_pods(ctx: Context, sel: Selector, hints: list[str]) -> BoolVec:
    """Per pod: whether the selector matches it; appends to ``hints`` what matched nothing."""
    hit = np.ones(len(ctx.pods), dtype=bool)
    if sel.namespaces:
        want = np.zeros(len(ctx.ns_names), dtype=bool)
        for name in sel.namespaces:
            if name in ctx.ns_pos:
                want[ctx.ns_pos[name]] = True
            else:
                hints.append(f"{sel.path}: no namespace {name!r}")
        hit &= want[ctx.pod_ns]
    if sel.namespace_selector is not None:
        hit &= ctx.ns_index.select(sel.namespace_selector)[ctx.pod_ns]
    if sel.pod_selector is not None:
        rows = ctx.label_rows
        hit &= rows.index.select(sel.pod_selector)[rows.pod_row]
    if sel.workloads:
        chosen = np.zeros(len(ctx.pods), dtype=bool)
        for ref in sel.workloads:
            try:
                chosen[ctx.analysis.resolve(ref).pods] = True
            except RefError as e:
                hints.append(f"{sel.path}: {e}")
        hit &= chosen
    if not hit.any() and not hints:
        hints.append(f"{sel.path}: {sel} matches no pod")
    return hit


def _selected_addresses(sel: Selector) -> list[IPRange]:
    """The addresses an external selector names, as disjoint ranges per selector."""
    if sel.external:
        return [IPRange.whole(4), IPRange.whole(6)]
    if sel.internet:
        return uncovered(NON_GLOBAL)
    holes = [IPRange.of_network(e) for e in sel.excepts]
    out = []
    for cidr in sel.cidrs:
        out += IPRange.of_network(cidr).minus(holes)
    return out


def _segments_holding(ctx: Context, addresses: list[IPRange]) -> IntVec:
    """Shown segments holding some of ``addresses``."""
    segs = ctx.reachability.segments
    held = [k for k in ctx.shown_segments.tolist() if any(a.overlaps(segs[k]) for a in addresses)]
    return np.array(held, dtype=np.intp)
