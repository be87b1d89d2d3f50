"""Representative peers: the pods a rule peer describes by labels, present or not.

A rule peer that selects by labels stands for pods that may not exist yet: any
pod of any namespace (``namespaceSelector: {}``), all pods of namespaces with
given labels, pods with given labels in a named namespace, and so on. A
:class:`Representative` is one such description: a namespace part (a fixed
name, or a namespace selector) and a pod selector. The *entire cluster* is the
representative whose two parts are empty.

Which rules hold every pod a representative stands for is decided on the
selectors themselves (:func:`implies`), never on the pods of the input: a rule
peer holds the representative when every label set satisfying the
representative's selectors satisfies the peer's. A namespace fixed by name that
the input declares is judged by its real labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reach.model.cluster import NAME_LABEL, Peer
from reach.model.selectors import LabelSelector, Requirement


def canonical(selector: LabelSelector | None) -> LabelSelector:
    """The selector with its requirements in a fixed order (absent is empty)."""
    if selector is None:
        return LabelSelector()
    reqs = sorted(selector.requirements, key=lambda r: (r.key, r.operator, sorted(r.values)))
    return LabelSelector(tuple(dict.fromkeys(reqs)))


@dataclass(frozen=True, slots=True)
class Representative:
    """Any pod matching ``pod_selector`` in a namespace named ``namespace`` (when given) or
    matching ``namespace_selector`` (when ``namespace`` is None); empty selectors match all.
    """

    namespace: str | None
    namespace_selector: LabelSelector
    pod_selector: LabelSelector

    @property
    def entire_cluster(self) -> bool:
        """Every pod of every namespace, present or not."""
        return (
            self.namespace is None
            and self.namespace_selector.is_empty()
            and self.pod_selector.is_empty()
        )

    @property
    def namespace_requirements(self) -> LabelSelector:
        """The namespace part as a selector (a fixed name is its name label)."""
        if self.namespace is not None:
            return LabelSelector((Requirement(NAME_LABEL, "In", frozenset([self.namespace])),))
        return self.namespace_selector

    def implies(self, other: Representative) -> bool:
        """Whether every pod this stands for is one ``other`` stands for (on selectors)."""
        if other.namespace is not None and self.namespace != other.namespace:
            return False
        return implies(self.namespace_requirements, other.namespace_requirements) and implies(
            self.pod_selector, other.pod_selector
        )

    def sort_key(self) -> tuple[object, ...]:
        """Entire cluster first, then by namespace and selectors as text."""
        return (
            not self.entire_cluster,
            self.namespace or "",
            _text(self.namespace_selector),
            _text(self.pod_selector),
        )


ENTIRE_CLUSTER = Representative(None, LabelSelector(), LabelSelector())


def representative_of(peer: Peer, policy_namespace: str | None) -> Representative | None:
    """The representative a rule peer stands for; None for an ipBlock.

    A NetworkPolicy peer without ``namespaceSelector`` means the policy's own
    namespace; a namespace selector that is exactly ``kubernetes.io/metadata.name: X``
    fixes the namespace ``X``.
    """
    if peer.ip_block is not None:
        return None
    pods = canonical(peer.pod_selector)
    if peer.namespace_selector is None:
        return Representative(policy_namespace, LabelSelector(), pods)
    namespaces = canonical(peer.namespace_selector)
    reqs = namespaces.requirements
    if len(reqs) == 1 and _fixes_name(reqs[0]):
        return Representative(next(iter(reqs[0].values)), LabelSelector(), pods)
    return Representative(None, namespaces, pods)


def _fixes_name(req: Requirement) -> bool:
    return req.key == NAME_LABEL and req.operator == "In" and len(req.values) == 1


def peer_holds(peer: Peer, policy_namespace: str | None, rep: Representative) -> bool:
    """Whether the rule peer matches every pod ``rep`` stands for, judged on the selectors
    alone: a namespace fixed by name is known by its name label only, even when the input
    declares it (its other labels may change; the pods of the input are in the list).
    """
    if peer.ip_block is not None:
        return False
    if peer.pod_selector is not None and not implies(rep.pod_selector, peer.pod_selector):
        return False
    if peer.namespace_selector is None:
        return policy_namespace is None or rep.namespace == policy_namespace
    return implies(rep.namespace_requirements, peer.namespace_selector)


def implies(a: LabelSelector, b: LabelSelector) -> bool:
    """Whether every label set matching ``a`` matches ``b`` (decided requirement by
    requirement: each of ``b``'s is implied by one of ``a``'s on the same key)."""
    return all(
        any(_requirement_implies(ra, rb) for ra in a.requirements if ra.key == rb.key)
        for rb in b.requirements
    )


def _requirement_implies(a: Requirement, b: Requirement) -> bool:
    """Whether requirement ``a`` (on the same key) implies requirement ``b``."""
    if b.operator == "In":
        return a.operator == "In" and a.values <= b.values
    if b.operator == "NotIn":
        if a.operator == "In":
            return not (a.values & b.values)
        return a.operator == "DoesNotExist" or (a.operator == "NotIn" and b.values <= a.values)
    if b.operator == "Exists":
        return a.operator in ("In", "Exists")
    return a.operator == "DoesNotExist"


def labels_only(selector: LabelSelector) -> bool:
    """Whether the selector is plain labels only (written as matchLabels)."""
    return all(r.plain for r in selector.requirements)


def _text(selector: LabelSelector) -> str:
    return ",".join(f"{r.key} {r.operator} {sorted(r.values)}" for r in selector.requirements)


class RepresentativeIndex:
    """:func:`peer_holds` for every representative at once, as boolean vectors.

    Each distinct requirement of a rule peer is checked once against the
    requirements the representatives have on its key (value sets of ``In``
    grouped), and a selector's answer is the AND of its requirements' answers.
    """

    def __init__(self, reps: list[Representative]) -> None:
        self.n = len(reps)
        self._pods = _RequirementIndex([rep.pod_selector for rep in reps])
        self._namespaces = _RequirementIndex([rep.namespace_requirements for rep in reps])
        self._fixed: dict[str | None, list[int]] = {}
        for i, rep in enumerate(reps):
            self._fixed.setdefault(rep.namespace, []).append(i)

    def held_by(self, peer: Peer, policy_namespace: str | None) -> npt.NDArray[np.bool_]:
        """Which representatives the rule peer holds (see :func:`peer_holds`)."""
        if peer.ip_block is not None:
            return np.zeros(self.n, dtype=bool)
        hit = np.ones(self.n, dtype=bool)
        if peer.pod_selector is not None:
            hit &= self._pods.implying(peer.pod_selector)
        if peer.namespace_selector is not None:
            hit &= self._namespaces.implying(peer.namespace_selector)
        elif policy_namespace is not None:
            own = np.zeros(self.n, dtype=bool)
            own[self._fixed.get(policy_namespace, [])] = True
            hit &= own
        return hit


class _RequirementIndex:
    """The requirements of many selectors by key, for :func:`implies` against one selector."""

    def __init__(self, selectors: list[LabelSelector]) -> None:
        self.n = len(selectors)
        self._by_key: dict[str, list[tuple[int, Requirement]]] = {}
        self._in_sets: dict[str, dict[frozenset[str], list[int]]] = {}
        for i, selector in enumerate(selectors):
            for req in selector.requirements:
                if req.operator == "In":
                    self._in_sets.setdefault(req.key, {}).setdefault(req.values, []).append(i)
                else:
                    self._by_key.setdefault(req.key, []).append((i, req))
        self._cache: dict[Requirement, npt.NDArray[np.bool_]] = {}

    def implying(self, selector: LabelSelector) -> npt.NDArray[np.bool_]:
        """Which selectors imply ``selector``."""
        hit = np.ones(self.n, dtype=bool)
        for req in selector.requirements:
            hit &= self._implying(req)
        return hit

    def _implying(self, rb: Requirement) -> npt.NDArray[np.bool_]:
        hit = self._cache.get(rb)
        if hit is None:
            hit = np.zeros(self.n, dtype=bool)
            for values, owners in self._in_sets.get(rb.key, {}).items():
                if _requirement_implies(Requirement(rb.key, "In", values), rb):
                    hit[owners] = True
            for i, ra in self._by_key.get(rb.key, ()):
                if _requirement_implies(ra, rb):
                    hit[i] = True
            self._cache[rb] = hit
        return hit
