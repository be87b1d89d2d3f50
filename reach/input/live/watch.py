"""Watching a live cluster: list every kind reach reads, then follow each with a watch.

One thread per resource holds a watch (``?watch=1&resourceVersion=RV
&allowWatchBookmarks=true``) and puts what it sees on one queue, in the order the server
sent it: each added, modified or deleted object as a :class:`Change`. The watch resumes
from the last resourceVersion it saw (an event's, or a BOOKMARK's) when the server ends it
(its ``timeoutSeconds``) or when the connection drops, after a backoff that doubles from
0.5 s up to 30 s (a :class:`Status` says so); when the server answers that the
resourceVersion is too old (410 Gone, after compaction) the resource is listed again and
a ``relisted`` :class:`Status` carries the whole list, which replaces what was known of
that resource (objects gone from it are deleted). docs/watch.md describes it.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException
from kubernetes.watch.watch import iter_resp_lines

from reach.errors import Diagnostics
from reach.input.live.client import connect
from reach.input.live.read import LiveSource, finished
from reach.input.live.resources import Resource, calico_copy, lister
from reach.input.raw import RawObject

#: Seconds a watch asks the server to keep it open before it starts a new one.
WATCH_SECONDS = 300
#: The first wait before reconnecting, and the longest.
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
#: How long :meth:`ClusterWatch.stop` waits for the watch threads to end.
STOP_SECONDS = 5.0


@dataclass(frozen=True)
class Change:
    """One object added, modified or deleted (``type``: ADDED, MODIFIED, DELETED)."""

    type: str
    resource: Resource
    obj: dict[str, Any]

    @property
    def name(self) -> str:
        """``Pod shop/web-1``."""
        meta = self.obj.get("metadata") or {}
        ns = meta.get("namespace")
        return f"{self.resource.kind} {ns + '/' if ns else ''}{meta.get('name')}"


@dataclass(frozen=True)
class Status:
    """Something about a watch itself: ``reconnecting`` (with the error), ``relisted``
    (with every item of the resource, read again after 410 Gone) or ``unserved`` (the
    resource answers 404 now: its CRD was removed, and its objects with it)."""

    type: str
    resource: Resource
    message: str
    items: list[dict[str, Any]] = field(default_factory=list)


Event = Change | Status


def raw_of(res: Resource, item: dict[str, Any], context: str) -> RawObject | None:
    """A listed or watched item as a raw object (None for what a read leaves out: finished
    pods, Calico's copies of Kubernetes policies)."""
    if (res.kind == "Pod" and finished(item)) or calico_copy(res, item):
        return None
    item["kind"] = res.kind  # list items carry neither; watch events may
    item["apiVersion"] = res.api_version
    meta = item.get("metadata") or {}
    ns = meta.get("namespace")
    where = f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))
    return RawObject(item, f"live:{context}/{res.qualified_plural}/{where}")


class ClusterWatch:
    """The initial read of a cluster, then its changes on :attr:`events`."""

    def __init__(self, source: LiveSource) -> None:
        self.source = source
        self.events: queue.Queue[Event] = queue.Queue()
        self.counts = {"events": 0, "bookmarks": 0, "reconnects": 0, "relists": 0}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._api: k8s.ApiClient | None = None
        self._open: dict[int, Any] = {}  # the response each thread reads, by thread
        self._lock = threading.Lock()

    @property
    def context(self) -> str:
        return str(self.source.info.get("context") or "")

    def start(self, diag: Diagnostics) -> list[RawObject]:
        """Read the cluster (all or nothing, as ``reach list --context``), then start one
        watch per resource read; the objects read."""
        raws = self.source.read(diag)
        self._api, _ = connect(self.source.options, len(self.source.list_versions) + 2)
        for res, version in self.source.list_versions.items():
            t = threading.Thread(
                target=self._follow,
                args=(res, version),
                name=f"watch-{res.qualified_plural}",
                daemon=True,
            )
            t.start()
            self._threads.append(t)
        return raws

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """Stop watching: shut the open watches' sockets so that every thread ends now,
        and wait for them (at most ``seconds`` in all). No thread is left reading when the
        interpreter exits (a daemon thread woken then can abort the process)."""
        self._stop.set()
        with self._lock:
            for resp in self._open.values():
                # wakes a read blocked in another thread; a response urllib3 closed or
                # released already (its stream ended) raises ValueError or RuntimeError
                with contextlib.suppress(Exception):
                    resp.shutdown()
        deadline = time.monotonic() + seconds
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def _follow(self, res: Resource, version: str) -> None:
        wait = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                for event in self._stream(res, version):
                    version = event
                    wait = BACKOFF_FIRST
                self._stop.wait(0.1)  # the server ended the watch (its timeout): again
                continue
            except _Gone:
                version = self._relist(res)
                continue
            except ApiException as e:
                if e.status == 404:
                    msg = f"{res.plural} is no longer served (404: its CRD removed?); none kept"
                    self.events.put(Status("unserved", res, msg))
                    return
                why = f"HTTP {e.status}"
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
                why = type(e).__name__
            if self._stop.is_set():
                return  # stop() shut the socket: not a lost watch
            self.counts["reconnects"] += 1
            msg = (
                f"watch of {res.plural} lost ({why}); reconnecting in {wait:g} s from "
                f"resourceVersion {version}"
            )
            self.events.put(Status("reconnecting", res, msg))
            if self._stop.wait(wait):
                return
            wait = min(wait * 2, BACKOFF_MAX)

    def _stream(self, res: Resource, version: str) -> Iterator[str]:
        """One watch request: each event put on the queue; yields each resourceVersion seen.
        Raises :class:`_Gone` on 410."""
        assert self._api is not None
        call = lister(self._api, res)
        timeout = self.source.options.request_timeout or 30
        resp = call(
            watch=True,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _preload_content=False,
            _request_timeout=(timeout, WATCH_SECONDS + timeout),
        )
        with self._lock:
            self._open[threading.get_ident()] = resp
        try:
            if self._stop.is_set():  # stop() came before the response was kept
                return
            for line in iter_resp_lines(resp):  # type: ignore[no-untyped-call]
                if self._stop.is_set():
                    return
                if not line.strip():
                    continue
                yield from self._event(res, json.loads(line))
        finally:
            with self._lock:
                self._open.pop(threading.get_ident(), None)
            resp.release_conn()

    def _event(self, res: Resource, event: Any) -> Iterator[str]:
        kind = event.get("type") if isinstance(event, dict) else None
        obj = event.get("object") if isinstance(event, dict) else None
        if not isinstance(obj, dict):
            raise ValueError("a watch event without an object")
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise _Gone
            raise ApiException(status=obj.get("code") or 500, reason=str(obj.get("message")))
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if kind == "BOOKMARK":
            self.counts["bookmarks"] += 1
        elif kind in ("ADDED", "MODIFIED", "DELETED"):
            self.counts["events"] += 1
            if res.kind == "Pod" and kind != "DELETED" and finished(obj):
                kind = "DELETED"  # a finished pod holds no address any more
            self.events.put(Change(kind, res, obj))
        if version:
            yield version

    def _relist(self, res: Resource) -> str:
        """List ``res`` again after 410 Gone; the new resourceVersion."""
        assert self._api is not None
        self.counts["relists"] += 1
        while not self._stop.is_set():
            try:
                items = self.source.list_items(self._api, res, Diagnostics())
            except Exception as e:  # noqa: BLE001 - any failure: wait and list again
                self.events.put(Status("reconnecting", res, f"relisting {res.plural}: {e}"))
                self._stop.wait(BACKOFF_FIRST)
                continue
            msg = f"{res.plural}: resourceVersion too old (410 Gone), listed again"
            self.events.put(Status("relisted", res, msg, items))
            return self.source.list_versions[res]
        return ""


class _Gone(Exception):
    """The watch's resourceVersion is too old (410 Gone): list again."""


def wait_for(events: queue.Queue[Event], seconds: float) -> list[Event]:
    """The next event (waiting at most ``seconds``), then every event that arrives within
    50 ms of the one before (a burst is one update)."""
    try:
        first = events.get(timeout=seconds)
    except queue.Empty:
        return []
    batch: list[Event] = [first]
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        try:
            batch.append(events.get(timeout=0.05))
        except queue.Empty:
            break
    return batch
