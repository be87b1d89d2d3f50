"""Watch mode against the test API server with watches (tests/k8s_watch.py): events in
order, a dropped connection, 410 Gone and a relist, bookmarks, a CRD removed; after each,
the watched state equals a fresh read of the server: nothing lost or counted twice."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast
from unittest import mock

import pytest

import reach
from reach.api.watching import Watcher, WatchUpdate
from reach.input.live import LiveOptions
from reach.input.live.watch import ClusterWatch
from tests.helpers import EXAMPLES
from tests.k8s_server import shop_objects
from tests.k8s_watch import WatchServer

POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny-all", "namespace": "monitoring"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "probe", "namespace": "monitoring", "labels": {"app": "probe"}},
    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    "status": {"phase": "Running", "podIP": "10.9.9.9"},
}


@pytest.fixture
def server() -> Iterator[WatchServer]:
    with WatchServer(shop_objects(EXAMPLES)) as srv:
        yield srv


def options(srv: WatchServer, tmp_path: Path) -> LiveOptions:
    return LiveOptions(kubeconfig=str(srv.kubeconfig(tmp_path / "kubeconfig")), progress=False)


@pytest.fixture
def watching(server: WatchServer, tmp_path: Path) -> Iterator[Watcher]:
    w = Watcher(options(server, tmp_path))
    w.start()
    yield w
    w.stop()


def until(
    w: Watcher, done: Callable[[list[WatchUpdate]], bool], seconds: float = 20
) -> list[WatchUpdate]:
    """The updates until ``done`` says they are enough (a test failure after ``seconds``)."""
    updates: list[WatchUpdate] = []
    deadline = time.monotonic() + seconds
    while not done(updates):
        assert time.monotonic() < deadline, f"gave up waiting; got {[u.to_dict() for u in updates]}"
        update = w.next(0.5)
        if update is not None:
            updates.append(update)
    return updates


def events(updates: list[WatchUpdate]) -> list[str]:
    return [e for u in updates for e in u.events]


def notes(updates: list[WatchUpdate]) -> list[str]:
    return [n for u in updates for n in u.notes]


def fresh(srv: WatchServer, tmp_path: Path) -> list[str]:
    """The connections pod by pod of a new read of the server."""
    r = reach.load_live(options(srv, tmp_path))
    return [str(c) for c in r.connections(by="pod")]


def watched(w: Watcher) -> list[str]:
    assert w.analysis is not None
    return [str(c) for c in reach.api.Reach(w.analysis.cluster).connections(by="pod")]


def test_events_arrive_in_order_and_the_state_is_a_fresh_read(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    server.put(POD)
    server.put(POLICY)
    relabelled = {**POD, "metadata": {**POD["metadata"], "labels": {"app": "other"}}}
    server.put(relabelled)
    updates = until(watching, lambda u: len(events(u)) >= 3)
    # In order per resource (watches of different resources are not ordered together).
    pods = [e for e in events(updates) if " Pod " in e]
    assert pods == ["ADDED Pod monitoring/probe", "MODIFIED Pod monitoring/probe"]
    assert [e for e in events(updates) if e not in pods] == [
        "ADDED NetworkPolicy monitoring/deny-all"
    ]
    assert watched(watching) == fresh(server, tmp_path)
    server.remove(POD)
    updates = until(watching, lambda u: len(events(u)) >= 1)
    assert events(updates) == ["DELETED Pod monitoring/probe"]
    assert watched(watching) == fresh(server, tmp_path)


def test_the_change_is_what_the_event_opened_or_closed(
    server: WatchServer, watching: Watcher
) -> None:
    server.put(POLICY)
    (update,) = until(watching, lambda u: len(u) >= 1)
    assert update.diff is not None
    changes = {(e.src, e.dst, e.change) for e in update.diff.edges}
    assert changes and {c for _, _, c in changes} == {"removed"}
    assert all("monitoring/prometheus" in s + d for s, d, _ in changes)
    assert update.connections == len(watched(watching)) or update.connections > 0


def test_a_dropped_watch_resumes_from_its_last_resource_version(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    server.put(POD)
    until(watching, lambda u: len(events(u)) >= 1)
    first = [q for q in server.list_requests("networkpolicies") if q.get("watch")][-1]
    server.disconnect("networkpolicies")
    server.put(POLICY)  # while the watch is down
    updates = until(watching, lambda u: "ADDED NetworkPolicy monitoring/deny-all" in events(u))
    assert events(updates).count("ADDED NetworkPolicy monitoring/deny-all") == 1
    assert any("watch of networkpolicies lost" in n for n in notes(updates))
    assert watching.watch.counts["reconnects"] >= 1
    resumed = [q for q in server.list_requests("networkpolicies") if q.get("watch")][-1]
    assert resumed["resourceVersion"] == first["resourceVersion"]  # no event in between
    assert watched(watching) == fresh(server, tmp_path)


def test_410_gone_lists_the_resource_again(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    server.put(POLICY)
    until(watching, lambda u: len(events(u)) >= 1)
    server.disconnect("networkpolicies")
    server.remove(POLICY)  # the DELETED event is lost to compaction
    server.put({**POLICY, "metadata": {"name": "other", "namespace": "db"}})
    server.compact()
    updates = until(watching, lambda u: any("410 Gone" in n for n in notes(u)))
    assert watching.watch.counts["relists"] == 1
    assert "DELETED NetworkPolicy monitoring/deny-all" not in events(updates)
    until(watching, lambda u: True)  # settle
    assert watched(watching) == fresh(server, tmp_path)


def test_a_relist_takes_the_objects_it_changed_in_place(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """A policy removed and another put while the watch was down, then 410 Gone: the list
    is those two changes, each the quick way (no load); the state, the counts and the
    change equal those of fresh reads."""
    from unittest import mock

    import reach.api.watching
    from reach.api.watching import _tally

    server.put(POLICY)
    until(watching, lambda u: len(events(u)) >= 1)
    before = reach.load_live(options(server, tmp_path))
    loads = mock.Mock(wraps=reach.api.watching.build_cluster)
    with mock.patch.object(reach.api.watching, "build_cluster", loads):
        server.disconnect("networkpolicies")
        server.remove(POLICY)  # the DELETED event is lost to compaction
        server.put({**POLICY, "metadata": {"name": "other", "namespace": "db"}})
        server.compact()
        updates = until(watching, lambda u: any("410 Gone" in n for n in notes(u)))
    assert loads.call_count == 0 and watching.watch.counts["relists"] == 1
    after = reach.load_live(options(server, tmp_path))
    tally = _tally(after.view("workload"))
    assert (updates[-1].connections, updates[-1].exposed) == (tally.pairs, len(tally.exposed))
    expected = reach.diff(before, after, old_label="before", new_label="after")
    (relist,) = [u for u in updates if any("410 Gone" in n for n in u.notes)]
    assert relist.diff is not None and relist.diff.to_dict() == expected.to_dict()
    assert expected.edges  # db is isolated now, monitoring no more
    assert watched(watching) == fresh(server, tmp_path)


def test_bookmarks_move_the_resume_point(server: WatchServer, watching: Watcher) -> None:
    server.put(POD)  # a pod event moves the pods watch; bookmarks move the others
    until(watching, lambda u: len(events(u)) >= 1)
    server.bookmark()
    deadline = time.monotonic() + 10
    while watching.watch.counts["bookmarks"] < 1:
        assert time.monotonic() < deadline, "no bookmark seen"
        time.sleep(0.05)
    server.disconnect("networkpolicies")
    deadline = time.monotonic() + 10
    while len([q for q in server.list_requests("networkpolicies") if q.get("watch")]) < 2:
        assert time.monotonic() < deadline, "no second watch"
        time.sleep(0.05)
    first, second = [q for q in server.list_requests("networkpolicies") if q.get("watch")]
    assert int(second["resourceVersion"]) > int(first["resourceVersion"])
    assert first["allowWatchBookmarks"] == "true"


def test_a_crd_removed_while_watching_takes_its_objects(
    server: WatchServer, tmp_path: Path
) -> None:
    server.versions["cilium.io"] = ("v2",)
    server.add(
        {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "lock", "namespace": "db"},
            "spec": {"endpointSelector": {}, "ingress": [{}]},
        }
    )
    w = Watcher(options(server, tmp_path))
    w.start()
    try:
        assert w.analysis is not None and w.analysis.cluster.cilium_policies
        server.not_found.add("ciliumnetworkpolicies")
        server.disconnect("ciliumnetworkpolicies")
        updates = until(w, lambda u: any("no longer served" in n for n in notes(u)))
        change = updates[-1].diff
        assert change is not None
        assert [(p.change, "lock" in p.policy) for p in change.policies] == [("removed", True)]
        assert not w.analysis.cluster.cilium_policies
    finally:
        w.stop()


def test_a_missing_crd_is_no_error(server: WatchServer, watching: Watcher) -> None:
    assert watching.analysis is not None  # cilium.io and Calico are not served here
    assert not any(r.group == "cilium.io" for r in watching.watch.source.list_versions)


def test_an_idle_watcher_runs_the_collectors_full_collection_steps_leave_to_it(
    server: WatchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a watcher runs, steps leave the full collection of frozen objects to it
    (``gcpause.idle_caller``), and it runs it when no event came (``reach.gcpause``)."""
    from reach import gcpause
    from reach.api import watching

    idle: list[bool] = []
    monkeypatch.setattr(watching, "collect_when_idle", lambda: idle.append(True) or False)
    before = gcpause._idle["callers"]
    w = Watcher(options(server, tmp_path))
    w.start()
    try:
        assert gcpause._idle["callers"] == before + 1
        assert w.next(0.2) is None and idle == [True]
    finally:
        w.stop()
    assert gcpause._idle["callers"] == before


def test_the_first_idle_moment_rehearses_a_renumbering_and_changes_nothing(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """At its first idle moment the watcher rehearses a pod alone in its class deleted and
    put back (``reach.api.warmup``), once; the state is still a fresh read, and an event
    after it is one too."""
    from reach.api import warmup

    shown = watched(watching)
    assert watching.rehearsal is None
    assert watching.next(0.2) is None
    assert watching.rehearsal is True
    assert watched(watching) == shown == fresh(server, tmp_path)
    with mock.patch.object(warmup, "in_turn", side_effect=AssertionError("rehearsed again")):
        assert watching.next(0.2) is None
    server.put(POD)
    until(watching, lambda u: len(events(u)) >= 1)
    assert watched(watching) == fresh(server, tmp_path)


def test_expectations_break_and_are_restored(server: WatchServer, tmp_path: Path) -> None:
    expect = {
        "version": 1,
        "expectations": [
            {
                "name": "prometheus scrapes the frontend",
                "expect": "allow",
                "from": {"namespace": "monitoring"},
                "to": {"namespace": "web", "labels": {"app": "frontend"}},
            }
        ],
    }
    from reach.audit.expect import parse_expectations

    w = Watcher(options(server, tmp_path), expect=parse_expectations(expect, "inline"))
    w.start()
    try:
        server.put(POLICY)
        (broke,) = until(w, lambda u: len(u) >= 1)
        assert broke.broken == ["prometheus scrapes the frontend"]
        server.remove(POLICY)
        (held,) = until(w, lambda u: len(u) >= 1)
        assert held.restored == ["prometheus scrapes the frontend"] and not held.broken
    finally:
        w.stop()


def _cli(srv: WatchServer, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    kc = srv.kubeconfig(tmp_path / "kc")
    return subprocess.Popen(
        [sys.executable, "-m", "reach", "watch", "--kubeconfig", str(kc), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_watches(srv: WatchServer) -> None:
    deadline = time.monotonic() + 60
    while not srv.watches.get("networkpolicies"):
        assert time.monotonic() < deadline, "the command never watched"
        time.sleep(0.1)


def test_cli_writes_json_lines_and_exits_1_on_a_broken_expectation(
    server: WatchServer, tmp_path: Path
) -> None:
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "version: 1\nexpectations:\n  - name: scrape\n    expect: allow\n"
        "    from: {namespace: monitoring}\n    to: {namespace: web}\n"
    )
    p = _cli(server, tmp_path, "--format", "jsonl", "--expect", str(expect), "--max-updates", "1")
    _wait_for_watches(server)
    server.put(POLICY)
    out, err = p.communicate(timeout=60)
    lines: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and lines[0]["change"] is None
    assert lines[1]["events"] == ["ADDED NetworkPolicy monitoring/deny-all"]
    assert lines[1]["broken"] == ["scrape"]
    assert lines[1]["change"]["counts"]["removed_connections"] > 0
    assert "1 event in 1 update" in err and "1 expectation broken now" in err
    assert p.returncode == 1


def test_cli_serves_metrics(server: WatchServer, tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = _cli(server, tmp_path, "--metrics-port", str(port), "--max-updates", "2")
    try:
        _wait_for_watches(server)
        server.put(POLICY)
        deadline = time.monotonic() + 30
        while True:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
            if "reach_updates_total 1.0" in text or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert "reach_updates_total 1.0" in text
        pairs = [line for line in text.splitlines() if line.startswith("reach_allowed_pairs ")]
        assert pairs and float(pairs[0].split()[1]) > 0
        assert "reach_update_seconds_bucket" in text
    finally:
        server.remove(POLICY)  # the second update: the command ends
        _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err[-3000:]  # (a CI run saw -6 once: what it said)


@pytest.mark.parametrize("calico", [(), ("v3",)])
def test_stop_ends_every_watch_thread_and_counts_no_reconnect(
    calico: tuple[str, ...], tmp_path: Path
) -> None:
    """With Calico's API served too, two watches have one plural (networkpolicies of
    both groups): a review found stop() shut one of them only."""
    with WatchServer(shop_objects(EXAMPLES), calico_versions=calico) as server:
        _stopped_at_once(server, tmp_path, watches=2 if calico else 1)


def _stopped_at_once(server: WatchServer, tmp_path: Path, watches: int) -> None:
    before = set(threading.enumerate())
    w = Watcher(options(server, tmp_path))
    w.start()
    deadline = time.monotonic() + 60
    while server.watches.get("networkpolicies", 0) < watches:
        assert time.monotonic() < deadline, "never watched"
        time.sleep(0.1)
    mine = [t for t in set(threading.enumerate()) - before if t.name.startswith("watch-")]
    assert mine
    started = time.monotonic()
    w.stop()
    assert not [t.name for t in mine if t.is_alive()]  # none reads when the interpreter exits
    assert time.monotonic() - started < 4
    assert w.watch.counts["reconnects"] == 0


def test_stop_passes_over_a_response_urllib3_closed_already() -> None:
    """urllib3 closes a response whose stream ended, or puts its connection back, before
    the watch forgets it; shutting it then raises (ValueError, RuntimeError): found by
    review, stop() raised and shut no other watch."""

    class Closed:
        shut = 0

        def shutdown(self) -> None:
            Closed.shut += 1
            raise ValueError("Cannot shutdown socket as self._sock_shutdown is not set")

    watch = ClusterWatch(cast(Any, None))
    watch._open.update({1: Closed(), 2: Closed()})
    watch.stop(0.1)
    assert Closed.shut == 2


def test_cli_refuses_files(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "reach", "watch", "-f", str(EXAMPLES / "shop")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "watch follows a live cluster" in r.stderr


def test_a_watch_cut_after_an_event_loses_nothing_and_repeats_nothing(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    other = {**POLICY, "metadata": {"name": "other", "namespace": "db"}}
    server.cut_watch["networkpolicies"] = server.watches["networkpolicies"] + 1
    server.disconnect("networkpolicies")  # the next watch is cut after its first event
    server.put(POLICY)
    server.put(other)
    wanted = ["ADDED NetworkPolicy monitoring/deny-all", "ADDED NetworkPolicy db/other"]
    updates = until(watching, lambda u: all(w in events(u) for w in wanted))
    assert events(updates) == wanted
    assert server.watches["networkpolicies"] >= 3
    assert watched(watching) == fresh(server, tmp_path)


def test_pods_coming_and_going_are_counted_as_a_fresh_read_counts(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """Pod events take the quick way (no load); the pairs, the internet-exposed count and
    the change after each equal those of fresh reads."""
    from reach.api.watching import _tally

    shop = [o for o in shop_objects(EXAMPLES) if o["kind"] == "Pod"]
    replica = json.loads(json.dumps(shop[0]))
    replica["metadata"]["name"] += "-extra"
    relabelled = json.loads(json.dumps(replica))
    relabelled["metadata"]["labels"]["rollout"] = "next"
    before = reach.load_live(options(server, tmp_path))
    # a pod on its own (no owner) as one the internet reaches: a node exposed, then not
    exposed = _tally(before.view("workload")).exposed
    (loner,) = [json.loads(json.dumps(p)) for p in shop if _owner(p) in exposed][:1]
    loner["metadata"]["name"] = "loner"
    del loner["metadata"]["ownerReferences"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("put", replica),
        ("put", relabelled),
        ("put", loner),
        ("remove", relabelled),
        ("remove", loner),
        ("remove", shop[1]),
    ]
    assert _fresh_counts(server, watching, tmp_path, before, steps) == 0  # none loaded again


def _owner(pod: dict[str, Any]) -> str:
    """The workload node id of a served pod."""
    (ref,) = pod["metadata"]["ownerReferences"]
    return f"{pod['metadata']['namespace']}/{ref['name']}[{ref['kind']}]"


def test_a_burst_of_events_is_one_update_in_place(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """Pods scaled up, one relabelled twice, one removed and a policy put, served at once:
    one update (a burst), each object the quick way in turn (no load); the pairs, the
    internet-exposed count and the change equal those of fresh reads."""
    from unittest import mock

    import reach.api.watching
    from reach.api.watching import _tally

    shop = [o for o in shop_objects(EXAMPLES) if o["kind"] == "Pod"]
    replicas = [json.loads(json.dumps(shop[0])) for _ in range(3)]
    for i, replica in enumerate(replicas):
        replica["metadata"]["name"] += f"-burst-{i}"
    relabelled = json.loads(json.dumps(replicas[0]))
    relabelled["metadata"]["labels"]["rollout"] = "next"
    copied = json.loads(json.dumps(POLICY))
    before = reach.load_live(options(server, tmp_path))
    loads = mock.Mock(wraps=reach.api.watching.build_cluster)
    with mock.patch.object(reach.api.watching, "build_cluster", loads):
        for obj in [*replicas, relabelled, copied]:
            server.put(obj)
        server.remove(shop[1])
        time.sleep(1.0)  # every event queued: the next update takes them as one burst
        updates = until(watching, lambda u: len(events(u)) >= 6)
    assert len(updates) == 1 and loads.call_count == 0
    (update,) = updates
    after = reach.load_live(options(server, tmp_path))
    tally = _tally(after.view("workload"))
    assert (update.connections, update.exposed) == (tally.pairs, len(tally.exposed))
    assert update.diff is not None and update.diff.edges  # the policy closes some pairs
    expected = reach.diff(before, after, old_label="before", new_label="after")
    assert update.diff.to_dict() == expected.to_dict()
    assert watched(watching) == fresh(server, tmp_path)


def test_policy_and_namespace_events_are_counted_as_a_fresh_read_counts(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """A NetworkPolicy copied under another name and deleted, and a namespace relabelled,
    take the quick ways (no load); the pairs, the internet-exposed count and the change
    after each equal those of fresh reads."""
    objects = shop_objects(EXAMPLES)
    policy = next(o for o in objects if o["metadata"]["name"] == "allow-metrics-scrape")
    copied = json.loads(json.dumps(policy))
    copied["metadata"]["name"] += "-copy"
    namespace = next(
        o
        for o in objects
        if o["kind"] == "Namespace" and o["metadata"]["name"] == policy["metadata"]["namespace"]
    )
    relabelled = json.loads(json.dumps(namespace))
    relabelled["metadata"].setdefault("labels", {})["owner"] = "team-b"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("put", copied),  # allows what the original allows: no change
        ("remove", policy),  # the copy still allows it
        ("remove", copied),  # scraping the namespace's pods closes
        ("put", copied),  # and opens again
        ("put", relabelled),  # a label no selector reads
    ]
    before = reach.load_live(options(server, tmp_path))
    edges: list[int] = []
    assert _fresh_counts(server, watching, tmp_path, before, steps, edges) == 0
    assert edges[0] == edges[1] == edges[4] == 0 and edges[2] == edges[3] > 0


def test_entry_point_and_endpoint_slice_events_are_counted_as_a_fresh_read_counts(
    server: WatchServer, watching: Watcher, tmp_path: Path
) -> None:
    """A LoadBalancer Service put and removed, and an EndpointSlice put, changed and
    removed (they change whenever a pod becomes ready), take the quick ways (no load): no
    connection changes, and the counts and change equal those of fresh reads."""
    lb = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "bench-lb", "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    endpoints = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "bench-lb-x1", "namespace": "shop"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.9"]}],
    }
    moved = json.loads(json.dumps(endpoints))
    moved["endpoints"][0]["addresses"] = ["10.0.0.10"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("put", lb),
        ("put", endpoints),
        ("put", moved),
        ("remove", moved),
        ("remove", lb),
    ]
    before = reach.load_live(options(server, tmp_path))
    edges: list[int] = []
    assert _fresh_counts(server, watching, tmp_path, before, steps, edges) == 0
    assert edges == [0] * len(steps)


def _fresh_counts(
    server: WatchServer,
    watching: Watcher,
    tmp_path: Path,
    before: reach.Reach,
    steps: list[tuple[str, dict[str, Any]]],
    edges: list[int] | None = None,
) -> int:
    """Serve each step, then check the watch's update against fresh reads of the server:
    its pairs, its internet-exposed count and its change. How many loads the watch made
    (``edges``: the number of changed edges of each update is appended)."""
    from unittest import mock

    import reach.api.watching
    from reach.api.watching import _tally

    loads = mock.Mock(wraps=reach.api.watching.build_cluster)
    with mock.patch.object(reach.api.watching, "build_cluster", loads):
        for action, obj in steps:
            getattr(server, action)(obj)
            (update,) = until(watching, lambda u: len(u) >= 1)
            after = reach.load_live(options(server, tmp_path))
            tally = _tally(after.view("workload"))
            assert (update.connections, update.exposed) == (tally.pairs, len(tally.exposed))
            assert update.diff is not None
            expected = reach.diff(before, after, old_label="before", new_label="after")
            assert update.diff.to_dict() == expected.to_dict()
            if edges is not None:
                edges.append(len(update.diff.edges))
            before = after
    return int(loads.call_count)


def test_cilium_policy_events_are_counted_as_a_fresh_read_counts(
    server: WatchServer, tmp_path: Path
) -> None:
    """Beside a CiliumNetworkPolicy served from the start, another copied under a new name
    and the first deleted and put back, the copy's endpoint selector changed, and a
    namespace relabelled take the quick ways (no load); the pairs, the internet-exposed
    count and the change after each equal those of fresh reads."""
    server.versions["cilium.io"] = ("v2",)
    lock = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "deny-app", "namespace": "db"},
        "spec": {
            "endpointSelector": {},
            "ingressDeny": [
                {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "app"}}]}
            ],
        },
    }
    server.add(lock)
    copied = json.loads(json.dumps(lock))
    copied["metadata"]["name"] = "deny-app-copy"
    narrowed = json.loads(json.dumps(copied))
    narrowed["spec"]["endpointSelector"] = {"matchLabels": {"app": "nothing-has-this"}}
    namespace = next(
        o
        for o in shop_objects(EXAMPLES)
        if o["kind"] == "Namespace" and o["metadata"]["name"] == "db"
    )
    relabelled = json.loads(json.dumps(namespace))
    relabelled["metadata"].setdefault("labels", {})["owner"] = "team-b"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("put", copied),  # denies what the first denies: no change
        ("remove", lock),  # the copy still denies the app pods
        ("put", narrowed),  # now nothing does: the app pods reach the db pods
        ("put", lock),  # and no longer
        ("put", relabelled),  # a label no selector reads
    ]
    w = Watcher(options(server, tmp_path))
    w.start()
    try:
        assert w.analysis is not None and w.analysis.cluster.cilium_policies
        before = reach.load_live(options(server, tmp_path))
        edges: list[int] = []
        assert _fresh_counts(server, w, tmp_path, before, steps, edges) == 0
        assert edges[0] == edges[1] == edges[4] == 0 and edges[2] == edges[3] > 0
    finally:
        w.stop()


def test_istio_policy_events_are_counted_as_a_fresh_read_counts(
    server: WatchServer, tmp_path: Path
) -> None:
    """Sidecars injected in the shop's namespaces and an AuthorizationPolicy served from
    the start; a copy of it, a DENY policy added and deleted, a STRICT PeerAuthentication
    and a namespace relabelled (its injection kept) take the quick ways (no load); the
    pairs, the internet-exposed count and the change after each equal those of fresh
    reads."""
    server.versions["security.istio.io"] = ("v1",)
    for ns in (o for o in shop_objects(EXAMPLES) if o["kind"] == "Namespace"):
        ns = json.loads(json.dumps(ns))
        ns["metadata"].setdefault("labels", {})["istio-injection"] = "enabled"
        server.put(ns)
    allow = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "db-from-app", "namespace": "db"},
        "spec": {"rules": [{"from": [{"source": {"namespaces": ["app", "db"]}}]}]},
    }
    server.add(allow)
    copied = json.loads(json.dumps(allow))
    copied["metadata"]["name"] = "db-from-app-copy"
    deny = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "deny-app", "namespace": "db"},
        "spec": {"action": "DENY", "rules": [{"from": [{"source": {"namespaces": ["app"]}}]}]},
    }
    strict = {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "strict", "namespace": "db"},
        "spec": {"mtls": {"mode": "STRICT"}},
    }
    namespace = next(
        o
        for o in shop_objects(EXAMPLES)
        if o["kind"] == "Namespace" and o["metadata"]["name"] == "db"
    )
    relabelled = json.loads(json.dumps(namespace))
    labels = relabelled["metadata"].setdefault("labels", {})
    labels.update({"istio-injection": "enabled", "owner": "team-b"})
    steps: list[tuple[str, dict[str, Any]]] = [
        ("put", copied),  # admits what the first admits: no change
        ("put", deny),  # the app pods no longer reach the db pods
        ("remove", deny),  # and again
        ("put", strict),
        ("put", relabelled),  # a label no selector reads
    ]
    w = Watcher(options(server, tmp_path))
    w.start()
    try:
        assert w.analysis is not None and w.analysis.cluster.istio
        before = reach.load_live(options(server, tmp_path))
        edges: list[int] = []
        assert _fresh_counts(server, w, tmp_path, before, steps, edges) == 0
        assert edges[0] == edges[4] == 0 and edges[1] == edges[2] > 0
    finally:
        w.stop()


def test_the_watch_keeps_freed_memory_from_its_first_read(
    server: WatchServer, tmp_path: Path
) -> None:
    """``reach watch`` reads the cluster with the memory the process frees kept for the
    updates after (reach.freedmemory), before it reads anything."""
    from unittest import mock

    w = Watcher(options(server, tmp_path))
    with mock.patch("reach.api.watching.keep_freed_memory") as keep:
        w.start()
    w.stop()
    keep.assert_called_once_with()
