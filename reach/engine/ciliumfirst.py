"""The first Cilium policy of a cluster coming in, and the last going out, in place.

A compilation without Cilium policies has no identity-label matcher
(:class:`~reach.engine.ciliummatch.CiliumMatcher`), and its answers per key read no
Services. The label class keys hold every pod's service account whatever the policies
(:class:`~reach.engine.classes.KeyOf`), so the first Cilium policy finds the label
classes Cilium's selectors need: the matcher is made over them (with the cluster's
namespaces, Services and segments, as a compilation makes it), and the policy then goes
in as any policy does (:func:`reach.engine.policymoves.policy_moved`). When the last one
goes the matcher is dropped, as a compilation of the cluster after has none (the next
first one makes it again, with the Services and namespaces of then; kept meanwhile, it
would index every new label class's identity for no policy).
Beside Istio's mesh layer the answers per key are the mesh state's (``MeshState.key_answers``):
they are the ones made to read the Services, or none (since the fifteenth session of
2026-12-04; the first and the last Cilium policy loaded there before).
"""

from __future__ import annotations

from dataclasses import replace

from reach.engine.arrays import BoolVec
from reach.engine.keyanswers import KeyAnswers
from reach.engine.reachability import Reachability
from reach.engine.rules import AnyPolicy, cilium_selected
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import Cluster
from reach.model.services import Service


def cilium_ready(x: Reachability, cluster: Cluster, new: object) -> Reachability | None:
    """``x`` ready for the policy ``new`` of ``cluster``: with the identity matcher made
    when it is the first Cilium policy (:func:`with_cilium`; None when it cannot be)."""
    if isinstance(new, CiliumPolicy) and not x.cluster.cilium_policies:
        return with_cilium(x, cluster)
    return x


def cilium_after(
    moved: Reachability,
    cluster: Cluster,
    selecting: tuple[list[AnyPolicy], list[BoolVec]],
    old: object,
    new: object,
) -> Reachability:
    """``moved`` after a Cilium policy ``old`` went or ``new`` came: who each Cilium policy
    selects (``selecting``: the policies and their subjects), and no identity matcher once
    the last went (:func:`without_cilium`)."""
    if isinstance(old, CiliumPolicy) or isinstance(new, CiliumPolicy):
        moved.cilium_selected = cilium_selected(*selecting, moved.n_internal)
    if isinstance(old, CiliumPolicy) and not cluster.cilium_policies:
        return without_cilium(moved)
    return moved


def with_cilium(x: Reachability, cluster: Cluster) -> Reachability | None:
    """``x`` with an identity-label matcher made over its label classes for ``cluster``'s
    namespaces, Services and ``x``'s segments, and answers per key that read the Services
    (the first Cilium policy is coming in); None when it has no answers per key, or when a
    namespace of the matcher is not ``cluster``'s."""
    state = x.policy_state
    if state is None or _answers(x) is None:
        return None
    names = list(state.matcher.namespace_position)
    if any(name not in cluster.namespaces for name in names):
        return None
    namespaces = [cluster.namespaces[name] for name in names]
    matcher = state.matcher.with_cilium(namespaces, cluster.services, x.segments)
    x = replace(x, policy_state=replace(state, matcher=matcher))
    return _with_answers(x, cluster.services)


def without_cilium(x: Reachability) -> Reachability:
    """``x`` with no identity-label matcher and answers per key that read no Services (the
    last Cilium policy went out)."""
    state = x.policy_state
    if state is not None:
        x = replace(x, policy_state=replace(state, matcher=state.matcher.with_cilium(None)))
    return _with_answers(x, None)


def _answers(x: Reachability) -> KeyAnswers | None:
    """``x``'s answers per key: the class keys', or beside the mesh layer its state's."""
    if x.class_keys is not None and x.class_keys.answers is not None:
        return x.class_keys.answers
    return x.mesh_state.key_answers if x.mesh_state is not None else None


def _with_answers(x: Reachability, services: list[Service] | None) -> Reachability:
    """``x`` with its answers per key reading ``services`` (none: no Services)."""
    keys, kept = x.class_keys, x.mesh_state
    if keys is not None and keys.answers is not None:
        return replace(x, class_keys=replace(keys, answers=keys.answers.with_services(services)))
    if kept is not None and kept.key_answers is not None:
        answers = kept.key_answers.with_services(services)
        return replace(x, mesh_state=replace(kept, key_answers=answers))
    return x
