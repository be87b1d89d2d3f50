"""The CLI's live options and ``reach snapshot``, against the local API test server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLES, run
from tests.k8s_server import KubeAPIServer, shop_objects


@pytest.fixture
def server() -> Any:
    srv = KubeAPIServer(shop_objects(EXAMPLES)).start()
    yield srv
    srv.stop()


def test_list_from_a_live_context_equals_the_files(server: Any, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc")
    code, live, err = run(["list", "--kubeconfig", str(kc)])
    assert code == 0, err
    _, files, _ = run(["list", "-f", str(EXAMPLES / "shop")])
    assert live == files and live.count("\n") > 20


def test_snapshot_then_offline_list_gives_the_live_result(server: Any, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc")
    snap = tmp_path / "cluster.yaml"
    code, _, err = run(["snapshot", "--kubeconfig", str(kc), "-o", str(snap)])
    assert code == 0, err
    assert snap.read_text().startswith("#") and "wrote" in err
    _, live, _ = run(["list", "--kubeconfig", str(kc), "--by", "pod"])
    _, offline, _ = run(["list", "-f", str(snap), "--by", "pod"])
    assert live == offline and live


def test_live_failure_is_exit_2_with_the_cause(server: Any, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc")
    server.forbidden.add("networkpolicies")
    code, out, err = run(["path", "--kubeconfig", str(kc), "web/frontend", "db/postgres"])
    assert code == 2 and out == ""
    assert "cannot list networkpolicies at cluster scope (403)" in err
    assert "Traceback" not in err


def test_files_and_live_together_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(["list", "-f", str(EXAMPLES / "shop"), "--context", "x"])
    assert code == 2 and "either -f files or a live cluster" in err


def test_snapshot_needs_a_live_cluster() -> None:
    code, _, err = run(["snapshot", "-f", str(EXAMPLES / "shop")])
    assert code == 2 and "snapshot reads a live cluster" in err
