"""``engine.calicoplan``: the profiles of the workload pods are read again only when the
pods or the Profiles are others."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reach.engine.calicoplan import GENERATED_KNS, _profile_uses
from reach.model.calico import CalicoObjects, Profile
from reach.model.cluster import Cluster, Pod


def _cluster(pods: list[Pod], profiles: dict[str, Profile]) -> Cluster:
    return Cluster(pods=pods, calico=CalicoObjects(profiles=profiles))


def _names(cluster: Cluster) -> list[tuple[str, tuple[str, ...]]]:
    return [(use.profile.name, use.namespaces) for use in _profile_uses(cluster)]


def test_profile_uses_are_kept_for_the_same_pods_and_profiles_and_made_again_else() -> None:
    pods = [Pod("a", "p", ()), Pod("b", "q", ())]
    profile = Profile("kns.a", labels_to_apply=(("x", "1"),))
    one = _cluster(pods, {"kns.a": profile})
    uses = _profile_uses(one)
    assert _profile_uses(_cluster(pods, {"kns.a": profile})) is uses  # a policy's update
    # a Profile changed in place of the same name: read again, with its new rules
    changed = replace(profile, labels_to_apply=(("x", "2"),))
    assert [u.profile for u in _profile_uses(_cluster(pods, {"kns.a": changed}))][0] is changed
    # the Profile gone: the namespace takes the generated one
    assert _names(_cluster(pods, {})) == [(GENERATED_KNS, ("a", "b"))]
    # other pods (a pod of a new namespace): read again
    more = [*pods, Pod("c", "r", ())]
    assert {ns for _, spaces in _names(_cluster(more, {"kns.a": profile})) for ns in spaces} == {
        "a",
        "b",
        "c",
    }
    # the same list grown in place (as a load reads pods), once kept: read again
    assert "d" not in {ns for _, spaces in _names(one) for ns in spaces}
    pods.append(Pod("d", "s", ()))
    assert "d" in {ns for _, spaces in _names(one) for ns in spaces}


def test_profile_uses_after_a_pod_moved_are_read_from_the_counts_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``pods_moved``: the pods after a pod event are not read again; the uses are those
    made from every pod (a namespace's last pod gone, an account's first pod come)."""
    from reach.engine import calicoplan

    profiles = {
        "kns.a": Profile("kns.a", labels_to_apply=(("x", "1"),)),
        "ksa.b.robot": Profile("ksa.b.robot", ingress=(), labels_to_apply=(("y", "1"),)),
    }
    pods = [Pod("a", "p", ()), Pod("b", "q", ()), Pod("c", "r", ()), Pod("c", "s", ())]
    before = _cluster(pods, profiles)
    _profile_uses(before)
    moves = [
        ([pods[0]], []),  # the namespace of a Profile loses its last pod
        ([], [Pod("b", "t", (), service_account="robot")]),  # an account's first pod
        ([pods[2]], [Pod("d", "u", (), host_network=True)]),  # c keeps a pod; d none
    ]
    for gone, came in moves:
        after = [p for p in before.pods if p not in gone] + came
        calicoplan.pods_moved(before.pods, after, gone, came)
        read: list[Pod] = []

        def account(p: Pod, read: list[Pod] = read) -> tuple[str, str]:
            read.append(p)
            return (p.namespace, p.service_account)

        monkeypatch.setattr(calicoplan, "_account", account)
        uses = _names(_cluster(after, profiles))
        monkeypatch.undo()
        assert read == []  # read from the counts before
        calicoplan._KEPT_PODS.clear()
        assert uses == _names(_cluster(list(after), profiles))  # as made from every pod
        before = _cluster(after, profiles)
        _profile_uses(before)
