"""End-to-end CLI: formats, granularities, output files, help, summary."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import EXAMPLES, SHOP, run


def test_list_txt_on_the_shop_example() -> None:
    code, out, err = run(["list", "-f", SHOP])
    assert code == 0, err
    lines = out.splitlines()
    assert "web/frontend[Deployment] => web/api-gateway[Deployment] : TCP 8080" in lines
    assert "app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432" in lines
    assert (
        "app/payments[Deployment] => 203.0.113.0-203.0.113.255[External] : TCP 443,8443-8445"
        in lines
    )
    assert not any(line.startswith("web/frontend[Deployment] => db/") for line in lines)
    assert lines == sorted(
        lines, key=lambda s: tuple(s.split(" => ")[0:1] + s.split(" => ")[1].split(" : ")[:1])
    )


def test_typo_example_loses_exactly_one_connection() -> None:
    _, good, _ = run(["list", "-f", SHOP])
    _, typo, _ = run(["list", "-f", str(EXAMPLES / "shop-typo")])
    assert set(good.splitlines()) - set(typo.splitlines()) == {
        "app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432"
    }
    assert set(typo.splitlines()) <= set(good.splitlines())


def test_json_format_schema() -> None:
    code, out, _ = run(["list", "-f", SHOP, "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "reach/connections/v1"
    assert doc["granularity"] == "workload"
    nodes = {n["id"]: n for n in doc["nodes"]}
    gw = nodes["web/api-gateway[Deployment]"]
    assert gw["type"] == "workload" and gw["kind"] == "Deployment" and gw["namespace"] == "web"
    assert gw["labels"]["app"] == "api-gateway" and gw["pods"] == 2
    edge = next(
        e
        for e in doc["edges"]
        if e["src"] == "app/orders[Deployment]" and e["dst"] == "app/payments[Deployment]"
    )
    assert edge == {
        "src": "app/orders[Deployment]",
        "dst": "app/payments[Deployment]",
        "all": False,
        "ports": {"TCP": [[50051, 50051]]},
        "text": "TCP 50051",
    }
    for e in doc["edges"]:
        assert e["src"] in nodes and e["dst"] in nodes
    ext = [n for n in doc["nodes"] if n["type"] == "external"]
    assert ext and all({"first", "last"} <= set(n) for n in ext)


def test_csv_and_md_formats() -> None:
    _, txt_out, _ = run(["list", "-f", SHOP])
    _, csv_out, _ = run(["list", "-f", SHOP, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert len(rows) == len(txt_out.splitlines())
    assert {"src", "dst", "src_type", "dst_type", "ports"} == set(rows[0])
    _, md_out, _ = run(["list", "-f", SHOP, "--format", "md"])
    assert md_out.startswith("| src | dst | ports |\n|---|---|---|\n")
    assert len(md_out.splitlines()) == len(rows) + 2


def test_by_pod_and_by_namespace() -> None:
    _, pods, _ = run(["list", "-f", SHOP, "--by", "pod"])
    assert any(
        line.startswith("web/frontend-0[Pod] => web/api-gateway-1[Pod] : TCP 8080")
        for line in pods.splitlines()
    )
    _, nss, _ = run(["list", "-f", SHOP, "--by", "namespace"])
    lines = nss.splitlines()
    assert "app => db : TCP 5432,6379" in lines
    assert not any(line.startswith("db => app") for line in lines)


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    code, out, _ = run(["list", "-f", SHOP, "-o", str(target)])
    assert code == 0 and out == ""
    assert (
        "web/frontend[Deployment] => web/api-gateway[Deployment] : TCP 8080" in target.read_text()
    )


def test_summary_json() -> None:
    code, out, _ = run(["summary", "-f", SHOP, "--format", "json"])
    assert code == 0
    s = json.loads(out)
    assert s["pods"] == 17 and s["workloads"] == 9 and s["namespaces"] == 5
    assert s["ingress_isolated_pods"] == 14  # the 5 web, 7 app and 2 db pods
    assert 0 < s["classes"] <= s["workloads"]


def test_help_has_examples() -> None:
    code, out, _ = run(["list", "--help"])
    assert code == 0
    assert "reach list -f examples/shop" in out and "--format" in out and "--by" in out


def test_python_dash_m_entry_point() -> None:
    got = subprocess.run([sys.executable, "-m", "reach", "--help"], capture_output=True, text=True)
    assert got.returncode == 0 and "list" in got.stdout


def test_load_accepts_paths_and_rows_flatten_for_tables() -> None:
    from pathlib import Path

    import reach

    r = reach.load(Path(SHOP))
    assert r.cluster.sources == [SHOP]
    row = next(
        c
        for c in r.connections()
        if c.src.id == "app/orders[Deployment]" and c.dst.id == "app/payments[Deployment]"
    )
    assert row.to_dict() == {
        "src": "app/orders[Deployment]",
        "dst": "app/payments[Deployment]",
        "src_type": "workload",
        "dst_type": "workload",
        "ports": "TCP 50051",
        "all": False,
    }
