"""A fresh clone without ../shared: the tests that need the shared corpus skip, saying why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def test_conformance_tests_skip_without_the_shared_corpus(tmp_path: Path) -> None:
    env = {**os.environ, "REACH_SHARED": str(tmp_path / "missing")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/test_conformance.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "no conformance corpus at" in done.stdout
    assert " passed" not in done.stdout.splitlines()[-1]
