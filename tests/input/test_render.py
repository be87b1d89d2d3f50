"""Rendering for real, offline: kubectl kustomize and helm template from the render extra.

The fixtures are the real-world cases' (tests/realworld/kustomize-overlay-read-with-f and
helm-templates-read-with-f); these tests check what the cases' listings do not: origins,
values, failures and a missing extra.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from reach.errors import Diagnostics
from reach.input import render
from reach.input.render import Chart, Rendered, RenderError
from tests.helpers import ROOT, run

REALWORLD = ROOT / "tests" / "realworld"
OVERLAY = str(REALWORLD / "kustomize-overlay-read-with-f" / "input" / "overlays" / "prod")
CHART = str(REALWORLD / "helm-templates-read-with-f" / "input" / "shop")


def _objects(source: Rendered) -> dict[str, dict[str, object]]:
    diag = Diagnostics()
    out = {f"{r.obj['kind']}/{r.obj['metadata']['name']}": r.obj for r in source.objects(diag)}
    assert diag.errors == [] and diag.notes == []
    return out


def test_kustomize_applies_namespace_components_and_delete_patches() -> None:
    objects = _objects(Rendered(kustomizations=[OVERLAY]))
    assert set(objects) == {
        "Deployment/api",
        "Deployment/web",
        "NetworkPolicy/api-from-web",
        "NetworkPolicy/web-egress",  # the component the overlay names; not debug-tools
    }
    assert {o["metadata"]["namespace"] for o in objects.values()} == {"shop"}  # type: ignore[index]


def test_kustomize_origins_name_the_directory() -> None:
    origins = [r.origin for r in Rendered(kustomizations=[OVERLAY]).objects(Diagnostics())]
    assert origins == [f"kustomize:{OVERLAY}#{i}" for i in range(1, 5)]


def test_helm_values_release_and_namespace_reach_the_templates(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("networkPolicies: false\n")
    chart = Chart(CHART, values=(str(values),), sets=("web.replicas=5",), release="prod")
    objects = _objects(Rendered(charts=[chart], default_namespace="shop"))
    assert set(objects) == {"Deployment/prod-web", "Deployment/prod-api"}
    web = objects["Deployment/prod-web"]
    assert web["spec"]["replicas"] == 5  # type: ignore[index]
    assert web["metadata"]["namespace"] == "shop"  # type: ignore[index]


def test_helm_origins_name_the_template() -> None:
    origins = {r.origin for r in Rendered(charts=[Chart(CHART)]).objects(Diagnostics())}
    assert origins == {
        "helm:shop/templates/web.yaml#1",
        "helm:shop/templates/api.yaml#1",
        "helm:shop/templates/policy.yaml#1",
    }


def test_helm_runs_offline_with_its_own_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELM_CACHE_HOME", "/nonexistent/cache")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # any network use would fail
    assert "kind: Deployment" in render.helm_template(Chart(CHART))


def test_a_renderer_failure_is_an_error_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(RenderError) as info:
        render.kustomize(str(tmp_path))
    assert f"kubectl kustomize {tmp_path} failed" in str(info.value)
    assert "missing.yaml" in str(info.value)


def test_bad_values_are_an_error_with_helms_message() -> None:
    with pytest.raises(RenderError) as info:
        render.helm_template(Chart(CHART, sets=("web",)))
    assert "helm template" in str(info.value) and "key" in str(info.value)


def test_a_path_that_is_not_a_chart_or_kustomization(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="Chart.yaml"):
        render.helm_template(Chart(str(tmp_path)))
    with pytest.raises(RenderError, match="needs a directory"):
        render.kustomize(str(tmp_path / "nothing"))


def test_without_the_extra_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    code, _, err = run(["list", "-k", OVERLAY])
    assert code == 2
    assert "kubectl is needed to render" in err and "pip install 'reach[render]'" in err
    code, _, err = run(["list", "--helm", CHART])
    assert code == 2 and "helm is needed to render" in err


def test_the_cli_reports_a_render_failure_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    code, _, err = run(["summary", "-k", str(tmp_path)])
    assert code == 2 and "missing.yaml" in err and "Traceback" not in err


def test_files_and_renders_are_read_together() -> None:
    code, out, err = run(
        ["list", "-k", OVERLAY, "--helm", CHART, "-f", str(ROOT / "examples" / "shop")]
    )
    assert code == 0, err
    assert "shop/web[Deployment]" in out and "default/release-name-web[Deployment]" in out
    assert "web/frontend[Deployment]" in out
