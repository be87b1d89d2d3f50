"""The quick way of an update that adds, replaces or deletes one Pod object.

Most events of a live cluster are pods coming and going (scaling, restarts, rollouts).
The pod joins the class of its answers and the compiled rows stay as they are, or the
classes are renumbered in place when one goes, comes or moves
(:mod:`reach.engine.podmoves`); the views are moved rather than built again
(:mod:`reach.analysis.viewmoves`), and the change is compared on the nodes that held the
pod only (``reach.analysis.diff.diff(among=...)``). The state is the one a load of the
same objects gives, which the conditions below guarantee; where one does not hold,
:func:`pod_update` returns None and the caller loads and compiles (docs/watch.md, "How an
update is computed").
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from reach.analysis.compiled import Analysis
from reach.analysis.diff import diff
from reach.analysis.viewmoves import moved_view
from reach.api.carrierupdate import carriers_changed, framed_first, then_pod
from reach.api.expansion import pods_apart
from reach.api.movedupdate import Taken, Update, taken_in_turn
from reach.api.namespaceupdate import implied, namespace_made, namespaces_with, with_namespaces
from reach.api.policyupdate import namespaces_step
from reach.engine.atoms import cuts_of
from reach.engine.calicomesh import stashed, with_calico
from reach.engine.calicomoves import calico_framed
from reach.engine.calicoplan import CalicoPlan, calico_plan, pods_moved
from reach.engine.forgotten import calico_forgotten
from reach.engine.podmoves import moved
from reach.engine.reachability import Reachability
from reach.errors import Diagnostics, FieldError
from reach.gcpause import without_gc
from reach.input.calicodiag import unused_profiles
from reach.input.canonical import said_again
from reach.input.istiodiag import istio_diagnostics, says_of_unaddressed
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore
from reach.input.workloads import WORKLOAD_KINDS, parse_pod
from reach.model.calico import Profile, namespace_profile_name, service_account_profile_name
from reach.model.cluster import Cluster, Namespace, Pod
from reach.model.istio import source_address

#: The identity of a Pod object in the store: (group, kind, namespace, name).
POD = ("", "Pod")


@without_gc  # it allocates a list per node: a collection of the whole heap would dominate
def pod_update(
    before: Analysis,
    store: ObjectStore,
    key: Identity,
    old: bool,
    by: str,
) -> Update | None:
    """The analysis after the Pod object ``key`` changed in ``store`` (applied, or deleted
    when the store no longer holds it; ``old``: the store held it before), the change, and
    the ids of the nodes at granularity ``by`` that held the pod (every pair with neither
    end among them is unchanged); None when the quick way does not apply."""
    done = _pod_moved(before, store, key, old, by)
    if done is None:
        return None
    after, among, ends = done
    return Update(after, diff(before, after, by, "before", "after", among=among), among | ends)


def _pod_moved(
    before: Analysis,
    store: ObjectStore,
    key: Identity,
    old: bool,
    by: str,
    framed: bool = False,
    emptying: bool = False,
) -> Taken | None:
    """:func:`pod_update` before the change is compared: the analysis after, the ids of the
    nodes the change is compared on, and those of end nodes made anew (a Profile's rules
    cutting the addresses: :mod:`reach.api.carrierupdate`; ``framed``: ``before`` is cut
    at the frame of the cluster after already; ``emptying``: the pod is the last object
    of a namespace a load made of them, which stays for this step:
    :func:`_namespace_last`)."""
    group, kind, ns, _ = key
    cluster = before.cluster
    if (group, kind) != POD:
        return None
    if not _quick(cluster, store, ns):
        return None if framed else _namespace_first(before, store, key, old, by)
    read = _pods_after(cluster, store, key, old)
    if read is None or not _expansion_kept(cluster, store, read):
        return None
    if not emptying and not _stays(with_pods(cluster, read), store, ns):
        return None if framed else _namespace_last(before, store, key, old, by)
    again = partial(_pod_moved, store=store, key=key, old=old, by=by, emptying=emptying)
    return pods_read_moved(before, read, again, by, framed)


#: The pods of a cluster after one pod came, went or changed, in a load's order: the pods,
#: how many are Pod objects (the others a workload's, after them), and where one was taken
#: out and put in.
PodsRead = tuple[list[Pod], int, int | None, int | None]


def with_pods(cluster: Cluster, read: PodsRead) -> Cluster:
    """``cluster`` with the pods of ``read`` (a copy; the other objects shared)."""
    out = copy.copy(cluster)
    out.pods, out.pods_from_objects = read[0], read[1]
    return out


def pods_read_moved(
    before: Analysis,
    read: PodsRead,
    again: Callable[..., Taken | None],
    by: str,
    framed: bool = False,
) -> Taken | None:
    """The pod quick way of one pod taken out and put in as ``read`` says (its namespace
    stays as it is): the analysis after, the ids of the nodes the change is compared on,
    and those of end nodes made anew; ``again``: the same change from another analysis
    (its steps take it there: :mod:`reach.api.carrierupdate`; keyword ``framed``)."""
    cluster = before.cluster
    pods, _, removed, inserted = read
    after_cluster = with_pods(cluster, read)
    gone = [cluster.pods[removed]] if removed is not None else []
    came = [pods[inserted]] if inserted is not None else []
    pods_moved(cluster.pods, pods, gone, came)  # Calico's profiles read from those before
    changed = gone + came
    for said in _SAID_OF_PODS:  # what is said of the pods (by Calico, by Istio): said anew
        if said.reads(cluster) and said.of(cluster, changed):
            after_cluster.diagnostics = said_again(cluster, after_cluster, said.of_pods(changed))
    x = before.reachability
    if x.mesh is not None:  # the Calico state its mesh state keeps, its own
        x = with_calico(x) or x
    replanned: list[str] = []  # Profiles whose rules came into the plan with the pod
    if cluster.calico.profiles:
        was = frozenset().union(*(_carried(cluster, p) for p in changed))
        now = frozenset().union(*(_carried(after_cluster, p) for p in changed))
        lost = was - now
        if now - was and not lost:
            plan = calico_plan(after_cluster)
            if framed or _same_frame(calico_plan(cluster), plan):
                replanned = sorted(now - was)
                added = [after_cluster.calico.profiles[name] for name in replanned]
                x = _replanned(x, plan, added)  # a Profile's rules come into the plan
            elif (move := calico_framed(x, after_cluster)) is not None:
                framed_step = partial(again, framed=True)  # its nets, ports cut first
                return framed_first(before, move, framed_step, by)
            else:  # port names no rule named: as a Profile changed reads them
                lost = now - was
        if lost:  # a Profile's rules go, or come naming port names anew: in steps
            return carriers_changed(before, after_cluster, sorted(lost), (was, now), again, by)
    found = moved(x, after_cluster, removed, inserted)
    if found is None and replanned and not framed:  # their rules tell classes apart: the
        carried = (was, now)  # pod with them bare, then the rules in (classes split)
        return carriers_changed(before, after_cluster, replanned, carried, again, by)
    if found is None:
        return None
    x, renumber = found
    if x.calico_state is not None:  # a namespace's last workload pod leaves its kns.*
        emptied = _emptied(x, after_cluster, gone, bool(replanned))
        if emptied is None:
            return None
        x = stashed(emptied)  # (beside the mesh its mesh state keeps it)
    after = Analysis(after_cluster, x)
    ipv6 = before.reachability.ipv6
    before.view(by, ipv6)  # the view the change is read on: moved with the others
    among: set[str] = set()
    for (granularity, shown), view in before.views().items():
        moved_to, ids = moved_view(view, x, removed, inserted, renumber)
        after.keep_view(moved_to, shown)
        if (granularity, shown) == (by, ipv6):
            among = ids
    return after, among, set()


@dataclass(frozen=True)
class _Said:
    """Diagnostics a load makes from the pods: whether an input has them, saying those
    that pods ``pods`` coming or going may change, and whether they may change."""

    reads: Callable[[Cluster], bool]
    say: Callable[[Cluster, Diagnostics, list[Pod]], None]
    of: Callable[[Cluster, list[Pod]], bool]

    def of_pods(self, pods: list[Pod]) -> Callable[[Cluster, Diagnostics], None]:
        """Saying what may change as ``pods`` come or go."""
        return lambda cluster, diag: self.say(cluster, diag, pods)


def _istio_diagnostics(cluster: Cluster, diag: Diagnostics, pods: list[Pod]) -> None:
    istio_diagnostics(cluster, diag)


#: The Calico profiles no pod carries (of the pods' namespaces and accounts); Istio's
#: diagnostics (of its pods, only those with no address, which ipBlocks cannot name, are
#: said).
_SAID_OF_PODS = (
    _Said(lambda c: bool(c.calico.profiles), unused_profiles, lambda c, pods: True),
    _Said(
        lambda c: bool(c.istio or c.istio.unevaluated),
        _istio_diagnostics,
        lambda c, pods: says_of_unaddressed(c) and any(source_address(p.ips) is None for p in pods),
    ),
)


def _pods_after(cluster: Cluster, store: ObjectStore, key: Identity, old: bool) -> PodsRead | None:
    """The cluster's pods with pod ``key`` out (if ``old``) and in (if the store holds
    it), at their places in a load's order: the pods, how many are Pod objects, and where
    it was taken out and put in; None where a load may read otherwise."""
    ns, name = key[2], key[3]
    pods, count = list(cluster.pods), cluster.pods_from_objects
    removed = None
    if old:
        removed = bisect.bisect_left(pods, (ns, name), hi=count, key=_pod_name)
        if removed == count or _pod_name(pods[removed]) != (ns, name):
            return None  # held but not among the pods (skipped as invalid): load again
        del pods[removed]
        count -= 1
    inserted = None
    raw = store.get(key)
    if raw is not None:
        if raw.obj.get("apiVersion") != "v1":
            return None
        pod = _parsed(raw)
        if pod is None or _pod_name(pod) != (ns, name):
            return None
        inserted = bisect.bisect_left(pods, (ns, name), hi=count, key=_pod_name)
        pods.insert(inserted, pod)
        count += 1
    return pods, count, removed, inserted


def _namespace_last(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Taken | None:
    """The pod that is the last object of a namespace a load made of them going, in two
    steps: the pod out (the namespace left as it was), then the namespace deleted as one
    with nothing in it is."""
    done = _pod_moved(before, store, key, old, by, emptying=True)
    if done is None:
        return None
    after, among, ends = done
    gone = namespace_made(after.cluster, store, key[2])  # (nothing left in it: deleted)
    taken = taken_in_turn(after, [(gone, partial(namespaces_step, gone))], by)
    if taken is None:
        return None
    return taken[0], among | taken[1], ends | taken[2]


def _quick(cluster: Cluster, store: ObjectStore, ns: str) -> bool:
    """Whether a pod of namespace ``ns`` can come or go without loading again: the
    namespace is a Namespace object or one a load made of the objects in it (then it must
    keep a pod: :func:`_stays`)."""
    if store.declares(ns):
        return True
    made = cluster.namespaces.get(ns)  # (one read from an object: the load's matter)
    return made is not None and not made.origin


def _expansion_kept(cluster: Cluster, store: ObjectStore, read: PodsRead) -> bool:
    """Whether the pods a load expands from the workload objects of the pod's namespace
    stay as they are (:func:`reach.api.expansion.pods_apart`: the pod is of none of them,
    and they keep their names)."""
    pods, _, removed, inserted = read
    changed = [cluster.pods[removed]] if removed is not None else []
    changed += [pods[inserted]] if inserted is not None else []
    if not changed or not store.holds_kind(WORKLOAD_KINDS, changed[0].namespace):
        return True
    ns = changed[0].namespace
    return pods_apart(cluster, store, changed, with_pods(cluster, read).pod_objects_of(ns))


def _stays(after: Cluster, store: ObjectStore, ns: str) -> bool:
    """Whether a load of ``after`` has namespace ``ns`` as the cluster before did: it is a
    Namespace object, or some object a load makes it of is still in it (with its last
    one gone, a load drops it: that loads)."""
    return store.declares(ns) or implied(after, ns)


def _namespace_first(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Taken | None:
    """The first pod of a namespace no object declares or makes (a load makes it of the
    pod, labelled with its name only), in two steps: the namespace added so, then the pod
    as one of a namespace added before it; None where it is not that."""
    ns, cluster = key[2], before.cluster
    if old or ns in cluster.namespaces or store.get(key) is None:
        return None
    if store.declares(ns) or store.holds_kind(WORKLOAD_KINDS, ns):
        return None
    middle = with_namespaces(cluster, namespaces_with(cluster, ns, Namespace.implied(ns)))
    again = partial(_pod_moved, store=store, key=key, old=old, by=by)
    return then_pod(before, [(middle, partial(namespaces_step, middle))], again, by)


def _emptied(
    x: Reachability, after: Cluster, gone: list[Pod], replanned: bool = False
) -> Reachability | None:
    """``x`` with the label class keys of a namespace whose last workload pod went, and of
    an account of the input's ``ksa.*`` Profiles whose last workload pod went (none has a
    pod), known with no class (:mod:`reach.engine.forgotten`). Calico's plan gives the pods
    of a namespace its ``kns.*`` Profile, and those of an account its ``ksa.*`` one, only
    while some pod carries it, so those keys were classed under a plan that a pod of one
    changes again (reviews found a new key compared with such a class's first label
    class, which answered otherwise, and a pod applied again in the class its key had
    while its Profile's rules were out: :mod:`reach.api.carrierupdate`).

    ``replanned``: a Profile's rules came into the plan with the pod; then every key with
    no pod is known with no class. The classes were checked against the plan after on the
    keys with pods only (``calico_steps``' ``live``), and a key with no pod may be a peer
    the new rules name (a property sweep, seed 37, found a pod of such a key put in the
    class its key had before the rules came, which a load parts)."""
    if replanned:
        return calico_forgotten(x, lambda key: True)
    spaces, accounts = set(), set()
    for pod in gone:
        if pod.host_network:
            continue
        left = [q for q in after.pods_of(pod.namespace) if not q.host_network]
        if not left:
            spaces.add(pod.namespace)
        profile = service_account_profile_name(pod.namespace, pod.service_account)
        if profile in after.calico.profiles and all(
            q.service_account != pod.service_account for q in left
        ):
            accounts.add((pod.namespace, pod.service_account))
    if not spaces and not accounts:
        return x
    return calico_forgotten(
        x, lambda key: not key[3] and (key[0] in spaces or (key[0], key[4]) in accounts)
    )


def _parsed(raw: RawObject) -> Pod | None:
    """The pod of ``raw`` as the loader reads it; None when it is invalid (the load says
    why)."""
    try:
        return parse_pod(raw.obj, raw.origin, raw.origin + raw.path)
    except FieldError:
        return None


def _same_frame(before: CalicoPlan, now: CalicoPlan) -> bool:
    """Whether Calico's plan ``now`` names the addresses, port numbers and port names
    ``before`` names (the first pod to carry a Profile brings its rules: a review found
    that nets they name stayed uncut when the pod joined a class)."""
    return (
        set(map(str, before.blocks)) == set(map(str, now.blocks))
        and before.named_ports == now.named_ports
        and cuts_of(before.port_sets) == cuts_of(now.port_sets)
    )


def _replanned(x: Reachability, plan: CalicoPlan, added: list[Profile]) -> Reachability:
    """``x`` whose answers per key project keys onto the selectors of the Calico ``plan``
    after (the Profiles the workload pods carry: those before and ``added``)."""
    keys = x.class_keys
    if keys is None or keys.answers is None:
        return x
    answers = keys.answers.with_calico_plan(plan, added)
    return replace(x, class_keys=replace(keys, answers=answers))


def _pod_name(pod: Pod) -> tuple[str, str]:
    return (pod.namespace, pod.name)


def _carried(cluster: Cluster, pod: Pod) -> frozenset[str]:
    """The Profiles of the input with rules that apply to ``pod``'s namespace, or to its
    account, and that some workload pod of ``cluster`` carries (a Profile of no rules
    brings none to the plan)."""
    ruled = {n for n, p in cluster.calico.profiles.items() if p.ingress or p.egress}
    spaced = namespace_profile_name(pod.namespace)
    account = service_account_profile_name(pod.namespace, pod.service_account)
    if spaced not in ruled and account not in ruled:
        return frozenset()
    workloads = [p for p in cluster.pods_of(pod.namespace) if not p.host_network]
    out = set()
    if spaced in ruled and workloads:
        out.add(spaced)
    if account in ruled and any(p.service_account == pod.service_account for p in workloads):
        out.add(account)
    return frozenset(out)
