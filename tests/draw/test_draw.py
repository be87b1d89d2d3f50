"""Pictures: PNG and SVG (valid files), the matrix view, fallbacks, highlights and notebooks."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reach
from reach import draw
from tests.helpers import EXAMPLES, ROOT, SHARED
from tests.readers import PNG_MAGIC, parse_dot, png_size, svg_texts


# -- pictures ---------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["workload", "namespace", "pod"])
def test_png_and_svg_of_the_shop(shop: reach.Reach, by: str) -> None:
    fig = shop.draw(by=by, source="examples/shop")
    width, height = png_size(draw.figure_bytes(fig, "png"))
    assert width > 1000 and height > 600
    text = svg_texts(draw.figure_bytes(fig, "svg"))
    assert f"examples/shop: reachability by {by}" in text
    assert "external range" in text  # the legend
    assert ("api-gateway" in text) if by != "namespace" else ("kube-system" in text)
    if by != "pod":
        assert "TCP 5432" in text or "TCP 5432,6379" in text  # ports on the edges


def test_draw_into_a_given_axes(shop: reach.Reach) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8))
    ax = fig.add_subplot()
    assert shop.draw(ax=ax) is fig
    assert png_size(draw.figure_bytes(fig))[0] == 1500


def test_large_graphs_fall_back_to_namespaces_then_the_matrix(
    shop: reach.Reach, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 10)
    notes: list[str] = []
    fig = shop.draw(notes=notes)
    assert notes == [
        "14 nodes and 36 edges at workload granularity are too many to draw readably "
        f"(limits: 10 nodes, {draw.MAX_DRAW_EDGES} edges); drawing the namespace view"
    ]
    assert "drawing the namespace view" in svg_texts(draw.figure_bytes(fig, "svg"))
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 4)
    notes.clear()
    fig = shop.draw(notes=notes)
    assert len(notes) == 2 and "matrix" in notes[1]
    assert "namespace × namespace" in svg_texts(draw.figure_bytes(fig, "svg"))


def test_matrix_counts_workload_pairs(shop: reach.Reach) -> None:
    data = draw.matrix_data(shop.view("workload"))
    i = {ns: k for k, ns in enumerate(data.labels)}
    assert data.labels[-1] == "(external)"
    assert (data.counts[i["app"], i["db"]], data.possible[i["app"], i["db"]]) == (6, 6)
    assert (data.counts[i["web"], i["app"]], data.possible[i["web"], i["app"]]) == (3, 6)
    assert (data.counts[i["app"], i["app"]], data.possible[i["app"], i["app"]]) == (1, 6)
    assert data.counts[i["(external)"], i["web"]] == 1  # api-gateway, from the internet
    assert data.counts[i["app"], i["(external)"]] == 1  # payments, to 203.0.113.0/24
    pairs = sum(
        1 for c in shop.connections() if c.src.type != "external" and c.dst.type != "external"
    )
    assert data.counts[:-1, :-1].sum() == pairs
    fig = shop.draw(view="matrix", value="count")
    assert png_size(draw.figure_bytes(fig))[0] > 800


def test_matrix_view_of_the_generated_10k_cluster() -> None:
    gen = SHARED / "bench" / "gen_cluster.py"
    if not gen.exists():
        pytest.skip(f"no cluster generator at {gen}")
    spec = importlib.util.spec_from_file_location("gen_cluster", gen)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import argparse

    args = argparse.Namespace(
        pods=10000, policies=1000, namespaces=120, seed=1, max_replicas=4, pod_ips=False
    )
    r = reach.from_objects(module.Gen(args).run())
    notes: list[str] = []
    fig = r.draw(source="cluster-10k", notes=notes)  # the graph falls back to the matrix
    assert len(notes) == 2 and "4,226 workloads" in notes[0]
    data = draw.matrix_data(r.view("workload"))
    assert len(data.namespaces) == 120
    assert data.counts[:-1, :-1].sum() == r.summary().allowed_workload_pairs
    width, height = png_size(draw.figure_bytes(fig))
    assert width > 2000 and height > 2000


# -- highlights and notebooks --------------------------------------------------------------
def test_path_highlight_draws_the_path_over_its_neighbourhood(shop: reach.Reach) -> None:
    res = shop.path("web/frontend", "db/postgres")
    fig = shop.draw_path(res, source="shop")
    text = svg_texts(draw.figure_bytes(fig, "svg"))
    for hop in ("1: TCP 8080", "2: TCP 8080", "3: TCP 5432", "prometheus"):
        assert hop in text
    ext = shop.path("pod/web/frontend-0", "10.0.0.0/8")
    text = svg_texts(draw.figure_bytes(shop.draw_path(ext, src="pod/web/frontend-0"), "svg"))
    assert "10.0.0.0/8" in text and "2: All Connections" in text
    none = shop.path("db/redis", "web/frontend", max_hops=1)
    assert not none.reachable
    assert "no path" in svg_texts(draw.figure_bytes(shop.draw_path(none), "svg"))


def test_blast_radius_shades_nodes_by_hops(shop: reach.Reach) -> None:
    res = shop.blast_radius("web/api-gateway")
    text = svg_texts(draw.figure_bytes(shop.draw_radius(res, source="shop"), "svg"))
    assert "shop: blast radius of web/api-gateway[Deployment]" in text
    assert "1 hop" in text and "2 hops" in text and "hops from start" in text
    # adjacent external segments reached alike are drawn as one range, as `reach list`
    # writes ranges (first-last)
    assert "0.0.0.0-" in text and "203.0.112.255" in text
    assert "203.0.113.0-203.0.113.255" in text
    exposure = shop.exposure("db/postgres")
    assert "reachable from the internet" in svg_texts(
        draw.figure_bytes(shop.draw_radius(exposure), "svg")
    )


def test_big_blast_radius_is_summed_up_per_namespace(
    shop: reach.Reach, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 5)
    svg = svg_texts(
        draw.figure_bytes(shop.draw_radius(shop.blast_radius("web/api-gateway")), "svg")
    )
    assert "one box per namespace" in svg and "3 workloads" in svg


def test_notebook_display(shop: reach.Reach, monkeypatch: pytest.MonkeyPatch) -> None:
    res = shop.path("web/frontend", "db/postgres")
    radius = shop.blast_radius("web/frontend", hops=1)
    for obj in (shop, res, radius):
        png = obj._repr_png_()
        assert png is not None and png[:8] == PNG_MAGIC
        assert obj._repr_svg_() is None
    monkeypatch.setattr(draw, "NOTEBOOK_FORMAT", "svg")
    for obj in (res, radius):
        assert obj._repr_png_() is None
        svg = obj._repr_svg_()
        assert svg is not None and ET.fromstring(svg).tag.endswith("svg")


def test_an_empty_cluster_still_exports_and_draws() -> None:
    r = reach.from_objects([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}])
    assert parse_dot(r.to_dot()).get_name() == "reach"
    assert r.to_node_link()["nodes"] == []
    for view in ("graph", "matrix"):
        assert draw.figure_bytes(r.draw(view=view))[:8] == PNG_MAGIC


def test_a_namespace_reaching_itself_is_drawn_as_a_loop_above_it(shop: reach.Reach) -> None:
    from matplotlib.patches import FancyArrowPatch

    from reach.draw.layout import layout
    from reach.draw.model import picture_of
    from reach.draw.picture import LOOP_REACH

    g = shop.export_graph(by="namespace")
    loops = [s for s, d in g.edges if s == d]
    assert loops, "the shop has namespaces whose pods reach each other"
    ax = shop.draw(by="namespace").axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    # an arrow between two nodes is drawn from point to point; a loop along its own curve
    assert len(arrows) == g.number_of_edges()
    assert sum(p._posA_posB is None for p in arrows) == len(loops)
    pos, _ = layout(picture_of(g))
    assert ax.get_ylim()[1] >= max(pos[n][1] for n in loops) + LOOP_REACH


@pytest.mark.parametrize(
    "command",
    [
        ["blast-radius", "-f", "examples/shop", "web/frontend"],
        ["exposure", "-f", "examples/shop", "db/postgres"],
        ["path", "-f", "examples/shop", "web/frontend", "db/postgres"],
    ],
    ids=["blast-radius", "exposure", "path"],
)
def test_pictures_do_not_depend_on_the_hash_seed(command: list[str], tmp_path: Path) -> None:
    """The same input draws the same picture whatever order Python's sets happen to take."""
    pictures = []
    for seed in ("1", "3", "7"):
        out = tmp_path / f"{seed}.png"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "reach", *command, "--png", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        pictures.append(out.read_bytes())
    assert pictures[0] == pictures[1] == pictures[2]


def test_pseudo_nodes_are_drawn_in_a_box_of_their_own_with_a_legend_entry() -> None:
    cilium = reach.load([str(EXAMPLES / "cilium")])
    text = svg_texts(draw.figure_bytes(cilium.draw(), "svg"))
    assert "Cilium pseudo nodes" in text and "FQDN" in text and "1 pseudo node" in text
    assert "api.payment-provider.example" in text


def test_a_blast_radius_counts_and_groups_pseudo_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    cilium = reach.load([str(EXAMPLES / "cilium")])
    res = cilium.blast_radius("app/payments")
    assert "1 pseudo node;" in svg_texts(draw.figure_bytes(cilium.draw_radius(res), "svg"))
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 5)
    text = svg_texts(draw.figure_bytes(cilium.draw_radius(res), "svg"))
    assert "(pseudo)" in text and "1 pseudo nodes" in text
