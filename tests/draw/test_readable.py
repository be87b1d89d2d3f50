"""Pictures stay readable on a real application (issue 23).

On examples/microservices-demo, each picture kind (graph, path, matrix) is drawn as
SVG and read back (tests/draw/svgboxes.py): no two texts overlap, no node name is
shown twice, and each cut name carries its full name as tooltip. The checks are shown
to fail on inputs made to break them.
"""

from __future__ import annotations

from collections import Counter

import pytest
from matplotlib.figure import Figure

import reach
from reach import draw
from reach.draw.model import PNode, distinct_labels, short
from tests.draw.svgboxes import node_names, overlapping, text_boxes
from tests.helpers import EXAMPLES

DEMO = EXAMPLES / "microservices-demo"


@pytest.fixture(scope="module")
def demo() -> reach.Reach:
    return reach.load(str(DEMO))


def _svg(demo: reach.Reach, kind: str) -> bytes:
    if kind == "graph":
        fig = demo.draw(source="examples/microservices-demo")
    elif kind == "path":
        fig = demo.draw_path(demo.path("boutique/loadgenerator", "boutique/redis-cart"))
    else:
        fig = demo.draw(view="matrix", source="examples/microservices-demo")
    return draw.figure_bytes(fig, "svg")


@pytest.mark.parametrize("kind", ["graph", "path", "matrix"])
def test_no_two_texts_of_the_demo_pictures_overlap(demo: reach.Reach, kind: str) -> None:
    boxes = text_boxes(_svg(demo, kind))
    assert len(boxes) > 10  # titles, names, labels, legend: the picture has its texts
    assert overlapping(boxes) == []


@pytest.mark.parametrize("kind", ["graph", "path"])
def test_no_node_name_of_the_demo_pictures_repeats(demo: reach.Reach, kind: str) -> None:
    names = node_names(_svg(demo, kind))
    shown = Counter(s for s, _ in names)
    assert len(names) >= (14 if kind == "graph" else 5)
    assert [s for s, n in shown.items() if n > 1] == []


def test_each_node_name_shown_is_its_full_name_or_a_cut_of_it(demo: reach.Reach) -> None:
    names = node_names(_svg(demo, "graph"))
    for shown, full in names:
        head, cut, tail = shown.partition("…")
        assert head in full and (not cut or full.split("[")[0].endswith(tail)), (shown, full)
    assert ("recommendationservice", "boutique/recommendationservice[Deployment]") in names


def test_the_internet_exposure_of_the_demo_is_drawn(demo: reach.Reach) -> None:
    svg = _svg(demo, "graph").decode()
    # the two ways in reach the frontend: the internet entry point and the open range
    assert "internet → boutique/frontend[Deployment]: TCP 8080" in svg
    assert "0.0.0.0-255.255.255.255[External] → boutique/frontend[Deployment]" in svg
    # the open egress of all twelve workloads is one bundle, each workload marked
    assert svg.count("reaches 0.0.0.0-255.255.255.255[External]: All Connections") == 12
    shown = [b.text for b in text_boxes(svg.encode())]
    assert "12 workloads" in shown
    assert "all connections" in shown  # the legend says what the red arrows mean ...
    assert not any("All Connections" in t for t in shown)  # ... and no label repeats it


def test_the_overlap_check_finds_texts_drawn_over_each_other() -> None:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, "productcatalogservice", fontsize=7.5, ha="center")
    ax.text(0.55, 0.5, "shippingservice", fontsize=7.5, ha="center")
    ax.text(0.1, 0.9, "alone", fontsize=7.5)
    found = overlapping(text_boxes(draw.figure_bytes(fig, "svg")))
    assert found == [("productcatalogservice", "shippingservice")]


def test_names_that_read_the_same_when_cut_from_the_end_are_told_apart() -> None:
    # two workloads whose names differ only past the 24th character: cut from the end
    # (as pictures did) they read the same; cut in the middle they do not
    a, b = "argocd-application-controller", "argocd-application-contr0ller-x"
    assert a[:23] == b[:23]
    assert short(a) != short(b)
    nodes = {
        n: PNode(n, a[:23] + "…", "workload", "Deployment", "argocd", full=n)
        for n in (f"argocd/{a}[Deployment]", f"argocd/{b}[Deployment]")
    }
    distinct_labels(nodes)
    assert len({p.label for p in nodes.values()}) == 2


def test_names_equal_but_for_their_kind_get_it_added() -> None:
    name = "argocd-application-controller"
    nodes = {
        f"argocd/{name}[{k}]": PNode(f"argocd/{name}[{k}]", short(name), "workload", k, "argocd")
        for k in ("Deployment", "StatefulSet")
    }
    distinct_labels(nodes)
    labels = sorted(p.label for p in nodes.values())
    assert labels[0] != labels[1] and labels[1].endswith("(StatefulSet)")


def test_hop_labels_of_every_path_from_the_load_generator_stay_apart(demo: reach.Reach) -> None:
    targets = [
        n.id
        for n in demo.view("workload").nodes
        if n.type == "workload" and n.name != "loadgenerator"
    ]
    assert len(targets) == 11
    for target in targets:
        result = demo.path("boutique/loadgenerator", target, all_paths=True)
        svg = draw.figure_bytes(demo.draw_path(result), "svg")
        assert overlapping(text_boxes(svg)) == [], target
