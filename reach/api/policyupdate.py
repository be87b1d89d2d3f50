"""The quick way of an update that adds, replaces or deletes one NetworkPolicy, admin
policy or Cilium policy object (:mod:`reach.api.ciliumupdate` reads the last).

The compiled rows of the classes the policy selects (before or after) are computed again,
and nothing else (:mod:`reach.engine.policymoves`; classes it tells apart are split first
and classes it no longer tells apart merged after, :mod:`reach.engine.classsplits`); the
views keep their nodes (:func:`reach.analysis.viewmoves.moved_analysis`), and the change
is compared on the nodes that hold one of those classes only
(``reach.analysis.diff.diff(among=...)``). Where the
conditions below or those of ``policy_moved`` do not hold, :func:`policy_update` returns
None and the caller loads and compiles (docs/watch.md, "How an update is computed").
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from functools import partial

from reach.analysis.compiled import Analysis
from reach.api.ciliumupdate import (
    CIDR_GROUP,
    CILIUM_GROUP,
    CILIUM_KINDS,
    cidr_group_change,
    cilium_change,
)
from reach.api.movedupdate import Update, moved_update, moves_in_turn
from reach.api.namespaceupdate import namespace_made, with_namespaces
from reach.engine.calicomesh import stashed, with_calico
from reach.engine.calicomoves import calico_moved
from reach.engine.calicoplan import calico_evaluated
from reach.engine.moves import Move, Moved, rows_kept
from reach.engine.namespacesets import namespaces_moved
from reach.engine.policymoves import policy_moved
from reach.engine.reachability import Reachability
from reach.errors import FieldError
from reach.gcpause import without_gc
from reach.input.adminpolicy import parse_admin_policy
from reach.input.canonical import said_again
from reach.input.cilium import CNP
from reach.input.kinds import classify
from reach.input.loader import admin_diagnostics
from reach.input.netpol import parse_network_policy
from reach.input.store import Identity, ObjectStore
from reach.model.calico import CALICO_GROUPS, K8S_POLICY_PREFIX, CalicoPolicy
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import (
    ADMIN_KINDS,
    AdminPolicy,
    Cluster,
    NetworkPolicy,
)

#: The group and kind of the NetworkPolicy objects reach reads without a diagnostic.
NETWORK_POLICY = ("networking.k8s.io", "NetworkPolicy")
#: The group of the admin policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
#: ClusterNetworkPolicy).
ADMIN_GROUP = "policy.networking.k8s.io"


#: What the quick way finds: the cluster after the change, the policy gone, the one come.
Change = tuple[Cluster, Moved | None, Moved | None]
#: A step of :func:`stepped`: a Calico policy's too.
Step = tuple[Cluster, Moved | CalicoPolicy | None, Moved | CalicoPolicy | None]


@without_gc
def policy_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the NetworkPolicy, admin policy or Cilium policy object ``key``
    changed in ``store`` (applied, or deleted when the store no longer holds it; ``old``:
    the store held it before), the change, and the ids of the nodes at granularity ``by``
    that hold a class whose rows changed; None when the quick way does not apply.

    It applies when the input has no Istio objects but those of the mesh layer (its state
    kept: :mod:`reach.engine.meshpolicy`), and no Calico objects unless Calico's tiers
    decide (then to NetworkPolicies and admin policies: :mod:`reach.engine.calicomoves`),
    and: for a NetworkPolicy, its namespace is a Namespace object or one a load implies
    before and after, and no NetworkPolicy of another API group has its name; for an admin
    policy, it reads as a load reads it (the peers offline analysis cannot resolve are
    said again, as the load says them); for a Cilium policy, the conditions of
    :func:`reach.api.ciliumupdate.cilium_change`."""
    cluster, x = before.cluster, before.reachability
    calico = with_calico(x)  # (beside the mesh layer its state keeps Calico's)
    tiers = calico is not None  # Calico's tiers decide: no Cilium policies
    x = calico or x
    if (cluster.istio and x.mesh_state is None) or (calico_evaluated(cluster) and not tiers):
        return None
    if key[:2] == NETWORK_POLICY:
        if _calico_copy(store, key):
            return None  # the load leaves Calico's copy of it out, or takes it back
        change = _network_policy(cluster, store, key, old)
    elif key[0] == ADMIN_GROUP and key[1] in ADMIN_KINDS:
        change = _admin_policy(cluster, store, key, old)
    elif tiers:
        return None
    elif key[0] == CILIUM_GROUP and key[1] in CILIUM_KINDS:
        steps = cilium_change(cluster, store, key, old, brings=True)
        if steps is None:
            return None
        if steps and key[1] == CNP:  # a load makes its namespace of what is in it
            last, gone, come = steps[-1]
            made = namespace_made(last, store, key[2])
            if made.namespaces.keys() != cluster.namespaces.keys():  # it brings or takes
                return stepped(
                    before, namespace_steps(cluster, [*steps[:-1], (made, gone, come)]), by
                )
        return stepped(before, steps, by)
    elif key[:2] == (CILIUM_GROUP, CIDR_GROUP):  # the Cilium objects naming groups again
        if any(d.code == "skipped-invalid" for d in cluster.diagnostics):
            return None  # the group may be one the load skipped: it says so no longer
        steps = cidr_group_change(cluster, store, key)
        return stepped(before, steps, by) if steps is not None else None
    else:
        return None
    if change is None:
        return None
    after_cluster, removed, added = change
    if after_cluster.namespaces.keys() != cluster.namespaces.keys():  # it brings or takes
        return stepped(before, namespace_steps(cluster, [change]), by)
    if tiers:
        assert not isinstance(removed, CiliumPolicy) and not isinstance(added, CiliumPolicy)
        moved = calico_moved(x, after_cluster, removed, added)
    else:
        moved = policy_moved(x, after_cluster, removed, added)
    return moved_update(before, after_cluster, moved, by)


def stepped(before: Analysis, steps: Sequence[Step], by: str) -> Update | None:
    """The update of policies changed in turn (the rules of one Cilium object; a step
    whose namespaces change: a namespace added or deleted, :func:`namespace_steps`):
    each step the quick way (:func:`~reach.api.movedupdate.moves_in_turn`)."""
    return moves_in_turn(before, [(c, partial(_step, c, old, new)) for c, old, new in steps], by)


def _step(
    cluster: Cluster,
    removed: Moved | CalicoPolicy | None,
    added: Moved | CalicoPolicy | None,
    x: Reachability,
) -> Move | None:
    """One step of :func:`stepped` from ``x``."""
    if cluster.namespaces.keys() != x.cluster.namespaces.keys():  # they alone change
        return namespaces_step(cluster, x)
    if x.calico is not None:  # Calico's tiers decide
        assert not isinstance(removed, CiliumPolicy) and not isinstance(added, CiliumPolicy)
        return calico_moved(x, cluster, removed, added)
    assert not isinstance(removed, CalicoPolicy) and not isinstance(added, CalicoPolicy)
    return policy_moved(x, cluster, removed, added)


def namespaces_step(cluster: Cluster, x: Reachability) -> Move | None:
    """``x`` for ``cluster``, whose namespaces are ``x.cluster``'s with one added or one
    deleted (with no pod in it), as a :class:`Move` that changes no row (beside the mesh
    layer and Calico's tiers, over the Calico state the mesh state keeps)."""
    moved = namespaces_moved(with_calico(x) or x, cluster)
    return rows_kept(stashed(moved)) if moved else None


def namespace_steps(cluster: Cluster, changes: Sequence[Step]) -> list[Step]:
    """Policy changes that bring their namespace (no Namespace object, nothing else in it:
    the last change's cluster has it) or take it away, as steps: the namespace added, then
    the changes over it; or the changes, then the namespace deleted."""
    after = changes[-1][0]
    if len(after.namespaces) > len(cluster.namespaces):  # brings: the policies before
        made = after.namespaces
        return [(with_namespaces(cluster, made), None, None)] + [
            (with_namespaces(c, made), gone, come) for c, gone, come in changes
        ]
    kept = cluster.namespaces  # takes: the namespaces before, until the last step
    return [(with_namespaces(c, kept), gone, come) for c, gone, come in changes] + [
        (after, None, None)
    ]


def _network_policy(
    cluster: Cluster, store: ObjectStore, key: Identity, old: bool
) -> Change | None:
    """The NetworkPolicy ``key`` out of the cluster's (if ``old``) and in (if the store
    holds it), as a load reads it; None where a load may read otherwise. With no Namespace
    object its namespace must be one a load implies before and after (by what else is in
    it: the namespaces stay)."""
    _, _, ns, name = key
    declared = store.declares(ns)
    if not declared and ns in cluster.namespaces and cluster.namespaces[ns].origin:
        return None  # one the load skipped as invalid
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
    after = copy.copy(cluster)
    after.policies = policies
    return namespace_made(after, store, ns), removed, added  # (it may bring or take it)


def _admin_policy(cluster: Cluster, store: ObjectStore, key: Identity, old: bool) -> Change | None:
    """The admin policy ``key`` out of the cluster's (if ``old``) and in (if the store holds
    it), as a load reads it; None where a load may read otherwise or say more."""
    _, kind, _, name = key
    policies = list(cluster.admin_policies)
    at = bisect.bisect_left(policies, (kind, name), key=_admin_name)
    held = at < len(policies) and _admin_name(policies[at]) == (kind, name)
    if held != old:
        return None
    removed = policies.pop(at) if held else None
    added = None
    raw = store.get(key)
    if raw is not None:
        placed = classify(raw.obj.get("apiVersion"), kind)
        if placed.info is None or placed.error is not None or placed.deprecated:
            return None
        try:
            added = parse_admin_policy(raw.obj, kind, raw.origin, raw.origin + raw.path)
        except FieldError:
            return None
        if _admin_name(added) != (kind, name):
            return None
        policies.insert(at, added)
    after = copy.copy(cluster)
    after.admin_policies = policies
    if any(r.unresolved for p in (removed, added) if p for r in (*p.ingress, *p.egress)):
        # the peers offline analysis cannot resolve, said as a load says them
        after.diagnostics = said_again(cluster, after, admin_diagnostics)
    return after, removed, added


def _calico_copy(store: ObjectStore, key: Identity) -> bool:
    """Whether the store holds Calico's copy of the NetworkPolicy ``key``
    (``knp.default.<name>``, which a load drops while the original is there)."""
    _, _, ns, name = key
    copy_name = K8S_POLICY_PREFIX + name
    return any(store.holds((group, "NetworkPolicy", ns, copy_name)) for group in CALICO_GROUPS)


def _policy_name(policy: NetworkPolicy) -> tuple[str, str]:
    return (policy.namespace, policy.name)


def _admin_name(policy: AdminPolicy) -> tuple[str, str]:
    return (policy.kind, policy.name)
