"""Duplicate objects (issue 14, item 4): the later one wins, as successive ``kubectl apply``
would, with a warning naming both origins; counts agree with the views."""

from __future__ import annotations

from pathlib import Path

import reach
from tests.builders import deny_all, netpol, pod


def test_two_versions_of_one_policy_warn_and_the_later_wins(tmp_path: Path) -> None:
    old, new = tmp_path / "a-old.yaml", tmp_path / "b-new.yaml"
    old.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
        "spec: {podSelector: {}, ingress: [{}]}\n"
    )
    new.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
        "spec: {podSelector: {}}\n"
    )
    r = reach.load([str(old), str(new)])
    (pol,) = r.cluster.policies
    assert pol.origin == f"{new}#1" and pol.ingress == ()
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("duplicate-object", "warning", False)
    assert f"{old}#1" in d.message and d.origin == f"{new}#1"


def test_many_copies_of_one_deployment_count_once() -> None:
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}}},
    }
    r = reach.from_objects([dep] * 33)
    assert r.summary().pods == 3
    assert len([n for n in r.view("pod").nodes if n.type == "pod"]) == 3
    assert [d.code for d in r.diagnostics] == ["duplicate-object"] * 32


def test_same_name_in_other_namespace_or_kind_is_no_duplicate() -> None:
    r = reach.from_objects([pod("web", "a"), pod("web", "b"), netpol("web", "a")])
    assert r.diagnostics == [] and len(r.cluster.pods) == 2


def test_duplicate_namespace_and_pod_warn() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    r = reach.from_objects([ns, ns, pod("web"), pod("web"), deny_all(), deny_all()])
    assert [d.code for d in r.diagnostics] == ["duplicate-object"] * 3
    assert len(r.cluster.pods) == 1 and len(r.cluster.policies) == 1


def _workload(kind: str, name: str, app: str, replicas: int = 1) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": app}}}},
    }


def test_workloads_of_different_kinds_with_one_name_keep_their_pods_apart() -> None:
    """A Deployment and a StatefulSet may share a name (they are different objects); their
    pods are different pods, and the counts agree with the pod view."""
    r = reach.from_objects(
        [_workload("Deployment", "web", "a"), _workload("StatefulSet", "web", "b")]
    )
    pods = [n for n in r.view("pod").nodes if n.type == "pod"]
    assert r.summary().pods == len(pods) == 2
    assert {n.labels for n in pods} == {(("app", "a"),), (("app", "b"),)}


def test_a_bare_pod_and_a_workload_with_its_name_stay_two_pods() -> None:
    r = reach.from_objects([pod("web", "shop", {"app": "a"}), _workload("Deployment", "web", "b")])
    assert r.summary().pods == len([n for n in r.view("pod").nodes if n.type == "pod"]) == 2
