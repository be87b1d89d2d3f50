"""Objects of kinds the load passes over (``reach.api.ignoredupdate``): applying or
deleting one neither loads nor changes anything, and a load with one equals a load
without it, for every such kind of the table."""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.api.ignoredupdate import passed_over
from reach.input.kinds import KINDS, KindInfo
from tests.api.test_podupdate import START, _everything, _never_loaded

Obj = dict[str, Any]


def _object(info: KindInfo, name: str = "x") -> Obj:
    version = info.versions[0] if info.versions else "v1"
    api = f"{info.group}/{version}" if info.group else version
    return {"apiVersion": api, "kind": info.kind, "metadata": {"name": name, "namespace": "shop"}}


PASSED_OVER = [info for info in KINDS if passed_over(info)]


@pytest.mark.parametrize("info", PASSED_OVER, ids=lambda i: f"{i.group or 'core'}/{i.kind}")
def test_a_load_passes_over_the_kind(info: KindInfo) -> None:
    """What the quick way assumes, checked against the loader for each kind: a load
    with such an object gives what a load without it gives, diagnostics included."""
    assert _everything(reach.from_objects([*START, _object(info)])) == _everything(
        reach.from_objects(START)
    )


def test_endpoint_slices_and_config_maps_change_nothing_without_loading() -> None:
    r = reach.from_objects(START)
    _everything(r)
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-abc", "namespace": "shop"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.1"]}],
    }
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop"},
    }
    with _never_loaded():
        changes = [r.apply(slice_, by="pod"), r.apply(config), r.delete(slice_), r.delete(config)]
    assert all(c.edges == [] and c.nodes == [] for c in changes)
    assert _everything(r) == _everything(reach.from_objects(START))


@pytest.mark.parametrize(
    "obj",
    [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        {
            "apiVersion": "crd.antrea.io/v1beta1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "a", "namespace": "shop"},
        },
    ],
    ids=["a kind reach does not know (noted)", "a policy not evaluated"],
)
def test_kinds_the_load_notes_are_not_passed_over(obj: Obj) -> None:
    """What a load says of them is said again (``reach.api.flaggedupdate``,
    ``tests/api/test_flaggedupdate.py``), not passed over."""
    from reach.api.ignoredupdate import ignored_update
    from reach.api.whatif import store_of
    from reach.input.store import identity

    r = reach.from_objects(START)
    store = store_of(r._objects)
    store.apply(obj, "<applied>")
    assert ignored_update(r.analysis, store, identity(obj), False, "workload") is None
    r.apply(obj)
    assert any(d.code in ("unread-kind", "unevaluated-kind") for d in r.diagnostics)
