"""``kubectl reach``: the kubectl-reach entry point reads the current context by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reach.cli.kubectl import default_kubeconfig, plugin_args
from tests.helpers import EXAMPLES, ROOT, run
from tests.k8s_server import KubeAPIServer, shop_objects


@pytest.fixture
def server() -> Any:
    srv = KubeAPIServer(shop_objects(EXAMPLES)).start()
    yield srv
    srv.stop()


def test_a_command_without_input_reads_the_default_kubeconfig(monkeypatch: Any) -> None:
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(["/k/one", "/k/two"]))
    assert plugin_args(["path", "web", "db"]) == ["path", "web", "db", "--kubeconfig", "/k/one"]


def test_named_inputs_and_help_are_passed_through() -> None:
    for args in (
        ["list", "-f", "x.yaml"],
        ["list", "--context=prod"],
        ["path", "a", "b", "--in-cluster"],
        ["list", "--help"],
        ["--version"],
        [],
    ):
        assert plugin_args(args) == args


def test_commands_without_input_are_passed_through() -> None:
    assert plugin_args(["diff", "a.yaml", "b.yaml"]) == ["diff", "a.yaml", "b.yaml"]


def test_default_kubeconfig_without_env(monkeypatch: Any) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert default_kubeconfig() == str(Path.home() / ".kube" / "config")


def test_kubectl_reach_path_reads_the_live_cluster(server: Any, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc")
    env = {**os.environ, "KUBECONFIG": str(kc)}
    cmd = [sys.executable, "-c", "from reach.cli.kubectl import main; main()"]
    done = subprocess.run(
        [*cmd, "path", "web/frontend", "db/postgres"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    _, live, _ = run(["path", "web/frontend", "db/postgres", "--kubeconfig", str(kc)])
    assert done.returncode == 0, done.stderr
    assert done.stdout == live and "db/postgres" in live
    usage = subprocess.run([*cmd, "list", "--help"], capture_output=True, text=True, check=False)
    assert usage.stdout.startswith("Usage: kubectl reach list")
