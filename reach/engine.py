"""The NetworkPolicy engine: compile a Cluster into class-level reachability.

Pods never meet in pairs here. Pods are grouped into *behaviour classes*: two
pods are in one class when every policy selects both or neither, every rule
peer matches both or neither, and every named port the rules use resolves the
same on both. A class then behaves as one pod, both as source and as
destination. External addresses are cut into segments (see ``ipspace``); each
segment is one more class. Port sets are bitmasks over port atoms (see
``atoms``), so the allowed ports between every pair of classes come out of
numpy ORs and ANDs, one rule at a time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .atoms import Mask, PortAtoms
from .ipspace import IPBlock, IPRange, segments
from .labelindex import BoolVec, LabelIndex
from .model import Cluster, NetworkPolicy, Peer, Pod, PortSpec, Rule
from .ports import PortSet

IntVec = npt.NDArray[np.intp]
NamedKey = tuple[str, str]  # (port name, protocol)


@dataclass
class CompiledRule:
    """One rule in class space: who its policy selects, which peers it matches, which ports.

    ``mask`` is ``(1, W)`` when the ports do not depend on the destination, else
    ``(n_classes, W)`` (named ports resolve per destination class).
    """

    policy: NetworkPolicy
    rule: Rule
    direction: str  # "ingress" | "egress"
    selected: BoolVec
    peers: BoolVec
    mask: Mask

    def ports_to(self, dst: int) -> Mask:
        row: Mask = self.mask[0] if len(self.mask) == 1 else self.mask[dst]
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
    allowed: npt.NDArray[np.uint64]
    ingress_isolated: BoolVec
    egress_isolated: BoolVec
    n_internal: int
    ipv6: bool = False  # some ipBlock names an IPv6 CIDR
    rules: list[CompiledRule] = field(default_factory=list)
    #: ``policy_selected[i, c]``: policy ``cluster.policies[i]`` selects class c.
    policy_selected: BoolVec = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))

    @property
    def n_classes(self) -> int:
        return self.n_internal + len(self.segments)

    def ports(self, src: int, dst: int) -> PortSet:
        return self.atoms.portset(self.allowed[src, dst])


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
        self.named = sorted(
            {
                (p.port, p.protocol)
                for r in self._rules()
                for p in r.ports or ()
                if isinstance(p.port, str)
            }
        )
        self._label_classes()
        blocks = [pe.ip_block for r in self._rules() for pe in r.peers or () if pe.ip_block]
        self.segments = segments(blocks)
        self.ipv6 = any(b.cidr.version == 6 for b in blocks)
        self.seg_starts = [(s.version, s.first) for s in self.segments]

    def _rules(self) -> list[Rule]:
        return [r for pol in self.cluster.policies for r in (*pol.ingress, *pol.egress)]

    # -- step 1: label classes (same namespace, labels, and used named ports) ------------
    def _label_classes(self) -> None:
        keys: dict[tuple[object, ...], int] = {}
        pod_lc = np.empty(len(self.pods), dtype=np.intp)
        for i, p in enumerate(self.pods):
            resolved = tuple(
                tuple(sorted({cp.port for cp in p.ports if cp.name == n and cp.protocol == proto}))
                for n, proto in self.named
            )
            pod_lc[i] = keys.setdefault((p.namespace, p.labels, resolved), len(keys))
        self.pod_lc = pod_lc
        lcs = list(keys)
        self.lc_ns = np.array([self.ns_pos[k[0]] for k in lcs], dtype=np.intp)  # type: ignore[index]
        self.lc_named: list[tuple[tuple[int, ...], ...]] = [k[2] for k in lcs]  # type: ignore[misc]
        self.pod_index = LabelIndex([k[1] for k in lcs])  # type: ignore[misc]

    # -- selectors over label classes ----------------------------------------------------
    def selected(self, pol: NetworkPolicy) -> BoolVec:
        own: BoolVec = self.lc_ns == self.ns_pos[pol.namespace]
        return own & self.pod_index.select(pol.pod_selector)

    def peer_internal(self, pe: Peer, pol: NetworkPolicy) -> BoolVec:
        if pe.ip_block is not None:
            return np.zeros(len(self.lc_ns), dtype=bool)
        hit: BoolVec
        if pe.namespace_selector is None:
            hit = self.lc_ns == self.ns_pos[pol.namespace]
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

    def rule_peers(self, rule: Rule, pol: NetworkPolicy) -> tuple[BoolVec, BoolVec]:
        """(internal over label classes, external over segments) matched by the rule."""
        n_lc = len(self.lc_ns)
        if rule.peers is None:  # no from/to: all peers, external addresses included
            return np.ones(n_lc, dtype=bool), np.ones(len(self.segments), dtype=bool)
        inner = np.zeros(n_lc, dtype=bool)
        outer = np.zeros(len(self.segments), dtype=bool)
        for pe in rule.peers:
            if pe.ip_block is not None:
                outer |= self.peer_external(pe.ip_block)
            else:
                inner |= self.peer_internal(pe, pol)
        return inner, outer

    # -- step 2: behaviour classes ---------------------------------------------------------
    def compile(self) -> Reachability:
        pols = self.cluster.policies
        sel_lc = [self.selected(p) for p in pols]
        rule_list = [(pol, r, "in") for pol in pols for r in pol.ingress]
        rule_list += [(pol, r, "eg") for pol in pols for r in pol.egress]
        peers_lc = [self.rule_peers(r, pol) for pol, r, _ in rule_list]
        n_lc = len(self.lc_ns)
        columns = sel_lc + [inner for inner, _ in peers_lc]
        sig = (
            np.packbits(np.stack(columns, axis=1), axis=1)
            if columns
            else np.zeros((n_lc, 0), np.uint8)
        )
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

        def masks(rule: Rule, num: PortSet) -> Mask:
            """(total, W) mask per destination class, or (1, W) when it does not vary."""
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
            out = np.tile(base, (total, 1))
            out[:n] = per_res[class_res]
            return out

        # -- step 4: OR the rules into per-direction matrices ----------------------------
        words = atoms.words
        ing = np.zeros((total, n, words), dtype=np.uint64)
        eg = np.zeros((n, total, words), dtype=np.uint64)
        ing_iso = np.zeros(n, dtype=bool)
        eg_iso = np.zeros(n, dtype=bool)
        sel = [v[rep] for v in sel_lc]
        pol_pos = {id(p): i for i, p in enumerate(pols)}
        for pol in pols:
            s = sel[pol_pos[id(pol)]]
            if pol.ingress_isolating:
                ing_iso |= s
            if pol.egress_isolating:
                eg_iso |= s
        compiled: list[CompiledRule] = []
        for (pol, rule, direction), (inner, outer), num in zip(
            rule_list, peers_lc, numeric, strict=True
        ):
            cr = CompiledRule(
                policy=pol,
                rule=rule,
                direction="ingress" if direction == "in" else "egress",
                selected=sel[pol_pos[id(pol)]],
                peers=np.concatenate([inner[rep], outer]),
                mask=masks(rule, num),
            )
            compiled.append(cr)
            chosen = np.flatnonzero(cr.selected)
            others = np.flatnonzero(cr.peers)
            if not len(chosen) or not len(others):
                continue
            m = cr.mask
            if direction == "in":
                part = m[chosen] if len(m) > 1 else m
                ing[np.ix_(others, chosen)] |= part[None, :, :]
            else:
                part = m[others] if len(m) > 1 else m
                eg[np.ix_(chosen, others)] |= part[None, :, :]

        # -- step 5: combine; a connection needs the source's egress AND the destination's ingress
        allowed = np.zeros((total, total, words), dtype=np.uint64)
        allowed[:, :] = atoms.all
        allowed[:, :n] = np.where(ing_iso[None, :, None], ing, atoms.all)
        allowed[:n, :] &= np.where(eg_iso[:, None, None], eg, atoms.all)
        allowed[n:, n:] = 0  # external to external is not ours to judge
        return Reachability(
            cluster=self.cluster,
            pods=self.pods,
            pod_class=lc_sig[self.pod_lc],
            segments=self.segments,
            atoms=atoms,
            allowed=allowed,
            ingress_isolated=ing_iso,
            egress_isolated=eg_iso,
            n_internal=n,
            ipv6=self.ipv6,
            rules=compiled,
            policy_selected=np.array(sel, dtype=bool).reshape(len(pols), n),
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
