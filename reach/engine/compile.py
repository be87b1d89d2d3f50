"""The NetworkPolicy engine: compile a Cluster into class-level reachability.

Pods never meet in pairs here. Pods are grouped into *behaviour classes*: two
pods are in one class when every policy selects both or neither, every rule
peer matches both or neither, and every named port the rules use resolves the
same on both. A class then behaves as one pod, both as source and as
destination. External addresses are cut into segments (see ``ipspace``); each
segment is one more class. Port sets are bitmasks over port atoms (see
``atoms``), so the allowed ports between every pair of classes come out of
numpy ORs and ANDs, one rule at a time.

Cluster-scoped policies join the same path: each direction is evaluated in tiers
(Admin, NetworkPolicy, Baseline, default allow), where in the Admin and Baseline
tiers the first matching rule decides each port, tracked as "decided" bitmasks.
"""

from __future__ import annotations

import bisect

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.atoms import Mask, PortAtoms
from reach.engine.labelindex import LabelIndex
from reach.engine.reachability import Reachability
from reach.engine.rules import AnyPolicy, AnyRule, CompiledRule, NamedKey, overlapping
from reach.engine.sides import SideRows
from reach.model.cluster import (
    AdminPolicy,
    AdminRule,
    Cluster,
    NetworkPolicy,
    Peer,
    PortSpec,
)
from reach.model.ipspace import IPBlock, IPRange, segments
from reach.model.ports import PortSet


class _Compiler:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pods = cluster.pods
        for p in self.pods:
            cluster.namespace(p.namespace)
        for pol in cluster.policies:
            cluster.namespace(pol.namespace)
        self.ns_names = sorted(cluster.namespaces)
        self.ns_pos = {n: i for i, n in enumerate(self.ns_names)}
        self.ns_index = LabelIndex([cluster.namespaces[n].labels for n in self.ns_names])
        self.policies: list[AnyPolicy] = [*_ordered(cluster.admin_policies, "Admin")]
        self.policies += cluster.policies
        self.policies += _ordered(cluster.admin_policies, "Baseline")
        #: (policy, rule, direction) in evaluation order: Admin, NetworkPolicy, Baseline.
        self.rule_list: list[tuple[AnyPolicy, AnyRule, str]] = [
            (pol, r, d)
            for pol in self.policies
            for d, rules in (("ingress", pol.ingress), ("egress", pol.egress))
            for r in rules
        ]
        self.named = sorted(
            {
                (p.port, p.protocol)
                for _, r, _ in self.rule_list
                for p in r.ports or ()
                if isinstance(p.port, str)
            }
        )
        self._label_classes()
        blocks = [pe.ip_block for _, r, _ in self.rule_list for pe in r.peers or () if pe.ip_block]
        self.segments = segments(blocks)
        self.ipv6 = any(b.cidr.version == 6 for b in blocks)
        self.seg_starts = [(s.version, s.first) for s in self.segments]

    # -- step 1: label classes (same namespace, labels, used named ports, host network) ---
    def _label_classes(self) -> None:
        keys: dict[tuple[object, ...], int] = {}
        pod_lc = np.empty(len(self.pods), dtype=np.intp)
        wanted = set(self.named)
        for i, p in enumerate(self.pods):
            # only the named ports some rule uses tell pods apart
            used = tuple(
                sorted(
                    (c.name, c.protocol, c.port) for c in p.ports if (c.name, c.protocol) in wanted
                )
            )
            key = (p.namespace, p.labels, used, p.host_network)
            pod_lc[i] = keys.setdefault(key, len(keys))
        self.pod_lc = pod_lc
        lcs = list(keys)
        self.lc_ns = np.array([self.ns_pos[k[0]] for k in lcs], dtype=np.intp)  # type: ignore[index]
        self.lc_named: list[tuple[tuple[int, ...], ...]] = [
            _resolution(k[2], self.named)  # type: ignore[arg-type]
            for k in lcs
        ]
        self.lc_hostnet = np.array([bool(k[3]) for k in lcs], dtype=bool)
        self.pod_index = LabelIndex([k[1] for k in lcs])  # type: ignore[misc]

    # -- selectors over label classes ----------------------------------------------------
    def selected(self, pol: AnyPolicy) -> BoolVec:
        if isinstance(pol, AdminPolicy):
            # "Note that host-networked pods are not included in subject selection."
            subject: BoolVec = self.peer_internal(pol.subject, "") & ~self.lc_hostnet
            return subject
        own: BoolVec = self.lc_ns == self.ns_pos[pol.namespace]
        return own & self.pod_index.select(pol.pod_selector)

    def peer_internal(self, pe: Peer, namespace: str) -> BoolVec:
        if pe.ip_block is not None:
            return np.zeros(len(self.lc_ns), dtype=bool)
        hit: BoolVec
        if pe.namespace_selector is None:
            hit = self.lc_ns == self.ns_pos[namespace]
        else:
            hit = self.ns_index.select(pe.namespace_selector)[self.lc_ns]
        if pe.pod_selector is not None:
            hit = hit & self.pod_index.select(pe.pod_selector)
        return hit

    def peer_external(self, block: IPBlock) -> BoolVec:
        vec = np.zeros(len(self.segments), dtype=bool)
        vec[self._seg_span(IPRange.of_network(block.cidr))] = True
        for e in block.excepts:
            vec[self._seg_span(IPRange.of_network(e))] = False
        return vec

    def _seg_span(self, r: IPRange) -> slice:
        i = bisect.bisect_left(self.seg_starts, (r.version, r.first))
        j = bisect.bisect_right(self.seg_starts, (r.version, r.last))
        return slice(i, j)

    def rule_peers(self, rule: AnyRule, pol: AnyPolicy) -> tuple[BoolVec, BoolVec]:
        """(internal over label classes, external over segments) matched by the rule."""
        n_lc = len(self.lc_ns)
        if rule.peers is None:  # no from/to: all peers, external addresses included
            return np.ones(n_lc, dtype=bool), np.ones(len(self.segments), dtype=bool)
        inner = np.zeros(n_lc, dtype=bool)
        outer = np.zeros(len(self.segments), dtype=bool)
        namespace = pol.namespace if isinstance(pol, NetworkPolicy) else ""
        for pe in rule.peers:
            if pe.ip_block is not None:
                outer |= self.peer_external(pe.ip_block)
            else:
                inner |= self.peer_internal(pe, namespace)
        if isinstance(pol, AdminPolicy):
            inner &= ~self.lc_hostnet  # host-networked pods are not included in these peers
        return inner, outer

    # -- step 2: behaviour classes ---------------------------------------------------------
    def compile(self) -> Reachability:
        pols = self.policies
        sel_lc = [self.selected(p) for p in pols]
        rule_list = self.rule_list
        peers_lc = [self.rule_peers(r, pol) for pol, r, _ in rule_list]
        n_lc = len(self.lc_ns)
        columns = sel_lc + [inner for inner, _ in peers_lc]
        # every policy's and rule's answer for each label class, packed 64 to a word
        sig = np.zeros((n_lc, (len(columns) + 63) // 64), dtype=np.uint64)
        for j, col in enumerate(columns):
            sig[:, j >> 6] |= col.astype(np.uint64) << np.uint64(j & 63)
        sig_ids: dict[tuple[bytes, object], int] = {}
        lc_sig = np.empty(n_lc, dtype=np.intp)
        for i in range(n_lc):
            lc_sig[i] = sig_ids.setdefault((sig[i].tobytes(), self.lc_named[i]), len(sig_ids))
        n = len(sig_ids)
        rep = np.zeros(n, dtype=np.intp)
        rep[lc_sig[::-1]] = np.arange(n_lc)[::-1]  # first label class of each signature
        named_of = [self.lc_named[int(r)] for r in rep]

        # -- step 3: port atoms and masks -----------------------------------------------
        numeric = [_numeric_ports(r.ports) for _, r, _ in rule_list]
        resolved = [
            PortSet.of(proto, port)
            for cls in named_of
            for (_, proto), ports in zip(self.named, cls, strict=True)
            for port in ports
        ]
        atoms = PortAtoms(numeric + resolved)
        n_ext = len(self.segments)
        total = n + n_ext

        named_pos = {k: i for i, k in enumerate(self.named)}
        # Classes share few distinct named-port resolutions: compute masks per distinct one.
        res_ids: dict[tuple[tuple[int, ...], ...], int] = {}
        class_res = np.array([res_ids.setdefault(r, len(res_ids)) for r in named_of], dtype=np.intp)
        resolutions = list(res_ids)

        def masks(rule: AnyRule, num: PortSet) -> Mask:
            """(1, W), or one row per named-port resolution plus one for externals."""
            if rule.ports is None:
                return atoms.all[None, :]
            base = atoms.mask(num)
            names = [(p.port, p.protocol) for p in rule.ports if isinstance(p.port, str)]
            if not names:
                return base[None, :]
            # A named port resolves on the destination pod's container ports (name and
            # protocol must both match); toward an external address it matches nothing.
            per_res = np.empty((len(resolutions), atoms.words), dtype=np.uint64)
            for i, res in enumerate(resolutions):
                by: dict[str, list[tuple[int, int]]] = {}
                for nm, proto in names:
                    by.setdefault(proto, []).extend((pt, pt) for pt in res[named_pos[(nm, proto)]])
                per_res[i] = base | atoms.mask(PortSet.from_mapping(by))
            return np.vstack([per_res, base[None, :]])

        res_of = np.concatenate([class_res, np.full(n_ext, len(resolutions), dtype=np.intp)])

        # -- step 4: rules in class space; NetworkPolicy isolation -------------------------
        sel = [v[rep] for v in sel_lc]
        ing_iso = np.zeros(n, dtype=bool)
        eg_iso = np.zeros(n, dtype=bool)
        pol_pos = {id(p): i for i, p in enumerate(pols)}
        for pol, s in zip(pols, sel, strict=True):
            if isinstance(pol, NetworkPolicy):
                ing_iso |= s if pol.ingress_isolating else False
                eg_iso |= s if pol.egress_isolating else False
        compiled = [
            CompiledRule(
                policy=pol,
                rule=rule,
                direction=direction,
                selected=sel[pol_pos[id(pol)]],
                peers=np.concatenate([inner[rep], outer]),
                mask=masks(rule, num),
                res_of=res_of,
                tier=pol.tier if isinstance(pol, AdminPolicy) else "NetworkPolicy",
                action=rule.action if isinstance(rule, AdminRule) else "Allow",
            )
            for (pol, rule, direction), (inner, outer), num in zip(
                rule_list, peers_lc, numeric, strict=True
            )
        ]

        # -- step 5: each direction through the tiers; a connection needs both -------------
        sides = SideRows(compiled, atoms, total, n, class_res, res_of)
        ingress_rows, ingress_group = sides.build("ingress", ing_iso)
        egress_rows, egress_group = sides.build("egress", eg_iso)
        np_pols = [i for i, p in enumerate(pols) if isinstance(p, NetworkPolicy)]
        warnings = _same_priority_overlaps(compiled)
        return Reachability(
            cluster=self.cluster,
            pods=self.pods,
            pod_class=lc_sig[self.pod_lc],
            segments=self.segments,
            atoms=atoms,
            egress_rows=egress_rows,
            egress_group=egress_group,
            ingress_rows=ingress_rows,
            ingress_group=ingress_group,
            ingress_isolated=ing_iso,
            egress_isolated=eg_iso,
            n_internal=n,
            ipv6=self.ipv6,
            rules=compiled,
            policy_selected=np.array([sel[i] for i in np_pols], dtype=bool).reshape(
                len(np_pols), n
            ),
            warnings=warnings,
            _side_values=list(atoms.values),
        )


def _same_priority_overlaps(rules: list[CompiledRule]) -> list[str]:
    """Warn about policies of one tier and priority whose rules overlap: order undefined."""
    by_prio: dict[tuple[str, int], list[CompiledRule]] = {}
    for cr in rules:
        if isinstance(cr.policy, AdminPolicy) and cr.policy.priority >= 0:
            by_prio.setdefault((cr.tier, cr.policy.priority), []).append(cr)
    out: list[str] = []
    for (tier, prio), group in by_prio.items():
        pairs = {
            (str(a.policy), str(b.policy))
            for i, a in enumerate(group)
            for b in group[i + 1 :]
            if a.policy is not b.policy and overlapping(a, b)
        }
        for x, y in sorted(pairs):
            out.append(
                f"{x} and {y} share priority {prio} in the {tier} tier and their rules "
                "overlap: which applies first is undefined (results assume name order)"
            )
    return out


def _ordered(admin: list[AdminPolicy], tier: str) -> list[AdminPolicy]:
    """Policies of a tier by priority (the BANP, priority -1, first); ties by kind and name."""
    return sorted((p for p in admin if p.tier == tier), key=lambda p: (p.priority, p.kind, p.name))


def _resolution(
    used: tuple[tuple[str, str, int], ...], named: list[NamedKey]
) -> tuple[tuple[int, ...], ...]:
    """For each (name, protocol) rules use, the container ports it names on a pod."""
    return tuple(
        tuple(sorted({port for n, p, port in used if n == name and p == proto}))
        for name, proto in named
    )


def _numeric_ports(ports: tuple[PortSpec, ...] | None) -> PortSet:
    """The numeric part of a rule's ports (named ports resolve per destination)."""
    if ports is None:
        return PortSet.all()
    out = PortSet.empty()
    for p in ports:
        if p.port is None:
            out |= PortSet.of(p.protocol)
        elif isinstance(p.port, int):
            out |= PortSet.of(p.protocol, p.port, p.end_port)
    return out


def compile_cluster(cluster: Cluster) -> Reachability:
    """Compile the cluster's policies into class-level reachability."""
    return _Compiler(cluster).compile()
