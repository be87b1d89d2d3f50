"""Cilium selectors over label classes: who a Cilium policy selects, whom its rules match.

Cilium selects endpoints by their *identity labels* (``reach.model.cilium``):
a pod's labels plus its namespace, its namespace's labels, its service account
and its cluster. They are indexed once per compilation, a row per label class,
so every selector is the same vectorized comparison as a NetworkPolicy's.
Host-networked pods are not Cilium endpoints: no endpoint selector holds them;
the ``host``, ``remote-node``, ``cluster`` and ``all`` entities do.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.classes import LabelClasses
from reach.engine.labelindex import LabelIndex
from reach.model.cilium import (
    NAMESPACE_KEY,
    CiliumPolicy,
    CiliumRule,
    ServiceRef,
    identity_labels,
)
from reach.model.cluster import Namespace
from reach.model.ipspace import IPBlock, IPRange
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service

#: Entities that hold every pod, host-networked or not.
_ALL_PODS = frozenset({"all", "cluster"})
#: Entities that hold host-networked pods (local host or another node: unknown offline).
_HOST_PODS = frozenset({"host", "remote-node"})
#: Entities and the address families of the external addresses they hold.
_WORLD = {"all": (4, 6), "world": (4, 6), "world-ipv4": (4,), "world-ipv6": (6,)}


class CiliumMatcher:
    """Identity-label answers over the label classes of one compilation."""

    def __init__(
        self,
        label_classes: LabelClasses,
        *,
        namespaces: list[Namespace],
        services: list[Service],
        segments: list[IPRange],
    ) -> None:
        self.classes = label_classes
        self.namespaces = namespaces
        self.identity = LabelIndex(self._identities(label_classes, 0))
        self.endpoints = ~label_classes.host_network
        self.services = services
        self.segments = segments

    def _identities(
        self, label_classes: LabelClasses, start: int
    ) -> list[tuple[tuple[str, str], ...]]:
        """The identity labels of the label classes from ``start`` on, sorted."""
        return [self._identity(label_classes, c) for c in range(start, len(label_classes))]

    def _identity(self, label_classes: LabelClasses, c: int) -> tuple[tuple[str, str], ...]:
        """The identity labels of label class ``c``, sorted."""
        namespace = self.namespaces[int(label_classes.namespace[c])]
        identity = identity_labels(
            dict(label_classes.labels.rows[c]),
            namespace=namespace.name,
            namespace_labels=namespace.label_map,
            service_account=label_classes.service_accounts[c],
        )
        return tuple(sorted(identity.items()))

    def renamespaced(
        self, label_classes: LabelClasses, namespaces: list[Namespace], segments: list[IPRange]
    ) -> CiliumMatcher | None:
        """This matcher over ``label_classes`` (this matcher's but for the places of their
        namespaces among ``namespaces``): the identities of the label classes whose
        namespace is another, or is labelled otherwise, made again, the others' kept (at
        10k pods beside Cilium a namespace relabelled made every identity again, 60 of its
        75 ms; over ``segments``); None when the label classes differ in more."""
        old = self.classes
        if not (
            len(label_classes) == len(old)
            and label_classes.labels is old.labels
            and label_classes.service_accounts is old.service_accounts
            and label_classes.host_network is old.host_network
        ):
            return None
        before = [(ns.name, ns.labels) for ns in self.namespaces]
        after = [(ns.name, ns.labels) for ns in namespaces]
        places = zip(old.namespace.tolist(), label_classes.namespace.tolist(), strict=True)
        changed = [c for c, (a, b) in enumerate(places) if before[a] != after[b]]
        out = copy.copy(self)
        out.classes, out.namespaces, out.segments = label_classes, namespaces, segments
        out.identity = self.identity.replaced({c: out._identity(label_classes, c) for c in changed})
        return out

    def over(self, label_classes: LabelClasses, segments: list[IPRange]) -> CiliumMatcher:
        """This matcher's namespaces and Services over other label classes and segments
        (its identity index extended when they are its own with others after them: a
        label class of a key new since, ``classmoves.absorbed``)."""
        if self._extended_by(label_classes):
            out = copy.copy(self)
            out.classes, out.segments = label_classes, segments
            more = self._identities(label_classes, len(self.classes))
            out.identity = self.identity.extended(more)
            out.endpoints = ~label_classes.host_network
            return out
        return CiliumMatcher(
            label_classes, namespaces=self.namespaces, services=self.services, segments=segments
        )

    def _extended_by(self, label_classes: LabelClasses) -> bool:
        """Whether ``label_classes`` are this matcher's, what identities read of them,
        followed by others."""
        old, n = self.classes, len(self.classes)
        return (
            len(label_classes) >= n
            and np.array_equal(label_classes.namespace[:n], old.namespace)
            and np.array_equal(label_classes.host_network[:n], old.host_network)
            and label_classes.service_accounts[:n] == old.service_accounts
            and list(label_classes.labels.rows[:n]) == list(old.labels.rows)
        )

    def selected(self, policy: CiliumPolicy) -> BoolVec:
        """The label classes the policy applies to (none for a host policy)."""
        if policy.node_selector is not None:
            return np.zeros(len(self.classes), dtype=bool)
        hit: BoolVec = self.identity.select(policy.endpoint_selector) & self.endpoints
        return hit

    def rule_pods(self, rule: CiliumRule) -> BoolVec:
        """The label classes the rule's peers hold (the peer fields are ORed)."""
        n = len(self.classes)
        if rule.empty:  # ``{}``: no peers and no ports, so nothing (it still isolates)
            return np.zeros(n, dtype=bool)
        if rule.wildcard:
            return np.ones(n, dtype=bool)
        pods = np.zeros(n, dtype=bool)
        for selector in rule.endpoints:
            pods |= self.identity.select(selector)
        for ref in rule.services:
            for selector in self._service_selectors(ref):
                pods |= self.identity.select(selector)
        pods &= self.endpoints  # only Cilium endpoints carry these identities
        if _ALL_PODS.intersection(rule.entities):
            pods[:] = True
        elif _HOST_PODS.intersection(rule.entities):
            pods |= self.classes.host_network
        return pods

    def rule_segments(self, rule: CiliumRule, of_block: Callable[[IPBlock], BoolVec]) -> BoolVec:
        """The external segments the rule's peers hold."""
        n = len(self.segments)
        if rule.wildcard and not rule.empty:
            return np.ones(n, dtype=bool)
        hit = np.zeros(n, dtype=bool)
        families = {v for entity in rule.entities for v in _WORLD.get(entity, ())}
        if families:
            hit |= np.array([s.version in families for s in self.segments], dtype=bool)
        for block in rule.cidrs:
            hit |= of_block(block)
        return hit

    def _service_selectors(self, ref: ServiceRef) -> list[LabelSelector]:
        """Identity selectors for the pods behind the Services ``ref`` names (a Service
        without a selector contributes none)."""
        out = []
        for service in self.services:
            if not ref.takes(service) or service.selector is None:
                continue
            requirements = [Requirement(k, "In", frozenset({v})) for k, v in service.selector]
            requirements.append(Requirement(NAMESPACE_KEY, "In", frozenset({service.namespace})))
            out.append(LabelSelector(tuple(requirements)))
        return out
