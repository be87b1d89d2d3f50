"""Observed flow ends matched to the model: to pods (shown as their workload), to an
outside address, or to a Cilium pseudo node; or unmatched, with the reason.

A Hubble end is matched, in this order, by
1. its pod: the model's pod of that namespace and name (a live snapshot has them);
2. its workload: Hubble's ``workloads`` (kind and name) in its namespace (manifests:
   the pods a Deployment's template gives are named ``web-0``, not as on the cluster);
3. its labels: the pods of its namespace whose every label is among the flow's
   ``k8s:`` labels (Cilium adds labels of its own, so the pod's are a subset);
4. reserved identities: ``reserved:world`` is the flow's outside IP;
   ``reserved:kube-apiserver``, ``reserved:host``, ``reserved:remote-node`` the pseudo
   node of that entity when Cilium rules name it;
5. an end with no namespace and an IP: the outside address.
A CSV end is a node reference, resolved as ``reach path`` resolves it.
Each distinct end is matched once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reach.analysis.refs import RefError, Target, resolve
from reach.engine.arrays import IntVec
from reach.engine.reachability import Reachability
from reach.model.flows import FlowEnd
from reach.model.ipspace import IPRange

#: Cilium's reserved identities that are pseudo nodes of reach, by their entity.
_RESERVED_ENTITY = {
    "reserved:kube-apiserver": "kube-apiserver",
    "reserved:host": "host",
    "reserved:remote-node": "remote-node",
    "reserved:health": "health",
    "reserved:ingress": "ingress",
}


@dataclass(frozen=True)
class Matched:
    """An end in the model: its node (a workload, an address, a pseudo node), its classes,
    and its pods (empty outside the cluster)."""

    node: str
    classes: IntVec
    pods: IntVec
    internal: bool
    #: The outside addresses the end names (None: pods, or a pseudo node).
    address: IPRange | None = None


class Matcher:
    """Matches flow ends to the model, each distinct end once."""

    def __init__(self, reachability: Reachability) -> None:
        self.reachability = reachability
        self._cache: dict[FlowEnd, Matched | str] = {}
        self._by_pod: dict[tuple[str, str], int] = {}
        self._by_workload: dict[tuple[str, str, str], list[int]] = {}
        self._by_namespace: dict[str, list[int]] = {}
        #: Pods by the references ``reach list`` prints (``ns/name[Kind]``, ``pod/ns/name``).
        self._by_ref: dict[str, list[int]] = {}
        for i, pod in enumerate(reachability.pods):
            self._by_pod[(pod.namespace, pod.name)] = i
            owner = pod.owner
            self._by_workload.setdefault((owner.namespace, owner.kind, owner.name), []).append(i)
            self._by_namespace.setdefault(pod.namespace, []).append(i)
            self._by_ref.setdefault(str(owner), []).append(i)
            self._by_ref.setdefault(f"pod/{pod.namespace}/{pod.name}", []).append(i)

    def match(self, end: FlowEnd) -> Matched | str:
        """The end in the model, or why it matches nothing."""
        found = self._cache.get(end)
        if found is None:
            found = self._cache[end] = self._match(end)
        return found

    def _match(self, end: FlowEnd) -> Matched | str:
        if end.ref:
            known = self._by_ref.get(end.ref.strip())
            if known:  # as reach list names it: no search
                return self._pods(known)
            try:
                return self._target(resolve(self.reachability, end.ref))
            except RefError as e:
                return str(e)
        if end.namespace:
            return self._in_namespace(end)
        for label in end.labels:
            if label in _RESERVED_ENTITY:
                return self._entity(_RESERVED_ENTITY[label], label)
        if end.ip:
            return self._target(resolve(self.reachability, end.ip))
        return "no namespace, pod, labels or IP to match"

    def _in_namespace(self, end: FlowEnd) -> Matched | str:
        pod = self._by_pod.get((end.namespace, end.pod)) if end.pod else None
        if pod is not None:
            return self._pods([pod])
        for kind, name in end.workloads:
            pods = self._by_workload.get((end.namespace, kind, name))
            if pods:
                return self._pods(pods)
        labels = {
            x.removeprefix("k8s:") for x in end.labels if ":" not in x or x.startswith("k8s:")
        }
        pods = [
            i
            for i in self._by_namespace.get(end.namespace, [])
            if self.reachability.pods[i].labels
            and all(f"{k}={v}" in labels for k, v in self.reachability.pods[i].labels)
        ]
        if pods:
            return self._pods(pods)
        if end.namespace not in self.reachability.cluster.namespaces:
            return f"namespace {end.namespace} is not in the input"
        return f"no pod of namespace {end.namespace} matches its pod, workloads or labels"

    def _entity(self, entity: str, label: str) -> Matched | str:
        for j, peer in enumerate(self.reachability.pseudo):
            if (peer.kind, peer.name) == ("Entity", entity):
                cls = np.array([self.reachability.first_pseudo + j], dtype=np.intp)
                return Matched(peer.id, cls, np.zeros(0, dtype=np.intp), False)
        return f"{label}: no Cilium rule of the input names this entity"

    def _pods(self, pods: list[int]) -> Matched:
        r = self.reachability
        idx = np.array(sorted(pods), dtype=np.intp)
        owners = sorted({str(r.pods[i].owner) for i in pods})
        node = owners[0] if len(owners) == 1 else " + ".join(owners)
        return Matched(node, np.unique(r.pod_class[idx]), idx, True)

    def _target(self, target: Target) -> Matched | str:
        classes = target.classes(self.reachability)
        if not len(classes):
            return f"{target.text} matches no pod"
        if target.external:
            none = np.zeros(0, dtype=np.intp)
            return Matched(target.label, classes, none, False, target.address_range())
        return self._pods(target.pods.tolist())
