"""The part of a rule peer that keeps a pod out: the field a finding should point at.

A peer (``spec.ingress[0].from[1]``) is a namespaceSelector and a podSelector; when it
fails to match, the cause is usually one requirement of one of them (a label typo). Given
the pod that should match (the other end of a broken ``allow`` expectation), or none (a
peer that matches no pod at all), :func:`narrow_peer` returns the path of the first
requirement that fails: ``...podSelector.matchLabels.app`` or
``...namespaceSelector.matchExpressions[0]``; the peer's own path if none can be singled out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from reach.model.cluster import Cluster, NetworkPolicy, Peer, Pod
from reach.model.ports import PortSpec
from reach.model.selectors import Labels, LabelSelector, Requirement

_PEER = re.compile(r"^spec\.(ingress|egress)\[(\d+)\]\.(from|to)\[(\d+)\]$")
_PORT = re.compile(r"^([A-Z]+) (\d+)$")


def peer_of(pol: NetworkPolicy, path: str) -> Peer | None:
    """The peer of ``pol`` at ``path`` (``spec.ingress[0].from[1]``), if there is one."""
    m = _PEER.match(path)
    if m is None:
        return None
    rules = pol.ingress if m.group(1) == "ingress" else pol.egress
    for rule in rules:
        if rule.index == int(m.group(2)) and rule.peers is not None:
            j = int(m.group(4))
            return rule.peers[j] if j < len(rule.peers) else None
    return None


def narrow_peer(cluster: Cluster, pol: NetworkPolicy, path: str, pod: Pod | None = None) -> str:
    """The path of the requirement of the peer at ``path`` that keeps ``pod`` out (with no
    pod: that no pod or namespace of the input meets); ``path`` itself otherwise."""
    peer = peer_of(pol, path)
    if peer is None or peer.ip_block is not None:
        return path
    namespaces = [ns.label_map for ns in cluster.namespaces.values()]
    if pod is not None:
        ns = cluster.namespaces.get(pod.namespace)
        namespaces = [ns.label_map] if ns is not None else []
    if peer.namespace_selector is not None:
        names = [ns.name for ns in cluster.namespaces.values()]
        if pod is not None:
            names = [pod.namespace]
        missed = _missed(peer.namespace_selector, namespaces)
        if missed:
            return f"{path}.namespaceSelector.{missed}"
        allowed = {n for n in names if peer.namespace_selector.matches(_labels(cluster, n))}
    else:
        allowed = {pol.namespace}
    pods = [pod] if pod is not None else [p for p in cluster.pods if p.namespace in allowed]
    if peer.pod_selector is not None:
        missed = _missed(peer.pod_selector, [p.label_map for p in pods])
        if missed:
            return f"{path}.podSelector.{missed}"
    return path


def distance(cluster: Cluster, pol: NetworkPolicy, path: str, pod: Pod) -> tuple[int, float]:
    """How far the peer at ``path`` is from matching ``pod``: the requirements it fails,
    then how unlike their values are to the pod's (0: alike, 1 each: nothing in common);
    the closest peer is the likeliest typo."""
    peer = peer_of(pol, path)
    if peer is None or peer.ip_block is not None:
        return (1 << 30, 0.0)
    failed: list[tuple[Requirement, Labels]] = []
    ns_labels = _labels(cluster, pod.namespace)
    if peer.namespace_selector is not None:
        failed += [(r, ns_labels) for r in peer.namespace_selector.requirements]
    elif pod.namespace != pol.namespace:
        return (1 << 29, 0.0)
    if peer.pod_selector is not None:
        failed += [(r, pod.label_map) for r in peer.pod_selector.requirements]
    failed = [(r, labels) for r, labels in failed if not r.matches(labels)]
    unlike = sum(_unlike(r, labels) for r, labels in failed)
    return (len(failed), unlike)


def _unlike(req: Requirement, labels: Labels) -> float:
    have = labels.get(req.key)
    if req.operator != "In" or have is None:
        return 1.0
    return 1.0 - max(difflib.SequenceMatcher(None, have, v).ratio() for v in req.values)


def _labels(cluster: Cluster, namespace: str) -> Labels:
    ns = cluster.namespaces.get(namespace)
    return ns.label_map if ns is not None else {}


def _missed(selector: LabelSelector, candidates: Sequence[Labels]) -> str:
    """The field (``matchLabels.KEY``, ``matchExpressions[I]``) of the first requirement of
    ``selector`` that no candidate meets; ``""`` when each is met by some candidate."""
    expression = 0
    for req in selector.requirements:
        if not any(req.matches(labels) for labels in candidates):
            return _field(req, expression)
        expression += not req.plain
    return ""


def _field(req: Requirement, expression: int) -> str:
    return f"matchLabels.{req.key}" if req.plain else f"matchExpressions[{expression}]"


def may_cover(ports: Sequence[PortSpec] | None, port: str) -> bool:
    """Whether a rule's ports may hold ``port`` (``TCP 5432``; a named port may)."""
    m = _PORT.match(port)
    if ports is None or m is None:
        return True
    protocol, number = m.group(1), int(m.group(2))
    for spec in ports:
        if spec.protocol != protocol:
            continue
        if spec.port is None or isinstance(spec.port, str):
            return True
        if spec.port <= number <= (spec.end_port or spec.port):
            return True
    return False
