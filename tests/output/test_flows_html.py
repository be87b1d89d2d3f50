"""The notebook display of ``reach flows check``: its headline and a table per section, as
HTML with the text escaped, at most ``SHOWN`` rows each, and the diagnostics."""

from __future__ import annotations

import html
import re

import reach
from reach.input.flows import FlowFile
from reach.model.flows import FlowEnd, ObservedFlow
from reach.output.results.flows_html import SHOWN
from tests.helpers import EXAMPLES, SHOP


def _rows(page: str, title: str) -> list[list[str]]:
    """The cells of the table under the heading that starts with ``title``."""
    found = re.search(
        re.escape(f"<p><b>{title}") + r".*?</b></p><table>(.*?)</table>", page, re.DOTALL
    )
    assert found, title
    body = found.group(1).split("<tbody>")[1]
    return [
        [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_a_flows_check_shows_itself_as_tables_in_a_notebook() -> None:
    result = reach.check_flows(reach.load(SHOP), str(EXAMPLES / "flows" / "shop-hubble.json"))
    page = result._repr_html_()
    assert page is not None
    assert html.escape(result.headline, quote=False) in page
    assert _rows(page, "Dropped by the current policies (1)") == [
        [f.what, "1 flow", f.origin, f.because] for f in result.dropped
    ]
    assert "no rule admits web/frontend[Deployment]" in result.dropped[0].because
    allowed = _rows(page, f"Allowed ({len(result.passing)})")
    assert allowed == [
        [f.what, f"{f.count:,} flow" + "s" * (f.count != 1), f.origin, f.because]
        for f in result.passing
    ]
    unmatched = _rows(page, "Not matched to the model (not checked) (3)")
    assert [row[3] for row in unmatched] == [u.reason for u in result.unmatched]
    permissive = _rows(page, "Allowed but never observed, between workloads")
    assert permissive == [
        [f"{o.src} => {o.dst}", str(o.ports), "yes" if o.observed else "never"]
        for o in result.over_permissive[:SHOWN]
    ]
    more = len(result.over_permissive) - SHOWN
    assert more > 0 and f"... and {more:,} more" in page
    assert "=>" not in page and "=&gt;" in page  # every text escaped
    assert "<li>1 reply (the other half of a connection)</li>" in page
    assert "Broken by" not in page  # no change checked: no such section


def test_the_broken_flows_and_the_diagnostics_are_shown() -> None:
    objects = [
        {
            "kind": "Deployment",
            "metadata": {"name": n, "namespace": "a"},
            "spec": {"template": {"metadata": {"labels": {"app": n}}}},
        }
        for n in ("x", "y")
    ]
    objects.append({"kind": "Gadget", "metadata": {"name": "g", "namespace": "a"}})
    r = reach.from_objects(objects)
    flows = FlowFile([ObservedFlow(FlowEnd(ref="a/x"), FlowEnd(ref="a/y"), "TCP", 80, "t:1")])
    result = reach.check_flows(r, flows, default_deny=True)
    page = result._repr_html_()
    assert page is not None
    (row,) = _rows(page, "Broken by a default deny in every namespace (1)")
    assert row[:3] == ["a/x[Deployment] => a/y[Deployment] : TCP 80", "1 flow", "t:1"]
    assert "a/reach-default-deny" in row[3]
    assert result.diagnostics and "diagnostic" in page.split("</table>")[-1]
    assert html.escape(result.diagnostics[0].message, quote=False) in page
