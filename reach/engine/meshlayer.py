"""The mesh as its own layer of the engine: what Istio's sidecars admit, per class pair.

Built only when the input has AuthorizationPolicies, PeerAuthentications or a
REGISTRY_ONLY Sidecar. Label classes are then keyed by service account, injection
annotation and :attr:`MeshLayer.class_key` (address in the rules' ipBlocks; how a pod
resolves the Services' named target ports is in every label class key already, which
holds every named container port); :meth:`MeshLayer.answers` gives the vectors that
split behaviour classes where the mesh answers differ (sidecar, the policies that apply,
the mTLS regions, each clause a caller may satisfy, plain-TCP ports, the source proxy's
restriction and the registry hosts that reach the class); :meth:`MeshLayer.ingress`
intersects the ingress rows with the destination sidecar's answer and what each source's
proxy forwards (:mod:`reach.engine.meshegress`), so a pair's ports are the NetworkPolicy
answer AND the mesh answer. The per-pair semantics is :mod:`reach.engine.meshrules`; marks (L7
conditioned connections) are kept as rectangles of classes for ``analysis.l7marks``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from reach.engine import arraypool
from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.atoms import Mask, PortAtoms
from reach.engine.classes import LabelKey
from reach.engine.firstlabels import first_labels
from reach.engine.meshaddress import address_key, block, source_blocks
from reach.engine.meshands import Ands, MeshAnding, ands_appended
from reach.engine.meshcuts import port_sets
from reach.engine.meshegress import (
    EgressPlan,
    allowed,
    any_address,
    segment_entries,
)
from reach.engine.meshfeatures import FeatureReader, Features
from reach.engine.meshmemo import MeshMemo
from reach.engine.meshrules import (
    Caller,
    Destination,
    MeshVerdict,
)
from reach.engine.verdicts import MeshSide
from reach.model.cluster import Cluster, Pod
from reach.model.ipspace import IPBlock, IPRange
from reach.model.istio import (
    IstioObjects,
)
from reach.model.ports import PortSet


def blocks(istio: IstioObjects) -> list[IPBlock]:
    """The ipBlocks of the sources and the ServiceEntries' addresses (when some Sidecar is
    REGISTRY_ONLY): external segments are cut at their bounds."""
    out = [block(text) for text in source_blocks(istio)]
    if istio.registry_only:
        out += [block(a) for se in istio.service_entries for a in se.addresses]
    return out


@dataclass
class MeshLayer:
    """The mesh's answers over classes (see the module doc)."""

    cluster: Cluster
    #: False: ports whose answer depends on L7 (marked) count as not allowed (``--no-l7``).
    l7: bool = True
    features: list[Features] = field(default_factory=list)  #: per label class
    #: Per behaviour class, after :meth:`in_classes`.
    classes: list[Features] = field(default_factory=list)
    #: Per class (all classes): the caller profile id; per behaviour class: destination key.
    caller_of: list[int] = field(default_factory=list)
    callers: list[Caller] = field(default_factory=list)
    dest_of: list[int] = field(default_factory=list)
    dests: list[Destination | None] = field(default_factory=list)
    verdicts: dict[tuple[int, int], MeshVerdict] = field(default_factory=dict)
    #: What the Istio objects alone answer (it holds for every layer of the same
    #: objects, which take it: :mod:`reach.engine.meshclasses`).
    memo: MeshMemo = field(default_factory=MeshMemo)
    #: The key of each destination profile (what of its features the sidecar decides by).
    dest_keys: list[object] = field(default_factory=list)
    #: Per class: what its proxy forwards (REGISTRY_ONLY Sidecars), after :meth:`in_classes`.
    egress: EgressPlan | None = None
    #: The first label class of each behaviour class, after :meth:`in_classes`.
    first_label_class: IntVec | None = None
    #: The class keys' label dict and first keys ``first_label_class`` was read from,
    #: when known (a compilation, :mod:`reach.engine.meshclasses`; 23,000 lookups by key,
    #: 50 ms at 100k pods, not made again for the same objects: :meth:`first_of`).
    read_from: tuple[object, object] | None = None
    #: After :meth:`codes`: the code of each label class, and of each key of features.
    label_codes: IntVec = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    code_ids: dict[object, int] = field(default_factory=dict)
    #: The hook of the label classes: which of the rules' ipBlocks hold a pod's address.
    class_key: Callable[[Pod], Hashable] = field(init=False)
    #: The port atoms :meth:`_mesh_rows` last answered over, and its answer (the profiles
    #: are not changed once :meth:`in_classes` made them; a copy starts without).
    _rows: tuple[PortAtoms, list[PortSetIds]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.class_key = address_key(self.cluster.istio)

    def port_sets(self) -> list[PortSet]:
        """The ports the port atoms are cut at (:func:`reach.engine.meshcuts.port_sets`)."""
        return port_sets(self.cluster)

    def label_features(self, pods: list[Pod], of_pod: IntVec) -> None:
        """The features of every label class (its first pod stands for it)."""
        first: dict[int, int] = {}
        for i, c in enumerate(of_pod.tolist()):
            first.setdefault(c, i)
        read = FeatureReader(self.cluster, self.class_key)
        self.features = [read(pods[first[c]]) for c in range(len(first))]

    def feature_of(self, pod: Pod) -> Features:
        """What the mesh sees of ``pod``'s label class."""
        return FeatureReader(self.cluster, self.class_key)(pod)

    def codes(self) -> IntVec:
        """Per label class: the number of what the mesh sees of it (equal numbers, equal
        answers; numbered in order of first label class); kept as ``label_codes``."""
        ids = self.code_ids = {}
        self.label_codes = np.array(
            [ids.setdefault(self._key(f), len(ids)) for f in self.features], dtype=np.intp
        )
        return self.label_codes

    def code_of(self, f: Features) -> int | None:
        """The number :meth:`codes` gave what the mesh sees of ``f`` (None: no label class
        has it)."""
        return self.code_ids.get(self._key(f))

    def coded(self, f: Features) -> tuple[MeshLayer, int]:
        """:meth:`code_of` ``f``; when no label class has it, a new number, with this
        layer knowing it (a copy: the codes of this one stay)."""
        code = self.code_of(f)
        if code is not None:
            return self, code
        out = replace(self)
        out.code_ids = {**self.code_ids, self._key(f): len(self.code_ids)}
        out.label_codes = self.label_codes
        return out, len(self.code_ids)

    def with_label(self, label: int, f: Features, code: int) -> MeshLayer:
        """This layer with label class ``label`` (new, or one whose pods went) of features
        ``f`` and code ``code`` (from :meth:`code_of`)."""
        features, codes = list(self.features), self.label_codes
        if label == len(features):
            features.append(f)
            codes = np.append(codes, code)
        else:
            features[label] = f
            codes = codes.copy()
            codes[label] = code
        out = replace(self, features=features)
        out.code_ids, out.label_codes = self.code_ids, codes
        return out

    def _key(self, f: Features) -> object:
        return (
            f.sidecar,
            f.policies,
            f.regions,
            f.with_identity,
            f.without_identity,
            f.egress,
            f.entries,
            f.tcp_ports,
        )

    def first_of(self, label: Mapping[LabelKey, int], first_key: Sequence[LabelKey]) -> IntVec:
        """The first label class of each behaviour class whose least key is ``first_key``
        (``label``: each key's label class): the ones :meth:`in_classes` took when read from
        the same dict and list (never changed in place: :attr:`read_from`), else read
        again (2,500 lookups by key, 3 ms at 10k pods, at each change beside the mesh)."""
        read, first = self.read_from, self.first_label_class
        if read is not None and first is not None and read[0] is label and read[1] is first_key:
            return first
        return first_labels(label, first_key)

    def in_classes(
        self,
        first_label_class: IntVec,
        segments: list[IPRange],
        n_pseudo: int,
        like: MeshLayer | None = None,
        taken: tuple[MeshLayer, IntVec] | None = None,
    ) -> None:
        """Caller profiles of every class, destination keys of every behaviour class.

        ``like``: a layer whose profiles of the behaviour classes are taken when it is of
        the same Istio objects, label class features and first label classes (the external
        ends cut anew): at 100k pods 23,000 classes' profiles took 150-300 ms. ``taken``:
        a layer and the class of it each class is (-1: a new one), each seen alike (the
        caller checks: :mod:`reach.engine.meshclasses`), whose profiles are taken so, the
        new classes' made (classes renumbered, a pod's class made or gone)."""
        istio = self.cluster.istio
        callers: dict[Caller, int] = {}
        if like is not None and self._alike(like, first_label_class):
            self.classes, self.caller_of = list(like.classes), like.caller_of[: len(like.classes)]
            seen = max(self.caller_of, default=-1) + 1  # the classes' callers come first
            callers = {caller: k for k, caller in enumerate(like.callers[:seen])}
            self.dests, self.dest_keys, self.dest_of = like.dests, like.dest_keys, like.dest_of
        elif taken is not None:
            self.classes = [self.features[int(c)] for c in first_label_class]
            callers = self._taken(*taken)
        else:
            self.classes = [self.features[int(c)] for c in first_label_class]
            for f in self.classes:
                caller = Caller(f.sidecar, f.with_identity, f.without_identity)
                self.caller_of.append(callers.setdefault(caller, len(callers)))
            self._destinations()
        self.first_label_class = first_label_class
        self.read_from = None  # whoever read them says (meshclasses)
        for seg in [*segments, *[None] * n_pseudo]:
            caller = self.memo.segment_caller(istio, seg)
            self.caller_of.append(callers.setdefault(caller, len(callers)))
        self.callers = list(callers)
        if istio.registry_only:
            n_out = len(segments) + n_pseudo
            self.egress = EgressPlan.of(
                [f.egress for f in self.classes] + [None] * n_out,
                [f.entries for f in self.classes]
                + [segment_entries(istio, seg) for seg in segments]
                + [any_address(istio)] * n_pseudo,
            )

    def _alike(self, like: MeshLayer, first_label_class: IntVec) -> bool:
        """Whether ``like`` has this layer's behaviour classes, seen alike (see
        :meth:`in_classes`)."""
        return (
            like.cluster.istio is self.cluster.istio
            and like.features is self.features
            and like.first_label_class is not None
            and np.array_equal(like.first_label_class, first_label_class)
        )

    def _taken(self, old: MeshLayer, source: IntVec) -> dict[Caller, int]:
        """The profiles of the classes ``source`` says (``old``'s), and the new classes'
        made; the caller profiles by id, those of the classes first."""
        seen = max(old.caller_of[: len(old.classes)], default=-1) + 1
        callers = {caller: k for k, caller in enumerate(old.callers[:seen])}
        self.dests, self.dest_keys = list(old.dests), list(old.dest_keys)
        dests = {key: k for k, key in enumerate(self.dest_keys)}
        for f, s in zip(self.classes, source.tolist(), strict=True):
            if s >= 0:
                self.caller_of.append(old.caller_of[s])
                self.dest_of.append(old.dest_of[s])
                continue
            caller = Caller(f.sidecar, f.with_identity, f.without_identity)
            self.caller_of.append(callers.setdefault(caller, len(callers)))
            self.dest_of.append(self._destination(f, dests))
        return callers

    def _destinations(self) -> None:
        """The destination profile of every behaviour class (its sidecar's policies,
        regions and ports)."""
        dests: dict[object, int] = {}
        for f in self.classes:
            self.dest_of.append(self._destination(f, dests))

    def _destination(self, f: Features, dests: dict[object, int]) -> int:
        """The destination profile id of features ``f`` (``dests``: by key, made so far;
        a new one added)."""
        key = (f.policies, f.regions, f.tcp_ports) if f.sidecar else None
        if key not in dests:
            dests[key] = len(dests)
            self.dest_keys.append(key)
            dest = None
            if f.sidecar:
                assert f.regions is not None
                policies = tuple((k, self.cluster.istio.authorization[k]) for k in f.policies)
                dest = Destination(policies, f.regions, f.tcp_ports)
            self.dests.append(dest)
        return dests[key]

    def verdict(self, src: int, dst: int) -> MeshVerdict | None:
        """What the sidecar of behaviour class ``dst`` decides for class ``src`` (None: no
        sidecar, the mesh does not filter)."""
        dest = self.dests[self.dest_of[dst]]
        if dest is None:
            return None
        return self.verdict_of(self.dest_of[dst], self.caller_of[src])

    def verdict_of(self, d: int, c: int) -> MeshVerdict:
        """What destination profile ``d`` (of a sidecar) decides for caller profile ``c``."""
        hit = self.verdicts.get((d, c))
        if hit is None:
            hit = self.verdicts[(d, c)] = self._decide(d, c)
        return hit

    def _decide(self, d: int, c: int) -> MeshVerdict:
        """What destination profile ``d`` decides for caller profile ``c`` (the memo's
        answer: :meth:`reach.engine.meshmemo.MeshMemo.verdict`)."""
        dest = self.dests[d]
        assert dest is not None
        return self.memo.verdict(self.dest_keys[d], dest, self.callers[c])

    def conditions(self, src: int, dst: int, ports: PortSet) -> tuple[str, ...]:
        """What the connection ``src`` -> ``dst`` on ``ports`` depends on beyond L4:
        ``GET /headers``, ``may deny: POST``, ``CUSTOM: any request``."""
        if dst >= len(self.classes):
            return ()
        verdict = self.verdict(src, dst)
        if verdict is None:
            return ()
        said = {"allows": "", "may deny": "may deny: "}
        return tuple(
            dict.fromkeys(
                said.get(m.effect, "CUSTOM: ") + m.summary for m in verdict.marks if m.ports & ports
            )
        )

    def ingress(
        self,
        rows: PortSetIds,
        row_of: IntVec,
        atoms: PortAtoms,
        made: tuple[Ands, PortSetIds] | None = None,
    ) -> tuple[PortSetIds, IntVec, Ands, set[int] | None]:
        """The ingress rows intersected with the mesh's answer: one row per (ingress row,
        mesh destination) pair that occurs, in the order of the classes that first have
        it; the number of each row by the ingress row and the digests of what the mesh
        ANDs into it (one per row, in the rows' order); and, with ``made`` (those numbers
        and the rows of an earlier call over rows before the AND of the same numbers),
        the ids of the rows made anew (None without): the earlier rows keep their numbers
        and only the new ones are made (:func:`~reach.engine.meshands.ands_appended`)."""
        anding = self.anding(atoms)
        if made is not None:
            assert len(made[0]) == len(made[1]), "a digest per row, in the rows' order"
            return ands_appended(anding, rows, row_of, made)
        numbered: Ands = {}
        new_row_of, first = anding.numbered(row_of, numbered)
        anew = [(c, int(row_of[c])) for c in first]  # the class and row before of each
        # each row written where it goes, in memory kept from rows gone (at 100k pods
        # 3,964 rows of 23,414 ids: a stack of them took fresh memory, 371 MB)
        stacked = arraypool.empty((len(anew), rows.shape[1]), rows.dtype)
        for i, (c, pre) in enumerate(anew):
            stacked[i] = anding.row(c, rows[pre])
        return stacked, new_row_of, numbered, None

    def anding(self, atoms: PortAtoms) -> MeshAnding:
        """What the mesh ANDs into every class's ingress row (after :meth:`in_classes`)."""
        meshed = [d for d, dest in enumerate(self.dests) if dest is not None]
        mesh_of = np.full(len(self.dests) + 1, -1, dtype=np.intp)
        mesh_of[meshed] = meshed
        dest_of = mesh_of[np.array(self.dest_of, dtype=np.intp)].tolist() if self.dest_of else []
        egress = self.egress
        if egress is None:
            return MeshAnding(atoms, self._mesh_rows(atoms), dest_of)
        return MeshAnding(
            atoms,
            self._mesh_rows(atoms),
            dest_of,
            lambda target: _egress_row(egress, target, atoms),
            egress.target_of,
        )

    def _mesh_rows(self, atoms: PortAtoms) -> list[PortSetIds]:
        """Per destination profile, over every class: the id of what its sidecar admits
        (found once per port atoms: a layer kept through an update ANDs again)."""
        if self._rows is not None and self._rows[0] is atoms:
            return self._rows[1]
        callers = np.array(self.caller_of, dtype=np.intp)
        mesh_rows: list[PortSetIds] = []
        table, ids = self.memo.admitted(atoms, self.l7)
        dest_no, caller_no = self.memo.numbers(self.dest_keys, self.callers)
        for d, dest in enumerate(self.dests):
            by_caller = np.full(len(self.callers), atoms.all_id, dtype=np.int32)
            if dest is not None:
                for c, no in enumerate(caller_no):
                    got = table.get((dest_no[d], no))
                    if got is None:
                        got = table[(dest_no[d], no)] = self._admitted(d, c, atoms, ids)
                    by_caller[c] = got
            mesh_rows.append(by_caller[callers])
        self._rows = (atoms, mesh_rows)
        return mesh_rows

    def _admitted(self, d: int, c: int, atoms: PortAtoms, ids: dict[int, int]) -> int:
        """The id among ``atoms`` of what destination profile ``d`` admits of caller
        profile ``c`` (``ids``: by decision, those found already)."""
        verdict = self.verdict_of(d, c)
        got = ids.get(id(verdict))
        if got is None:
            allowed = verdict.allowed
            if not self.l7:
                for mark in verdict.marks:
                    allowed = allowed - mark.ports
            got = ids[id(verdict)] = atoms.intern_int(atoms.to_int(atoms.mask(allowed)))
        return got

    def marked(self, atoms: PortAtoms) -> list[tuple[str, str, str, IntVec, IntVec, Mask]]:
        """The marks as rectangles: (label, summary, effect, sources, destinations, ports)."""
        of_caller = _members(self.caller_of)
        of_dest = _members(self.dest_of)
        out = []
        pairs = [(d, c) for d in sorted(of_dest) for c in sorted(of_caller)]
        for d, c in pairs:
            if self.dests[d] is None:
                continue  # no sidecar: nothing decided
            for mark in self.verdict_of(d, c).marks:
                out.append(
                    (
                        mark.label,
                        mark.summary,
                        mark.effect,
                        of_caller[c],
                        of_dest[d],
                        atoms.mask(mark.ports),
                    )
                )
        return out


def _egress_row(plan: EgressPlan, target: int, atoms: PortAtoms) -> PortSetIds:
    """Over every source class: the id of what its proxy forwards to destination profile
    ``target``."""
    ids = np.array(
        [
            atoms.intern_int(atoms.to_int(atoms.mask(allowed(src, plan.targets[target]))))
            for src in plan.sources
        ],
        dtype=np.int32,
    )
    out: PortSetIds = ids[np.array(plan.source_of, dtype=np.intp)]
    return out


def _members(profile_of: list[int]) -> dict[int, IntVec]:
    """The classes of each profile id, ascending."""
    out: dict[int, list[int]] = {}
    for cls, profile in enumerate(profile_of):
        out.setdefault(profile, []).append(cls)
    return {k: np.array(v, dtype=np.intp) for k, v in out.items()}


def mesh_side(mesh: MeshLayer, src: int, dst: int) -> MeshSide:
    """What the sidecar of class ``dst`` decides for class ``src`` and, under REGISTRY_ONLY,
    what the proxy of ``src`` forwards to ``dst`` (any class: external ones too), for
    ``explain``."""
    side = _ingress_side(mesh, src, dst)
    why = mesh.egress.reason(src, dst) if mesh.egress is not None else None
    if why is None or mesh.egress is None:
        return side
    allowed = side.allowed & mesh.egress.ports(src, dst)
    return MeshSide(True, allowed, (*side.reasons, why), side.marks, not side.sidecar)


def _ingress_side(mesh: MeshLayer, src: int, dst: int) -> MeshSide:
    verdict = mesh.verdict(src, dst) if dst < len(mesh.classes) else None
    if verdict is None:
        return MeshSide(False, PortSet.all())
    marks = tuple(f"{m.label} {m.effect} [{m.summary}] on {m.ports}" for m in verdict.marks)
    allowed, reasons = verdict.allowed, verdict.reasons
    if not mesh.l7 and verdict.marks:
        for m in verdict.marks:
            allowed = allowed - m.ports
        reasons = (*reasons, "without L7 (--no-l7): what depends on L7 conditions is refused")
    return MeshSide(True, allowed, reasons, marks)
