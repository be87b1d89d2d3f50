"""The mesh's features of the kept label classes after Istio's security objects (or,
without REGISTRY_ONLY, its Sidecars and ServiceEntries) changed
(:mod:`reach.engine.meshmoves`), read again only where they may differ.

The AuthorizationPolicies that apply to a pod are those of its namespace and of the root
namespace, and so are the PeerAuthentications that make its mTLS regions: a pod of a
namespace where no such object changed keeps them (its policies renumbered: policies are
numbered in name order, and one added or deleted moves those after it). The clauses a
caller satisfies are those of every policy: the kept policies' clauses are renumbered
likewise, and the clauses of the policies added or changed are asked of each namespace,
service account and mesh key once.
"""

from __future__ import annotations

from dataclasses import replace

from reach.engine.meshclauses import all_clauses, pod_clauses
from reach.engine.meshfeatures import FeatureReader, Features
from reach.engine.meshlayer import MeshLayer
from reach.model.istio import ROOT_NAMESPACE, IstioObjects

Ids = frozenset[tuple[int, ...]]


def features_again(before: MeshLayer, after: MeshLayer) -> list[Features]:
    """The features of each of ``before``'s label classes (by the pod that stands for it)
    in ``after``'s cluster."""
    old, new = before.cluster.istio, after.cluster.istio
    read = FeatureReader(after.cluster, after.class_key)
    remap, touched = _kept(old, new)
    # Sidecars and ServiceEntries are read of a pod under REGISTRY_ONLY only (its egress
    # and entries); without it, changed, they change no feature (a Sidecar added at 10k
    # pods read every label class again: 133-143 ms in one process, 44-61 without)
    if ROOT_NAMESPACE in touched or (new.registry_only and old.unevaluated != new.unevaluated):
        return [read(f.pod) for f in before.features]
    kept = set(remap.values())
    fresh = [c for c in all_clauses(new) if c[0][0] not in kept]
    groups: dict[tuple[object, ...], tuple[Ids, Ids]] = {}
    out = []
    for f in before.features:
        pod = f.pod
        if pod.namespace in touched:
            out.append(read(pod))
            continue
        who = (pod.namespace, pod.service_account, after.class_key(pod))
        ids = groups.get(who)
        if ids is None:
            more = pod_clauses(fresh, pod.namespace, pod.service_account, pod)
            ids = groups[who] = (
                _renumbered(f.with_identity, remap) | more[0],
                _renumbered(f.without_identity, remap) | more[1],
            )
        policies = tuple(remap[k] for k in f.policies)
        if policies == f.policies and ids == (f.with_identity, f.without_identity):
            out.append(f)  # most pods, when a policy changed in place
        else:
            out.append(replace(f, policies=policies, with_identity=ids[0], without_identity=ids[1]))
    return out


def _kept(old: IstioObjects, new: IstioObjects) -> tuple[dict[int, int], set[str]]:
    """The new number of each AuthorizationPolicy kept as it was, and the namespaces of
    the AuthorizationPolicies and PeerAuthentications added, changed or deleted."""
    index = {(p.namespace, p.name): k for k, p in enumerate(new.authorization)}
    remap: dict[int, int] = {}
    touched: set[str] = set()
    for k, policy in enumerate(old.authorization):
        j = index.get((policy.namespace, policy.name))
        if j is not None and new.authorization[j] == policy:
            remap[k] = j
        else:
            touched.add(policy.namespace)
    kept = set(remap.values())
    touched |= {p.namespace for j, p in enumerate(new.authorization) if j not in kept}
    before = {(p.namespace, p.name): p for p in old.peer_authentication}
    after = {(p.namespace, p.name): p for p in new.peer_authentication}
    touched |= {k[0] for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return remap, touched


def _renumbered(ids: Ids, remap: dict[int, int]) -> Ids:
    """The clause ids of kept policies, with their policies' new numbers."""
    return frozenset((remap[c[0]], *c[1:]) for c in ids if c[0] in remap)
