"""Every kind reach knows, by API group and kind, and what it does with each.

One table (:data:`KINDS`) says, for each ``(group, kind)``:

- ``EVALUATED``: read and evaluated (namespaces, pods, workloads, the policy APIs);
- ``ENTRY_POINT``: Services, Ingress, Routes, Gateway API objects: ways into the cluster,
  which do not change pod-to-pod connectivity (no diagnostic);
- ``POLICY_BEARING``: can allow or deny traffic but is not evaluated: each object gets an
  ``unevaluated-kind`` warning (``partial``);
- ``IRRELEVANT``: cannot change connectivity (no diagnostic).

:func:`classify` places any ``apiVersion``/``kind`` pair: a kind of the table, a misspelt
one (an error with the likely intended kind), an unknown one that looks like a policy (a
name ending in ``Policy``, or a network plugin's group: flagged), or another unknown one
(an ``unread-kind`` note). ``docs/kinds.md`` is generated from the table
(:func:`markdown_table`); a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from reach.words import excerpt


class Category(Enum):
    EVALUATED = "evaluated"
    ENTRY_POINT = "entry point"
    POLICY_BEARING = "not evaluated: flagged"
    IRRELEVANT = "ignored"


@dataclass(frozen=True)
class KindInfo:
    """One kind: its group (``""`` for the core group), what reach does with it and why.

    ``versions`` are the versions an EVALUATED kind is read in (others are an error);
    ``deprecated`` ones are read too, with a ``deprecated-api`` warning. Kinds of other
    categories are placed whatever their version.
    """

    group: str
    kind: str
    category: Category
    reason: str
    versions: tuple[str, ...] = ()
    deprecated: tuple[str, ...] = ()

    @property
    def api(self) -> str:
        """The preferred ``apiVersion`` (or the group alone when no version is fixed)."""
        version = (self.versions or self.deprecated or ("",))[0]
        if not version:
            return self.group or "v1"
        return f"{self.group}/{version}" if self.group else version


# One line per group and reason: category | API group | kinds | versions | why.
# Categories: E evaluated, P entry point, X policy-bearing (flagged), I irrelevant. Versions
# only for evaluated kinds: ~v marks a deprecated version, still read, with a warning.
_TABLE = """
E | core | Namespace | v1 | namespace labels select peers
E | core | Pod | v1 | the endpoints of every connection
E | core | ReplicationController | v1 | expanded into its template's pods
E | apps | Deployment StatefulSet | v1 ~v1beta1 ~v1beta2 | expanded into its template's pods
E | apps | DaemonSet ReplicaSet | v1 ~v1beta2 | expanded into its template's pods
E | batch | Job | v1 | expanded into its template's pods
E | batch | CronJob | v1 ~v1beta1 | expanded into its job template's pods
E | extensions | Deployment DaemonSet ReplicaSet | ~v1beta1 | same pod template as apps/v1; \
removed in Kubernetes 1.16
E | networking.k8s.io | NetworkPolicy | v1 | Kubernetes network policy
E | extensions | NetworkPolicy | ~v1beta1 | same schema as networking.k8s.io/v1; removed in \
Kubernetes 1.16
E | policy.networking.k8s.io | AdminNetworkPolicy | v1alpha1 | cluster-scoped, Admin tier
E | policy.networking.k8s.io | BaselineAdminNetworkPolicy | v1alpha1 | cluster-scoped, Baseline tier
E | policy.networking.k8s.io | ClusterNetworkPolicy | v1alpha2 | cluster-scoped, Admin or \
Baseline tier
E | cilium.io | CiliumNetworkPolicy | v2 | Cilium L3-L4 policy with deny rules (L7 parts \
reported, not evaluated)
E | cilium.io | CiliumClusterwideNetworkPolicy | v2 | Cilium cluster-wide L3-L4 policy with deny \
rules (L7 parts reported, not evaluated)
E | cilium.io | CiliumCIDRGroup | v2 v2alpha1 | external CIDRs named by Cilium policies \
(cidrGroupRef, cidrGroupSelector)
E | projectcalico.org | NetworkPolicy GlobalNetworkPolicy | v3 | Calico policy: allow, deny, \
pass and log rules, ordered by tier
E | crd.projectcalico.org | NetworkPolicy GlobalNetworkPolicy | v1 | Calico policy, storage form
E | projectcalico.org | StagedNetworkPolicy StagedGlobalNetworkPolicy \
StagedKubernetesNetworkPolicy | v3 | staged Calico policy: read and validated, never enforced \
(calico-staged)
E | crd.projectcalico.org | StagedNetworkPolicy StagedGlobalNetworkPolicy \
StagedKubernetesNetworkPolicy | v1 | staged Calico policy: read and validated, never enforced \
(calico-staged)
E | projectcalico.org | Tier | v3 | Calico policy tier: its order and default action
E | crd.projectcalico.org | Tier | v1 | Calico policy tier: its order and default action
E | projectcalico.org | NetworkSet GlobalNetworkSet | v3 | labelled external CIDRs that Calico \
rule selectors pick
E | crd.projectcalico.org | NetworkSet GlobalNetworkSet | v1 | labelled external CIDRs that \
Calico rule selectors pick
E | projectcalico.org | Profile | v3 | rules applied after the last Calico tier, and labels \
for its endpoints
E | crd.projectcalico.org | Profile | v1 | rules applied after the last Calico tier, and \
labels for its endpoints
E | projectcalico.org | HostEndpoint | v3 | Calico policy on host interfaces: read, outside the \
pod model (calico-host-endpoint)
E | crd.projectcalico.org | HostEndpoint | v1 | Calico policy on host interfaces: read, outside \
the pod model (calico-host-endpoint)
P | core | Service Endpoints | - | a way to reach pods, not a pod-to-pod rule
P | discovery.k8s.io | EndpointSlice | - | a Service's endpoints
P | networking.k8s.io | Ingress IngressClass | - | HTTP entry from outside the cluster
P | extensions | Ingress | - | HTTP entry from outside the cluster (old API)
P | route.openshift.io | Route | - | OpenShift HTTP entry from outside the cluster
P | gateway.networking.k8s.io | Gateway GatewayClass HTTPRoute GRPCRoute TLSRoute TCPRoute \
UDPRoute ReferenceGrant ListenerSet | - | Gateway API: a way into the cluster, not a pod-to-pod rule
X | cilium.io | CiliumLocalRedirectPolicy | - | Cilium redirection of traffic to local pods
X | cilium.io | CiliumEgressGatewayPolicy | - | Cilium egress through gateway nodes
X | crd.antrea.io | NetworkPolicy ClusterNetworkPolicy | - | Antrea-native policy: Allow, Drop, \
Reject, Pass by tier and priority
X | security.antrea.io | NetworkPolicy ClusterNetworkPolicy | - | Antrea-native policy (old API \
group)
E | security.istio.io | AuthorizationPolicy | v1 v1beta1 | Istio ALLOW/DENY rules enforced by \
the sidecars (L7 parts marked; CUSTOM reported, not decided)
E | security.istio.io | PeerAuthentication | v1 v1beta1 | Istio mTLS mode: STRICT refuses \
plain-text clients, DISABLE removes peer identities
X | security.istio.io | RequestAuthentication | - | Istio JWT checks: requests with invalid \
tokens are refused
E | networking.istio.io | Sidecar ServiceEntry | v1 v1beta1 v1alpha3 | Istio egress limits \
(REGISTRY_ONLY: TCP only to the hosts a sidecar imports) and registry hosts; ingress \
listeners and DNS-resolved entries reported, not decided
X | networking.istio.io | EnvoyFilter | - | Istio proxy configuration that may deny
X | extensions.istio.io | WasmPlugin | - | Istio proxy extension that may deny
X | policy.linkerd.io | Server | - | Linkerd: a port with a Server refuses clients not authorized
X | policy.linkerd.io | ServerAuthorization AuthorizationPolicy | - | Linkerd authorization of \
clients
X | policy.linkerd.io | MeshTLSAuthentication NetworkAuthentication | - | Linkerd client \
identities for authorization
X | policy.linkerd.io | EgressNetwork | - | Linkerd allow/deny of egress traffic
X | networking.gke.io | FQDNNetworkPolicy | - | GKE egress policy by domain name
X | k8s.ovn.org | EgressFirewall | - | OVN-Kubernetes egress allow/deny by CIDR or DNS name
X | k8s.ovn.org | EgressQoS | - | OVN-Kubernetes marking of egress traffic
X | k8s.ovn.org | UserDefinedNetwork ClusterUserDefinedNetwork | - | OVN-Kubernetes network that \
isolates its pods from the default one
X | k8s.cni.cncf.io | MultiNetworkPolicy | - | policy on secondary (Multus) networks
X | network.openshift.io | EgressNetworkPolicy | - | OpenShift SDN egress allow/deny
X | network.openshift.io | NetNamespace | - | OpenShift SDN multitenant isolation
I | core | ConfigMap Secret ServiceAccount Event LimitRange ResourceQuota PersistentVolume \
PersistentVolumeClaim PodTemplate Binding ComponentStatus | - | configuration or storage, not \
traffic
I | core | Node | - | not read: admin-policy node peers are reported as unresolved
I | apps | ControllerRevision | - | workload history
I | autoscaling | HorizontalPodAutoscaler | - | scaling; the number of replicas changes no rule
I | autoscaling.k8s.io | VerticalPodAutoscaler | - | resource requests
I | policy | PodDisruptionBudget PodSecurityPolicy | - | pod scheduling and security
I | rbac.authorization.k8s.io | Role ClusterRole RoleBinding ClusterRoleBinding | - | API \
permissions, not traffic
I | storage.k8s.io | StorageClass CSIDriver CSINode VolumeAttachment CSIStorageCapacity \
VolumeAttributesClass | - | storage
I | snapshot.storage.k8s.io | VolumeSnapshot VolumeSnapshotClass VolumeSnapshotContent | - | storage
I | apiextensions.k8s.io | CustomResourceDefinition | - | defines an API, not traffic
I | apiregistration.k8s.io | APIService | - | defines an API, not traffic
I | admissionregistration.k8s.io | MutatingWebhookConfiguration ValidatingWebhookConfiguration \
ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding MutatingAdmissionPolicy \
MutatingAdmissionPolicyBinding | - | admission of API requests, not traffic
I | scheduling.k8s.io | PriorityClass | - | scheduling
I | node.k8s.io | RuntimeClass | - | container runtime
I | coordination.k8s.io | Lease | - | leader election
I | certificates.k8s.io | CertificateSigningRequest ClusterTrustBundle | - | certificates
I | events.k8s.io | Event | - | events
I | flowcontrol.apiserver.k8s.io | FlowSchema PriorityLevelConfiguration | - | API server \
request priority
I | networking.k8s.io | IPAddress ServiceCIDR | - | Service address allocation
I | resource.k8s.io | ResourceClaim ResourceClaimTemplate DeviceClass ResourceSlice | - | device \
allocation
I | kustomize.config.k8s.io | Kustomization Component | - | kustomize's build files
I | gateway.networking.k8s.io | BackendTLSPolicy BackendLBPolicy | - | TLS and load balancing \
toward a backend; allows or denies nothing
I | kyverno.io | ClusterPolicy Policy PolicyException CleanupPolicy ClusterCleanupPolicy | - | \
admission policy for API objects, not traffic
I | policies.kyverno.io | ValidatingPolicy GeneratingPolicy MutatingPolicy \
ImageValidatingPolicy DeletingPolicy | - | admission policy for API objects, not traffic
I | policy.cert-manager.io | CertificateRequestPolicy | - | certificate issuance
I | cilium.io | CiliumNode CiliumEndpoint CiliumIdentity CiliumExternalWorkload \
CiliumLoadBalancerIPPool CiliumNodeConfig CiliumBGPPeeringPolicy | - | Cilium \
state and address management; policies that use it are flagged
I | projectcalico.org crd.projectcalico.org | IPPool IPReservation BGPConfiguration BGPPeer \
BGPFilter ClusterInformation KubeControllersConfiguration IPAMBlock IPAMConfig IPAMHandle \
BlockAffinity CalicoNodeStatus | - | Calico address and routing management; policies that \
use it are flagged
I | projectcalico.org crd.projectcalico.org | FelixConfiguration | - | Calico dataplane settings
I | crd.antrea.io | ClusterGroup Group | - | Antrea groups; policies that use them are flagged
I | networking.istio.io | VirtualService DestinationRule Gateway WorkloadEntry \
WorkloadGroup ProxyConfig | - | Istio routing of traffic; allows or denies nothing
I | telemetry.istio.io | Telemetry | - | Istio telemetry
I | networking.gke.io | ManagedCertificate | - | certificates
I | k8s.cni.cncf.io | NetworkAttachmentDefinition | - | secondary (Multus) networks; reach \
models the pod network
"""
_CATEGORIES = {
    "E": Category.EVALUATED,
    "P": Category.ENTRY_POINT,
    "X": Category.POLICY_BEARING,
    "I": Category.IRRELEVANT,
}


def _parse(table: str) -> tuple[KindInfo, ...]:
    """The entries of :data:`_TABLE`."""
    out: list[KindInfo] = []
    for line in table.strip().splitlines():
        cat, groups, kinds, versions, reason = (part.strip() for part in line.split(" | "))
        vs = versions.split() if versions != "-" else []
        current = tuple(v for v in vs if not v.startswith("~"))
        old = tuple(v[1:] for v in vs if v.startswith("~"))
        for group in groups.split():
            for kind in kinds.split():
                g = "" if group == "core" else group
                out.append(KindInfo(g, kind, _CATEGORIES[cat], reason, current, old))
    return tuple(out)


#: Every kind reach knows.
KINDS = _parse(_TABLE)

#: API groups of network plugins and meshes: any kind of theirs not in the table is flagged.
PLUGIN_GROUPS = {
    "cilium.io": "Cilium",
    "projectcalico.org": "Calico",
    "crd.projectcalico.org": "Calico",
    "crd.antrea.io": "Antrea",
    "security.antrea.io": "Antrea",
    "security.istio.io": "Istio",
    "networking.istio.io": "Istio",
    "extensions.istio.io": "Istio",
    "policy.linkerd.io": "Linkerd",
    "networking.gke.io": "GKE",
    "k8s.ovn.org": "OVN-Kubernetes",
    "k8s.cni.cncf.io": "Multus",
    "network.openshift.io": "OpenShift SDN",
}

#: Groups served by Kubernetes itself (or its SIGs): a kind they do not serve is an error
#: when another group serves it (``apiVersion: v1`` on a NetworkPolicy).
KUBERNETES_GROUPS = frozenset(
    {k.group for k in KINDS if k.group == "" or "." not in k.group or k.group.endswith("k8s.io")}
)

_BY_KEY = {(k.group, k.kind): k for k in KINDS}
_BY_KIND: dict[str, list[KindInfo]] = {}
for _info in KINDS:
    _BY_KIND.setdefault(_info.kind.lower(), []).append(_info)


@dataclass(frozen=True)
class Placed:
    """Where :func:`classify` put an object.

    Exactly one of: ``info`` (a kind of the table), ``error`` (``(field, message)``: what
    the API server would refuse), ``flag`` (an unknown kind that may carry policy: why),
    or none of them (an unknown kind, not read).
    """

    group: str | None
    version: str
    info: KindInfo | None = None
    error: tuple[str, str] | None = None
    flag: str = ""

    @property
    def deprecated(self) -> bool:
        return self.info is not None and self.version in self.info.deprecated


def classify(api_version: object, kind: str) -> Placed:
    """Place an object by its ``apiVersion`` (``None`` when absent) and ``kind``."""
    if api_version is None:
        return _by_kind_alone(kind)
    if not isinstance(api_version, str) or api_version.count("/") > 1 or not api_version:
        return Placed(
            None, "", error=("apiVersion", f"{excerpt(api_version)} is not GROUP/VERSION")
        )
    group, _, version = api_version.rpartition("/")
    info = _BY_KEY.get((group, kind))
    if info is not None:
        return _known(info, group, version, api_version)
    near = _near(group, kind, api_version)
    if near is not None:
        return Placed(group, version, error=near)
    if kind.lower().endswith("policy"):
        return Placed(group, version, flag="a policy kind reach does not know")
    if group in PLUGIN_GROUPS:
        return Placed(group, version, flag=f"a {PLUGIN_GROUPS[group]} kind reach does not know")
    return Placed(group, version)


def _known(info: KindInfo, group: str, version: str, api_version: str) -> Placed:
    if info.category is Category.EVALUATED and version not in info.versions + info.deprecated:
        served = ", ".join(f"{group}/{v}" if group else v for v in info.versions + info.deprecated)
        return Placed(
            group,
            version,
            error=("apiVersion", f"{api_version!r} does not serve {info.kind} (use {served})"),
        )
    return Placed(group, version, info=info)


def _near(group: str, kind: str, api_version: str) -> tuple[str, str] | None:
    """The error for a kind that the table has under another spelling or another group."""
    same_name = _BY_KIND.get(kind.lower(), [])
    in_group = [k for k in same_name if k.group == group]
    if in_group:  # a kind of this group spelt with other capitals
        return (
            "kind",
            f"{kind!r} is not a kind of {group or 'v1'}: did you mean {in_group[0].kind}?",
        )
    if group not in KUBERNETES_GROUPS or not same_name:
        return None
    other = same_name[0]
    if other.kind != kind:
        return ("kind", f"{kind!r} is not a kind: did you mean {other.kind} ({other.api})?")
    return ("apiVersion", f"{api_version!r} does not serve {kind} (use {other.api})")


def _by_kind_alone(kind: str) -> Placed:
    """No ``apiVersion`` (a Python dict, a list item): the Kubernetes kind of that name."""
    same_name = _BY_KIND.get(kind.lower(), [])
    exact = [k for k in same_name if k.kind == kind]
    if exact:
        info = exact[0]
        version = (info.versions or info.deprecated or ("",))[0]
        return Placed(info.group, version, info=info)
    if same_name:
        return Placed(
            None, "", error=("kind", f"{kind!r} is not a kind: did you mean {same_name[0].kind}?")
        )
    if kind.lower().endswith("policy"):
        return Placed(None, "", flag="a policy kind reach does not know")
    return Placed(None, "")


def current_api(kind: str) -> str:
    """The ``apiVersion`` Kubernetes serves ``kind`` in today (for a deprecated one)."""
    return next(k.api for k in KINDS if k.kind == kind and k.versions)


def markdown_table() -> str:
    """The table of docs/kinds.md: every kind, what reach does with it, and why."""
    lines = ["| API group | kind | reach | why |", "|---|---|---|---|"]
    for k in sorted(KINDS, key=lambda k: (list(Category).index(k.category), k.group, k.kind)):
        versions = ", ".join(k.versions + tuple(f"{v} (deprecated)" for v in k.deprecated))
        what = k.category.value + (f": {versions}" if versions else "")
        lines.append(f"| `{k.group or 'core'}` | {k.kind} | {what} | {k.reason} |")
    return "\n".join(lines)


def kind_info(group: str, kind: str) -> KindInfo | None:
    """The table's entry for a kind of a group (``""`` for the core group), if any."""
    return _BY_KEY.get((group, kind))


def read_quietly(api_version: object, kind: str) -> bool | None:
    """For an update that reads objects again as a load does: whether a load evaluates an
    object of ``api_version`` and ``kind`` (False: it passes over it, and says so as it
    did); None when the load refuses it or says more of it (an error, a deprecated API)."""
    placed = classify(api_version, kind)
    if placed.error or placed.deprecated:
        return None
    return placed.info is not None and placed.info.category is Category.EVALUATED
