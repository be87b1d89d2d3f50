"""Brute-force reference for Kubernetes network policy reachability: ``networking.k8s.io/v1``
NetworkPolicy and the cluster-scoped ``policy.networking.k8s.io`` policies (AdminNetworkPolicy and
BaselineAdminNetworkPolicy v1alpha1, ClusterNetworkPolicy v1alpha2).

Written straight from the API reference, pod pair by pair, sharing no code with ``reach``.
It is deliberately naive: every question re-reads the raw manifests.

Conventions fixed for the tests (the API leaves some to the implementation):

* objects without ``metadata.namespace`` live in ``default``;
* every namespace carries ``kubernetes.io/metadata.name=<name>``; a namespace that is referenced
  but not declared exists with only that label;
* an ``ipBlock`` matches external addresses only, never pods;
* a named port resolves against the *destination* pod's container ports, for ingress and egress
  rules alike, and toward an external address it matches nothing.

For the cluster-scoped policies (the CRD field descriptions in ``shared/specs`` are the spec):

* ``networks`` peers match external addresses only, never pods (offline, pods have no IPs), even
  though the spec says cluster-internal traffic "will be checked against the rule as well";
* ``nodes`` peers match nothing (no Node objects offline); ``domainNames`` peers match nothing
  (no resolution offline);
* pods with ``hostNetwork: true`` are never selected by a ``subject`` and never matched by a
  ``namespaces`` or ``pods`` peer ("host-networked pods are not included"); for v1
  NetworkPolicy they are ordinary pods;
* an absent ``pods.namespaceSelector`` (optional in ClusterNetworkPolicy) selects all namespaces,
  like an empty one;
* the BaselineAdminNetworkPolicy is evaluated before every ClusterNetworkPolicy of the Baseline
  tier; two policies of one tier with the same priority are refused (their order is undefined);
* a ClusterNetworkPolicy protocol item without ``destinationPort`` (``tcp: {}``, which the CRD's
  ``minProperties: 1`` rejects) matches every port of that protocol;
* a peer with no known field fails closed as the peer descriptions say (an Allow rule matches
  nothing, a Deny or Pass rule denies everything); other manifests the CRDs reject (two fields in
  one peer, a Pass in a BaselineAdminNetworkPolicy, a BANP not named ``default``, an unknown
  tier) raise ValueError.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, NamedTuple

Obj = dict[str, Any]
PodKey = tuple[str, str]
Endpoint = PodKey | str  # a pod (namespace, name), or an external IP address string


class Traffic(NamedTuple):
    """A connection as one side sees it: the far end, the protocol and port, and the
    destination (whose container ports named ports refer to)."""

    other: Endpoint
    protocol: str
    port: int
    dst: Endpoint


PROTOCOLS = ("TCP", "UDP", "SCTP")
NAME_LABEL = "kubernetes.io/metadata.name"
INGRESS, EGRESS = "Ingress", "Egress"

ANP, BANP, CNP = "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"
ADMIN_TIER, BASELINE_TIER = "Admin", "Baseline"
ALLOW, DENY, PASS = "Allow", "Deny", "Pass"
#: The actions each kind allows (CRD enums); ClusterNetworkPolicy's Accept is read as Allow.
ACTIONS: dict[str, dict[str, str]] = {
    ANP: {"Allow": ALLOW, "Deny": DENY, "Pass": PASS},
    BANP: {"Allow": ALLOW, "Deny": DENY},
    CNP: {"Accept": ALLOW, "Deny": DENY, "Pass": PASS},
}
#: Peer fields each kind knows, per direction (experimental-channel fields included).
PEER_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    (ANP, INGRESS): ("namespaces", "pods"),
    (BANP, INGRESS): ("namespaces", "pods"),
    (CNP, INGRESS): ("namespaces", "pods"),
    (ANP, EGRESS): ("namespaces", "pods", "networks", "nodes"),
    (BANP, EGRESS): ("namespaces", "pods", "networks", "nodes"),
    (CNP, EGRESS): ("namespaces", "pods", "networks", "nodes", "domainNames"),
}


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


def _by_priority(policies: list[Obj]) -> list[Obj]:
    """Policies of one tier sorted by ``spec.priority``, lowest first.

    priority: "If two (or more) policies with the same priority could both match a connection,
    then the implementation can apply any of the matching policies" -- undefined, so refused.
    """
    seen: dict[int, str] = {}
    for policy in policies:
        priority = (policy.get("spec") or {}).get("priority")
        name = (policy.get("metadata") or {}).get("name", "?")
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise ValueError(f"{policy.get('kind')} {name}: priority {priority!r}")
        if not 0 <= priority <= 1000:
            raise ValueError(f"{policy.get('kind')} {name}: priority {priority} not in 0..1000")
        if priority in seen:
            raise ValueError(f"{name} and {seen[priority]} share priority {priority}")
        seen[priority] = name
    return sorted(policies, key=lambda policy: policy["spec"]["priority"])


def _one_field(item: Obj, known: tuple[str, ...], what: str) -> str | None:
    """The one known field set in ``item`` ("Exactly one field must be set"); None if none is.

    Fields the schema does not know are pruned by the API server, so they are ignored here;
    null values count as unset.
    """
    present = [key for key in known if item.get(key) is not None]
    if len(present) > 1:
        raise ValueError(f"{what}: more than one of {present} set")
    return present[0] if present else None


class Reference:
    """Answers "is this connection allowed?" for one pod pair at a time."""

    def __init__(self, objects: list[Obj]) -> None:
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self.pod_labels: dict[PodKey, dict[str, str]] = {}
        self.pod_specs: dict[PodKey, Obj] = {}
        self.policies: list[Obj] = []
        self.pods: list[PodKey] = []
        self.host_network: set[PodKey] = set()
        admin: list[Obj] = []  # AdminNetworkPolicies and Admin-tier ClusterNetworkPolicies
        banps: list[Obj] = []
        baseline: list[Obj] = []  # Baseline-tier ClusterNetworkPolicies
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
                if self.pod_specs[key].get("hostNetwork") is True:
                    self.host_network.add(key)
            elif kind == "NetworkPolicy":
                self.policies.append(obj)
            elif kind == ANP:
                admin.append(obj)
            elif kind == BANP:
                # "Only one baseline admin network policy with metadata.name="default" can be
                # created in the cluster" (CEL rule on the object).
                if meta.get("name") != "default":
                    raise ValueError("a BaselineAdminNetworkPolicy must be named 'default'")
                banps.append(obj)
            elif kind == CNP:
                tier = (obj.get("spec") or {}).get("tier")
                if tier == ADMIN_TIER:
                    admin.append(obj)
                elif tier == BASELINE_TIER:
                    baseline.append(obj)
                else:
                    raise ValueError(f"ClusterNetworkPolicy tier {tier!r}")
            else:
                raise ValueError(f"unexpected kind {kind!r}")
        if len(banps) > 1:
            raise ValueError("more than one BaselineAdminNetworkPolicy")
        #: Admin tier, in evaluation order: priority "from 0 to 1000. Policies with lower
        #: priority values have higher precedence".  ANPs and Admin-tier CNPs share one order.
        self.admin_policies: list[Obj] = _by_priority(admin)
        #: Baseline tier, in evaluation order: the BANP (no priority), then the CNPs by priority.
        self.baseline_policies: list[Obj] = banps + _by_priority(baseline)

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

    def netpol_verdict(
        self, pod: PodKey, direction: str, peer: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> bool | None:
        """The NetworkPolicy tier: None when no NetworkPolicy isolates ``pod`` in ``direction``.

        Isolation: "By default, pods are non-isolated [...] all connections are allowed."
        Once selected by a policy of that type, "the only allowed connections [...] are those
        allowed by the [rules] of the pod's [...] policies" (the union, "policies are additive").

        from/to: "If this field is empty or missing, this rule matches all sources
        [destinations] (traffic not restricted by source [destination])."
        """
        policies = self.selecting_policies(pod, direction)
        if not policies:
            return None
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

    # ----------------------------------------------------------------- cluster-scoped policies

    def subject_selects(self, policy: Obj, pod: PodKey) -> bool:
        """spec.subject: "Subject defines the pods to which this AdminNetworkPolicy applies.
        Note that host-networked pods are not included in subject selection."  Exactly one of:
        namespaces: "Namespaces is used to select pods via namespace selectors."
        pods: "Pods is used to select pods via namespace AND pod selectors."
        """
        subject = (policy.get("spec") or {}).get("subject")
        if not isinstance(subject, dict):
            raise ValueError(f"{policy.get('kind')}: no subject")
        field = _one_field(subject, ("namespaces", "pods"), "subject")
        if field is None:
            raise ValueError(f"{policy.get('kind')}: empty subject")
        if pod in self.host_network:
            return False
        return self.pod_in(subject[field], field, pod)

    def pod_in(self, value: Obj, field: str, pod: PodKey) -> bool:
        """A ``namespaces`` selector or a ``pods`` {namespaceSelector, podSelector} (ANDed; "if
        empty, it selects all Namespaces" / "all Pods") against a (non host-networked) pod."""
        namespace_labels = self.labels_of_namespace(pod[0])
        if field == "namespaces":
            return selector_matches(value, namespace_labels)
        if value.get("podSelector") is None:
            raise ValueError("pods: podSelector is required")
        return selector_matches(value.get("namespaceSelector"), namespace_labels) and (
            selector_matches(value["podSelector"], self.pod_labels[pod])
        )

    def admin_peer_matches(self, kind: str, direction: str, peer: Obj, other: Endpoint) -> bool:
        """An AdminNetworkPolicy{Ingress,Egress}Peer / ClusterNetworkPolicy{...}Peer ("Exactly
        one of the fields must be set"); a peer with none is handled by the caller (fail closed).

        namespaces / pods: "host-networked pods are not included in this type of peer."
        networks: CIDRs; here only external addresses ("intended for representing entities that
        live outside the cluster").  nodes, domainNames: nothing can be resolved offline.
        """
        field = _one_field(peer, PEER_FIELDS[kind, direction], "peer")
        if field in ("namespaces", "pods"):
            if isinstance(other, str) or other in self.host_network:
                return False
            return self.pod_in(peer[field], field, other)
        if field == "networks":
            if not isinstance(other, str) or not peer["networks"]:
                return False
            address = ipaddress.ip_address(other)
            return any(
                address in ipaddress.ip_network(cidr, strict=False) for cidr in peer["networks"]
            )
        if field in ("nodes", "domainNames"):
            return False
        raise AssertionError(field)

    def named_port_matches(self, dst: Endpoint, name: str, protocol: str, port: int) -> bool:
        """namedPort / destinationNamedPort: a container port of the *destination* pod with that
        name, whatever its protocol (ContainerPort.protocol: "Defaults to "TCP"."); toward an
        external address it matches nothing."""
        if isinstance(dst, str):
            return False
        return any(
            entry.get("name") == name
            and (entry.get("protocol") or "TCP") == protocol
            and entry.get("containerPort") == port
            for container in self.pod_specs[dst].get("containers") or []
            for entry in container.get("ports") or []
        )

    def admin_ports_match(
        self, entries: list[Obj] | None, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """AdminNetworkPolicy/BaselineAdminNetworkPolicy ``ports``: "If Ports is not set then
        the rule does not filter traffic via port."  Each AdminNetworkPolicyPort sets exactly one
        of portNumber {protocol "defaults to TCP", port}, portRange {protocol, start, end}
        ("a port range [...] based on provided start and end values": inclusive), namedPort.
        """

        def number_or_range(field: str, value: Obj) -> bool:
            if (value.get("protocol") or "TCP") != protocol:
                return False
            if field == "portNumber":
                return bool(value["port"] == port)
            return bool(value["start"] <= port <= value["end"])

        fields = ("portNumber", "portRange", "namedPort")
        return self._entries_match(entries, fields, "port", protocol, port, dst, number_or_range)

    def cnp_protocols_match(
        self, entries: list[Obj] | None, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """ClusterNetworkPolicy ``protocols``: "If unspecified, protocol-specific attributes will
        not be used to match traffic."  Each item sets exactly one of tcp / udp / sctp
        ({destinationPort: {number} | {range: {start, end}}}; no destinationPort = every port of
        that protocol) or destinationNamedPort ("selects a destination port on a pod based on
        the ContainerPort name").
        """

        def protocol_and_port(field: str, value: Obj | None) -> bool:
            if field.upper() != protocol:
                return False
            destination = (value or {}).get("destinationPort")
            if destination is None:
                return True
            which = _one_field(destination, ("number", "range"), "destinationPort")
            if which == "number":
                return bool(destination["number"] == port)
            if which == "range":
                return bool(destination["range"]["start"] <= port <= destination["range"]["end"])
            return False

        fields = ("tcp", "udp", "sctp", "destinationNamedPort")
        return self._entries_match(
            entries, fields, "protocol", protocol, port, dst, protocol_and_port
        )

    def _entries_match(
        self,
        entries: list[Obj] | None,
        fields: tuple[str, ...],
        what: str,
        protocol: str,
        port: int,
        dst: Endpoint,
        matches: Callable[[str, Any], bool],
    ) -> bool:
        """The walk ANP ``ports`` and CNP ``protocols`` share: unset matches every port, an
        empty list is invalid (minItems 1), each entry sets exactly one of ``fields``, the
        last of them a named port of ``dst``; the others are matched by ``matches(field,
        value)``. True when some entry matches."""
        if entries is None:
            return True
        if not entries:
            raise ValueError(f"{what}s: minItems 1")
        for entry in entries:
            field = _one_field(entry, fields, what)
            if field is None:
                raise ValueError(f"{what} entry {entry!r} sets no field")
            value = entry[field]
            if field == fields[-1]:
                if self.named_port_matches(dst, value, protocol, port):
                    return True
            elif matches(field, value):
                return True
        return False

    def rule_action(self, policy: Obj, rule: Obj, direction: str, traffic: Traffic) -> str | None:
        """The action of ``rule`` if it matches the traffic, else None.

        from/to: "If any element matches the source [destination] [...] then the specified
        action is applied. This field must be defined and contain at least one item."
        A peer with no field set: "it should fail closed. For "Allow" rules, "fail closed"
        means: "treat the rule as matching no traffic". For "Deny" and "Pass" rules, "fail
        closed" means: "treat the rule as a 'Deny all' rule"."
        """
        kind = policy["kind"]
        action = ACTIONS[kind].get(rule.get("action") or "")
        if action is None:
            raise ValueError(f"{kind}: action {rule.get('action')!r}")
        peers = rule.get("from" if direction == INGRESS else "to")
        if not peers:
            raise ValueError(f"{kind}: a rule needs at least one peer")
        known = PEER_FIELDS[kind, direction]
        if any(_one_field(peer or {}, known, "peer") is None for peer in peers):
            return None if action == ALLOW else DENY
        other, protocol, port, dst = traffic
        if not any(self.admin_peer_matches(kind, direction, peer, other) for peer in peers):
            return None
        if kind == CNP:
            ports_ok = self.cnp_protocols_match(rule.get("protocols"), protocol, port, dst)
        else:
            ports_ok = self.admin_ports_match(rule.get("ports"), protocol, port, dst)
        return action if ports_ok else None

    def tier_action(
        self, policies: list[Obj], pod: PodKey, direction: str, traffic: Traffic
    ) -> str | None:
        """The first matching rule of the tier's policies that select ``pod`` decides: rules in
        policy order, then "determined by the order in which the rule is written"."""
        rules_key = "ingress" if direction == INGRESS else "egress"
        for policy in policies:
            if not self.subject_selects(policy, pod):
                continue
            for rule in (policy.get("spec") or {}).get(rules_key) or []:
                action = self.rule_action(policy, rule, direction, traffic)
                if action is not None:
                    return action
        return None

    def side_allows(
        self, pod: PodKey, direction: str, peer: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """One side (egress at the source, ingress at the destination), tier by tier.

        ClusterNetworkPolicy tier: "Policy tiers are evaluated in the following order: Admin
        tier, NetworkPolicy tier, Baseline tier [...] If a given connection wasn't allowed or
        denied by any of the tiers, the default kubernetes policy is applied, which says that
        all pods can communicate with each other."
        Pass (ANP): "skip any remaining ANP rules, and then pass execution to any
        NetworkPolicies that select the pod. If the pod is not selected by any NetworkPolicies
        then execution is passed to any BaselineAdminNetworkPolicies that select the pod."
        Pass (CNP): "Skips all further ClusterNetworkPolicy rules in the current tier [...] and
        passes evaluation to the next tier."
        "v1.NetworkPolicy always makes a final decision for selected pods."
        """
        traffic = Traffic(peer, protocol, port, dst)
        admin = self.tier_action(self.admin_policies, pod, direction, traffic)
        if admin in (ALLOW, DENY):
            return admin == ALLOW
        netpol = self.netpol_verdict(pod, direction, peer, protocol, port, dst)
        if netpol is not None:
            return netpol
        baseline = self.tier_action(self.baseline_policies, pod, direction, traffic)
        return baseline != DENY  # Allow, Pass or no match: the default allows

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
