"""Brute-force reference for Cilium policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy)
beside NetworkPolicies and the cluster-scoped Admin/Baseline policies.

Written from the Cilium documentation (``shared/specs/cilium/docs/security/policy/*.rst``) and
the shared decisions of /work/wt/CILIUM.md (items 1-7, cited as "C1".."C7"), pod pair by pod
pair, over a :class:`reach.model.cluster.Cluster` as the parsers build it. It shares no code with
``reach.engine``: only the model's dataclasses, ``identity_labels`` (C1) and
``LabelSelector.matches`` on plain dicts. Every question walks every policy again.

An endpoint is a pod ``(namespace, name)`` or an external address (an IP string).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from reach.model.cilium import CiliumPolicy, CiliumRule, ServiceRef, identity_labels
from reach.model.cluster import NAME_LABEL, AdminPolicy, AdminRule, Cluster, Peer, Pod
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec

PodKey = tuple[str, str]
Endpoint = PodKey | str
PROTOCOLS = ("TCP", "UDP", "SCTP")
INGRESS, EGRESS = "ingress", "egress"
ALLOW, DENY, PASS = "Allow", "Deny", "Pass"


class CiliumReference:
    """Answers "is this connection allowed?" for one (src, dst, protocol, port) at a time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pods: dict[PodKey, Pod] = {(p.namespace, p.name): p for p in cluster.pods}

    # ------------------------------------------------------------------------------ labels

    def namespace_labels(self, name: str) -> dict[str, str]:
        """A namespace's labels; every namespace carries ``kubernetes.io/metadata.name``, and
        one that is referenced but not declared has only that label."""
        namespace = self.cluster.namespaces.get(name)
        labels = dict(namespace.labels) if namespace is not None else {}
        labels[NAME_LABEL] = name
        return labels

    def identity(self, pod: Pod) -> dict[str, str]:
        """C1. intro.rst: "policies [...] are applied based on the identity of an endpoint,
        which is derived from labels"; kubernetes.rst: namespace labels are
        ``io.cilium.k8s.namespace.labels.<label-key>``; the service account is
        ``io.cilium.k8s.policy.serviceaccount``."""
        return identity_labels(
            pod.label_map,
            namespace=pod.namespace,
            namespace_labels=self.namespace_labels(pod.namespace),
            service_account=pod.service_account,
        )

    # ------------------------------------------------------------------------------ ports

    def port_matches(self, spec: PortSpec, protocol: str, port: int, dst: Endpoint) -> bool:
        """One PortSpec (C5): the protocol must be equal; no port = every port of the protocol;
        ``end_port`` = an inclusive range; a name = a container port of the *destination* pod
        with that name and protocol (never an external address)."""
        if spec.protocol != protocol:
            return False
        if spec.port is None:
            return True
        if isinstance(spec.port, int):
            return spec.port <= port <= (spec.port if spec.end_port is None else spec.end_port)
        if isinstance(dst, str):
            return False
        return any(
            cp.name == spec.port and cp.protocol == protocol and cp.port == port
            for cp in self.pods[dst].ports
        )

    def ports_match(
        self, specs: tuple[PortSpec, ...] | None, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """C5: ``None`` = every port (layer4.rst: a rule without ``toPorts`` "allows all
        ports"); otherwise the union of the specs."""
        if specs is None:
            return True
        return any(self.port_matches(spec, protocol, port, dst) for spec in specs)

    # ------------------------------------------------------------------------------ addresses

    @staticmethod
    def in_block(block: IPBlock, address: str) -> bool:
        """``address`` in the CIDR and in none of its excepts (same family only)."""
        ip = ipaddress.ip_address(address)

        def inside(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
            return ip.version == network.version and ip in network

        return inside(block.cidr) and not any(inside(e) for e in block.excepts)

    # ------------------------------------------------------------------------------ NetworkPolicy

    def netpol_peer(self, policy_namespace: str, peer: Peer, other: Endpoint) -> bool:
        """NetworkPolicyPeer: ipBlock matches external addresses only; podSelector alone selects
        pods of the policy's namespace; namespaceSelector alone every pod of the matching
        namespaces; both together are ANDed. Host-networked pods are ordinary pods here."""
        if peer.ip_block is not None:
            return isinstance(other, str) and self.in_block(peer.ip_block, other)
        if isinstance(other, str):
            return False
        pod = self.pods[other]
        if peer.namespace_selector is None:
            ns_ok = pod.namespace == policy_namespace
        else:
            ns_ok = peer.namespace_selector.matches(self.namespace_labels(pod.namespace))
        pod_ok = peer.pod_selector is None or peer.pod_selector.matches(pod.label_map)
        return ns_ok and pod_ok

    def netpol(
        self, pod: Pod, direction: str, other: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> tuple[bool, bool]:
        """(isolated, allowed) of the NetworkPolicies selecting ``pod`` in ``direction``: isolated
        once a policy of that type selects it; allowed by the union of their rules."""
        isolated = allowed = False
        for policy in self.cluster.policies:
            if policy.namespace != pod.namespace or not policy.pod_selector.matches(pod.label_map):
                continue
            if not (policy.ingress_isolating if direction == INGRESS else policy.egress_isolating):
                continue
            isolated = True
            for rule in policy.ingress if direction == INGRESS else policy.egress:
                peers_ok = rule.peers is None or any(
                    self.netpol_peer(policy.namespace, peer, other) for peer in rule.peers
                )
                if peers_ok and self.ports_match(rule.ports, protocol, port, dst):
                    allowed = True
        return isolated, allowed

    # ------------------------------------------------------------------------------ Admin tiers

    def admin_selects(self, selector: Peer, other: Endpoint) -> bool:
        """An Admin subject or namespaces/pods peer: never an address nor a host-networked pod
        ("host-networked pods are not included"); an absent namespaceSelector = every
        namespace; an absent podSelector (a ``namespaces`` peer) = every pod."""
        if isinstance(other, str):
            return False
        pod = self.pods[other]
        if pod.host_network:
            return False
        ns = selector.namespace_selector
        if ns is not None and not ns.matches(self.namespace_labels(pod.namespace)):
            return False
        return selector.pod_selector is None or selector.pod_selector.matches(pod.label_map)

    def admin_rule_matches(self, rule: AdminRule, other: Endpoint) -> bool:
        """Any peer of the rule: ``networks`` match addresses only; unresolved peers (nodes,
        domainNames) match nothing."""
        for peer in rule.peers:
            if peer.ip_block is not None:
                if isinstance(other, str) and self.in_block(peer.ip_block, other):
                    return True
            elif self.admin_selects(peer, other):
                return True
        return False

    def admin_action(
        self,
        tier: str,
        pod: Pod,
        direction: str,
        other: Endpoint,
        protocol: str,
        port: int,
        dst: Endpoint,
    ) -> str | None:
        """The first matching rule of the tier (policies by priority, then rules in written
        order) among the policies whose subject holds ``pod``; None if none matches."""
        policies: list[AdminPolicy] = sorted(
            (p for p in self.cluster.admin_policies if p.tier == tier), key=lambda p: p.priority
        )
        for policy in policies:
            if not self.admin_selects(policy.subject, (pod.namespace, pod.name)):
                continue
            for rule in policy.ingress if direction == INGRESS else policy.egress:
                if self.admin_rule_matches(rule, other) and self.ports_match(
                    rule.ports, protocol, port, dst
                ):
                    return rule.action
        return None

    # ------------------------------------------------------------------------------ Cilium

    def cilium_selects(self, policy: CiliumPolicy, pod: Pod) -> bool:
        """C3. intro.rst: "endpointSelector: Selects the endpoints which the policy rules apply
        to"; a host policy (``nodeSelector``) applies to nodes, not pods; host-networked pods
        are no endpoints of their own. The CNP's namespace constraint is already in the
        selector (C2: the parser adds it)."""
        if pod.host_network or policy.node_selector is not None:
            return False
        return policy.endpoint_selector.matches(self.identity(pod))

    def service_pods(self, ref: ServiceRef) -> set[PodKey]:
        """C4 ``services``: the non-host-networked pods that the Service's ``spec.selector``
        picks in the Service's namespace. layer3.rst: "This feature uses the discovered services'
        label selector"; "Services without selectors [...] are converted to CIDR selectors.
        CIDR selectors cannot select pods". By name: that Service; by selector: every Service
        of that namespace (every namespace when ``namespace`` is "") whose labels match. A
        Service without a selector contributes nothing."""
        out: set[PodKey] = set()
        for service in self.cluster.services:
            if ref.namespace and service.namespace != ref.namespace:
                continue
            if ref.name is not None and service.name != ref.name:
                continue
            if ref.selector is not None and not ref.selector.matches(dict(service.labels)):
                continue
            if service.selector is None:
                continue
            wanted = dict(service.selector)
            for key, pod in self.pods.items():
                if (
                    pod.namespace == service.namespace
                    and not pod.host_network
                    and all(pod.label_map.get(k) == v for k, v in wanted.items())
                ):
                    out.add(key)
        return out

    def entity_matches(self, entity: str, other: Endpoint) -> bool:
        """C4 ``entities`` (layer3.rst "Entities Based"): ``all`` "the combination of all known
        clusters as well world"; ``cluster`` "all network endpoints inside of the local
        cluster" (host-networked pods included); ``host`` "the local host. This also includes all
        containers running in host networking mode on the local host", ``remote-node`` "Any
        node [...] other than the local host. This also includes all containers running in
        host-networking mode on remote nodes" (which node a pod runs on is unknown offline:
        both are every host-networked pod); ``world`` "all
        endpoints outside of the cluster", ``world-ipv4``/``world-ipv6`` one family; the
        others (kube-apiserver, ingress, init, health, unmanaged, none) are nothing here."""
        if entity == "all":
            return True
        if isinstance(other, str):
            version = ipaddress.ip_address(other).version
            return entity == "world" or (entity, version) in (("world-ipv4", 4), ("world-ipv6", 6))
        if entity == "cluster":
            return True
        if entity in ("host", "remote-node"):
            return self.pods[other].host_network
        return False

    def cilium_peer(self, rule: CiliumRule, other: Endpoint) -> bool:
        """C4: whether the rule's peers hold ``other``; the peer fields are ORed.

        A rule naming no peer field (only ``toPorts``) is a wildcard, every pod and address
        (layer4.rst: "Layer 4 policy can be specified in addition to layer 3 policies or
        independently"); ``{}`` (no peers, no ports) holds nothing (C4). Endpoints: the
        non-host-networked pods whose identity labels match (C4). CIDRs: layer3.rst "CIDR
        policies are used to define policies to and from endpoints which are not managed by
        Cilium", the except list "from which communication is not allowed"; never a pod here
        (C4). toFQDNs and what cannot be resolved offline: nothing."""
        if rule.empty:
            return False
        if rule.wildcard:
            return True
        if any(self.entity_matches(entity, other) for entity in rule.entities):
            return True
        if isinstance(other, str):
            return any(self.in_block(block, other) for block in rule.cidrs)
        pod = self.pods[other]
        if not pod.host_network and any(s.matches(self.identity(pod)) for s in rule.endpoints):
            return True
        return any(other in self.service_pods(ref) for ref in rule.services)

    def cilium(
        self, pod: Pod, direction: str, other: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> tuple[bool, bool, bool]:
        """C6 (isolated, allowed, denied) from the Cilium policies selecting ``pod``.

        intro.rst "Endpoint default policy": "If any rule selects an endpoint and the rule has an
        ingress section, the endpoint goes into default deny-mode for ingress" [egress alike];
        "Rules with EnableDefaultDeny disabled are ignored when determining the default mode"
        (the model's ``<d>_isolating`` holds the outcome, C6). Allows are a union; deny.rst:
        "Deny policies take precedence over allow policies, regardless of whether they are a
        Cilium Network Policy, a Clusterwide Cilium Network Policy or even a Kubernetes
        Network Policy"."""
        isolated = allowed = denied = False
        for policy in self.cluster.cilium_policies:
            if not self.cilium_selects(policy, pod):
                continue
            if policy.ingress_isolating if direction == INGRESS else policy.egress_isolating:
                isolated = True
            for rule in policy.rules:
                if rule.direction != direction:
                    continue
                if self.cilium_peer(rule, other) and self.ports_match(
                    rule.ports, protocol, port, dst
                ):
                    if rule.deny:
                        denied = True
                    else:
                        allowed = True
        return isolated, allowed, denied

    # ------------------------------------------------------------------------------ sides, pairs

    def side(
        self, pod: Pod, direction: str, other: Endpoint, protocol: str, port: int, dst: Endpoint
    ) -> bool:
        """C6: Admin first-match decides first; then the NetworkPolicy tier, where Cilium's
        rules sit beside NetworkPolicies: not denied and (allowed or not isolated), with the
        Baseline tier in place of "not isolated" (its Deny denies, anything else allows)."""
        admin = self.admin_action("Admin", pod, direction, other, protocol, port, dst)
        if admin in (ALLOW, DENY):
            return admin == ALLOW
        np_isolated, np_allowed = self.netpol(pod, direction, other, protocol, port, dst)
        c_isolated, c_allowed, denied = self.cilium(pod, direction, other, protocol, port, dst)
        if denied:
            return False
        if np_allowed or c_allowed:
            return True
        if np_isolated or c_isolated:
            return False
        baseline = self.admin_action("Baseline", pod, direction, other, protocol, port, dst)
        return baseline != DENY

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        """C7: the egress side at the source (if a pod) and the ingress side at the destination
        (if a pod) must both allow; an external address has no side."""
        if isinstance(src, str) and isinstance(dst, str):
            raise ValueError("at most one endpoint may be external")
        if src == dst:
            raise ValueError("pod-to-itself is not asked")
        if protocol not in PROTOCOLS or not 1 <= port <= 65535:
            raise ValueError(f"bad protocol/port {protocol}/{port}")
        if not isinstance(src, str) and not self.side(
            self.pods[src], EGRESS, dst, protocol, port, dst
        ):
            return False
        return isinstance(dst, str) or self.side(self.pods[dst], INGRESS, src, protocol, port, dst)

    def allowed_ports(
        self, src: Endpoint, dst: Endpoint, ports: Iterable[int]
    ) -> set[tuple[str, int]]:
        """The (protocol, port) pairs among ``ports`` that ``src`` may open to ``dst``."""
        return {
            (protocol, port)
            for protocol in PROTOCOLS
            for port in ports
            if self.allowed(src, dst, protocol, port)
        }
