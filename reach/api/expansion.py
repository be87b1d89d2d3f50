"""Whether the pods a load expands from workload objects stay as they are when one Pod
object or one workload object changes (``reach.input.loader``): a workload is expanded
when no Pod object is of it, after the Pod objects, workload by workload, its pods named
as the workload (one replica) or ``<name>-<i>``; a pod whose name an earlier pod took is
renamed (:func:`reach.input.loader.distinct_names`). The names a load gives the expanded
pods of a namespace are found again here from the names of its Pod objects and the
template names of its workloads' pods, so that an update can tell whether they change."""

from __future__ import annotations

import bisect
from dataclasses import replace
from itertools import groupby

from reach.input.kinds import KINDS
from reach.input.loader import distinct_names
from reach.input.store import ObjectStore
from reach.input.workloads import WORKLOAD_KINDS, replica_names
from reach.model.cluster import Cluster, Pod, Workload

#: The API groups a workload kind is read in (``reach.input.kinds``): objects of the same
#: kind, namespace and name in two of them are one workload to a load.
GROUPS = tuple(sorted({k.group for k in KINDS if k.kind in WORKLOAD_KINDS}))


def expanded_span(cluster: Cluster, ns: str) -> tuple[int, int]:
    """Where the pods a load expanded from the workloads of namespace ``ns`` are among the
    cluster's pods (found by bisection: a load expands the workloads in the order of
    their namespace, name and kind, and an update puts a workload's pods at its place)."""
    pods, count = cluster.pods, cluster.pods_from_objects
    lo = bisect.bisect_left(pods, ns, lo=count, key=_namespace_of)
    return lo, bisect.bisect_right(pods, ns, lo=lo, key=_namespace_of)


def _namespace_of(pod: Pod) -> str:
    return pod.namespace


def expanded(cluster: Cluster, ns: str) -> list[Pod]:
    """The pods a load expanded from the workloads of namespace ``ns``, in its order."""
    lo, hi = expanded_span(cluster, ns)
    return cluster.pods[lo:hi]


def template_named(pods: list[Pod]) -> list[Pod]:
    """Expanded pods (runs of one workload each, in order) named as their workload's
    template names them: the workload's name for one pod, else ``<name>-<i>``."""
    out: list[Pod] = []
    for owner, run in groupby(pods, key=lambda p: p.workload):
        assert owner is not None, "expanded pods have their workload"
        of = list(run)
        names = replica_names(owner.name, len(of))
        out += [replace(p, name=name) for p, name in zip(of, names, strict=True)]
    return out


def named(objects: list[Pod], templated: list[Pod]) -> list[Pod]:
    """The pods ``templated`` (expanded, named as their templates name them, in a load's
    order) named as a load names them after the Pod objects ``objects`` of their
    namespace."""
    return distinct_names([*objects, *templated])[len(objects) :]


def held_workload(store: ObjectStore, owner: Workload) -> bool:
    """Whether ``owner`` is a workload object of ``store`` (a Pod object of it stands for
    it: a load does not expand it)."""
    return any(store.holds((g, owner.kind, owner.namespace, owner.name)) for g in GROUPS)


def pods_apart(cluster: Cluster, store: ObjectStore, changed: list[Pod], after: list[Pod]) -> bool:
    """Whether Pod objects ``changed`` (of one namespace, before and after a change; its
    Pod objects are ``after`` then) come or go leaving the expanded pods as they are: none
    is of a workload object, and the expanded pods of the namespace keep their names."""
    if any(p.workload is not None and held_workload(store, p.workload) for p in changed):
        return False
    now = expanded(cluster, changed[0].namespace)
    return named(after, template_named(now)) == now
