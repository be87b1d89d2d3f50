"""Selectors over label classes: who a policy selects, whom a rule's peers match.

Every answer is a numpy boolean vector over label classes (or, for ipBlocks,
over external segments), computed with vectorized comparisons on
``LabelIndex`` columns: pods are never visited one by one.
"""

from __future__ import annotations

import bisect
import copy

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.ciliummatch import CiliumMatcher
from reach.engine.classes import LabelClasses
from reach.engine.labelindex import LabelIndex
from reach.engine.rules import AnyPolicy, AnyRule
from reach.model.cilium import CiliumPolicy, CiliumRule
from reach.model.cluster import AdminPolicy, Namespace, NetworkPolicy, Peer
from reach.model.ipspace import IPBlock, IPRange
from reach.model.selectors import LabelSelector
from reach.model.services import Service


class Matcher:
    """Answers over the label classes of one compilation and its external segments."""

    def __init__(
        self,
        label_classes: LabelClasses,
        *,
        namespace_labels: LabelIndex,
        namespace_position: dict[str, int],
        segments: list[IPRange],
        cilium: CiliumMatcher | None = None,
    ) -> None:
        """``cilium``: the identity-label matcher, when the input has Cilium policies."""
        self.label_classes = label_classes
        self.cilium = cilium
        self.namespace_labels = namespace_labels
        self.namespace_position = namespace_position
        self.n_segments = len(segments)
        self._segment_starts = [(s.version, s.first) for s in segments]
        #: peer_pods per (pod selector, namespace selector, the policy's namespace when
        #: the peer reads it), by value: policies of many namespaces name equal selectors
        #: (at 100k pods 4,217 namespace selectors, 284 of them distinct).
        self._peer_cache: dict[_PeerKey, BoolVec] = {}
        #: rule_peers per (peers, namespace likewise, Admin or not), by value; do not
        #: modify the answers.
        self._rule_cache: dict[_RuleKey, tuple[BoolVec, BoolVec]] = {}

    def made_over(self, segments: list[IPRange]) -> bool:
        """Whether this matcher answers over ``segments`` (those it was made with)."""
        return self._segment_starts == [(s.version, s.first) for s in segments]

    def over(self, label_classes: LabelClasses, segments: list[IPRange]) -> Matcher:
        """A matcher of these namespaces (and Cilium's Services) over other label classes
        and segments."""
        return Matcher(
            label_classes,
            namespace_labels=self.namespace_labels,
            namespace_position=self.namespace_position,
            segments=segments,
            cilium=self.cilium.over(label_classes, segments) if self.cilium is not None else None,
        )

    def with_cilium(
        self,
        namespaces: list[Namespace] | None,
        services: list[Service] | None = None,
        segments: list[IPRange] | None = None,
    ) -> Matcher:
        """This matcher with an identity-label matcher made over its label classes (of
        ``namespaces`` in position order, ``services`` and ``segments``: the first Cilium
        policy), or none (``namespaces`` None: the last went); the answers of other
        selectors are shared."""
        out = copy.copy(self)
        out.cilium = None
        if namespaces is not None:
            out.cilium = CiliumMatcher(
                self.label_classes,
                namespaces=namespaces,
                services=services or [],
                segments=segments or [],
            )
        return out

    def with_services(self, services: list[Service]) -> Matcher:
        """This matcher with Cilium's ``toServices`` reading ``services`` (the answers of
        other selectors are shared: they do not read Services)."""
        if self.cilium is None:
            return self
        out = copy.copy(self)
        out.cilium = copy.copy(self.cilium)
        out.cilium.services = services
        return out

    def renamespaced(
        self,
        label_classes: LabelClasses,
        namespaces: list[Namespace],
        segments: list[IPRange],
    ) -> Matcher:
        """A matcher over ``label_classes`` whose namespace positions are those of
        ``namespaces`` (every namespace, sorted by name; their labels as they are now), with
        Cilium's identities made again when this matcher has them (those of the label
        classes whose namespace changed, when only the namespaces did)."""
        cilium = None
        if self.cilium is not None:  # only the namespaces' places and labels changed
            cilium = self.cilium.renamespaced(label_classes, namespaces, segments)
        if self.cilium is not None and cilium is None:
            cilium = CiliumMatcher(
                label_classes,
                namespaces=namespaces,
                services=self.cilium.services,
                segments=segments,
            )
        return Matcher(
            label_classes,
            namespace_labels=LabelIndex([ns.labels for ns in namespaces]),
            namespace_position={ns.name: i for i, ns in enumerate(namespaces)},
            segments=segments,
            cilium=cilium,
        )

    def resegmented(self, segments: list[IPRange]) -> Matcher:
        """This matcher over other external segments: the answers about pods are kept,
        those of rules (which hold segments) are asked again."""
        out = copy.copy(self)
        out.n_segments = len(segments)
        out._segment_starts = [(s.version, s.first) for s in segments]
        out._rule_cache = {}
        if self.cilium is not None:
            out.cilium = copy.copy(self.cilium)
            out.cilium.segments = segments
        return out

    def forget(self) -> None:
        """Drop the cached answers (kept after compiling, they would hold a vector over
        label classes per distinct selector and peer list: a gigabyte at 100k pods)."""
        self._peer_cache.clear()
        self._rule_cache.clear()

    def selected(self, policy: AnyPolicy) -> BoolVec:
        """The label classes the policy applies to."""
        classes = self.label_classes
        if isinstance(policy, CiliumPolicy):
            assert self.cilium is not None
            return self.cilium.selected(policy)
        if isinstance(policy, AdminPolicy):
            # "Note that host-networked pods are not included in subject selection."
            subject: BoolVec = self.peer_pods(policy.subject, "") & ~classes.host_network
            return subject
        own: BoolVec = classes.namespace == self.namespace_position[policy.namespace]
        return own & classes.labels.select(policy.pod_selector)

    def peer_pods(self, peer: Peer, namespace: str) -> BoolVec:
        """The label classes a peer matches; ``namespace`` is the policy's own (if any).
        Cached: do not modify the result."""
        classes = self.label_classes
        if peer.ip_block is not None:
            return np.zeros(len(classes), dtype=bool)
        own = namespace if peer.namespace_selector is None else ""
        key = (peer.pod_selector, peer.namespace_selector, own)
        hit = self._peer_cache.get(key)
        if hit is None:
            hit = self._peer_cache[key] = self._peer_pods(peer, namespace)
            hit.flags.writeable = False
        return hit

    def _peer_pods(self, peer: Peer, namespace: str) -> BoolVec:
        """:meth:`peer_pods` for a peer of selectors, computed."""
        classes = self.label_classes
        hit: BoolVec
        if peer.namespace_selector is None:
            hit = classes.namespace == self.namespace_position[namespace]
        else:
            hit = self.namespace_labels.select(peer.namespace_selector)[classes.namespace]
        if peer.pod_selector is not None:
            hit = hit & classes.labels.select(peer.pod_selector)
        return hit

    def peer_segments(self, block: IPBlock) -> BoolVec:
        """The external segments an ipBlock holds: its CIDR less its excepts."""
        hit = np.zeros(self.n_segments, dtype=bool)
        hit[self._segment_span(IPRange.of_network(block.cidr))] = True
        for excepted in block.excepts:
            hit[self._segment_span(IPRange.of_network(excepted))] = False
        return hit

    def _segment_span(self, r: IPRange) -> slice:
        """The segments inside the range (segments never straddle an ipBlock boundary)."""
        i = bisect.bisect_left(self._segment_starts, (r.version, r.first))
        j = bisect.bisect_right(self._segment_starts, (r.version, r.last))
        return slice(i, j)

    def rule_peers(self, rule: AnyRule, policy: AnyPolicy) -> tuple[BoolVec, BoolVec]:
        """(label classes, external segments) the rule's peers match (cached: do not modify
        them)."""
        n_label = len(self.label_classes)
        if isinstance(rule, CiliumRule):
            assert self.cilium is not None
            return self.cilium.rule_pods(rule), self.cilium.rule_segments(rule, self.peer_segments)
        if rule.peers is None:  # no from/to: all peers, external addresses included
            return np.ones(n_label, dtype=bool), np.ones(self.n_segments, dtype=bool)
        namespace = policy.namespace if isinstance(policy, NetworkPolicy) else ""
        admin = isinstance(policy, AdminPolicy)
        own = namespace if any(_reads_namespace(peer) for peer in rule.peers) else ""
        key = (rule.peers, own, admin)
        hit = self._rule_cache.get(key)
        if hit is None:
            hit = self._rule_cache[key] = self._rule_peers(rule.peers, namespace, admin)
            for vector in hit:
                vector.flags.writeable = False
        return hit

    def _rule_peers(
        self, peers: tuple[Peer, ...], namespace: str, admin: bool
    ) -> tuple[BoolVec, BoolVec]:
        """:meth:`rule_peers` of a list of peers, computed."""
        pods = np.zeros(len(self.label_classes), dtype=bool)
        external = np.zeros(self.n_segments, dtype=bool)
        for peer in peers:
            if peer.ip_block is not None:
                external |= self.peer_segments(peer.ip_block)
            else:
                pods |= self.peer_pods(peer, namespace)
        if admin:
            pods &= ~self.label_classes.host_network  # host-networked pods are not these peers
        return pods, external


#: What :meth:`Matcher.peer_pods` and :meth:`Matcher.rule_peers` keep their answers by.
_PeerKey = tuple[LabelSelector | None, LabelSelector | None, str]
_RuleKey = tuple[tuple[Peer, ...], str, bool]


def _reads_namespace(peer: Peer) -> bool:
    """Whether the pods a peer holds depend on its policy's namespace: a pod selector
    without a namespace selector holds pods of the policy's own namespace."""
    return peer.namespace_selector is None and peer.ip_block is None
