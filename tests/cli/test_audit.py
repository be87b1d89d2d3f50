"""``reach audit``: exit codes, errors, formats and output files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from reach.audit.checks import CHECKS
from tests.helpers import SHOP, SHOP_EXPECT, TYPO, run


def test_cli_exit_codes(tmp_path: Path) -> None:
    code, out, _ = run(["audit", "-f", SHOP, "--expect", SHOP_EXPECT])
    assert code == 0 and "9 of 9 hold" in out
    code, out, _ = run(["audit", "-f", TYPO, "--expect", SHOP_EXPECT])
    assert code == 1 and "FAIL  orders can use postgres" in out
    # without the file the platform namespaces are open to the internet: high
    code, _, _ = run(["audit", "-f", SHOP])
    assert code == 1
    code, _, _ = run(["audit", "-f", SHOP, "--no-checks"])
    assert code == 0
    # the expectations alone: the broken one fails the typo
    assert run(["audit", "-f", TYPO, "--expect", SHOP_EXPECT, "--no-checks"])[0] == 1
    # the shop's only unignored finding below info is internet-ingress (low)
    assert run(["audit", "-f", SHOP, "--expect", SHOP_EXPECT, "--fail-on", "low"])[0] == 1
    assert run(["audit", "-f", SHOP, "--expect", SHOP_EXPECT, "--fail-on", "medium"])[0] == 0
    # without the expectations, the typo's peer (medium) fails a run at --fail-on medium only
    typo_checks = ["audit", "-f", TYPO, "--expect", str(_without_expectations(tmp_path))]
    assert run([*typo_checks, "--fail-on", "medium"])[0] == 1
    assert run([*typo_checks, "--fail-on", "high"])[0] == 0


def _without_expectations(tmp_path: Path) -> Path:
    """The shop file's checks section only (platform namespaces ignored)."""
    import yaml

    doc = yaml.safe_load(Path(SHOP_EXPECT).read_text())
    doc.pop("expectations")
    path = tmp_path / "checks-only.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_cli_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run(["audit", "-f", SHOP, "--fail-on", "critical"])
    assert code == 2 and "--fail-on must be one of low, medium, high" in err
    code, _, err = run(["audit", "-f", SHOP, "--format", "xml"])
    assert code == 2 and "--format must be one of txt, json, md, junit" in err
    code, _, err = run(["audit", "-f", SHOP, "--skip", "nope"])
    assert code == 2 and "--skip 'nope': no such check" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("expectations:\n  - expect: deny\n    from: {namespace: 3}\n    to: {}\n")
    code, out, err = run(["audit", "-f", SHOP, "--expect", str(bad)])
    assert code == 2 and out == ""
    assert (
        f"reach: error: {bad}:3:12: {bad} expectations[0].from.namespace: must be a string" in err
    )
    code, _, err = run(["audit", "-f", SHOP, "--expect", str(tmp_path / "missing.yaml")])
    assert code == 2 and "missing.yaml: cannot read" in err
    code, _, err = run(["audit"])
    assert code == 2 and "no input" in err


def test_cli_formats_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "audit.xml"
    code, out, _ = run(
        ["audit", "-f", TYPO, "--expect", SHOP_EXPECT, "--format", "junit", "-o", str(target)],
    )
    assert code == 1 and out == ""
    root = ET.parse(target).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "1"
    code, out, _ = run(["audit", "-f", TYPO, "--format", "json"])
    assert code == 1 and json.loads(out)["schema"] == "reach/audit/v1"
    code, out, _ = run(["audit", "-f", TYPO, "--format", "md"])
    assert out.startswith("## reach audit")
    code, out, _ = run(["audit", "--list-checks"])
    assert code == 0 and out.startswith("namespace-default-deny-ingress (medium)")
    assert len([line for line in out.splitlines() if not line.startswith(" ")]) == len(CHECKS)
