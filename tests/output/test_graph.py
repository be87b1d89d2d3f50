"""Graph exports: DOT (parsed with pydot), GraphML and node-link JSON (read back with networkx)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pydot

import reach
from reach.analysis.graph import NODE
from reach.output.graph import dot, graphml, nodelink
from tests.readers import dot_nodes, parse_dot


def name_of(obj: pydot.Subgraph) -> str:
    return str(obj.get_name())


def attr(edge: Any, key: str) -> Any:
    return edge.get_attributes().get(key)


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
