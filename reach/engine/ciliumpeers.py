"""A Cilium rule's peers written as NetworkPolicy peers, for representative peers.

Representative peers (``representatives``) stand for pods that may not exist
yet, described by a namespace part and a pod part. A Cilium identity selector
mixes both: requirements on ``io.kubernetes.pod.namespace`` are on the
namespace's name, ``io.cilium.k8s.namespace.labels.<k>`` on its labels, and the
rest (pod labels, the service account) on the pod. Entities that hold every pod
are the whole cluster; CIDRs are ipBlocks; the other entities, Services, FQDNs
and unresolved fields stand for no representative.
"""

from __future__ import annotations

from reach.engine.rules import AnyRule
from reach.model.cilium import (
    CLUSTER_KEY,
    DEFAULT_CLUSTER,
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    CiliumRule,
)
from reach.model.cluster import NAME_LABEL, Peer
from reach.model.selectors import LabelSelector, Requirement

_EVERY_POD = frozenset({"all", "cluster"})


def peers_of(rule: AnyRule) -> tuple[Peer, ...] | None:
    """The rule's peers as NetworkPolicy peers (``None``: every peer)."""
    if not isinstance(rule, CiliumRule):
        return rule.peers
    if rule.empty:
        return ()
    if rule.wildcard:
        return None
    peers = [_peer(selector) for selector in rule.endpoints]
    if _EVERY_POD.intersection(rule.entities):
        peers.append(Peer(namespace_selector=LabelSelector()))
    peers += [Peer(ip_block=block) for block in rule.cidrs]
    return tuple(peers)


def _peer(selector: LabelSelector) -> Peer:
    """An identity selector split into its namespace part and its pod part."""
    namespace: list[Requirement] = []
    pod: list[Requirement] = []
    for req in selector.requirements:
        if req.key == NAMESPACE_KEY and req.operator == "Exists":
            continue  # every pod has a namespace (the constraint a clusterwide policy adds)
        if req.key == NAMESPACE_KEY:
            namespace.append(Requirement(NAME_LABEL, req.operator, req.values))
        elif req.key.startswith(NAMESPACE_LABELS_PREFIX):
            key = req.key[len(NAMESPACE_LABELS_PREFIX) :]
            namespace.append(Requirement(key, req.operator, req.values))
        elif not (
            req.key == CLUSTER_KEY and req.operator == "In" and DEFAULT_CLUSTER in req.values
        ):
            pod.append(req)
    return Peer(
        pod_selector=LabelSelector(tuple(pod)), namespace_selector=LabelSelector(tuple(namespace))
    )
