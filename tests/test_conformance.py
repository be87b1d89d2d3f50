"""Every case of ../shared/conformance must come out semantically equal.

netpol and anp cases compare the connection list. ingress cases compare it too,
and separately the ``{ingress-controller}`` lines (issue 16); exposure cases
compare the output of ``list --exposure`` (issue 17). Both last families are
compared in full, ``{ingress-controller}`` lines included.
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import reach
from reach.analysis.exposure_section import exposure_section
from reach.output.formats import ListFormat
from reach.output.listing import exposure as exposed
from reach.output.listing import txt
from tests.helpers import SHARED

CASES = sorted((SHARED / "conformance").glob("*/*/expected.txt"))
#: Without the shared corpus (a fresh clone on its own) these tests skip and say why;
#: CI (.ci/run) still refuses to run without it.
pytestmark = pytest.mark.skipif(
    not (SHARED / "conformance").is_dir(),
    reason=f"no conformance corpus at {SHARED}: put ../shared beside the repository "
    "or set REACH_SHARED",
)


def _compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare", SHARED / "conformance" / "compare.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["compare"] = mod  # dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    return mod


def test_corpus_is_present() -> None:
    assert len(CASES) >= 27 + 32, f"expected the netpol and anp conformance cases under {SHARED}"


def _listing(case: Path) -> str:
    """``reach list`` in txt; for the exposure family, ``reach list --exposure``."""
    r = reach.load([str(case / "input")])
    out = io.StringIO()
    view = r.view("workload", ipv6=False)  # the txt grammar is IPv4-only
    if case.parent.name == "exposure":
        exposed.render(view, exposure_section(view), ListFormat.TXT, out)
    else:
        txt.render(view, out)
    return out.getvalue()


def _family(name: str) -> list[Path]:
    return [c for c in CASES if c.parent.parent.name == name]


def _ids(cases: list[Path]) -> list[str]:
    return [f"{c.parent.parent.name}/{c.parent.name}" for c in cases]


CONNECTIONS = _family("netpol") + _family("anp") + _family("ingress")


@pytest.mark.parametrize("expected", CONNECTIONS, ids=_ids(CONNECTIONS))
def test_case(expected: Path) -> None:
    """The connection list (``{ingress-controller}`` lines are compared below)."""
    diffs = _compare_module().compare(expected.read_text(), _listing(expected.parent))
    assert not diffs, "\n".join(diffs[:30])


FULL = _family("ingress") + _family("exposure")


@pytest.mark.parametrize("expected", FULL, ids=_ids(FULL))
def test_case_full(expected: Path) -> None:
    """The whole expected output, ``{ingress-controller}`` lines and exposure section included."""
    cmp = _compare_module()
    diffs = cmp.compare(
        expected.read_text(), _listing(expected.parent), ignore_ingress_controller=False
    )
    assert not diffs, "\n".join(diffs[:30])


EXPOSURE = _family("exposure")


def test_exposure_family_is_complete() -> None:
    assert len(EXPOSURE) == 50, f"expected the 50 exposure cases under {SHARED}"


def test_cli_exposure_matches_a_case_end_to_end() -> None:
    case = SHARED / "conformance" / "exposure" / "exposure_test_with_anp_15"
    got = subprocess.run(
        [sys.executable, "-m", "reach", "list", "-f", str(case / "input"), "--exposure"],
        capture_output=True,
        text=True,
        check=True,
    )
    cmp = _compare_module()
    assert not cmp.compare((case / "expected.txt").read_text(), got.stdout)
    assert "Exposure Analysis Result:" in got.stdout


def test_cli_matches_a_case_end_to_end() -> None:
    case = SHARED / "conformance" / "netpol" / "onlineboutique_workloads"
    got = subprocess.run(
        [sys.executable, "-m", "reach", "list", "-f", str(case / "input"), "--format", "txt"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not _compare_module().compare((case / "expected.txt").read_text(), got.stdout)
