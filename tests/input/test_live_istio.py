"""Live mode reads Istio's AuthorizationPolicies, PeerAuthentications and Sidecars when the
cluster serves them; a cluster without Istio's CRDs is no error; the snapshot keeps them
(and the sidecar injection annotation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.input.loader import build_cluster
from reach.input.snapshot import write_snapshot
from tests.liveread import Objects, Serve, read, serving

AUTHZ: dict[str, Any] = {
    "apiVersion": "security.istio.io/v1",
    "kind": "AuthorizationPolicy",
    "metadata": {"name": "httpbin", "namespace": "shop", "annotations": {"x": "dropped"}},
    "spec": {
        "selector": {"matchLabels": {"app": "httpbin"}},
        "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/sleep"]}}]}],
    },
}
PEER: dict[str, Any] = {
    "apiVersion": "security.istio.io/v1",
    "kind": "PeerAuthentication",
    "metadata": {"name": "default", "namespace": "shop"},
    "spec": {"mtls": {"mode": "STRICT"}},
}
SIDECAR: dict[str, Any] = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "Sidecar",
    "metadata": {"name": "default", "namespace": "shop"},
    "spec": {"egress": [{"hosts": ["./*"]}]},
}
POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "legacy",
        "namespace": "shop",
        "annotations": {"sidecar.istio.io/inject": "false", "other": "dropped"},
    },
    "spec": {"containers": [{"name": "c"}]},
}
NAMESPACE = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}},
}
OBJECTS: Objects = [NAMESPACE, POD, AUTHZ, PEER, SIDECAR]


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def test_istio_objects_are_read_when_served(serve: Serve, tmp_path: Path) -> None:
    srv = serve(OBJECTS, istio_versions=("v1",))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    kinds = sorted(r.obj["kind"] for r in raws if r.obj["kind"] not in ("Namespace", "Pod"))
    assert kinds == ["AuthorizationPolicy", "PeerAuthentication", "Sidecar"]
    assert src.info["counts"]["AuthorizationPolicy"] == 1
    cluster = build_cluster(raws, diag)
    assert [p.name for p in cluster.istio.authorization] == ["httpbin"]
    assert [p.mode for p in cluster.istio.peer_authentication] == ["STRICT"]
    assert [str(o) for o in cluster.istio.unevaluated] == ["Sidecar shop/default"]


def test_a_cluster_without_istio_is_no_error(serve: Serve, tmp_path: Path) -> None:
    srv = serve(OBJECTS)  # Istio's groups not served
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert not any("istio.io" in p for p, _ in srv.requests if p != "/apis")
    assert sorted(r.obj["kind"] for r in raws) == ["Namespace", "Pod"]
    assert diag.notes == []


def test_snapshot_keeps_the_istio_objects_and_the_inject_annotation(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve(OBJECTS, istio_versions=("v1",))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    live = build_cluster(raws, diag)
    path = tmp_path / "snap.yaml"
    with path.open("w") as out:
        write_snapshot(raws, out, src.info)
    docs = {d["kind"]: d for d in yaml.safe_load_all(path.read_text()) if d}
    assert docs["AuthorizationPolicy"]["spec"] == AUTHZ["spec"]
    assert "annotations" not in docs["AuthorizationPolicy"]["metadata"]
    assert docs["Pod"]["metadata"]["annotations"] == {"sidecar.istio.io/inject": "false"}
    offline = reach.load([str(path)])
    assert [replace(p, origin="") for p in offline.cluster.istio.authorization] == [
        replace(p, origin="") for p in live.istio.authorization
    ]
    assert [p.sidecar_inject for p in offline.cluster.pods] == ["false"]
