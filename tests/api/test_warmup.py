"""The rehearsal a watch makes at its first idle moment (``reach.api.warmup``): a pod
alone in its class deleted and put back the quick way on a copy of the store, which
leaves the analysis and the store as they were, and updates after it as a load."""

from __future__ import annotations

import copy
from typing import Any
from unittest import mock

import numpy as np

import reach
import reach.api.batchupdate
from reach.analysis.compiled import Analysis
from reach.api.warmup import rehearsed
from reach.input.files import flatten
from reach.input.store import ObjectStore
from tests.api.test_podupdate import START, WEB, _check, _everything, _never_loaded, _pod

Obj = dict[str, Any]


def _store(objects: list[Obj]) -> ObjectStore:
    return ObjectStore(r for i, o in enumerate(objects) for r in flatten(o, f"#{i}", ""))


def _arrays(a: Analysis) -> list[np.ndarray[Any, Any]]:
    """Copies of the class-indexed arrays of ``a`` an update writes anew."""
    x = a.reachability
    return [
        x.egress_rows.copy(),
        x.ingress_rows.copy(),
        x.egress_group.copy(),
        x.ingress_group.copy(),
        x.pod_class.copy(),
        *(r.peers.copy() for r in x.rules),
    ]


def test_a_rehearsal_leaves_the_analysis_and_the_store_as_they_were() -> None:
    """``other-1`` is alone in its class (the policy admits ``web`` only): it is taken out
    and put back on a copy, without a load; the store, the analysis's arrays and what a
    load shows are as before, and an update after it is a load of the objects after."""
    r = reach.from_objects(START)
    store = _store(START)
    held = [(raw.origin, raw.obj) for raw in store.raws()]
    arrays, shown = _arrays(r.analysis), _everything(r)
    steps: list[int] = []
    taken = reach.api.batchupdate.quick_update

    def counted(before: Analysis, *args: Any) -> Any:
        done = taken(before, *args)
        steps.append(done.analysis.reachability.n_internal if done is not None else -1)
        return done

    with _never_loaded(), mock.patch.object(reach.api.batchupdate, "quick_update", counted):
        assert rehearsed(r.analysis, store, "workload")
    n = r.analysis.reachability.n_internal
    assert steps == [n - 1, n]  # its class taken out, then made again
    assert [(raw.origin, raw.obj) for raw in store.raws()] == held
    assert all(np.array_equal(a, b) for a, b in zip(arrays, _arrays(r.analysis), strict=True))
    assert _everything(r) == shown
    extra = _pod("web-3", WEB)
    with _never_loaded():
        r.apply(extra)
    _check(r, [*START, extra])


def test_the_last_pod_alone_in_its_class_is_rehearsed() -> None:
    """``db-1`` and ``other-1`` are each alone in their class; the rehearsal takes the last
    of them (in the cluster's order), and with that one gone, the one before."""
    removed: list[tuple[str, str, str, str]] = []
    discard = ObjectStore.discard

    def seen(self: ObjectStore, key: tuple[str, str, str, str]) -> bool:
        removed.append(key)
        return discard(self, key)

    without = [o for o in START if o["metadata"]["name"] != "other-1"]
    with mock.patch.object(ObjectStore, "discard", seen):
        assert rehearsed(reach.from_objects(START).analysis, _store(START), "workload")
        assert rehearsed(reach.from_objects(without).analysis, _store(without), "workload")
    assert removed == [("", "Pod", "shop", "other-1"), ("", "Pod", "shop", "db-1")]


def test_no_pod_alone_in_its_class_no_rehearsal() -> None:
    """Every class with two pods, or pods only of workload objects (not in the store as
    Pod objects): nothing is rehearsed."""
    paired = [*START, _pod("db-2", {"app": "db"}), _pod("other-2", {"app": "other"})]
    assert not rehearsed(reach.from_objects(paired).analysis, _store(paired), "workload")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": copy.deepcopy(START[3]["spec"]),
            },
        },
    }
    manifests = [START[0], deployment, START[-1]]
    assert not rehearsed(reach.from_objects(manifests).analysis, _store(manifests), "workload")
