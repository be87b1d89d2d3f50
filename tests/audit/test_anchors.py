"""Anchors: where the audit says each finding's cause is written (reach.audit.anchors)."""

from __future__ import annotations

from pathlib import Path

import yaml

import reach
from reach.audit.anchors import anchor_findings
from reach.audit.report import AuditReport, Finding
from tests.helpers import EXAMPLES

SHOP = EXAMPLES / "shop"


def _line_text(anchor_position: object) -> str:
    assert anchor_position is not None
    file, line = str(anchor_position).split(":")[:2]
    return Path(file).read_text().split("\n")[int(line) - 1]


def test_a_broken_deny_points_at_the_rules_that_allow_the_pair() -> None:
    r = reach.load(str(SHOP))
    exp = {"expect": "deny", "from": {"workload": "app/orders"}, "to": {"workload": "db/postgres"}}
    exp["ports"] = ["5432/TCP"]
    (f,) = r.audit(expect={"expectations": [exp]}, checks=False).findings
    rules = [a for a in f.anchors if a.path]
    assert [a.path for a in rules] == ["spec.egress[0]", "spec.ingress[0]"]
    for a in rules:
        assert _line_text(a.position()).lstrip().startswith(("- to:", "- from:"))
    docs = {a.origin: a.obj for a in rules}
    assert {(o.namespace, o.name) for o in docs.values() if o} == {
        ("app", "backend"),
        ("db", "postgres-ingress"),
    }


def test_a_namespace_selector_typo_is_narrowed_to_its_label(tmp_path: Path) -> None:
    text = (SHOP / "policies.yaml").read_text()
    typo = text.replace(
        "namespaceSelector: {matchLabels: {purpose: monitoring}}",
        "namespaceSelector: {matchLabels: {purpose: monitorng}}",
        1,
    )
    assert typo != text
    for name in ("namespaces.yaml", "workloads.yaml"):
        (tmp_path / name).write_text((SHOP / name).read_text())
    (tmp_path / "policies.yaml").write_text(typo)
    report = reach.load(str(tmp_path)).audit()
    (f,) = [f for f in report.findings if f.check == "peer-matches-nothing"]
    assert f.anchors[0].path.endswith("namespaceSelector.matchLabels.purpose")
    assert "purpose: monitorng" in _line_text(f.anchors[0].position())


def test_a_match_expressions_typo_is_narrowed_to_its_item(tmp_path: Path) -> None:
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "a", "labels": {"app": "web", "tier": "x"}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "n", "namespace": "a"},
            "spec": {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {
                                    "matchLabels": {"app": "web"},
                                    "matchExpressions": [
                                        {"key": "tier", "operator": "Exists"},
                                        {"key": "tier", "operator": "In", "values": ["y"]},
                                    ],
                                }
                            }
                        ]
                    }
                ],
            },
        },
    ]
    file = tmp_path / "x.yaml"
    file.write_text(yaml.safe_dump_all(objects))
    report = reach.load(str(file)).audit()
    (f,) = [f for f in report.findings if f.check in ("peer-matches-nothing", "outside-the-input")]
    assert f.anchors[0].path == "spec.ingress[0].from[0].podSelector.matchExpressions[1]"


def test_a_finding_that_names_its_origin_is_anchored_there_whatever_its_check() -> None:
    """A check of any family (Calico, ...) is located once its finding names origin and field."""
    r = reach.load(str(SHOP))
    [pol] = [p for p in r.analysis.cluster.policies if p.name == "api-gateway"]
    finding = Finding(
        "some-new-check",
        "low",
        "title",
        "Tier platform",  # a subject the index does not know
        "message",
        details={"origin": pol.origin, "field": "spec.egress[1].to[0].namespaceSelector"},
    )
    report = AuditReport(findings=[finding])
    anchor_findings(report, r.analysis)
    (a,) = finding.anchors
    assert (a.origin, a.path) == (pol.origin, "spec.egress[1].to[0].namespaceSelector")
    assert "namespaceSelector" in _line_text(a.position())


def test_findings_about_workloads_of_a_list_are_anchored_at_their_item(tmp_path: Path) -> None:
    objects = list(yaml.safe_load_all((SHOP / "workloads.yaml").read_text()))
    listed = {"apiVersion": "v1", "kind": "List", "items": [o for o in objects if o]}
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(listed))
    (tmp_path / "n.yaml").write_text((SHOP / "namespaces.yaml").read_text())
    report = reach.load(str(tmp_path)).audit()
    (f,) = [
        f
        for f in report.findings
        if f.check == "internet-ingress-all-ports" and "coredns" in f.subject
    ][:1]
    found = f.anchors[0].position()
    assert found is not None and found.file.endswith("w.yaml")
    lines = (tmp_path / "w.yaml").read_text().split("\n")
    item = lines[found.line - 1 : found.line + 12]
    assert any("name: coredns" in t for t in item), item
