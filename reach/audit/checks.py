"""The built-in audit checks: one function per check, each with a stable id and severity.

Every check reads the compiled class matrices (``Reachability.allowed``,
``ingress_isolated``, ``policy_selected``, the compiled rules); pods are
visited one at a time only to group them by workload or namespace, never in
pairs. The catalogue with rationale and examples is ``docs/audit.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..engine import IntVec, Reachability
from ..explain import Side
from ..ipspace import IPRange
from ..labelindex import BoolVec, LabelIndex
from ..model import NetworkPolicy, Workload
from ..ports import PortSet
from ..radius import PRIVATE
from ..selectors import LabelSelector
from .report import Finding, short_list

if TYPE_CHECKING:
    from ..api import Reach

Masks = npt.NDArray[np.uint64]

#: CIS Kubernetes Benchmark 5.3.2: "Ensure that all Namespaces have Network Policies defined".
CIS_NETPOL = "CIS Kubernetes Benchmark 5.3.2"
#: Cluster DNS: pods with this label in this namespace (kube-dns and CoreDNS alike).
DNS_NAMESPACE = "kube-system"
DNS_LABEL = ("k8s-app", "kube-dns")
#: Class rows per block when a check walks the whole class-pair matrix.
CHUNK = 1024
#: Egress counts as unrestricted when it reaches at least this share of public addresses.
EGRESS_COVERAGE = 0.5


class NotApplicable(Exception):
    """Raised by a check that has nothing to look at (the message says why)."""


@dataclass(frozen=True)
class Check:
    """A built-in check: stable id, severity, one-line rationale, CIS reference if any."""

    id: str
    title: str
    severity: str
    rationale: str
    cis: str | None
    fn: Callable[[Context, Check], Iterable[Finding]]

    def run(self, ctx: Context) -> list[Finding]:
        return list(self.fn(ctx, self))

    def finding(
        self,
        subject: str,
        message: str,
        namespace: str | None = None,
        details: dict[str, Any] | None = None,
        notes: Iterable[str] = (),
    ) -> Finding:
        return Finding(
            check=self.id,
            severity=self.severity,
            title=self.title,
            subject=subject,
            message=message,
            namespace=namespace,
            rationale=self.rationale,
            cis=self.cis,
            details=details or {},
            notes=tuple(notes),
        )


#: Every built-in check by id, in catalogue order.
CHECKS: dict[str, Check] = {}

CheckFn = Callable[["Context", Check], Iterable[Finding]]


def check(
    id: str, title: str, severity: str, rationale: str, cis: str | None = None
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable id."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[id] = Check(id, title, severity, rationale, cis, fn)
        return fn

    return register


# ------------------------------------------------------------------------------ context


@dataclass
class LabelRows:
    """Distinct (namespace, labels) of pods: a selector index, each row's namespace and
    labels, and each pod's row."""

    index: LabelIndex
    ns: IntVec
    maps: list[dict[str, str]]
    pod_row: IntVec


@dataclass
class Exposure:
    """Internet ingress per workload."""

    ports: Masks  # (workloads, W): union over internet segments
    ranges: BoolVec  # (workloads, k): which internet segments reach it


class Context:
    """What the checks share: pods grouped by class, namespace and workload; segments."""

    def __init__(self, r: Reach) -> None:
        self.r = r
        self.reach: Reachability = r.reachability
        R = self.reach
        self.n = R.n_internal
        self.pods = R.pods
        self.pod_class: IntVec = R.pod_class
        self.ns_names = sorted(r.cluster.namespaces)
        ns_pos = {n: i for i, n in enumerate(self.ns_names)}
        self.ns_pos = ns_pos
        wl_pos: dict[Workload, int] = {}
        self.pod_ns = np.fromiter(
            (ns_pos[p.namespace] for p in self.pods), dtype=np.intp, count=len(self.pods)
        )
        self.pod_wl = np.fromiter(
            (wl_pos.setdefault(p.owner, len(wl_pos)) for p in self.pods),
            dtype=np.intp,
            count=len(self.pods),
        )
        self.workloads: list[Workload] = list(wl_pos)
        self.wl_pods = np.bincount(self.pod_wl, minlength=len(self.workloads))
        hostnet = np.fromiter((p.host_network for p in self.pods), dtype=bool, count=len(self.pods))
        self.pod_hostnet: BoolVec = hostnet
        self.wl_hostnet: BoolVec = np.zeros(len(self.workloads), dtype=bool)
        self.wl_hostnet[self.pod_wl[hostnet]] = True
        # (workload, class) pairs that occur: per-workload unions of class rows.
        pairs = np.unique(self.pod_wl * max(self.n, 1) + self.pod_class)
        self.wc_wl: IntVec = pairs // max(self.n, 1)
        self.wc_cls: IntVec = pairs % max(self.n, 1)
        self._class_order = np.argsort(self.pod_class, kind="stable")
        self._class_start = np.searchsorted(
            self.pod_class[self._class_order], np.arange(self.n + 1)
        )

    # -- pods, classes, workloads -------------------------------------------------------
    def class_pods(self, cls: int) -> IntVec:
        """Pod indices of a class, in input order."""
        out: IntVec = self._class_order[self._class_start[cls] : self._class_start[cls + 1]]
        return out

    def wl_name(self, i: int) -> str:
        return str(self.workloads[i])

    def wl_ns(self, i: int) -> str:
        return self.workloads[i].namespace

    def per_workload_or(self, rows: Masks) -> Masks:
        """OR of class rows ``(n, W)`` over each workload's classes: ``(workloads, W)``."""
        out = np.zeros((len(self.workloads), rows.shape[1]), dtype=np.uint64)
        np.bitwise_or.at(out, self.wc_wl, rows[self.wc_cls])
        return out

    def per_workload_any(self, cols: BoolVec) -> BoolVec:
        """``(n, k)`` class flags -> ``(workloads, k)``: any of the workload's classes."""
        out = np.zeros((len(self.workloads), cols.shape[1]), dtype=bool)
        np.logical_or.at(out, self.wc_wl, cols[self.wc_cls])
        return out

    def hostnet_notes(self, wls: Iterable[int]) -> list[str]:
        names = [self.wl_name(i) for i in wls if self.wl_hostnet[i]]
        if not names:
            return []
        return [
            f"{short_list(names)} use{'s' if len(names) == 1 else ''} the host network; "
            "the network plugin may enforce policies differently for such pods"
        ]

    def wl_list(self, wls: Iterable[int]) -> list[dict[str, Any]]:
        return [
            {"workload": self.wl_name(i), "pods": int(self.wl_pods[i]), "hostNetwork": True}
            if self.wl_hostnet[i]
            else {"workload": self.wl_name(i), "pods": int(self.wl_pods[i])}
            for i in wls
        ]

    def by_namespace(self, wls: Iterable[int]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i in sorted(wls, key=self.wl_name):
            out.setdefault(self.wl_ns(i), []).append(i)
        return dict(sorted(out.items()))

    def pod_flags_to_workloads(self, class_flag: BoolVec) -> list[int]:
        """Workloads having a pod in a flagged class."""
        return sorted(set(self.wc_wl[class_flag[self.wc_cls]].tolist()), key=self.wl_name)

    # -- external segments --------------------------------------------------------------
    @cached_property
    def shown_segments(self) -> IntVec:
        """Segments considered: IPv4, and IPv6 when some policy names an IPv6 CIDR
        (otherwise IPv6 behaves exactly like the IPv4 addresses no ipBlock names)."""
        R = self.reach
        return np.array(
            [i for i, s in enumerate(R.segments) if s.version == 4 or R.ipv6], dtype=np.intp
        )

    @cached_property
    def internet_segments(self) -> IntVec:
        """Shown segments not wholly inside the private ranges (the internet)."""
        R = self.reach
        return np.array(
            [
                i
                for i in self.shown_segments.tolist()
                if not any(p.contains(R.segments[i]) for p in PRIVATE)
            ],
            dtype=np.intp,
        )

    @cached_property
    def public_share(self) -> npt.NDArray[np.float64]:
        """Per internet segment: its share of the public addresses of its IP family."""
        R = self.reach
        totals = {v: float(IPRange.whole(v).last + 1 - _private(IPRange.whole(v))) for v in (4, 6)}
        out = np.zeros(len(self.internet_segments))
        for k, i in enumerate(self.internet_segments.tolist()):
            s = R.segments[i]
            out[k] = (s.last - s.first + 1 - _private(s)) / totals[s.version]
        return out

    def merged(self, seg_idx: Iterable[int]) -> list[IPRange]:
        """Segments as ranges, adjacent ones joined."""
        R = self.reach
        out: list[IPRange] = []
        for i in sorted(set(seg_idx)):
            s = R.segments[i]
            if out and out[-1].version == s.version and out[-1].last + 1 == s.first:
                out[-1] = IPRange(s.version, out[-1].first, s.last)
            else:
                out.append(s)
        return out

    def ranges_text(self, seg_idx: Iterable[int]) -> list[str]:
        """Segments as merged ranges (adjacent segments joined)."""
        return [range_text(m) for m in self.merged(seg_idx)]

    def internet_text(self, reached: BoolVec) -> str:
        """The internet segments flagged in ``reached`` (over :attr:`internet_segments`)."""
        segs = self.internet_segments
        if reached.all():
            return "any internet address"
        if reached.sum() * 2 > len(segs):
            gaps = short_list(self.ranges_text(segs[~reached].tolist()), 3)
            return f"any internet address except {gaps}"
        return short_list(self.ranges_text(segs[reached].tolist()), 3)

    def sides(self, direction: str, classes: IntVec, other: int) -> list[Side]:
        """For each source class in ``classes``: the explained ``direction`` side of the pair
        (source -> ``other``): its egress, or ``other``'s ingress from it.

        Sources with the same rules in force on that side (and, for egress, the same
        selecting policies) get the same answer, so each distinct case is walked once.
        """
        R = self.reach
        rules = [cr for cr in R.rules if cr.direction == direction]
        if rules:
            sel = np.stack([cr.selected for cr in rules])
            peers = np.stack([cr.peers for cr in rules])
        else:
            sel = np.zeros((0, self.n), dtype=bool)
            peers = np.zeros((0, R.n_classes), dtype=bool)
        if direction == "egress":
            parts = [sel[:, classes] & peers[:, other][:, None], R.policy_selected[:, classes]]
        else:
            parts = [sel[:, other][:, None] & peers[:, classes]]  # other's rules admitting c
        keys = np.packbits(np.concatenate(parts, axis=0), axis=0).T
        prov = self.r.provenance
        seen: dict[bytes, Side] = {}
        out = []
        for c, key in zip(classes.tolist(), keys, strict=True):
            k = key.tobytes()
            if k not in seen:
                seen[k] = prov.side(direction, c, other)
            out.append(seen[k])
        return out

    # -- ports --------------------------------------------------------------------------
    def portset(self, mask: Masks) -> PortSet:
        return self.reach.atoms.portset(np.ascontiguousarray(mask))

    def wide(self, masks: Masks) -> BoolVec:
        """Rows allowing every TCP port or every UDP port."""
        atoms = self.reach.atoms
        out = np.zeros(len(masks), dtype=bool)
        for proto in ("TCP", "UDP"):
            m = atoms.mask(PortSet.of(proto))
            out |= np.all((masks & m) == m, axis=-1)
        return out

    @cached_property
    def ingress_exposure(self) -> Exposure:
        """Per workload: ports open from the internet, and which internet segments reach it."""
        R, n = self.reach, self.n
        block = R.block(n + self.internet_segments, np.arange(n))  # (k, n, W)
        ports = self.per_workload_or(np.bitwise_or.reduce(block, axis=0))
        ranges = self.per_workload_any(np.asarray(block.any(axis=2)).T)
        return Exposure(ports, ranges)

    # -- label indexes over pods and namespaces -----------------------------------------
    @cached_property
    def label_rows(self) -> LabelRows:
        """Distinct (namespace, labels) of pods, indexed for selectors."""
        keys: dict[tuple[int, tuple[tuple[str, str], ...]], int] = {}
        pod_row = np.fromiter(
            (
                keys.setdefault((ns, p.labels), len(keys))
                for p, ns in zip(self.pods, self.pod_ns.tolist(), strict=True)
            ),
            dtype=np.intp,
            count=len(self.pods),
        )
        rows = list(keys)
        return LabelRows(
            index=LabelIndex([labels for _, labels in rows]),
            ns=np.array([ns for ns, _ in rows], dtype=np.intp),
            maps=[dict(labels) for _, labels in rows],
            pod_row=pod_row,
        )

    @cached_property
    def ns_index(self) -> LabelIndex:
        ns = self.r.cluster.namespaces
        return LabelIndex([ns[n].labels for n in self.ns_names])

    @cached_property
    def ns_has_pods(self) -> BoolVec:
        out: BoolVec = np.bincount(self.pod_ns, minlength=len(self.ns_names)) > 0
        return out

    # -- policies -----------------------------------------------------------------------
    @cached_property
    def policies_by_ns(self) -> dict[str, list[NetworkPolicy]]:
        out: dict[str, list[NetworkPolicy]] = {}
        for p in self.r.cluster.policies:
            out.setdefault(p.namespace, []).append(p)
        return out


def _private(r: IPRange) -> int:
    """Number of private addresses in a range."""
    total = 0
    for p in PRIVATE:
        if p.version == r.version:
            lo, hi = max(p.first, r.first), min(p.last, r.last)
            total += max(0, hi - lo + 1)
    return total


def range_text(r: IPRange) -> str:
    """A range as a CIDR when it is one, else ``first-last``."""
    cidrs = r.cidrs()
    return str(cidrs[0]) if len(cidrs) == 1 else str(r)


def _isolating(pol: NetworkPolicy, direction: str) -> bool:
    return pol.ingress_isolating if direction == "ingress" else pol.egress_isolating


def _allows_all(pol: NetworkPolicy, direction: str) -> bool:
    rules = pol.ingress if direction == "ingress" else pol.egress
    return any(r.peers is None and r.ports is None for r in rules)


def _pods(k: int) -> str:
    return f"{k} pod{'s' if k != 1 else ''}"


def _workloads_message(ctx: Context, wls: list[int], what: str = "") -> str:
    """``3 workloads (5 pods) <what>: a, b, c``."""
    pods = int(ctx.wl_pods[wls].sum())
    names = short_list(ctx.wl_name(i) for i in wls)
    s = "s" if len(wls) != 1 else ""
    what = f" {what}" if what else ""
    return f"{len(wls)} workload{s} ({pods} pod{'s' if pods != 1 else ''}){what}: {names}"


# ------------------------------------------------------------------ namespace baselines


def _default_deny(ctx: Context, chk: Check, direction: str) -> Iterable[Finding]:
    iso = ctx.reach.ingress_isolated if direction == "ingress" else ctx.reach.egress_isolated
    pod_iso = iso[ctx.pod_class]
    total = np.bincount(ctx.pod_ns, minlength=len(ctx.ns_names))
    isolated = np.bincount(ctx.pod_ns[pod_iso], minlength=len(ctx.ns_names))
    for k, ns in enumerate(ctx.ns_names):
        if not total[k]:
            continue
        baseline = [
            p
            for p in ctx.policies_by_ns.get(ns, [])
            if p.pod_selector.is_empty() and _isolating(p, direction)
        ]
        if baseline and not all(_allows_all(p, direction) for p in baseline):
            continue
        why = (
            f"its policies with podSelector {{}} allow all {direction} "
            f"({short_list(str(p) for p in baseline)})"
            if baseline
            else f"no policy with podSelector {{}} isolates {direction}"
        )
        message = (
            f"{why}; {isolated[k]} of {total[k]} pods are isolated for {direction} by "
            "other policies"
            if isolated[k]
            else f"{why}; none of its {_pods(int(total[k]))} is isolated for {direction}"
        )
        yield chk.finding(
            ns,
            message,
            namespace=ns,
            details={
                "direction": direction,
                "pods": int(total[k]),
                "isolated_pods": int(isolated[k]),
                "policies": len(ctx.policies_by_ns.get(ns, [])),
            },
        )


@check(
    "namespace-default-deny-ingress",
    "Namespace without a default-deny ingress policy",
    "medium",
    "Without a podSelector: {} policy isolating ingress, every pod added to the namespace "
    "accepts connections from anywhere until some policy selects it.",
    CIS_NETPOL,
)
def namespace_default_deny_ingress(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _default_deny(ctx, chk, "ingress")


@check(
    "namespace-default-deny-egress",
    "Namespace without a default-deny egress policy",
    "low",
    "Without a podSelector: {} policy isolating egress, every pod added to the namespace "
    "may connect anywhere, inside or outside the cluster.",
    CIS_NETPOL,
)
def namespace_default_deny_egress(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _default_deny(ctx, chk, "egress")


# ----------------------------------------------------------------------- pod isolation


def _unisolated(ctx: Context, chk: Check, direction: str) -> Iterable[Finding]:
    iso = ctx.reach.ingress_isolated if direction == "ingress" else ctx.reach.egress_isolated
    wls = ctx.pod_flags_to_workloads(~iso)
    for ns, group in ctx.by_namespace(wls).items():
        yield chk.finding(
            ns,
            _workloads_message(ctx, group, f"selected by no policy for {direction}"),
            namespace=ns,
            details={"direction": direction, "workloads": ctx.wl_list(group)},
            notes=ctx.hostnet_notes(group),
        )


@check(
    "pod-ingress-unisolated",
    "Pods selected by no ingress policy",
    "medium",
    "A pod that no policy isolates for ingress accepts connections from every pod and "
    "every address on every port.",
    CIS_NETPOL,
)
def pod_ingress_unisolated(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _unisolated(ctx, chk, "ingress")


@check(
    "pod-egress-unisolated",
    "Pods selected by no egress policy",
    "low",
    "A pod that no policy isolates for egress may connect to every pod and every address, "
    "which helps an attacker who compromised it move on or exfiltrate data.",
    CIS_NETPOL,
)
def pod_egress_unisolated(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _unisolated(ctx, chk, "egress")


# ------------------------------------------------------------------- internet exposure


def _grouped(
    ctx: Context, chk: Check, entries: list[tuple[int, str, dict[str, Any]]]
) -> Iterable[Finding]:
    """One finding per namespace and message: about the workload when it is alone, else
    about the namespace, listing its workloads."""
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for wl, text, details in entries:
        groups.setdefault((ctx.wl_ns(wl), text), []).append((wl, details))
    for (ns, text), items in sorted(groups.items()):
        wls = sorted((wl for wl, _ in items), key=ctx.wl_name)
        details = {**items[0][1], "workloads": ctx.wl_list(wls)}
        if len(wls) == 1:
            subject, message = ctx.wl_name(wls[0]), text
        else:
            subject = ns
            message = f"{text} [{_workloads_message(ctx, wls)}]"
        yield chk.finding(subject, message, ns, details, ctx.hostnet_notes(wls))


def _exposure_findings(ctx: Context, chk: Check, wide: bool) -> Iterable[Finding]:
    if not len(ctx.internet_segments):
        raise NotApplicable("no external address range outside the private ranges")
    exp = ctx.ingress_exposure
    hit = np.asarray(exp.ports.any(axis=1))
    is_wide = ctx.wide(exp.ports)
    chosen = hit & (is_wide if wide else ~is_wide)
    entries = []
    for i in np.flatnonzero(chosen).tolist():
        ports = ctx.portset(exp.ports[i])
        sources = ctx.internet_text(exp.ranges[i])
        entries.append(
            (
                i,
                f"reachable from {sources} on {ports}",
                {"ports": str(ports), "port_sets": ports.to_json(), "from": sources},
            )
        )
    return _grouped(ctx, chk, entries)


@check(
    "internet-ingress-all-ports",
    "Pods reachable from the internet on every port",
    "high",
    "Every TCP (or UDP) port of these pods accepts connections from addresses outside the "
    "private ranges, typically because no policy isolates them for ingress.",
)
def internet_ingress_all_ports(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _exposure_findings(ctx, chk, wide=True)


@check(
    "internet-ingress",
    "Pods reachable from the internet on some ports",
    "low",
    "These are the cluster's entry points from outside the private ranges; each should be "
    "an intended one, on the intended ports only.",
)
def internet_ingress(ctx: Context, chk: Check) -> Iterable[Finding]:
    return _exposure_findings(ctx, chk, wide=False)


@check(
    "internet-egress-unrestricted",
    "Pods with unrestricted egress to the internet",
    "medium",
    "A pod that may connect to most of the internet can exfiltrate data or fetch tools "
    "once compromised; egress should name the external ranges it needs.",
)
def internet_egress_unrestricted(ctx: Context, chk: Check) -> Iterable[Finding]:
    if not len(ctx.internet_segments):
        raise NotApplicable("no external address range outside the private ranges")
    R, n = ctx.reach, ctx.n
    block = R.block(np.arange(n), n + ctx.internet_segments)  # (n, k, W)
    reached = ctx.per_workload_any(np.asarray(block.any(axis=2)))
    ports = ctx.per_workload_or(np.bitwise_or.reduce(block, axis=1))
    share = ctx.public_share
    segs = ctx.internet_segments
    fam = np.array([R.segments[i].version for i in segs.tolist()])
    cover = np.zeros(len(ctx.workloads))
    for v in (4, 6):
        if (fam == v).any():
            cover = np.maximum(cover, reached[:, fam == v].astype(float) @ share[fam == v])
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
    return _grouped(ctx, chk, entries)


# -------------------------------------------------------------------------------- DNS


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


def withheld(side: Side, want: PortSet) -> str | None:
    """Why one side (egress at the source, ingress at the destination) does not allow all of
    ``want``: the isolating policies or the deciding admin rules; None when it allows it."""
    if want.issubset(side.allowed):
        return None
    causes = []
    for dec in side.decisions:
        if dec.action != "Deny" or not (dec.ports & want):
            continue
        if dec.tier == "NetworkPolicy":
            causes.append(f"isolated by {dec.by.removeprefix('isolation by ')}")
        else:
            causes.append(f"denied by {dec.by}")
    if not causes and side.isolated:
        causes.append(f"isolated by {short_list(side.policies, 3)}")
    cause = "; ".join(dict.fromkeys(causes)) or "not allowed"
    return f"{side.direction} {cause}; its rules allow {side.allowed & want or 'none of it'}"


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
    R, n = ctx.reach, ctx.n
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
    return _grouped(ctx, chk, entries)


# ------------------------------------------------------------------- policies and peers


def _hints(
    selector: LabelSelector,
    index_maps: list[dict[str, str]],
    rows: Iterable[int],
) -> list[str]:
    """``did you mean app=orders?``: close keys or values among the rows in scope."""
    rows = list(rows)
    hints: list[str] = []
    for req in selector.requirements:
        if req.operator not in ("In", "Exists"):
            continue
        present = [index_maps[r] for r in rows if req.key in index_maps[r]]
        if not present:
            keys = sorted({k for r in rows for k in index_maps[r]})
            close = difflib.get_close_matches(req.key, keys, n=3, cutoff=0.6)
            if close:
                hints.append(
                    f"no pod in scope has label key {req.key!r}; close: {', '.join(close)}"
                )
            continue
        if req.operator == "In":
            values = sorted({m[req.key] for m in present})
            if not req.values & set(values):
                for v in sorted(req.values):
                    for c in difflib.get_close_matches(v, values, n=3, cutoff=0.6):
                        hints.append(f"did you mean {req.key}={c}?")
    return list(dict.fromkeys(hints))


def _ns_hints(selector: LabelSelector, ctx: Context) -> list[str]:
    ns = ctx.r.cluster.namespaces
    maps = [dict(ns[n].labels) for n in ctx.ns_names]
    return _hints(selector, maps, range(len(maps)))


@check(
    "policy-selects-nothing",
    "Policies whose podSelector selects no pod",
    "low",
    "A policy that selects no pod protects nothing: usually a label typo or a leftover of "
    "a removed workload.",
)
def policy_selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    R = ctx.reach
    rows = ctx.label_rows
    for i, pol in enumerate(ctx.r.cluster.policies):
        if R.policy_selected[i].any():
            continue
        ns = ctx.ns_pos[pol.namespace]
        in_ns = np.flatnonzero(rows.ns == ns).tolist()
        if not in_ns:
            message = (
                f"podSelector {pol.pod_selector} selects nothing: "
                f"namespace {pol.namespace} has no pods"
            )
        else:
            message = f"podSelector {pol.pod_selector} selects no pod in namespace {pol.namespace}"
            hints = _hints(pol.pod_selector, rows.maps, in_ns)
            if hints:
                message += f" ({'; '.join(hints)})"
        yield chk.finding(
            str(pol),
            message,
            namespace=pol.namespace,
            details={"selector": str(pol.pod_selector), "origin": pol.origin},
        )


@check(
    "peer-matches-nothing",
    "Rule peers that match no pod or namespace",
    "medium",
    "A from/to peer whose selectors match nothing admits nobody: usually a label typo that "
    "silently blocks a connection someone relies on.",
)
def peer_matches_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    for pol in ctx.r.cluster.policies:
        own = np.zeros(len(ctx.ns_names), dtype=bool)
        own[ctx.ns_pos[pol.namespace]] = True
        for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
            key = "from" if direction == "ingress" else "to"
            for rule in rules:
                for j, peer in enumerate(rule.peers or ()):
                    if peer.ip_block is not None:
                        continue
                    path = f"spec.{direction}[{rule.index}].{key}[{j}]"
                    problem = _peer_problem(ctx, peer.namespace_selector, peer.pod_selector, own)
                    if problem is None:
                        continue
                    yield chk.finding(
                        str(pol),
                        f"{path}: {problem}",
                        namespace=pol.namespace,
                        details={
                            "field": path,
                            "namespaceSelector": None
                            if peer.namespace_selector is None
                            else str(peer.namespace_selector),
                            "podSelector": None
                            if peer.pod_selector is None
                            else str(peer.pod_selector),
                            "origin": pol.origin,
                        },
                    )


def _peer_problem(
    ctx: Context,
    ns_sel: LabelSelector | None,
    pod_sel: LabelSelector | None,
    own: BoolVec,
) -> str | None:
    """What is wrong with one peer, or None when it matches some pod."""
    lr = ctx.label_rows
    if ns_sel is not None:
        scope = ctx.ns_index.select(ns_sel)
        if not scope.any():
            hints = _ns_hints(ns_sel, ctx)
            more = f" ({'; '.join(hints)})" if hints else ""
            return f"namespaceSelector {ns_sel} matches no namespace{more}"
    else:
        scope = own
    rows = scope[lr.ns]
    hit = rows & lr.index.select(pod_sel) if pod_sel is not None else rows
    if hit.any():
        return None
    names = [ctx.ns_names[k] for k in np.flatnonzero(scope).tolist()]
    where = f"namespace{'s' if len(names) > 1 else ''} {short_list(names, 3)}"
    have = "have" if len(names) > 1 else "has"
    if pod_sel is None:
        return f"namespaceSelector {ns_sel} matches only {where}, which {have} no pods"
    if not rows.any():
        return f"podSelector {pod_sel} matches no pod: {where} {have} no pods"
    hints = _hints(pod_sel, lr.maps, np.flatnonzero(rows).tolist())
    more = f" ({'; '.join(hints)})" if hints else ""
    return f"podSelector {pod_sel} matches no pod in {where}{more}"


@check(
    "named-port-unresolved",
    "Named ports that resolve on no target pod",
    "medium",
    "A named port matches only pods whose containers declare that name and protocol; when "
    "none of the rule's target pods does, the rule allows nothing on it.",
)
def named_port_unresolved(ctx: Context, chk: Check) -> Iterable[Finding]:
    n = ctx.n
    has: dict[tuple[str, str], BoolVec] = {}
    class_names: dict[int, set[tuple[str, str]]] = {}
    for p, c in zip(ctx.pods, ctx.pod_class.tolist(), strict=True):
        for cp in p.ports:
            if cp.name:
                key = (cp.name, cp.protocol)
                has.setdefault(key, np.zeros(n, dtype=bool))[c] = True
                class_names.setdefault(c, set()).add(key)
    for cr in ctx.reach.rules:
        pol, rule = cr.policy, cr.rule
        if not isinstance(pol, NetworkPolicy) or not rule.ports:
            continue
        targets: BoolVec = cr.selected if cr.direction == "ingress" else cr.peers[:n]
        if not targets.any():
            continue  # the rule applies to no pod at all: another check reports that
        target_cls = np.flatnonzero(targets).tolist()
        for k, spec in enumerate(rule.ports):
            if not isinstance(spec.port, str):
                continue
            key = (spec.port, spec.protocol)
            if key in has and has[key][targets].any():
                continue
            names = sorted({nm for c in target_cls for nm in class_names.get(c, ())})
            hints = [f"declared as {p} {nm!r}" for nm, p in names if nm == spec.port]
            close = difflib.get_close_matches(
                spec.port, sorted({nm for nm, p in names if p == spec.protocol}), n=3, cutoff=0.6
            )
            hints += [f"did you mean {c!r}?" for c in close if c != spec.port]
            who = (
                "the pods the policy selects"
                if cr.direction == "ingress"
                else "the pods the rule's peers match"
            )
            pods = int(sum(len(ctx.class_pods(c)) for c in target_cls))
            path = f"spec.{cr.direction}[{rule.index}].ports[{k}]"
            more = f" ({'; '.join(hints)})" if hints else ""
            yield chk.finding(
                str(pol),
                f"{path}: named port {spec.port!r} ({spec.protocol}) is declared by none of "
                f"{who} ({pods} pod{'s' if pods != 1 else ''}){more}",
                namespace=pol.namespace,
                details={
                    "field": path,
                    "port": spec.port,
                    "protocol": spec.protocol,
                    "target_pods": pods,
                    "origin": pol.origin,
                },
            )


# --------------------------------------------------------------------------- info


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
            _workloads_message(ctx, group, "use the host network"),
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
    R, n = ctx.reach, ctx.n
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
    view = ctx.r.view("namespace")
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


def catalogue() -> list[Check]:
    """The built-in checks in catalogue order."""
    return list(CHECKS.values())


# The checks of the cluster-scoped tiers live in their own module; importing it registers them.
from . import tiers  # noqa: E402, F401
