"""Brute-force reference for Kubernetes ``networking.k8s.io/v1`` NetworkPolicy reachability.

Written straight from the API reference, pod pair by pair, sharing no code with ``reach``.
It is deliberately naive: every question re-reads the raw manifests.

Conventions fixed for the tests (the API leaves some to the implementation):

* objects without ``metadata.namespace`` live in ``default``;
* every namespace carries ``kubernetes.io/metadata.name=<name>``; a namespace that is referenced
  but not declared exists with only that label;
* an ``ipBlock`` matches external addresses only, never pods;
* a named port resolves against the *destination* pod's container ports, for ingress and egress
  rules alike, and toward an external address it matches nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

Obj = dict[str, Any]
PodKey = tuple[str, str]
Endpoint = PodKey | str  # a pod (namespace, name), or an external IP address string

PROTOCOLS = ("TCP", "UDP", "SCTP")
NAME_LABEL = "kubernetes.io/metadata.name"
INGRESS, EGRESS = "Ingress", "Egress"


def _namespace_of(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("namespace") or "default"


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """LabelSelector: "The requirements are ANDed. An empty label selector matches all objects."

    matchLabels: "each {key,value} in the matchLabels map is equivalent to an element of
    matchExpressions, whose key field is "key", the operator is "In", and the values array
    contains only "value"."
    """
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for requirement in selector.get("matchExpressions") or []:
        key = requirement["key"]
        operator = requirement["operator"]
        values = requirement.get("values") or []
        if operator == "In":
            ok = key in labels and labels[key] in values
        elif operator == "NotIn":  # objects lacking the key match NotIn
            ok = key not in labels or labels[key] not in values
        elif operator == "Exists":
            ok = key in labels
        elif operator == "DoesNotExist":
            ok = key not in labels
        else:
            raise ValueError(f"unknown selector operator {operator!r}")
        if not ok:
            return False
    return True


def policy_types(spec: Obj) -> set[str]:
    """policyTypes: "If this field is not specified, it will default based on the existence of
    ingress or egress rules; policies that contain an egress section are assumed to affect egress,
    and all policies (whether or not they contain an ingress section) are assumed to affect
    ingress."  An explicit list is taken as written (an empty list counts as unspecified, as in
    the API server's defaulting).  ``egress: []`` holds no rule, so it is no egress section.
    """
    types = spec.get("policyTypes")
    if not types:
        return {INGRESS, EGRESS} if spec.get("egress") else {INGRESS}
    return set(types)


class Reference:
    """Answers "is this connection allowed?" for one pod pair at a time."""

    def __init__(self, objects: list[Obj]) -> None:
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self.pod_labels: dict[PodKey, dict[str, str]] = {}
        self.pod_specs: dict[PodKey, Obj] = {}
        self.policies: list[Obj] = []
        self.pods: list[PodKey] = []
        for obj in objects:
            kind = obj.get("kind")
            meta = obj.get("metadata") or {}
            if kind == "Namespace":
                labels = dict(meta.get("labels") or {})
                labels[NAME_LABEL] = meta["name"]
                self.namespace_labels[meta["name"]] = labels
            elif kind == "Pod":
                key = (_namespace_of(obj), meta["name"])
                if key in self.pod_labels:
                    raise ValueError(f"duplicate pod {key}")
                self.pods.append(key)
                self.pod_labels[key] = dict(meta.get("labels") or {})
                self.pod_specs[key] = obj.get("spec") or {}
            elif kind == "NetworkPolicy":
                self.policies.append(obj)
            else:
                raise ValueError(f"unexpected kind {kind!r}")

    def labels_of_namespace(self, namespace: str) -> dict[str, str]:
        """Undeclared namespaces exist with only the kubernetes.io/metadata.name label."""
        return self.namespace_labels.get(namespace, {NAME_LABEL: namespace})

    def selecting_policies(self, pod: PodKey, direction: str) -> list[Obj]:
        """podSelector: "Selects the pods to which this NetworkPolicy object applies. [...] An
        empty podSelector selects all pods in this namespace."  Only policies whose policyTypes
        contain ``direction`` isolate the pod in that direction."""
        return [
            policy
            for policy in self.policies
            if _namespace_of(policy) == pod[0]
            and direction in policy_types(policy.get("spec") or {})
            and selector_matches(
                (policy.get("spec") or {}).get("podSelector"), self.pod_labels[pod]
            )
        ]

    def peer_matches(self, peer: Obj, policy_namespace: str, other: Endpoint) -> bool:
        """NetworkPolicyPeer.

        podSelector: "If namespaceSelector is also set, then the NetworkPolicyPeer as a whole
        selects the Pods matching PodSelector in the Namespaces selected by NamespaceSelector.
        Otherwise it selects the Pods matching PodSelector in the policy's own Namespace."
        namespaceSelector: "If podSelector is also set, [...] Otherwise it selects all Pods in
        the Namespaces selected by NamespaceSelector."
        ipBlock: "IPBlock describes a particular CIDR [...] that is allowed"; "except is a slice
        of CIDRs that should not be included within an IPBlock".  Here it never matches pods.
        """
        block = peer.get("ipBlock")
        if block is not None:
            if not isinstance(other, str):
                return False
            address = ipaddress.ip_address(other)
            if address not in ipaddress.ip_network(block["cidr"], strict=False):
                return False
            return not any(
                address in ipaddress.ip_network(cidr, strict=False)
                for cidr in block.get("except") or []
            )
        if isinstance(other, str):
            return False
        pod_selector = peer.get("podSelector")
        namespace_selector = peer.get("namespaceSelector")
        if pod_selector is None and namespace_selector is None:
            return False  # an empty peer is invalid; it selects nothing here
        if namespace_selector is None:
            if other[0] != policy_namespace:
                return False
        elif not selector_matches(namespace_selector, self.labels_of_namespace(other[0])):
            return False
        return pod_selector is None or selector_matches(pod_selector, self.pod_labels[other])

    def named_port_numbers(self, pod: PodKey, name: str, protocol: str) -> set[int]:
        """containerPort values of the pod's container ports called ``name`` with ``protocol``
        (ContainerPort.protocol: "Defaults to "TCP".")."""
        return {
            port["containerPort"]
            for container in self.pod_specs[pod].get("containers") or []
            for port in container.get("ports") or []
            if port.get("name") == name and (port.get("protocol") or "TCP") == protocol
        }

    def ports_match(
        self, entries: list[Obj] | None, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """ports: "If this field is empty or missing, this rule matches all ports [...]. If this
        field is present and contains at least one item, then this rule allows traffic only if the
        traffic matches at least one port in the list."

        NetworkPolicyPort.protocol: "If not specified, this field defaults to TCP."
        port: "If this field is not provided, this matches all port names and numbers."
        endPort: "indicates that the range of ports from port to endPort if set, inclusive".
        """
        if not entries:
            return True
        for entry in entries:
            entry = entry or {}
            if (entry.get("protocol") or "TCP") != protocol:
                continue
            rule_port = entry.get("port")
            if rule_port is None:
                return True
            if isinstance(rule_port, int):
                end_port = entry.get("endPort")
                if rule_port <= port <= (rule_port if end_port is None else end_port):
                    return True
            elif not isinstance(dst, str) and port in self.named_port_numbers(
                dst, rule_port, protocol
            ):
                return True
        return False

    def side_allows(
        self, pod: PodKey, direction: str, peer: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """Isolation: "By default, pods are non-isolated [...] all connections are allowed."
        Once selected by a policy of that type, "the only allowed connections [...] are those
        allowed by the [rules] of the pod's [...] policies" (the union, "policies are additive").

        from/to: "If this field is empty or missing, this rule matches all sources
        [destinations] (traffic not restricted by source [destination])."
        """
        policies = self.selecting_policies(pod, direction)
        if not policies:
            return True
        rules_key, peers_key = ("ingress", "from") if direction == INGRESS else ("egress", "to")
        for policy in policies:
            for rule in (policy.get("spec") or {}).get(rules_key) or []:
                rule = rule or {}
                peers = rule.get(peers_key)
                peer_ok = not peers or any(
                    self.peer_matches(p, _namespace_of(policy), peer) for p in peers
                )
                if peer_ok and self.ports_match(rule.get("ports"), protocol, port, dst):
                    return True
        return False

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        """pod->pod needs the source's egress AND the destination's ingress; pod->external only
        the source's egress; external->pod only the destination's ingress."""
        if isinstance(src, str) and isinstance(dst, str):
            raise ValueError("at most one endpoint may be external")
        if src == dst:
            raise ValueError("pod-to-itself is not asked")
        if protocol not in PROTOCOLS or not 1 <= port <= 65535:
            raise ValueError(f"bad protocol/port {protocol}/{port}")
        for endpoint in (src, dst):
            if not isinstance(endpoint, str) and endpoint not in self.pod_labels:
                raise KeyError(f"unknown pod {endpoint}")
        egress_ok = isinstance(src, str) or self.side_allows(src, EGRESS, dst, protocol, port, dst)
        return egress_ok and (
            isinstance(dst, str) or self.side_allows(dst, INGRESS, src, protocol, port, dst)
        )
