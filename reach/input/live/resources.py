"""The resources a live read lists, and the client call that lists each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

POLICY_GROUP = "policy.networking.k8s.io"


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
    def rbac(self) -> str:
        """The resource as a ClusterRole rule names it."""
        return f"{self.group}/{self.plural}" if self.group else f'{self.plural} (core API group "")'


#: Always read, in this order.
CORE_RESOURCES = (
    Resource("", "v1", "namespaces", "Namespace"),
    Resource("", "v1", "pods", "Pod"),
    Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Resource("", "v1", "services", "Service"),
)
#: Read when discovery shows the group and version served with that resource.
POLICY_RESOURCES = (
    Resource(POLICY_GROUP, "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy"),
    Resource(
        POLICY_GROUP, "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy"
    ),
    Resource(POLICY_GROUP, "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy"),
)


def lister(api: k8s.ApiClient, res: Resource) -> Callable[..., Any]:
    """The client's list call for a resource, across all namespaces."""
    if res.plural == "namespaces":
        return k8s.CoreV1Api(api).list_namespace
    if res.plural == "pods":
        return k8s.CoreV1Api(api).list_pod_for_all_namespaces
    if res.plural == "services":
        return k8s.CoreV1Api(api).list_service_for_all_namespaces
    if res.plural == "networkpolicies":
        return k8s.NetworkingV1Api(api).list_network_policy_for_all_namespaces
    custom = k8s.CustomObjectsApi(api)

    def list_custom(**kw: Any) -> Any:
        return custom.list_cluster_custom_object(res.group, res.version, res.plural, **kw)

    return list_custom
