"""What a mesh layer works out from the Istio objects alone, kept for every layer made of
the same objects.

Beside the mesh, every change of the behaviour classes or of the external segments makes
the mesh layer again (:mod:`reach.engine.meshclasses`), and the layer made asks again
which clauses each segment satisfies and what each destination profile decides for each
caller profile. Those answers depend on the Istio objects and the profiles only, so a
layer made of the same objects takes this memo of the one before (at 10k pods beside
Calico's tiers, the clauses of 55 segments and the 27 x 27 decisions took 6-10 ms of each
of the two or three layers a pod update made).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.engine.atoms import PortAtoms
from reach.engine.meshclauses import segment_clauses
from reach.engine.meshrules import Caller, Destination, MeshVerdict, decide
from reach.model.ipspace import IPRange
from reach.model.istio import IstioObjects

#: A caller's clause ids (with, without identity) by the index of their policy.
Grouped = dict[int, tuple[frozenset[object], frozenset[object]]]


@dataclass
class MeshMemo:
    """Answers of one set of Istio objects (see the module doc)."""

    #: Decisions by destination key and the caller's clauses of its policies only.
    decided: dict[tuple[object, ...], MeshVerdict] = field(default_factory=dict)
    #: The caller profile of each external segment (None: a Cilium pseudo peer).
    segments: dict[IPRange | None, Caller] = field(default_factory=dict)
    #: Per caller profile: its clause ids by policy.
    grouped: dict[Caller, Grouped] = field(default_factory=dict)
    #: Per destination key and caller profile: the decision.
    verdicts: dict[tuple[object, Caller], MeshVerdict] = field(default_factory=dict)
    #: A number per destination key and per caller profile (for :meth:`admitted`).
    dest_numbers: dict[object, int] = field(default_factory=dict)
    caller_numbers: dict[Caller, int] = field(default_factory=dict)
    #: The port atoms and L7 switch :meth:`admitted` answers for, its table, and the id of
    #: each decision's ports (by the decision's identity: :attr:`decided` keeps it).
    _admitted: tuple[PortAtoms, bool, dict[tuple[int, int], int], dict[int, int]] | None = None

    def segment_caller(self, istio: IstioObjects, seg: IPRange | None) -> Caller:
        """How the sidecars see the external range ``seg`` (no identity, no sidecar)."""
        hit = self.segments.get(seg)
        if hit is None:
            hit = self.segments[seg] = Caller(False, frozenset(), segment_clauses(istio, seg))
        return hit

    def verdict(self, dest_key: object, dest: Destination, caller: Caller) -> MeshVerdict:
        """:func:`~reach.engine.meshrules.decide` for ``dest`` (of key ``dest_key``) and
        ``caller``, shared by the callers alike in the clauses of the destination's
        policies."""
        hit = self.verdicts.get((dest_key, caller))
        if hit is not None:
            return hit
        groups = self.grouped.get(caller)
        if groups is None:
            groups = self.grouped[caller] = _grouped(caller)
        key = (dest_key, caller.sidecar, *(groups.get(k) for k, _ in dest.policies))
        hit = self.decided.get(key)
        if hit is None:
            hit = self.decided[key] = decide(dest, caller)
        self.verdicts[(dest_key, caller)] = hit
        return hit

    def admitted(
        self, atoms: PortAtoms, l7: bool
    ) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
        """For ``atoms`` (and ``l7``: whether ports whose answer depends on L7 count as
        allowed), the id of what each destination profile admits of each caller profile,
        by their numbers, and of each decision's ports by its identity: tables the caller
        fills in (:meth:`reach.engine.meshlayer.MeshLayer.anding`), kept while the atoms
        are."""
        kept = self._admitted
        if kept is None or kept[0] is not atoms or kept[1] != l7:
            kept = self._admitted = (atoms, l7, {}, {})
        return kept[2], kept[3]

    def numbers(
        self, dest_keys: list[object], callers: list[Caller]
    ) -> tuple[list[int], list[int]]:
        """The numbers of the destination keys ``dest_keys`` and the caller profiles
        ``callers`` (new ones numbered here)."""
        dests, seen = self.dest_numbers, self.caller_numbers
        return (
            [dests.setdefault(k, len(dests)) for k in dest_keys],
            [seen.setdefault(c, len(seen)) for c in callers],
        )


def _grouped(caller: Caller) -> Grouped:
    """The caller's clause ids (with, without identity) by the policy they belong to."""
    out: dict[int, tuple[set[object], set[object]]] = {}
    for i, ids in enumerate((caller.with_identity, caller.without_identity)):
        for cid in ids:
            out.setdefault(cid[0], (set(), set()))[i].add(cid)
    return {k: (frozenset(a), frozenset(b)) for k, (a, b) in out.items()}
