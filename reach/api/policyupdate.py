"""The quick way of an update that adds, replaces or deletes one NetworkPolicy object.

The compiled rows of the classes the policy selects (before or after) are computed again,
and nothing else (:mod:`reach.engine.policymoves`); the views keep their nodes and classes
(:func:`reach.analysis.viewmoves.rebased_view`), and the change is compared on the nodes
that hold one of those classes only (``reach.analysis.diff.diff(among=...)``). Where the
conditions below or those of ``policy_moved`` do not hold, :func:`policy_update` returns
None and the caller loads and compiles (docs/watch.md, "How an update is computed").
"""

from __future__ import annotations

import bisect
import copy

from reach.analysis.compiled import Analysis
from reach.analysis.diff import DiffReport, diff
from reach.analysis.viewmoves import rebased
from reach.engine.policymoves import policy_moved
from reach.errors import FieldError
from reach.gcpause import without_gc
from reach.input.netpol import parse_network_policy
from reach.input.store import Identity, ObjectStore
from reach.model.cluster import NetworkPolicy

#: The group and kind of the NetworkPolicy objects reach reads without a diagnostic.
NETWORK_POLICY = ("networking.k8s.io", "NetworkPolicy")


@without_gc
def policy_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> tuple[Analysis, DiffReport, set[str]] | None:
    """The analysis after the NetworkPolicy object ``key`` changed in ``store`` (applied,
    or deleted when the store no longer holds it; ``old``: the store held it before), the
    change, and the ids of the nodes at granularity ``by`` that hold a class whose rows
    changed; None when the quick way does not apply.

    It applies when the policy's namespace is a Namespace object, no NetworkPolicy of
    another API group has its name, and the input has no Calico or Istio objects."""
    group, kind, ns, name = key
    cluster = before.cluster
    if (group, kind) != NETWORK_POLICY or cluster.calico or cluster.istio:
        return None
    if not store.holds(("", "Namespace", "default", ns)):
        return None
    if store.holds(("extensions", "NetworkPolicy", ns, name)):
        return None
    policies = list(cluster.policies)
    at = bisect.bisect_left(policies, (ns, name), key=_policy_name)
    held = at < len(policies) and _policy_name(policies[at]) == (ns, name)
    if held != old:
        return None  # held but not read (invalid), or read from elsewhere: load again
    removed = policies.pop(at) if held else None
    added = None
    raw = store.get(key)
    if raw is not None:
        if raw.obj.get("apiVersion") != "networking.k8s.io/v1":
            return None
        try:
            added = parse_network_policy(raw.obj, raw.origin, raw.origin + raw.path)
        except FieldError:
            return None  # the load says why
        if _policy_name(added) != (ns, name):
            return None
        policies.insert(at, added)
    after_cluster = copy.copy(cluster)
    after_cluster.policies = policies
    moved = policy_moved(before.reachability, after_cluster, removed, added)
    if moved is None:
        return None
    x, changed = moved
    after, among = rebased(before, after_cluster, x, changed, by)
    return after, diff(before, after, by, "before", "after", among=among), among


def _policy_name(policy: NetworkPolicy) -> tuple[str, str]:
    return (policy.namespace, policy.name)
