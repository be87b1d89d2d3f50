"""The input options every analysis command shares: -f lists and globs, paths as arguments,
--default-namespace, --strict, and the render options' checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.builders import netpol, pod, sel
from tests.helpers import EXAMPLES, SHOP, run

SHOP_FILES = sorted(str(p) for p in (EXAMPLES / "shop").glob("*.yaml"))


def _lines(text: str) -> set[str]:
    return set(text.splitlines())


def test_comma_separated_files_read_as_repeated_f() -> None:
    code, out, err = run(["list", "-f", ",".join(SHOP_FILES)])
    assert code == 0, err
    assert _lines(out) == _lines(run(["list", "-f", SHOP])[1])


def test_a_glob_the_shell_expanded_after_f_is_read_whole() -> None:
    """`reach list -f manifests/*.yaml` arrives as -f FIRST SECOND THIRD."""
    code, out, err = run(["list", "-f", *SHOP_FILES])
    assert code == 0, err
    assert _lines(out) == _lines(run(["list", "-f", SHOP])[1])


def test_a_quoted_glob_is_expanded_by_reach() -> None:
    code, out, err = run(["summary", "-f", str(EXAMPLES / "shop" / "*.yaml")])
    assert code == 0, err
    assert out == run(["summary", "-f", SHOP])[1]


def test_a_manifest_file_taken_for_a_node_says_to_quote_the_glob() -> None:
    code, _, err = run(["path", "-f", SHOP_FILES[0], SHOP_FILES[1], "web/frontend"])
    assert code == 2
    assert f"{SHOP_FILES[1]} is a manifest file, not a node" in err
    assert "-f 'dir/*.yaml'" in err


def test_default_namespace_is_where_objects_without_one_go(tmp_path: Path) -> None:
    f = tmp_path / "install.yaml"
    f.write_text(yaml.safe_dump_all([pod("a", ns=None, labels={"app": "a"}), pod("b", ns=None)]))
    code, out, err = run(
        ["path", "-f", str(f), "--default-namespace", "argocd", "-n", "argocd", "a", "b"]
    )
    assert code == 0, err
    assert out.startswith("argocd/a[Pod] => argocd/b[Pod]")
    code, _, err = run(["path", "-f", str(f), "-n", "argocd", "a", "b"])
    assert code == 2 and "default/a[Pod]" in err  # without it, the pods are in default


def test_the_help_tells_the_two_namespace_options_apart() -> None:
    _, out, _ = run(["path", "--help"])
    flat = " ".join(out.split())
    assert "--default-namespace" in flat and "'kubectl apply -n NS'" in flat
    assert "-n is the namespace of bare names in node references" in flat


def _partial_input(tmp_path: Path) -> Path:
    (tmp_path / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (tmp_path / "app.yaml").write_text(
        yaml.safe_dump_all([pod("a"), pod("b"), netpol("p", selector=sel(app="a"))])
    )
    return tmp_path


@pytest.mark.parametrize("command", [["list"], ["summary"], ["audit"], ["path", "a", "b"]])
def test_strict_exits_2_when_the_answer_is_partial(tmp_path: Path, command: list[str]) -> None:
    d = str(_partial_input(tmp_path))
    code, _, err = run([*command, "-f", d])
    assert code in (0, 1), err
    assert "reach: warning:" in err and "-k" in err
    code, out, err = run([*command, "-f", d, "--strict"])
    assert code == 2 and out == ""
    assert "reach: error:" in err and "unrendered" not in out
    assert "--strict: the answer would be partial (1 diagnostic above)" in err


def test_strict_lets_a_complete_answer_through() -> None:
    code, out, err = run(["list", "-f", SHOP, "--strict"])
    assert (code, err) == (0, "")
    assert out == run(["list", "-f", SHOP])[1]


def test_helm_options_without_helm_are_refused() -> None:
    code, _, err = run(["list", "-f", SHOP, "--set", "a=b"])
    assert code == 2 and "--values, --set and --release go with --helm CHART" in err


def test_an_empty_input_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("a: 1\n")
    code, out, err = run(["list", "-f", str(tmp_path)])
    # no connection lines; the partial diagnostic closes the listing as a `# ` line
    assert code == 0 and out.startswith("# [warning] empty-input: ") and len(out.splitlines()) == 1
    assert "no Kubernetes objects found" in err


def test_diff_strict_refuses_a_partial_side(tmp_path: Path) -> None:
    d = str(_partial_input(tmp_path))
    code, _, err = run(["diff", SHOP, d])
    assert code == 0 and "reach: warning: NEW " in err
    code, out, err = run(["diff", SHOP, d, "--strict"])
    assert (code, out) == (2, "")
    assert "reach: error: NEW " in err and "(1 diagnostic above)" in err


def test_diff_default_namespace_applies_to_both_sides(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump_all([pod("a", ns=None), pod("b", ns=None)]))
    deny = netpol("deny", ns=None, selector={}, policyTypes=["Ingress"])
    new.write_text(yaml.safe_dump_all([pod("a", ns=None), pod("b", ns=None), deny]))
    code, out, err = run(["diff", str(old), str(new), "--default-namespace", "argocd"])
    assert code == 0, err
    assert "- argocd/a[Pod] => argocd/b[Pod]" in out and "default/" not in out
