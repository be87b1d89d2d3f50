"""What a compilation keeps so that a policy can change without compiling again
(:mod:`reach.engine.policymoves`)."""

from __future__ import annotations

from dataclasses import dataclass

from reach.engine.arrays import BoolVec, UIntVec
from reach.engine.classes import BehaviourClasses, LabelClasses
from reach.engine.matching import Matcher
from reach.engine.portmasks import RuleMasks
from reach.engine.rules import AnyPolicy, NamedKey


@dataclass
class PolicyState:
    """The classes, answers and port atoms of a compilation of NetworkPolicies, admin
    policies and Cilium policies (no Calico or Istio objects; with Calico's tiers, see
    :class:`~reach.engine.calicostate.CalicoState`), with its policies in evaluation order
    and who each selects."""

    labels: LabelClasses
    classes: BehaviourClasses
    #: Answers over ``labels`` (its caches are keyed by selector objects: still valid).
    matcher: Matcher
    masks: RuleMasks
    named_ports: list[NamedKey]
    policies: list[AnyPolicy]
    #: The behaviour classes each policy of ``policies`` selects.
    subjects: list[BoolVec]
    #: A hash of each behaviour class's answers (``policymoves.answer_hashes``), made when
    #: first needed and then carried from update to update.
    hashes: UIntVec | None = None
