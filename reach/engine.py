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
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .atoms import Mask, PortAtoms
from .ipspace import IPBlock, IPRange, segments
from .labelindex import BoolVec, LabelIndex
from .model import AdminPolicy, AdminRule, Cluster, NetworkPolicy, Peer, Pod, PortSpec, Rule
from .ports import PortSet

IntVec = npt.NDArray[np.intp]
NamedKey = tuple[str, str]  # (port name, protocol)
AnyPolicy = NetworkPolicy | AdminPolicy
AnyRule = Rule | AdminRule
TIERS = ("Admin", "NetworkPolicy", "Baseline")


@dataclass
class CompiledRule:
    """One rule in class space: who its policy selects, which peers it matches, which ports.

    ``mask`` is ``(1, W)`` when the ports do not depend on the destination. With
    named ports it has one row per way the destination can resolve port names,
    and ``res_of[dst]`` picks the row (the last row, numbers only, is for
    external addresses).
    """

    policy: AnyPolicy
    rule: AnyRule
    direction: str  # "ingress" | "egress"
    selected: BoolVec
    peers: BoolVec
    mask: Mask
    tier: str = "NetworkPolicy"  # "Admin" | "NetworkPolicy" | "Baseline"
    action: str = "Allow"  # "Allow" | "Deny" | "Pass"
    res_of: IntVec | None = None

    @property
    def varies(self) -> bool:
        """Whether the ports depend on the destination (named ports)."""
        return len(self.mask) > 1

    @property
    def label(self) -> str:
        """``ANP x (priority 5), rule y`` or ``ns/np ingress[0]``."""
        if isinstance(self.rule, AdminRule):
            return f"{self.policy}, rule {self.rule.name}"
        return f"{self.policy} {self.direction}[{self.rule.index}]"

    def ports_to(self, dst: int) -> Mask:
        if len(self.mask) == 1 or self.res_of is None:
            first: Mask = self.mask[0]
            return first
        row: Mask = self.mask[self.res_of[dst]]
        return row


@dataclass
class Reachability:
    """Allowed ports between every pair of classes.

    Classes ``0..n_internal-1`` are pod behaviour classes; class ``n_internal + i``
    is external segment ``segments[i]``. ``allowed[s, d]`` is the port mask of
    connections from a pod of class s to a *different* pod of class d.
    """

    cluster: Cluster
    pods: list[Pod]
    pod_class: IntVec
    segments: list[IPRange]
    atoms: PortAtoms
    #: Egress side: ``eg_ids[geg[s], d]`` is the id of what s's egress allows toward d.
    eg_ids: npt.NDArray[np.int32]
    geg: IntVec
    #: Ingress side: ``in_ids[gin[d], s]`` is the id of what d's ingress admits from s.
    in_ids: npt.NDArray[np.int32]
    gin: IntVec
    ingress_isolated: BoolVec
    egress_isolated: BoolVec
    n_internal: int
    ipv6: bool = False  # some ipBlock names an IPv6 CIDR
    rules: list[CompiledRule] = field(default_factory=list)
    #: ``policy_selected[i, c]``: policy ``cluster.policies[i]`` selects class c.
    policy_selected: BoolVec = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    warnings: list[str] = field(default_factory=list)
    _side_values: list[int] = field(default_factory=list)
    _and: npt.NDArray[np.int32] | None = None
    _full: npt.NDArray[np.uint64] | None = None

    @property
    def n_classes(self) -> int:
        return self.n_internal + len(self.segments)

    # -- the allowed ports of class pairs, computed from the two sides on demand ------------
    def and_table(self) -> npt.NDArray[np.int32]:
        """``table[e, i]``: the id of ``mask(e) & mask(i)`` for every pair of side ids."""
        k = len(self._side_values)
        if self._and is None:
            vals = self._side_values
            out = np.empty((k, k), dtype=np.int32)
            for a in range(k):
                va = vals[a]
                out[a] = [self.atoms.intern_int(va & vb) for vb in vals]
            self._and = out
        return self._and

    def ids(self, src: IntVec | slice, dst: IntVec | slice) -> npt.NDArray[np.int32]:
        """Port-set ids (``atoms.portsets``) of every pair ``src x dst``; 0 is nothing."""
        s = np.arange(self.n_classes)[src] if isinstance(src, slice) else np.asarray(src)
        d = np.arange(self.n_classes)[dst] if isinstance(dst, slice) else np.asarray(dst)
        table = self.and_table()
        eg = _rows(self.eg_ids, self.geg[s], dst)
        ing = _rows(self.in_ids, self.gin[d], src).T
        eg *= len(table)  # eg is a fresh copy: index the flattened table in place
        eg += ing
        out: npt.NDArray[np.int32] = np.take(table.ravel(), eg)
        n = self.n_internal
        out[np.ix_(s >= n, d >= n)] = 0  # external to external is not ours to judge
        return out

    def pair_ids(self, src: IntVec, dst: IntVec) -> npt.NDArray[np.int32]:
        """Port-set ids of the pairs ``(src[k], dst[k])`` (element by element)."""
        table = self.and_table()
        out: npt.NDArray[np.int32] = table[
            self.eg_ids[self.geg[src], dst], self.in_ids[self.gin[dst], src]
        ]
        out[(src >= self.n_internal) & (dst >= self.n_internal)] = 0
        return out

    def block(self, src: IntVec | slice, dst: IntVec | slice) -> npt.NDArray[np.uint64]:
        """Port masks ``(len(src), len(dst), W)`` of every pair."""
        return self.atoms.table[self.ids(src, dst)]

    def ports(self, src: int, dst: int) -> PortSet:
        return self.atoms.portsets[int(self.ids(np.array([src]), np.array([dst]))[0, 0])]

    def mask(self, src: int, dst: int) -> Mask:
        row: Mask = self.block(np.array([src]), np.array([dst]))[0, 0]
        return row

    @property
    def allowed(self) -> npt.NDArray[np.uint64]:
        """All pairs at once, ``(n_classes, n_classes, W)``: for small clusters and tests.

        Large clusters should use :meth:`ids` or :meth:`block` on the rows they need.
        """
        if self._full is None:
            self._full = self.block(slice(None), slice(None))
        return self._full


def _rows(
    table: npt.NDArray[np.int32], rows: IntVec, cols: IntVec | slice
) -> npt.NDArray[np.int32]:
    """``table[rows][:, cols]`` as one fresh array; a slice of columns copies contiguous runs."""
    if isinstance(cols, slice):
        out: npt.NDArray[np.int32] = table[rows, cols]
        return out
    picked: npt.NDArray[np.int32] = table[np.ix_(rows, np.asarray(cols))]
    return picked


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
        sides = _Sides(compiled, atoms, total, n, class_res, res_of)
        in_ids, gin = sides.build("ingress", ing_iso)
        eg_ids, geg = sides.build("egress", eg_iso)
        np_pols = [i for i, p in enumerate(pols) if isinstance(p, NetworkPolicy)]
        warnings = _same_priority_overlaps(compiled)
        return Reachability(
            cluster=self.cluster,
            pods=self.pods,
            pod_class=lc_sig[self.pod_lc],
            segments=self.segments,
            atoms=atoms,
            eg_ids=eg_ids,
            geg=geg,
            in_ids=in_ids,
            gin=gin,
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


def overlapping(a: CompiledRule, b: CompiledRule) -> bool:
    """Whether two rules of one direction can match the same connection on the same port."""
    return bool(
        a.direction == b.direction
        and (a.selected & b.selected).any()
        and (a.peers & b.peers).any()
        and any(
            (ma & mb).any() for ma in np.unique(a.mask, axis=0) for mb in np.unique(b.mask, axis=0)
        )
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


class _Sides:
    """Each direction of each class, through the tiers, as rows of port-set ids.

    The ingress side of a destination depends on it only through the set of
    ingress rules that select it, its isolation and (for named ports) how its
    port names resolve: classes alike in these share one row, over all sources.
    Along a row, a source matters only through which of those rules' peers hold
    it (and, for egress named ports, how the destination resolves them): the
    row is computed once per such profile and spread with one lookup.
    """

    def __init__(
        self,
        rules: list[CompiledRule],
        atoms: PortAtoms,
        total: int,
        n: int,
        class_res: IntVec,
        other_res: IntVec,
    ) -> None:
        self.rules = rules
        self.atoms = atoms
        self.total = total
        self.n = n
        self.class_res = class_res
        self.other_res = other_res
        self._ints: dict[tuple[int, int], int] = {}
        self._decided: dict[tuple[object, ...], int] = {}

    def _int(self, k: int, cls: int) -> int:
        """Rule k's ports toward destination class ``cls``, as an int mask."""
        cr = self.rules[k]
        key = (k, int(cr.res_of[cls]) if cr.varies and cr.res_of is not None else -1)
        hit = self._ints.get(key)
        if hit is None:
            hit = self._ints[key] = self.atoms.to_int(cr.ports_to(cls))
        return hit

    def _decide(
        self, ks: tuple[int, ...], isolated: bool, own: int, other: int, ingress: bool
    ) -> int:
        """First-match Admin, then NetworkPolicy (if isolated) or Baseline, else allow."""
        dst = own if ingress else other
        masks = tuple(self._int(k, dst) for k in ks)
        key = (ks, masks, isolated)
        hit = self._decided.get(key)
        if hit is not None:
            return hit
        full = self.atoms.all_int
        decided = allow = deny = 0
        np_allowed = 0
        b_decided = b_deny = 0
        for k, m in zip(ks, masks, strict=True):
            cr = self.rules[k]
            if cr.tier == "Admin":
                new = m & ~decided
                decided |= new
                if cr.action == "Allow":
                    allow |= new
                elif cr.action == "Deny":
                    deny |= new
            elif cr.tier == "NetworkPolicy":
                np_allowed |= m
            else:
                new = m & ~b_decided
                b_decided |= new
                if cr.action == "Deny":
                    b_deny |= new
        lower = np_allowed if isolated else full & ~b_deny
        result = allow | (full & ~(allow | deny) & lower)
        hit = self._decided[key] = self.atoms.intern_int(result)
        return hit

    def build(self, direction: str, isolated: BoolVec) -> tuple[npt.NDArray[np.int32], IntVec]:
        """``(rows, group)``: ``rows[group[own], other]`` is the id of what the side allows.

        The last row is "everything" (the group of external ends, which have no side).
        """
        ingress = direction == "ingress"
        idx = [k for k, r in enumerate(self.rules) if r.direction == direction]
        n, total = self.n, self.total
        sel = np.zeros((n, len(idx)), dtype=bool)  # [own class, rule]
        for j, k in enumerate(idx):
            sel[:, j] = self.rules[k].selected
        packed = np.packbits(sel, axis=1)
        varies = np.array([self.rules[k].varies for k in idx], dtype=bool)
        named_own = (sel & varies).any(axis=1) if ingress else np.zeros(n, dtype=bool)
        iso = isolated.tolist()
        groups: dict[tuple[object, ...], int] = {}
        group = np.empty(total, dtype=np.intp)
        reps: list[int] = []
        for c in range(n):
            res = int(self.class_res[c]) if named_own[c] else -1
            key = (packed[c].tobytes(), iso[c], res)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(reps)
                reps.append(c)
            group[c] = g
        group[n:] = len(reps)
        rows = np.empty((len(reps) + 1, total), dtype=np.int32)
        rows[len(reps)] = self.atoms.all_id
        for g, own in enumerate(reps):
            ks = tuple(idx[j] for j in np.flatnonzero(sel[own]))
            peers = [self.rules[k].peers for k in ks]
            rows[g] = self._row(ks, bool(isolated[own]), own, ingress, peers)
        # Different rule sets often come to the same row: keep each row once.
        keys: dict[bytes, int] = {}
        keep: list[int] = []
        merged = np.empty(len(rows), dtype=np.intp)
        for g in range(len(rows)):
            key = rows[g].tobytes()
            m = keys.get(key)
            if m is None:
                m = keys[key] = len(keep)
                keep.append(g)
            merged[g] = m
        return rows[keep], merged[group]

    def _row(
        self, ks: tuple[int, ...], isolated: bool, own: int, ingress: bool, peers: list[BoolVec]
    ) -> npt.NDArray[np.int32]:
        total = self.total
        if not ks:
            return np.full(total, self.atoms.empty_id if isolated else self.atoms.all_id, np.int32)
        code = np.zeros(total, dtype=np.int64)
        for j, p in enumerate(peers[:62]):
            code |= p.astype(np.int64) << j
        if len(peers) > 62:  # very long rule lists: fall back to exact profiles
            prof = np.packbits(np.stack(peers, axis=1), axis=1)
            _, code = np.unique(prof, axis=0, return_inverse=True)
            code = code.reshape(-1).astype(np.int64)
        if not ingress and any(self.rules[k].varies for k in ks):
            code = code * (int(self.other_res.max()) + 1) + self.other_res
        top = int(code.max())
        if top < 1 << 22:  # small codes: a lookup table instead of sorting
            first = np.full(top + 1, -1, dtype=np.intp)
            first[code[::-1]] = np.arange(total - 1, -1, -1)
            present = np.flatnonzero(first >= 0)
            lut = np.zeros(top + 1, dtype=np.int32)
            for c in present.tolist():
                other = int(first[c])
                hit = tuple(k for k, p in zip(ks, peers, strict=True) if p[other])
                lut[c] = self._decide(hit, isolated, own, other, ingress)
            out: npt.NDArray[np.int32] = lut[code]
            return out
        _, first_idx, inverse = np.unique(code, return_index=True, return_inverse=True)
        values = np.empty(len(first_idx), dtype=np.int32)
        for i, other in enumerate(first_idx.tolist()):
            hit = tuple(k for k, p in zip(ks, peers, strict=True) if p[other])
            values[i] = self._decide(hit, isolated, own, other, ingress)
        return values[inverse.reshape(-1)]


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
