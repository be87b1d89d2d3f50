"""The test API server with watches: ``?watch=1`` streams the events of a resource after a
``resourceVersion``, as chunked JSON lines, the way the API server does.

Knobs: :meth:`WatchServer.put` and :meth:`WatchServer.remove` change objects (each change an
event with a new resourceVersion); :meth:`WatchServer.compact` makes every resourceVersion
before the current one too old (a watch from it gets an ERROR event with a 410 Status, as
after etcd compaction); ``cut_watch[plural] = n`` cuts the n-th watch connection of a
resource off after its first event (a dropped connection); :meth:`WatchServer.bookmark`
sends a BOOKMARK on every open watch that asked for them.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from tests.k8s_server import BY_API, BY_KIND, KubeAPIServer, Res, _key, status


class WatchServer(KubeAPIServer):
    """A :class:`KubeAPIServer` whose list endpoints also watch."""

    def __init__(self, objects: Iterable[Mapping[str, Any]] = (), **kw: Any) -> None:
        super().__init__(objects, **kw)
        #: (resourceVersion, resource, type, object) of every change since the start.
        self.log: list[tuple[int, Res, str, dict[str, Any]]] = []
        self.cond = threading.Condition()
        #: A watch from a resourceVersion below this one is answered with 410 Gone.
        self.compacted = 0
        #: plural -> n: the n-th watch of that resource is cut off after its first event.
        self.cut_watch: dict[str, int] = {}
        #: Watch requests per plural.
        self.watches: Counter[str] = Counter()
        self.stopping = False
        self.open_streams: list[_Stream] = []

    def _resource(self, obj: Mapping[str, Any]) -> Res:
        kind = str(obj.get("kind"))
        res = BY_API.get((str(obj.get("apiVersion")), kind)) or BY_KIND.get(kind)
        assert res is not None, f"kind {kind} is not served"
        return res

    def put(self, obj: Mapping[str, Any]) -> int:
        """Create or replace ``obj``: an ADDED or MODIFIED event; its resourceVersion."""
        res = self._resource(obj)
        with self.cond:
            before = len(self.store[res])
            self._drop(res, obj)
            kind = "MODIFIED" if len(self.store[res]) < before else "ADDED"
            self.add(obj)
            item = next(i for i in self.store[res] if _key(i) == _key(self._named(res, obj)))
            self.log.append((self._rv, res, kind, item))
            self.cond.notify_all()
            return self._rv

    def remove(self, obj: Mapping[str, Any]) -> int:
        """Delete the object named like ``obj``: a DELETED event; its resourceVersion."""
        res = self._resource(obj)
        with self.cond:
            gone = self._drop(res, obj)
            assert gone is not None, f"no {res.kind} {_key(self._named(res, obj))}"
            self._rv += 1
            gone = {**gone, "metadata": {**gone["metadata"], "resourceVersion": str(self._rv)}}
            self.log.append((self._rv, res, "DELETED", gone))
            self.cond.notify_all()
            return self._rv

    def compact(self) -> None:
        """Forget the history: a watch from any resourceVersion before now gets 410 Gone."""
        with self.cond:
            self.compacted = self._rv

    def bookmark(self) -> None:
        """A BOOKMARK at the current resourceVersion on every watch that asked for them."""
        with self.cond:
            for res in {r for r, items in self.store.items()}:
                self.log.append((self._rv, res, "BOOKMARK", {}))
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        super().stop()

    @staticmethod
    def _named(res: Res, obj: Mapping[str, Any]) -> dict[str, Any]:
        meta = dict(obj.get("metadata") or {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        return {"metadata": meta}

    def _drop(self, res: Res, obj: Mapping[str, Any]) -> dict[str, Any] | None:
        key = _key(self._named(res, obj))
        for n, item in enumerate(self.store[res]):
            if _key(item) == key:
                return self.store[res].pop(n)
        return None

    def _list(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if query.get("watch") not in ("true", "1"):
            return super()._list(path, query)
        found = self._route(path)
        if found is None or found[0].plural in self.not_found:
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        res, namespace = found
        with self.cond:
            self.watches[res.plural] += 1
            cut = self.cut_watch.get(res.plural) == self.watches[res.plural]
            stream = _Stream(self, res, namespace, query, cut=cut)
            self.open_streams.append(stream)
        return 200, stream

    def disconnect(self, plural: str) -> None:
        """Cut every open watch of ``plural`` off now, without an event."""
        with self.cond:
            for stream in self.open_streams:
                if stream.res.plural == plural:
                    stream.killed = True
            self.cond.notify_all()


class _Stream:
    """One watch: the events after its resourceVersion, then new ones until its timeout."""

    def __init__(
        self, api: WatchServer, res: Res, namespace: str | None, query: dict[str, str], cut: bool
    ) -> None:
        self.api, self.res, self.namespace, self.cut = api, res, namespace, cut
        self.since = int(query.get("resourceVersion") or 0)
        self.deadline = time.monotonic() + float(query.get("timeoutSeconds") or 30)
        self.bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        self.fresh = True  # compaction is checked when a watch starts, as the server does
        self.killed = False

    def _events(self) -> list[dict[str, Any]] | None:
        """The events not sent yet (None: the stream ends)."""
        api = self.api
        if self.fresh and self.since and self.since < api.compacted:
            gone = status(410, "Expired", f"too old resource version: {self.since}")
            return [{"type": "ERROR", "object": gone}]
        out = []
        for rv, res, kind, obj in api.log:
            if rv <= self.since and kind != "BOOKMARK" or res != self.res:
                continue
            if kind == "BOOKMARK":
                if rv < self.since or not self.bookmarks:
                    continue
                meta = {"resourceVersion": str(rv)}
                obj = {
                    "kind": self.res.kind,
                    "apiVersion": self.res.group_version,
                    "metadata": meta,
                }
            elif self.namespace and obj["metadata"].get("namespace") != self.namespace:
                continue
            else:
                obj = {"kind": self.res.kind, "apiVersion": self.res.group_version, **obj}
            out.append({"type": kind, "object": obj})
        return out

    def serve(self, handler: Any) -> None:
        with contextlib.suppress(OSError):
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            sent_bookmarks: set[int] = set()
            while True:
                with self.api.cond:
                    if self.killed:
                        handler.close_connection = True
                        handler.connection.shutdown(2)
                        return
                    events = self._events() or []
                    self.fresh = False
                    fresh = []
                    for e in events:
                        rv = int(e["object"].get("metadata", {}).get("resourceVersion") or 0)
                        if e["type"] == "BOOKMARK":
                            if rv in sent_bookmarks:
                                continue
                            sent_bookmarks.add(rv)
                        elif e["type"] != "ERROR":
                            self.since = max(self.since, rv)
                        fresh.append(e)
                    if not fresh:
                        left = self.deadline - time.monotonic()
                        if left <= 0 or self.api.stopping:
                            break
                        self.api.cond.wait(min(left, 0.1))
                        continue
                for e in fresh:
                    line = (json.dumps(e) + "\n").encode()
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                    handler.wfile.flush()
                    if self.cut:
                        handler.close_connection = True
                        handler.connection.shutdown(2)
                        return
                if any(e["type"] == "ERROR" for e in fresh):
                    break
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
