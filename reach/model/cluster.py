"""The cluster model: namespaces, pods, NetworkPolicies and cluster-scoped policies.

Frozen dataclasses, gathered in a :class:`Cluster`. Everything here is already
validated; the engine never looks at raw dicts.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from reach.errors import Diagnostic
from reach.model.calico import CalicoObjects
from reach.model.cilium import CiliumPolicy
from reach.model.gateway import GatewayAPI
from reach.model.ipspace import IPBlock
from reach.model.istio import IstioObjects
from reach.model.ports import PortSpec as PortSpec  # re-exported: defined beside PortSet
from reach.model.selectors import LabelSelector
from reach.model.services import EntryRoute, Service

NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: tuple[tuple[str, str], ...]
    origin: str = ""

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @classmethod
    def implied(cls, name: str) -> Namespace:
        """The namespace a load makes when no Namespace object declares it: its name
        label alone."""
        return cls(name, ((NAME_LABEL, name),))


@dataclass(frozen=True, slots=True)
class ContainerPort:
    port: int
    protocol: str = "TCP"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """The controller a pod belongs to, as shown in output (``ns/name[Kind]``)."""

    namespace: str
    name: str
    kind: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    ports: tuple[ContainerPort, ...] = ()
    workload: Workload | None = None
    host_network: bool = False
    phase: str | None = None
    ips: tuple[str, ...] = ()
    origin: str = ""
    #: ``spec.serviceAccountName`` (``default`` when absent), which Cilium policies select.
    service_account: str = "default"
    #: The annotation ``sidecar.istio.io/inject`` (None when absent): Istio injection.
    sidecar_inject: str | None = None

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def owner(self) -> Workload:
        """The workload shown for this pod: its controller, or the pod itself."""
        return self.workload or Workload(self.namespace, self.name, "Pod")

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class Peer:
    """One item of ``from``/``to``: selectors (ANDed when both given) or an ipBlock."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """An ingress or egress rule. ``peers``/``ports`` of ``None`` match everything."""

    peers: tuple[Peer, ...] | None
    ports: tuple[PortSpec, ...] | None
    index: int = 0


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    ingress_isolating: bool
    egress_isolating: bool
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


#: Short names used in messages: "ANP deny-x (priority 10)".
ADMIN_KINDS = {
    "AdminNetworkPolicy": "ANP",
    "BaselineAdminNetworkPolicy": "BANP",
    "ClusterNetworkPolicy": "CNP",
}


@dataclass(frozen=True, slots=True)
class AdminRule:
    """A rule of an ANP, BANP or ClusterNetworkPolicy: the first that matches decides.

    ``action`` is ``Allow``, ``Deny`` or ``Pass`` (ClusterNetworkPolicy's ``Accept`` is
    ``Allow``). ``unresolved`` names peers offline analysis cannot resolve (``nodes``,
    ``domainNames``); they match nothing here and are reported.
    """

    name: str
    action: str
    peers: tuple[Peer, ...]
    ports: tuple[PortSpec, ...] | None
    index: int = 0
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdminPolicy:
    """A cluster-scoped policy in the Admin or Baseline tier."""

    kind: str
    name: str
    tier: str  # "Admin" | "Baseline"
    priority: int  # BANP has none: -1 puts it before ClusterNetworkPolicy baselines
    subject: Peer
    ingress: tuple[AdminRule, ...] = ()
    egress: tuple[AdminRule, ...] = ()
    origin: str = ""

    def __str__(self) -> str:
        short = ADMIN_KINDS.get(self.kind, self.kind)
        prio = f" (priority {self.priority})" if self.priority >= 0 else ""
        return f"{short} {self.name}{prio}"


@dataclass
class Cluster:
    """Everything the engine needs, plus what was skipped and warned about."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    pods: list[Pod] = field(default_factory=list)
    #: How many of ``pods``, the first ones (sorted by namespace and name), are Pod objects
    #: of the input; the others are expanded from workload templates.
    pods_from_objects: int = 0
    policies: list[NetworkPolicy] = field(default_factory=list)
    admin_policies: list[AdminPolicy] = field(default_factory=list)
    #: CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies, one per rule (``specs``).
    cilium_policies: list[CiliumPolicy] = field(default_factory=list)
    #: Calico policies, tiers, network sets, profiles and host endpoints (reach.model.calico).
    calico: CalicoObjects = field(default_factory=CalicoObjects)
    #: Services, and the Ingresses and Routes that send outside traffic to them.
    services: list[Service] = field(default_factory=list)
    routes: list[EntryRoute] = field(default_factory=list)
    #: Gateways, their routes and ReferenceGrants (reach.model.gateway).
    gateway_api: GatewayAPI = field(default_factory=GatewayAPI)
    #: Istio's AuthorizationPolicies and PeerAuthentications (reach.model.istio).
    istio: IstioObjects = field(default_factory=IstioObjects)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Those of ``diagnostics`` that reading the entry points made (Services, Ingresses,
    #: Routes, Gateway API objects: ``reach.input.entrypoints.read_entries``).
    entry_diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def pods_of(self, namespace: str) -> list[Pod]:
        """The pods of ``namespace``: its Pod objects, then those expanded from its
        workloads."""
        count = self.pods_from_objects
        expanded = (p for p in self.pods[count:] if p.namespace == namespace)
        return [*self.pod_objects_of(namespace), *expanded]

    def pod_objects_of(self, namespace: str) -> list[Pod]:
        """The Pod objects of ``namespace`` (found by bisection among the sorted ones)."""
        pods, count = self.pods, self.pods_from_objects
        lo = bisect.bisect_left(pods, namespace, hi=count, key=_namespace_of)
        return pods[lo : bisect.bisect_right(pods, namespace, lo=lo, hi=count, key=_namespace_of)]

    def namespace(self, name: str) -> Namespace:
        """The namespace, created with just its name label when never declared."""
        ns = self.namespaces.get(name)
        if ns is None:
            ns = Namespace.implied(name)
            self.namespaces[name] = ns
        return ns


def _namespace_of(pod: Pod) -> str:
    return pod.namespace
