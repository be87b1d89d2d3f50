"""The quick way of an update that adds, replaces or deletes one Calico NetworkPolicy,
GlobalNetworkPolicy, Profile, NetworkSet or GlobalNetworkSet, or Tier
(``projectcalico.org``, or the ``crd.projectcalico.org`` CRDs), staged policies included,
when Calico's tiers decide (a network set: ``calicomoves.calico_sets_moved``; a tier:
``calicomoves.calico_tier_moved``).

The cluster's Calico objects are read again from the store, as a load reads them
(``read_calico``, ``assemble_calico``, ``drop_copies``), and the diagnostics a load makes
of them (``calico_diagnostics``: every one has a ``calico-`` code) replace the old ones;
the rows of the classes the policy selects are computed again
(:mod:`reach.engine.calicomoves`; beside Istio's mesh layer over the Calico state the
mesh state keeps, :mod:`reach.engine.calicomesh`). Where a load may read otherwise (an
invalid object, two objects of one name in the two API groups, an input with skipped
invalid objects), :func:`calico_update` returns None and the caller loads and compiles.
A namespace with no Namespace object is one a load makes of what is in it (pods,
policies, network sets): a Calico NetworkPolicy that brings it, or takes the last of what
made it, is two steps (the namespace added, then the policy in; the policy out, then the
namespace deleted: :func:`reach.api.policyupdate.namespace_steps`), and so is a network
set doing so (:func:`_set_stepped`).

Where Calico's tiers do not decide (no enforced Calico policy, no Profile), the Calico
objects are read apart from them (:func:`_apart`): a Tier, a staged policy or a
HostEndpoint changes what is said and no row; a network set cuts the address segments
(:mod:`reach.engine.setmoves`). HostEndpoints and StagedKubernetesNetworkPolicies, never
enforced, change no row with the tiers deciding either. The first enforced Calico policy
or Profile to come, and the last to go, load.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from reach.analysis.compiled import Analysis
from reach.analysis.diff import diff
from reach.api.movedupdate import Update, moved_update, taken_in_turn
from reach.api.namespaceupdate import namespace_made, with_namespaces
from reach.api.policyupdate import namespace_steps, namespaces_step, stepped
from reach.api.reread import read_again
from reach.engine.calicomesh import with_calico
from reach.engine.calicomoves import (
    Changed,
    calico_moved,
    calico_sets_moved,
    calico_tier_moved,
)
from reach.engine.calicoplan import calico_evaluated
from reach.engine.moves import Move, rows_kept
from reach.engine.reachability import Reachability
from reach.engine.setmoves import sets_moved
from reach.errors import Diagnostics
from reach.gcpause import without_gc
from reach.input.calico import CalicoObject
from reach.input.calicodiag import calico_diagnostics
from reach.input.calicoload import assemble_calico, drop_copies, read_calico
from reach.input.canonical import replaced, sort_calico
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore
from reach.model.calico import CALICO_GROUPS, CalicoPolicy, NetworkSet
from reach.model.cluster import Cluster

#: The Calico kinds this quick way reads a change of.
POLICY_KINDS = (
    "NetworkPolicy",
    "GlobalNetworkPolicy",
    "StagedNetworkPolicy",
    "StagedGlobalNetworkPolicy",
)

#: Those of a namespace.
NAMESPACED = ("NetworkPolicy", "StagedNetworkPolicy", "NetworkSet")

#: Calico's network sets: labelled CIDRs rule selectors pick, nodes of their own.
SET_KINDS = ("NetworkSet", "GlobalNetworkSet")

#: Calico's Tiers (cluster-wide): the order the tiers are walked in, their default action.
TIER = "Tier"

#: Calico's Profiles (cluster-wide): ``kns.<namespace>`` and ``ksa.<namespace>.<account>``
#: apply to the pods of a namespace, or of an account.
PROFILE = "Profile"

#: The Calico kinds a quick way reads with Calico's tiers deciding.
KINDS = (*POLICY_KINDS, PROFILE, *SET_KINDS, TIER)

#: Calico kinds read for what is said of them alone (outside reach's pod model, or never
#: enforced): a change of one changes no row.
READ_ONLY = ("HostEndpoint", "StagedKubernetesNetworkPolicy")


@without_gc
def calico_update(
    before: Analysis, store: ObjectStore, key: Identity, old: bool, by: str
) -> Update | None:
    """The analysis after the Calico policy object ``key`` changed in ``store`` (``old``:
    the store held it before), the change, and the ids of the nodes at granularity ``by``
    that hold a class whose rows changed; None when the quick way does not apply (see the
    module doc)."""
    group, kind, _, name = key
    cluster = before.cluster
    if group not in CALICO_GROUPS or kind not in (*KINDS, *READ_ONLY):
        return None
    if any(d.code == "skipped-invalid" for d in cluster.diagnostics):
        return None
    tiers = calico_evaluated(cluster)  # Calico's tiers decide: its state, or no quick way
    x = with_calico(before.reachability) if tiers else _apart(before)
    if x is None:
        return None
    after_cluster = _calico_again(cluster, store)
    if after_cluster is None or calico_evaluated(after_cluster) != tiers:
        return None  # the first enforced Calico policy or Profile, or the last
    if kind in NAMESPACED and key[2]:  # a load makes its namespace of what is in it
        after_cluster = namespace_made(after_cluster, store, key[2])
    spaces = after_cluster.namespaces.keys() != cluster.namespaces.keys()
    if kind in SET_KINDS:  # the rules picking it hold other addresses; its node anew
        sets = {s.node_id for c in (cluster, after_cluster) for s in c.calico.network_sets}
        changed = sets - {s.node_id for s in cluster.calico.network_sets if _kept(s, after_cluster)}
        moving = calico_sets_moved if tiers else sets_moved
        if spaces:  # it brings its namespace, or takes it away
            return _set_stepped(before, after_cluster, frozenset(changed), by, moving)
        moved_sets = moving(x, after_cluster)
        also = frozenset(changed)
        return moved_update(before, after_cluster, moved_sets, by, also=also, ranges=True)
    if kind in READ_ONLY or not tiers:  # what is said of it, alone (spaces: none made)
        kept = replace(before.reachability, cluster=after_cluster)  # (as it is kept)
        return moved_update(before, after_cluster, rows_kept(kept), by)
    if kind == TIER:  # the tiers in another order, or another default action
        return moved_update(before, after_cluster, calico_tier_moved(x, after_cluster, name), by)
    found: tuple[Changed | None, Changed | None]
    if kind == PROFILE:
        found = cluster.calico.profiles.get(name), after_cluster.calico.profiles.get(name)
    else:
        found = _policy(cluster, kind, name, key), _policy(after_cluster, kind, name, key)
    if spaces:  # it brings its namespace, or takes it away
        return stepped(before, namespace_steps(cluster, [(after_cluster, *found)]), by)
    moved = calico_moved(x, after_cluster, *found)
    return moved_update(before, after_cluster, moved, by)


def _set_stepped(
    before: Analysis,
    after: Cluster,
    also: frozenset[str],
    by: str,
    moving: Callable[[Reachability, Cluster], Move | None],
) -> Update | None:
    """A network set change that brings its namespace (no Namespace object, nothing else
    in it) or takes the last of what made it, in two steps (as a Calico NetworkPolicy's,
    :func:`reach.api.policyupdate.namespace_steps`): the namespace added, then the set
    in; or the set out, then the namespace deleted. ``also``: the network sets' nodes
    that change; ``moving``: the set step."""
    cluster = before.cluster
    brings = len(after.namespaces) > len(cluster.namespaces)
    if brings:  # (the objects before, the namespaces after; or the other way)
        middle = with_namespaces(cluster, after.namespaces)
    else:
        middle = with_namespaces(after, cluster.namespaces)
    if brings:  # the namespace first (no row changes), then the set
        first = taken_in_turn(before, [(middle, partial(namespaces_step, middle))], by)
        if first is None:
            return None
        analysis, among, ends = first
        moved = moving(analysis.reachability, after)
        done = moved_update(analysis, after, moved, by, also=also, ranges=True)
        if done is None:
            return None
        final, more = done.analysis, done.among
    else:  # the set out, then the namespace
        moved = moving(before.reachability, middle)
        done = moved_update(before, middle, moved, by, also=also, ranges=True)
        if done is None:
            return None
        last = taken_in_turn(done.analysis, [(after, partial(namespaces_step, after))], by)
        if last is None:
            return None
        (final, among, ends), more = last, done.among
    read = among | more  # (``more``: the end nodes the set step read too)
    return Update(final, diff(before, final, by, "before", "after", among=read), read | ends)


def _apart(before: Analysis) -> Reachability | None:
    """The compilation of ``before``, whose Calico objects its tiers do not decide (no
    enforced Calico policy, no Profile): read apart from them, the network sets' CIDRs
    cutting the segments (:mod:`reach.engine.setmoves`), the rest said of only; None
    when it keeps no state that Istio objects need (a load compiles then)."""
    x = before.reachability
    if before.cluster.istio and x.mesh_state is None:
        return None
    return x


def _calico_again(cluster: Cluster, store: ObjectStore) -> Cluster | None:
    """``cluster`` with its Calico objects read again from ``store`` and the Calico
    diagnostics said again; None where a load may read otherwise."""

    def parsed(raw: RawObject, kind: str) -> tuple[tuple[str, ...], CalicoObject]:
        return read_calico(raw, kind, Diagnostics())

    objects = read_again(store, lambda group, _: group in CALICO_GROUPS, parsed, "calico")
    if objects is None:
        return None  # a load reads otherwise (two objects of one name in both API groups)
    diag = Diagnostics()
    calico = assemble_calico(objects, diag)
    drop_copies(calico, {(p.namespace, p.name) for p in cluster.policies}, diag)
    if any(p.namespace and p.namespace not in cluster.namespaces for p in calico.staged):
        return None  # (a load makes no namespace of a staged policy)
    sort_calico(calico)
    after = copy.copy(cluster)
    after.calico = calico
    calico_diagnostics(after, diag)
    gone = [d for d in cluster.diagnostics if d.code.startswith("calico-")]
    after.diagnostics = replaced(cluster.diagnostics, gone, diag.notes)
    return after


def _kept(network_set: NetworkSet, cluster: Cluster) -> bool:
    """Whether ``cluster`` has the same network set (name, labels and nets)."""
    return any(
        (s.node_id, s.labels, s.nets) == (network_set.node_id, network_set.labels, network_set.nets)
        for s in cluster.calico.network_sets
    )


def _policy(cluster: Cluster, kind: str, name: str, key: Identity) -> CalicoPolicy | None:
    """The cluster's Calico policy of that kind and name (of the key's namespace when the
    kind is namespaced), enforced or staged."""
    namespace = key[2] if kind in NAMESPACED else ""
    for policy in (*cluster.calico.policies, *cluster.calico.staged):
        if (policy.kind, policy.namespace, policy.name) == (kind, namespace, name):
            return policy
    return None
