"""Pods and workloads: expansion of templates, controllers, ports."""

from __future__ import annotations

import pytest

import reach
from reach.errors import InvalidInput
from tests.builders import pod


def workload(kind: str, name: str = "w", replicas: int | None = None, **spec: object) -> dict:
    template = {
        "metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}]},
    }
    body: dict = {"template": template, **spec}
    if kind == "CronJob":
        body = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    if replicas is not None:
        body["replicas"] = replicas
    return {"kind": kind, "metadata": {"name": name, "namespace": "ns"}, "spec": body}


@pytest.mark.parametrize(
    "kind",
    [
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "ReplicationController",
    ],
)
def test_each_workload_kind_expands_into_template_pods(kind: str) -> None:
    r = reach.from_objects([workload(kind)])
    (p,) = r.cluster.pods
    assert p.namespace == "ns"
    assert p.label_map == {"app": "w"}
    assert p.owner.kind == kind and p.owner.name == "w"
    assert [(c.name, c.port, c.protocol) for c in p.ports] == [("http", 80, "TCP")]


def test_replicas_give_that_many_pods() -> None:
    r = reach.from_objects([workload("Deployment", replicas=3)])
    assert sorted(p.name for p in r.cluster.pods) == ["w-0", "w-1", "w-2"]


def test_job_parallelism_gives_that_many_pods() -> None:
    r = reach.from_objects([workload("Job", parallelism=2)])
    assert len(r.cluster.pods) == 2


def test_pod_with_controller_is_shown_under_its_owner() -> None:
    p = pod("vpn-1", "kube-system")
    p["metadata"]["ownerReferences"] = [
        {"kind": "ReplicaSet", "name": "vpn-85", "controller": True}
    ]
    (c,) = [c for c in reach.from_objects([p]).connections() if c.dst.type == "external"]
    assert c.src.id == "kube-system/vpn-85[ReplicaSet]"


def test_owner_without_kind_is_shown_as_pod() -> None:
    p = pod("x")
    p["metadata"]["ownerReferences"] = [{"name": "owner", "controller": True}]
    assert str(reach.from_objects([p]).cluster.pods[0].owner) == "default/owner[Pod]"


def test_non_controller_owner_is_ignored() -> None:
    p = pod("x")
    p["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs", "controller": False}]
    assert str(reach.from_objects([p]).cluster.pods[0].owner) == "default/x[Pod]"


def test_static_pod_owned_by_node_stands_alone() -> None:
    p = pod("etcd-minikube", "kube-system")
    p["metadata"]["ownerReferences"] = [{"kind": "Node", "name": "minikube", "controller": True}]
    assert str(reach.from_objects([p]).cluster.pods[0].owner) == "kube-system/etcd-minikube[Pod]"


def test_workload_with_existing_pods_is_not_expanded_twice() -> None:
    p = pod("w-abc", "ns", {"app": "w"})
    p["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "w", "controller": True}]
    r = reach.from_objects([workload("Deployment", replicas=3), p])
    assert [x.name for x in r.cluster.pods] == ["w-abc"]


def test_sidecar_init_container_ports_count_plain_init_containers_do_not() -> None:
    p = pod("a")
    p["spec"]["initContainers"] = [
        {
            "name": "side",
            "restartPolicy": "Always",
            "ports": [{"name": "proxy", "containerPort": 15001}],
        },
        {"name": "init", "ports": [{"name": "setup", "containerPort": 9999}]},
    ]
    names = {c.name for c in reach.from_objects([p]).cluster.pods[0].ports}
    assert names == {"proxy"}


def test_container_port_without_number_is_skipped() -> None:
    p = pod("a")
    p["spec"]["containers"][0]["ports"] = [
        {"name": "udps", "containerport": 3535, "protocol": "UDP"}
    ]
    assert reach.from_objects([p]).cluster.pods[0].ports == ()


def test_label_values_must_be_strings_as_kubernetes_decodes_them() -> None:
    # labels are map[string]string: kubectl refuses `enabled: true` and `version: 2`.
    p = pod("a", labels={"enabled": True, "version": 2})  # type: ignore[dict-item]
    with pytest.raises(InvalidInput) as e:
        reach.from_objects([p])
    assert [x.path for x in e.value.problems] == [
        "metadata.labels.enabled",
        "metadata.labels.version",
    ]


def test_replicas_past_the_limit_are_capped_with_a_warning() -> None:
    """Issue 25 item 9: 2**31-1 replicas took 73 s and then a MemoryError."""
    from reach.input.limits import MAX_REPLICAS

    r = reach.from_objects([workload("Deployment", replicas=2**31 - 1)])
    assert len(r.cluster.pods) == MAX_REPLICAS
    assert r.cluster.pods[-1].name == f"w-{MAX_REPLICAS - 1}"
    (note,) = [d for d in r.diagnostics if d.code == "replicas-capped"]
    assert f"{2**31 - 1:,} replicas" in note.message
    assert f"{2**31 - 1 - MAX_REPLICAS:,} out of pod listings" in note.message
    assert note.severity == "warning" and not note.partial


def test_replicas_at_the_limit_give_no_warning() -> None:
    from reach.input.limits import MAX_REPLICAS

    r = reach.from_objects([workload("Deployment", replicas=MAX_REPLICAS)])
    assert len(r.cluster.pods) == MAX_REPLICAS
    assert not [d for d in r.diagnostics if d.code == "replicas-capped"]


def test_capped_replicas_keep_the_answer_between_workloads() -> None:
    """Replicas are identical for every policy: two of them reach each other as a
    million do, and the workload listing does not change."""
    other = workload("Deployment", name="db")
    few = reach.from_objects([workload("Deployment", replicas=2), other])
    many = reach.from_objects([workload("Deployment", replicas=10**6), other])

    def edges(r: reach.Reach) -> list[tuple[str, str, object]]:
        return [(c.src.id, c.dst.id, c.ports) for c in r.connections()]

    assert ("ns/w[Deployment]", "ns/db[Deployment]") in [e[:2] for e in edges(few)]
    assert edges(few) == edges(many)
