"""What the mesh sees of a label class, read off one pod of it: whether it has a sidecar,
the AuthorizationPolicies that apply to it, the clauses it satisfies as a caller (with
its identity and without), and under REGISTRY_ONLY what its proxy forwards and the
registry hosts that reach it (docs/semantics.md, "Istio authorization")."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from reach.engine.meshclauses import all_clauses, pod_clauses
from reach.engine.meshegress import Egress, Entry, egress_of, pod_entries
from reach.engine.meshprotocol import plain_tcp_ports
from reach.engine.meshrules import Region, applies, regions
from reach.model.cluster import Cluster, Namespace, Pod
from reach.model.istio import INJECT_KEY, INJECTION_LABEL, REVISION_LABEL, ROOT_NAMESPACE
from reach.model.ports import PortSet
from reach.model.selectors import Labels


def has_sidecar(pod: Pod, namespace: Namespace | None, labels: Labels | None = None) -> bool:
    """Sidecar injection: the pod's label or annotation ``sidecar.istio.io/inject``
    (``false`` keeps it out, the label ``true`` puts it in), else the namespace labels
    ``istio-injection=enabled`` or ``istio.io/rev``; host-networked pods never have one."""
    if pod.host_network:
        return False
    labels = pod.label_map if labels is None else labels
    ns = namespace.label_map if namespace else {}
    if ns.get(INJECTION_LABEL) == "disabled":
        return False
    if labels.get(INJECT_KEY) == "false" or pod.sidecar_inject == "false":
        return False
    if labels.get(INJECT_KEY) == "true":
        return True
    return ns.get(INJECTION_LABEL) == "enabled" or REVISION_LABEL in ns or REVISION_LABEL in labels


@dataclass
class Features:
    """What the mesh sees of a label class: from its first pod."""

    pod: Pod
    sidecar: bool
    policies: tuple[int, ...]
    with_identity: frozenset[tuple[int, ...]]
    without_identity: frozenset[tuple[int, ...]]
    #: REGISTRY_ONLY: the restriction of its proxy, the registry hosts that reach it.
    egress: Egress | None = None
    entries: tuple[Entry, ...] = ()
    #: With a sidecar: the ports that carry plain TCP (HTTP attributes missing there).
    tcp_ports: PortSet = field(default_factory=PortSet.empty)
    #: With a sidecar: its mTLS regions (PeerAuthentications).
    regions: tuple[Region, ...] | None = None


class FeatureReader:
    """Reads the :class:`Features` of pods of one cluster (the clauses each namespace,
    service account and mesh key satisfies are found once)."""

    def __init__(self, cluster: Cluster, class_key: Callable[[Pod], Hashable]) -> None:
        self.cluster = cluster
        self.class_key = class_key
        self.clauses = all_clauses(cluster.istio)
        self.known: dict[tuple[object, ...], tuple[frozenset[tuple[int, ...]], ...]] = {}
        self.scoped: dict[str, list[int]] = {}  # policies by namespace
        for k, p in enumerate(cluster.istio.authorization):
            self.scoped.setdefault(p.namespace, []).append(k)

    def __call__(self, pod: Pod) -> Features:
        cluster, istio, scoped = self.cluster, self.cluster.istio, self.scoped
        labels = pod.label_map
        sidecar = has_sidecar(pod, cluster.namespaces.get(pod.namespace), labels)
        near = sorted(scoped.get(pod.namespace, []) + scoped.get(ROOT_NAMESPACE, []))
        policies = tuple(
            k
            for k in (near if sidecar else ())
            if applies(istio.authorization[k], pod.namespace, labels)
        )
        who = (pod.namespace, pod.service_account, self.class_key(pod))
        if who not in self.known:
            self.known[who] = pod_clauses(self.clauses, pod.namespace, pod.service_account, pod)
        with_id, without_id = self.known[who]
        f = Features(pod, sidecar, policies, with_id, without_id)
        if sidecar:
            f.regions = regions(istio.peer_authentication, pod.namespace, labels)
        if sidecar and cluster.services:
            f.tcp_ports = plain_tcp_ports(cluster.services, pod)
        if istio.registry_only:
            f.egress = egress_of(istio, pod, sidecar)
            f.entries = pod_entries(istio, cluster.services, pod)
        return f
