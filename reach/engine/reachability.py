"""Step 5 of compilation: pairs on demand, from each class's egress and ingress rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.atoms import Mask, PortAtoms
from reach.engine.calicostate import CalicoState
from reach.engine.calicotiers import CalicoTiers
from reach.engine.classes import KeyOf, LabelKey, Signature
from reach.engine.keyanswers import KeyAnswers
from reach.engine.meshlayer import MeshLayer
from reach.engine.meshstate import MeshState
from reach.engine.policystate import PolicyState
from reach.engine.rules import CompiledRule
from reach.errors import Diagnostic
from reach.model.cluster import Cluster, Pod
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet
from reach.model.pseudo import PseudoPeer


@dataclass(frozen=True)
class ClassKeys:
    """How pods are keyed into label classes, and the behaviour class of each key: a pod
    whose key is here belongs to that class without compiling anything again
    (:mod:`reach.engine.podmoves`)."""

    key_of: KeyOf
    #: The label class of each key, the key of each label class, and its behaviour class.
    label: dict[LabelKey, int]
    label_keys: list[LabelKey]
    behaviour: list[int]
    #: The least key of each behaviour class, which orders the behaviour classes.
    first_key: list[LabelKey]
    #: The behaviour class of each signature, and how to compute a new key's signature
    #: (None where the input has answers it does not compute).
    by_signature: Mapping[Signature, int]
    answers: KeyAnswers | None


@dataclass
class Reachability:
    """Allowed ports between classes, kept as two sides per class and computed per pair.

    Classes ``0..n_internal-1`` are pod behaviour classes; class ``n_internal + i``
    is external segment ``segments[i]``, and class ``first_pseudo + j`` the pseudo peer
    ``pseudo[j]`` (a Cilium entity or FQDN with no known addresses). Classes from
    ``n_internal`` on are the *external ends*: they have no side. Each side is a row of
    interned port-set ids (``atoms``) over all classes. Nothing of size classes² is kept: the
    allowed ports of a pair are the AND of its source's egress id and its
    destination's ingress id, one lookup in :meth:`and_table`, for the pairs asked
    for (:meth:`ids`, :meth:`pair_ids`). The ports of a class with itself are
    those between two *different* pods of the class.
    """

    cluster: Cluster
    pods: list[Pod]
    pod_class: IntVec
    segments: list[IPRange]
    atoms: PortAtoms
    #: Egress side: ``egress_rows[egress_group[s], d]`` is the id of what s's egress allows
    #: toward d.
    egress_rows: PortSetIds
    egress_group: IntVec
    #: Ingress side: ``ingress_rows[ingress_group[d], s]`` is the id of what d's ingress
    #: admits from s.
    ingress_rows: PortSetIds
    ingress_group: IntVec
    ingress_isolated: BoolVec
    egress_isolated: BoolVec
    n_internal: int
    ipv6: bool = False  # some ipBlock names an IPv6 CIDR
    #: Cilium peers with no counterpart among pods and addresses, after the segments.
    pseudo: list[PseudoPeer] = field(default_factory=list)
    rules: list[CompiledRule] = field(default_factory=list)
    #: Who each NetworkPolicy of ``cluster.policies`` selects (``policy_selected``): a
    #: matrix, or its rows (stacked when first read: an update moves rows, not a matrix).
    selected_matrix: BoolVec | None = None
    selected_rows: list[BoolVec] | None = None
    #: ``cilium_selected[i, c]``: policy ``cluster.cilium_policies[i]`` selects class c.
    cilium_selected: BoolVec = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Calico's tiers, when they decide (the rules are then in their tier order).
    calico: CalicoTiers | None = None
    #: Istio's sidecars (the mesh layer), when the input has Istio security objects.
    mesh: MeshLayer | None = None
    #: The behaviour class of every label class key (see :mod:`reach.engine.podmoves`).
    class_keys: ClassKeys | None = None
    #: The label class of each pod (numbered as ``class_keys``).
    pod_label_class: IntVec | None = None
    #: What changing a policy in place needs (None with Calico or Istio objects).
    policy_state: PolicyState | None = None
    #: What changing a Calico policy in place needs (with Calico's tiers, no Istio objects).
    calico_state: CalicoState | None = None
    #: What changing Istio's security objects in place needs (with Istio's mesh layer).
    mesh_state: MeshState | None = None
    #: The int masks of every id the sides hold (``atoms.values`` once the sides are built).
    _side_masks: list[int] = field(default_factory=list)
    #: The ids the sides hold, when not every id of ``_side_masks`` (after an update that
    #: computed rows again: ``and_table`` is only read between these).
    _side_ids: list[int] | None = None
    _and: PortSetIds | None = None

    @property
    def policy_selected(self) -> BoolVec:
        """``policy_selected[i, c]``: policy ``cluster.policies[i]`` selects class c."""
        if self.selected_matrix is None:
            rows = self.selected_rows or []
            self.selected_matrix = np.array(rows, dtype=bool).reshape(len(rows), self.n_internal)
        return self.selected_matrix

    @property
    def n_classes(self) -> int:
        return self.n_internal + len(self.segments) + len(self.pseudo)

    @property
    def first_pseudo(self) -> int:
        """The class of ``pseudo[0]``: the pseudo peers come after the segments."""
        return self.n_internal + len(self.segments)

    def segment_of(self, cls: int) -> IPRange | None:
        """The external segment of class ``cls`` (None for a pod class or a pseudo peer)."""
        k = cls - self.n_internal
        return self.segments[k] if 0 <= k < len(self.segments) else None

    def pseudo_of(self, cls: int) -> PseudoPeer | None:
        """The pseudo peer of class ``cls`` (None for any other class)."""
        k = cls - self.first_pseudo
        return self.pseudo[k] if 0 <= k < len(self.pseudo) else None

    # -- the allowed ports of class pairs, computed from the two sides on demand ------------
    def and_table(self) -> PortSetIds:
        """``table[e, i]``: the id of ``mask(e) & mask(i)`` for every pair of side ids."""
        if self._and is None:
            masks = self._side_masks
            table = np.empty((len(masks), len(masks)), dtype=np.int32)
            for e, egress in enumerate(masks):
                table[e] = [self.atoms.intern_int(egress & ingress) for ingress in masks]
            self._and = table
        return self._and

    def ids(self, src: IntVec | slice, dst: IntVec | slice) -> PortSetIds:
        """Port-set ids (``atoms.portsets``) of every pair ``src x dst``; 0 is nothing.

        Classes named more than once (the classes of many nodes: at 100k pods 42,835
        workloads hold 23,559 classes) are read once and the block spread to them, when
        that leaves under 70% of the pairs: 50 to 25 ms for a namespace's 89 workloads
        with every workload."""
        if isinstance(src, slice) or isinstance(dst, slice) or len(src) * len(dst) <= _MANY:
            return self._ids(src, dst)
        rows, row_at = np.unique(np.asarray(src), return_inverse=True)
        cols, col_at = np.unique(np.asarray(dst), return_inverse=True)
        if len(rows) * len(cols) >= 0.7 * len(src) * len(dst):
            return self._ids(src, dst)
        out: PortSetIds = self._ids(rows, cols)[np.ix_(row_at.reshape(-1), col_at.reshape(-1))]
        return out

    def _ids(self, src: IntVec | slice, dst: IntVec | slice) -> PortSetIds:
        """:meth:`ids`, each pair read."""
        sources = np.arange(self.n_classes)[src] if isinstance(src, slice) else np.asarray(src)
        dests = np.arange(self.n_classes)[dst] if isinstance(dst, slice) else np.asarray(dst)
        table = self.and_table()
        egress = _rows(self.egress_rows, self.egress_group[sources], dst)
        ingress = _rows(self.ingress_rows, self.ingress_group[dests], src).T
        egress *= len(table)  # a fresh copy: index the flattened table in place
        egress += ingress
        out: PortSetIds = np.take(table.ravel(), egress)
        n = self.n_internal
        out[np.ix_(sources >= n, dests >= n)] = 0  # external to external is not ours to judge
        return out

    def pair_ids(self, src: IntVec, dst: IntVec) -> PortSetIds:
        """Port-set ids of the pairs ``(src[k], dst[k])`` (element by element)."""
        table = self.and_table()
        out: PortSetIds = table[
            self.egress_rows[self.egress_group[src], dst],
            self.ingress_rows[self.ingress_group[dst], src],
        ]
        out[(src >= self.n_internal) & (dst >= self.n_internal)] = 0
        return out

    def block(self, src: IntVec | slice, dst: IntVec | slice) -> Mask:
        """Port masks ``(len(src), len(dst), W)`` of every pair."""
        ids = self.ids(src, dst)  # the first call interns the pair results: before the table
        return self.atoms.table[ids]

    def ports(self, src: int, dst: int) -> PortSet:
        """The allowed ports from class ``src`` to class ``dst``."""
        return self.atoms.portsets[int(self.ids(np.array([src]), np.array([dst]))[0, 0])]


#: Pairs above which :meth:`Reachability.ids` reads each class named more than once once.
_MANY = 1 << 16


def _rows(table: PortSetIds, rows: IntVec, cols: IntVec | slice) -> PortSetIds:
    """``table[rows][:, cols]`` as one fresh array; a slice of columns copies contiguous runs."""
    if isinstance(cols, slice):
        out: PortSetIds = table[rows, cols]
        return out
    picked: PortSetIds = table[np.ix_(rows, np.asarray(cols))]
    return picked
