"""Calico policies over label classes: whom a policy applies to, what a rule's ends match.

Selectors are evaluated over the *endpoint labels* of each label class (a pod's
labels plus ``projectcalico.org/namespace``, ``/orchestrator`` and
``/serviceaccount``: ``reach.model.calico.endpoint_labels``), so label classes are
keyed by service account when the input has Calico policies. Host-networked pods
are not workload endpoints: no Calico policy applies to them and no selector
matches them. External addresses are matched by segment: through ``nets`` and
``notNets``, and through the NetworkSets that hold them (docs/semantics.md,
"Calico policies", E2-E9).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.calicoselect import SelectorIndex
from reach.engine.classes import LabelClasses, LabelKey, extended
from reach.engine.labelindex import LabelIndex
from reach.engine.rules import NamedKey
from reach.model.calico import (
    CalicoPolicy,
    EntityMatch,
    NetworkSet,
    endpoint_labels,
    namespace_labels,
    service_account_labels,
)
from reach.model.calicoselector import Selector
from reach.model.cluster import NAME_LABEL, Namespace
from reach.model.ipspace import IPBlock, IPRange
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service


class CalicoMatcher:
    """Calico answers over the label classes (and external segments) of one compilation."""

    def __init__(
        self,
        label_classes: LabelClasses,
        *,
        namespaces: list[Namespace],
        network_sets: list[NetworkSet],
        services: list[Service],
        of_block: Callable[[IPBlock], BoolVec],
        segments: list[IPRange],
    ) -> None:
        """``namespaces`` by position (``label_classes.namespace``); ``of_block`` gives the
        external segments an IPBlock holds."""
        self.classes = label_classes
        self.namespace_names = [ns.name for ns in namespaces]
        self.position = {name: i for i, name in enumerate(self.namespace_names)}
        rows = self._endpoint_rows(label_classes, 0)
        self.endpoint_labels = SelectorIndex(LabelIndex(rows))
        self._namespace_labels = [_labels_of(ns) for ns in namespaces]
        self._of_classes(label_classes)
        self.network_sets = network_sets
        self.services = services
        self.of_block = of_block
        self.segments = segments
        self.n_segments = len(segments)
        self._set_segments = [self._blocks(s.nets) for s in network_sets]

    def _endpoint_rows(
        self, label_classes: LabelClasses, start: int
    ) -> list[tuple[tuple[str, str], ...]]:
        """The endpoint labels of the label classes from ``start`` on."""
        rows = []
        for c in range(start, len(label_classes)):
            labels = endpoint_labels(
                dict(label_classes.labels.rows[c]),
                namespace=self.namespace_names[int(label_classes.namespace[c])],
                service_account=label_classes.service_accounts[c],
            )
            rows.append(tuple(sorted(labels.items())))
        return rows

    def _of_classes(self, label_classes: LabelClasses) -> None:
        """What is read of each label class but its endpoint labels."""
        self.classes = label_classes
        self.endpoints: BoolVec = ~label_classes.host_network
        accounts = sorted(set(label_classes.service_accounts))
        self._accounts = accounts
        index = {sa: i for i, sa in enumerate(accounts)}
        self._account_of = np.array(
            [index[sa] for sa in label_classes.service_accounts], dtype=np.intp
        )

    def extended(self, keys: list[LabelKey], named: list[NamedKey]) -> CalicoMatcher | None:
        """This matcher with the label classes of ``keys`` after its own (``named``: the
        named ports rules use), its cached answers kept and asked of the new ones alone;
        None when a key's namespace is not among its namespaces (added since)."""
        if any(key[0] not in self.position for key in keys):
            return None
        out = copy.copy(self)
        out._of_classes(extended(self.classes, keys, self.position, named))
        rows = out._endpoint_rows(out.classes, len(self.classes))
        out.endpoint_labels = self.endpoint_labels.extended(rows)
        return out

    def relabelled(self, namespaces: Mapping[str, Namespace]) -> CalicoMatcher:
        """This matcher with its namespaces' labels as ``namespaces`` has them now (its own
        namespaces in their places, those added since after them, where label classes
        brought later, ``extended``, find them; the answers it cached read no namespace
        labels)."""
        out = copy.copy(self)
        out._namespace_labels = [
            _labels_of(namespaces[n])
            if n in namespaces
            else labels  # deleted since (no label class is in it): as it was
            for n, labels in zip(self.namespace_names, self._namespace_labels, strict=True)
        ]
        added = [n for n in namespaces if n not in self.position]
        if added:
            out.namespace_names = [*self.namespace_names, *added]
            out.position = {name: i for i, name in enumerate(out.namespace_names)}
            out._namespace_labels += [_labels_of(namespaces[n]) for n in added]
        return out

    def with_sets(self, network_sets: list[NetworkSet]) -> CalicoMatcher:
        """This matcher with other network sets (its answers about pods are kept)."""
        out = copy.copy(self)
        out.network_sets = network_sets
        out._set_segments = [out._blocks(s.nets) for s in network_sets]
        return out

    def with_services(self, services: list[Service]) -> CalicoMatcher:
        """This matcher with other Services (its answers about pods are kept: a rule's
        Service is looked up at each ask, ``service_pods``). Made again, its label index
        took 40-50 ms at 10k pods, at the first Calico policy event after every Service
        event."""
        out = copy.copy(self)
        out.services = services
        return out

    def resegmented(
        self, segments: list[IPRange], of_block: Callable[[IPBlock], BoolVec]
    ) -> CalicoMatcher:
        """This matcher over other external segments (``of_block``: a matcher's over them);
        its answers about pods are kept."""
        out = copy.copy(self)
        out.of_block = of_block
        out.segments = segments
        out.n_segments = len(segments)
        out._set_segments = [out._blocks(s.nets) for s in self.network_sets]
        return out

    # -- helpers over namespaces, service accounts, blocks ------------------------------
    def _by_namespace(self, selector: Selector) -> BoolVec:
        """Label classes whose namespace the selector matches."""
        hit = np.array([selector.matches(labels) for labels in self._namespace_labels], bool)
        if not len(hit):
            return np.zeros(len(self.classes), dtype=bool)
        out: BoolVec = hit[self.classes.namespace]
        return out

    def _by_account(self, names: tuple[str, ...] | None, selector: Selector | None) -> BoolVec:
        """Label classes whose service account is in ``names`` and matches ``selector``."""
        hit = np.array(
            [
                (names is None or sa in names)
                and (selector is None or selector.matches(service_account_labels(sa)))
                for sa in self._accounts
            ],
            dtype=bool,
        )
        out: BoolVec = hit[self._account_of]
        return out

    def _in_namespace(self, namespace: str) -> BoolVec:
        position = self.position.get(namespace, -1)
        hit: BoolVec = self.classes.namespace == position
        return hit

    def _blocks(self, blocks: tuple[IPBlock, ...]) -> BoolVec:
        hit = np.zeros(self.n_segments, dtype=bool)
        for block in blocks:
            hit |= self.of_block(block)
        return hit

    # -- policies -----------------------------------------------------------------------
    def selected(self, policy: CalicoPolicy, direction: str) -> BoolVec:
        """E2: the label classes the policy applies to in ``direction``."""
        n = len(self.classes)
        if policy.staged or policy.host_only or not policy.applies_to(direction):
            return np.zeros(n, dtype=bool)
        hit = self.endpoints & self.endpoint_labels.select(policy.selector)
        if policy.namespace:
            hit = hit & self._in_namespace(policy.namespace)
        if policy.namespace_selector is not None:
            hit = hit & self._by_namespace(policy.namespace_selector)
        if policy.service_account_selector is not None:
            hit = hit & self._by_account(None, policy.service_account_selector)
        return hit

    # -- one end of a rule --------------------------------------------------------------
    def _scope(self, entity: EntityMatch, policy_ns: str) -> BoolVec:
        """E3: the label classes in the scope of the entity's selectors."""
        if entity.namespace_selector is not None:
            return self._by_namespace(entity.namespace_selector)
        if policy_ns:
            return self._in_namespace(policy_ns)
        return np.ones(len(self.classes), dtype=bool)

    def entity_pods(self, entity: EntityMatch, policy_ns: str) -> BoolVec:
        """E4-E7: the label classes an end of a rule matches (ports aside)."""
        n = len(self.classes)
        hit = np.ones(n, dtype=bool)
        scoped = self.endpoints & self._scope(entity, policy_ns)
        if entity.selector is not None:
            hit &= scoped & self.endpoint_labels.select(entity.selector)
        elif entity.namespace_selector is not None:
            hit &= scoped
        if entity.not_selector is not None:
            hit &= ~(scoped & self.endpoint_labels.select(entity.not_selector))
        if entity.nets is not None:  # pods have no addresses
            hit[:] = False
        if entity.has_service_accounts:
            hit &= scoped & self._by_account(
                entity.service_account_names, entity.service_account_selector
            )
        if entity.service is not None:
            hit &= self.service_pods(entity)
        return hit

    def service_pods(self, entity: EntityMatch) -> BoolVec:
        """E7: the workload label classes the Service of ``entity.service`` selects."""
        hit = np.zeros(len(self.classes), dtype=bool)
        service = self.service_of(entity)
        if service is None or service.selector is None:
            return hit
        requirements = tuple(Requirement(k, "In", frozenset({v})) for k, v in service.selector)
        hit = self.classes.labels.select(LabelSelector(requirements)).copy()
        return hit & self.endpoints & self._in_namespace(service.namespace)

    def service_of(self, entity: EntityMatch) -> Service | None:
        """The Service ``entity.services`` names (None: absent, or no namespace)."""
        ref = entity.service
        if ref is None or not ref.namespace:
            return None
        return next(
            (s for s in self.services if s.namespace == ref.namespace and s.name == ref.name),
            None,
        )

    def entity_segments(self, entity: EntityMatch, policy_ns: str) -> BoolVec:
        """E4, E5, E9: the external segments an end of a rule matches (through the network
        sets in scope that hold them, ``nets`` and ``notNets``)."""
        hit = np.ones(self.n_segments, dtype=bool)
        scoped = [self._set_in_scope(s, entity, policy_ns) for s in self.network_sets]
        if entity.selector is not None:
            hit &= self._sets(entity.selector, scoped)
        elif entity.namespace_selector is not None:
            hit &= self._sets(None, scoped)
        if entity.not_selector is not None:
            hit &= ~self._sets(entity.not_selector, scoped)
        if entity.nets is not None:
            hit &= self._blocks(entity.nets)
        hit &= ~self._blocks(entity.not_nets)
        if entity.has_service_accounts or entity.service is not None:
            hit[:] = False
        return hit

    def _sets(self, selector: Selector | None, scoped: list[bool]) -> BoolVec:
        """Segments held by a network set in scope that ``selector`` (None: any) matches."""
        hit = np.zeros(self.n_segments, dtype=bool)
        for s, in_scope, segments in zip(
            self.network_sets, scoped, self._set_segments, strict=True
        ):
            if in_scope and (selector is None or selector.matches(s.label_map)):
                hit |= segments
        return hit

    def _set_in_scope(self, s: NetworkSet, entity: EntityMatch, policy_ns: str) -> bool:
        """E3 for a network set: a GlobalNetworkSet is seen by a namespaceSelector with no
        labels and ``global()`` true, and is out of a namespaced policy's default scope."""
        ns_sel = entity.namespace_selector
        if ns_sel is not None:
            if s.is_global:
                return ns_sel.matches({}, global_resource=True)
            position = self.position.get(s.namespace)
            labels = (
                self._namespace_labels[position]
                if position is not None
                else namespace_labels({NAME_LABEL: s.namespace}, s.namespace)
            )
            return ns_sel.matches(labels)
        if policy_ns:
            return s.namespace == policy_ns
        return True


def _labels_of(namespace: Namespace) -> dict[str, str]:
    """What a Calico namespace selector reads of ``namespace``: its labels and its name."""
    return namespace_labels({**namespace.label_map, NAME_LABEL: namespace.name}, namespace.name)
