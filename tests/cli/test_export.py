"""``reach export``: formats from the file extension, options, errors, fallbacks, Graphviz."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import reach
from reach import draw
from tests.helpers import SHOP, run
from tests.readers import PNG_MAGIC, dot_nodes, parse_dot, png_size, svg_texts


def test_export_command_infers_the_format_from_the_extension(tmp_path: Path) -> None:
    outputs: dict[str, Any] = {}
    for name in ("g.dot", "g.gv", "g.png", "g.svg", "g.graphml", "g.json"):
        path = tmp_path / name
        code, _, err = run(["export", "-f", SHOP, "-o", str(path)])
        assert code == 0, err
        outputs[name] = path.read_bytes()
    assert parse_dot(outputs["g.dot"].decode()).get_name() == "reach"
    assert outputs["g.gv"] == outputs["g.dot"]
    assert png_size(outputs["g.png"])[0] > 1000
    assert "reachability by workload" in svg_texts(outputs["g.svg"])
    assert len(nx.read_graphml(io.BytesIO(outputs["g.graphml"]))) == 14  # with internet
    assert len(json.loads(outputs["g.json"])["edges"]) == 36


def test_export_command_options(tmp_path: Path) -> None:
    code, out, _ = run(["export", "-f", SHOP, "--by", "namespace", "-n", "app", "-n", "db"])
    assert code == 0 and out.startswith("// reach")
    parsed = parse_dot(out)
    names = {n.get_name() for n in dot_nodes(parsed)}
    assert {'"app"', '"db"'} <= names and '"web"' not in names
    code, out, _ = run(
        ["export", "-f", SHOP, "--focus", "web/api-gateway", "--format", "json", "--no-policies"],
    )
    data = json.loads(out)
    assert code == 0 and data["graph"]["focus"] == "web/api-gateway"
    assert "egress_policies" not in data["edges"][0]
    code, out, _ = run(["export", "-f", SHOP, "--view", "matrix", "--format", "json"])
    assert code == 0 and json.loads(out)["namespaces"][-1] == "(external)"
    path = tmp_path / "m.svg"
    code, _, _ = run(["export", "-f", SHOP, "--view", "matrix", "-o", str(path)])
    assert code == 0 and "namespace × namespace" in svg_texts(path.read_bytes())


def test_export_command_errors(tmp_path: Path) -> None:
    base = ["export", "-f", SHOP]
    code, _, err = run([*base, "--format", "pdf"])
    assert code == 2 and "--format must be one of" in err
    code, _, err = run([*base, "--view", "matrix", "-o", str(tmp_path / "m.dot")])
    assert code == 2 and "matrix" in err
    code, _, err = run([*base, "--focus", "nope", "-o", str(tmp_path / "x.png")])
    assert code == 2 and "no node matches 'nope'" in err
    code, _, err = run([*base, "-n", "nope"])
    assert code == 2 and "no namespace nope" in err
    if shutil.which("dot") is None:
        code, _, err = run([*base, "--engine", "graphviz", "-o", str(tmp_path / "x.png")])
        assert code == 2 and "'dot' program" in err


def test_fallback_note_goes_to_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draw, "MAX_DRAW_NODES", 10)
    path = tmp_path / "g.png"
    code, _, err = run(["export", "-f", SHOP, "-o", str(path)])
    assert code == 0 and "reach: note:" in err and "namespace view" in err
    assert path.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_reads_the_dot_and_draws_it(shop: reach.Reach, tmp_path: Path) -> None:
    text = shop.to_dot()
    done = subprocess.run(["dot", "-Tplain"], input=text.encode(), capture_output=True, check=True)
    plain = done.stdout.decode()
    assert plain.count("\nnode ") == shop.export_graph().number_of_nodes()
    path = tmp_path / "gv.png"
    code, _, err = run(["export", "-f", SHOP, "--engine", "graphviz", "-o", str(path)])
    assert code == 0, err
    assert png_size(path.read_bytes())[0] > 500


def test_help_states_the_drawing_limits() -> None:
    code, out, _ = run(["export", "--help"])
    assert code == 0
    text = " ".join(out.split())
    assert f"more than {draw.MAX_DRAW_NODES} nodes or {draw.MAX_DRAW_EDGES} edges" in text
