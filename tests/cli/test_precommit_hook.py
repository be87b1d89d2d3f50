"""The pre-commit hook (.pre-commit-hooks.yaml), run as pre-commit runs it on a fixture repo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from reach.cli.precommit import audit_args
from tests.helpers import EXAMPLES, ROOT

HOOK = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]


def repo(tmp_path: Path) -> Path:
    """A repository as users have them: manifests, CI files, the expectations."""
    shutil.copytree(EXAMPLES / "shop", tmp_path / "k8s")
    shutil.copy(EXAMPLES / "expectations" / "shop.yaml", tmp_path / "isolation.yaml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yaml").write_text("on: [push]\njobs: {}\n")
    (tmp_path / "README.md").write_text("# app\n")
    return tmp_path


def run_hook(where: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: the files its patterns pick, after the entry and args."""
    staged = sorted(str(p.relative_to(where)) for p in where.rglob("*") if p.is_file())
    picked = [
        f for f in staged if re.search(HOOK["files"], f) and not re.search(HOOK["exclude"], f)
    ]
    assert HOOK["entry"] == "reach-pre-commit"
    cmd = [sys.executable, "-c", "from reach.cli.precommit import main; main()"]
    return subprocess.run(
        [*cmd, *args, *picked],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_hook_fails_on_the_shop_findings(tmp_path: Path) -> None:
    done = run_hook(repo(tmp_path), [])
    assert done.returncode == 1, done.stderr
    assert "internet-ingress-all-ports" in done.stdout and "FAIL at --fail-on high" in done.stdout


def test_hook_with_expectations_only_passes(tmp_path: Path) -> None:
    done = run_hook(repo(tmp_path), ["--expect", "isolation.yaml", "--no-checks"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "9 of 9 hold" in done.stdout


def test_hook_fails_when_a_change_breaks_an_expectation(tmp_path: Path) -> None:
    where = repo(tmp_path)
    opened = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "debug-open-db", "namespace": "db"},
        "spec": {"podSelector": {}, "ingress": [{}]},
    }
    (where / "k8s" / "debug.yaml").write_text(yaml.safe_dump(opened))
    done = run_hook(where, ["--expect", "isolation.yaml", "--no-checks"])
    assert done.returncode == 1, done.stdout + done.stderr


def test_option_values_are_not_taken_for_files() -> None:
    assert audit_args(["--fail-on", "medium", "--expect=x.yaml", "a.yaml"]) == [
        "audit",
        "--fail-on",
        "medium",
        "--expect=x.yaml",
        "-f",
        "a.yaml",
    ]
