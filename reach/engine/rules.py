"""Rules in class space: who a rule's policy selects, which peers it matches, which ports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reach.engine.arrays import BoolVec, IntVec
from reach.engine.atoms import Mask
from reach.errors import Diagnostic
from reach.model.calico import CalicoPolicy, CalicoRule, Profile
from reach.model.cilium import CiliumPolicy, CiliumRule
from reach.model.cluster import AdminPolicy, AdminRule, Cluster, NetworkPolicy, Rule
from reach.model.ipspace import IPBlock

NamedKey = tuple[str, str]  # (port name, protocol)
AnyPolicy = NetworkPolicy | AdminPolicy | CiliumPolicy
AnyRule = Rule | AdminRule | CiliumRule
#: What a compiled rule can come from: also Calico policies and profiles (``calicoplan``).
CompiledPolicy = AnyPolicy | CalicoPolicy | Profile
CompiledAnyRule = AnyRule | CalicoRule
#: The tiers in evaluation order.
TIERS = ("Admin", "NetworkPolicy", "Baseline")


@dataclass
class CompiledRule:
    """One rule in class space: who its policy selects, which peers it matches, which ports.

    ``selected`` is over behaviour classes, ``peers`` over all classes (behaviour
    classes, then external segments). ``mask`` is ``(1, W)`` when the ports do not
    depend on the destination. With named ports it has one row per way the
    destination can resolve port names, and ``resolution_of[dst]`` picks the row
    (the last row, numbers only, is for external addresses).
    """

    policy: CompiledPolicy
    rule: CompiledAnyRule
    direction: str  # "ingress" | "egress"
    selected: BoolVec
    peers: BoolVec
    mask: Mask
    #: Cilium rules sit in the NetworkPolicy tier, their denies subtracted from its allows.
    tier: str = "NetworkPolicy"  # "Admin" | "NetworkPolicy" | "Baseline"
    action: str = "Allow"  # "Allow" | "Deny" | "Pass"
    resolution_of: IntVec | None = None

    def with_(self, **changes: Any) -> CompiledRule:
        """This rule with ``changes`` to its fields: ``dataclasses.replace`` without its
        checks (a copy of the fields, about a third of its time; updates at 100k pods take
        10,000s of rules again)."""
        if not changes.keys() <= self.__dict__.keys():  # as replace, a misspelt field fails
            raise TypeError(
                f"CompiledRule has no field {sorted(changes.keys() - self.__dict__.keys())}"
            )
        out = object.__new__(type(self))
        fields = self.__dict__.copy()
        fields.update(changes)
        out.__dict__ = fields
        return out

    @property
    def varies(self) -> bool:
        """Whether the ports depend on the destination (named ports)."""
        return len(self.mask) > 1

    @property
    def label(self) -> str:
        """``ANP x (priority 5), rule y``, ``ns/np ingress[0]`` or
        ``CiliumNetworkPolicy ns/x ingressDeny[0]``."""
        if isinstance(self.rule, AdminRule):
            return f"{self.policy}, rule {self.rule.name}"
        if isinstance(self.rule, CiliumRule):
            return f"{self.policy} {self.rule.section}[{self.rule.index}]"
        return f"{self.policy} {self.direction}[{self.rule.index}]"

    @property
    def note(self) -> str:
        """What the rule decides beyond L3/L4 (Cilium L7 rules): ``L7 filtered: HTTP GET /``."""
        if isinstance(self.rule, CiliumRule) and self.rule.l7:
            return "L7 filtered: " + "; ".join(self.rule.l7)
        return ""

    def ports_to(self, dst: int) -> Mask:
        """The rule's ports toward destination class ``dst``, as a ``(W,)`` mask."""
        if len(self.mask) == 1 or self.resolution_of is None:
            first: Mask = self.mask[0]
            return first
        row: Mask = self.mask[self.resolution_of[dst]]
        return row


def overlapping(a: CompiledRule, b: CompiledRule) -> bool:
    """Whether two rules of one direction can match the same connection on the same port."""
    return bool(
        a.direction == b.direction
        and (a.selected & b.selected).any()
        and (a.peers & b.peers).any()
        and _ports_meet(a, b)
    )


def _ports_meet(a: CompiledRule, b: CompiledRule) -> bool:
    """Whether the two rules' ports meet toward one destination: their mask rows of one
    named-port resolution that some class (or the external addresses) has, compared row
    with row (a row of a resolution no class has is no destination's). The rules of one
    compilation share one ``resolution_of`` (the classes' resolutions), so either's will do."""
    of = a.resolution_of if a.resolution_of is not None else b.resolution_of
    used = np.unique(of).tolist() if of is not None and (a.varies or b.varies) else [0]
    return any((a.mask[r if a.varies else 0] & b.mask[r if b.varies else 0]).any() for r in used)


def used_named_ports(rules: list[tuple[AnyPolicy, AnyRule, str]]) -> list[NamedKey]:
    """The (port name, protocol) pairs that some rule uses, sorted."""
    return sorted(
        {
            (p.port, p.protocol)
            for _, rule, _ in rules
            for p in rule.ports or ()
            if isinstance(p.port, str)
        }
    )


def rule_blocks(rules: list[tuple[AnyPolicy, AnyRule, str]]) -> list[IPBlock]:
    """The address blocks the rules' peers name, in order."""
    return [
        block
        for _, rule, _ in rules
        for block in (
            rule.cidrs
            if isinstance(rule, CiliumRule)
            else [peer.ip_block for peer in rule.peers or () if peer.ip_block]
        )
    ]


def priority_ties(rules: list[CompiledRule]) -> list[Diagnostic]:
    """Warn about policies of one tier and priority whose rules overlap: order undefined."""
    by_priority: dict[tuple[str, int], list[CompiledRule]] = {}
    for rule in rules:
        if isinstance(rule.policy, AdminPolicy) and rule.policy.priority >= 0:
            by_priority.setdefault((rule.tier, rule.policy.priority), []).append(rule)
    out: list[Diagnostic] = []
    for (tier, priority), group in by_priority.items():
        pairs = {
            (str(a.policy), str(b.policy))
            for i, a in enumerate(group)
            for b in group[i + 1 :]
            if a.policy is not b.policy and overlapping(a, b)
        }
        for x, y in sorted(pairs):
            out.append(
                Diagnostic(
                    "priority-tie",
                    f"{x} and {y} share priority {priority} in the {tier} tier and their rules "
                    "overlap: which applies first is undefined (results assume name order)",
                )
            )
    return out


def tier_order(admin: list[AdminPolicy], tier: str) -> list[AdminPolicy]:
    """Policies of a tier by priority (the BANP, priority -1, first); ties by kind and name."""
    return sorted((p for p in admin if p.tier == tier), key=lambda p: (p.priority, p.kind, p.name))


def evaluation_order(cluster: Cluster) -> list[AnyPolicy]:
    """The cluster's policies in evaluation order: Admin, NetworkPolicy (and Cilium),
    Baseline."""
    admin = tier_order(cluster.admin_policies, "Admin")
    baseline = tier_order(cluster.admin_policies, "Baseline")
    return [*admin, *cluster.policies, *cluster.cilium_policies, *baseline]


def rule_triples(policies: list[AnyPolicy]) -> list[tuple[AnyPolicy, AnyRule, str]]:
    """``(policy, rule, direction)`` of every rule of the policies, in order (each
    policy's ingress rules, then its egress rules)."""
    return [
        (policy, rule, direction)
        for policy in policies
        for direction, of in (("ingress", policy.ingress), ("egress", policy.egress))
        for rule in of
    ]


def compiled_rule(
    policy: AnyPolicy,
    rule: AnyRule,
    direction: str,
    selected: BoolVec,
    peers: BoolVec,
    mask: Mask,
    resolution_of: IntVec,
) -> CompiledRule:
    """A rule in class space, with the tier and action its kind gives it."""
    return CompiledRule(
        policy=policy,
        rule=rule,
        direction=direction,
        selected=selected,
        peers=peers,
        mask=mask,
        resolution_of=resolution_of,
        tier=policy.tier if isinstance(policy, AdminPolicy) else "NetworkPolicy",
        action=rule.action if isinstance(rule, AdminRule | CiliumRule) else "Allow",
    )


def isolation(policies: list[AnyPolicy], subjects: list[BoolVec], n: int) -> dict[str, BoolVec]:
    """Which of the ``n`` classes NetworkPolicies and Cilium policies isolate, per direction
    (``subjects``: whom each policy selects)."""
    out = {d: np.zeros(n, dtype=bool) for d in ("ingress", "egress")}
    for policy, selected in zip(policies, subjects, strict=True):
        if isinstance(policy, NetworkPolicy | CiliumPolicy):
            if policy.ingress_isolating:
                out["ingress"] |= selected
            if policy.egress_isolating:
                out["egress"] |= selected
    return out


def cilium_selected(policies: list[AnyPolicy], subjects: list[BoolVec], n: int) -> BoolVec:
    """``Reachability.cilium_selected``: who each Cilium policy among ``policies`` selects
    (``subjects``, over the ``n`` behaviour classes), a row per policy in order."""
    rows = [s for p, s in zip(policies, subjects, strict=True) if isinstance(p, CiliumPolicy)]
    return np.array(rows, dtype=bool).reshape(len(rows), n)
