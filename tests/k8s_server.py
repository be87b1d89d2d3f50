"""A local Kubernetes API server for tests and benchmarks.

It listens on 127.0.0.1 with a random port and speaks the REST API that
``reach``'s live source uses, the way a real API server does: ``/version``,
discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>``,
``/apis/<group>/<version>``), and list endpoints (cluster-wide and per
namespace) with ``kind: PodList`` etc., ``metadata.resourceVersion``, ``limit``
and opaque ``continue`` tokens with ``remainingItemCount``. Errors are
``Status`` objects (401, 403, 404, 400 for a bad continue token, 500).

Knobs for failure tests: a bearer token to require, resources to forbid (403),
a list page to fail with 500, to cut off midway or to send without its continue
token, delays (for timeouts), bodies that trickle in, a kubeconfig whose server URL
carries credentials, and TLS with a certificate made by :func:`make_certs`.

Only the standard library is needed, plus ``cryptography`` for certificates.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import datetime as dt
import json
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

POLICY_GROUP = "policy.networking.k8s.io"
ROUTE_GROUP = "route.openshift.io"
GATEWAY_GROUP = "gateway.networking.k8s.io"
CILIUM_GROUP = "cilium.io"
ISTIO_SECURITY_GROUP = "security.istio.io"
ISTIO_NETWORKING_GROUP = "networking.istio.io"
CALICO_GROUP = "projectcalico.org"
CALICO_CRD_GROUP = "crd.projectcalico.org"
#: Groups of policy kinds reach does not evaluate (read only to be named), none served by
#: default: Antrea's and Linkerd's.
ANTREA_GROUP = "crd.antrea.io"
LINKERD_GROUP = "policy.linkerd.io"
#: Groups served only when installed (CRDs): group -> the versions a default server has.
OPTIONAL_GROUPS = {
    POLICY_GROUP: ("v1alpha1",),
    ROUTE_GROUP: ("v1",),
    GATEWAY_GROUP: ("v1", "v1beta1", "v1alpha2"),
    CILIUM_GROUP: ("v2",),
    CALICO_GROUP: ("v3",),
    CALICO_CRD_GROUP: ("v1",),
}


@dataclass(frozen=True)
class Res:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    builtin: bool = True  # built-in list items carry no kind/apiVersion; CRD items do

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else "/api/v1"


RESOURCES = (
    Res("", "v1", "namespaces", "Namespace", False),
    Res("", "v1", "pods", "Pod", True),
    Res("", "v1", "services", "Service", True),
    Res("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    Res(POLICY_GROUP, "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", False, False),
    Res(
        POLICY_GROUP,
        "v1alpha1",
        "baselineadminnetworkpolicies",
        "BaselineAdminNetworkPolicy",
        False,
        False,
    ),
    Res(POLICY_GROUP, "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy", False, False),
    Res("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    Res("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    Res(ROUTE_GROUP, "v1", "routes", "Route", True, False),
    Res(GATEWAY_GROUP, "v1", "gateways", "Gateway", True, False),
    Res(GATEWAY_GROUP, "v1", "httproutes", "HTTPRoute", True, False),
    Res(GATEWAY_GROUP, "v1beta1", "gateways", "Gateway", True, False),
    Res(GATEWAY_GROUP, "v1beta1", "httproutes", "HTTPRoute", True, False),
    Res(GATEWAY_GROUP, "v1", "grpcroutes", "GRPCRoute", True, False),
    Res(GATEWAY_GROUP, "v1alpha2", "tlsroutes", "TLSRoute", True, False),
    Res(GATEWAY_GROUP, "v1alpha2", "tcproutes", "TCPRoute", True, False),
    Res(GATEWAY_GROUP, "v1alpha2", "udproutes", "UDPRoute", True, False),
    Res(GATEWAY_GROUP, "v1beta1", "referencegrants", "ReferenceGrant", True, False),
    Res(CILIUM_GROUP, "v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy", True, False),
    Res(
        CILIUM_GROUP,
        "v2",
        "ciliumclusterwidenetworkpolicies",
        "CiliumClusterwideNetworkPolicy",
        False,
        False,
    ),
    Res(CILIUM_GROUP, "v2", "ciliumcidrgroups", "CiliumCIDRGroup", False, False),
    Res(ISTIO_SECURITY_GROUP, "v1", "authorizationpolicies", "AuthorizationPolicy", True, False),
    Res(ISTIO_SECURITY_GROUP, "v1", "peerauthentications", "PeerAuthentication", True, False),
    Res(ISTIO_NETWORKING_GROUP, "v1", "sidecars", "Sidecar", True, False),
    Res(CILIUM_GROUP, "v2alpha1", "ciliumcidrgroups", "CiliumCIDRGroup", False, False),
    Res(ANTREA_GROUP, "v1beta1", "networkpolicies", "NetworkPolicy", True, False),
    Res(LINKERD_GROUP, "v1beta3", "servers", "Server", True, False),
    # Calico: its API server (v3) and its CRDs (v1); (plural, kind, namespaced)
    *(
        Res(group, version, plural, kind, namespaced, False)
        for group, version in ((CALICO_GROUP, "v3"), (CALICO_CRD_GROUP, "v1"))
        for plural, kind, namespaced in (
            ("tiers", "Tier", False),
            ("networkpolicies", "NetworkPolicy", True),
            ("globalnetworkpolicies", "GlobalNetworkPolicy", False),
            ("stagednetworkpolicies", "StagedNetworkPolicy", True),
            ("stagedglobalnetworkpolicies", "StagedGlobalNetworkPolicy", False),
            ("stagedkubernetesnetworkpolicies", "StagedKubernetesNetworkPolicy", True),
            ("networksets", "NetworkSet", True),
            ("globalnetworksets", "GlobalNetworkSet", False),
            ("profiles", "Profile", False),
            ("hostendpoints", "HostEndpoint", False),
        )
    ),
)
BY_KIND = {r.kind: r for r in reversed(RESOURCES)}  # the first version listed
BY_API = {(r.group_version, r.kind): r for r in RESOURCES}


def status(
    code: int, reason: str, message: str, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A ``Status`` object as the API server sends with an error."""
    doc: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        doc["details"] = dict(details)
    return doc


class KubeAPIServer:
    """Serves ``objects`` (manifest dicts) through list endpoints.

    ``policy_versions`` are the versions of ``policy.networking.k8s.io`` that
    discovery announces (none: the group is not served); ``routes`` and
    ``gateway_versions`` say the same of OpenShift Routes and the Gateway API
    (their CRDs installed or not); ``cilium_versions`` those of ``cilium.io`` (none by
    default: Cilium not installed); ``calico_versions`` and ``calico_crd_versions`` those of
    ``projectcalico.org`` (Calico's API server) and ``crd.projectcalico.org`` (its CRDs),
    none by default; ``istio_versions`` those of Istio's two groups (none by default);
    ``flagged_versions`` those of Antrea's and Linkerd's groups, by group (none by default).
    Objects of kinds that are not served are ignored.
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        token: str | None = "test-token",
        tls: tuple[Path, Path] | None = None,
        policy_versions: Iterable[str] = OPTIONAL_GROUPS[POLICY_GROUP],
        routes: bool = True,
        gateway_versions: Iterable[str] = OPTIONAL_GROUPS[GATEWAY_GROUP],
        cilium_versions: Iterable[str] = (),
        calico_versions: Iterable[str] = (),
        calico_crd_versions: Iterable[str] = (),
        istio_versions: Iterable[str] = (),
        flagged_versions: Mapping[str, Iterable[str]] | None = None,
        git_version: str = "v1.31.2",
    ) -> None:
        self.token = token
        self.tls = tls
        self.versions = {
            POLICY_GROUP: tuple(policy_versions),
            ROUTE_GROUP: OPTIONAL_GROUPS[ROUTE_GROUP] if routes else (),
            GATEWAY_GROUP: tuple(gateway_versions),
            CILIUM_GROUP: tuple(cilium_versions),
            CALICO_GROUP: tuple(calico_versions),
            CALICO_CRD_GROUP: tuple(calico_crd_versions),
            ISTIO_SECURITY_GROUP: tuple(istio_versions),
            ISTIO_NETWORKING_GROUP: tuple(istio_versions),
            **{
                g: tuple((flagged_versions or {}).get(g, ())) for g in (ANTREA_GROUP, LINKERD_GROUP)
            },
        }
        self.git_version = git_version
        #: Plurals (``networkpolicies``) or paths (``/version``) answered with 403.
        self.forbidden: set[str] = set()
        #: Plurals whose list answers 404 although discovery announces them.
        self.not_found: set[str] = set()
        #: plural -> n: the n-th list request of that resource gets a 500.
        self.fail_page: dict[str, int] = {}
        #: plural -> n: the n-th list request of that resource is cut off midway.
        self.break_page: dict[str, int] = {}
        #: plural -> n: the n-th list request of that resource finds its continue token
        #: expired (410), as after etcd compaction.
        self.expire_page: dict[str, int] = {}
        #: plural -> n: the n-th list request of that resource omits its continue token
        #: although items remain (a server bug): ``remainingItemCount`` still says so.
        self.drop_continue: dict[str, int] = {}
        #: plural or path (``*``: every request) -> seconds to wait before answering.
        self.delays: dict[str, float] = {}
        #: plural or path (``*``: every request) -> seconds between the 64-byte pieces
        #: in which the body is sent (each well within any read timeout).
        self.trickle: dict[str, float] = {}
        #: Keep each list page's JSON once made (benchmarks: measure the client, not us).
        self.cache_pages = False
        self._page_cache: dict[tuple[str, str, str], bytes] = {}
        #: Every request: (path, query).
        self.requests: list[tuple[str, dict[str, str]]] = []
        #: List requests per plural.
        self.pages: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._rv = 1000
        self.store: dict[Res, list[dict[str, Any]]] = {r: [] for r in RESOURCES}
        for obj in objects:
            self.add(obj)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ data

    def add(self, obj: Mapping[str, Any]) -> None:
        """Store a copy of ``obj`` with the metadata an API server adds."""
        kind = str(obj.get("kind"))
        res = BY_API.get((str(obj.get("apiVersion")), kind)) or BY_KIND.get(kind)
        if res is None:
            return
        item = json.loads(json.dumps(obj))  # a deep copy, and JSON-clean
        meta = item.setdefault("metadata", {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        self._rv += 1
        meta.setdefault("uid", str(uuid.UUID(int=self._rv)))
        meta["resourceVersion"] = str(self._rv)
        meta.setdefault("creationTimestamp", "2024-05-01T12:00:00Z")
        if res.builtin:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        else:
            item["kind"] = res.kind
            item["apiVersion"] = res.group_version
        bisect.insort(self.store[res], item, key=_key)

    @property
    def policy_versions(self) -> tuple[str, ...]:
        return self.versions[POLICY_GROUP]

    def served(self, res: Res) -> bool:
        return res.group not in self.versions or res.version in self.versions[res.group]

    # --------------------------------------------------------------- running

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> KubeAPIServer:
        handler = type("Handler", (_Handler,), {"api": self})
        httpd = _Server(("127.0.0.1", 0), handler)
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            httpd.ssl_context = ctx
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="k8s-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> KubeAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kubeconfig(
        self,
        path: Path,
        *,
        context: str = "test",
        token: str | None = None,
        ca: Path | None = None,
        insecure: bool = False,
        server: str | None = None,
        credentials: str | None = None,
    ) -> Path:
        """Write a kubeconfig for this server; ``token`` defaults to the server's.
        ``credentials`` (``user:password``) are written into the server URL, as some
        kubeconfigs in the wild hold them (the server ignores them)."""
        url = server or self.url
        if credentials:
            scheme, _, rest = url.partition("://")
            url = f"{scheme}://{credentials}@{rest}"
        cluster: dict[str, Any] = {"server": url}
        if ca is not None:
            cluster["certificate-authority"] = str(ca)
        if insecure:
            cluster["insecure-skip-tls-verify"] = True
        user: dict[str, Any] = {}
        if token or self.token:
            user["token"] = token or self.token
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
            "users": [{"name": f"{context}-user", "user": user}],
            "contexts": [
                {
                    "name": context,
                    "context": {"cluster": f"{context}-cluster", "user": f"{context}-user"},
                }
            ],
            "current-context": context,
            "preferences": {},
        }
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def list_requests(self, plural: str) -> list[dict[str, str]]:
        """The queries of the list requests made for ``plural``."""
        return [q for p, q in self.requests if p.endswith("/" + plural)]

    # -------------------------------------------------------------- handling

    def handle(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any]:
        """The answer to a GET: (status code, JSON document or bytes)."""
        path = path.rstrip("/") or "/"
        with self._lock:
            self.requests.append((path, query))
        if self.token is not None:
            scheme, _, given = (auth or "").partition(" ")
            if scheme.lower() != "bearer" or given != self.token:
                return 401, status(401, "Unauthorized", "Unauthorized")
        if path in self.forbidden:
            user = 'User "system:serviceaccount:reach:reader"'
            return 403, status(403, "Forbidden", f'forbidden: {user} cannot get path "{path}"', {})
        if path == "/version":
            return 200, self._version()
        if path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
                ],
            }
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
        for group in self._groups():
            if path == f"/apis/{group['name']}":
                return 200, {"kind": "APIGroup", "apiVersion": "v1", **group}
        for gv in {(r.group, r.version) for r in RESOURCES}:
            res_list = [r for r in RESOURCES if (r.group, r.version) == gv and self.served(r)]
            if res_list and path == res_list[0].prefix:
                return 200, self._resource_list(res_list)
        return self._list(path, query)

    def _version(self) -> dict[str, Any]:
        major, minor = self.git_version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self.git_version,
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2024-10-22T20:28:14Z",
            "goVersion": "go1.22.8",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _groups(self) -> list[dict[str, Any]]:
        groups: dict[str, list[str]] = {}
        for r in RESOURCES:
            if r.group and self.served(r):
                versions = groups.setdefault(r.group, [])
                if r.version not in versions:
                    versions.append(r.version)
        out = []
        for name, versions in groups.items():
            vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in sorted(versions)]
            out.append({"name": name, "versions": vs, "preferredVersion": vs[-1]})
        return out

    def _resource_list(self, resources: list[Res]) -> dict[str, Any]:
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": resources[0].group_version,
            "resources": [
                {
                    "name": r.plural,
                    "singularName": r.kind.lower(),
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                }
                for r in resources
            ],
        }

    def _list(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        found = self._route(path)
        if found is None:
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        res, namespace = found
        if res.plural in self.not_found:
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        with self._lock:
            self.pages[res.plural] += 1
            page = self.pages[res.plural]
        if res.plural in self.forbidden:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            group = f'"{res.group}"' if res.group else '""'
            message = (
                f"{res.plural}{'.' + res.group if res.group else ''} is forbidden: "
                f'User "system:serviceaccount:reach:reader" cannot list resource '
                f'"{res.plural}" in API group {group} {scope}'
            )
            return 403, status(403, "Forbidden", message, {"kind": res.plural, "group": res.group})
        if self.fail_page.get(res.plural) == page:
            return 500, status(
                500, "InternalError", "Internal error occurred: etcdserver: request timed out"
            )
        if query.get("continue") and self.expire_page.get(res.plural) == page:
            return 410, status(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter.",
            )
        items = [
            i
            for i in self.store[res]
            if namespace is None or i["metadata"].get("namespace") == namespace
        ]
        start = 0
        token = query.get("continue")
        if token:
            try:
                start_key = tuple(_decode(token)["start"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                return 400, status(
                    400, "BadRequest", "continue key is not valid: invalid continue token"
                )
            start = next((n for n, i in enumerate(items) if _key(i) >= start_key), len(items))
        limit = int(query.get("limit") or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        meta: dict[str, Any] = {"resourceVersion": str(self._rv)}
        if end < len(items):
            if self.drop_continue.get(res.plural) != page:
                meta["continue"] = _encode(
                    {"v": "meta.k8s.io/v1", "rv": self._rv, "start": list(_key(items[end]))}
                )
            meta["remainingItemCount"] = len(items) - end
        doc = {
            "kind": f"{res.kind}List",
            "apiVersion": res.group_version,
            "metadata": meta,
            "items": items[start:end],
        }
        if self.break_page.get(res.plural) == page:
            return 200, _Broken(json.dumps(doc).encode())
        if self.cache_pages:
            key = (path, query.get("limit", ""), query.get("continue", ""))
            if key not in self._page_cache:
                self._page_cache[key] = json.dumps(doc).encode()
            return 200, _Body(self._page_cache[key])
        return 200, doc

    def _route(self, path: str) -> tuple[Res, str | None] | None:
        for res in RESOURCES:
            if not self.served(res):
                continue
            if path == f"{res.prefix}/{res.plural}":
                return res, None
            if res.namespaced:
                head = f"{res.prefix}/namespaces/"
                if path.startswith(head) and path.endswith(f"/{res.plural}"):
                    ns = path[len(head) : -len(res.plural) - 1]
                    if ns and "/" not in ns:
                        return res, ns
        return None

    def delay(self, path: str, knob: dict[str, float] | None = None) -> float:
        """Seconds ``knob`` (the delays, by default) gives ``path``."""
        knob = self.delays if knob is None else knob
        plural = path.rstrip("/").rsplit("/", 1)[-1]
        return max(knob.get("*", 0.0), knob.get(path, 0.0), knob.get(plural, 0.0))


@dataclass(frozen=True)
class _Body:
    """A body already serialized."""

    body: bytes


@dataclass(frozen=True)
class _Broken:
    """A body that is announced whole but cut off after half of it."""

    body: bytes


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    meta = item.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _encode(doc: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode()


def _decode(token: str) -> dict[str, Any]:
    doc = json.loads(base64.urlsafe_b64decode(token.encode()))
    if not isinstance(doc, dict):
        raise ValueError("not an object")
    return doc


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    ssl_context: ssl.SSLContext | None = None

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Go's net/http does
        if self.ssl_context is not None:  # the handshake happens in the handler's thread
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (timeouts, refused certificates) are expected


class _Handler(BaseHTTPRequestHandler):
    api: KubeAPIServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        wait = self.api.delay(parts.path)
        if wait:
            time.sleep(wait)
        code, doc = self.api.handle(parts.path, query, self.headers.get("Authorization"))
        if hasattr(doc, "serve"):  # a watch (tests/k8s_watch.py) streams its events
            doc.serve(self)
            return
        body = doc.body if isinstance(doc, _Broken | _Body) else json.dumps(doc).encode()
        with contextlib.suppress(OSError):
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Audit-Id", str(uuid.uuid4()))
            self.end_headers()
            if isinstance(doc, _Broken):
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            pause = self.api.delay(parts.path, self.api.trickle)
            if pause:
                self.wfile.flush()
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i : i + 64])
                    self.wfile.flush()
                    time.sleep(pause)
                return
            self.wfile.write(body)


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Certs:
    """A CA, and a server certificate it signed for 127.0.0.1 and localhost."""

    ca: Path
    cert: Path
    key: Path


def make_certs(directory: Path, name: str = "test") -> Certs:
    """Write a fresh CA and server certificate (PEM) into ``directory``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    out = Certs(
        directory / f"{name}-ca.pem", directory / f"{name}-cert.pem", directory / f"{name}-key.pem"
    )
    out.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


# ------------------------------------------------------------- served objects


def shop_objects(examples: Path) -> list[dict[str, Any]]:
    """The objects of ``examples/shop`` as a cluster holds them.

    Namespaces and NetworkPolicies come from the manifests as written; the
    workloads become the Pods that ``reach`` creates from them, owned by their
    workload, with the noise a real pod carries (images, env values,
    annotations) that a snapshot must drop.
    """
    import reach

    docs: list[dict[str, Any]] = []
    for f in sorted((examples / "shop").glob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text()):
            if isinstance(doc, dict) and doc.get("kind") in SERVED_AS_WRITTEN:
                docs.append(doc)
    cluster = reach.load([str(examples / "shop")]).cluster
    for p in cluster.pods:
        docs.append(pod_dict(p))
    docs += endpoint_slices(cluster)
    return docs


#: Kinds of the manifests that the served cluster holds as they are written.
SERVED_AS_WRITTEN = frozenset(
    {"Namespace", "NetworkPolicy", "Service", "Ingress", "Route", "EndpointSlice"}
    | {r.kind for r in RESOURCES if r.group == GATEWAY_GROUP}
)


def endpoint_slices(cluster: Any) -> list[dict[str, Any]]:
    """One EndpointSlice per Service with a selector, as the EndpointSlice controller
    writes it: the selected pods of the namespace as endpoints, the ports by name."""
    out: list[dict[str, Any]] = []
    for svc in cluster.services:
        if svc.selector is None:
            continue
        pods = [
            p
            for p in cluster.pods
            if p.namespace == svc.namespace
            and all(dict(p.labels).get(k) == v for k, v in svc.selector)
        ]
        endpoints = [
            {
                "addresses": [f"10.0.{n // 250}.{n % 250 + 1}"],
                "conditions": {"ready": True},
                "targetRef": {"kind": "Pod", "namespace": p.namespace, "name": p.name},
            }
            for n, p in enumerate(pods)
        ]
        ports = [
            {"name": sp.name or "", "protocol": sp.protocol, "port": _target_number(sp, pods)}
            for sp in svc.ports
        ]
        out.append(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{svc.name}-abcde",
                    "namespace": svc.namespace,
                    "labels": {"kubernetes.io/service-name": svc.name},
                    "ownerReferences": [{"kind": "Service", "name": svc.name}],
                },
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            }
        )
    return out


def _target_number(sp: Any, pods: list[Any]) -> int | None:
    target = sp.target_port
    if isinstance(target, int):
        return target
    for p in pods:
        for c in p.ports:
            if c.name == target:
                return int(c.port)
    return None


def pod_dict(p: Any) -> dict[str, Any]:
    """A ``reach.model.cluster.Pod`` back as the Pod object the API server would hold."""
    meta: dict[str, Any] = {
        "name": p.name,
        "namespace": p.namespace,
        "labels": dict(p.labels),
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"secret":"s3cr3t-annotation"}',
            "prometheus.io/scrape": "true",
        },
    }
    if p.workload is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": p.workload.kind,
                "name": p.workload.name,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, str(p.workload))),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    ports = [
        {
            k: v
            for k, v in (("name", c.name), ("containerPort", c.port), ("protocol", c.protocol))
            if v
        }
        for c in p.ports
    ]
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "main",
                "image": "registry.example/app:1.0",
                "env": [{"name": "DB_PASSWORD", "value": "hunter2-env-secret"}],
                "ports": ports,
            }
        ]
    }
    if p.host_network:
        spec["hostNetwork"] = True
    if p.service_account != "default":
        spec["serviceAccountName"] = p.service_account
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {"phase": p.phase or "Running"},
    }


def generated_objects(gen_cluster: Path, **kw: Any) -> list[dict[str, Any]]:
    """Objects from ``gen_cluster.py`` (imported, not run): namespaces, pods, policies."""
    import argparse
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_cluster", gen_cluster)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = {
        "namespaces": 10,
        "pods": 100,
        "policies": 30,
        "seed": 1,
        "max_replicas": 4,
        "pod_ips": True,
        "out": "-",
    }
    args.update(kw)
    docs: list[dict[str, Any]] = module.Gen(argparse.Namespace(**args)).run()
    return docs
