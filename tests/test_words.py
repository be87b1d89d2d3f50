"""Counted nouns agree with their number (issue 14: "1 policies", "1 namespaces")."""

from __future__ import annotations

import reach
from reach.words import count, plural
from tests.helpers import run


def test_plural_of_the_nouns_messages_count() -> None:
    assert [plural(1, n) for n in ("policy", "pod", "class")] == ["policy", "pod", "class"]
    assert [plural(2, n) for n in ("policy", "pod", "class", "key", "entry")] == [
        "policies",
        "pods",
        "classes",
        "keys",
        "entries",
    ]
    assert plural(0, "namespace") == "namespaces"
    assert count(1, "warning") == "1 warning" and count(12345, "pod", thousands=True) == (
        "12,345 pods"
    )


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n"}}
OTHER = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "b", "namespace": "n", "labels": {"app": "b"}},
}
POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "p", "namespace": "n"},
    "spec": {"podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Egress"]},
}


def test_audit_and_radius_texts_count_one_in_the_singular() -> None:
    r = reach.from_objects([POD, OTHER, POLICY])
    head = str(r.audit()).splitlines()[0]
    assert head == "reach audit: 2 pods in 2 workloads, 1 namespace, 1 policy"
    first = str(r.blast_radius("n/a")).splitlines()[0]
    assert "1 workload (1 pod) in 1 namespace" in first, first


def test_cli_summary_of_findings_counts_one_in_the_singular(tmp_path: object) -> None:
    from pathlib import Path

    import yaml

    f = Path(str(tmp_path)) / "m.yaml"
    f.write_text(yaml.safe_dump_all([POD, POLICY]))
    _, out, _ = run(["audit", "-f", str(f)])
    assert "1 pods" not in out and "1 policies" not in out and "1 namespaces" not in out
