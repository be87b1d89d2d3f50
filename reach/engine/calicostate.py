"""What a compilation with Calico's tiers keeps so that a Calico policy can change without
compiling again (:mod:`reach.engine.calicomoves`)."""

from __future__ import annotations

from dataclasses import dataclass

from reach.engine.arrays import BoolVec
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.classes import BehaviourClasses, LabelClasses
from reach.engine.matching import Matcher
from reach.engine.portmasks import RuleMasks
from reach.engine.rules import AnyPolicy, NamedKey


@dataclass(frozen=True)
class CalicoState:
    """The classes, matcher and port atoms of a compilation through Calico's tiers (no
    Istio objects), with its policies of other kinds (NetworkPolicies, admin and Cilium
    policies) in evaluation order and who each selects."""

    labels: LabelClasses
    classes: BehaviourClasses
    #: Over ``labels``: what Calico's matcher is made with (namespaces, address segments).
    matcher: Matcher
    masks: RuleMasks
    named_ports: list[NamedKey]
    policies: list[AnyPolicy]
    #: The behaviour classes each policy of ``policies`` selects.
    subjects: list[BoolVec]
    #: Calico's matcher over ``labels`` (its answers cached by selector), while the
    #: namespaces, network sets and Services it was made with stay.
    calico_matcher: CalicoMatcher | None = None
