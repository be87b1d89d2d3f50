"""The Cilium documentation's own example policies, each with the connections it allows.

Each directory of ``tests/cilium_docs/`` is one example of the Cilium policy pages
(``../shared/specs/cilium/docs/security/policy/*.rst``, the policies copied verbatim
from ``examples/policies/``), with the pods and namespaces the page talks about, and:

- ``expected.txt``: the connections derived by hand from the page's text, in the
  grammar of ``reach list --by workload`` (IPv4, as txt prints); ``#`` lines cite the
  sentence each answer comes from and are not compared;
- ``case.yaml``::

      about: the page, its section and what the case checks
      warnings: [text, ...]   # each must appear (case-insensitive) in a diagnostic of
                              # the input, any severity (code or message); ``a|b``: either
      unsure: why             # optional: what of the expected answer the docs leave open
      disagreement: what      # optional: reach answers otherwise and the case holds to its
                              # reading of the docs; the case is a strict xfail until fixed

The connection lines are compared semantically (``../shared/conformance/compare.py``:
insensitive to line order and to how ranges are split), lines of ``{ingress-controller}``
excepted; the lines of pseudo nodes (``kube-apiserver[Entity]``, ``x[FQDN]``) are compared
like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from tests.helpers import EXAMPLES, run
from tests.test_conformance import _compare_module

HERE = Path(__file__).parent / "cilium_docs"
CASES = sorted(p.parent for p in HERE.glob("*/case.yaml"))


def _spec(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "case.yaml").read_text())
    assert isinstance(data, dict) and data.get("about"), f"{case}/case.yaml needs an 'about'"
    return data


def _connections(text: str) -> str:
    """The connection lines of a listing: no comments, no diagnostics, no
    ``{ingress-controller}``."""
    keep = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        ends = line.split(" : ", 1)[0].split(" => ")
        if any(end.strip().startswith("{") for end in ends):
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"


def _diagnostics(path: Path) -> list[str]:
    """Every diagnostic of reading ``path`` (info ones too: txt prints only warnings)."""
    return [f"{d.code}: {d.message}" for d in reach.load([str(path)]).diagnostics]


def _param(case: Path) -> Any:
    why = _spec(case).get("disagreement")
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Path) -> None:
    spec = _spec(case)
    code, out, err = run(["list", "-f", str(case / "input"), "--by", "workload"])
    assert code == 0, err
    diffs = _compare_module().compare(
        _connections((case / "expected.txt").read_text()), _connections(out)
    )
    assert not diffs, "\n".join(diffs[:30]) + "\n--- reach list:\n" + out
    notes = _diagnostics(case / "input")
    for wanted in spec.get("warnings", []):
        options = [w.lower() for w in wanted.split("|")]
        assert any(w in n.lower() for n in notes for w in options), (wanted, notes)
    assert not [n for n in notes if "unevaluated-kind" in n], notes


def test_cilium_example_allows_what_the_shop_allows() -> None:
    """examples/cilium: the shop's connections, but payments' REST API by name (toFQDNs)."""
    example = EXAMPLES / "cilium"
    code, out, err = run(["list", "-f", str(example), "--by", "workload"])
    assert code == 0, err
    diffs = _compare_module().compare(
        _connections((example / "expected.txt").read_text()), _connections(out)
    )
    assert not diffs, "\n".join(diffs[:30])
    notes = "\n".join(_diagnostics(example)).lower()
    assert "api.payment-provider.example" in notes and "dns" in notes, notes
    assert "unevaluated-kind" not in notes, notes


def test_every_case_cites_its_source() -> None:
    assert len(CASES) >= 20, "expected 20+ documentation cases"
    for case in CASES:
        _spec(case)
        lines = (case / "expected.txt").read_text().splitlines()
        assert any(line.startswith("#") for line in lines), f"{case.name}: cite the page"
        assert sorted((case / "input").glob("*.yaml")), f"{case.name}: no input"


def test_connections_drop_comments_and_the_ingress_controller() -> None:
    text = (
        "# a comment\n"
        "{ingress-controller} => a/b[Pod] : All Connections\n"
        "a/b[Pod] => a/c[Pod] : TCP 80\n"
        "# [warning] code: origin: message\n"
    )
    assert _connections(text) == "a/b[Pod] => a/c[Pod] : TCP 80\n"
