"""A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy object applied or deleted, read
as a load reads it, for the quick way of :mod:`reach.api.policyupdate`.

An object is one policy per rule (``spec``, and each item of ``specs``); the cluster's
Cilium policies take them out and in at their place in the load's order, one rule at a
time (each a step of :mod:`reach.api.policyupdate`), and the diagnostics a load makes of
the object (``reach.input.ciliumdiag``, and the parser's warnings) replace the old
object's; ``cidrGroupRef`` and ``cidrGroupSelector`` name the CiliumCIDRGroups of the
store, read as a load reads them; a CiliumCIDRGroup changed reads again every object that
names CIDR groups (:func:`cidr_group_change`). Where a load may read otherwise (an invalid
object or CiliumCIDRGroup, its namespace not a Namespace object and with no pod, unless
the caller adds or deletes the namespace in steps of its own: ``brings``) or
where the compilation's frame changes (the first Cilium policy, or the last, makes
service accounts part of label classes), :func:`cilium_change` gives None and the caller
loads and compiles (new addresses cut the segments again in place,
``reach.engine.segmentmoves``, and new pseudo peers are classes added in place,
``reach.engine.pseudomoves``).
"""

from __future__ import annotations

import bisect
import copy

from reach.errors import Diagnostic, Diagnostics, FieldError
from reach.input.canonical import replaced
from reach.input.cilium import CCNP, CNP, parse_cilium_policy
from reach.input.ciliumcidr import CidrGroup, parse_cidr_group
from reach.input.ciliumdiag import cilium_diagnostics
from reach.input.kinds import classify
from reach.input.raw import RawObject
from reach.input.store import Identity, ObjectStore
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import Cluster

#: The API group of the Cilium policies.
CILIUM_GROUP = "cilium.io"
#: The kinds of Cilium policies this quick way reads.
CILIUM_KINDS = (CNP, CCNP)
#: The kind of the address groups Cilium rules may name.
CIDR_GROUP = "CiliumCIDRGroup"
#: The code of the parser's warnings (as the loader gives them).
WARNED = "cilium-namespace-replaced"


#: One step of a Cilium object changed: the cluster after it, the policy gone, the one come.
Step = tuple[Cluster, CiliumPolicy | None, CiliumPolicy | None]


def _kept(cluster: Cluster, store: ObjectStore, namespace: str, brings: bool) -> bool:
    """Whether a load has ``namespace`` as it is, with the policy or without: it is a
    Namespace object, or a pod is in it (a load makes it of its pods; with only policies
    in it, a policy may be what makes it: that loads, unless ``brings``: the caller adds
    or deletes it in a step of its own)."""
    if store.declares(namespace):
        return True
    made = cluster.namespaces.get(namespace)  # (one read from an object: the load's matter)
    if made is not None and made.origin:
        return False
    return brings or (made is not None and bool(cluster.pods_of(namespace)))


def cilium_change(
    cluster: Cluster, store: ObjectStore, key: Identity, old: bool, brings: bool = False
) -> list[Step] | None:
    """The Cilium policy object ``key`` out of the cluster's (if ``old``) and in (if the
    store holds it), as a load reads it, with the cluster's diagnostics of it replaced: one
    step per rule (an object of several rules, ``specs``, is several policies: each of its
    rules in turn replaced, then the ones left taken out or put in, the last step's cluster
    the cluster after); None where a load may read otherwise or compile another frame (see
    the module doc)."""
    _, kind, ns, name = key
    namespace = "" if kind == CCNP else ns
    if kind == CCNP and ns != "default":
        return None  # a namespace given to a clusterwide object: the load's matter
    if namespace and not _kept(cluster, store, namespace, brings):
        return None
    groups = _cidr_groups(store)
    if groups is None:
        return None
    policies = list(cluster.cilium_policies)
    lo = bisect.bisect_left(policies, (kind, namespace, name), key=_identity)
    hi = bisect.bisect_right(policies, (kind, namespace, name), key=_identity)
    if (hi > lo) != old:
        return None  # held but not read (invalid), or read from elsewhere: load again
    removed = policies[lo:hi]
    added: list[CiliumPolicy] = []
    warnings: list[str] = []
    raw = store.get(key)
    if raw is not None:
        read = _read(raw, kind, groups)
        if read is None:
            return None
        added, warnings = read
        if any(_identity(p) != (kind, namespace, name) for p in added):
            return None
    policies[lo:hi] = added
    gone = policies_said(removed, [], cluster) if removed else []
    gone += [d for d in cluster.diagnostics if any(_warned(d, p) for p in removed)]
    come = policies_said(added, warnings, cluster) if added else []
    diagnostics = replaced(cluster.diagnostics, gone, come)
    return _steps(cluster, lo, removed, added, diagnostics)


def cidr_group_change(cluster: Cluster, store: ObjectStore, group: Identity) -> list[Step] | None:
    """The CiliumCIDRGroup ``group`` applied or deleted: every Cilium policy object of the
    store that names CIDR groups (``cidrGroupRef``, ``cidrGroupSelector``) read again with
    the groups of the store, one object after another (:func:`cilium_change` of each, over
    the cluster the last left); None where one of them, or the group, needs a load."""
    raw = store.get(group)
    if raw is not None:
        placed = classify(raw.obj.get("apiVersion"), CIDR_GROUP)
        if placed.info is None or placed.error is not None or placed.deprecated:
            return None  # the load says so
    steps: list[Step] = []
    for key in store.identities():
        if key[0] != CILIUM_GROUP or key[1] not in CILIUM_KINDS:
            continue
        raw = store.get(key)
        if raw is None or not _names_groups(raw.obj.get("spec"), raw.obj.get("specs")):
            continue
        more = cilium_change(steps[-1][0] if steps else cluster, store, key, True)
        if more is None:
            return None
        steps += more
    return steps


def _names_groups(*values: object) -> bool:
    """Whether a CIDR group is named anywhere in these parts of a manifest."""
    for value in values:
        if isinstance(value, dict):
            if "cidrGroupRef" in value or "cidrGroupSelector" in value:
                return True
            if _names_groups(*value.values()):
                return True
        elif isinstance(value, list) and _names_groups(*value):
            return True
    return False


def _steps(
    cluster: Cluster,
    at: int,
    removed: list[CiliumPolicy],
    added: list[CiliumPolicy],
    diagnostics: list[Diagnostic],
) -> list[Step]:
    """The steps from ``cluster`` to the cluster with the policies ``removed`` (from place
    ``at`` of its Cilium policies on) replaced by ``added``: each removed policy replaced by
    the added one of its place, then the removed ones left taken out or the added ones left
    put in, in order (never no Cilium policy between two steps while there is one before
    and after)."""
    current = list(cluster.cilium_policies)
    out: list[Step] = []
    for j in range(max(len(removed), len(added))):
        gone = removed[j] if j < len(removed) else None
        come = added[j] if j < len(added) else None
        if gone is not None and come is not None:
            current[at + j] = come
        elif gone is not None:
            current.remove(gone)
        elif come is not None:
            current.insert(at + j, come)
        step = copy.copy(cluster)
        step.cilium_policies = list(current)
        step.diagnostics = diagnostics
        out.append((step, gone, come))
    return out


def _cidr_groups(store: ObjectStore) -> dict[str, CidrGroup] | None:
    """The CiliumCIDRGroups of the store by name, as a load reads them (``cidrGroupRef``
    and ``cidrGroupSelector`` name them); None when one is invalid (the load says why)."""
    groups: dict[str, CidrGroup] = {}
    if not store.holds_kind((CIDR_GROUP,), "default"):
        return groups
    for raw in store.raws():
        if raw.obj.get("kind") != CIDR_GROUP:
            continue
        try:
            group = parse_cidr_group(raw.obj, raw.origin, raw.origin + raw.path)
        except FieldError:
            return None
        if group.name in groups:
            return None  # one name in two versions: the load says so
        groups[group.name] = group
    return groups


def _read(
    raw: RawObject, kind: str, groups: dict[str, CidrGroup]
) -> tuple[list[CiliumPolicy], list[str]] | None:
    """The policies of ``raw`` (one per rule) and the parser's warnings; None when a load
    reads it otherwise (invalid, deprecated, no rule)."""
    placed = classify(raw.obj.get("apiVersion"), kind)
    if placed.info is None or placed.error is not None or placed.deprecated:
        return None
    try:
        parsed = parse_cilium_policy(raw.obj, kind, raw.origin, raw.origin + raw.path, groups)
    except FieldError:
        return None  # the load says why
    if not parsed.policies:
        return None
    return list(parsed.policies), parsed.warnings


def policies_said(
    policies: list[CiliumPolicy], warnings: list[str], cluster: Cluster
) -> list[Diagnostic]:
    """The diagnostics a load makes of ``policies`` (the rules of one object) in
    ``cluster`` (its Services), with the parser's ``warnings``."""
    diag = Diagnostics()
    for warning in warnings:
        diag.add(WARNED, warning, policies[0].origin)
    alone = Cluster()
    alone.cilium_policies, alone.services = list(policies), cluster.services
    cilium_diagnostics(alone, diag)
    return diag.notes


def _warned(d: Diagnostic, policy: CiliumPolicy | None) -> bool:
    """Whether ``d`` is a warning of the parser about ``policy``'s object."""
    return policy is not None and d.code == WARNED and d.origin == policy.origin


def _identity(policy: CiliumPolicy) -> tuple[str, str, str]:
    return (policy.kind, policy.namespace, policy.name)
