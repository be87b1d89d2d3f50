"""What the checks and expectations share: pods grouped by class, namespace and workload; the
external segments; ports; the texts findings are made of."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from reach.audit.report import short_list
from reach.engine.arrays import BoolVec, IntVec
from reach.engine.bitpack import packed_columns
from reach.engine.labelindex import LabelIndex
from reach.engine.reachability import Reachability
from reach.engine.verdicts import SideVerdict
from reach.model.cluster import NetworkPolicy, Workload
from reach.model.ipspace import IPRange, is_non_global, merge_adjacent, non_global_count
from reach.model.ports import PortSet

if TYPE_CHECKING:
    from reach.analysis.compiled import Analysis

Masks = npt.NDArray[np.uint64]


#: Cluster DNS: pods with this label in this namespace (kube-dns and CoreDNS alike).
DNS_NAMESPACE = "kube-system"
DNS_LABEL = ("k8s-app", "kube-dns")
#: Class rows per block when a check walks the whole class-pair matrix.
CHUNK = 1024
#: Egress counts as unrestricted when it reaches at least this share of public addresses.
EGRESS_COVERAGE = 0.5


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
    reached_from: BoolVec  # (workloads, k): which internet segments reach it


class Context:
    """What the checks and the expectations share: pods grouped by class, namespace and
    workload; the external segments.

    ``n_internal`` is the number of pod classes: a class index at or above it is the
    external segment ``reachability.segments[index - n_internal]``.
    """

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.reachability: Reachability = analysis.reachability
        self.n_internal = self.reachability.n_internal
        self.pods = self.reachability.pods
        self.pod_class: IntVec = self.reachability.pod_class
        self.ns_names = sorted(analysis.cluster.namespaces)
        self.ns_pos = {name: i for i, name in enumerate(self.ns_names)}
        self.pod_ns = np.fromiter(
            (self.ns_pos[p.namespace] for p in self.pods), dtype=np.intp, count=len(self.pods)
        )
        workload_pos: dict[Workload, int] = {}
        self.pod_workload = np.fromiter(
            (workload_pos.setdefault(p.owner, len(workload_pos)) for p in self.pods),
            dtype=np.intp,
            count=len(self.pods),
        )
        self.workloads: list[Workload] = list(workload_pos)
        self.workload_pod_count = np.bincount(self.pod_workload, minlength=len(self.workloads))
        hostnet = np.fromiter((p.host_network for p in self.pods), dtype=bool, count=len(self.pods))
        self.workload_hostnet: BoolVec = np.zeros(len(self.workloads), dtype=bool)
        self.workload_hostnet[self.pod_workload[hostnet]] = True
        # (workload, class) pairs that occur: per-workload unions of class rows.
        stride = max(self.n_internal, 1)
        pairs = np.unique(self.pod_workload * stride + self.pod_class)
        self.pair_workload: IntVec = pairs // stride
        self.pair_class: IntVec = pairs % stride
        self._class_order = np.argsort(self.pod_class, kind="stable")
        self._class_start = np.searchsorted(
            self.pod_class[self._class_order], np.arange(self.n_internal + 1)
        )
        self._denying: dict[str, BoolVec] = {}

    # -- pods, classes, workloads -------------------------------------------------------
    def class_pods(self, cls: int) -> IntVec:
        """Pod indices of a class, in input order."""
        out: IntVec = self._class_order[self._class_start[cls] : self._class_start[cls + 1]]
        return out

    def workload_name(self, i: int) -> str:
        return str(self.workloads[i])

    def workload_namespace(self, i: int) -> str:
        return self.workloads[i].namespace

    def isolated(self, direction: str) -> BoolVec:
        """Per pod class: whether some policy isolates it for ``direction``.

        Where Calico's tiers decide, a pod is isolated when its side denies something: some
        peer (a pod class or an external segment) on some port ends in a Deny, explicit or
        a tier's implicit one. A tier that selects the pod but only Passes to profiles that
        allow everything leaves it open (docs/audit.md, `pod-ingress-unisolated`).
        """
        reach = self.reachability
        if reach.calico is None:
            return reach.ingress_isolated if direction == "ingress" else reach.egress_isolated
        cached = self._denying.get(direction)
        if cached is None:
            rows, group = (
                (reach.ingress_rows, reach.ingress_group)
                if direction == "ingress"
                else (reach.egress_rows, reach.egress_group)
            )
            # Calico rules hold no Cilium pseudo peer: their columns say nothing here.
            denies = np.any(rows[:, : reach.first_pseudo] != reach.atoms.all_id, axis=1)
            cached = self._denying[direction] = denies[group]
        return cached

    def per_workload_or(self, rows: Masks) -> Masks:
        """OR of class rows ``(n, W)`` over each workload's classes: ``(workloads, W)``."""
        out = np.zeros((len(self.workloads), rows.shape[1]), dtype=np.uint64)
        np.bitwise_or.at(out, self.pair_workload, rows[self.pair_class])
        return out

    def per_workload_any(self, cols: BoolVec) -> BoolVec:
        """``(n, k)`` class flags -> ``(workloads, k)``: any of the workload's classes."""
        out = np.zeros((len(self.workloads), cols.shape[1]), dtype=bool)
        np.logical_or.at(out, self.pair_workload, cols[self.pair_class])
        return out

    def hostnet_notes(self, wls: Iterable[int]) -> list[str]:
        names = [self.workload_name(i) for i in wls if self.workload_hostnet[i]]
        if not names:
            return []
        return [
            f"{short_list(names)} use{'s' if len(names) == 1 else ''} the host network; "
            "the network plugin may enforce policies differently for such pods"
        ]

    def workload_details(self, wls: Iterable[int]) -> list[dict[str, Any]]:
        """The ``workloads`` entry of a finding's details: name, pod count, host network."""
        return [
            {
                "workload": self.workload_name(i),
                "pods": int(self.workload_pod_count[i]),
                "hostNetwork": True,
            }
            if self.workload_hostnet[i]
            else {"workload": self.workload_name(i), "pods": int(self.workload_pod_count[i])}
            for i in wls
        ]

    def by_namespace(self, wls: Iterable[int]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i in sorted(wls, key=self.workload_name):
            out.setdefault(self.workload_namespace(i), []).append(i)
        return dict(sorted(out.items()))

    def workloads_in_classes(self, class_flag: BoolVec) -> list[int]:
        """Workloads having a pod in a flagged class, by name."""
        flagged = class_flag[self.pair_class]
        return sorted(set(self.pair_workload[flagged].tolist()), key=self.workload_name)

    # -- external segments --------------------------------------------------------------
    @cached_property
    def shown_segments(self) -> IntVec:
        """Segments considered: IPv4, and IPv6 when some policy names an IPv6 CIDR
        (otherwise IPv6 behaves exactly like the IPv4 addresses no ipBlock names)."""
        reachability = self.reachability
        return np.array(
            [i for i, s in enumerate(reachability.segments) if s.version == 4 or reachability.ipv6],
            dtype=np.intp,
        )

    @cached_property
    def internet_segments(self) -> IntVec:
        """Shown segments holding some address of the internet (not wholly inside NON_GLOBAL)."""
        segs = self.reachability.segments
        return np.array(
            [i for i in self.shown_segments.tolist() if not is_non_global(segs[i])], dtype=np.intp
        )

    @cached_property
    def public_share(self) -> npt.NDArray[np.float64]:
        """Per internet segment: its share of the public addresses of its IP family."""
        totals = {}
        for version in (4, 6):
            whole = IPRange.whole(version)
            totals[version] = float(whole.size - non_global_count(whole))
        out = np.zeros(len(self.internet_segments))
        for k, i in enumerate(self.internet_segments.tolist()):
            s = self.reachability.segments[i]
            out[k] = (s.size - non_global_count(s)) / totals[s.version]
        return out

    def segment_ranges(self, seg_idx: Iterable[int]) -> list[IPRange]:
        """The segments of the given indices as ranges, adjacent ones joined."""
        return merge_adjacent(self.reachability.segments[i] for i in set(seg_idx))

    def ranges_text(self, seg_idx: Iterable[int]) -> list[str]:
        """Segments as merged ranges (adjacent segments joined)."""
        return [range_text(m) for m in self.segment_ranges(seg_idx)]

    def internet_text(self, reached: BoolVec) -> str:
        """The internet segments flagged in ``reached`` (over :attr:`internet_segments`)."""
        segs = self.internet_segments
        if reached.all():
            return "any internet address"
        if reached.sum() * 2 > len(segs):
            gaps = short_list(self.ranges_text(segs[~reached].tolist()), 3)
            return f"any internet address except {gaps}"
        return short_list(self.ranges_text(segs[reached].tolist()), 3)

    def side_verdicts(self, direction: str, classes: IntVec, other: int) -> list[SideVerdict]:
        """For each source class in ``classes``: the explained ``direction`` side of the pair
        (source -> ``other``): its egress, or ``other``'s ingress from it.

        Sources with the same rules in force on that side (and, for egress, the same
        selecting policies) get the same answer, so each distinct case is walked once.
        """
        reachability = self.reachability
        rules = [cr for cr in reachability.rules if cr.direction == direction]
        if rules:
            sel = np.stack([cr.selected for cr in rules])
            peers = np.stack([cr.peers for cr in rules])
        else:
            sel = np.zeros((0, self.n_internal), dtype=bool)
            peers = np.zeros((0, reachability.n_classes), dtype=bool)
        if direction == "egress":
            selecting = reachability.policy_selected[:, classes]
            parts = [sel[:, classes] & peers[:, other][:, None], selecting]
        else:
            parts = [sel[:, other][:, None] & peers[:, classes]]  # other's rules admitting c
        keys = packed_columns(np.concatenate(parts, axis=0))
        provenance = self.analysis.provenance
        seen: dict[bytes, SideVerdict] = {}
        out = []
        for c, key in zip(classes.tolist(), keys, strict=True):
            k = key.tobytes()
            if k not in seen:
                seen[k] = provenance.side(direction, c, other)
            out.append(seen[k])
        return out

    # -- ports --------------------------------------------------------------------------
    def portset(self, mask: Masks) -> PortSet:
        return self.reachability.atoms.portset(np.ascontiguousarray(mask))

    def every_port_open(self, masks: Masks) -> BoolVec:
        """Rows allowing every TCP port or every UDP port."""
        atoms = self.reachability.atoms
        out = np.zeros(len(masks), dtype=bool)
        for proto in ("TCP", "UDP"):
            m = atoms.mask(PortSet.of(proto))
            out |= np.all((masks & m) == m, axis=-1)
        return out

    @cached_property
    def ingress_exposure(self) -> Exposure:
        """Per workload: ports open from the internet, and which internet segments reach it."""
        n = self.n_internal
        block = self.reachability.block(n + self.internet_segments, np.arange(n))  # (k, n, W)
        ports = self.per_workload_or(np.bitwise_or.reduce(block, axis=0))
        reached_from = self.per_workload_any(np.asarray(block.any(axis=2)).T)
        return Exposure(ports, reached_from)

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
        ns = self.analysis.cluster.namespaces
        return LabelIndex([ns[n].labels for n in self.ns_names])

    @cached_property
    def ns_has_pods(self) -> BoolVec:
        out: BoolVec = np.bincount(self.pod_ns, minlength=len(self.ns_names)) > 0
        return out

    # -- policies -----------------------------------------------------------------------
    @cached_property
    def policies_by_ns(self) -> dict[str, list[NetworkPolicy]]:
        out: dict[str, list[NetworkPolicy]] = {}
        for p in self.analysis.cluster.policies:
            out.setdefault(p.namespace, []).append(p)
        return out


def range_text(r: IPRange) -> str:
    """A range as a CIDR when it is one, else ``first-last``."""
    cidrs = r.cidrs()
    return str(cidrs[0]) if len(cidrs) == 1 else str(r)


def pods_text(k: int) -> str:
    return f"{k} pod{'s' if k != 1 else ''}"


def workloads_message(ctx: Context, wls: list[int], what: str = "") -> str:
    """``3 workloads (5 pods) <what>: a, b, c``."""
    pods = int(ctx.workload_pod_count[wls].sum())
    names = short_list(ctx.workload_name(i) for i in wls)
    s = "s" if len(wls) != 1 else ""
    what = f" {what}" if what else ""
    return f"{len(wls)} workload{s} ({pods} pod{'s' if pods != 1 else ''}){what}: {names}"


def why_withheld(side: SideVerdict, want: PortSet) -> str | None:
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
