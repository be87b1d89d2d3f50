"""The quick way of an update of one entry-point object: a Service, an Ingress, a Route or
a Gateway API object (Gateway, HTTPRoute, ReferenceGrant, ...).

Entry points say how traffic arrives from outside (``reach exposure``, ``list
--exposure``); they allow or deny no connection between pods and addresses, so when the
compilation does not read them (no Cilium rule names Services in ``toServices``, no
Calico rule in ``services``; no Istio object) the reachability stays as it is (the Cilium
matcher and the per-key answers take the new Services, which a policy that names them
later reads). The entry points are read again from the store, as a load reads them
(:func:`reach.input.entrypoints.read_entries`), and the diagnostics that reading made are
replaced by the new reading's; the connectivity change (``reach diff``) is empty.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from reach.analysis.compiled import Analysis
from reach.api.movedupdate import Update, moved_update
from reach.engine.keyanswers import names_services
from reach.engine.meshmoves import mesh_moved
from reach.engine.moves import rows_kept
from reach.engine.reachability import Reachability
from reach.errors import Diagnostics
from reach.gcpause import without_gc
from reach.input.canonical import replaced, sort_entries
from reach.input.entrypoints import ENTRY_POINT_KINDS, read_entries
from reach.input.loader import is_entry, report_invalid
from reach.input.store import Identity, ObjectStore
from reach.model.cluster import Cluster
from reach.model.gateway import GatewayAPI


@without_gc
def entry_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the entry-point object ``key`` changed in ``store``, the change
    (empty; beside Istio's mesh layer, which reads Services, that of the mesh layer built
    again: :mod:`reach.engine.meshmoves`) and the nodes it was compared on; None when the
    quick way does not apply: the compilation reads entry points otherwise (Cilium's
    ``toServices``, Calico's services, the mesh beside Cilium or Calico policies), a load
    reported an invalid object (its errors are not kept apart), or the object is not one a
    load reads as an entry point."""
    _, kind, _, _ = key
    cluster, x = before.cluster, before.reachability
    if kind not in ENTRY_POINT_KINDS or (x.policy_state is None and x.calico_state is None):
        return None
    if _to_services(cluster):
        return None
    if cluster.istio and (x.mesh_state is None or cluster.cilium_policies or cluster.calico):
        return None  # beside the mesh layer alone: it reads the Services
    if cluster.calico and (x.calico_state is None or _calico_services(cluster)):
        return None
    if any(d.code == "skipped-invalid" for d in cluster.diagnostics):
        return None
    raw = store.get(key)
    if raw is not None and not is_entry(raw):
        return None
    after_cluster = _entries_again(cluster, store)
    if after_cluster is None:
        return None
    if cluster.istio:  # the mesh layer built again (plain-TCP ports, registry hosts)
        return moved_update(before, after_cluster, mesh_moved(x, after_cluster, True), by)
    return moved_update(before, after_cluster, rows_kept(_with(x, after_cluster)), by)


def _to_services(cluster: Cluster) -> bool:
    """Whether a Cilium rule names Services (``toServices``): the compilation reads them."""
    return any(rule.services for policy in cluster.cilium_policies for rule in policy.rules)


def _calico_services(cluster: Cluster) -> bool:
    """Whether a Calico policy or profile has an end of Services: the tiers read them."""
    calico = cluster.calico
    return any(names_services(p) for p in (*calico.policies, *calico.profiles.values()))


def _with(x: Reachability, cluster: Cluster) -> Reachability:
    """``x`` for ``cluster``, whose entry points are others: the Cilium matcher and the
    answers per key read its Services; beside Calico's tiers, the projections of pods'
    keys read every Service's selector (``KeyAnswers.with_calico_services``) and the
    Calico matcher is made again when next needed (its Services are others)."""
    state, keys = x.policy_state, x.class_keys
    if keys is None or keys.answers is None:
        return replace(x, cluster=cluster)
    if x.calico_state is not None:
        answers = keys.answers.with_calico_services(tuple(cluster.services))
        return replace(x, cluster=cluster, class_keys=replace(keys, answers=answers))
    if not cluster.cilium_policies or state is None:
        return replace(x, cluster=cluster)
    services = cluster.services
    return replace(
        x,
        cluster=cluster,
        policy_state=replace(state, matcher=state.matcher.with_services(services)),
        class_keys=replace(keys, answers=replace(keys.answers, services=services)),
    )


def _entries_again(cluster: Cluster, store: ObjectStore) -> Cluster | None:
    """``cluster`` with its entry points read again from ``store``, and the diagnostics of
    that reading in place of the last one's; None when an entry point is invalid (a load
    reports it)."""
    after = copy.copy(cluster)
    after.services, after.routes, after.gateway_api = [], [], GatewayAPI()
    diag = Diagnostics()
    read_entries(after, (raw for raw in store.raws() if is_entry(raw)), diag, report_invalid)
    if diag.errors:
        return None
    sort_entries(after)
    after.diagnostics = replaced(
        cluster.diagnostics, cluster.entry_diagnostics, after.entry_diagnostics
    )
    return after
