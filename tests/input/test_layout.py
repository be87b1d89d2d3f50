"""What a -f path names: globs, commas, charts and kustomizations in directories, Helm
templates, the default namespace, and an input with no objects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import reach
from reach.errors import Diagnostics
from reach.input.files import FileSource
from tests.builders import netpol, pod


def _write(path: Path, *docs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs))
    return path


def _codes(r: reach.Reach) -> list[str]:
    return sorted(d.code for d in r.diagnostics)


def test_a_glob_reads_the_files_it_matches(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", pod("a"))
    _write(tmp_path / "b.yaml", pod("b"))
    _write(tmp_path / "c.json.bak", pod("c"))
    r = reach.load(str(tmp_path / "*.yaml"))
    assert {str(p) for p in r.cluster.pods} == {"default/a", "default/b"}


def test_a_glob_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    diag = Diagnostics()
    assert list(FileSource((str(tmp_path / "*.yaml"),)).objects(diag)) == []
    assert [p.message for p in diag.errors] == ["no file matches this pattern"]


def test_a_chart_directory_is_reported_once_and_its_templates_not_read(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("port: 80\n")
    for name in ("a", "b"):
        (chart / "templates" / f"{name}.yaml").write_text(
            "kind: Pod\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n"
        )
    (chart / "templates" / "quoted.yaml").write_text("kind: Pod\nmetadata:\n  name: '{{ x }}'\n")
    _write(tmp_path / "app.yaml", pod("app"))
    r = reach.load(str(tmp_path))
    assert [str(p) for p in r.cluster.pods] == ["default/app"]
    (d,) = r.diagnostics
    assert (d.code, d.origin, d.partial) == ("unrendered-chart", str(chart), True)
    assert "3 template files" in d.message and f"--helm {chart}" in d.message


def test_a_template_outside_a_chart_is_one_diagnostic_not_malformed_yaml(tmp_path: Path) -> None:
    f = tmp_path / "deploy.yaml"
    f.write_text(
        "{{- if .Values.enabled }}\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n"
        "---\nkind: Pod\nmetadata:\n  name: b\n{{- end }}\n"
    )
    _write(tmp_path / "app.yaml", pod("app"))
    r = reach.load(str(tmp_path))
    assert [str(p) for p in r.cluster.pods] == ["default/app"]
    (d,) = r.diagnostics
    assert (d.code, d.origin, d.partial) == ("helm-template", str(f), True)
    assert "--helm" in d.message


def test_text_with_braces_that_is_yaml_is_read(tmp_path: Path) -> None:
    rule = {"kind": "ConfigMap", "metadata": {"name": "m"}, "data": {"d": "{{ $labels.x }}"}}
    _write(tmp_path / "rules.yaml", rule, pod("a"))
    r = reach.load(str(tmp_path))
    assert [str(p) for p in r.cluster.pods] == ["default/a"] and r.diagnostics == []


def test_a_kustomization_is_read_with_one_warning_naming_minus_k(tmp_path: Path) -> None:
    base = tmp_path / "base"
    _write(base / "app.yaml", pod("app"))
    (base / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    _write(tmp_path / "overlay" / "kustomization.yaml", {"resources": ["../base"]})
    r = reach.load(str(tmp_path))
    assert [str(p) for p in r.cluster.pods] == ["default/app"]
    (d,) = r.diagnostics
    assert (d.code, d.partial) == ("unrendered-kustomization", True)
    assert "holds 2 kustomizations" in d.message and f"-k {tmp_path / 'overlay'}" in d.message
    (d,) = reach.load(str(base)).diagnostics
    assert d.message.startswith("a kustomization,") and f"-k {base}" in d.message


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_every_kustomization_file_name_is_recognised(tmp_path: Path, name: str) -> None:
    _write(tmp_path / "app.yaml", pod("app"))
    (tmp_path / name).write_text("resources: [app.yaml]\n")
    assert _codes(reach.load(str(tmp_path))) == ["unrendered-kustomization"]


def test_default_namespace_goes_to_namespaced_objects_without_one(tmp_path: Path) -> None:
    admin = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "a"},
        "spec": {"priority": 1, "subject": {"namespaces": {}}, "ingress": []},
    }
    f = _write(tmp_path / "m.yaml", pod("a", ns=None), pod("b", ns="other"), netpol("p", ns=None))
    _write(tmp_path / "admin.yaml", admin)
    r = reach.load(str(tmp_path), default_namespace="argocd")
    assert {str(p) for p in r.cluster.pods} == {"argocd/a", "other/b"}
    assert [p.namespace for p in r.cluster.policies] == ["argocd"]
    assert [p.name for p in r.cluster.admin_policies] == ["a"]
    without = reach.load(str(f))
    assert {str(p) for p in without.cluster.pods} == {"default/a", "other/b"}


def test_an_input_without_objects_is_a_partial_warning(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("port: 80\n")
    (d,) = reach.load(str(tmp_path)).diagnostics
    assert (d.code, d.partial) == ("empty-input", True)
    assert str(tmp_path) in d.message


@pytest.mark.parametrize(
    "kind", ["CiliumClusterwideNetworkPolicy", "CiliumCIDRGroup", "Tier", "GlobalNetworkPolicy"]
)
def test_default_namespace_leaves_cluster_scoped_policy_kinds_alone(kind: str) -> None:
    from reach.input.files import in_namespace
    from reach.input.raw import RawObject

    raw = RawObject({"kind": kind, "metadata": {"name": "x"}}, "f#1", "f")
    assert in_namespace(raw, "argocd") is raw
    namespaced = RawObject({"kind": "CiliumNetworkPolicy", "metadata": {"name": "x"}}, "f#1", "f")
    assert in_namespace(namespaced, "argocd").obj["metadata"]["namespace"] == "argocd"
