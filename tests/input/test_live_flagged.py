"""Live mode lists the policy kinds of other network plugins and meshes that reach does not
evaluate (Antrea's, Linkerd's, ...: ``resources.FLAGGED_KINDS``), so that the answer names
each object it leaves out (``unevaluated-kind``) as a load of files does; a list of them
that fails is said (``unevaluated-unlisted``, partial) and the read goes on; a watch says
their events without loading, and keeps saying what its first read left out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import reach
from reach.input.kinds import KINDS, Category
from reach.input.live import LiveOptions
from reach.input.live.resources import FLAGGED_KINDS, FLAGGED_UNLISTED
from tests.helpers import EXAMPLES
from tests.k8s_server import ANTREA_GROUP, LINKERD_GROUP, shop_objects
from tests.liveread import Serve, read, serving

ANTREA = {
    "apiVersion": "crd.antrea.io/v1beta1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "drop-all", "namespace": "db"},
    "spec": {"priority": 5, "appliedTo": [{"podSelector": {}}], "ingress": [{"action": "Drop"}]},
}
SERVER = {
    "apiVersion": "policy.linkerd.io/v1beta3",
    "kind": "Server",
    "metadata": {"name": "db", "namespace": "db"},
    "spec": {"podSelector": {}, "port": 5432},
}
SERVED = {ANTREA_GROUP: ("v1beta1",), LINKERD_GROUP: ("v1beta3",)}


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def _said(diagnostics: Any, code: str) -> list[Any]:
    return [d for d in diagnostics if d.code == code]


def test_every_policy_kind_reach_does_not_evaluate_is_listed_live() -> None:
    flagged = {(k.group, k.kind) for k in KINDS if k.category is Category.POLICY_BEARING}
    assert {(group, kind) for group, _, kind in FLAGGED_KINDS} == flagged


def test_a_live_read_names_each_object_of_a_kind_it_does_not_evaluate(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve([*shop_objects(EXAMPLES), ANTREA, SERVER], flagged_versions=SERVED)
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert src.info["counts"]["NetworkPolicy (crd.antrea.io/v1beta1)"] == 1
    assert src.info["counts"]["Server (policy.linkerd.io/v1beta3)"] == 1
    files = reach.from_objects(shop_objects(EXAMPLES))
    assert src.info["counts"]["NetworkPolicy"] == len(files.cluster.policies)  # its own
    origins = {r.origin for r in raws if r.obj["kind"] in ("NetworkPolicy", "Server")}
    assert "live:test/networkpolicies.crd.antrea.io#1" in origins
    r = reach.load_live(LiveOptions(kubeconfig=str(tmp_path / "kc"), progress=False))
    said = _said(r.diagnostics, "unevaluated-kind")
    assert len(said) == 2 and all(d.partial for d in said)
    assert {d.message.split(" ")[0] for d in said} == {"NetworkPolicy", "Server"}
    assert [str(c) for c in r.connections()] == [str(c) for c in files.connections()]


def test_a_cluster_serving_no_such_kind_is_asked_nothing_more(serve: Serve, tmp_path: Path) -> None:
    srv = serve(shop_objects(EXAMPLES))
    _, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert not any("antrea" in p or "linkerd" in p for p, _ in srv.requests)
    assert not _said(diag.notes, FLAGGED_UNLISTED)


def test_a_list_of_such_a_kind_that_fails_is_said_and_the_read_goes_on(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve([*shop_objects(EXAMPLES), ANTREA, SERVER], flagged_versions=SERVED)
    srv.forbidden.add("servers")  # a role that does not grant Linkerd's kinds
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    (unlisted,) = _said(diag.notes, FLAGGED_UNLISTED)
    assert unlisted.partial and unlisted.message.startswith("Server objects (policy.linkerd.io")
    assert [r.obj["metadata"]["name"] for r in raws if r.obj["kind"] == "Server"] == []
    assert any(r.obj["apiVersion"] == ANTREA["apiVersion"] for r in raws)


def test_a_watch_says_their_events_without_loading(tmp_path: Path) -> None:
    """An Antrea policy put, changed and removed while watching: no load, what is said of
    it after each is what a fresh read says; a Linkerd list forbidden at the first read
    stays said after a load."""
    from unittest import mock

    import reach.api.watching
    from reach.api.watching import Watcher
    from tests.k8s_watch import WatchServer

    with WatchServer(shop_objects(EXAMPLES)) as server:
        server.versions.update(SERVED)
        server.forbidden.add("servers")
        options = LiveOptions(kubeconfig=str(server.kubeconfig(tmp_path / "kc")), progress=False)
        w = Watcher(options)
        w.start()
        try:
            assert w.analysis is not None
            assert _said(w.analysis.diagnostics, FLAGGED_UNLISTED)
            changed = json.loads(json.dumps(ANTREA))
            changed["spec"]["priority"] = 9
            loads = mock.Mock(wraps=reach.api.watching.build_cluster)
            with mock.patch.object(reach.api.watching, "build_cluster", loads):
                for action, obj, n in (
                    ("put", ANTREA, 1),
                    ("put", changed, 1),
                    ("remove", changed, 0),
                ):
                    getattr(server, action)(obj)
                    update = _next(w)
                    assert update.diff is not None and not update.diff.edges
                    said = _said(w.analysis.diagnostics, "unevaluated-kind")
                    assert len(said) == n
                    fresh = reach.load_live(options)
                    assert len(_said(fresh.diagnostics, "unevaluated-kind")) == n
            assert loads.call_count == 0
            w.analysis = w._analyse()  # a load: what the read left out is said again
            assert _said(w.analysis.diagnostics, FLAGGED_UNLISTED)
        finally:
            w.stop()


def _next(w: Any) -> Any:
    for _ in range(100):
        update = w.next(timeout=0.2)
        if update is not None:
            return update
    raise AssertionError("no update")
