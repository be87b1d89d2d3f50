"""What keeps the pods a load expands from workload objects as they are when one pod or
one workload changes (``reach.input.loader``): a workload is expanded when no Pod object
is of it, after the Pod objects, and a pod whose name an earlier pod took is renamed
(``_distinct_names``). Every name a load may give or check for a workload's pods begins
with the workload's name, so names that do not begin one another cannot meet."""

from __future__ import annotations

import bisect

from reach.input.store import ObjectStore
from reach.model.cluster import Cluster, Pod, Workload

#: The API groups a workload kind is read in (``reach.input.kinds``): objects of the same
#: kind, namespace and name in two of them are one workload to a load.
GROUPS = ("", "apps", "extensions", "batch")


def given(cluster: Cluster, ns: str) -> list[Pod]:
    """The Pod objects of namespace ``ns`` (found by bisection among the sorted ones)."""
    pods, count = cluster.pods, cluster.pods_from_objects
    lo = bisect.bisect_left(pods, ns, hi=count, key=_namespace_of)
    return pods[lo : bisect.bisect_right(pods, ns, lo=lo, hi=count, key=_namespace_of)]


def _namespace_of(pod: Pod) -> str:
    return pod.namespace


def expanded_owners(cluster: Cluster, ns: str) -> set[str]:
    """The names of the workloads of namespace ``ns`` a load expanded."""
    count = cluster.pods_from_objects
    return {p.workload.name for p in cluster.pods[count:] if p.namespace == ns and p.workload}


def held_workload(store: ObjectStore, owner: Workload) -> bool:
    """Whether ``owner`` is a workload object of ``store`` (a Pod object of it stands for
    it: a load does not expand it)."""
    return any(store.holds((g, owner.kind, owner.namespace, owner.name)) for g in GROUPS)


def pods_apart(cluster: Cluster, store: ObjectStore, changed: list[Pod]) -> bool:
    """Whether Pod objects ``changed`` (of one namespace, before and after a change) come
    or go leaving the expanded pods as they are: none is of a workload object, and no
    name of them begins with the name of a workload expanded there."""
    if any(p.workload is not None and held_workload(store, p.workload) for p in changed):
        return False
    names = expanded_owners(cluster, changed[0].namespace) if changed else set()
    return not any(p.name.startswith(name) for p in changed for name in names)
