"""What a compilation with Calico's tiers keeps so that a Calico policy can change without
compiling again (:mod:`reach.engine.calicomoves`)."""

from __future__ import annotations

from dataclasses import dataclass

from reach.engine.calicohash import Columns
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.policystate import PolicyState


@dataclass
class CalicoState(PolicyState):
    """A :class:`PolicyState` of a compilation through Calico's tiers (beside Istio's mesh
    layer kept in the mesh state: :mod:`reach.engine.calicomesh`): its ``policies`` and
    ``subjects`` are those of the other kinds (NetworkPolicies, admin and Cilium
    policies); the Calico rules are taken again from the cluster."""

    #: Calico's matcher over ``labels`` (its answers cached by selector), while the
    #: namespaces, network sets and Services it was made with stay.
    calico_matcher: CalicoMatcher | None = None
    #: The answer columns ``hashes`` were made of (``calicohash.answer_columns``), when made.
    columns: Columns | None = None
