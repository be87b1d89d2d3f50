"""The interactive HTML export (issue 23): one self-contained page, tried in a real browser.

The browser test runs headless Chromium (the system's ``chromium`` and
``chromedriver``) through Selenium; it is skipped where they are not installed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import reach
from reach.draw.html import graph_html
from tests.helpers import EXAMPLES, run

DEMO = EXAMPLES / "microservices-demo"


@pytest.fixture(scope="module")
def demo() -> reach.Reach:
    return reach.load(str(DEMO))


def test_the_page_holds_its_library_and_graph_and_fetches_nothing(demo: reach.Reach) -> None:
    page = graph_html(demo.export_graph(source="examples/microservices-demo"))
    assert "<title>examples/microservices-demo: reachability by workload</title>" in page
    assert "Cytoscape Consortium" in page  # the library, inlined
    assert "boutique/redis-cart[Deployment]" in page
    for remote in ("<script src", "<link ", "http://", "https://", "fetch("):
        assert remote not in page.split("<script>")[0] + page.split("</script>")[-1]


def test_reach_export_writes_html_by_its_extension(tmp_path: Path) -> None:
    out = tmp_path / "g.html"
    code, _, err = run(["export", "-f", str(DEMO), "-o", str(out)])
    assert code == 0, err
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("no chromium and chromedriver on this machine")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=driver_path)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(demo: reach.Reach, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("html") / "demo.html"
    path.write_text(graph_html(demo.export_graph(source="examples/microservices-demo")))
    browser.get(path.as_uri())
    return browser


def test_the_page_loads_without_console_errors(page: Any) -> None:
    errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []


def test_the_page_shows_every_node_and_edge(demo: reach.Reach, page: Any) -> None:
    g = demo.export_graph()
    shown = page.execute_script("return reach.cy.nodes('[!box]').length")
    edges = page.execute_script("return reach.cy.edges().length")
    assert (shown, edges) == (g.number_of_nodes(), g.number_of_edges())


def test_searching_a_name_lights_it(page: Any) -> None:
    box = page.find_element("id", "search")
    box.clear()
    box.send_keys("redis")
    found = page.execute_script("return reach.cy.$('.found').map(n => n.id())")
    assert found == ["boutique/redis-cart[Deployment]"]
    assert "1 found" in page.find_element("id", "status").text


def _click(page: Any, node_id: str) -> list[str]:
    page.execute_script("reach.cy.getElementById(arguments[0]).emit('tap')", node_id)
    lit: list[str] = page.execute_script("return reach.cy.$('.lit').nodes().map(n => n.id())")
    return sorted(lit)


def test_a_click_lights_the_blast_radius_then_the_exposure(demo: reach.Reach, page: Any) -> None:
    start = "boutique/checkoutservice[Deployment]"
    radius = demo.blast_radius(start)
    expected = sorted(e.node.id for e in radius.entries)
    assert len(expected) > 5
    assert _click(page, start) == expected
    page.execute_script("document.getElementById('mode').value = 'exposure'")
    exposed = demo.exposure("boutique/redis-cart")
    lit = _click(page, "boutique/redis-cart[Deployment]")
    # the entry point is a node of the page; reach exposure says it in words
    assert exposed.internet_exposed and "internet" in lit
    assert [n for n in lit if n != "internet"] == sorted(e.node.id for e in exposed.entries)


def test_the_namespace_filter_hides_the_other_namespaces(page: Any) -> None:
    page.execute_script("reach.only('boutique')")
    hidden = page.execute_script(
        "return reach.cy.nodes('[!box]').filter(n => n.style('display') === 'none').length"
    )
    assert hidden == 0  # one namespace: all its nodes stay, and the outside ones
    page.execute_script("reach.only('kube-system')")
    hidden = page.execute_script(
        "return reach.cy.nodes('[!box]').filter(n => n.style('display') === 'none').length"
    )
    assert hidden == 12
    page.execute_script("reach.only('')")
