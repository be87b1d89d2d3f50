"""Objects a load reads only to say it did not evaluate them (``reach.api.flaggedupdate``):
policy-bearing kinds of other plugins and meshes (``unevaluated-kind``, the answer
partial) and kinds reach does not know (``unread-kind``) added, changed and deleted in
place; each step is a load of the same objects (what is said included), and its change
``reach diff`` of the loads before and after (empty)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import reach
from reach.errors import ReachError
from tests.api.test_podupdate import _never_loaded, _pod, stepped_in_place

Obj = dict[str, Any]

NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
DENY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny", "namespace": "shop"},
    "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]},
}
START = [NS, _pod("web-1", {"app": "web"}), _pod("db-1", {"app": "db"}), DENY]


def _object(api: str, kind: str, name: str = "x", **spec: object) -> Obj:
    meta = {"name": name, "namespace": "shop"}
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": dict(spec)}


FLAGGED = [
    _object("crd.antrea.io/v1beta1", "NetworkPolicy", priority=5),
    _object("policy.linkerd.io/v1beta3", "Server", port=80),
    _object("security.istio.io/v1", "RequestAuthentication"),
    _object("k8s.ovn.org/v1", "EgressFirewall"),
    _object("example.com/v1", "FooPolicy"),  # a policy kind reach does not know
    _object("crd.antrea.io/v1beta1", "Tierless"),  # a plugin's kind reach does not know
]


@pytest.mark.parametrize("obj", FLAGGED, ids=lambda o: f"{o['kind']}-{o['apiVersion']}")
def test_a_policy_bearing_object_is_said_of_in_place(obj: Obj) -> None:
    """Added (the answer partial), changed, and deleted (no longer partial), no load."""
    r = reach.from_objects(START)
    objects, change = stepped_in_place(r, START, "apply", obj)
    assert not change.edges
    assert any(d.code == "unevaluated-kind" and d.partial for d in r.diagnostics)
    changed = copy.deepcopy(obj)
    changed["spec"]["note"] = "changed"
    objects, _ = stepped_in_place(r, objects, "apply", changed)
    stepped_in_place(r, objects, "delete", changed)
    assert not any(d.code == "unevaluated-kind" for d in r.diagnostics)


def test_objects_of_a_kind_reach_does_not_know_are_counted_again_in_place() -> None:
    """One ``unread-kind`` note per kind and API version, counting its objects, naming the
    first: a second object, one of another version, and each deleted."""
    first = _object("cert-manager.io/v1", "Certificate", "a")
    second = _object("cert-manager.io/v1", "Certificate", "b")
    older = _object("cert-manager.io/v1alpha2", "Certificate", "c")
    r = reach.from_objects(START)
    objects = START
    for obj in (first, second, older):
        objects, _ = stepped_in_place(r, objects, "apply", obj)
    notes = [d.message for d in r.diagnostics if d.code == "unread-kind"]
    assert len(notes) == 2 and any(m.startswith("2 objects of kind Certificate") for m in notes)
    for obj in (first, older, second):
        objects, _ = stepped_in_place(r, objects, "delete", obj)
    assert not any(d.code == "unread-kind" for d in r.diagnostics)


def test_what_is_said_of_other_kinds_stays() -> None:
    """An Antrea policy beside a Linkerd Server and an unknown kind: each said of apart."""
    server = _object("policy.linkerd.io/v1beta3", "Server", port=80)
    unknown = _object("cert-manager.io/v1", "Certificate")
    start = [*START, server, unknown]
    r = reach.from_objects(start)
    objects, _ = stepped_in_place(r, start, "apply", FLAGGED[0])
    stepped_in_place(r, objects, "delete", FLAGGED[0])
    said = [d for d in r.diagnostics if d.code in ("unevaluated-kind", "unread-kind")]
    assert len(said) == 2


def test_an_object_a_load_refuses_is_refused_as_a_load_refuses_it() -> None:
    """A NetworkPolicy under ``apiVersion: v1`` (no such kind there): not said of, an
    error, and the analysis as it was."""
    wrong = _object("v1", "NetworkPolicy")
    r = reach.from_objects(START)
    with pytest.raises(ReachError):
        r.apply(wrong)
    assert not any(d.code == "unevaluated-kind" for d in r.diagnostics)
    with _never_loaded():
        r.apply(FLAGGED[0])  # the store as it was: the next update is quick


def test_a_kind_of_one_group_is_said_of_apart_from_the_same_kind_of_another() -> None:
    """Antrea's NetworkPolicy of its old API group beside one of its new: each group's
    objects said of apart (and a Kubernetes NetworkPolicy, evaluated, as it is)."""
    new = _object("crd.antrea.io/v1beta1", "NetworkPolicy", "a")
    old = _object("security.antrea.io/v1alpha1", "NetworkPolicy", "b")
    r = reach.from_objects(START)
    objects, _ = stepped_in_place(r, START, "apply", new)
    objects, _ = stepped_in_place(r, objects, "apply", old)
    objects, _ = stepped_in_place(r, objects, "delete", new)
    assert [d.code for d in r.diagnostics].count("unevaluated-kind") == 1
