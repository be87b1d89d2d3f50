"""Reading a live cluster: every list, page by page, all or nothing."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from reach.errors import Diagnostics
from reach.input.live.bounded import bounded
from reach.input.live.client import connect
from reach.input.live.errors import Expired, LiveError, NotServed, api_error, transport_error
from reach.input.live.flagged import flagged_lists, flagged_resources
from reach.input.live.request import Endpoint, Request, get_request, list_request
from reach.input.live.resources import (
    CORE_RESOURCES,
    ENTRY_GROUPS,
    OPTIONAL_RESOURCES,
    Resource,
    calico_copy,
    lister,
    preferred,
)
from reach.input.options import LiveOptions
from reach.input.raw import RawObject
from reach.progress import Progress

#: Pod phases of pods that have finished and hold no address any more.
FINISHED_PHASES = ("Succeeded", "Failed")
#: A list at least this long shows a progress bar (when stderr is a terminal).
LARGE_READ = 2000


class LiveSource:
    """The objects of a running cluster, as :class:`RawObject` items.

    After :meth:`objects` (or :meth:`read`) has run, ``info`` describes the
    read (context, server, server version, time, object counts) and
    ``skipped_finished`` counts the Succeeded/Failed pods left out.
    """

    def __init__(self, options: LiveOptions | None = None, stderr: TextIO | None = None) -> None:
        self.options = options or LiveOptions()
        self.info: dict[str, Any] = {}
        self.skipped_finished = 0
        #: The resourceVersion of each list read (where a watch of it starts).
        self.list_versions: dict[Resource, str] = {}
        self._stderr = stderr
        self._endpoint = Endpoint("", "")

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]:
        """Yield every object read; raise :class:`LiveError` before yielding any on failure."""
        yield from self.read(diag)

    def read(self, diag: Diagnostics) -> list[RawObject]:
        """Read the whole cluster (all or nothing)."""
        if self.options.page_limit < 1:
            raise LiveError(f"page limit must be at least 1, not {self.options.page_limit}")
        api, self._endpoint = connect(self.options)
        progress = Progress(self.options.progress, self._stderr or sys.stderr, LARGE_READ)
        with warnings.catch_warnings():
            if not api.configuration.verify_ssl:
                # The user turned verification off; say so once, not on every request.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                diag.add(
                    "tls-unverified",
                    f"TLS verification is off for context {self._endpoint.context!r} "
                    "(insecure-skip-tls-verify)",
                )
            try:
                version = self._get_json(
                    lambda **kw: k8s.VersionApi(api).get_code(**kw), get_request("/version")
                )
                optional, flagged = self._discover(api, diag)
                lists = [(res, self._list_all(api, res, progress, diag)) for res in CORE_RESOURCES]
                lists += self._list_optional(api, optional, progress, diag)
                lists += flagged_lists(
                    flagged, lambda res: self._list_all(api, res, progress, diag), diag
                )
            finally:
                progress.close()
                api.close()  # type: ignore[no-untyped-call]
        raws, counts = self._raw_objects(lists)
        if self.skipped_finished:
            diag.add(
                "finished-pods",
                f"skipped {self.skipped_finished} finished pods (Succeeded/Failed)",
            )
        self.info = {
            "context": self._endpoint.context,
            "server": self._endpoint.server,
            "server_version": str(version.get("gitVersion") or "unknown"),
            "read_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "counts": counts,
            "skipped_finished": self.skipped_finished,
        }
        return raws

    def _raw_objects(
        self, lists: list[tuple[Resource, list[Any]]]
    ) -> tuple[list[RawObject], dict[str, int]]:
        """The items as raw objects, finished pods left out, and the count of each kind."""
        raws: list[RawObject] = []
        counts: dict[str, int] = {}
        skipped = 0
        for res, items in lists:
            n = 0
            for item in items:
                if res.kind == "Pod" and finished(item):
                    skipped += 1
                    continue
                if calico_copy(res, item):
                    continue
                n += 1
                item["kind"] = res.kind  # list items carry neither
                item["apiVersion"] = res.api_version
                origin = f"live:{self._endpoint.context}/{res.qualified_plural}#{n}"
                raws.append(RawObject(item, origin))
            counts[res.count_key] = n
        self.skipped_finished = skipped
        return raws, counts

    @property
    def _timeout(self) -> float | None:
        t = self.options.request_timeout
        return t if t else None

    def _get_json(self, call: Callable[..., Any], req: Request) -> dict[str, Any]:
        """One request, its body parsed as JSON; any failure becomes a LiveError."""
        at = self._endpoint
        try:
            data = bounded(call, self._timeout)
        except ApiException as e:
            raise api_error(e, req, at) from None
        except urllib3.exceptions.HTTPError as e:
            raise transport_error(e, req, at, self.options.request_timeout) from None
        except ValueError as e:  # a header the client refuses to send (a token's newline)
            raise LiveError(f"{at.where}: {req.doing} could not be sent: {e}") from None
        except OSError as e:  # pragma: no cover - urllib3 wraps socket errors
            raise LiveError(f"{at.where}: {req.doing} failed: {e}") from None
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise LiveError(
                f"{at.where}: malformed JSON in the answer to {req.doing}: {e}; "
                "is the server a Kubernetes API server?"
            ) from None
        if not isinstance(doc, dict):
            raise LiveError(f"{at.where}: unexpected answer to {req.doing} (not an object)")
        return doc

    def _discover(
        self, api: k8s.ApiClient, diag: Diagnostics
    ) -> tuple[list[Resource], list[Resource]]:
        """The optional resources this cluster serves (admin policies, Routes, Gateway API):
        for each, the first version in reach's order of preference that it serves; and the
        flagged kinds it serves (:mod:`reach.input.live.flagged`)."""
        groups = self._get_json(
            lambda **kw: k8s.ApisApi(api).get_api_versions(**kw), get_request("/apis")
        )
        served: dict[str, set[str]] = {}
        preferred_version: dict[str, str] = {}
        for g in groups.get("groups") or []:
            if isinstance(g, dict):
                versions = {str(v.get("version")) for v in g.get("versions") or []}
                served[str(g.get("name"))] = versions
                first = g.get("preferredVersion")
                if isinstance(first, dict):
                    preferred_version[str(g.get("name"))] = str(first.get("version"))
        listed: dict[tuple[str, str], set[str]] = {}

        def names_of(group: str, version: str) -> set[str]:
            if (group, version) not in listed:
                listed[group, version] = self._resource_names(api, group, version)
            return listed[group, version]

        found: list[Resource] = []
        for group in dict.fromkeys(r.group for r in OPTIONAL_RESOURCES):
            wanted = [r for r in OPTIONAL_RESOURCES if r.group == group]
            names = {
                v: names_of(group, v)
                for v in sorted({r.version for r in wanted} & served.get(group, set()))
            }
            chosen: set[str] = set()
            for r in wanted:
                if r.plural not in chosen and r.plural in names.get(r.version, ()):
                    chosen.add(r.plural)
                    found.append(r)
            if not chosen and group in ENTRY_GROUPS:
                _not_served(diag, group, "discovery does not list it")
        return preferred(found), flagged_resources(served, preferred_version, names_of)

    def _resource_names(self, api: k8s.ApiClient, group: str, version: str) -> set[str]:
        """The resources ``GET /apis/GROUP/VERSION`` lists (none when it answers 404)."""
        try:
            listing = self._get_json(
                lambda **kw: k8s.CustomObjectsApi(api).get_api_resources(group, version, **kw),
                get_request(f"/apis/{group}/{version}", "/apis/*"),
            )
        except NotServed:
            return set()
        return {str(r.get("name")) for r in listing.get("resources") or []}

    def _list_optional(
        self,
        api: k8s.ApiClient,
        resources: list[Resource],
        progress: Progress,
        diag: Diagnostics,
    ) -> list[tuple[Resource, list[Any]]]:
        """The lists of optional resources; one that answers 404 is skipped (an info)."""
        lists = []
        for res in resources:
            try:
                lists.append((res, self._list_all(api, res, progress, diag)))
            except NotServed:
                _not_served(diag, res.group, f"listing {res.plural} answered 404 Not Found")
        return lists

    def list_items(self, api: k8s.ApiClient, res: Resource, diag: Diagnostics) -> list[Any]:
        """Every item of one resource, read again (a watch after 410 Gone); the new list's
        resourceVersion is in :attr:`list_versions`."""
        return self._list_all(api, res, Progress(False, sys.stderr, LARGE_READ), diag)

    def _list_all(
        self, api: k8s.ApiClient, res: Resource, progress: Progress, diag: Diagnostics
    ) -> list[Any]:
        """Every item of a list, page by page; a failing page fails the whole read.

        When a continue token expires (410) the list is read again in one
        request, as client-go's pager does, so that the result stays consistent.
        A list that ends while ``remainingItemCount`` announced more items gets a
        ``list-incomplete`` diagnostic (:func:`_check_count`).
        """
        call = lister(api, res)
        where = self._endpoint.where
        items: list[Any] = []
        token: str | None = None
        page = 0
        limit: int | None = self.options.page_limit
        announced: int | None = None  # items so far plus remainingItemCount, when given
        while True:
            page += 1
            kw: dict[str, Any] = {"limit": limit} if limit else {}
            if token:
                kw["_continue"] = token
            try:
                doc = self._get_json(
                    lambda kw=kw, **extra: call(**kw, **extra), list_request(res, page)
                )
            except Expired:
                if not token or not limit:
                    raise
                items, token, page, limit, announced = [], None, 0, None, None
                continue
            batch = doc.get("items")
            if batch is None:
                batch = []
            if not isinstance(batch, list):
                raise LiveError(
                    f"{where}: the answer to list {res.plural} (page {page}) has no items"
                )
            items.extend(i for i in batch if isinstance(i, dict))
            meta = doc.get("metadata") or {}
            previous, token = token, meta.get("continue") or None
            if token and token == previous:
                raise LiveError(
                    f"{where}: the server returned the same continue token twice while "
                    f"trying to {list_request(res, page).doing}; nothing partial is returned"
                )
            remaining = meta.get("remainingItemCount")
            if isinstance(remaining, int) and not isinstance(remaining, bool):
                announced = len(items) + remaining
            if not token:
                self.list_versions[res] = str(meta.get("resourceVersion") or "")
                progress.update(res.plural, len(items), len(items))
                _check_count(diag, self._endpoint, res, len(items), announced)
                return items
            progress.update(res.plural, len(items), announced)


def _check_count(
    diag: Diagnostics, at: Endpoint, res: Resource, read: int, announced: int | None
) -> None:
    """Say so when a list ended with fewer or more items than ``remainingItemCount`` had
    announced: a server that dropped its continue token gives a truncated list."""
    if announced is None or announced == read:
        return
    diag.add(
        "list-incomplete",
        f"{at.where}: list {res.plural} ended after {read} items, but the server had "
        f"announced {announced} (remainingItemCount): the answer may leave some out; "
        "run again, or check the API server",
        f"live:{at.context}/{res.plural}",
        partial=True,
    )


def _not_served(diag: Diagnostics, group: str, why: str) -> None:
    what = ENTRY_GROUPS.get(group, group)
    diag.add(
        "group-not-served",
        f"{what} ({group}) not found in this cluster ({why}): none read",
        severity="info",
    )


def finished(pod: dict[str, Any]) -> bool:
    """Whether a pod has finished (Succeeded or Failed) and holds no address any more."""
    status = pod.get("status")
    return isinstance(status, dict) and status.get("phase") in FINISHED_PHASES
