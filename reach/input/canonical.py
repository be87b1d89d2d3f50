"""The canonical order of what was read: the same objects give the same cluster, whatever
the order of the files, of the documents in them and of the keys in each (issue 25).

Everything after loading numbers pods, classes and policies in list order, and breaks
ties (equal shortest paths, the first witness of a hop) by those numbers; sorting the
lists here by each object's identity makes every answer independent of input order.
Lists whose order is meaning (rules inside a policy, the ``specs`` of a Cilium policy)
keep it: sorting is stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from reach.errors import Diagnostic, Diagnostics
from reach.model.calico import CalicoObjects
from reach.model.cluster import Cluster, Pod


def pod_key(pod: Pod) -> tuple[str, str, str]:
    """Pods by namespace and name (then their workload, for pods that share a name)."""
    return (pod.namespace, pod.name, str(pod.workload or ""))


def workload_key(pods: list[Pod]) -> tuple[str, str, str]:
    """The pods of a workload, by the workload's namespace, name and kind."""
    owner = pods[0].workload
    return (owner.namespace, owner.name, owner.kind) if owner else pod_key(pods[0])


def diagnostic_key(d: Diagnostic) -> tuple[str, str, str, str]:
    return (d.origin, d.code, d.message, d.severity)


def replaced(
    diagnostics: Iterable[Diagnostic], gone: Iterable[Diagnostic], come: Iterable[Diagnostic]
) -> list[Diagnostic]:
    """``diagnostics`` with one of each of ``gone`` taken out and ``come`` put in, as a
    load gives them: each once, in :func:`diagnostic_key` order (what an update says again
    of the objects it read again)."""
    left = Counter(gone)
    kept = []
    for d in diagnostics:
        if left[d] > 0:
            left[d] -= 1
        else:
            kept.append(d)
    return sorted(dict.fromkeys([*kept, *come]), key=diagnostic_key)


def said_again(
    before: Cluster, after: Cluster, say: Callable[[Cluster, Diagnostics], None]
) -> list[Diagnostic]:
    """``after``'s diagnostics with what ``say`` says of ``before`` replaced by what it
    says of ``after`` (in a load's order): an update that changes what a load says of the
    objects it changed."""
    old, new = Diagnostics(), Diagnostics()
    say(before, old)
    say(after, new)
    return replaced(after.diagnostics, old.notes, new.notes)


def sort_objects(cluster: Cluster) -> None:
    """Every policy list and every other list of objects by identity, in place."""
    cluster.namespaces = dict(sorted(cluster.namespaces.items()))
    cluster.policies.sort(key=lambda p: (p.namespace, p.name))
    cluster.admin_policies.sort(key=lambda p: (p.kind, p.name))
    cluster.cilium_policies.sort(key=lambda p: (p.kind, p.namespace, p.name))
    sort_calico(cluster.calico)
    sort_entries(cluster)
    cluster.diagnostics.sort(key=diagnostic_key)


def sort_calico(calico: CalicoObjects) -> None:
    """The Calico policies (enforced and staged) and network sets by identity, in place."""
    for policies in (calico.policies, calico.staged):
        policies.sort(key=lambda p: (p.kind, p.namespace, p.name))
    calico.network_sets.sort(key=lambda s: (s.namespace, s.name))


def sort_entries(cluster: Cluster) -> None:
    """The Services and the Ingresses and Routes by identity, in place."""
    cluster.services.sort(key=lambda s: (s.namespace, s.name))
    cluster.routes.sort(key=lambda r: (r.kind, r.namespace, r.name))
