"""A resource listed again (``reach.api.relisted``): the changes that make the store hold
what the list holds, one object each, or one change that loads when there are many."""

from __future__ import annotations

import copy
from typing import Any

from reach.api.relisted import MOST_CHANGED, PODS_PER_CHANGE, most_changed, relisted
from reach.input.live.resources import Resource
from reach.input.live.watch import Status, raw_of
from reach.input.store import ObjectStore

PODS = Resource("", "v1", "pods", "Pod")


def _pod(name: str, app: str = "web") -> dict[str, Any]:
    meta = {"name": name, "namespace": "shop", "labels": {"app": app}}
    return {"metadata": meta, "spec": {}, "status": {"phase": "Running"}}


def _store(pods: list[dict[str, Any]]) -> ObjectStore:
    store = ObjectStore()
    for pod in pods:
        raw = raw_of(PODS, copy.deepcopy(pod), "test")
        assert raw is not None
        store.apply(raw.obj, raw.origin)
    return store


def _relist(store: ObjectStore, items: list[dict[str, Any]]) -> list[Any]:
    """What each change of the relist of ``items`` returns, made in turn."""
    event = Status("relisted", PODS, "relisted", copy.deepcopy(items))
    return [change() for change in relisted(store, event, "test")]


def test_a_relist_is_the_objects_it_deleted_added_and_changed_one_each() -> None:
    store = _store([_pod("a"), _pod("b"), _pod("c")])
    done = _relist(store, [_pod("a"), _pod("c", "db"), _pod("d")])
    ident = ("", "Pod", "shop")
    assert done == [[(ident + ("b",), True)], [(ident + ("c",), True)], [(ident + ("d",), False)]]
    assert sorted(k[3] for k in store.identities()) == ["a", "c", "d"]
    assert _relist(store, [_pod("a"), _pod("c", "db"), _pod("d")]) == []  # nothing again


def test_a_relist_of_many_changes_is_one_that_loads() -> None:
    """More than MOST_CHANGED objects changed: one change that replaces them and asks for
    a load (None)."""
    store = _store([_pod("a")])
    many = [_pod(f"p{i}") for i in range(MOST_CHANGED + 1)]
    assert _relist(store, many) == [None]
    assert len(store) == MOST_CHANGED + 1


def test_objects_listed_as_they_were_are_no_change_whatever_their_origin() -> None:
    """The first read names objects by their place in its lists, a watch by their names:
    an object listed again as it was changes nothing."""
    store = ObjectStore()
    for n, pod in enumerate([_pod("a"), _pod("b")], 1):
        raw = raw_of(PODS, copy.deepcopy(pod), "test")
        assert raw is not None
        store.apply(raw.obj, f"live:test/pods#{n}")
    assert _relist(store, [_pod("a"), _pod("b")]) == []


def test_a_larger_cluster_takes_more_changes_of_a_relist_one_by_one() -> None:
    """At least MOST_CHANGED, and one in PODS_PER_CHANGE of the cluster's pods."""
    assert most_changed(10_000) == MOST_CHANGED
    assert most_changed(100 * PODS_PER_CHANGE) == 100
    store = _store([_pod("a")])
    many = [_pod(f"p{i}") for i in range(MOST_CHANGED + 1)]
    event = Status("relisted", PODS, "relisted", copy.deepcopy(many))
    done = [change() for change in relisted(store, event, "test", most=MOST_CHANGED + 2)]
    assert len(done) == MOST_CHANGED + 2 and None not in done  # one gone, 33 new
