"""``reach diff``: exit codes, formats, output files, errors, a live side."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.helpers import EXAMPLES, SHOP, TYPO, run
from tests.k8s_server import KubeAPIServer, shop_objects


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    code, out, err = run(["diff", SHOP, TYPO])
    assert code == 0, err
    assert "- app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432" in out
    assert run(["diff", SHOP, TYPO, "--exit-code"])[0] == 1
    assert run(["diff", SHOP, SHOP, "--exit-code"])[0] == 0
    code, out, _ = run(["diff", SHOP, TYPO, "--format", "csv", "--by", "pod"])
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 2
    target = tmp_path / "diff.json"
    code, out, _ = run(["diff", SHOP, TYPO, "--format", "json", "-o", str(target)])
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["old"] == SHOP


def test_cli_errors_exit_2(tmp_path: Path) -> None:
    code, out, err = run(["diff", SHOP, str(tmp_path / "nope")])
    assert code == 2 and out == "" and "NEW" in err and "no such file or directory" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {}\n")
    code, _, err = run(["diff", str(bad), SHOP])
    assert code == 2 and "reach: error: OLD " in err and "metadata.name: is required" in err
    code, _, err = run(["diff", SHOP, TYPO, "--by", "cluster"])
    assert code == 2 and "--by must be one of" in err
    code, _, err = run(["diff", SHOP, TYPO, "--format", "xml"])
    assert code == 2 and "--format must be one of txt, json, md, csv" in err
    code, _, err = run(
        ["diff", "live:nowhere", SHOP, "--kubeconfig", str(tmp_path / "no-kubeconfig")]
    )
    assert code == 2 and err.startswith("reach: error: OLD live:nowhere: ")
    assert "Traceback" not in err


def test_cli_live_side(tmp_path: Path) -> None:
    srv = KubeAPIServer(shop_objects(EXAMPLES)).start()
    try:
        kc = srv.kubeconfig(tmp_path / "kc", context="prod")
        code, out, err = run(["diff", "live:prod", TYPO, "--kubeconfig", str(kc)])
        assert code == 0, err
        assert out.splitlines()[1:] == [
            "- app/orders[Deployment] => db/postgres[StatefulSet] : TCP 5432",
            "0 added, 1 removed, 0 changed connections; workloads: 0 added, 0 removed",
        ]
        code, out, _ = run(["diff", SHOP, "live:", "--kubeconfig", str(kc), "--exit-code"])
        assert code == 0 and out.endswith("no differences\n")
    finally:
        srv.stop()
