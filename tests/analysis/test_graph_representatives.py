"""Representative peers as graph nodes: ``export_graph(potential=True)`` and ``reach export
--potential`` (issue 17, item 3; docs/exports.md). The nodes and edges are those the
exposure section of ``reach list --exposure`` prints, and nothing changes without the option.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest
import yaml

import reach
from reach.analysis.exposure_section import exposure_section
from reach.draw.model import picture_of
from reach.draw.picture import draw_graph
from reach.output import GraphFormat, render
from tests.builders import Obj, namespace, netpol, pod, sel
from tests.helpers import SHOP, run

BASE = [
    namespace("default"),
    namespace("pay", team="pay"),
    pod("db", labels={"app": "db"}, ports=[("pg", 5432, "TCP")]),
    pod("api", "pay", labels={"app": "api"}),
]
ENTIRE = "entire-cluster"
TEAM_PAY = "[namespace with {team=pay}]/[all pods]"


def db_policy(ingress_peer: Obj, egress_peer: Obj | None = None) -> Obj:
    """db admits ``ingress_peer`` on 5432 and, when given, may reach ``egress_peer`` on 80."""
    spec: dict[str, object] = {"ingress": [{"from": [ingress_peer], "ports": [{"port": 5432}]}]}
    types = ["Ingress"]
    if egress_peer is not None:
        spec["egress"] = [{"to": [egress_peer], "ports": [{"port": 80}]}]
        types.append("Egress")
    return netpol("db", selector=sel(app="db"), policyTypes=types, **spec)


def representatives(g: nx.DiGraph) -> dict[str, dict[str, object]]:
    return {n: a for n, a in g.nodes(data=True) if a["type"] == "representative"}


def representative_edges(g: nx.DiGraph) -> set[tuple[str, str, str]]:
    reps = representatives(g)
    return {
        (s, d, str(a["connections"])) for s, d, a in g.edges(data=True) if s in reps or d in reps
    }


def section_edges(r: reach.Reach, by: str = "workload") -> set[tuple[str, str, str]]:
    """What the exposure section prints, as edges: peer -> node (ingress), node -> peer."""
    lines = exposure_section(r.analysis.view(by)).lines
    return {
        (x.peer, x.node.id, x.conns) if x.direction == "ingress" else (x.node.id, x.peer, x.conns)
        for x in lines
        if x.peer_type != "external"
    }


def test_empty_namespace_selector_is_an_entire_cluster_node() -> None:
    r = reach.from_objects([*BASE, db_policy({"namespaceSelector": {}})])
    g = r.export_graph(potential=True)
    reps = representatives(g)
    assert set(reps) == {ENTIRE}
    assert reps[ENTIRE]["kind"] == "EntireCluster"
    assert reps[ENTIRE]["name"] == "any pod that may later run in any namespace"
    assert representative_edges(g) == section_edges(r)
    assert (ENTIRE, "default/db[Pod]", "TCP 5432") in representative_edges(g)
    assert str(g.edges[ENTIRE, "default/db[Pod]"]["ports"]) == "TCP 5432"


def test_namespace_labels_are_a_namespace_labels_node_both_ways() -> None:
    team = {"namespaceSelector": sel(team="pay")}
    r = reach.from_objects([*BASE, db_policy(team, team)])
    g = r.export_graph(potential=True)
    reps = representatives(g)
    assert reps[TEAM_PAY]["kind"] == "Representative"
    assert reps[TEAM_PAY]["name"] == "any pod that may later run in namespaces labelled team=pay"
    assert reps[TEAM_PAY]["peer"] == TEAM_PAY
    assert reps[TEAM_PAY]["namespace_selector"] == "team=pay"
    assert reps[TEAM_PAY]["pod_selector"] == ""
    edges = representative_edges(g)
    assert edges == section_edges(r)
    assert {(TEAM_PAY, "default/db[Pod]", "TCP 5432"), ("default/db[Pod]", TEAM_PAY, "TCP 80")} <= (
        edges
    )


def test_representative_nodes_match_the_section_on_the_shop_at_each_granularity() -> None:
    r = reach.load(SHOP)
    for by in ("workload", "namespace", "pod"):
        g = r.export_graph(by=by, potential=True)
        assert representative_edges(g) == section_edges(r, by), by
        assert representative_edges(g), by


def test_named_ports_are_in_the_connections_text() -> None:
    # the shop's api-gateway may reach app/[pod with tier in (backend)] on TCP http
    g = reach.load(SHOP).export_graph(potential=True)
    rep = "app/[pod with {{Key:tier,Operator:In,Values:[backend],}}]"
    assert g.edges["web/api-gateway[Deployment]", rep]["connections"] == "TCP http"


def test_only_the_nodes_shown_get_representative_edges() -> None:
    team = {"namespaceSelector": sel(team="pay")}
    r = reach.from_objects([*BASE, db_policy(team, team)])
    g = r.export_graph(namespaces=["pay"], potential=True)
    assert not any("default/db[Pod]" in (s, d) for s, d, _ in representative_edges(g))
    focused = r.export_graph(focus="default/db", potential=True)
    assert TEAM_PAY in representatives(focused)


def _outputs(g: nx.DiGraph) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for fmt in GraphFormat:
        buf = io.BytesIO()
        render(g, fmt, buf)
        out[fmt.value] = buf.getvalue()
    return out


@pytest.mark.parametrize("by", ["workload", "namespace"])
def test_off_by_default_and_only_adds(by: str) -> None:
    r = reach.load(SHOP)
    default = _outputs(r.export_graph(by=by))
    assert default == _outputs(r.export_graph(by=by, potential=False))
    assert all(b"representative" not in text for text in default.values())
    g = r.export_graph(by=by, potential=True)
    assert representatives(g)
    g.remove_nodes_from(list(representatives(g)))
    assert _outputs(g) == default


def test_dot_graphml_and_json_carry_the_type() -> None:
    r = reach.from_objects([*BASE, db_policy({"namespaceSelector": sel(team="pay")})])
    outputs = _outputs(r.export_graph(potential=True))
    dot = outputs["dot"].decode()
    assert f'"{TEAM_PAY}" [label=' in dot
    assert 'shape="octagon"' in dot
    edge = next(x for x in dot.splitlines() if x.startswith(f'  "{TEAM_PAY}" -> '))
    assert 'label="TCP 5432"' in edge and 'style="dashed"' in edge
    graphml = nx.read_graphml(io.BytesIO(outputs["graphml"]))
    assert graphml.nodes[TEAM_PAY]["type"] == "representative"
    nodes = {n["id"]: n for n in json.loads(outputs["json"])["nodes"]}
    assert nodes[TEAM_PAY]["type"] == "representative"
    assert nodes[TEAM_PAY]["namespace_selector"] == "team=pay"


def test_pictures_give_representatives_a_marker_and_a_legend_entry() -> None:
    r = reach.from_objects([*BASE, db_policy({"namespaceSelector": {}}, sel_peer())])
    g = r.export_graph(potential=True)
    pic = picture_of(g)
    kinds = {p.id: (p.type, p.kind, p.group) for p in pic.nodes.values()}
    assert kinds[ENTIRE] == ("representative", "EntireCluster", "*")
    assert kinds[TEAM_PAY] == ("representative", "Representative", "*")
    n_pot = len(representative_edges(g))
    n_now = g.number_of_edges() - n_pot
    assert "2 representative peers" in pic.subtitle
    assert pic.subtitle.endswith(f"{n_now} allowed connections, {n_pot} with pods to come")
    fig = draw_graph(g, None)
    legend = fig.axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert "entire cluster" in texts
    assert "potential" in texts
    assert "pods to come" in texts


def sel_peer() -> Obj:
    return {"namespaceSelector": sel(team="pay")}


def _write(tmp_path: Path, objects: list[Obj]) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def test_cli_export_potential(tmp_path: Path) -> None:
    source = _write(tmp_path, [*BASE, db_policy({"namespaceSelector": {}})])
    code, out, err = run(["export", "-f", source, "--format", "json", "--potential"])
    assert code == 0, err
    nodes = {n["id"]: n["type"] for n in json.loads(out)["nodes"]}
    assert nodes[ENTIRE] == "representative"
    code, plain, err = run(["export", "-f", source, "--format", "json"])
    assert code == 0, err
    assert "representative" not in plain
    png = tmp_path / "g.png"
    code, _, err = run(["export", "-f", source, "--potential", "-o", str(png)])
    assert code == 0, err
    assert png.read_bytes().startswith(b"\x89PNG")


def test_cli_potential_is_no_matrix_option(tmp_path: Path) -> None:
    source = _write(tmp_path, BASE)
    code, _, err = run(["export", "-f", source, "--view", "matrix", "--potential", "-o", "m.png"])
    assert code == 2
    assert "--potential" in err
