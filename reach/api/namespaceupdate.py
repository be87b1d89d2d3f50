"""The quick way of an update that relabels one Namespace object.

The answers of namespace selectors are asked again and the rows of the classes whose
policies answer otherwise are computed again (:mod:`reach.engine.namespacemoves`); the
views keep their nodes and classes (the namespace's own node takes its new labels), and the
change is compared on the nodes that hold one of those classes only. Where a condition
does not hold, :func:`namespace_update` returns None and the caller loads and compiles
(docs/watch.md, "How an update is computed").
"""

from __future__ import annotations

import copy

from reach.analysis.compiled import Analysis
from reach.api.entryupdate import entries_again
from reach.api.movedupdate import Update, moved_update, moves_in_turn
from reach.engine.calicomesh import stashed, with_calico
from reach.engine.calicoplan import calico_evaluated
from reach.engine.calicorelabel import calico_namespace_moved
from reach.engine.meshmoves import mesh_moved
from reach.engine.moves import Move, rows_kept
from reach.engine.namespacemoves import namespace_moved
from reach.engine.namespacesets import namespaces_moved
from reach.engine.reachability import Reachability
from reach.errors import FieldError
from reach.gcpause import without_gc
from reach.input.entrypoints import ENTRY_POINT_KINDS
from reach.input.files import cluster_scoped
from reach.input.loader import parse_namespace
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore
from reach.model.cluster import Cluster, Namespace
from reach.model.istio import INJECTION_LABEL, REVISION_LABEL

NAMESPACE = ("", "Namespace")


@without_gc
def namespace_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the Namespace object ``key`` was relabelled, added or deleted
    (``old``: the store held it before), the change, and the ids of the nodes at
    granularity ``by`` on which the change was compared; None when the quick way does not
    apply (Istio objects in the input but those of the mesh layer; Calico objects the compilation
    reads apart from its tiers; a namespace deleted that objects are still in but none a
    load implies it of, entry points aside). A namespace a load implies (its pods or
    policies are in it) is relabelled when its object comes, and relabelled to its name
    alone when it goes."""
    group, kind, _, name = key
    cluster, x = before.cluster, before.reachability
    if (group, kind) != NAMESPACE:
        return None
    if cluster.istio and x.mesh_state is None:
        return None
    if calico_evaluated(cluster):  # (beside the mesh layer its state keeps Calico's)
        found = with_calico(x)
        if found is None:
            return None  # Calico objects the compilation reads apart from its tiers
        x = found
    raw = store.get(key)
    namespace = _parsed(raw, name) if raw is not None else None
    if raw is not None and namespace is None:
        return None
    if old and (name not in cluster.namespaces or not cluster.namespaces[name].origin):
        return None  # held but not read (invalid; implied by what is in it): the load says why
    if raw is None and old and implied(cluster, name):  # what a load implies of it
        namespace = Namespace.implied(name)
    after_cluster: Cluster | None
    if namespace is not None and name in cluster.namespaces:  # relabelled (or implied)
        after_cluster = copy.copy(cluster)
        after_cluster.namespaces = {**cluster.namespaces, name: namespace}
        if not _routes_said_again(after_cluster, store):
            return None
        if _injection(cluster, namespace, name):  # the policies' answers, then the mesh's
            steps = [
                (after_cluster, lambda x: _relabelled(x, after_cluster, name)),
                (after_cluster, lambda x: mesh_moved(x, after_cluster, True)),
            ]
            return moves_in_turn(before, steps, by, relabelled=name)
        if x.calico_state is not None:
            moved = calico_namespace_moved(x, after_cluster, name)
        else:
            moved = namespace_moved(x, after_cluster, name)
    else:  # added or deleted: no pod is in it
        after_cluster = _with_or_without(cluster, store, name, namespace)
        if after_cluster is not None and not _routes_said_again(after_cluster, store):
            return None
        spaced = namespaces_moved(x, after_cluster) if after_cluster else None
        moved = rows_kept(stashed(spaced)) if spaced else None
    if after_cluster is None:
        return None
    return moved_update(before, after_cluster, moved, by, relabelled=name)


def _relabelled(x: Reachability, cluster: Cluster, name: str) -> Move | None:
    """The policies' answers to namespace ``name``'s new labels: Calico's way beside
    Calico's tiers (beside the mesh layer with the Calico state its mesh state keeps),
    else the other kinds'."""
    if calico_evaluated(cluster):
        return calico_namespace_moved(x, cluster, name)
    return namespace_moved(x, cluster, name)


def _routes_said_again(after: Cluster, store: ObjectStore) -> bool:
    """Say again what is said of Gateway API routes (``after.entry_diagnostics``), in
    ``after``, where a listener admits routes of namespaces by their labels
    (``allowedRoutes.namespaces.from: Selector``: ``attachment.refusal`` reads the
    namespaces); False when a load may read the entry points otherwise."""
    listeners = (lst for gw in after.gateway_api.gateways for lst in gw.listeners)
    if not any(lst.namespaces_from == "Selector" for lst in listeners):
        return True
    said = entries_again(after, store)
    if said is None:
        return False
    after.entry_diagnostics, after.diagnostics = said.entry_diagnostics, said.diagnostics
    return True


def implied(cluster: Cluster, name: str) -> bool:
    """Whether a load of the cluster without the Namespace object ``name`` still has the
    namespace, labelled with its name only: some pod, NetworkPolicy, Cilium policy or
    Calico policy or network set is in it (``reach.input.loader``)."""
    calico = cluster.calico
    return any(
        o.namespace == name
        for objects in (
            cluster.pods,
            cluster.policies,
            cluster.cilium_policies,
            calico.policies,
            calico.network_sets,
        )
        for o in objects
    )


def _injection(cluster: Cluster, namespace: Namespace, name: str) -> bool:
    """Whether the relabel changes sidecar injection beside Istio's mesh layer (the labels
    ``istio-injection`` and ``istio.io/rev``: the mesh's features of every pod there)."""
    if not cluster.istio:
        return False
    before, after = cluster.namespaces[name].label_map, namespace.label_map
    return any(before.get(k) != after.get(k) for k in (INJECTION_LABEL, REVISION_LABEL))


def _parsed(raw: RawObject, name: str) -> Namespace | None:
    """The namespace of ``raw`` as the loader reads it; None when it may read otherwise."""
    if raw.obj.get("apiVersion") != "v1":
        return None
    try:
        namespace = parse_namespace(raw, raw.origin + raw.path)
    except FieldError:
        return None  # the load says why
    return namespace if namespace.name == name else None


def _with_or_without(
    cluster: Cluster, store: ObjectStore, name: str, namespace: Namespace | None
) -> Cluster | None:
    """The cluster with the namespace added (``namespace``) or deleted (None), its
    namespaces in name order as a load sorts them; None when a load may read otherwise:
    the name was known before it was added, or objects are still in it when deleted
    (entry points aside: a load makes no namespace of them; cluster-scoped objects, which
    the store keeps in the default namespace, are in none)."""
    if namespace is None and (
        name not in cluster.namespaces
        or not {k for k in store.kinds_in(name) if not cluster_scoped(k)}
        <= ENTRY_POINT_KINDS.keys()
    ):
        return None
    if namespace is not None and name in cluster.namespaces:
        return None
    after = copy.copy(cluster)
    after.namespaces = namespaces_with(cluster, name, namespace)
    return after


def namespace_made(cluster: Cluster, store: ObjectStore, name: str) -> Cluster:
    """``cluster`` with the namespace ``name`` as a load makes it: declared by a
    Namespace object (kept as it is), or made of the pods, policies and network sets in
    it (added with its name alone, or taken out when nothing is left)."""
    if store.declares(name):
        return cluster
    if implied(cluster, name) == (name in cluster.namespaces):
        return cluster
    namespace = Namespace.implied(name) if name not in cluster.namespaces else None
    return with_namespaces(cluster, namespaces_with(cluster, name, namespace))


def with_namespaces(cluster: Cluster, namespaces: dict[str, Namespace]) -> Cluster:
    """``cluster`` with those namespaces (a copy; the other objects shared)."""
    out = copy.copy(cluster)
    out.namespaces = namespaces
    return out


def namespaces_with(
    cluster: Cluster, name: str, namespace: Namespace | None
) -> dict[str, Namespace]:
    """The cluster's namespaces with ``namespace`` added as ``name``, or ``name`` deleted
    (None), in name order as a load sorts them."""
    if namespace is None:
        return {n: ns for n, ns in cluster.namespaces.items() if n != name}
    return dict(sorted({**cluster.namespaces, name: namespace}.items()))
