"""Cilium policies (``cilium.io/v2``): CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.

Parsing and validation are in ``reach.input.cilium``; what each field means, with
the sentence of the Cilium documentation it comes from, is in docs/semantics.md.

Selectors here are over a pod's *identity labels*, the labels Cilium derives
for an endpoint (see :func:`identity_labels`): its own labels, plus its
namespace, its namespace's labels, its service account and its cluster. Keys
are stored without the source prefix ``k8s:`` or ``any:`` (every label of a
pod has source ``k8s``, and ``any`` matches every source); a key with another
source (``reserved:host``, ``container:x``) is kept with its prefix, and since a
Kubernetes label key never holds ``:``, it matches no pod.

The implicit namespace constraints are applied by the parser, so the engine
evaluates selectors as written here: a CiliumNetworkPolicy's
``endpointSelector`` holds ``io.kubernetes.pod.namespace In [ns]``; a peer
selector of a CiliumNetworkPolicy without a namespace key or namespace-label key
holds the same; one of a CiliumClusterwideNetworkPolicy holds
``io.kubernetes.pod.namespace Exists``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec
from reach.model.selectors import LabelSelector
from reach.model.services import Service

#: The identity label of a pod's namespace (``k8s:io.kubernetes.pod.namespace``).
NAMESPACE_KEY = "io.kubernetes.pod.namespace"
#: Prefix of the identity labels copied from the pod's namespace.
NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels."
#: The identity label of a pod's service account.
SERVICE_ACCOUNT_KEY = "io.cilium.k8s.policy.serviceaccount"
#: The identity label of the pod's cluster (clustermesh); reach reads one cluster.
CLUSTER_KEY = "io.cilium.k8s.policy.cluster"
#: The name Cilium gives a cluster when none is configured.
DEFAULT_CLUSTER = "default"

#: Entities (``fromEntities``/``toEntities``) and what each matches in reach's model.
#: ``world*`` are external addresses; ``cluster`` and ``all`` hold every pod;
#: ``host`` and ``remote-node`` hold host-networked pods (which node a pod runs on is
#: not known offline); the rest have no counterpart among pods and addresses.
ENTITIES = (
    "all",
    "cluster",
    "host",
    "remote-node",
    "kube-apiserver",
    "ingress",
    "init",
    "health",
    "unmanaged",
    "world",
    "world-ipv4",
    "world-ipv6",
    "none",
)


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """A ``toServices`` item: a Service by name, or Services by label selector, in a namespace.

    ``namespace`` defaults (in the parser) to the policy's namespace, as Cilium does
    for a CiliumNetworkPolicy; for a clusterwide policy an absent namespace is ``""``
    (every namespace).
    """

    namespace: str
    name: str | None = None
    selector: LabelSelector | None = None

    def takes(self, service: Service) -> bool:
        """Whether this item takes ``service``: of its namespace (any, when ``""``), its
        name and its label selector, where given."""
        return (
            self.namespace in ("", service.namespace)
            and (self.name is None or self.name == service.name)
            and (self.selector is None or self.selector.matches(dict(service.labels)))
        )

    def __str__(self) -> str:
        where = self.namespace or "*"
        if self.name is not None:
            return f"service {where}/{self.name}"
        return f"services {where}/{{{self.selector}}}"


@dataclass(frozen=True, slots=True)
class CiliumRule:
    """One item of ``ingress``, ``egress``, ``ingressDeny`` or ``egressDeny``.

    The peer fields are ORed: a peer matches when any of ``endpoints``, ``entities``,
    ``cidrs`` or ``services`` holds it. ``wildcard`` is true when the rule names no
    peer field at all (only ``toPorts``, or nothing): Cilium then matches every peer,
    inside the cluster or out, but a rule with neither peers nor ports (``{}``)
    matches nothing (``empty``). ``ports`` of ``None`` means every port.

    What offline analysis cannot decide is kept, never dropped: ``fqdns``
    (``toFQDNs`` patterns; match no address here), ``l7`` (a summary of each L7 rule
    set of ``toPorts[].rules``: the L4 part is allowed, the edge is L7 filtered) and
    ``unresolved`` (other fields that match nothing here, such as ``fromNodes``,
    ``toGroups``, ``icmps``, ``authentication``).
    """

    direction: str  # "ingress" | "egress"
    deny: bool
    index: int
    endpoints: tuple[LabelSelector, ...] = ()
    entities: tuple[str, ...] = ()
    cidrs: tuple[IPBlock, ...] = ()
    services: tuple[ServiceRef, ...] = ()
    ports: tuple[PortSpec, ...] | None = None
    wildcard: bool = False
    empty: bool = False
    fqdns: tuple[str, ...] = ()
    l7: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """The field the rule is written in: ``ingress``, ``egressDeny`` ..."""
        return self.direction + ("Deny" if self.deny else "")

    @property
    def action(self) -> str:
        return "Deny" if self.deny else "Allow"


#: Short names used in messages.
CILIUM_KINDS = {
    "CiliumNetworkPolicy": "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy": "CiliumClusterwideNetworkPolicy",
}


@dataclass(frozen=True, slots=True)
class CiliumPolicy:
    """One rule of a Cilium policy object: its ``spec``, or one item of its ``specs``.

    ``part`` is ``-1`` for ``spec`` and the index in ``specs`` otherwise. A
    direction is isolating (default deny) when the rule has a non-empty list of
    that direction (allow or deny) and ``enableDefaultDeny`` does not turn it off.
    A rule with a ``nodeSelector`` applies to nodes, not pods: it is kept with
    ``node_selector`` set and selects no pod.
    """

    kind: str  # "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy"
    namespace: str  # "" for a clusterwide policy
    name: str
    endpoint_selector: LabelSelector
    ingress: tuple[CiliumRule, ...] = ()
    egress: tuple[CiliumRule, ...] = ()
    ingress_isolating: bool = False
    egress_isolating: bool = False
    part: int = -1
    node_selector: LabelSelector | None = None
    origin: str = ""

    @property
    def clusterwide(self) -> bool:
        return self.kind == "CiliumClusterwideNetworkPolicy"

    @property
    def rules(self) -> tuple[CiliumRule, ...]:
        return self.ingress + self.egress

    def __str__(self) -> str:
        where = self.name if self.clusterwide else f"{self.namespace}/{self.name}"
        part = f" specs[{self.part}]" if self.part >= 0 else ""
        return f"{self.kind} {where}{part}"


def identity_labels(
    labels: Mapping[str, str],
    *,
    namespace: str,
    namespace_labels: Mapping[str, str],
    service_account: str,
) -> dict[str, str]:
    """The labels Cilium gives a pod's identity, keys without their ``k8s:`` source.

    "Namespace-specific information such as ``io.cilium.k8s.namespace.labels`` can be
    used within ``fromEndpoints`` and ``toEndpoints`` [...] The label format is
    ``io.cilium.k8s.namespace.labels.<label-key>``" (kubernetes.rst).
    """
    out = dict(labels)
    out[NAMESPACE_KEY] = namespace
    for key, value in namespace_labels.items():
        out[NAMESPACE_LABELS_PREFIX + key] = value
    out[SERVICE_ACCOUNT_KEY] = service_account
    out[CLUSTER_KEY] = DEFAULT_CLUSTER
    return out
