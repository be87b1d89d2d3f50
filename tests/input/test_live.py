"""Live mode: the real ``kubernetes`` client against a local API server (tests/k8s_server.py)."""

from __future__ import annotations

import io
import math
import socket
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.errors import Diagnostics, ReachError
from reach.input.live import LiveError, LiveOptions, LiveSource
from reach.input.live import read as live_read
from reach.input.loader import build_cluster
from reach.input.raw import RawObject
from reach.input.snapshot import ANNOTATION_ALLOW_LIST, write_snapshot
from tests.helpers import EXAMPLES, SHARED
from tests.k8s_server import Certs, KubeAPIServer, generated_objects, make_certs, shop_objects
from tests.liveread import Objects, Serve, read, serving

GEN_CLUSTER = SHARED / "bench" / "gen_cluster.py"


@pytest.fixture(scope="module")
def shop() -> Objects:
    return shop_objects(EXAMPLES)


@pytest.fixture(scope="module")
def generated() -> Objects:
    if not GEN_CLUSTER.is_file():
        pytest.skip(f"no {GEN_CLUSTER} (set REACH_SHARED)")
    return generated_objects(GEN_CLUSTER, namespaces=12, pods=400, policies=60, seed=3)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certs, Certs]:
    """The server's certificates, and a second CA that did not sign them."""
    pytest.importorskip("cryptography")
    d = tmp_path_factory.mktemp("certs")
    return make_certs(d, "server"), make_certs(d, "other")


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def texts(r: reach.Reach, by: str = "workload") -> list[str]:
    return [str(c) for c in r.connections(by=by)]


def live_reach(kubeconfig: Path, **kw: Any) -> reach.Reach:
    raws, _, diag = read(kubeconfig, **kw)
    return reach.Reach(build_cluster(raws, diag))


def fail(kubeconfig: Path, **kw: Any) -> str:
    """The message of the LiveError a read raises (nothing is yielded before it)."""
    src = LiveSource(LiveOptions(kubeconfig=str(kubeconfig), **kw))
    it = src.objects(Diagnostics())
    with pytest.raises(LiveError) as e:
        next(it)
    assert isinstance(e.value, ReachError)
    assert src.info == {}
    return str(e.value)


# ----------------------------------------------------------------- equality


def test_live_read_equals_offline_analysis_of_the_shop(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    live = live_reach(srv.kubeconfig(tmp_path / "kc"))
    offline = reach.from_objects(shop)
    assert texts(live) == texts(offline) == texts(reach.load([str(EXAMPLES / "shop")]))
    assert texts(live, "pod") == texts(offline, "pod")
    assert len(texts(live)) > 20


def test_live_read_of_a_generated_cluster_in_pages(
    serve: Serve, generated: Objects, tmp_path: Path
) -> None:
    srv = serve(generated)
    live = live_reach(srv.kubeconfig(tmp_path / "kc"), page_limit=50)
    assert texts(live) == texts(reach.from_objects(generated))
    assert live.summary() == reach.from_objects(generated).summary()
    pods = sum(1 for o in generated if o["kind"] == "Pod")
    pages = srv.list_requests("pods")
    assert len(pages) == math.ceil(pods / 50) >= 8
    assert all(q["limit"] == "50" for q in pages)
    assert "continue" not in pages[0] and all(q.get("continue") for q in pages[1:])


def test_items_get_kind_api_version_and_origin(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    raws, src, _ = read(srv.kubeconfig(tmp_path / "kc", context="prod"), page_limit=4)
    kinds = {(r.obj["kind"], r.obj["apiVersion"]) for r in raws}
    assert kinds == {
        ("Namespace", "v1"),
        ("Pod", "v1"),
        ("NetworkPolicy", "networking.k8s.io/v1"),
        ("Service", "v1"),
        ("EndpointSlice", "discovery.k8s.io/v1"),
        ("Ingress", "networking.k8s.io/v1"),
        ("Gateway", "gateway.networking.k8s.io/v1"),  # the shop's Gateway and HTTPRoute
        ("HTTPRoute", "gateway.networking.k8s.io/v1"),
    }
    origins = [r.origin for r in raws if r.obj["kind"] == "Pod"]
    assert origins[:2] == ["live:prod/pods#1", "live:prod/pods#2"]
    assert len(set(origins)) == len(origins)
    info = src.info
    assert info["context"] == "prod" and info["server"] == srv.url
    assert info["server_version"] == "v1.31.2"
    assert datetime.fromisoformat(info["read_at"]).tzinfo is not None
    assert info["counts"]["Pod"] == sum(1 for o in shop if o["kind"] == "Pod")
    assert info["counts"]["Namespace"] == 5
    assert info["counts"]["Service"] == sum(1 for o in shop if o["kind"] == "Service") > 0


def test_admin_network_policies_are_read_when_the_group_is_served(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    anp = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "deny-db"},
        "spec": {"priority": 10, "subject": {"namespaces": {}}, "ingress": []},
    }
    cnp = {
        **anp,
        "kind": "ClusterNetworkPolicy",
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "spec": {**anp["spec"], "tier": "Admin"},
    }
    srv = serve([*shop, anp, cnp], policy_versions=("v1alpha1", "v1alpha2"))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    got = {
        r.obj["kind"]: r.obj["apiVersion"]
        for r in raws
        if "policy.networking" in r.obj["apiVersion"]
    }
    assert got == {
        "AdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
        "ClusterNetworkPolicy": "policy.networking.k8s.io/v1alpha2",
    }
    assert src.info["counts"]["BaselineAdminNetworkPolicy"] == 0
    cluster = build_cluster(raws, diag)
    assert sorted(p.kind for p in cluster.admin_policies) == [
        "AdminNetworkPolicy",
        "ClusterNetworkPolicy",
    ]


def test_policy_group_not_served_is_not_requested(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop, policy_versions=())
    _, src, _ = read(srv.kubeconfig(tmp_path / "kc"))
    assert not any("policy.networking" in p for p, _ in srv.requests)
    assert "AdminNetworkPolicy" not in src.info["counts"]
    assert {"/version", "/apis"} <= {p for p, _ in srv.requests}


def test_finished_pods_are_skipped_and_counted(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    def job_pod(name: str, phase: str) -> dict[str, Any]:
        return {
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "app", "labels": {"app": "backend-api"}},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]},
            "status": {"phase": phase},
        }

    finished = [
        job_pod("done-1", "Succeeded"),
        job_pod("done-2", "Succeeded"),
        job_pod("x", "Failed"),
    ]
    srv = serve([*shop, *finished, job_pod("running", "Running")])
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"), page_limit=5)
    names = {r.obj["metadata"]["name"] for r in raws}
    assert "running" in names and not names & {"done-1", "done-2", "x"}
    assert src.skipped_finished == 3 and src.info["skipped_finished"] == 3
    assert "skipped 3 finished pods (Succeeded/Failed)" in diag.warnings
    live = reach.Reach(build_cluster(raws, diag))
    assert texts(live) == texts(reach.from_objects([*shop, job_pod("running", "Running")]))


# ------------------------------------------------------------- kubeconfig


def test_kubeconfig_from_the_environment_merged_like_kubectl(
    serve: Serve, shop: Objects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = serve(shop)
    good = srv.kubeconfig(tmp_path / "good", context="good")
    bad = srv.kubeconfig(tmp_path / "bad", context="bad", token="wrong")
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{bad}:{good}")
    # Files that do not exist are skipped; contexts of all the others can be chosen.
    # As with kubectl, the first file that sets current-context wins.
    with pytest.raises(LiveError, match="rejected the credentials of context 'bad'"):
        list(LiveSource().objects(Diagnostics()))
    raws = list(LiveSource(LiveOptions(context="good")).objects(Diagnostics()))
    assert raws and raws[0].origin.startswith("live:good/")
    with pytest.raises(LiveError, match="401"):
        list(LiveSource(LiveOptions(context="bad")).objects(Diagnostics()))


def test_unknown_context(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    msg = fail(srv.kubeconfig(tmp_path / "kc", context="dev"), context="prod")
    assert "context 'prod' not found" in msg and "available: dev" in msg


def test_missing_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "not found (--kubeconfig)" in fail(tmp_path / "nope")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    with pytest.raises(LiveError, match="KUBECONFIG"):
        list(LiveSource().objects(Diagnostics()))
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(LiveError, match=r"no kubeconfig found at .*\.kube/config"):
        list(LiveSource().objects(Diagnostics()))


def test_in_cluster_configuration(
    serve: Serve,
    shop: Objects,
    certs: tuple[Certs, Certs],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kubernetes.config import incluster_config

    server_certs, _ = certs
    srv = serve(shop, tls=(server_certs.cert, server_certs.key))
    (tmp_path / "token").write_text("test-token")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(server_certs.ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", srv.url.rsplit(":", 1)[1])
    src = LiveSource(LiveOptions(in_cluster=True))
    raws = list(src.objects(Diagnostics()))
    assert raws[0].origin.startswith("live:in-cluster/")
    assert texts(reach.Reach(build_cluster(raws))) == texts(reach.from_objects(shop))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(LiveError, match="--in-cluster: no in-cluster configuration"):
        list(LiveSource(LiveOptions(in_cluster=True)).objects(Diagnostics()))


# ---------------------------------------------------------------- failures


def test_401_names_the_credentials(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    msg = fail(srv.kubeconfig(tmp_path / "kc", token="expired"))
    assert msg.startswith("unauthorized (401)")
    assert "credentials of context 'test'" in msg and "refresh them" in msg


@pytest.mark.parametrize(
    ("plural", "expected"),
    [
        (
            "networkpolicies",
            "forbidden: cannot list networkpolicies at cluster scope (403); "
            "grant list on networking.k8s.io/networkpolicies, see docs/live.md",
        ),
        (
            "pods",
            "forbidden: cannot list pods at cluster scope (403); "
            'grant list on pods (core API group "")',
        ),
        (
            "adminnetworkpolicies",
            "forbidden: cannot list adminnetworkpolicies at cluster scope (403); "
            "grant list on policy.networking.k8s.io/adminnetworkpolicies",
        ),
        ("/apis", "forbidden: cannot get /apis (403); grant get on nonResourceURLs /apis"),
    ],
)
def test_403_names_verb_resource_and_scope(
    serve: Serve, shop: Objects, tmp_path: Path, plural: str, expected: str
) -> None:
    srv = serve(shop)
    srv.forbidden.add(plural)
    msg = fail(srv.kubeconfig(tmp_path / "kc"))
    assert msg.startswith(expected)
    assert "server said:" in msg and "system:serviceaccount:reach:reader" in msg


def test_server_down(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kc = KubeAPIServer().kubeconfig(tmp_path / "kc", server=f"http://127.0.0.1:{port}")
    msg = fail(kc)
    assert msg.startswith(f"cannot reach the API server http://127.0.0.1:{port} of context 'test'")
    assert "kubectl cluster-info" in msg


def test_timeout_mentions_request_timeout(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    srv.delays["pods"] = 2.0
    msg = fail(srv.kubeconfig(tmp_path / "kc"), request_timeout=0.3)
    assert msg.startswith("timeout: the API server")
    assert "within 0.3 s while trying to list pods at cluster scope" in msg
    assert "--request-timeout" in msg


@pytest.mark.parametrize("how", ["fail_page", "break_page"])
def test_a_page_failing_midway_fails_the_whole_read(
    serve: Serve, generated: Objects, tmp_path: Path, how: str
) -> None:
    srv = serve(generated)
    getattr(srv, how)["pods"] = 2
    msg = fail(srv.kubeconfig(tmp_path / "kc"), page_limit=100)
    assert "list pods at cluster scope (page 2)" in msg
    assert "nothing partial is returned" in msg
    assert ("server error 500" in msg) == (how == "fail_page")
    assert ("connection broke" in msg) == (how == "break_page")
    assert len(srv.list_requests("pods")) == 2


def test_an_expired_continue_token_reads_the_list_again_whole(
    serve: Serve, generated: Objects, tmp_path: Path
) -> None:
    srv = serve(generated)
    srv.expire_page["pods"] = 3
    live = live_reach(srv.kubeconfig(tmp_path / "kc"), page_limit=100)
    assert texts(live) == texts(reach.from_objects(generated))
    pages = srv.list_requests("pods")
    assert [("limit" in q, "continue" in q) for q in pages] == [
        (True, False),
        (True, True),
        (True, True),  # 410 Gone
        (False, False),  # the whole list at once, as client-go's pager does
    ]


# --------------------------------------------------------------------- TLS


def test_tls_verified_with_the_ca_from_the_kubeconfig(
    serve: Serve, shop: Objects, certs: tuple[Certs, Certs], tmp_path: Path
) -> None:
    server_certs, _ = certs
    srv = serve(shop, tls=(server_certs.cert, server_certs.key))
    assert srv.url.startswith("https://")
    live = live_reach(srv.kubeconfig(tmp_path / "kc", ca=server_certs.ca))
    assert texts(live) == texts(reach.from_objects(shop))


def test_tls_without_verification(
    serve: Serve, shop: Objects, certs: tuple[Certs, Certs], tmp_path: Path
) -> None:
    server_certs, _ = certs
    srv = serve(shop, tls=(server_certs.cert, server_certs.key))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no InsecureRequestWarning per request
        raws, _, diag = read(srv.kubeconfig(tmp_path / "kc", insecure=True))
    assert texts(reach.Reach(build_cluster(raws, diag))) == texts(reach.from_objects(shop))
    assert "TLS verification is off for context 'test' (insecure-skip-tls-verify)" in diag.warnings


@pytest.mark.parametrize("ca", ["other", "none"])
def test_tls_verification_failure(
    serve: Serve, shop: Objects, certs: tuple[Certs, Certs], tmp_path: Path, ca: str
) -> None:
    server_certs, other = certs
    srv = serve(shop, tls=(server_certs.cert, server_certs.key))
    kc = srv.kubeconfig(tmp_path / "kc", ca=other.ca if ca == "other" else None)
    msg = fail(kc)
    assert msg.startswith(f"TLS verification of the API server {srv.url} failed")
    assert "certificate-authority" in msg and "insecure-skip-tls-verify" in msg
    assert "CERTIFICATE_VERIFY_FAILED" in msg


# ---------------------------------------------------------------- progress


def test_progress_bar_only_when_asked_or_on_a_terminal(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    kc = srv.kubeconfig(tmp_path / "kc")
    shown = io.StringIO()
    LiveSource(LiveOptions(kubeconfig=str(kc), page_limit=5, progress=True), stderr=shown).read(
        Diagnostics()
    )
    assert "reading pods" in shown.getvalue() and shown.getvalue().endswith("\r\033[K")
    quiet = io.StringIO()  # not a terminal
    LiveSource(LiveOptions(kubeconfig=str(kc), page_limit=5), stderr=quiet).read(Diagnostics())
    assert quiet.getvalue() == ""


def test_progress_bar_on_a_terminal_for_large_reads(
    serve: Serve, generated: Objects, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    srv = serve(generated)
    kc = srv.kubeconfig(tmp_path / "kc")
    small = Terminal()
    LiveSource(LiveOptions(kubeconfig=str(kc), page_limit=100), stderr=small).read(Diagnostics())
    assert small.getvalue() == ""  # 400 pods is not a large read
    monkeypatch.setattr(live_read, "LARGE_READ", 300)
    large = Terminal()
    LiveSource(LiveOptions(kubeconfig=str(kc), page_limit=100), stderr=large).read(Diagnostics())
    pods = sum(1 for o in generated if o["kind"] == "Pod")
    assert f"] {pods}/{pods}" in large.getvalue() and "reading namespaces" not in large.getvalue()


# ---------------------------------------------------------------- snapshot


def _snapshot(raws: list[RawObject], info: Mapping[str, Any], path: Path) -> str:
    with path.open("w") as out:
        write_snapshot(raws, out, dict(info))
    return path.read_text()


def test_snapshot_round_trip_gives_the_live_result(
    serve: Serve, shop: Objects, generated: Objects, tmp_path: Path
) -> None:
    for name, objects in (("shop", shop), ("generated", generated)):
        srv = serve(objects)
        raws, src, diag = read(srv.kubeconfig(tmp_path / f"{name}.kc"), page_limit=64)
        live = reach.Reach(build_cluster(raws, diag))
        text = _snapshot(raws, src.info, tmp_path / f"{name}.yaml")
        offline = reach.load([str(tmp_path / f"{name}.yaml")])
        assert texts(offline) == texts(live), name
        assert texts(offline, "pod") == texts(live, "pod"), name
        assert text.count("\n---\n") == len(raws)


def test_snapshot_keeps_only_what_the_analysis_reads(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    raws, src, _ = read(srv.kubeconfig(tmp_path / "kc", context="prod-eu"))
    text = _snapshot(raws, src.info, tmp_path / "snap.yaml")
    header = text.split("---", 1)[0]
    assert "context: prod-eu" in header and f"server: {srv.url}" in header
    assert "server version: v1.31.2" in header and f"read at: {src.info['read_at']}" in header
    for secret in ("hunter2", "s3cr3t", "env", "image", "uid", "resourceVersion", "last-applied"):
        assert secret not in text, secret
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert len(docs) == len(raws)
    for d in docs:
        assert set(d["metadata"].get("annotations", {})) <= ANNOTATION_ALLOW_LIST
        if d["kind"] == "Pod":
            assert set(d) <= {"apiVersion", "kind", "metadata", "spec", "status"}
            assert set(d["spec"]) <= {
                "containers",
                "initContainers",
                "hostNetwork",
                "serviceAccountName",
            }
            for c in d["spec"]["containers"]:
                assert set(c) <= {"name", "ports", "restartPolicy"}
            refs = d["metadata"].get("ownerReferences", [])
            assert all(set(r) <= {"kind", "name", "controller"} for r in refs)

    def key(o: Mapping[str, Any]) -> tuple[str, str]:
        return (o["metadata"]["namespace"], o["metadata"]["name"])

    policies = {key(d): d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
    originals = {key(o): o["spec"] for o in shop if o["kind"] == "NetworkPolicy"}
    assert policies == originals
