"""The quick ways of an update of one object, tried in turn (docs/watch.md, "How an update
is computed"): a Pod (:mod:`reach.api.podupdate`), a NetworkPolicy or admin policy
(:mod:`reach.api.policyupdate`), a Calico policy (:mod:`reach.api.calicoupdate`), an Istio
AuthorizationPolicy or PeerAuthentication (:mod:`reach.api.meshupdate`), a workload
object whose pods a load expands (:mod:`reach.api.workloadupdate`), a
Namespace (:mod:`reach.api.namespaceupdate`), an entry point (:mod:`reach.api.entryupdate`),
an object of a kind the load passes over (:mod:`reach.api.ignoredupdate`) or only says it
did not evaluate (:mod:`reach.api.flaggedupdate`). The first update
has the process keep the memory it frees (:mod:`reach.freedmemory`)."""

from __future__ import annotations

from reach.analysis.compiled import Analysis
from reach.api.calicoupdate import calico_update
from reach.api.entryupdate import entry_update
from reach.api.flaggedupdate import flagged_update
from reach.api.ignoredupdate import ignored_update
from reach.api.meshupdate import mesh_update
from reach.api.movedupdate import Update
from reach.api.namespaceupdate import namespace_update
from reach.api.podupdate import pod_update
from reach.api.policyupdate import policy_update
from reach.api.workloadupdate import workload_update
from reach.freedmemory import keep_freed_memory
from reach.input.store import Identity, ObjectStore


def quick_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the object ``key`` changed in ``store`` (``old``: the store held
    it before), the change, and the nodes at granularity ``by`` on which it was compared;
    None when the object's change needs a load and a compilation."""
    keep_freed_memory()
    ways = (
        pod_update,
        workload_update,
        policy_update,
        calico_update,
        mesh_update,
        namespace_update,
        entry_update,
        ignored_update,
        flagged_update,
    )
    for way in ways:
        done = way(before, store, key, old, by)
        if done is not None:
            return done
    return None
