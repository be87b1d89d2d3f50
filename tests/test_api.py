"""The library facade (issue 14): partial answers are said, results print as the CLI does,
``repr`` says what was loaded, ``draw`` writes files by extension."""

from __future__ import annotations

import io
import shutil
import warnings
from pathlib import Path

import networkx as nx
import pytest

import reach
from reach.output import render, to_text
from tests.helpers import SHOP, run

ANTREA = """\
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec: {appliedTo: [{podSelector: {}}], ingress: [{action: Drop}]}
"""


@pytest.fixture
def partial_dir(tmp_path: Path) -> str:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    (root / "antrea.yaml").write_text(ANTREA)
    return str(root)


@pytest.fixture(scope="module")
def shop() -> reach.Reach:
    return reach.load(SHOP)


def _load_partial(path: str) -> reach.Reach:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        return reach.load(path)


def test_load_warns_once_per_partial_diagnostic(partial_dir: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = reach.load(partial_dir)
    partial = [w for w in caught if issubclass(w.category, reach.PartialAnswerWarning)]
    assert len(partial) == len([d for d in r.diagnostics if d.partial]) == 1
    assert "crd.antrea.io" in str(partial[0].message)
    assert r.warnings  # and they stay on r.warnings


def test_clean_load_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", reach.PartialAnswerWarning)
        reach.load(SHOP)


def test_cli_does_not_repeat_them_as_python_warnings(partial_dir: str) -> None:
    _, _, err = run(["summary", "-f", partial_dir])
    assert "PartialAnswerWarning" not in err and "reach: warning:" in err


def test_repr_says_what_was_loaded(shop: reach.Reach, partial_dir: str) -> None:
    s = shop.summary()
    assert repr(shop) == (
        f"<Reach: {s.pods} pods in {s.workloads} workloads, {s.namespaces} namespaces, "
        f"{s.policies} policies>"
    )
    assert repr(_load_partial(partial_dir)).endswith("16 policies, 1 warning>")


def test_repr_counts_one_of_each_in_the_singular() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "a", "namespace": "n", "labels": {"app": "a"}},
    }
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"podSelector": {}},
    }
    r = reach.from_objects([pod, policy])
    assert repr(r) == "<Reach: 1 pod in 1 workload, 1 namespace, 1 policy>"


def test_results_print_what_the_cli_prints(shop: reach.Reach) -> None:
    cases = [
        (shop.explain("web/frontend", "db/postgres"), ["explain", "web/frontend", "db/postgres"]),
        (shop.path("web/frontend", "db/postgres"), ["path", "web/frontend", "db/postgres"]),
        (shop.blast_radius("web/frontend"), ["blast-radius", "web/frontend"]),
        (shop.exposure("db/postgres"), ["exposure", "db/postgres"]),
        (shop.summary(), ["summary"]),
    ]
    for result, argv in cases:
        _, out, _ = run([*argv, "-f", SHOP])
        assert str(result) + "\n" == out, argv
        assert "Explanation(" not in str(result)


def test_results_carry_the_diagnostics_and_render_them(partial_dir: str) -> None:
    r = _load_partial(partial_dir)
    results = [
        r.explain("web/frontend", "db/postgres"),
        r.path("web/frontend", "db/postgres"),
        r.blast_radius("web/frontend"),
        r.summary(),
        r.audit(),
    ]
    for result in results:
        assert list(result.diagnostics) == r.diagnostics
        assert "unevaluated-kind" in to_text(result, "txt")
        assert '"diagnostics"' in to_text(result, "json")
    out = io.StringIO()
    render(r.view(), "txt", out)
    assert out.getvalue().splitlines()[-1].startswith("# [warning] unevaluated-kind")


def test_notebook_html_shows_the_diagnostics_only_when_there_are_some(
    shop: reach.Reach, partial_dir: str
) -> None:
    assert shop._repr_html_() is None
    assert shop.path("web/frontend", "db/postgres")._repr_html_() is None
    r = _load_partial(partial_dir)
    for shown in (r, r.path("web/frontend", "db/postgres"), r.exposure("db/postgres")):
        page = shown._repr_html_()
        assert page is not None and "unevaluated-kind" in page and "<img" in page


@pytest.mark.parametrize("name", ["x.png", "x.svg", "x.dot", "x.gv", "x.graphml"])
def test_draw_writes_a_file_by_its_extension(shop: reach.Reach, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    shop.draw(str(target))
    data = target.read_bytes()
    if name.endswith(".png"):
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    elif name.endswith(".svg"):
        assert b"<svg" in data[:500]
    elif name.endswith(".graphml"):
        assert set(nx.read_graphml(target).nodes) == set(shop.export_graph().nodes)
    else:
        assert data.decode().replace("\n", "") == shop.to_dot().replace("\n", "")


def test_draw_to_a_path_object_returns_the_figure(shop: reach.Reach, tmp_path: Path) -> None:
    fig = shop.draw(tmp_path / "x.png", by="namespace")
    assert fig is not None and (tmp_path / "x.png").stat().st_size > 0


def test_draw_refuses_an_unknown_extension(shop: reach.Reach, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png, \.svg"):
        shop.draw(str(tmp_path / "x.jpeg"))
