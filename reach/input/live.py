"""A live cluster, read through the official ``kubernetes`` client.

:class:`LiveSource` lists Namespaces, Pods, NetworkPolicies and Services, and,
when discovery shows that the cluster serves ``policy.networking.k8s.io``,
AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies.
Lists are read page by page (``limit`` and ``continue``) as raw JSON
(``_preload_content=False``): building the client's model objects costs more
than the request itself on large clusters.

The read is all or nothing: every list is read completely before the first
object is handed on, and any failure raises a :class:`LiveError` whose message
names the cause and what to do about it. See ``docs/live.md``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as _k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from reach.errors import Diagnostics, ReachError
from reach.input.options import LiveOptions
from reach.input.raw import RawObject
from reach.progress import Progress

DOCS = "docs/live.md"
#: Pod phases of pods that have finished and hold no address any more.
FINISHED_PHASES = ("Succeeded", "Failed")
POLICY_GROUP = "policy.networking.k8s.io"
#: A list at least this long shows a progress bar (when stderr is a terminal).
LARGE_READ = 2000

k8s_config: Any = _k8s_config  # the config loaders carry no type hints


class LiveError(ReachError):
    """Reading the live cluster failed; the message says why and what to do."""


class _Expired(LiveError):
    """410 Gone: a continue token expired (the list is then read again whole)."""


@dataclass(frozen=True)
class Resource:
    """One list endpoint: group, version, plural name and the kind of its items."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def rbac(self) -> str:
        """The resource as a ClusterRole rule names it."""
        return f"{self.group}/{self.plural}" if self.group else f'{self.plural} (core API group "")'


#: Always read, in this order.
CORE_RESOURCES = (
    Resource("", "v1", "namespaces", "Namespace"),
    Resource("", "v1", "pods", "Pod"),
    Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Resource("", "v1", "services", "Service"),
)
#: Read when discovery shows the group and version served with that resource.
POLICY_RESOURCES = (
    Resource(POLICY_GROUP, "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy"),
    Resource(
        POLICY_GROUP, "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy"
    ),
    Resource(POLICY_GROUP, "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy"),
)


@dataclass(frozen=True)
class _Request:
    """What a request is for, to word its failure: verb, target, and the RBAC grant."""

    verb: str
    target: str  # "networkpolicies at cluster scope", "/version"
    grant: str  # "list on networking.k8s.io/networkpolicies"
    page: int = 0

    @property
    def doing(self) -> str:
        page = f" (page {self.page})" if self.page > 1 else ""
        return f"{self.verb} {self.target}{page}"


def _list_request(res: Resource, page: int = 0) -> _Request:
    return _Request("list", f"{res.plural} at cluster scope", f"list on {res.rbac}", page)


def _get_request(path: str, urls: str = "") -> _Request:
    """A discovery request; ``urls`` are the nonResourceURLs that allow it."""
    return _Request("get", path, f"get on nonResourceURLs {urls or f'{path}, {path}/*'}")


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
        self._stderr = stderr
        self._context = ""
        self._server = ""

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]:
        """Yield every object read; raise :class:`LiveError` before yielding any on failure."""
        yield from self.read(diag)

    def read(self, diag: Diagnostics) -> list[RawObject]:
        """Read the whole cluster (all or nothing)."""
        if self.options.page_limit < 1:
            raise LiveError(f"page limit must be at least 1, not {self.options.page_limit}")
        api = self._connect()
        progress = Progress(self.options.progress, self._stderr or sys.stderr, LARGE_READ)
        with warnings.catch_warnings():
            if not api.configuration.verify_ssl:
                # The user turned verification off; say so once, not on every request.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                diag.warn(
                    f"TLS verification is off for context {self._context!r} "
                    "(insecure-skip-tls-verify)"
                )
            try:
                version = self._get_json(
                    lambda **kw: k8s.VersionApi(api).get_code(**kw), _get_request("/version")
                )
                resources = list(CORE_RESOURCES) + self._discover(api)
                lists = [(res, self._list_all(api, res, progress)) for res in resources]
            finally:
                progress.close()
                api.close()  # type: ignore[no-untyped-call]
        raws: list[RawObject] = []
        counts: dict[str, int] = {}
        skipped = 0
        for res, items in lists:
            n = 0
            for item in items:
                if res.kind == "Pod" and _finished(item):
                    skipped += 1
                    continue
                n += 1
                item["kind"] = res.kind  # list items carry neither
                item["apiVersion"] = res.api_version
                raws.append(RawObject(item, f"live:{self._context}/{res.plural}#{n}"))
            counts[res.kind] = n
        self.skipped_finished = skipped
        if skipped:
            diag.warn(f"skipped {skipped} finished pods (Succeeded/Failed)")
        self.info = {
            "context": self._context,
            "server": self._server,
            "server_version": str(version.get("gitVersion") or "unknown"),
            "read_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "counts": counts,
            "skipped_finished": skipped,
        }
        return raws

    # ------------------------------------------------------------------ config

    def _connect(self) -> k8s.ApiClient:
        """An API client configured like kubectl would be; LiveError when it cannot be."""
        opts = self.options
        cfg = k8s.Configuration()
        # Fail fast and clearly: no silent re-reads after a timeout or a broken page.
        cfg.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, other=0)
        if opts.in_cluster:
            try:
                k8s_config.load_incluster_config(client_configuration=cfg)
            except ConfigException as e:
                raise LiveError(
                    f"--in-cluster: no in-cluster configuration ({e}); run inside a pod with a "
                    "service account token, or use --kubeconfig/--context instead"
                ) from None
            self._context = opts.context or "in-cluster"
        else:
            path = _kubeconfig_path(opts.kubeconfig)
            try:
                contexts, current = k8s_config.list_kube_config_contexts(config_file=path)
                names = [str(c.get("name")) for c in contexts or []]
                name = opts.context or _first_current_context(path) or (current or {}).get("name")
                if not name:
                    raise LiveError(
                        f"kubeconfig {path} has no current context; pass --context "
                        f"(one of: {', '.join(names) or 'none defined'})"
                    )
                if name not in names:
                    raise LiveError(
                        f"context {name!r} not found in kubeconfig {path}; "
                        f"available: {', '.join(names) or 'none'} (kubectl config get-contexts)"
                    )
                k8s_config.load_kube_config(
                    config_file=path, context=name, client_configuration=cfg, persist_config=False
                )
            except (ConfigException, OSError, ValueError, KeyError, TypeError) as e:
                raise LiveError(f"cannot use kubeconfig {path}: {e}") from None
            self._context = name
        self._server = str(cfg.host)
        return k8s.ApiClient(cfg)

    # ---------------------------------------------------------------- requests

    @property
    def _timeout(self) -> float | None:
        t = self.options.request_timeout
        return t if t else None

    def _get_json(self, call: Callable[..., Any], req: _Request) -> dict[str, Any]:
        """One request, its body parsed as JSON; any failure becomes a LiveError."""
        try:
            resp = call(_preload_content=False, _request_timeout=self._timeout)
            try:
                data = resp.data
            finally:
                resp.release_conn()
        except ApiException as e:
            raise self._api_error(e, req) from None
        except urllib3.exceptions.HTTPError as e:
            raise self._transport_error(e, req) from None
        except OSError as e:  # pragma: no cover - urllib3 wraps socket errors
            raise LiveError(f"{self._where()}: {req.doing} failed: {e}") from None
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise LiveError(
                f"{self._where()}: malformed JSON in the answer to {req.doing}: {e}; "
                "is the server a Kubernetes API server?"
            ) from None
        if not isinstance(doc, dict):
            raise LiveError(f"{self._where()}: unexpected answer to {req.doing} (not an object)")
        return doc

    def _discover(self, api: k8s.ApiClient) -> list[Resource]:
        """The policy.networking.k8s.io resources this cluster serves."""
        groups = self._get_json(
            lambda **kw: k8s.ApisApi(api).get_api_versions(**kw), _get_request("/apis")
        )
        served: set[str] = set()
        for g in groups.get("groups") or []:
            if isinstance(g, dict) and g.get("name") == POLICY_GROUP:
                served = {str(v.get("version")) for v in g.get("versions") or []}
        found: list[Resource] = []
        for version in sorted({r.version for r in POLICY_RESOURCES} & served):
            path = f"/apis/{POLICY_GROUP}/{version}"
            listing = self._get_json(
                lambda v=version, **kw: k8s.CustomObjectsApi(api).get_api_resources(
                    POLICY_GROUP, v, **kw
                ),
                _get_request(path, "/apis/*"),
            )
            names = {str(r.get("name")) for r in listing.get("resources") or []}
            found += [r for r in POLICY_RESOURCES if r.version == version and r.plural in names]
        return found

    def _list_all(self, api: k8s.ApiClient, res: Resource, progress: Progress) -> list[Any]:
        """Every item of a list, page by page; a failing page fails the whole read.

        When a continue token expires (410) the list is read again in one
        request, as client-go's pager does, so that the result stays consistent.
        """
        call = _lister(api, res)
        items: list[Any] = []
        token: str | None = None
        page = 0
        limit: int | None = self.options.page_limit
        while True:
            page += 1
            kw: dict[str, Any] = {"limit": limit} if limit else {}
            if token:
                kw["_continue"] = token
            try:
                doc = self._get_json(
                    lambda kw=kw, **extra: call(**kw, **extra), _list_request(res, page)
                )
            except _Expired:
                if not token or not limit:
                    raise
                items, token, page, limit = [], None, 0, None
                continue
            batch = doc.get("items")
            if batch is None:
                batch = []
            if not isinstance(batch, list):
                raise LiveError(
                    f"{self._where()}: the answer to list {res.plural} (page {page}) has no items"
                )
            items.extend(i for i in batch if isinstance(i, dict))
            meta = doc.get("metadata") or {}
            previous, token = token, meta.get("continue") or None
            if token and token == previous:
                raise LiveError(
                    f"{self._where()}: the server returned the same continue token twice while "
                    f"trying to {_list_request(res, page).doing}; nothing partial is returned"
                )
            if not token:
                progress.update(res.plural, len(items), len(items))
                return items
            remaining = meta.get("remainingItemCount")
            total = len(items) + remaining if isinstance(remaining, int) else None
            progress.update(res.plural, len(items), total)

    # ------------------------------------------------------------------ errors

    def _where(self) -> str:
        return f"context {self._context!r} ({self._server})"

    def _api_error(self, e: ApiException, req: _Request) -> LiveError:
        status = int(e.status or 0)
        message = _status_message(e.body)
        said = f"\n  server said: {message}" if message else ""
        if status == 0:  # the client turns TLS failures into status 0
            reason = str(e.reason or "")
            if "SSL" in reason or "CERTIFICATE" in reason.upper():
                return self._tls_error(reason, req)
            return LiveError(f"{self._where()}: {req.doing} failed: {reason}")
        if status == 401:
            return LiveError(
                f"unauthorized (401): the API server at {self._server} rejected the credentials "
                f"of context {self._context!r} while trying to {req.doing}; refresh them "
                "(log in again or renew the token in the kubeconfig user entry), "
                f"check with `kubectl auth whoami`{said}"
            )
        if status == 403:
            return LiveError(
                f"forbidden: cannot {req.verb} {req.target} (403); grant {req.grant}, "
                f"see {DOCS}{said}"
            )
        if status == 404:
            return LiveError(
                f"{self._where()}: not found (404) while trying to {req.doing}; "
                f"the server does not serve it (is {self._server} a Kubernetes API server?){said}"
            )
        if status == 410:
            return _Expired(
                f"{self._where()}: the list changed too much while reading it (410 Gone, the "
                f"continue token expired) while trying to {req.doing}; nothing was kept, "
                f"run again (a larger --page-limit reads in fewer requests){said}"
            )
        if status == 429 or status >= 500:
            return LiveError(
                f"{self._where()}: server error {status} while trying to {req.doing}; the read "
                f"was abandoned and nothing partial is returned: try again later{said}"
            )
        return LiveError(f"{self._where()}: HTTP {status} while trying to {req.doing}{said}")

    def _transport_error(self, e: urllib3.exceptions.HTTPError, req: _Request) -> LiveError:
        cause: BaseException = e
        if isinstance(e, urllib3.exceptions.MaxRetryError) and e.reason is not None:
            cause = e.reason
        timeout = self.options.request_timeout
        if isinstance(cause, urllib3.exceptions.SSLError) or "CERTIFICATE_VERIFY" in str(cause):
            return self._tls_error(str(cause), req)
        if isinstance(cause, urllib3.exceptions.NewConnectionError):  # before ConnectTimeoutError
            return LiveError(
                f"cannot reach the API server {self._server} of context {self._context!r} "
                f"({_short(cause)}); check that the cluster is running and that the kubeconfig "
                "points at it (`kubectl cluster-info`)"
            )
        if isinstance(cause, urllib3.exceptions.TimeoutError):
            return LiveError(
                f"timeout: the API server {self._server} did not answer within {timeout:g} s "
                f"while trying to {req.doing}; raise --request-timeout (or check the network "
                "path to the server); nothing partial is returned"
                if timeout
                else f"timeout while trying to {req.doing} on {self._server}"
            )
        if isinstance(cause, urllib3.exceptions.ProtocolError):
            hint = (
                f"check that {self._server} is a Kubernetes API server (and http/https is right)"
                if req.verb == "get"
                else "the read was abandoned and nothing partial is returned: try again"
            )
            return LiveError(
                f"{self._where()}: the connection broke while trying to {req.doing} "
                f"({_short(cause)}); {hint}"
            )
        return LiveError(f"{self._where()}: {req.doing} failed: {_short(cause)}")

    def _tls_error(self, reason: str, req: _Request) -> LiveError:
        return LiveError(
            f"TLS verification of the API server {self._server} failed while trying to "
            f"{req.doing}: {_short_text(reason)}; set the cluster's CA in the kubeconfig "
            "(certificate-authority or certificate-authority-data of the cluster entry), "
            "or, for a throwaway test cluster only, insecure-skip-tls-verify: true"
        )


def _kubeconfig_path(explicit: str | None) -> str:
    """kubectl's rule: --kubeconfig, else $KUBECONFIG (a list, merged), else ~/.kube/config."""
    if explicit:
        if not os.path.isfile(os.path.expanduser(explicit)):
            raise LiveError(f"kubeconfig {explicit} not found (--kubeconfig)")
        return explicit
    env = os.environ.get("KUBECONFIG")
    if env:
        if not any(p and os.path.isfile(os.path.expanduser(p)) for p in env.split(os.pathsep)):
            raise LiveError(
                f"no kubeconfig found: none of the files in KUBECONFIG={env} exists; "
                "fix KUBECONFIG or pass --kubeconfig FILE (or --in-cluster inside a pod)"
            )
        return env
    default = os.path.expanduser("~/.kube/config")
    if not os.path.isfile(default):
        raise LiveError(
            f"no kubeconfig found at {default} and KUBECONFIG is not set; pass --kubeconfig FILE, "
            "set KUBECONFIG, or use --in-cluster inside a pod"
        )
    return default


def _first_current_context(paths: str) -> str | None:
    """kubectl's rule for a merged KUBECONFIG: the first file that sets current-context wins.

    (The Python client lets the last one win.)
    """
    for p in paths.split(os.pathsep):
        path = os.path.expanduser(p)
        if not p or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            return None  # the client's loader reports it
        if isinstance(doc, dict) and doc.get("current-context"):
            return str(doc["current-context"])
    return None


def _lister(api: k8s.ApiClient, res: Resource) -> Callable[..., Any]:
    """The client's list call for a resource, across all namespaces."""
    if res.plural == "namespaces":
        return k8s.CoreV1Api(api).list_namespace
    if res.plural == "pods":
        return k8s.CoreV1Api(api).list_pod_for_all_namespaces
    if res.plural == "services":
        return k8s.CoreV1Api(api).list_service_for_all_namespaces
    if res.plural == "networkpolicies":
        return k8s.NetworkingV1Api(api).list_network_policy_for_all_namespaces
    custom = k8s.CustomObjectsApi(api)

    def list_custom(**kw: Any) -> Any:
        return custom.list_cluster_custom_object(res.group, res.version, res.plural, **kw)

    return list_custom


def _finished(pod: dict[str, Any]) -> bool:
    status = pod.get("status")
    return isinstance(status, dict) and status.get("phase") in FINISHED_PHASES


def _status_message(body: Any) -> str:
    """The ``message`` of a Kubernetes ``Status`` body, or the body itself (shortened)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return ""
    try:
        doc = json.loads(body)
    except ValueError:
        return _short_text(body)
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return str(doc["message"])
    return _short_text(body)


def _short(e: BaseException) -> str:
    """The readable part of a urllib3 error, without the wrapping around it."""
    text = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
    if "): " in text and text.startswith(("HTTPConnection(", "HTTPSConnection(")):
        text = text.split("): ", 1)[1]
    return _short_text(text)


def _short_text(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
