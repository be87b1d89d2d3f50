"""Hostile and broken input (issue 25): exit 2 naming ``file#doc field.path``, never a
traceback, a hang or a silently partial answer. Each test holds the reproducer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import pytest

from tests.helpers import SHOP, run

DEPLOYMENT_WITH = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d"},
    "spec": {"template": {"metadata": {"labels": {"app": "d"}}, "spec": {}}},
}


def pod(**fields: object) -> dict[str, object]:
    """A Pod named ``p`` with ``fields`` (``metadata`` merged into its name)."""
    meta = {"name": "p", **fields.pop("metadata", {})}  # type: ignore[dict-item]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, **fields}


def deployment(pod_spec: object) -> dict[str, object]:
    out = json.loads(json.dumps(DEPLOYMENT_WITH))
    out["spec"]["template"]["spec"] = pod_spec
    return out


def reach_on(tmp_path: Path, doc: object, *command: str) -> tuple[Path, int, str, str]:
    """``reach COMMAND -f F`` where F is a JSON file holding ``doc``."""
    f = tmp_path / "in.json"
    f.write_text(json.dumps(doc))
    return (f, *run([*(command or ["list"]), "-f", str(f)]))


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (pod(spec={"containers": [{"name": "c", "ports": 5}]}), "spec.containers[0].ports"),
        (pod(spec={"containers": 5}), "spec.containers"),
        (deployment({"containers": 5}), "spec.template.spec.containers"),
        (pod(spec={"initContainers": 7}), "spec.initContainers"),
        (pod(status={"podIPs": 5}), "status.podIPs"),
        (pod(metadata={"ownerReferences": 5}), "metadata.ownerReferences"),
        (pod(spec={"containers": [5]}), "spec.containers[0]"),
        (pod(spec={"containers": [{"name": "c", "ports": [5]}]}), "spec.containers[0].ports[0]"),
    ],
)
def test_wrong_types_in_pods_are_field_errors(tmp_path: Path, doc: object, field: str) -> None:
    f, code, out, err = reach_on(tmp_path, doc)
    assert code == 2, (out, err)
    assert f"{f}#1 {field}: must be a" in err


def test_admin_policy_action_given_as_a_list_is_a_field_error(tmp_path: Path) -> None:
    anp = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "a"},
        "spec": {
            "priority": 1,
            "subject": {"namespaces": {}},
            "ingress": [{"action": ["Allow"], "from": [{"namespaces": {}}]}],
        },
    }
    f, code, _, err = reach_on(tmp_path, anp)
    assert code == 2
    assert f"{f}#1 spec.ingress[0].action: a list is not one of" in err


def test_output_file_is_written_whole_or_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "conns.txt"
    out.write_text("the previous answer\n")

    def broken(view: object, fmt: object, stream: TextIO) -> None:
        stream.write("half an answer")
        raise RuntimeError("failed while writing")

    monkeypatch.setattr("reach.cli.listing.render", broken)
    with pytest.raises(RuntimeError):
        run(["list", "-f", SHOP, "-o", str(out)])
    assert out.read_text() == "the previous answer\n"
    assert [p.name for p in tmp_path.iterdir()] == ["conns.txt"]


def test_output_file_replaced_when_the_command_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "conns.txt"
    out.write_text("the previous answer\n")
    out.chmod(0o640)
    code, _, _ = run(["list", "-f", SHOP, "-o", str(out)])
    assert code == 0
    assert "=>" in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["conns.txt"]


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (pod(spec={"hostNetwork": "false"}), "spec.hostNetwork: must be true or false"),
        (deployment({"hostNetwork": "true"}), "spec.template.spec.hostNetwork: must be true"),
    ],
)
def test_host_network_given_as_a_string_is_a_field_error(
    tmp_path: Path, doc: object, field: str
) -> None:
    f, code, _, err = reach_on(tmp_path, doc)
    assert code == 2
    assert f"{f}#1 {field}" in err


@pytest.mark.parametrize("types", [False, 0, {}, "Ingress"])
def test_policy_types_that_are_not_a_list_are_a_field_error(tmp_path: Path, types: object) -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"podSelector": {}, "policyTypes": types},
    }
    f, code, _, err = reach_on(tmp_path, policy)
    assert code == 2
    assert f"{f}#1 spec.policyTypes: must be a list of Ingress and/or Egress, not" in err


def test_an_empty_file_among_others_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    folder = tmp_path / "nothing"
    folder.mkdir()
    code, out, err = run(["list", "-f", SHOP, "-f", str(empty), "-f", str(folder)])
    assert code == 0 and "=>" in out
    for where in (empty, folder):
        assert f"reach: warning: {where}: no Kubernetes object found" in err


@pytest.mark.parametrize("where", ["file", "directory", "stdin"])
def test_an_empty_input_says_the_answer_covers_nothing(tmp_path: Path, where: str) -> None:
    path = tmp_path / "empty.json"
    if where == "file":
        path.write_text("")
    elif where == "directory":
        path = tmp_path / "empty"
        path.mkdir()
    given = "-" if where == "stdin" else str(path)
    code, out, err = run(["list", "-f", given], stdin=b"")
    assert code == 0
    assert out.startswith("# [warning] empty-input: no Kubernetes objects found in ")
    code, _, err = run(["list", "--strict", "-f", given], stdin=b"")
    assert code == 2 and "the answer covers nothing" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["path", "web/frontend", "db/postgres", "--port", "x" * 100_000],
        ["path", "web/frontend", "db/postgres", "--port", "1" * 100_000 + "/TCP"],
        ["blast-radius", "cidr:" + "1" * 100_000],
        ["blast-radius", "cidr:10.0.0.0/" + "9" * 100_000],
        ["exposure", "x" * 100_000],
        ["path", "app=" + "x" * 100_000, "db/postgres"],
    ],
    ids=["port-filter", "port-number", "cidr", "cidr-prefix", "node", "selector"],
)
def test_a_huge_argument_is_shown_as_an_excerpt(argv: list[str]) -> None:
    """A wrong command-line value is shown as at most 80 characters and its length, as a
    wrong value in a file is: never echoed whole."""
    code, out, err = run([*argv, "-f", SHOP])
    assert code == 2 and not out
    assert "characters)" in err
    assert len(err) < 1_000, err[:300]
