"""Istio's AuthorizationPolicies and PeerAuthentications (and Sidecars, ServiceEntries)
changed in place.

The mesh's answer is ANDed into the ingress rows after NetworkPolicies (and Cilium's and
Calico's rules) gave them (:meth:`MeshLayer.ingress`): a compilation with the mesh layer
keeps those rows (:class:`~reach.engine.meshstate.MeshState`), so a change of Istio's
security objects builds the mesh layer again over the label classes kept (each stands
for its pods by the pod the compilation saw first: a label class key holds all the mesh
reads of a pod) and ANDs it into the same rows; the classes whose ingress rows changed
are those the change is compared on. That holds while the change leaves the
compilation's frame as it was:

- the ipBlocks the sources name are the same, in the same order (they key label classes
  and cut the address segments), and so are the addresses under REGISTRY_ONLY;
- the ports the policies name cut the port atoms at no new point, or the atoms are cut
  again first (:mod:`reach.engine.portcuts`).

Beside Calico's tiers the atoms are cut, and the classes parted again, in the Calico
state the mesh state keeps (:mod:`reach.engine.calicomesh`), while it holds.

Where the frame changes, :func:`mesh_moved` returns None and the caller compiles. Where
the label classes that have pods part otherwise by the mesh's new answers and every
other answer (classes split or merge), the classes are parted again
(:mod:`reach.engine.meshsplits`). Label classes with no pod left are taken out of the
class keys (a pod of their key loads again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.calicomesh import stashed, with_calico
from reach.engine.calicostate import CalicoState
from reach.engine.classmoves import GONE
from reach.engine.forgotten import classes_without
from reach.engine.meshagain import features_again
from reach.engine.meshands import Ands
from reach.engine.meshcuts import port_sets
from reach.engine.meshfeatures import FeatureReader
from reach.engine.meshlayer import MeshLayer, blocks
from reach.engine.meshsplits import reparted
from reach.engine.moves import Move
from reach.engine.portcuts import with_cuts
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import side_tables
from reach.model.backends import selects
from reach.model.cluster import Cluster, Pod
from reach.model.services import Service


def mesh_moved(
    x: Reachability,
    cluster: Cluster,
    services: bool = False,
    changed_services: Sequence[Service] | None = None,
) -> Move | None:
    """``x`` for ``cluster``, which differs from ``x.cluster`` in its Istio
    AuthorizationPolicies, PeerAuthentications, Sidecars and ServiceEntries only (the
    last two change every label class's features: ``meshagain.features_again``;
    ``services``: or in its entry points, Services among them, which the mesh reads of
    every pod; ``changed_services``: the Services that changed, before and after, when they alone
    did: only the pods they select are read again), with the classes whose ingress
    changed; None when that needs a compilation (see the module doc)."""
    state, keys, mesh = x.mesh_state, x.class_keys, x.mesh
    if state is None or keys is None or mesh is None or x.pod_label_class is None:
        return None
    if not cluster.istio or not _same_frame(x, cluster):
        return None
    # beside Calico's tiers with the Calico state the mesh state keeps, while it holds:
    # the port atoms are cut in it too, and classes parted again over it
    cut = with_cuts(with_calico(x) or x, port_sets(cluster))
    if cut is None:  # (ports no rule cut at: the atoms cut again)
        return None
    moved = _classes_moved(cut, cluster, services, changed_services)
    return replace(moved, x=stashed(moved.x)) if moved is not None else None


def _classes_moved(
    x: Reachability,
    cluster: Cluster,
    services: bool,
    changed_services: Sequence[Service] | None,
) -> Move | None:
    """:func:`mesh_moved` over ``x`` with its atoms cut (and beside Calico's tiers with
    the Calico state as its own)."""
    state, keys, mesh = x.mesh_state, x.class_keys, x.mesh
    assert state is not None and keys is not None and mesh is not None
    assert x.pod_label_class is not None
    n_label = len(keys.label_keys)
    after = MeshLayer(cluster, mesh.l7)
    if len(mesh.features) != n_label:
        return None
    if services:  # the ports each pod's Services lead to: those pods' features again
        read = FeatureReader(cluster, after.class_key)
        after.features = [
            read(f.pod) if _reads(changed_services, f.pod) else f for f in mesh.features
        ]
    else:
        after.features = features_again(mesh, after)
    live = np.zeros(n_label, dtype=bool)
    live[x.pod_label_class] = True
    others = state.label_code(keys.behaviour)
    if not _same_classes(keys, live, others, after.codes()):
        return reparted(x, cluster, live, others, after)
    after.in_classes(mesh.first_of(keys.label, keys.first_key), x.segments, len(x.pseudo))
    after.read_from = (keys.label, keys.first_key)
    made = (state.ands, x.ingress_rows)
    rows, row_of, ands, fresh = after.ingress(state.rows, state.row_of, x.atoms, made)
    changed = _changed(x, state.ands, ands, row_of)
    masks, ids, table = side_tables(x, fresh or set())
    behaviour = [c if live[i] else GONE for i, c in enumerate(keys.behaviour)]
    moved = replace(
        x,
        cluster=cluster,
        mesh=after,
        ingress_rows=rows,
        ingress_group=row_of,
        calico_state=_calico_without(x, keys, live),
        class_keys=replace(keys, behaviour=behaviour),
        mesh_state=replace(state, ands=ands),
        _side_masks=masks,
        _side_ids=ids,
        _and=table,
    )
    return Move(moved, changed, [], None)


def _calico_without(x: Reachability, keys: ClassKeys, live: BoolVec) -> CalicoState | None:
    """``x``'s Calico state (its own, or the mesh state's given back) with the label
    classes with no pod in no class, as the keys have them after (so it holds for them:
    :func:`reach.engine.calicomesh.with_calico`); None without one, or when a class has
    no other compiled label class (the next update that needs it loads)."""
    state = x.calico_state
    if state is None:
        return None
    gone = [i for i, c in enumerate(keys.behaviour) if not live[i] and c != GONE]
    after = classes_without(state, gone) if gone else state
    return after if isinstance(after, CalicoState) else None


def _reads(services: Sequence[Service] | None, pod: Pod) -> bool:
    """Whether the features of ``pod`` are read again when ``services`` changed (None:
    every pod's are)."""
    return services is None or any(selects(s, pod) for s in services)


def _same_frame(x: Reachability, cluster: Cluster) -> bool:
    """Whether the label class keys and address segments of ``x`` stand for ``cluster``'s
    Istio objects (see the module doc)."""
    old, new = x.cluster.istio, cluster.istio
    if old.registry_only != new.registry_only:
        return False
    return [str(b.cidr) for b in blocks(old)] == [str(b.cidr) for b in blocks(new)]


def _same_classes(keys: ClassKeys, live: BoolVec, others: IntVec, mesh: IntVec) -> bool:
    """Whether the label classes with pods part into the behaviour classes of ``keys`` by
    their answers but the mesh's (``others``) and the mesh's new ones (``mesh``)."""
    by_class: dict[int, tuple[int, int]] = {}
    by_answers: dict[tuple[int, int], int] = {}
    for label in np.flatnonzero(live).tolist():
        cls, answers = keys.behaviour[label], (int(others[label]), int(mesh[label]))
        if by_class.setdefault(cls, answers) != answers:
            return False  # the class splits
        if by_answers.setdefault(answers, cls) != cls:
            return False  # two classes merge
    return True


def _changed(x: Reachability, before: Ands, after: Ands, row_of: IntVec) -> BoolVec:
    """The classes whose ingress rows may have changed: those whose row was made of
    another row, mesh answer or proxy's answer than before (``before`` and ``after`` are
    keyed so, in the order of the rows)."""
    n = x.n_internal
    old, new = list(before), list(after)
    if len(old) != len(x.ingress_rows):
        return np.ones(n, dtype=bool)  # rows not made by the mesh layer: say every class
    was = [old[r] for r in x.ingress_group[:n].tolist()]
    changed: BoolVec = np.array(
        [a != new[r] for a, r in zip(was, row_of[:n].tolist(), strict=True)], dtype=bool
    )
    return changed
