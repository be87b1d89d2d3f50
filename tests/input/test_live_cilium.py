"""Live mode reads Cilium's policies and CIDR groups (cilium.io/v2) when the cluster serves
them; a cluster without Cilium's CRDs is no error; the snapshot keeps them whole."""

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
from reach.model.ipspace import IPBlock, parse_network
from tests.k8s_server import CILIUM_GROUP
from tests.liveread import Objects, Serve, read, serving

CNP: dict[str, Any] = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumNetworkPolicy",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "endpointSelector": {"matchLabels": {"app": "web"}},
        "egress": [{"toCIDRSet": [{"cidrGroupRef": "corp"}]}],
    },
    "specs": [{"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]}],
    "status": {
        "conditions": [
            {"type": "Valid", "status": "True", "message": "Policy validation succeeded"}
        ]
    },
}
CCNP: dict[str, Any] = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumClusterwideNetworkPolicy",
    "metadata": {"name": "lockdown"},
    "spec": {"endpointSelector": {}, "ingress": [{"fromEntities": ["cluster"]}]},
}
GROUP: dict[str, Any] = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumCIDRGroup",
    "metadata": {"name": "corp", "labels": {"zone": "eu"}},
    "spec": {"externalCIDRs": ["10.0.0.0/8"]},
}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
OBJECTS: Objects = [NAMESPACE, CNP, CCNP, GROUP]


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def test_cilium_policies_and_groups_are_read_when_served(serve: Serve, tmp_path: Path) -> None:
    srv = serve(OBJECTS, cilium_versions=("v2",))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    got = sorted((r.obj["kind"], r.obj["apiVersion"]) for r in raws if r.obj["kind"] != "Namespace")
    assert got == [
        ("CiliumCIDRGroup", "cilium.io/v2"),
        ("CiliumClusterwideNetworkPolicy", "cilium.io/v2"),
        ("CiliumNetworkPolicy", "cilium.io/v2"),
    ]
    counts = src.info["counts"]
    assert (counts["CiliumNetworkPolicy"], counts["CiliumClusterwideNetworkPolicy"]) == (1, 1)
    cluster = build_cluster(raws, diag)
    assert [str(p) for p in cluster.cilium_policies] == [  # by kind, namespace and name
        "CiliumClusterwideNetworkPolicy lockdown",
        "CiliumNetworkPolicy shop/web",
        "CiliumNetworkPolicy shop/web specs[0]",
    ]
    # The group named by cidrGroupRef was read too, and resolved.
    assert cluster.cilium_policies[1].egress[0].cidrs == (IPBlock(parse_network("10.0.0.0/8")),)
    assert diag.notes == []


def test_cidr_groups_of_the_older_version_are_read(serve: Serve, tmp_path: Path) -> None:
    old = {**GROUP, "apiVersion": "cilium.io/v2alpha1"}
    srv = serve([NAMESPACE, CNP, old], cilium_versions=("v2alpha1",))
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert [r.obj["apiVersion"] for r in raws if r.obj["kind"] == "CiliumCIDRGroup"] == [
        "cilium.io/v2alpha1"
    ]
    assert not any("ciliumnetworkpolicies" in p for p, _ in srv.requests)


def test_a_cluster_without_cilium_is_no_error(serve: Serve, tmp_path: Path) -> None:
    srv = serve(OBJECTS)  # cilium.io not served
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert not any(CILIUM_GROUP in p for p, _ in srv.requests if p != "/apis")
    assert "CiliumNetworkPolicy" not in src.info["counts"]
    assert [r.obj["kind"] for r in raws] == ["Namespace"]
    assert diag.notes == []


def test_a_cilium_list_answering_404_is_skipped_with_an_info(serve: Serve, tmp_path: Path) -> None:
    srv = serve(OBJECTS, cilium_versions=("v2",))
    srv.not_found.add("ciliumclusterwidenetworkpolicies")
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert "CiliumClusterwideNetworkPolicy" not in {r.obj["kind"] for r in raws}
    assert [(d.code, d.severity) for d in diag.notes] == [("group-not-served", "info")]


def test_snapshot_keeps_spec_and_specs_and_gives_the_same_policies(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve(OBJECTS, cilium_versions=("v2",))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    live = build_cluster(raws, diag)
    path = tmp_path / "snap.yaml"
    with path.open("w") as out:
        write_snapshot(raws, out, src.info)
    docs = {d["kind"]: d for d in yaml.safe_load_all(path.read_text()) if d}
    assert docs["CiliumNetworkPolicy"]["specs"] == CNP["specs"]
    assert docs["CiliumNetworkPolicy"]["spec"] == CNP["spec"]
    assert docs["CiliumCIDRGroup"]["metadata"]["labels"] == {"zone": "eu"}
    assert "status" not in docs["CiliumNetworkPolicy"]
    offline = reach.load([str(path)])
    unplaced = [replace(p, origin="") for p in live.cilium_policies]
    assert [replace(p, origin="") for p in offline.cluster.cilium_policies] == unplaced
