"""Brute-force reference for Calico policies (tiers, order, Allow/Deny/Pass/Log, profiles)
beside Kubernetes NetworkPolicies and the Admin/Baseline policies, written from the Calico
documentation (/work/shared/specs/calico/docs), pod pair by pod pair, over a
:class:`reach.model.cluster.Cluster` as the parsers build it. It shares no code with
``reach.engine``: only the model's dataclasses, the label helpers of
``reach.model.calico`` and ``matches`` of selectors on plain dicts. The rules it
implements, with the sentences they come from, are docs/semantics.md "Calico policies"
(cited here as "E1".."E12").

An endpoint is a pod ``(namespace, name)`` or an external address (an IP string).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from reach.model.calico import (
    ADMIN_TIER,
    BASELINE_TIER,
    DEFAULT_TIER,
    K8S_POLICY_ORDER,
    K8S_POLICY_PREFIX,
    CalicoPolicy,
    CalicoPort,
    CalicoRule,
    EntityMatch,
    NetworkSet,
    endpoint_labels,
    namespace_labels,
    namespace_profile_name,
    service_account_labels,
    service_account_profile_name,
)
from reach.model.cluster import (
    NAME_LABEL,
    AdminPolicy,
    AdminRule,
    Cluster,
    NetworkPolicy,
    Peer,
    Pod,
)
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSpec

PodKey = tuple[str, str]
Endpoint = PodKey | str
PROTOCOLS = ("TCP", "UDP", "SCTP")
INGRESS, EGRESS = "ingress", "egress"
ALLOW, DENY, PASS, LOG = "Allow", "Deny", "Pass", "Log"


@dataclass(frozen=True)
class Traffic:
    """A connection as one endpoint sees it: the source and destination, protocol, port."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int

    @property
    def ip_version(self) -> int:
        """E11: the family of the external address; between pods, IPv4."""
        for end in (self.src, self.dst):
            if isinstance(end, str):
                return ipaddress.ip_address(end).version
        return 4


@dataclass(frozen=True)
class Member:
    """One policy of a tier, whatever its kind, with its sort key inside the tier."""

    key: tuple[float, str]
    calico: CalicoPolicy | None = None
    k8s: NetworkPolicy | None = None
    admin: AdminPolicy | None = None


class CalicoReference:
    """Answers "is this connection allowed?" for one (src, dst, protocol, port) at a time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pods: dict[PodKey, Pod] = {(p.namespace, p.name): p for p in cluster.pods}

    # ------------------------------------------------------------------------ labels

    def ns_labels(self, name: str) -> dict[str, str]:
        """A namespace's labels for a namespaceSelector (E3): its own, its
        ``kubernetes.io/metadata.name`` and ``projectcalico.org/name``."""
        ns = self.cluster.namespaces.get(name)
        labels = dict(ns.labels) if ns is not None else {}
        labels[NAME_LABEL] = name
        return namespace_labels(labels, name)

    def ep_labels(self, pod: Pod) -> dict[str, str]:
        return endpoint_labels(
            pod.label_map, namespace=pod.namespace, service_account=pod.service_account
        )

    # ------------------------------------------------------------------------ addresses, ports

    @staticmethod
    def in_block(block: IPBlock, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        if ip.version != block.cidr.version or ip not in block.cidr:
            return False
        return not any(ip.version == e.version and ip in e for e in block.excepts)

    def named_port(self, dst: Endpoint, name: str, protocol: str, port: int) -> bool:
        """A named port is a container port of the destination pod (never an address)."""
        if isinstance(dst, str):
            return False
        return any(
            cp.name == name and cp.protocol == protocol and cp.port == port
            for cp in self.pods[dst].ports
        )

    def port_in(self, ports: tuple[CalicoPort, ...], t: Traffic) -> bool:
        """E8: numbers, ``a:b`` ranges (inclusive) and named ports of the destination."""
        for p in ports:
            if p.name is not None:
                if self.named_port(t.dst, p.name, t.protocol, t.port):
                    return True
            elif p.first <= t.port <= p.last:
                return True
        return False

    # ------------------------------------------------------------------------ selection

    def calico_selects(self, policy: CalicoPolicy, pod: Pod, direction: str) -> bool:
        """E2: the policy applies to the pod in that direction: enforced, not host-only,
        its types hold the direction, the pod is a workload endpoint (not host-networked),
        in the policy's namespace (a NetworkPolicy), and every selector of the policy holds."""
        if policy.staged or policy.host_only or not policy.applies_to(direction):
            return False
        if pod.host_network:
            return False
        if policy.namespace and pod.namespace != policy.namespace:
            return False
        if not policy.selector.matches(self.ep_labels(pod)):
            return False
        if policy.namespace_selector is not None and not policy.namespace_selector.matches(
            self.ns_labels(pod.namespace)
        ):
            return False
        sa = policy.service_account_selector
        return sa is None or sa.matches(service_account_labels(pod.service_account))

    def netsets_holding(self, address: str) -> list[NetworkSet]:
        return [
            s
            for s in self.cluster.calico.network_sets
            if any(self.in_block(b, address) for b in s.nets)
        ]

    def in_scope(self, entity: EntityMatch, policy_ns: str, namespace: str | None) -> bool:
        """E3: the scope of an entity's selectors for an item of ``namespace`` (None: a
        GlobalNetworkSet): the namespaceSelector when given (a global item is matched with
        no labels and ``global()`` true), else the policy's namespace (NetworkPolicy) or
        everything (GlobalNetworkPolicy, profile)."""
        ns_sel = entity.namespace_selector
        if ns_sel is not None:
            if namespace is None:
                return ns_sel.matches({}, global_resource=True)
            return ns_sel.matches(self.ns_labels(namespace))
        if policy_ns:
            return namespace == policy_ns
        return True

    def items(self, end: Endpoint) -> list[tuple[str | None, dict[str, str]]]:
        """The labelled things an endpoint is, for selectors (E4): a workload pod (never a
        host-networked one), or the network sets holding an external address."""
        if isinstance(end, str):
            return [(s.namespace or None, s.label_map) for s in self.netsets_holding(end)]
        pod = self.pods[end]
        if pod.host_network:
            return []
        return [(pod.namespace, self.ep_labels(pod))]

    def entity_matches(
        self, entity: EntityMatch, policy_ns: str, end: Endpoint, t: Traffic, is_dst: bool
    ) -> bool:
        """E4-E9: every criterion given holds (ANDed)."""
        items = self.items(end)
        scoped = [(ns, labels) for ns, labels in items if self.in_scope(entity, policy_ns, ns)]
        if entity.selector is not None:
            if not any(entity.selector.matches(labels) for _, labels in scoped):
                return False
        elif entity.namespace_selector is not None and not scoped:
            return False
        if entity.not_selector is not None and any(
            entity.not_selector.matches(labels) for _, labels in scoped
        ):
            return False
        if entity.nets is not None and not (
            isinstance(end, str) and any(self.in_block(b, end) for b in entity.nets)
        ):
            return False
        if isinstance(end, str) and any(self.in_block(b, end) for b in entity.not_nets):
            return False
        if entity.has_service_accounts and not self.service_account_ok(entity, policy_ns, end):
            return False
        if entity.service is not None and not self.service_ok(entity, end, t, is_dst):
            return False
        if is_dst:  # E8: source ports are not known offline; they are taken to match
            if entity.ports is not None and not self.port_in(entity.ports, t):
                return False
            if self.port_in(entity.not_ports, t):
                return False
        return True

    def service_account_ok(self, entity: EntityMatch, policy_ns: str, end: Endpoint) -> bool:
        """E6: a workload pod in scope whose service account is in ``names`` and matches
        ``selector`` (ANDed)."""
        if isinstance(end, str) or self.pods[end].host_network:
            return False
        pod = self.pods[end]
        if not self.in_scope(entity, policy_ns, pod.namespace):
            return False
        names = entity.service_account_names
        if names is not None and pod.service_account not in names:
            return False
        sel = entity.service_account_selector
        return sel is None or sel.matches(service_account_labels(pod.service_account))

    def service_ok(self, entity: EntityMatch, end: Endpoint, t: Traffic, is_dst: bool) -> bool:
        """E7: the pods the Service selects (not host-networked), and as a destination only
        on the Service's target ports ("only to/from each endpoint's port")."""
        ref = entity.service
        assert ref is not None
        if isinstance(end, str) or not ref.namespace:
            return False
        pod = self.pods[end]
        for svc in self.cluster.services:
            if svc.namespace != ref.namespace or svc.name != ref.name or svc.selector is None:
                continue
            if pod.namespace != svc.namespace or pod.host_network:
                continue
            if not all(pod.label_map.get(k) == v for k, v in svc.selector):
                continue
            if not is_dst:
                return True
            for sp in svc.ports:
                target = sp.target_port
                if sp.protocol != t.protocol:
                    continue
                if isinstance(target, int) and target == t.port:
                    return True
                if isinstance(target, str) and self.named_port(end, target, t.protocol, t.port):
                    return True
        return False

    def rule_matches(self, rule: CalicoRule, policy_ns: str, t: Traffic) -> bool:
        """E5: protocol and notProtocol, ipVersion, source and destination all hold."""
        if not rule.matches_protocol(t.protocol):
            return False
        if rule.ip_version is not None and rule.ip_version != t.ip_version:
            return False
        return self.entity_matches(
            rule.source, policy_ns, t.src, t, is_dst=False
        ) and self.entity_matches(rule.destination, policy_ns, t.dst, t, is_dst=True)

    # ------------------------------------------------------------------------ other kinds

    def netpol_peer(self, policy_ns: str, peer: Peer, other: Endpoint) -> bool:
        """A Kubernetes NetworkPolicy peer (as tests/reference.py reads it)."""
        if peer.ip_block is not None:
            return isinstance(other, str) and self.in_block(peer.ip_block, other)
        if isinstance(other, str):
            return False
        pod = self.pods[other]
        if peer.namespace_selector is None:
            ns_ok = pod.namespace == policy_ns
        else:
            ns_ok = peer.namespace_selector.matches(self.ns_labels(pod.namespace))
        return ns_ok and (peer.pod_selector is None or peer.pod_selector.matches(pod.label_map))

    def k8s_ports(self, specs: tuple[PortSpec, ...] | None, t: Traffic) -> bool:
        if specs is None:
            return True
        for spec in specs:
            if spec.protocol != t.protocol:
                continue
            if spec.port is None:
                return True
            if isinstance(spec.port, int):
                if spec.port <= t.port <= (spec.end_port or spec.port):
                    return True
            elif self.named_port(t.dst, spec.port, t.protocol, t.port):
                return True
        return False

    def k8s_action(self, policy: NetworkPolicy, direction: str, t: Traffic) -> str | None:
        """E10: a Kubernetes NetworkPolicy in the default tier: its rules allow."""
        other = t.src if direction == INGRESS else t.dst
        for rule in policy.ingress if direction == INGRESS else policy.egress:
            peers_ok = rule.peers is None or any(
                self.netpol_peer(policy.namespace, p, other) for p in rule.peers
            )
            if peers_ok and self.k8s_ports(rule.ports, t):
                return ALLOW
        return None

    def admin_selects(self, sel: Peer, end: Endpoint) -> bool:
        if isinstance(end, str) or self.pods[end].host_network:
            return False
        pod = self.pods[end]
        ns = sel.namespace_selector
        if ns is not None and not ns.matches(self.ns_labels(pod.namespace)):
            return False
        return sel.pod_selector is None or sel.pod_selector.matches(pod.label_map)

    def admin_rule(self, rule: AdminRule, other: Endpoint, t: Traffic) -> bool:
        peer_ok = any(
            (isinstance(other, str) and self.in_block(p.ip_block, other))
            if p.ip_block is not None
            else self.admin_selects(p, other)
            for p in rule.peers
        )
        return peer_ok and self.k8s_ports(rule.ports, t)

    def admin_action(self, policy: AdminPolicy, direction: str, t: Traffic) -> str | None:
        """E10: an Admin/Baseline policy in kube-admin/kube-baseline: its first matching
        rule's action."""
        other = t.src if direction == INGRESS else t.dst
        for rule in policy.ingress if direction == INGRESS else policy.egress:
            if self.admin_rule(rule, other, t):
                return rule.action
        return None

    # ------------------------------------------------------------------------ tiers

    def members(self, tier: str) -> list[Member]:
        """E10: the policies of a tier, by order then name: Calico policies of the tier;
        Kubernetes NetworkPolicies in the default tier at order 1000 as
        ``knp.default.<name>``; Admin policies in kube-admin and Baseline ones in
        kube-baseline at their priority (a BANP before the CNPs)."""
        out = [Member(p.sort_key, calico=p) for p in self.cluster.calico.policies if p.tier == tier]
        if tier == DEFAULT_TIER:
            out += [
                Member((K8S_POLICY_ORDER, f"{p.namespace}/{K8S_POLICY_PREFIX}{p.name}"), k8s=p)
                for p in self.cluster.policies
            ]
        for admin in self.cluster.admin_policies:
            if (tier, admin.tier) in ((ADMIN_TIER, "Admin"), (BASELINE_TIER, "Baseline")):
                out.append(Member((float(admin.priority), admin.name), admin=admin))
        return sorted(out, key=lambda m: m.key)

    def member_applies(self, m: Member, pod: Pod, direction: str) -> bool:
        if m.calico is not None:
            return self.calico_selects(m.calico, pod, direction)
        if m.k8s is not None:
            isolating = m.k8s.ingress_isolating if direction == INGRESS else m.k8s.egress_isolating
            return (
                isolating
                and m.k8s.namespace == pod.namespace
                and m.k8s.pod_selector.matches(pod.label_map)
            )
        assert m.admin is not None
        return self.admin_selects(m.admin.subject, (pod.namespace, pod.name))

    def member_action(self, m: Member, direction: str, t: Traffic) -> str | None:
        """E1: the rules of one policy in order: the first Allow, Deny or Pass; Log goes on."""
        if m.k8s is not None:
            return self.k8s_action(m.k8s, direction, t)
        if m.admin is not None:
            return self.admin_action(m.admin, direction, t)
        assert m.calico is not None
        for rule in m.calico.rules(direction):
            if rule.action != LOG and self.rule_matches(rule, m.calico.namespace, t):
                return rule.action
        return None

    def side(self, pod: Pod, direction: str, t: Traffic) -> bool:
        """E1, E12: the tiers in order; a tier no policy of which applies to the pod is
        skipped; Allow and Deny end; Pass goes to the next tier; the end of a tier that
        applies is its default action; after the last tier, the profiles."""
        for tier in self.cluster.calico.ordered_tiers():
            applying = [
                m for m in self.members(tier.name) if self.member_applies(m, pod, direction)
            ]
            if not applying:
                continue
            action = next(
                (a for a in (self.member_action(m, direction, t) for m in applying) if a),
                tier.default_action,
            )
            if action in (ALLOW, DENY):
                return action == ALLOW
        return self.profiles(pod, direction, t)

    def profiles(self, pod: Pod, direction: str, t: Traffic) -> bool:
        """E12: the pod's profiles, kns.<namespace> then ksa.<namespace>.<service account>
        (from the input, or generated: kns allows everything, ksa has no rules); the first
        Allow or Deny decides; a host-networked pod has no endpoint and is allowed; no
        decision is Deny."""
        if pod.host_network:
            return True
        names = (
            namespace_profile_name(pod.namespace),
            service_account_profile_name(pod.namespace, pod.service_account),
        )
        for name in names:
            profile = self.cluster.calico.profile(name)
            for rule in profile.rules(direction):
                if rule.action in (ALLOW, DENY) and self.rule_matches(rule, "", t):
                    return rule.action == ALLOW
        return False

    # ------------------------------------------------------------------------ pairs

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        """The egress side at the source (if a pod) and the ingress side at the destination
        (if a pod) must both allow."""
        if isinstance(src, str) and isinstance(dst, str):
            raise ValueError("at most one endpoint may be external")
        if src == dst:
            raise ValueError("pod-to-itself is not asked")
        if protocol not in PROTOCOLS or not 1 <= port <= 65535:
            raise ValueError(f"bad protocol/port {protocol}/{port}")
        t = Traffic(src, dst, protocol, port)
        if not isinstance(src, str) and not self.side(self.pods[src], EGRESS, t):
            return False
        return isinstance(dst, str) or self.side(self.pods[dst], INGRESS, t)

    def allowed_ports(
        self, src: Endpoint, dst: Endpoint, ports: Iterable[int]
    ) -> set[tuple[str, int]]:
        return {(p, n) for p in PROTOCOLS for n in ports if self.allowed(src, dst, p, n)}


def network_set_allowed(
    reference: CalicoReference,
    src: Endpoint | NetworkSet,
    dst: Endpoint | NetworkSet,
    protocol: str,
    port: int,
    addresses: Iterable[str],
) -> bool:
    """A connection between a pod and a network set's node: between the pod and some address
    the set holds (docs/semantics.md, "Network sets as nodes": traffic to those addresses is
    traffic to the set, as Calico matches a set's labels for every address of its nets).
    ``addresses`` are the candidate addresses, one at least in every segment of the set."""
    network_set = src if isinstance(src, NetworkSet) else dst
    assert isinstance(network_set, NetworkSet)
    held = [a for a in addresses if network_set in reference.netsets_holding(a)]
    return any(
        reference.allowed(
            a if src is network_set else src,  # type: ignore[arg-type]
            a if dst is network_set else dst,  # type: ignore[arg-type]
            protocol,
            port,
        )
        for a in held
    )
