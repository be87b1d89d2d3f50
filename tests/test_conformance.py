"""Every case of ../shared/conformance (netpol and anp) must come out semantically equal."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import SHARED

import reach
from reach.formats import txt

CASES = sorted((SHARED / "conformance").glob("*/*/expected.txt"))


def _compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare", SHARED / "conformance" / "compare.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["compare"] = mod  # dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    return mod


def test_corpus_is_present() -> None:
    assert len(CASES) >= 27 + 32, f"expected the netpol and anp conformance cases under {SHARED}"


@pytest.mark.parametrize(
    "expected", CASES, ids=[f"{c.parent.parent.name}/{c.parent.name}" for c in CASES]
)
def test_case(expected: Path) -> None:
    r = reach.load([str(expected.parent / "input")])
    out = io.StringIO()
    txt.render(r.view("workload", ipv6=False), out)  # the txt grammar is IPv4-only
    diffs = _compare_module().compare(expected.read_text(), out.getvalue())
    assert not diffs, "\n".join(diffs[:30])


def test_cli_matches_a_case_end_to_end() -> None:
    case = SHARED / "conformance" / "netpol" / "onlineboutique_workloads"
    got = subprocess.run(
        [sys.executable, "-m", "reach", "list", "-f", str(case / "input"), "--format", "txt"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not _compare_module().compare((case / "expected.txt").read_text(), got.stdout)
