"""Live mode reads Calico's kinds through its API server (projectcalico.org/v3) or, when that
is not installed, its CRDs (crd.projectcalico.org/v1), never both for one kind; a cluster
without Calico is no error; the snapshot keeps them, and gives the answers of the files."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.input.raw import RawObject
from reach.input.snapshot import write_snapshot
from tests.helpers import EXAMPLES, run
from tests.k8s_server import CALICO_CRD_GROUP, CALICO_GROUP, shop_objects
from tests.liveread import Objects, Serve, read, serving

CLUSTER = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {serviceAccountName: web-sa, containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cli, namespace: other, labels: {app: cli}}
spec: {containers: [{name: c, image: x}]}
"""
CALICO = """
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.db}
spec:
  tier: security
  selector: app == 'db'
  types: [Ingress]
  ingress:
    - {action: Deny, source: {namespaceSelector: projectcalico.org/name == 'other'}}
    - {action: Pass}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.web-account}
spec:
  tier: security
  serviceAccountSelector: projectcalico.org/name == 'web-sa'
  types: [Egress]
  egress:
    - {action: Allow, protocol: TCP, destination: {selector: role == 'partner', ports: [443]}}
    - {action: Allow, destination: {selector: app == 'db'}}
    - {action: Deny}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
    - {action: Allow, protocol: TCP, source: {selector: app == 'web'}, destination: {ports: [5432]}}
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: partner, namespace: shop, labels: {role: partner}}
spec: {nets: [192.0.2.0/24]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partner-eu, labels: {role: partner}}
spec: {nets: [198.51.100.0/24]}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: try, namespace: shop}
spec: {selector: all(), ingress: [{action: Deny}]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node1-eth0, labels: {role: node}}
spec: {node: node1, interfaceName: eth0, expectedIPs: [10.0.0.1]}
"""
BASE: Objects = [d for d in yaml.safe_load_all(CLUSTER) if d]
V3: Objects = [d for d in yaml.safe_load_all(CALICO) if d]
CALICO_KINDS = sorted(d["kind"] for d in V3)


def as_crd(objects: Objects) -> Objects:
    """The same objects in their crd.projectcalico.org/v1 storage form."""
    out = copy.deepcopy(objects)
    for d in out:
        d["apiVersion"] = f"{CALICO_CRD_GROUP}/v1"
    return out


def loaded(docs: list[dict[str, Any]]) -> reach.Reach:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        return reach.from_objects(docs)


def answers(r: reach.Reach) -> list[str]:
    return [str(c) for c in r.connections()]


def calico_reads(raws: list[RawObject]) -> list[tuple[str, str]]:
    return sorted(
        (r.obj["kind"], r.obj["apiVersion"])
        for r in raws
        if r.obj["apiVersion"].split("/")[0] in (CALICO_GROUP, CALICO_CRD_GROUP)
    )


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def test_files_answer_as_expected_by_hand() -> None:
    """The input of these tests, from files: the security tier denies db to cli and lets
    web (by its service account) reach the two partner sets on TCP 443 and db, nothing
    else; db's policy in the default tier admits web on 5432."""
    got = answers(loaded(BASE + V3))
    from_web = sorted(c for c in got if c.startswith("shop/web[Pod] => "))
    assert from_web == [  # the partner sets' addresses: their nodes (docs/semantics.md)
        "shop/web[Pod] => partner-eu[GlobalNetworkSet] : TCP 443",
        "shop/web[Pod] => shop/db[Pod] : TCP 5432",
        "shop/web[Pod] => shop/partner[NetworkSet] : TCP 443",
    ]
    assert [c for c in got if c.endswith("=> shop/db[Pod] : TCP 5432")] == [from_web[1]]


def test_calico_kinds_read_from_the_api_server_give_the_answers_of_the_files(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve(BASE + V3, calico_versions=("v3",))
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert calico_reads(raws) == [(kind, f"{CALICO_GROUP}/v3") for kind in CALICO_KINDS]
    assert src.info["counts"]["GlobalNetworkPolicy (projectcalico.org/v3)"] == 2
    assert src.info["counts"]["NetworkPolicy"] == 0  # the Kubernetes ones: none
    live = loaded([r.obj for r in raws])
    assert answers(live) == answers(loaded(BASE + V3))
    origins = {r.origin for r in raws if r.obj["kind"] == "NetworkPolicy"}
    assert origins == {"live:test/networkpolicies.projectcalico.org#1"}


def test_calico_crds_are_read_when_the_api_server_is_not_installed(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve(BASE + as_crd(V3), calico_crd_versions=("v1",))
    raws, _, _ = read(srv.kubeconfig(tmp_path / "kc"))
    assert calico_reads(raws) == [(kind, f"{CALICO_CRD_GROUP}/v1") for kind in CALICO_KINDS]
    assert answers(loaded([r.obj for r in raws])) == answers(loaded(BASE + V3))


def test_a_kind_the_api_server_serves_is_not_read_from_the_crds_too(
    serve: Serve, tmp_path: Path
) -> None:
    # A cluster with Calico's API server holds the same objects in both groups.
    srv = serve(BASE + V3 + as_crd(V3), calico_versions=("v3",), calico_crd_versions=("v1",))
    raws, _, _ = read(srv.kubeconfig(tmp_path / "kc"))
    assert calico_reads(raws) == [(kind, f"{CALICO_GROUP}/v3") for kind in CALICO_KINDS]
    assert not any(CALICO_CRD_GROUP in p and "/v1/" in p for p, _ in srv.requests)
    assert answers(loaded([r.obj for r in raws])) == answers(loaded(BASE + V3))


def test_a_cluster_without_calico_is_no_error(serve: Serve, tmp_path: Path) -> None:
    srv = serve(BASE + V3)  # neither Calico group served
    raws, src, diag = read(srv.kubeconfig(tmp_path / "kc"))
    assert calico_reads(raws) == []
    assert not any("projectcalico.org/" in p for p, _ in srv.requests)
    assert not any("projectcalico" in key for key in src.info["counts"])
    assert diag.notes == []


def test_snapshot_writes_the_calico_kinds_and_gives_the_same_answers(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve(BASE + V3, calico_versions=("v3",))
    raws, src, _ = read(srv.kubeconfig(tmp_path / "kc"))
    path = tmp_path / "snap.yaml"
    with path.open("w") as out:
        write_snapshot(raws, out, src.info)
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert sorted(d["kind"] for d in docs if d["apiVersion"].startswith(CALICO_GROUP)) == (
        CALICO_KINDS
    )
    written = {d["metadata"]["name"]: d for d in docs}
    assert written["security.db"]["spec"] == V3[1]["spec"]
    assert written["node1-eth0"]["spec"] == V3[-1]["spec"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        offline = reach.load([str(path)])
    assert answers(offline) == answers(loaded(BASE + V3))


def test_snapshot_keeps_the_service_account_that_calico_selectors_read(
    serve: Serve, tmp_path: Path
) -> None:
    """Regression: snapshots dropped ``serviceAccountName``, so a serviceAccountSelector
    (Calico) or a service-account label (Cilium) selected nothing offline."""
    srv = serve(BASE + V3, calico_versions=("v3",))
    raws, src, _ = read(srv.kubeconfig(tmp_path / "kc"))
    path = tmp_path / "snap.yaml"
    with path.open("w") as out:
        write_snapshot(raws, out, src.info)
    pods = {d["metadata"]["name"]: d for d in yaml.safe_load_all(path.read_text()) if d}
    assert pods["web"]["spec"]["serviceAccountName"] == "web-sa"


def test_calico_example_read_live_then_snapshotted_gives_the_answers_of_its_files(
    serve: Serve, tmp_path: Path
) -> None:
    """examples/calico as a cluster with Calico's API server holds it: ``reach list`` live,
    and offline from ``reach snapshot``, equal ``reach list -f examples/calico``."""
    example = EXAMPLES / "calico"
    objects = [d for d in shop_objects(EXAMPLES) if d["kind"] != "NetworkPolicy"]
    for name in ("policies.yaml", "calico.yaml"):
        objects += [d for d in yaml.safe_load_all((example / name).read_text()) if d]
    srv = serve(objects, calico_versions=("v3",))
    kc = srv.kubeconfig(tmp_path / "kc")
    _, files, _ = run(["list", "-f", str(example), "--by", "pod"])
    code, live, err = run(["list", "--kubeconfig", str(kc), "--by", "pod"])
    assert code == 0, err
    assert live == files and "=> payment-partner[GlobalNetworkSet] : TCP 443" in live
    snap = tmp_path / "cluster.yaml"
    code, _, err = run(["snapshot", "--kubeconfig", str(kc), "-o", str(snap)])
    assert code == 0, err
    assert "1 Tier (projectcalico.org/v3)" in snap.read_text().splitlines()[5]
    _, offline, _ = run(["list", "-f", str(snap), "--by", "pod"])
    assert offline == files


def test_calico_copies_of_kubernetes_policies_are_not_read_twice(
    serve: Serve, tmp_path: Path
) -> None:
    """Calico's API server lists a Kubernetes NetworkPolicy among its own as
    ``knp.default.<name>``; reach reads the original only."""
    k8s_np = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]},
    }
    copy_ = {
        "apiVersion": f"{CALICO_GROUP}/v3",
        "kind": "NetworkPolicy",
        "metadata": {"name": "knp.default.db", "namespace": "shop"},
        "spec": {"tier": "default", "order": 1000, "selector": "app == 'db'", "types": ["Ingress"]},
    }
    srv = serve([*BASE, k8s_np, copy_], calico_versions=("v3",))
    raws, _, _ = read(srv.kubeconfig(tmp_path / "kc"))
    policies = [(r.obj["apiVersion"], r.obj["metadata"]["name"]) for r in raws]
    assert ("networking.k8s.io/v1", "db") in policies
    assert not [p for p in policies if p[1].startswith("knp.")]
