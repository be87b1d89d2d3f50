"""The resources a live read lists, and the client call that lists each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

POLICY_GROUP = "policy.networking.k8s.io"
ROUTE_GROUP = "route.openshift.io"
GATEWAY_GROUP = "gateway.networking.k8s.io"
CILIUM_GROUP = "cilium.io"
CALICO_GROUP = "projectcalico.org"
CALICO_CRD_GROUP = "crd.projectcalico.org"
CALICO_GROUPS = (CALICO_GROUP, CALICO_CRD_GROUP)
ISTIO_SECURITY_GROUP = "security.istio.io"
ISTIO_NETWORKING_GROUP = "networking.istio.io"


@dataclass(frozen=True)
class Resource:
    """One list endpoint: group, version, plural name and the kind of its items."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_plural(self) -> str:
        """The plural as origins name it: with its group (``networkpolicies.projectcalico.org``,
        as kubectl writes it) for Calico's kinds and the flagged ones, whose plurals may
        also be Kubernetes' or another's (Antrea's ``networkpolicies``)."""
        return f"{self.plural}.{self.group}" if self._qualified else self.plural

    @property
    def count_key(self) -> str:
        """The key of the read's object counts: the kind, with its API for Calico's and the
        flagged ones (Linkerd's AuthorizationPolicy is also Istio's)."""
        return f"{self.kind} ({self.api_version})" if self._qualified else self.kind

    @property
    def _qualified(self) -> bool:
        return self.group in CALICO_GROUPS or (self.group, self.plural, self.kind) in FLAGGED_KINDS

    @property
    def rbac(self) -> str:
        """The resource as a ClusterRole rule names it."""
        return f"{self.group}/{self.plural}" if self.group else f'{self.plural} (core API group "")'


#: Always read, in this order.
CORE_RESOURCES = (
    Resource("", "v1", "namespaces", "Namespace"),
    Resource("", "v1", "pods", "Pod"),
    Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Resource("", "v1", "services", "Service"),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    Resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
)
#: Read when discovery shows the group and version served with that resource.
POLICY_RESOURCES = (
    Resource(POLICY_GROUP, "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy"),
    Resource(
        POLICY_GROUP, "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy"
    ),
    Resource(POLICY_GROUP, "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy"),
)


def _versions(group: str, plural: str, kind: str, *versions: str) -> tuple[Resource, ...]:
    return tuple(Resource(group, v, plural, kind) for v in versions)


#: Entry-point kinds installed as CRDs (OpenShift Routes, the Gateway API): each resource
#: in the versions reach knows, preferred first; the first one the cluster serves is read.
#: A group that is not installed is no error (an info diagnostic says so).
ENTRY_RESOURCES = (
    *_versions(ROUTE_GROUP, "routes", "Route", "v1"),
    *_versions(GATEWAY_GROUP, "gateways", "Gateway", "v1", "v1beta1"),
    *_versions(GATEWAY_GROUP, "httproutes", "HTTPRoute", "v1", "v1beta1"),
    *_versions(GATEWAY_GROUP, "grpcroutes", "GRPCRoute", "v1", "v1alpha2"),
    *_versions(GATEWAY_GROUP, "tlsroutes", "TLSRoute", "v1", "v1alpha3", "v1alpha2"),
    *_versions(GATEWAY_GROUP, "tcproutes", "TCPRoute", "v1alpha2"),
    *_versions(GATEWAY_GROUP, "udproutes", "UDPRoute", "v1alpha2"),
    *_versions(GATEWAY_GROUP, "referencegrants", "ReferenceGrant", "v1", "v1beta1", "v1alpha2"),
)
#: Cilium's policies and the CIDR groups they name, read when Cilium's CRDs are installed.
CILIUM_RESOURCES = (
    Resource(CILIUM_GROUP, "v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy"),
    Resource(
        CILIUM_GROUP, "v2", "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy"
    ),
    *_versions(CILIUM_GROUP, "ciliumcidrgroups", "CiliumCIDRGroup", "v2", "v2alpha1"),
)
#: Calico's kinds (plural, kind): policies and their staged forms, tiers, network sets,
#: profiles and host endpoints.
CALICO_KINDS = (
    ("tiers", "Tier"),
    ("networkpolicies", "NetworkPolicy"),
    ("globalnetworkpolicies", "GlobalNetworkPolicy"),
    ("stagednetworkpolicies", "StagedNetworkPolicy"),
    ("stagedglobalnetworkpolicies", "StagedGlobalNetworkPolicy"),
    ("stagedkubernetesnetworkpolicies", "StagedKubernetesNetworkPolicy"),
    ("networksets", "NetworkSet"),
    ("globalnetworksets", "GlobalNetworkSet"),
    ("profiles", "Profile"),
    ("hostendpoints", "HostEndpoint"),
)
#: Calico's API server (``projectcalico.org/v3``) and the CRDs it stores them in
#: (``crd.projectcalico.org/v1``), read when served: a kind the API server serves is read
#: from it only (:func:`preferred`).
CALICO_RESOURCES = tuple(
    Resource(group, version, plural, kind)
    for group, version in ((CALICO_GROUP, "v3"), (CALICO_CRD_GROUP, "v1"))
    for plural, kind in CALICO_KINDS
)
#: Istio's security objects and the networking ones reach reads (docs/semantics.md, "Istio
#: authorization"), read when Istio's CRDs are installed: absent CRDs are no error.
ISTIO_RESOURCES = (
    *_versions(
        ISTIO_SECURITY_GROUP, "authorizationpolicies", "AuthorizationPolicy", "v1", "v1beta1"
    ),
    *_versions(ISTIO_SECURITY_GROUP, "peerauthentications", "PeerAuthentication", "v1", "v1beta1"),
    *_versions(ISTIO_NETWORKING_GROUP, "sidecars", "Sidecar", "v1", "v1beta1", "v1alpha3"),
    *_versions(
        ISTIO_NETWORKING_GROUP, "serviceentries", "ServiceEntry", "v1", "v1beta1", "v1alpha3"
    ),
)
#: Every optional resource, in the order of its group's discovery.
OPTIONAL_RESOURCES = (
    POLICY_RESOURCES + ENTRY_RESOURCES + CILIUM_RESOURCES + CALICO_RESOURCES + ISTIO_RESOURCES
)
#: The kinds other network plugins and meshes enforce policy with, which reach does not
#: evaluate (docs/kinds.md, "not evaluated: flagged"): (group, plural, kind). A live read
#: lists them, in the version discovery prefers, only so that the answer names each
#: object it leaves out (``unevaluated-kind``), as a load of files does; a list that fails
#: is said instead (:data:`FLAGGED_UNLISTED`). ``tests/input/test_live_flagged.py`` holds
#: that every such kind of the table is here.
FLAGGED_KINDS = (
    (CILIUM_GROUP, "ciliumlocalredirectpolicies", "CiliumLocalRedirectPolicy"),
    (CILIUM_GROUP, "ciliumegressgatewaypolicies", "CiliumEgressGatewayPolicy"),
    *(
        (group, plural, kind)
        for group in ("crd.antrea.io", "security.antrea.io")
        for plural, kind in (
            ("networkpolicies", "NetworkPolicy"),
            ("clusternetworkpolicies", "ClusterNetworkPolicy"),
        )
    ),
    (ISTIO_SECURITY_GROUP, "requestauthentications", "RequestAuthentication"),
    (ISTIO_NETWORKING_GROUP, "envoyfilters", "EnvoyFilter"),
    ("extensions.istio.io", "wasmplugins", "WasmPlugin"),
    ("policy.linkerd.io", "servers", "Server"),
    ("policy.linkerd.io", "serverauthorizations", "ServerAuthorization"),
    ("policy.linkerd.io", "authorizationpolicies", "AuthorizationPolicy"),
    ("policy.linkerd.io", "meshtlsauthentications", "MeshTLSAuthentication"),
    ("policy.linkerd.io", "networkauthentications", "NetworkAuthentication"),
    ("policy.linkerd.io", "egressnetworks", "EgressNetwork"),
    ("networking.gke.io", "fqdnnetworkpolicies", "FQDNNetworkPolicy"),
    ("k8s.ovn.org", "egressfirewalls", "EgressFirewall"),
    ("k8s.ovn.org", "egressqoses", "EgressQoS"),
    ("k8s.ovn.org", "userdefinednetworks", "UserDefinedNetwork"),
    ("k8s.ovn.org", "clusteruserdefinednetworks", "ClusterUserDefinedNetwork"),
    ("k8s.cni.cncf.io", "multi-networkpolicies", "MultiNetworkPolicy"),
    ("network.openshift.io", "egressnetworkpolicies", "EgressNetworkPolicy"),
    ("network.openshift.io", "netnamespaces", "NetNamespace"),
)
#: The code of what a live read says of flagged objects it could not list.
FLAGGED_UNLISTED = "unevaluated-unlisted"

#: Optional groups whose absence is said in an info diagnostic (docs/live.md).
ENTRY_GROUPS = {ROUTE_GROUP: "OpenShift Routes", GATEWAY_GROUP: "Gateway API"}


#: Name prefixes of the copies of Kubernetes policies that Calico's API server lists among
#: its own policies (``knp.default.<name>`` in the default tier, and the Admin and Baseline
#: ones in kube-admin and kube-baseline): reach reads the originals from their own APIs.
CALICO_COPY_PREFIXES = (
    "knp.default.",
    "kanp.adminnetworkpolicy.",
    "kbanp.baselineadminnetworkpolicy.",
)


def calico_copy(res: Resource, item: dict[str, Any]) -> bool:
    """Whether a listed item is Calico's copy of a Kubernetes policy (read once, as itself)."""
    if res.group not in CALICO_GROUPS or "policies" not in res.plural:
        return False
    meta = item.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return isinstance(name, str) and name.startswith(CALICO_COPY_PREFIXES)


def preferred(found: list[Resource]) -> list[Resource]:
    """``found`` without the ``crd.projectcalico.org`` resources whose kind the Calico API
    server (``projectcalico.org/v3``) serves: the same objects, never read twice."""
    served = {r.plural for r in found if r.group == CALICO_GROUP}
    return [r for r in found if not (r.group == CALICO_CRD_GROUP and r.plural in served)]


#: The typed client's list call of each built-in resource: (API class, method name).
TYPED_LISTS = {
    ("", "namespaces"): ("CoreV1Api", "list_namespace"),
    ("", "pods"): ("CoreV1Api", "list_pod_for_all_namespaces"),
    ("", "services"): ("CoreV1Api", "list_service_for_all_namespaces"),
    ("networking.k8s.io", "networkpolicies"): (
        "NetworkingV1Api",
        "list_network_policy_for_all_namespaces",
    ),
    ("networking.k8s.io", "ingresses"): ("NetworkingV1Api", "list_ingress_for_all_namespaces"),
    ("discovery.k8s.io", "endpointslices"): (
        "DiscoveryV1Api",
        "list_endpoint_slice_for_all_namespaces",
    ),
}


def lister(api: k8s.ApiClient, res: Resource) -> Callable[..., Any]:
    """The client's list call for a resource, across all namespaces."""
    typed = TYPED_LISTS.get((res.group, res.plural))
    if typed is not None:
        api_class, method = typed
        return getattr(getattr(k8s, api_class)(api), method)  # type: ignore[no-any-return]
    custom = k8s.CustomObjectsApi(api)

    def list_custom(**kw: Any) -> Any:
        return custom.list_cluster_custom_object(res.group, res.version, res.plural, **kw)

    return list_custom
