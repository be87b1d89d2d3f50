"""examples/in-cluster: the RBAC grants list and watch on exactly the resources reach reads
(reach/input/live/resources.py), nothing more; the Deployment runs ``reach watch`` with
the service account bound to it, and the manifests load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import reach
from reach.audit.expect import parse_expectations
from reach.input.live.resources import CORE_RESOURCES, FLAGGED_KINDS, OPTIONAL_RESOURCES
from tests.helpers import EXAMPLES

HERE = EXAMPLES / "in-cluster"


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((HERE / name).read_text()) if d]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for f in ("rbac.yaml", "deployment.yaml") for d in documents(f) if d["kind"] == kind]


def test_the_role_grants_list_and_watch_on_exactly_what_reach_reads() -> None:
    (role,) = of_kind("ClusterRole")
    granted: set[tuple[str, str]] = set()
    for rule in role["rules"]:
        if "nonResourceURLs" in rule:
            assert rule["verbs"] == ["get"]
            assert set(rule["nonResourceURLs"]) <= {"/version", "/version/*", "/apis", "/apis/*"}
            continue
        assert sorted(rule["verbs"]) == ["list", "watch"], rule
        granted |= {(g, r) for g in rule["apiGroups"] for r in rule["resources"]}
    read = {(r.group, r.plural) for r in CORE_RESOURCES + OPTIONAL_RESOURCES}
    read |= {(group, plural) for group, plural, _ in FLAGGED_KINDS}
    assert granted == read


def test_the_deployment_runs_watch_as_the_bound_service_account() -> None:
    (binding,) = of_kind("ClusterRoleBinding")
    (role,) = of_kind("ClusterRole")
    (account,) = of_kind("ServiceAccount")
    (deployment,) = of_kind("Deployment")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    subject = binding["subjects"][0]
    assert (subject["name"], subject["namespace"]) == (
        account["metadata"]["name"],
        account["metadata"]["namespace"],
    )
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert deployment["metadata"]["namespace"] == account["metadata"]["namespace"]
    (container,) = pod["containers"]
    args = container["args"]
    assert args[:2] == ["watch", "--in-cluster"]
    port = int(args[args.index("--metrics-port") + 1])
    assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container["ports"]


def test_the_expectations_in_the_config_map_are_valid() -> None:
    (config,) = of_kind("ConfigMap")
    parse_expectations(yaml.safe_load(config["data"]["isolation.yaml"]), "isolation.yaml")


def test_the_manifests_load_and_only_monitoring_scrapes_reach() -> None:
    r = reach.load([str(HERE / "rbac.yaml"), str(HERE / "deployment.yaml")])
    assert not [d for d in r.diagnostics if d.partial]
    assert r.cluster.policies and r.cluster.pods
    found = r.connections()
    assert not [c for c in found if c.dst.id == "reach/reach[Deployment]"]  # no monitoring here
    out = [c for c in found if c.src.id == "reach/reach[Deployment]"]
    assert out and {str(c.ports) for c in out} == {"TCP 443,6443"}


def test_the_dockerfile_installs_the_watch_extra(tmp_path: Path) -> None:
    text = (HERE / "Dockerfile").read_text()
    assert "'.[watch]'" in text and 'ENTRYPOINT ["reach"]' in text
