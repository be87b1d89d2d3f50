"""Exports and pictures: DOT (parsed with pydot), GraphML and node-link JSON (read back with
networkx), PNG and SVG (valid files), the matrix view, fallbacks, highlights and the CLI."""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pydot
import pytest
from conftest import EXAMPLES, SHARED
from test_errors import run

import reach
from reach import draw
from reach.analysis.graph import NODE
from reach.output.graph import dot, graphml, nodelink

SHOP = str(EXAMPLES / "shop")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def shop() -> reach.Reach:
    return reach.load([SHOP])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def svg_texts(data: bytes) -> str:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return " ".join(t for el in root.iter() for t in (el.text or "",))


def parse_dot(text: str) -> pydot.Dot:
    """The one graph of a DOT text, parsed by pydot."""
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1
    return graphs[0]


def name_of(obj: pydot.Subgraph) -> str:
    return str(obj.get_name())


def attr(edge: Any, key: str) -> Any:
    return edge.get_attributes().get(key)


def dot_nodes(g: pydot.Dot | pydot.Subgraph) -> Iterator[pydot.Node]:
    for n in g.get_nodes():
        if n.get_name() not in ("graph", "node", "edge"):
            yield n
    for sg in g.get_subgraphs():
        yield from dot_nodes(sg)


# -- the export graph ----------------------------------------------------------------------
def test_export_graph_merges_external_ranges_like_reach_list(shop: reach.Reach) -> None:
    g = shop.export_graph()
    assert g.graph["granularity"] == "workload"
    lines = {f"{s} => {d} : {a['ports']}" for s, d, a in g.edges(data=True)}
    from reach.analysis.listing import table

    assert lines == set(table(shop.view("workload")).lines())
    assert "0.0.0.0-255.255.255.255[External]" in g
    node = g.nodes["db/postgres[StatefulSet]"]
    assert node["type"] == "workload" and node["kind"] == "StatefulSet"
    assert node["namespace"] == "db" and node["labels"]["app"] == "postgres"


def test_namespace_filter_keeps_the_namespace_and_its_external_ranges(shop: reach.Reach) -> None:
    g = shop.export_graph(namespaces=["app"])
    internal = {n for n, a in g.nodes(data=True) if a["type"] != "external"}
    assert internal == {
        "app/catalog[Deployment]",
        "app/orders[Deployment]",
        "app/payments[Deployment]",
    }
    assert "203.0.113.0-203.0.113.255[External]" in g
    with pytest.raises(reach.ReachError, match="no namespace nope"):
        shop.export_graph(namespaces=["nope"])


def test_focus_takes_hops_forward_and_backward(shop: reach.Reach) -> None:
    g = shop.export_graph(focus="db/postgres", hops=1)
    assert set(g) == {
        "db/postgres[StatefulSet]",
        "app/catalog[Deployment]",
        "app/orders[Deployment]",
        "app/payments[Deployment]",
        "monitoring/prometheus[Deployment]",
        "kube-system/coredns[Deployment]",
    }
    assert g.graph["focus_nodes"] == ["db/postgres[StatefulSet]"]
    two = shop.export_graph(focus="db/postgres", hops=2)
    assert set(g) < set(two) and "web/api-gateway[Deployment]" in two
    # an address falls in every drawn range that holds it
    ext = shop.export_graph(focus="203.0.113.0/24", hops=1)
    assert set(ext.graph["focus_nodes"]) == {
        "203.0.113.0-203.0.113.255[External]",
        "0.0.0.0-255.255.255.255[External]",
        "198.51.101.0-255.255.255.255[External]",
    }
    assert "app/payments[Deployment]" in ext and "db/redis[StatefulSet]" not in ext


def test_neighbourhood_does_not_pass_through_external_ranges() -> None:
    import numpy as np

    from reach.analysis.graph import _neighbourhood

    # 0 -> 1 -> 2(external) -> 3, and 4 -> 0
    src, dst = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 0])
    ext = np.array([False, False, True, False, False])
    start = np.array([True, False, False, False, False])
    assert _neighbourhood(start, src, dst, ext, 5).tolist() == [True, True, True, False, True]
    assert _neighbourhood(start, src, dst, ext, 1).tolist() == [True, True, False, False, True]
    from_ext = np.array([False, False, True, False, False])
    assert _neighbourhood(from_ext, src, dst, ext, 1).tolist() == [False, True, True, True, False]


# -- DOT -------------------------------------------------------------------------------------
def test_dot_parses_with_pydot_and_keeps_every_node_and_edge(shop: reach.Reach) -> None:
    text = shop.to_dot(source="shop")
    parsed = parse_dot(text)
    g = shop.export_graph()
    assert {n.get_name() for n in dot_nodes(parsed)} == {dot.quote(n) for n in g}
    edges = {(e.get_source(), e.get_destination()): e for e in parsed.get_edges()}
    assert set(edges) == {(dot.quote(s), dot.quote(d)) for s, d in g.edges}
    clusters = {name_of(sg).strip('"') for sg in parsed.get_subgraphs()}
    assert clusters == {
        f"cluster_{ns}" for ns in ("app", "db", "kube-system", "monitoring", "web")
    } | {"cluster_external"}
    ext = next(sg for sg in parsed.get_subgraphs() if "external" in name_of(sg))
    assert {n.get_name() for n in dot_nodes(ext)} == {
        dot.quote(n) for n, a in g.nodes(data=True) if a["type"] == "external"
    }
    pg = edges[(dot.quote("app/orders[Deployment]"), dot.quote("db/postgres[StatefulSet]"))]
    assert attr(pg, "label") == '"TCP 5432"'
    everything = edges[
        (
            dot.quote("kube-system/coredns[Deployment]"),
            dot.quote("monitoring/prometheus[Deployment]"),
        )
    ]
    assert attr(everything, "label") == '"All Connections"'
    assert attr(everything, "penwidth") != attr(pg, "penwidth")
    assert attr(everything, "color") != attr(pg, "color")
    assert "egress: app/backend" in attr(pg, "tooltip")


def test_dot_quotes_any_character() -> None:
    g = nx.DiGraph(granularity="workload", source='a "quoted" \\ source')
    names = ['a"b/c[Deployment]', "back\\slash\\", "new\nline", 'ünï {x} ; -> ""', "-> graph"]
    for i, name in enumerate(names):
        g.add_node(
            name,
            type="workload",
            kind="Deployment",
            name=name,
            namespace=f'ns"{i % 2}',
            labels={'k"': "v\\"},
            pods=1,
        )
    for a, b in zip(names, names[1:], strict=False):
        g.add_edge(a, b, ports=reach.PortSet.of("TCP", 80))
    out = io.StringIO()
    dot.render(g, out)
    parsed = parse_dot(out.getvalue())
    assert {n.get_name() for n in dot_nodes(parsed)} == {dot.quote(n) for n in names}
    assert len(parsed.get_edges()) == len(names) - 1
    assert dot.quote('a"b\\') == '"a\\"b\\\\"'


def test_dot_namespace_granularity_has_no_namespace_boxes(shop: reach.Reach) -> None:
    parsed = parse_dot(shop.to_dot(by="namespace"))
    assert [sg.get_name() for sg in parsed.get_subgraphs()] == ['"cluster_external"']
    assert dot.quote("web") in {n.get_name() for n in dot_nodes(parsed)}


# -- GraphML and node-link JSON ---------------------------------------------------------------
def test_graphml_reads_back_with_the_same_nodes_edges_and_attributes(
    shop: reach.Reach, tmp_path: Path
) -> None:
    path = tmp_path / "shop.graphml"
    shop.to_graphml(path)
    back = nx.read_graphml(path)
    g = shop.export_graph()
    assert set(back) == set(g)
    assert set(back.edges) == set(g.edges)
    for n, a in g.nodes(data=True):
        b = back.nodes[n]
        for key, value in a.items():
            if value is None or key == NODE:  # the Node object is for pictures, not exported
                assert key not in b
            elif isinstance(value, dict):
                assert json.loads(b[key]) == value
            else:
                assert b[key] == value, (n, key)
    for s, d, a in g.edges(data=True):
        b = back.edges[s, d]
        assert b["ports"] == str(a["ports"])
        assert b["all_ports"] == a["ports"].is_all()
        assert json.loads(b["egress_policies"]) == list(a["policies"]["egress"])
        assert json.loads(b["ingress_policies"]) == list(a["policies"]["ingress"])
    assert back.graph["granularity"] == "workload"


def test_graphml_without_policies(shop: reach.Reach) -> None:
    g = graphml.scalar_graph(shop.export_graph(by="namespace"), policies=False)
    assert all("egress_policies" not in a for _, _, a in g.edges(data=True))
    buf = io.BytesIO()
    graphml.write(shop.export_graph(by="pod"), buf, policies=False)
    back = nx.read_graphml(io.BytesIO(buf.getvalue()))
    assert back.nodes["web/frontend-0[Pod]"]["workload"] == "web/frontend[Deployment]"


def test_node_link_json_round_trips(shop: reach.Reach) -> None:
    data = shop.to_node_link()
    text = json.dumps(data)
    back = nx.node_link_graph(json.loads(text), edges="edges")
    g = shop.export_graph()
    assert set(back) == set(g) and set(back.edges) == set(g.edges)
    e = back.edges["app/orders[Deployment]", "db/postgres[StatefulSet]"]
    assert e["ports"] == "TCP 5432" and e["port_ranges"] == {"TCP": [[5432, 5432]]}
    assert e["egress_policies"] == ["app/backend"] and not e["all_ports"]
    assert back.nodes["app/orders[Deployment]"]["labels"] == {"app": "orders", "tier": "backend"}
    out = io.StringIO()
    nodelink.render(shop.export_graph(by="namespace"), out, policies=False)
    assert json.loads(out.getvalue())["graph"]["granularity"] == "namespace"


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
        "13 nodes and 35 edges at workload granularity are too many to draw readably "
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
    # adjacent external segments reached alike are drawn as one range
    assert "0.0.0.0 -" in text and "203.0.113.0/24" in text
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


# -- the command line ------------------------------------------------------------------------
def test_export_command_infers_the_format_from_the_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs: dict[str, Any] = {}
    for name in ("g.dot", "g.gv", "g.png", "g.svg", "g.graphml", "g.json"):
        path = tmp_path / name
        code, _, err = run(["export", "-f", SHOP, "-o", str(path)], capsys)
        assert code == 0, err
        outputs[name] = path.read_bytes()
    assert parse_dot(outputs["g.dot"].decode()).get_name() == "reach"
    assert outputs["g.gv"] == outputs["g.dot"]
    assert png_size(outputs["g.png"])[0] > 1000
    assert "reachability by workload" in svg_texts(outputs["g.svg"])
    assert len(nx.read_graphml(io.BytesIO(outputs["g.graphml"]))) == 13
    assert len(json.loads(outputs["g.json"])["edges"]) == 35


def test_export_command_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["export", "-f", SHOP, "--by", "namespace", "-n", "app", "-n", "db"], capsys)
    assert code == 0 and out.startswith("// reach")
    parsed = parse_dot(out)
    names = {n.get_name() for n in dot_nodes(parsed)}
    assert {'"app"', '"db"'} <= names and '"web"' not in names
    code, out, _ = run(
        ["export", "-f", SHOP, "--focus", "web/api-gateway", "--format", "json", "--no-policies"],
        capsys,
    )
    data = json.loads(out)
    assert code == 0 and data["graph"]["focus"] == "web/api-gateway"
    assert "egress_policies" not in data["edges"][0]
    code, out, _ = run(["export", "-f", SHOP, "--view", "matrix", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["namespaces"][-1] == "(external)"
    path = tmp_path / "m.svg"
    code, _, _ = run(["export", "-f", SHOP, "--view", "matrix", "-o", str(path)], capsys)
    assert code == 0 and "namespace × namespace" in svg_texts(path.read_bytes())


def test_export_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["export", "-f", SHOP]
    code, _, err = run([*base, "--format", "pdf"], capsys)
    assert code == 2 and "--format must be one of" in err
    code, _, err = run([*base, "--view", "matrix", "-o", str(tmp_path / "m.dot")], capsys)
    assert code == 2 and "matrix" in err
    code, _, err = run([*base, "--focus", "nope", "-o", str(tmp_path / "x.png")], capsys)
    assert code == 2 and "no node matches 'nope'" in err
    code, _, err = run([*base, "-n", "nope"], capsys)
    assert code == 2 and "no namespace nope" in err
    if shutil.which("dot") is None:
        code, _, err = run([*base, "--engine", "graphviz", "-o", str(tmp_path / "x.png")], capsys)
        assert code == 2 and "'dot' program" in err


def test_fallback_note_goes_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 10)
    path = tmp_path / "g.png"
    code, _, err = run(["export", "-f", SHOP, "-o", str(path)], capsys)
    assert code == 0 and "reach: note:" in err and "namespace view" in err
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_query_highlight_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "path.png"
    code, out, _ = run(
        ["path", "-f", SHOP, "web/frontend", "db/postgres", "--png", str(path)], capsys
    )
    assert code == 0 and "shortest path: 3 hops" in out
    assert png_size(path.read_bytes())[0] > 1000
    path = tmp_path / "none.png"
    code, _, _ = run(
        ["path", "-f", SHOP, "db/redis", "web/frontend", "--max-hops", "1", "--png", str(path)],
        capsys,
    )
    assert code == 1 and path.read_bytes()[:8] == PNG_MAGIC
    path = tmp_path / "blast.png"
    code, out, _ = run(["blast-radius", "-f", SHOP, "web/api-gateway", "--png", str(path)], capsys)
    assert code == 0 and "blast radius of web/api-gateway" in out
    assert png_size(path.read_bytes())[0] > 1000
    path = tmp_path / "exposure.svg"
    code, _, _ = run(["exposure", "-f", SHOP, "db/postgres", "--png", str(path)], capsys)
    assert code == 0 and "exposure of db/postgres" in svg_texts(path.read_bytes())


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_reads_the_dot_and_draws_it(
    shop: reach.Reach, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = shop.to_dot()
    done = subprocess.run(["dot", "-Tplain"], input=text.encode(), capture_output=True, check=True)
    plain = done.stdout.decode()
    assert plain.count("\nnode ") == shop.export_graph().number_of_nodes()
    path = tmp_path / "gv.png"
    code, _, err = run(["export", "-f", SHOP, "--engine", "graphviz", "-o", str(path)], capsys)
    assert code == 0, err
    assert png_size(path.read_bytes())[0] > 500


def test_help_states_the_drawing_limits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["export", "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    assert f"more than {draw.MAX_DRAW_NODES} nodes or {draw.MAX_DRAW_EDGES} edges" in text


def test_an_empty_cluster_still_exports_and_draws() -> None:
    r = reach.from_objects([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}])
    assert parse_dot(r.to_dot()).get_name() == "reach"
    assert r.to_node_link()["nodes"] == []
    for view in ("graph", "matrix"):
        assert draw.figure_bytes(r.draw(view=view))[:8] == PNG_MAGIC
