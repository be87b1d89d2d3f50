"""The quick way of an update that adds, replaces or deletes one workload object
(Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob)
whose pods a load expands from its template: a manifest's workload, no pod of it given.

A load puts the pods it expands after the Pod objects, workload by workload in the order
of their namespace, name and kind, and renames a pod whose name an earlier pod took
(``reach.input.loader``). So the workload's pods hold one run of places: when the names
a load gives the other expanded pods of its namespace stay as they are
(:mod:`reach.api.expansion`), the update is its old pods replaced by its new ones (named
as a load names them) place by place, then the new ones left over put in or the old ones
left over taken out, each a step of the pod quick way
(:func:`reach.api.podupdate.pods_read_moved`). Where a condition does not hold (a pod of
the workload given, another pod renamed, a deprecated API version, replicas over reach's
limit, its namespace made or dropped by the change, more pods to move than
:func:`_most_steps`), :func:`workload_update` returns None and the caller loads.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from functools import partial

from reach.analysis.compiled import Analysis
from reach.analysis.diff import diff
from reach.api.expansion import GROUPS, expanded, expanded_span, named, template_named
from reach.api.movedupdate import Taken, Update
from reach.api.namespaceupdate import implied
from reach.api.podupdate import PodsRead, pods_read_moved, with_pods
from reach.errors import FieldError
from reach.gcpause import without_gc
from reach.input.kinds import read_quietly
from reach.input.limits import MAX_REPLICAS
from reach.input.store import Identity, ObjectStore
from reach.input.workloads import WORKLOAD_KINDS, expand_workload
from reach.model.cluster import Cluster, Pod, Workload

#: The most pods a workload update moves one by one: one in :data:`PODS_PER_STEP` of the
#: cluster's pods, and at least :data:`MOST_STEPS_AT_LEAST`; over it, a load. A replica
#: joining its class took about 1 ms at 10k pods as manifests (64 replicas added in 72
#: ms, a load 1.9 s) and 14 ms at 100k (256 in 3.7 s, a load 38 s): a step costs about
#: what a load costs per 2,000 pods.
MOST_STEPS_AT_LEAST = 16
PODS_PER_STEP = 20

#: Reads the pods of a cluster after one step.
ReadOf = Callable[[Cluster], PodsRead]


@without_gc  # as the pod quick way: it allocates a list per node
def workload_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the workload object ``key`` changed in ``store`` (applied, or
    deleted when the store no longer holds it; ``old``: the store held it before), the
    change, and the ids of the nodes at granularity ``by`` some step changed; None when
    the quick way does not apply."""
    group, kind, ns, name = key
    if kind not in WORKLOAD_KINDS:
        return None
    cluster = before.cluster
    new_pods = _expanded(store, key)
    run = _run(cluster, Workload(ns, name, kind))  # where its pods are, and how many
    if new_pods is None or run is None or (old and not run[1]) or (not old and run[1]):
        return None  # (held but expanded to no pod: a pod of it given, or invalid)
    start, count = run if old else (_place(cluster, (ns, name, kind)), 0)
    if old and _said_deprecated(cluster, kind, cluster.pods[start].origin):
        return None  # the load said its old version is deprecated: said no more after
    if max(count, len(new_pods)) > _most_steps(cluster):
        return None
    if not _apart(cluster, store, key, new_pods):
        return None
    named = _named(cluster, ns, start, count, new_pods)  # as a load names them
    if named is None:
        return None
    done = _in_steps(before, start, count, named, by)
    if done is None:
        return None
    after, among, ends = done
    return Update(after, diff(before, after, by, "before", "after", among=among), among | ends)


def _most_steps(cluster: Cluster) -> int:
    """The most pods a workload update of ``cluster`` moves one by one."""
    return max(MOST_STEPS_AT_LEAST, len(cluster.pods) // PODS_PER_STEP)


def _expanded(store: ObjectStore, key: Identity) -> list[Pod] | None:
    """The pods a load expands the workload object ``key`` of ``store`` to (none when it
    is deleted); None where a load reads it otherwise: in a version or group it says
    something of (deprecated, not evaluated), invalid, or over reach's replicas."""
    raw = store.get(key)
    if raw is None:
        return []
    kind = key[1]
    if read_quietly(raw.obj.get("apiVersion"), kind) is not True:
        return None
    try:
        pods, replicas = expand_workload(raw.obj, kind, raw.origin, raw.origin + raw.path)
    except FieldError:
        return None
    return pods if replicas <= len(pods) else None


def _said_deprecated(cluster: Cluster, kind: str, origin: str) -> bool:
    """Whether a load said that an object of ``kind`` at ``origin`` is of a deprecated
    version (maybe another object of that file: then this one loads, which is safe)."""
    return any(
        d.code == "deprecated-api" and d.origin == origin and d.message.startswith(f"{kind} of ")
        for d in cluster.diagnostics
    )


def _run(cluster: Cluster, owner: Workload) -> tuple[int, int] | None:
    """Where the pods a load expanded for ``owner`` start among the cluster's pods, and
    how many there are (they are one run); None where a load may have said something of
    them (as many as reach's limit: maybe capped) or some Pod object is of it (it stands
    for the workload, which a load then does not expand)."""
    if any(p.workload == owner for p in cluster.pod_objects_of(owner.namespace)):
        return None
    lo, hi = expanded_span(cluster, owner.namespace)
    places = [i for i in range(lo, hi) if cluster.pods[i].workload == owner]
    if not places:
        return lo, 0
    if places[-1] - places[0] + 1 != len(places) or len(places) >= MAX_REPLICAS:
        return None
    return places[0], len(places)


def _named(cluster: Cluster, ns: str, start: int, n: int, came: list[Pod]) -> list[Pod] | None:
    """The pods ``came`` (named as the template names them) named as a load names them in
    place of the ``n`` pods at ``start``; None when another expanded pod of the namespace
    would be named otherwise."""
    lo, hi = expanded_span(cluster, ns)
    now, j = cluster.pods[lo:hi], start - lo
    templated = [*template_named(now[:j]), *came, *template_named(now[j + n :])]
    names = named(cluster.pod_objects_of(ns), templated)
    if names[:j] != now[:j] or names[j + len(came) :] != now[j + n :]:
        return None
    return names[j : j + len(came)]


def _apart(cluster: Cluster, store: ObjectStore, key: Identity, came: list[Pod]) -> bool:
    """Whether no other object of the workload's kind, namespace and name is held (a load
    keeps the later one), and its namespace is one a load has before and after (a
    Namespace object, or made of objects that stay)."""
    group, kind, ns, name = key
    if any(store.holds((g, kind, ns, name)) for g in GROUPS if g != group):
        return False
    if store.declares(ns):
        return True
    made = cluster.namespaces.get(ns)  # made by a load of the objects in it: kept by some
    if made is None or made.origin:
        return False
    if came or cluster.pod_objects_of(ns):
        return True
    owner = Workload(ns, name, kind)
    if any(p.workload != owner for p in expanded(cluster, ns)):
        return True
    return implied(with_pods(cluster, ([], 0, None, None)), ns)


def _place(cluster: Cluster, owner: tuple[str, str, str]) -> int:
    """Where the pods a load expands for a workload ``owner`` (namespace, name, kind) go
    among the expanded pods of ``cluster``."""
    count = cluster.pods_from_objects
    return bisect.bisect_left(cluster.pods, owner, lo=count, key=_owner_key)


def _owner_key(pod: Pod) -> tuple[str, str, str]:
    owner = pod.workload
    assert owner is not None, "expanded pods have their workload"
    return (owner.namespace, owner.name, owner.kind)


def _in_steps(before: Analysis, start: int, n: int, came: list[Pod], by: str) -> Taken | None:
    """The ``n`` pods at ``start`` replaced by ``came`` in steps of one pod: replaced place
    by place, then the new ones left over put in, or the old ones left over taken out."""
    steps: list[ReadOf] = []
    for i, pod in enumerate(came):
        steps.append(partial(_read, at=start + i, pod=pod, out=i < n))
    steps += [partial(_read, at=start + len(came), pod=None, out=True)] * (n - len(came))
    analysis, among, ends = before, set[str](), set[str]()
    for read_of in steps:
        done = _step(analysis, read_of, by)
        if done is None:
            return None
        analysis, more, also = done
        among |= more
        ends |= also
    return analysis, among, ends


def _step(before: Analysis, read_of: ReadOf, by: str, framed: bool = False) -> Taken | None:
    """One pod step (again from another analysis when the pod quick way takes it in steps
    of its own: :mod:`reach.api.carrierupdate`)."""
    read = read_of(before.cluster)
    again = partial(_step, read_of=read_of, by=by)
    return pods_read_moved(before, read, again, by, framed)


def _read(cluster: Cluster, at: int, pod: Pod | None, out: bool) -> PodsRead:
    """The cluster's pods with the one at ``at`` taken out (``out``) and ``pod`` put in
    there."""
    pods = list(cluster.pods)
    if out:
        del pods[at]
    if pod is not None:
        pods.insert(at, pod)
    return pods, cluster.pods_from_objects, at if out else None, at if pod is not None else None
