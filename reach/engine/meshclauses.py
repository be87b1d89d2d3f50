"""Which clauses of Istio's AuthorizationPolicies a caller satisfies: a pod (with its
identity and without) or an external address range (docs/semantics.md, "Istio
authorization")."""

from __future__ import annotations

from reach.engine.meshaddress import ip_holds, pod_address
from reach.engine.meshrules import (
    clause_ids,
    condition_holds,
    identity_absent_holds,
    identity_holds,
)
from reach.model.cluster import Pod
from reach.model.ipspace import IPRange
from reach.model.istio import Condition, IstioObjects, Source

Clauses = list[tuple[tuple[int, ...], Source | Condition, str]]


def all_clauses(istio: IstioObjects) -> Clauses:
    """Every clause of every rule: (id, source or identity condition, policy namespace)."""
    return [
        (cid, clause, policy.namespace)
        for k, policy in enumerate(istio.authorization)
        for rule in policy.rules
        for cid, clause in clause_ids(k, rule)
    ]


def pod_clauses(
    clauses: Clauses, namespace: str, account: str, pod: Pod
) -> tuple[frozenset[tuple[int, ...]], frozenset[tuple[int, ...]]]:
    """The clauses a pod of ``namespace`` with service account ``account`` satisfies with
    its identity and without; ipBlocks against the pod's own address (none known: an
    ipBlocks list keeps the pod out, a notIpBlocks list does not)."""
    address = pod_address(pod)
    with_id: set[tuple[int, ...]] = set()
    without_id: set[tuple[int, ...]] = set()
    for cid, clause, policy_ns in clauses:
        if isinstance(clause, Condition):
            present = condition_holds(clause, namespace, account)
            absent = condition_holds(clause, namespace, None)
        else:
            ip = ip_holds(clause, address)
            present = ip and identity_holds(clause, namespace, account, policy_ns)
            absent = ip and identity_absent_holds(clause)
        if present:
            with_id.add(cid)
        if absent:
            without_id.add(cid)
    return frozenset(with_id), frozenset(without_id)


def segment_clauses(istio: IstioObjects, seg: IPRange | None) -> frozenset[tuple[int, ...]]:
    """The clauses an external address range satisfies (it has no identity)."""
    out: set[tuple[int, ...]] = set()
    for k, policy in enumerate(istio.authorization):
        for rule in policy.rules:
            for cid, clause in clause_ids(k, rule):
                if isinstance(clause, Condition):
                    if condition_holds(clause, "", None):
                        out.add(cid)
                elif identity_absent_holds(clause) and ip_holds(clause, seg):
                    out.add(cid)
    return frozenset(out)
