"""Validation as the API server does it (issue 14, item 8): one test per rule, and every
problem of a document reported at once."""

from __future__ import annotations

from typing import Any

import pytest

import reach
from reach.errors import InvalidInput, Problem
from tests.builders import namespace, netpol, pod, sel


def problems(*objs: dict[str, Any]) -> list[Problem]:
    with pytest.raises(InvalidInput) as e:
        reach.from_objects(list(objs))
    return e.value.problems


def paths(*objs: dict[str, Any]) -> list[str]:
    return [p.path for p in problems(*objs)]


def deployment(name: str = "web", **labels: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web", **labels}}, "spec": {}},
        },
    }


@pytest.mark.parametrize("name", ["Web", "web_1", "-web", "web.", "a" * 254])
def test_object_name_must_be_a_dns_subdomain(name: str) -> None:
    (p,) = problems(pod(name))
    assert p.path == "metadata.name" and "DNS subdomain" in p.message


def test_object_name_may_have_dots_as_a_dns_subdomain() -> None:
    r = reach.from_objects([pod("web.v1"), netpol("allow.web")])
    assert [p.name for p in r.cluster.pods] == ["web.v1"]


@pytest.mark.parametrize("name", ["Shop", "shop.v1", "a" * 64])
def test_namespace_name_must_be_a_dns_label(name: str) -> None:
    (p,) = problems(namespace(name))
    assert p.path == "metadata.name" and "DNS label" in p.message


def test_metadata_namespace_must_be_a_dns_label() -> None:
    (p,) = problems(pod("web", "Shop_1"))
    assert p.path == "metadata.namespace" and "DNS label" in p.message


def test_cronjob_name_is_at_most_52_characters() -> None:
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c" * 53},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {}}}}},
    }
    (p,) = problems(cron)
    assert p.path == "metadata.name" and "52" in p.message


@pytest.mark.parametrize("key", ["a/b/c", "Example.com/app", "/app", "ex_ample.com/app"])
def test_label_key_prefix_must_be_one_dns_subdomain(key: str) -> None:
    (p,) = problems(pod("web", labels={key: "x"}))
    assert p.path == f"metadata.labels.{key}" and "label key" in p.message


@pytest.mark.parametrize("key", ["a" * 64, "example.com/" + "a" * 64])
def test_label_key_name_part_is_at_most_63_characters(key: str) -> None:
    (p,) = problems(pod("web", labels={key: "x"}))
    assert "63" in p.message


@pytest.mark.parametrize("key", ["-app", "app-", "a b", "app!", ""])
def test_label_key_name_part_uses_alphanumerics_dash_underscore_dot(key: str) -> None:
    (p,) = problems(pod("web", labels={key: "x"}))
    assert p.path.startswith("metadata.labels") and "label key" in p.message


def test_valid_label_keys_are_accepted() -> None:
    labels = {"app": "x", "A_b.c-D": "y", "example.com/Name_1": "z", "k8s.io/x": ""}
    (p,) = reach.from_objects([pod("web", labels=labels)]).cluster.pods
    assert p.label_map == labels


@pytest.mark.parametrize("value", ["Abc-_.", "-abc", "a b", "a" * 64])
def test_label_value_must_be_63_alphanumerics_dash_underscore_dot(value: str) -> None:
    (p,) = problems(pod("web", labels={"app": value}))
    assert p.path == "metadata.labels.app" and "label value" in p.message


@pytest.mark.parametrize("value", [5, 1.5, True])
def test_label_value_must_be_a_string(value: Any) -> None:
    (p,) = problems(pod("web", labels={"app": value}))
    assert p.path == "metadata.labels.app" and "string" in p.message and "quote" in p.message


def test_template_labels_are_validated() -> None:
    (p,) = problems(deployment(version=2))
    assert p.path == "spec.template.metadata.labels.version"


def test_selector_match_labels_are_validated() -> None:
    (p,) = problems(netpol("x", selector=sel(**{"app": "Abc-"})))
    assert p.path == "spec.podSelector.matchLabels.app"


def test_selector_expression_key_and_values_are_validated() -> None:
    expr = {"key": "a/b/c", "operator": "In", "values": ["ok", 5]}
    found = paths(netpol("x", selector={"matchExpressions": [expr]}))
    assert found == [
        "spec.podSelector.matchExpressions[0].key",
        "spec.podSelector.matchExpressions[0].values[1]",
    ]


def test_unknown_metadata_field_is_an_error() -> None:
    bad = netpol("x")
    bad["metadata"]["lables"] = {"app": "x"}
    (p,) = problems(bad)
    assert p.path == "metadata.lables" and "unknown field" in p.message


def test_known_metadata_fields_are_accepted() -> None:
    p = pod("web")
    p["metadata"].update(
        uid="1",
        resourceVersion="2",
        generation=3,
        creationTimestamp=None,
        annotations={"a": "b"},
        finalizers=["x"],
        managedFields=[],
        selfLink="/x",
    )
    assert len(reach.from_objects([p]).cluster.pods) == 1


def test_annotation_values_must_be_strings() -> None:
    p = pod("web")
    p["metadata"]["annotations"] = {"replicas": 3}
    (found,) = problems(p)
    assert found.path == "metadata.annotations.replicas"


def test_every_problem_of_one_document_is_reported_at_once() -> None:
    bad = netpol("Bad_Name", "Ns!", selector=sel(app="x y"))
    bad["metadata"]["labels"] = {"a/b/c": "1"}
    bad["spec"]["ingress"] = [
        {"ports": [{"port": 0}]},
        {"from": [{}], "ports": [{"protocol": "ICMP"}]},
    ]
    bad["spec"]["egress"] = [{"to": [{"ipBlock": {"cidr": "nope"}}]}]
    bad["spec"]["policyTypes"] = ["Ingress", "Sideways"]
    assert sorted(paths(bad)) == sorted(
        [
            "metadata.name",
            "metadata.namespace",
            "metadata.labels.a/b/c",
            "spec.podSelector.matchLabels.app",
            "spec.ingress[0].ports[0].port",
            "spec.ingress[1].from[0]",
            "spec.ingress[1].ports[0].protocol",
            "spec.egress[0].to[0].ipBlock.cidr",
            "spec.policyTypes[1]",
        ]
    )


def test_every_problem_of_an_admin_policy_is_reported_at_once() -> None:
    anp = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "Bad_Name"},
        "spec": {
            "priority": 5000,
            "subject": {"namespaces": {}},
            "ingress": [{"action": "Nope", "from": [{"namespaces": {}}]}],
        },
    }
    assert sorted(paths(anp)) == ["metadata.name", "spec.ingress[0].action", "spec.priority"]


def test_job_with_generate_name_and_no_name_is_accepted() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "migrate-", "namespace": "shop"},
        "spec": {"template": {"metadata": {"labels": {"app": "m"}}, "spec": {}}},
    }
    (p,) = reach.from_objects([job]).cluster.pods
    assert p.name.startswith("migrate-") and len(p.name) == len("migrate-") + 5


def test_generated_names_are_stable_and_differ_between_objects() -> None:
    def names() -> list[str]:
        pods = [pod("ignored"), pod("ignored")]
        for p in pods:
            del p["metadata"]["name"]
            p["metadata"]["generateName"] = "run-"
        return [p.name for p in reach.from_objects(pods).cluster.pods]

    first = names()
    assert first == names()
    assert len(set(first)) == 2


def test_name_or_generate_name_is_required() -> None:
    p = pod("web")
    del p["metadata"]["name"]
    (found,) = problems(p)
    assert found.path == "metadata.name" and "generateName" in found.message
