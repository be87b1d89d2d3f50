"""The audit report as JSON, Markdown and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import reach
from reach.output import to_text
from tests.helpers import SHOP, SHOP_EXPECT, TYPO


def test_json_and_md() -> None:
    r = reach.load(TYPO).audit(expect=SHOP_EXPECT)
    doc = r.to_dict("medium")
    json.dumps(doc)
    assert doc["schema"] == "reach/audit/v1" and doc["failed"] and doc["fail_on"] == "medium"
    assert doc["counts"] == {"info": 1, "low": 1, "medium": 1, "high": 1}
    assert [e["status"] for e in doc["expectations"]].count("failed") == 1
    md = to_text(r, "md")
    assert md.startswith("## reach audit: ❌ FAIL (fail on high)")
    assert "| ❌ | orders can use postgres | high |" in md
    assert "`peer-matches-nothing`" in md


def test_junit_parses_and_counts_are_right() -> None:
    r = reach.load(TYPO).audit(expect=SHOP_EXPECT)
    for fail_on, failures in (("high", 1), ("medium", 2), ("low", 3)):
        root = ET.fromstring(to_text(r, "junit", fail_on=fail_on))
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        assert set(suites) == {"expectations", "checks"}
        cases = root.findall("testsuite/testcase")
        fails = [c for c in cases if c.find("failure") is not None]
        skips = [c for c in cases if c.find("skipped") is not None]
        assert int(root.get("tests", -1)) == len(cases)
        assert int(root.get("failures", -1)) == len(fails) == failures
        # the ignored findings, and the two entry-point checks not applicable
        assert int(root.get("skipped", -1)) == len(skips) == 16
        for s in suites.values():
            assert int(s.get("tests", -1)) == len(s.findall("testcase"))
            assert int(s.get("failures", -1)) == sum(
                1 for c in s.findall("testcase") if c.find("failure") is not None
            )
        exp = suites["expectations"].findall("testcase")
        assert len(exp) == 9
        broken = [c for c in exp if c.find("failure") is not None]
        assert [c.get("name") for c in broken] == ["orders can use postgres"]
    # one passing case per check without findings
    root = ET.fromstring(to_text(reach.load(SHOP).audit(), "junit"))
    names = {c.get("name") for c in root.iter("testcase")}
    assert "named-port-unresolved" in names and "dns-unreachable" in names
    assert not any(s.get("name") == "expectations" for s in root.findall("testsuite"))
