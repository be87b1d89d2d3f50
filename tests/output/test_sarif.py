"""SARIF 2.1.0 of the audit and of the diff: valid against the schema, located at the cause.

The schema is the SARIF 2.1.0 (rtm.5) JSON schema, vendored in this directory as
``sarif-schema-2.1.0.json`` (copied from the npm package @microsoft/jest-sarif 1.0.0-beta.0,
lib/schemas/sarif-2.1.0-rtm.5.json, MIT), and checked with jsonschema (draft 4).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import run

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
TYPO_FILE = "examples/shop-typo/policies.yaml"
EXPECT = "examples/expectations/shop.yaml"


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # URIs are relative to the current directory


def _sarif(argv: list[str], code: int = 1) -> dict[str, Any]:
    got, out, err = run(argv)
    assert got == code, err
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def _typo() -> tuple[int, int]:
    """Line and column of the typo (``app: order`` where ``app: orders`` is meant)."""
    lines = (ROOT / TYPO_FILE).read_text().split("\n")
    found = [
        (n, m.start() + 1) for n, t in enumerate(lines, 1) if (m := re.search(r"app: order\b", t))
    ]
    assert len(found) == 1
    return found[0]


def _region(location: dict[str, Any]) -> tuple[str, int, int]:
    physical = location["physicalLocation"]
    region = physical["region"]
    return physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"]


def test_the_schema_refuses_what_is_not_sarif() -> None:
    """The vendored schema is a real check: a result without a message is refused."""
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(bad)


def test_audit_sarif_validates_and_points_at_the_typo() -> None:
    log = _sarif(["audit", "-f", "examples/shop-typo", "--expect", EXPECT, "--format", "sarif"])
    results = log["runs"][0]["results"]
    caused = [
        r
        for r in results
        if r["ruleId"] in ("peer-matches-nothing", "expectation/orders-can-use-postgres")
    ]
    assert len(caused) == 2
    line, column = _typo()
    for r in caused:
        assert _region(r["locations"][0]) == (TYPO_FILE, line, column)


def test_audit_sarif_without_expectations_points_at_the_typo() -> None:
    log = _sarif(["audit", "-f", "examples/shop-typo", "--format", "sarif"])
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "peer-matches-nothing"]
    assert [_region(r["locations"][0]) for r in results] == [(TYPO_FILE, *_typo())]


def test_audit_sarif_rules_results_and_levels_follow_the_report() -> None:
    argv = ["audit", "-f", "examples/shop-typo", "--expect", EXPECT]
    report = json.loads(run([*argv, "--format", "json"])[1])
    log = _sarif([*argv, "--format", "sarif"])
    run0 = log["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids[: len(report["checks"])] == [c["id"] for c in report["checks"]]
    assert len(ids) == len(report["checks"]) + len(report["expectations"])
    levels = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
    for rule, check in zip(rules, report["checks"], strict=False):
        assert rule["defaultConfiguration"]["level"] == levels[check["severity"]]
        assert check["rationale"] in rule["help"]["text"]
    results = run0["results"]
    notes = [
        n for n in run0["invocations"][0]["toolExecutionNotifications"] if "associatedRule" in n
    ]
    placed = [f for f in report["findings"] if f["check"] != "cross-namespace-summary"]
    assert [n["associatedRule"]["id"] for n in notes] == ["cross-namespace-summary"]
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] > 0 for r in results)
    for result, finding in zip(results, placed, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == levels[finding["severity"]]
        assert finding["message"] in result["message"]["text"]
        assert ("suppressions" in result) == ("suppressed" in finding)
    assert run0["properties"]["failed"] is report["failed"]


def test_audit_sarif_locates_findings_about_workloads_and_namespaces() -> None:
    log = _sarif(["audit", "-f", "examples/shop-typo", "--format", "sarif"])
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for r in log["runs"][0]["results"]:
        by_rule.setdefault(r["ruleId"], []).append(r)
    text = (ROOT / "examples/shop-typo/workloads.yaml").read_text().split("\n")
    for r in by_rule["internet-ingress-all-ports"]:
        uri, line, _ = _region(r["locations"][0])
        assert uri == "examples/shop-typo/workloads.yaml"
        name = r["properties"]["subject"].split("/")[1].split("[")[0]
        document = text[line - 1 : line + 6]  # the workload's document starts there
        assert any(f"name: {name}" in t for t in document), (name, document)
    namespaces = (ROOT / "examples/shop-typo/namespaces.yaml").read_text().split("\n")
    for r in by_rule["namespace-default-deny-ingress"]:
        uri, line, _ = _region(r["locations"][0])
        assert uri == "examples/shop-typo/namespaces.yaml"
        assert any(
            f"name: {r['properties']['subject']}" in t for t in namespaces[line - 1 : line + 4]
        )


def test_diff_sarif_points_at_the_changed_policy_field() -> None:
    log = _sarif(["diff", "examples/shop", "examples/shop-typo", "--format", "sarif"], code=0)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["policy-changed"]
    assert results[0]["properties"]["policy"] == "db/postgres-ingress"
    assert _region(results[0]["locations"][0]) == (TYPO_FILE, *_typo())
    assert "app/orders[Deployment] => db/postgres" in results[0]["message"]["text"]


def test_diff_sarif_locates_added_and_removed_policies(tmp_path: Path) -> None:
    policy = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {{name: {name}, namespace: a}}\nspec: {{podSelector: {{}}}}\n"
    )
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n---\n"
    (tmp_path / "old.yaml").write_text(pod + policy.format(name="gone"))
    (tmp_path / "new.yaml").write_text(pod + "# a comment\n" + policy.format(name="came"))
    log = _sarif(
        ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--format", "sarif"], 0
    )
    got = {r["ruleId"]: _region(r["locations"][0]) for r in log["runs"][0]["results"]}
    assert got == {
        "policy-added": ((tmp_path / "new.yaml").as_uri(), 6, 1),
        "policy-removed": ((tmp_path / "old.yaml").as_uri(), 5, 1),
    }


def test_sarif_of_a_list_from_stdin_locates_the_item() -> None:
    docs = list(yaml.safe_load_all((ROOT / TYPO_FILE).read_text()))
    listed = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [d for d in docs if d]})
    workloads = (ROOT / "examples/shop-typo/workloads.yaml").read_bytes()
    namespaces = (ROOT / "examples/shop-typo/namespaces.yaml").read_bytes()
    stdin = namespaces + b"\n---\n" + workloads + b"\n---\n" + listed.encode()
    got, out, err = run(["audit", "-f", "-", "--format", "sarif"], stdin=stdin)
    assert got == 1, err
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    [typo] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "peer-matches-nothing"]
    uri, line, column = _region(typo["locations"][0])
    lines = stdin.decode().split("\n")
    assert uri == "%3Cstdin%3E"
    assert lines[line - 1][column - 1 :] == "app: order"
    assert line > len((namespaces + workloads).decode().split("\n"))  # in the List


def test_sarif_names_the_diagnostics_of_the_load(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n---\n"
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: z, namespace: a}\n"
    )
    log = _sarif(["audit", "-f", str(tmp_path / "x.yaml"), "--format", "sarif"])
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(
        n["descriptor"]["id"] == "unevaluated-kind" and n["properties"]["partial"] for n in notes
    )


def test_an_object_of_a_live_cluster_has_a_logical_location_only() -> None:
    from reach.input.positions import Anchor
    from reach.output.sarif import location

    live = location(Anchor("live:prod/networkpolicies#3", "spec.ingress[0]"))
    assert live == {
        "logicalLocations": [
            {"fullyQualifiedName": "live:prod/networkpolicies#3 spec.ingress[0]", "kind": "object"}
        ]
    }
    placed = location(Anchor(f"{TYPO_FILE}#14", "spec"))
    assert placed["physicalLocation"]["artifactLocation"]["uri"] == TYPO_FILE
