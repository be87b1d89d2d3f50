"""Every output format of every command carries the diagnostics of the load (issue 14).

The input is the shop example plus one Antrea NetworkPolicy, which reach does not
evaluate: an ``unevaluated-kind`` diagnostic that makes every answer partial.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from tests.helpers import SHOP, run

ANTREA = """\
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: db
spec:
  appliedTo: [{podSelector: {}}]
  ingress: [{action: Drop}]
"""
CODE = "unevaluated-kind"


@pytest.fixture
def partial(tmp_path: Path) -> str:
    """The shop example with an Antrea policy: a partial answer."""
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    (root / "antrea.yaml").write_text(ANTREA)
    return str(root)


def _json_diagnostics(data: dict[str, object]) -> None:
    warnings = data["warnings"]
    diagnostics = data["diagnostics"]
    assert isinstance(warnings, list) and any("crd.antrea.io" in w for w in warnings)
    assert isinstance(diagnostics, list)
    found = [d for d in diagnostics if d["code"] == CODE]
    assert found, diagnostics
    d = found[0]
    assert set(d) == {"code", "severity", "origin", "message", "partial"}
    assert d["severity"] == "warning" and d["partial"] is True
    assert isinstance(d["origin"], str)
    assert "crd.antrea.io" in d["message"]


@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["list"],
        ["path", "web/frontend", "db/postgres"],
        ["blast-radius", "web/frontend"],
        ["exposure", "db/postgres"],
        ["explain", "web/frontend", "db/postgres"],
        ["summary"],
    ],
    ids=lambda a: a[0],
)
def test_json_of_every_command_carries_warnings_and_diagnostics(
    partial: str, argv: list[str]
) -> None:
    code, out, err = run([*argv, "-f", partial, "--format", "json"])
    assert code in (0, 1), err
    _json_diagnostics(json.loads(out))


def test_clean_input_has_empty_diagnostics_in_json() -> None:
    code, out, _ = run(["audit", "-f", SHOP, "--format", "json"])
    data = json.loads(out)
    assert data["warnings"] == [] and data["diagnostics"] == []


def test_explain_json_is_an_object_with_its_explanations(partial: str) -> None:
    _, out, _ = run(["explain", "-f", partial, "web/frontend", "db/postgres", "--format", "json"])
    data = json.loads(out)
    assert data["explanations"][0]["reason"]


@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["path", "web/frontend", "db/postgres"],
        ["blast-radius", "web/frontend"],
        ["exposure", "db/postgres"],
        ["explain", "web/frontend", "db/postgres"],
        ["summary"],
    ],
    ids=lambda a: a[0],
)
def test_txt_reports_end_with_the_diagnostics(partial: str, argv: list[str]) -> None:
    _, out, _ = run([*argv, "-f", partial])
    tail = out[out.index("\ndiagnostics") :]
    assert CODE in tail and "crd.antrea.io" in tail and "partial" in tail


def test_md_reports_have_a_diagnostics_section(partial: str) -> None:
    for argv in (["audit"], ["list"]):
        _, out, _ = run([*argv, "-f", partial, "--format", "md"])
        section = out[out.index("Diagnostics") :]
        assert CODE in section and "crd.antrea.io" in section


def test_junit_carries_them_in_system_err_and_properties(partial: str) -> None:
    _, out, _ = run(["audit", "-f", partial, "--format", "junit"])
    root = ET.fromstring(out)
    errs = " ".join(e.text or "" for e in root.iter("system-err"))
    assert CODE in errs and "crd.antrea.io" in errs
    props = [p.get("value", "") for p in root.iter("property") if p.get("name") == "diagnostic"]
    assert any(CODE in p for p in props)


def test_csv_appends_comment_lines_after_the_rows(partial: str) -> None:
    _, out, _ = run(["list", "-f", partial, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["src", "dst", "src_type", "dst_type", "ports"]
    comments = [r for r in rows if r and r[0].startswith("#")]
    assert comments and all(len(r[0]) > 1 for r in comments)
    first = rows.index(comments[0])
    assert all(r[0].startswith("#") for r in rows[first:]), "comments come after every row"
    assert CODE in out[out.index("\n#") :]


def test_clean_csv_has_no_comment_lines() -> None:
    _, out, _ = run(["list", "-f", SHOP, "--format", "csv"])
    assert "#" not in out


def test_txt_listing_appends_partial_diagnostics_as_hash_lines(partial: str) -> None:
    _, out, err = run(["list", "-f", partial])
    lines = out.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith("# ")]
    assert marks and marks == list(range(marks[0], len(lines))), "only after the connections"
    assert CODE in lines[marks[0]] and "crd.antrea.io" in lines[marks[0]]
    assert "crd.antrea.io" in err  # and on stderr, as before


def test_txt_listing_of_clean_input_has_no_hash_lines() -> None:
    _, out, _ = run(["list", "-f", SHOP])
    assert not [line for line in out.splitlines() if line.startswith("#")]


def test_diff_carries_the_diagnostics_of_each_side(partial: str) -> None:
    _, out, _ = run(["diff", SHOP, partial, "--format", "json"])
    data = json.loads(out)
    found = [d for d in data["diagnostics"] if d["code"] == CODE]
    assert len(found) == 1 and found[0]["origin"].partition(": ")[0] == "new"
    _, out, _ = run(["diff", partial, SHOP, "--format", "md"])
    assert "| old" in out[out.index("Diagnostics") :]
    _, out, _ = run(["diff", partial, SHOP])
    assert "old: " in out[out.index("\ndiagnostics") :]


def test_graph_exports_carry_them(partial: str, tmp_path: Path) -> None:
    _, out, _ = run(["export", "-f", partial, "--format", "dot"])
    assert any(CODE in line for line in out.splitlines() if line.startswith("//"))
    _, out, _ = run(["export", "-f", partial, "--format", "json"])
    _json_diagnostics(json.loads(out)["graph"])
    target = tmp_path / "g.graphml"
    run(["export", "-f", partial, "-o", str(target)])
    graph = nx.read_graphml(target)
    assert CODE in graph.graph["diagnostics"]
