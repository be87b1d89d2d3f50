"""``reach path``, ``blast-radius``, ``exposure`` and ``explain``: exit codes, JSON, pictures."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import SHOP, run
from tests.readers import PNG_MAGIC, png_size, svg_texts


def test_cli_path_exit_codes() -> None:
    code, out, _ = run(["path", "-f", SHOP, "web/frontend", "db/postgres"])
    assert code == 0 and "shortest path: 3 hops" in out
    code, out, _ = run(["path", "-f", SHOP, "db/postgres", "web/frontend", "--port", "9999"])
    assert code == 1 and "not reachable" in out
    code, _, err = run(["path", "-f", SHOP, "web/frontned", "db/postgres"])
    assert code == 2 and "closest: web/frontend[Deployment]" in err
    code, _, err = run(["path", "-f", SHOP, "web/frontend", "db/postgres", "--port", "http"])
    assert code == 2 and "is not a port filter" in err


def test_cli_json_outputs() -> None:
    _, out, _ = run(["path", "-f", SHOP, "app/orders", "db/postgres", "--format", "json"])
    doc = json.loads(out)
    assert doc["reachable"] and doc["direct"]["ingress_policies"] == ["db/postgres-ingress"]
    _, out, _ = run(["blast-radius", "-f", SHOP, "web/api-gateway", "--format", "json"])
    doc = json.loads(out)
    assert doc["counts"]["direct"] == 5 + sum(
        1 for e in doc["entries"] if e["type"] == "external" and e["hops"] == 1
    )
    _, out, _ = run(["exposure", "-f", SHOP, "db/postgres", "--format", "json"])
    assert json.loads(out)["internet_exposed"] is True
    code, out, _ = run(["explain", "-f", SHOP, "web/frontend", "db/postgres", "--format", "json"])
    assert code == 1 and json.loads(out)["explanations"][0]["reason"].startswith(
        "db/postgres[StatefulSet] is isolated"
    )


def test_query_highlight_options(tmp_path: Path) -> None:
    path = tmp_path / "path.png"
    code, out, _ = run(["path", "-f", SHOP, "web/frontend", "db/postgres", "--png", str(path)])
    assert code == 0 and "shortest path: 3 hops" in out
    assert png_size(path.read_bytes())[0] > 1000
    path = tmp_path / "none.png"
    code, _, _ = run(
        ["path", "-f", SHOP, "db/redis", "web/frontend", "--max-hops", "1", "--png", str(path)],
    )
    assert code == 1 and path.read_bytes()[:8] == PNG_MAGIC
    path = tmp_path / "blast.png"
    code, out, _ = run(["blast-radius", "-f", SHOP, "web/api-gateway", "--png", str(path)])
    assert code == 0 and "blast radius of web/api-gateway" in out
    assert png_size(path.read_bytes())[0] > 1000
    path = tmp_path / "exposure.svg"
    code, _, _ = run(["exposure", "-f", SHOP, "db/postgres", "--png", str(path)])
    assert code == 0 and "exposure of db/postgres" in svg_texts(path.read_bytes())
