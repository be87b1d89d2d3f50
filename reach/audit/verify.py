"""Check expectations against the compiled cluster, with a concrete witness when one breaks.

Each side of an expectation resolves to pods and external segments; the
question is then asked of the ``allowed`` sub-matrix between their classes, in
one numpy expression. A class pair stands for every pod pair it holds, except
a pod with itself: when both sides hold exactly one and the same pod of a
class, that class pair is no pair at all. External segments are cut at the
policies' ipBlocks, not at the expectation's CIDRs, so a witness range is
clipped to the addresses the expectation names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from reach.analysis.hops import HopGraph
from reach.analysis.refs import RefError
from reach.audit.context import CHUNK, Context, range_text, withheld
from reach.audit.expect import Endpoint, Expectation, Selector
from reach.audit.report import EXPECTATION, ExpectationResult, Finding
from reach.engine.arrays import BoolVec, IntVec
from reach.model.ipspace import PRIVATE, IPRange
from reach.model.ports import PortSet

WHOLE = [IPRange.whole(4), IPRange.whole(6)]


@dataclass
class Side:
    """What one side of an expectation resolved to: pods, and addresses outside the cluster.

    ``segments`` are the (shown) segments holding some of ``addresses``; ``inside``
    those wholly inside them.
    """

    text: str
    pods: IntVec
    segments: IntVec
    inside: IntVec
    addresses: list[IPRange] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not len(self.pods) and not len(self.segments)


def resolve_endpoint(ctx: Context, ep: Endpoint) -> Side:
    pods = np.zeros(len(ctx.pods), dtype=bool)
    hints: list[str] = []
    addresses: list[IPRange] = []
    for sel in ep.selectors:
        if sel.is_external:
            addresses += _addresses(sel)
        else:
            pods |= _pods(ctx, sel, hints)
    segments, inside = _segments(ctx, addresses)
    return Side(str(ep), np.flatnonzero(pods), segments, inside, addresses, hints)


def complement(ctx: Context, side: Side) -> Side:
    """Every pod and address that is not in ``side``."""
    pods = np.setdiff1d(np.arange(len(ctx.pods)), side.pods)
    addresses = [IPRange(w.version, a, b) for w in WHOLE for a, b in _minus(w, side.addresses)]
    segments, inside = _segments(ctx, addresses)
    return Side(f"not ({side.text})", pods, segments, inside, addresses)


def _pods(ctx: Context, sel: Selector, hints: list[str]) -> BoolVec:
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


def _addresses(sel: Selector) -> list[IPRange]:
    """The addresses an external selector names, as disjoint ranges per selector."""
    if sel.external:
        return list(WHOLE)
    if sel.internet:
        return [IPRange(w.version, a, b) for w in WHOLE for a, b in _minus(w, PRIVATE)]
    holes = [IPRange.of_network(e) for e in sel.excepts]
    out = []
    for c in sel.cidrs:
        r = IPRange.of_network(c)
        out += [IPRange(r.version, a, b) for a, b in _minus(r, holes)]
    return out


def _segments(ctx: Context, addresses: list[IPRange]) -> tuple[IntVec, IntVec]:
    """Shown segments holding some of ``addresses``, and those wholly inside them."""
    segs = ctx.reachability.segments
    some, all_ = [], []
    for k in ctx.shown_segments.tolist():
        s = segs[k]
        if any(_overlaps(a, s) for a in addresses):
            some.append(k)
            if not _minus(s, addresses):
                all_.append(k)
    return np.array(some, dtype=np.intp), np.array(all_, dtype=np.intp)


def _minus(r: IPRange, cuts: list[IPRange]) -> list[tuple[int, int]]:
    """The parts of ``r`` that no range of ``cuts`` covers."""
    parts = [(r.first, r.last)]
    for c in cuts:
        if c.version != r.version:
            continue
        kept = []
        for a, b in parts:
            if c.last < a or c.first > b:
                kept.append((a, b))
                continue
            if a < c.first:
                kept.append((a, c.first - 1))
            if b > c.last:
                kept.append((c.last + 1, b))
        parts = kept
    return parts


def _overlaps(a: IPRange, b: IPRange) -> bool:
    return a.version == b.version and a.first <= b.last and b.first <= a.last


def _clip(r: IPRange, addresses: list[IPRange]) -> list[IPRange]:
    """``r`` cut down to ``addresses`` (sorted pieces)."""
    out = [
        IPRange(r.version, max(a.first, r.first), min(a.last, r.last))
        for a in addresses
        if _overlaps(a, r)
    ]
    return sorted(out)


# ------------------------------------------------------------------------------ evaluate


@dataclass
class _Pairs:
    """Classes of the two sides, their pod counts, and which class pairs hold pairs."""

    src: IntVec  # classes: internal ones first, then external segments
    dst: IntVec
    src_count: npt.NDArray[np.int64]
    dst_count: npt.NDArray[np.int64]
    valid: BoolVec  # (len(src), len(dst)): holds a pair of two different endpoints
    counts: npt.NDArray[np.int64]  # (len(src), len(dst)): how many such pairs


def _classes(ctx: Context, side: Side) -> tuple[IntVec, npt.NDArray[np.int64]]:
    n = ctx.n
    counts = np.bincount(ctx.pod_class[side.pods], minlength=n)
    internal = np.flatnonzero(counts)
    classes = np.concatenate([internal, n + side.segments]).astype(np.intp)
    return classes, np.concatenate([counts[internal], np.ones(len(side.segments), np.int64)])


def _pairs(ctx: Context, src: Side, dst: Side) -> _Pairs:
    sc, scount = _classes(ctx, src)
    dc, dcount = _classes(ctx, dst)
    common = np.intersect1d(src.pods, dst.pods)
    shared = np.bincount(ctx.pod_class[common], minlength=max(ctx.n, 1))
    same = (sc[:, None] == dc[None, :]) & (sc[:, None] < ctx.n)
    self_pairs = np.where(same, shared[np.minimum(sc, max(ctx.n - 1, 0))][:, None], 0)
    counts = (scount[:, None] * dcount[None, :] - self_pairs).astype(np.int64)
    return _Pairs(sc, dc, scount, dcount, counts > 0, counts)


def evaluate(ctx: Context, exp: Expectation) -> ExpectationResult:
    """Does the expectation hold? A failed or vacuous one carries a finding with the witness."""
    src = resolve_endpoint(ctx, exp.src)
    dst = resolve_endpoint(ctx, exp.dst)
    empty = [s for s, side in (("from", src), ("to", dst)) if side.empty]
    if exp.kind == "only":
        empty = ["to"] if dst.empty else []
    if empty:
        hints = (src.hints if "from" in empty else []) + (dst.hints if "to" in empty else [])
        what = " and ".join(empty)
        msg = f"{what} match{'es' if len(empty) == 1 else ''} nothing in this cluster, so "
        msg += "the expectation checks nothing"
        if hints:
            msg += f" ({'; '.join(hints)})"
        return _result(exp, "vacuous", _finding(exp, msg, {"hints": hints}, severity="low"))
    if exp.kind == "only":
        src = complement(ctx, src)
    pairs = _pairs(ctx, src, dst)
    if not pairs.valid.any():
        msg = "from and to hold the same single pod, and a pod with itself is no pair: "
        msg += "the expectation checks nothing"
        return _result(exp, "vacuous", _finding(exp, msg, {}, severity="low"))
    if exp.kind == "allow":
        return _allow(ctx, exp, src, dst, pairs)
    return _deny(ctx, exp, src, dst, pairs)


def _result(exp: Expectation, status: str, finding: Finding | None = None) -> ExpectationResult:
    return ExpectationResult(
        exp.name, exp.kind, exp.text(), exp.severity, status, exp.path, finding
    )


def _finding(
    exp: Expectation, message: str, details: dict[str, Any], severity: str | None = None
) -> Finding:
    w = details.get("witness", {})
    hosts = [w[k] for k in ("src_node", "dst_node") if w.get(f"{k[:3]}_host_network")]
    notes = tuple(
        f"{h} uses the host network; the network plugin may enforce policies differently"
        for h in hosts
    )
    return Finding(
        check=EXPECTATION,
        severity=severity or exp.severity,
        title=exp.name,
        subject=exp.name,
        message=message,
        rationale=exp.reason or exp.text(),
        details={"expect": exp.kind, "text": exp.text(), "field": exp.path, **details},
        notes=notes,
    )


def _matrix(ctx: Context, pairs: _Pairs, test: Callable[[int], bool]) -> BoolVec:
    """``test`` of the allowed port mask (as an int) of every class pair of ``pairs``,
    looked up per distinct port-set id, by blocks of rows."""
    R = ctx.reachability
    R.and_table()  # every id a pair can have is interned from here on
    table = np.array([test(v) for v in R.atoms.values], dtype=bool)
    out = np.empty((len(pairs.src), len(pairs.dst)), dtype=bool)
    for lo in range(0, len(pairs.src), CHUNK):
        rows = slice(lo, lo + CHUNK)
        out[rows] = table[R.ids(pairs.src[rows], pairs.dst)]
    return out


def _tally(
    ctx: Context, pairs: _Pairs, hit: BoolVec, src: Side, dst: Side
) -> tuple[int, list[str]]:
    """Pod pairs among the hit class pairs, and the external ranges involved."""
    n = ctx.n
    internal = (pairs.src[:, None] < n) & (pairs.dst[None, :] < n)
    pod_pairs = int(pairs.counts[hit & internal].sum())
    ranges: list[str] = []
    for classes, axis, side in ((pairs.src, 1, src), (pairs.dst, 0, dst)):
        used = classes[np.asarray(hit.any(axis=axis))]
        for m in ctx.merged(int(c) - n for c in used.tolist() if c >= n):
            ranges += [range_text(p) for p in _clip(m, side.addresses)]
    return pod_pairs, ranges


def _count_text(pod_pairs: int, ranges: list[str], what: str) -> str:
    parts = []
    if pod_pairs:
        parts.append(f"{pod_pairs} {what} pod pair{'s' if pod_pairs != 1 else ''}")
    if ranges:
        parts.append(f"{len(ranges)} external range{'s' if len(ranges) != 1 else ''}")
    return " and ".join(parts)


def _deny(ctx: Context, exp: Expectation, src: Side, dst: Side, pairs: _Pairs) -> ExpectationResult:
    R = ctx.reachability
    touch = R.atoms.all_int if exp.ports is None else R.atoms.to_int(R.atoms.touching(exp.ports))
    hit = _matrix(ctx, pairs, lambda v: bool(v & touch)) & pairs.valid
    others = "a source outside `from`: " if exp.kind == "only" else ""
    if hit.any():
        count, ranges = _tally(ctx, pairs, hit, src, dst)
        i, j = (int(x) for x in np.argwhere(hit)[0])
        w = _witness(ctx, exp, pairs, hit, i, j, src, dst)
        egress = _names(w["egress_policies"], w["src_external"])
        ingress = _names(w["ingress_policies"], w["dst_external"])
        msg = (
            f"{others}{w['src']} can reach {w['dst']} on {w['port']} (allowed: {w['ports']}); "
            f"egress allowed by {egress}, ingress by {ingress}; "
            f"{_count_text(count, ranges, 'violating')} in all"
        )
        details = {"witness": w, "pairs": count, "ranges": ranges}
        return _result(exp, "failed", _finding(exp, msg, details))
    if exp.transitive:
        path = _transitive(ctx, exp, pairs, src, dst)
        if path is not None:
            hops = " => ".join([path[0]["src"], *(h["dst"] for h in path)])
            steps = "; ".join(f"{h['src']} => {h['dst']} : {h['ports']}" for h in path)
            msg = f"reachable in {len(path)} hops: {hops} ({steps})"
            return _result(exp, "failed", _finding(exp, msg, {"witness": {"path": path}}))
    return _result(exp, "passed")


def _allow(
    ctx: Context, exp: Expectation, src: Side, dst: Side, pairs: _Pairs
) -> ExpectationResult:
    R = ctx.reachability
    if exp.ports is None:
        ok = _matrix(ctx, pairs, lambda v: v != 0)
    else:
        need = R.atoms.to_int(R.atoms.touching(exp.ports))
        ok = _matrix(ctx, pairs, lambda v: v & need == need)
    if exp.require == "any":
        if (ok & pairs.valid).any():
            return _result(exp, "passed")
        bad = pairs.valid
    else:
        bad = ~ok & pairs.valid
        if not bad.any():
            return _result(exp, "passed")
    count, ranges = _tally(ctx, pairs, bad, src, dst)
    i, j = (int(x) for x in np.argwhere(bad)[0])
    s, d = int(pairs.src[i]), int(pairs.dst[j])
    w = _witness(ctx, exp, pairs, bad, i, j, src, dst)
    want = exp.ports if exp.ports is not None else PortSet.all()
    if exp.ports is not None:
        missing = exp.ports - R.ports(s, d)
        w["port"], w["missing"] = _first_port(missing), str(missing)
    else:
        w["port"], w["missing"] = "any port", "All Connections"
    e = ctx.analysis.provenance.explain(s, d, w["src_node"], w["dst_node"])
    parts: list[str] = []
    for side, who, names in (
        (e.egress, e.src, w["egress_policies"]),
        (e.ingress, e.dst, w["ingress_policies"]),
    ):
        if side is None:
            continue
        # without ports, "reach" means some port: a side that allows any port is not at fault
        fine = bool(side.allowed) if exp.ports is None else want.issubset(side.allowed)
        text = None if fine else withheld(side, want)
        if text is not None:
            parts.insert(0, f"{who}'s {text}")
        elif names:
            parts.append(f"{side.direction} allowed by {', '.join(names)}")
    why = "; ".join(parts) or e.reason() or "the two sides allow disjoint ports"
    w["explanation"] = e.to_dict()
    on = f" on {exp.ports_text}" if exp.ports_text else ""
    if exp.require == "any":
        lead = f"no pair connects{on}; for example {w['src']} cannot reach {w['dst']}"
    else:
        allowed = f" (allowed: {w['ports']})" if w["ports"] != "No Connections" else ""
        lead = f"{w['src']} cannot reach {w['dst']}{on}{allowed}"
    msg = f"{lead}: {why}; {_count_text(count, ranges, 'failing')} in all"
    details = {"witness": w, "pairs": count, "ranges": ranges}
    return _result(exp, "failed", _finding(exp, msg, details))


def _names(names: list[str], external: bool) -> str:
    if external:
        return "(outside the cluster)"
    return ", ".join(names) if names else "(not isolated: no policy selects it)"


# ------------------------------------------------------------------------------- witness


def _pick(ctx: Context, s: int, d: int, src: Side, dst: Side) -> tuple[int, int]:
    """Two different pods (or -1 for an external end) of classes s and d from the sides."""
    a = src.pods[ctx.pod_class[src.pods] == s].tolist() if s < ctx.n else [-1]
    b = dst.pods[ctx.pod_class[dst.pods] == d].tolist() if d < ctx.n else [-1]
    for p in a:
        for q in b:
            if p != q or p < 0:
                return int(p), int(q)
    raise AssertionError("a valid class pair holds two different endpoints")


def _pod_text(ctx: Context, p: int) -> tuple[str, str]:
    pod = ctx.pods[p]
    owner = str(pod.owner)
    return (owner if owner == f"{pod}[Pod]" else f"{owner} (pod {pod})"), owner


def _ext_text(ctx: Context, seg: int, hit_segs: list[int], side: Side) -> tuple[str, str]:
    """The witness range around segment ``seg``: the merged hit segments holding it, cut to
    the addresses the side names."""
    s = ctx.reachability.segments[seg]
    for m in ctx.merged(hit_segs):
        if m.contains(s):
            pieces = [p for p in _clip(m, side.addresses) if _overlaps(p, s)]
            if pieces:
                return range_text(pieces[0]), f"{pieces[0]}[External]"
    return range_text(s), f"{s}[External]"


def _witness(
    ctx: Context,
    exp: Expectation,
    pairs: _Pairs,
    hit: BoolVec,
    i: int,
    j: int,
    src: Side,
    dst: Side,
) -> dict[str, Any]:
    R, n = ctx.reachability, ctx.n
    s, d = int(pairs.src[i]), int(pairs.dst[j])
    p, q = _pick(ctx, s, d, src, dst)
    if s >= n:
        col = pairs.src[np.asarray(hit[:, j])]
        src_text, src_node = _ext_text(ctx, s - n, [int(c) - n for c in col if c >= n], src)
    else:
        src_text, src_node = _pod_text(ctx, p)
    if d >= n:
        row = pairs.dst[np.asarray(hit[i, :])]
        dst_text, dst_node = _ext_text(ctx, d - n, [int(c) - n for c in row if c >= n], dst)
    else:
        dst_text, dst_node = _pod_text(ctx, q)
    ports = R.ports(s, d)
    if exp.ports is not None:
        ports = ports & exp.ports
    eg, ing = _policies(ctx, s, d)
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
        "port": _first_port(ports),
        "ports": str(ports),
        "egress_policies": eg,
        "ingress_policies": ing,
    }


def _policies(ctx: Context, s: int, d: int) -> tuple[list[str], list[str]]:
    """(egress-side, ingress-side) policies whose rules allow some port of s -> d; an end
    outside the cluster has no side."""
    out: list[list[str]] = []
    for direction, own in (("egress", s), ("ingress", d)):
        if own >= ctx.n:
            out.append([])
            continue
        side = ctx.analysis.provenance.side(direction, s, d)
        names = [dec.policy for dec in side.decisions if dec.action == "Allow" and dec.policy]
        out.append(list(dict.fromkeys(names)))
    return out[0], out[1]


def _first_port(ports: PortSet) -> str:
    """One concrete port of the set (TCP first, then UDP, then SCTP)."""
    for proto in ("TCP", "UDP", "SCTP"):
        ivs = ports.intervals(proto)
        if ivs:
            return f"{proto} {ivs[0][0]}"
    return "no port"


def _transitive(
    ctx: Context, exp: Expectation, pairs: _Pairs, src: Side, dst: Side
) -> list[dict[str, Any]] | None:
    """The hops of one shortest multi-hop path from the sources to the destinations."""
    R, n = ctx.reachability, ctx.n
    search = HopGraph(R, exp.ports).search(pairs.src)
    reached = [int(c) for c in pairs.dst.tolist() if search.dist[c] > 0]
    if not reached:
        return None
    goal = min(reached, key=lambda c: int(search.dist[c]))
    path = search.path_to(goal)
    view = ctx.analysis.view("workload")
    names = [view.class_label(c) for c in path]
    first, last = path[0], path[-1]
    if first < n:
        names[0] = _pod_text(ctx, int(src.pods[ctx.pod_class[src.pods] == first][0]))[0]
    else:
        names[0] = _ext_text(ctx, first - n, [], src)[0]
    if last < n:
        names[-1] = _pod_text(ctx, int(dst.pods[ctx.pod_class[dst.pods] == last][0]))[0]
    else:
        names[-1] = _ext_text(ctx, last - n, [], dst)[0]
    hops = []
    for k in range(len(path) - 1):
        a, b = path[k], path[k + 1]
        ports = R.ports(a, b)
        if exp.ports is not None:
            ports = ports & exp.ports
        eg, ing = _policies(ctx, a, b)
        hops.append(
            {
                "src": names[k],
                "dst": names[k + 1],
                "ports": str(ports),
                "egress_policies": eg,
                "ingress_policies": ing,
            }
        )
    return hops
