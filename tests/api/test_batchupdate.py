"""Several objects in one update (``reach.api.batchupdate``): ``Reach.apply(a, b, c)``
and ``Reach.delete(a, b)`` take the quick ways object by object, and the state after is
a load of the same objects, the change ``reach diff`` of the loads before and after."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
import reach.api.whatif
from reach.errors import ReachError
from tests.api.test_podupdate import (
    BY,
    DENY_BUT_WEB,
    START,
    WEB,
    _check,
    _everything,
    _never_loaded,
    _pod,
    declared_clusters,
    pod_events,
)
from tests.api.test_whatif import events, key
from tests.api.test_workloadupdate import _loads

Obj = dict[str, Any]


def _batch(r: reach.Reach, objects: list[Obj], what: str, batch: list[Obj], by: str) -> list[Obj]:
    """``batch`` applied (or deleted) in one update: ``r`` is then a load of the objects
    after, and the change ``reach diff`` of the loads before and after; the objects after."""
    before = reach.from_objects(objects)
    after = {key(o): o for o in objects}
    for obj in batch:
        after.pop(key(obj), None)
        if what == "apply":
            after[key(obj)] = obj
    change = r.apply(*batch, by=by) if what == "apply" else r.delete(*batch, by=by)
    loaded = reach.from_objects(list(after.values()))
    assert _everything(r) == _everything(loaded)
    expected = reach.diff(before, loaded, by=by, old_label="before", new_label="after")
    assert str(change) == str(expected)
    assert change.to_dict() == expected.to_dict()
    return list(after.values())


def test_objects_applied_together_go_in_place_one_by_one() -> None:
    """Two replicas, a new app and a policy admitting it, in one update: no load, and the
    change is that of all four."""
    r = reach.from_objects(START)
    app = _pod("api-1", {"app": "api"})
    admitted = copy.deepcopy(DENY_BUT_WEB)
    admitted["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app": "api"}}})
    batch = [_pod("web-3", WEB), _pod("web-4", WEB), app, admitted]
    with _never_loaded():
        objects = _batch(r, START, "apply", batch, "workload")
    with _never_loaded():
        _batch(r, objects, "delete", [app, _pod("web-3", WEB)], "pod")


def test_the_items_of_a_list_go_in_place_one_by_one() -> None:
    """A ``kind: List`` (as ``kubectl get -o yaml`` writes it) applied and deleted."""
    r = reach.from_objects(START)
    items = [_pod("web-3", WEB), _pod("api-1", {"app": "api"})]
    listed = {"apiVersion": "v1", "kind": "List", "items": items}
    before = reach.from_objects(START)
    with _never_loaded():
        change = r.apply(listed, by="pod")
    loaded = reach.from_objects([*START, *items])
    _check(r, [*START, *items])
    assert str(change) == str(
        reach.diff(before, loaded, by="pod", old_label="before", new_label="after")
    )
    with _never_loaded():
        r.delete(listed)
    _check(r, START)


def test_one_object_changed_twice_in_one_update_is_its_last_version() -> None:
    r = reach.from_objects(START)
    first, second = _pod("db-2", {"app": "db"}), _pod("db-2", {"app": "web"})
    with _never_loaded():
        _batch(r, START, "apply", [first, second], "pod")


def test_a_batch_with_an_object_that_needs_a_load_loads_once() -> None:
    """The first object goes in place, the second needs a compilation (the first Calico
    policy): the rest are made in the store and one load answers for all."""
    calico = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "deny"},
        "spec": {"selector": "app == 'db'", "types": ["Ingress"]},
    }
    r = reach.from_objects(START)
    with _loads() as counted:
        _batch(r, START, "apply", [_pod("web-3", WEB), calico, _pod("web-4", WEB)], "pod")
    assert counted == [1]


def test_a_failing_object_leaves_the_objects_as_they_were() -> None:
    """A delete of an object that is not there fails the whole update, even after objects
    before it went in place: the state stays that before it."""
    r = reach.from_objects(START)
    state = _everything(r)
    with pytest.raises(ReachError, match="no Pod"):
        r.delete(START[1], _pod("nowhere", WEB))
    _check(r, START)
    assert _everything(r) == state
    r.apply(_pod("web-3", WEB))  # and it takes updates after
    _check(r, [*START, _pod("web-3", WEB)])


@st.composite
def batches(
    draw: st.DrawFn, start: list[Obj], every_kind: bool = False
) -> list[tuple[str, list[Obj], str]]:
    """The events of :func:`pod_events` (``every_kind``: of the what-if test's
    :func:`events`, pods, namespaces and policies), runs of the same action (apply or
    delete) of up to four objects taken as one update each."""
    out: list[tuple[str, list[Obj], str]] = []
    drawn = (
        [(what, obj, draw(st.sampled_from(BY))) for what, obj in draw(events(start))]
        if every_kind
        else draw(pod_events(start))
    )
    for what, obj, by in drawn:
        last = out[-1] if out else None
        if last is not None and _joins(last, what, obj) and draw(st.integers(0, 3)):
            last[1].append(obj)
            continue
        out.append((what, [obj], by))
    return out


def _joins(last: tuple[str, list[Obj], str], what: str, obj: Obj) -> bool:
    """Whether ``obj`` may join the update ``last`` (one object deleted twice in one update
    is not there the second time)."""
    same = last[0] == what and len(last[1]) < 4
    return same and (what == "apply" or all(key(o) != key(obj) for o in last[1]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_batches_of_pods_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    _each_batch_equals_a_load(data, every_kind=False)


def _each_batch_equals_a_load(data: st.DataObject, every_kind: bool) -> None:
    """Each batch of :func:`batches` of a cluster drawn, in turn, as a load (:func:`_batch`)."""
    start = data.draw(declared_clusters())
    r = reach.from_objects(start)
    objects = start
    for what, batch, by in data.draw(batches(start, every_kind)):
        _everything(r)  # views at every granularity are built: the updates move them
        objects = _batch(r, objects, what, batch, by)


def test_changes_that_change_nothing_are_no_update() -> None:
    """A watch's burst of notes alone (a reconnect): the state as it was, an empty change,
    no load (it loaded before)."""
    from reach.api.batchupdate import in_turn

    r = reach.from_objects(START)
    store = reach.api.whatif.store_of(lambda: [])
    with _never_loaded():
        update = in_turn(r.analysis, store, [lambda: [], lambda: []], "workload")
    assert update is not None and update.analysis is r.analysis
    assert not update.change.edges and not update.change.nodes and not update.among


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_batches_of_every_kind_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    """Pods, namespaces and policies applied and deleted several at a time."""
    _each_batch_equals_a_load(data, every_kind=True)


def test_one_object_followed_by_notes_is_compared_after_them() -> None:
    """A step with changes after it compares nothing (``diff.deferred``); when those are
    notes alone, the one object's change is still compared, once, at the end."""
    from reach.api.batchupdate import in_turn
    from reach.input.raw import RawObject
    from reach.input.store import ObjectStore

    r = reach.from_objects(START)
    store = ObjectStore(RawObject(copy.deepcopy(o), f"<objects>#{i}") for i, o in enumerate(START))
    app = _pod("api-1", {"app": "api"})
    changes = [lambda: [(store.put(RawObject(copy.deepcopy(app), "<applied>")), False)]]
    with _never_loaded():
        update = in_turn(r.analysis, store, [*changes, lambda: [], lambda: []], "pod")
    assert update is not None and update.change.nodes  # the new pod's node
    loaded = reach.from_objects([*START, app])
    expected = reach.diff(r, loaded, by="pod", old_label="before", new_label="after")
    assert update.change.to_dict() == expected.to_dict()
