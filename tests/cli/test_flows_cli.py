"""``reach flows check`` on the command line: exit codes, formats, malformed lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import EXAMPLES, SHOP, run

HUBBLE = str(EXAMPLES / "flows" / "shop-hubble.json")
CSV = str(EXAMPLES / "flows" / "shop-flows.csv")


def test_a_dropped_flow_exits_1_and_is_listed_first() -> None:
    code, out, err = run(["flows", "check", "-f", SHOP, "--flows", HUBBLE])
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].endswith("8 allowed, 1 dropped")
    assert lines[2] == "Dropped by the current policies (1):"
    assert lines[3].startswith("  web/frontend[Deployment] => db/postgres[StatefulSet] : TCP 5432")


def test_all_flows_allowed_exits_0_and_a_breaking_change_exits_1() -> None:
    code, out, _ = run(["flows", "check", "-f", SHOP, "--flows", CSV])
    assert code == 0 and "8 allowed, 0 dropped" in out
    code, out, _ = run(["flows", "check", "-f", SHOP, "--flows", CSV, "--default-deny"])
    assert code == 1 and "1 broken by a default deny in every namespace" in out


def test_json_and_md_formats() -> None:
    code, out, _ = run(["flows", "check", "-f", SHOP, "--flows", HUBBLE, "--format", "json"])
    data = json.loads(out)
    assert code == 1 and data["schema"] == "reach/flows-check/v1"
    assert data["summary"]["flows"] == 9
    code, out, _ = run(["flows", "check", "-f", SHOP, "--flows", HUBBLE, "--format", "md"])
    assert code == 1 and out.startswith("```text\nreach flows check:")


def test_malformed_lines_exit_2_naming_each(tmp_path: Path) -> None:
    f = tmp_path / "flows.csv"
    f.write_text("web/frontend,web/api-gateway,8080/TCP\nweb/frontend,x\na,b,http\n")
    code, out, err = run(["flows", "check", "-f", SHOP, "--flows", str(f)])
    assert code == 2 and not out
    assert f"reach: error: {f}:2: expected src,dst,port/proto[,count], got 2 fields" in err
    assert f"reach: error: {f}:3: 'http' is not a port" in err
    assert "2 malformed lines" in err and "Traceback" not in err
    code, out, err = run(["flows", "check", "-f", SHOP, "--flows", str(f), "--skip-invalid"])
    assert code == 0 and f"invalid line left out: {f}:2" in out


def test_proposed_needs_file_inputs() -> None:
    code, _, err = run(["flows", "check", "--context", "x", "--flows", CSV, "--proposed", SHOP])
    assert code == 2 and "--proposed works with -f inputs" in err
