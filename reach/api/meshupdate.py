"""The quick way of an update that adds, replaces or deletes one Istio AuthorizationPolicy
or PeerAuthentication (``security.istio.io``), Sidecar or ServiceEntry
(``networking.istio.io``: what each pod's proxy forwards under REGISTRY_ONLY, and the
registry hosts that reach it) beside a compilation with the mesh layer; without a mesh
layer before or after (no security object, no REGISTRY_ONLY Sidecar), a Sidecar or
ServiceEntry decides nothing, and only Istio's diagnostics of it are said again.

The cluster's Istio objects are read again from the store, as a load reads them (each
parsed, then in name order by sort), and the diagnostics a load makes of them
(``istio_diagnostics``: every one has an ``istio-`` code) replace the old ones; the mesh
layer is built again over the classes kept and ANDed into the ingress rows before it
(:mod:`reach.engine.meshmoves`). Where a load may read otherwise (an invalid or
deprecated object, skipped invalid objects before) or the compilation's frame changes,
:func:`mesh_update` returns None and the caller loads and compiles.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from reach.analysis.compiled import Analysis
from reach.api.movedupdate import Update, moved_update
from reach.api.reread import read_again
from reach.engine.meshmoves import mesh_moved
from reach.engine.moves import Move
from reach.engine.rowsdiffer import ends_differ
from reach.errors import Diagnostics
from reach.gcpause import without_gc
from reach.input.canonical import replaced
from reach.input.istio import ISTIO_KINDS, IstioRead, assembled, read_istio
from reach.input.istiodiag import istio_diagnostics
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore
from reach.model.calico import CALICO_GROUPS
from reach.model.cluster import Cluster

#: The Istio kinds this quick way reads a change of, and their API group.
MESH_KINDS = ("AuthorizationPolicy", "PeerAuthentication")
MESH_GROUP = "security.istio.io"
#: The Istio networking kinds it reads a change of (the mesh reads them of every pod).
NETWORKING_KINDS = ("Sidecar", "ServiceEntry")
NETWORKING_GROUP = "networking.istio.io"


@without_gc
def mesh_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the Istio security or networking object ``key`` changed in
    ``store`` (``old``: the store held it before), the change, and the ids of the nodes at
    granularity ``by`` that hold a class whose ingress changed; None when the quick way
    does not apply (see the module doc)."""
    group, kind = key[0], key[1]
    cluster, x = before.cluster, before.reachability
    security = group == MESH_GROUP and kind in MESH_KINDS
    networking = group == NETWORKING_GROUP and kind in NETWORKING_KINDS
    if not (security or networking):
        return None
    if any(d.code == "skipped-invalid" for d in cluster.diagnostics):
        return None
    if x.mesh_state is None:
        return _no_mesh(before, store, by) if networking and x.mesh is None else None
    after = _istio_again(cluster, store)
    if after is None:
        return None
    move = mesh_moved(x, after)
    also = _ends_changed(before, move, by) if networking and move is not None else frozenset()
    return moved_update(before, after, move, by, also=also)


def _ends_changed(before: Analysis, move: Move, by: str) -> frozenset[str]:
    """The end nodes (address ranges, network sets, pseudo peers) at granularity ``by``
    when the ingress row of an external end changed: what the sources' proxies forward to
    addresses (a Sidecar or ServiceEntry changes it; the classes whose rows changed are
    the behaviour classes only). Classes parted again count as changed every one."""
    x, y = before.reachability, move.x
    if y.n_internal != x.n_internal or y.n_classes != x.n_classes or not ends_differ(x, y):
        return frozenset()
    view = before.view(by)
    return frozenset(node.id for node in view.nodes[view.n_internal :])


def _no_mesh(before: Analysis, store: ObjectStore, by: str) -> Update | None:
    """A Sidecar or ServiceEntry changed where there is no mesh layer before or after (no
    security object, no REGISTRY_ONLY Sidecar): they decide nothing then, and only what
    Istio's diagnostics say of them changes; None when a mesh layer comes."""
    cluster, x = before.cluster, before.reachability
    after = _istio_again(cluster, store)
    if after is None or cluster.istio or after.istio:
        return None
    unchanged = Move(replace(x, cluster=after), np.zeros(x.n_internal, dtype=bool), [], None)
    return moved_update(before, after, unchanged, by)


def _istio_again(cluster: Cluster, store: ObjectStore) -> Cluster | None:
    """``cluster`` with its Istio objects read again from ``store`` and Istio's diagnostics
    said again; None where a load may read otherwise."""
    objects = read_again(store, _wanted, _parsed, "istio")
    if objects is None:
        return None
    after = copy.copy(cluster)
    after.istio = assembled(objects)
    said = Diagnostics()  # Istio's diagnostics (every one has an ``istio-`` code)
    istio_diagnostics(after, said)
    gone = [d for d in cluster.diagnostics if d.code.startswith("istio-")]
    after.diagnostics = replaced(cluster.diagnostics, gone, said.notes)
    return after


def _wanted(group: str, kind: str) -> bool:
    return kind in ISTIO_KINDS and group not in CALICO_GROUPS


def _parsed(raw: RawObject, kind: str) -> tuple[tuple[str, str, str], IstioRead]:
    obj = read_istio(raw.obj, kind, raw.origin, raw.origin + raw.path)
    return (kind, obj.namespace, obj.name), obj
