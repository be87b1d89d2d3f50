"""Bundling arrows that would pile up (issue 23): outside peers per box, busy box pairs."""

from __future__ import annotations

from reach.draw import style
from reach.draw.bundles import BOX_BUNDLE_MIN, bundle
from reach.draw.model import PEdge, Picture, PNode


def _workloads(ns: str, k: int) -> dict[str, PNode]:
    return {
        f"{ns}/w{i}[Deployment]": PNode(
            f"{ns}/w{i}[Deployment]", f"w{i}", "workload", "Deployment", ns
        )
        for i in range(k)
    }


def test_a_range_reaching_several_workloads_of_a_box_is_one_arrow_and_marks() -> None:
    nodes = _workloads("a", 3) | _workloads("b", 1)
    nodes["0.0.0.0-255.255.255.255[External]"] = PNode(
        "0.0.0.0-255.255.255.255[External]", "0.0.0.0-255.255.255.255", "external", "External", ""
    )
    ext = "0.0.0.0-255.255.255.255[External]"
    edges = [PEdge(ext, n, "TCP 443", False) for n in nodes if n.startswith("a/")]
    edges.append(PEdge(ext, "b/w0[Deployment]", "TCP 443", False))  # alone in its box
    singles, bundles, marks = bundle(Picture(nodes, edges, "t"))
    assert [e.dst for e in singles] == ["b/w0[Deployment]"]
    assert [(b.src, b.dst, len(b.edges)) for b in bundles] == [(ext, "a", 3)]
    assert bundles[0].label("workload") == "3 workloads: TCP 443"
    # every workload the range reaches is marked, the one reached by a single arrow too
    assert sorted(m.node for m in marks) == sorted(n for n in nodes if n != ext)
    assert all(m.into and m.tooltip.startswith(f"reached from {ext}") for m in marks)


def test_many_arrows_between_two_boxes_of_a_busy_picture_are_one_bundle() -> None:
    nodes = _workloads("a", 7) | _workloads("b", 7)
    edges = [
        PEdge(s, d, "TCP 80", False)
        for s in nodes
        if s.startswith("a/")
        for d in nodes
        if d.startswith("b/")
    ]
    assert len(edges) > style.LABEL_MAX_EDGES
    singles, bundles, marks = bundle(Picture(nodes, edges, "t"))
    assert singles == [] and marks == []
    assert [(b.src, b.dst, b.src_box, b.dst_box, len(b.edges)) for b in bundles] == [
        ("a", "b", True, True, 49)
    ]
    assert bundles[0].label("workload") == "49 connections: TCP 80"
    assert "a/w0[Deployment] → b/w6[Deployment]: TCP 80" in bundles[0].tooltip()


def test_a_picture_with_few_arrows_keeps_them_apart() -> None:
    nodes = _workloads("a", 3) | _workloads("b", 3)
    edges = [
        PEdge(s, d, "TCP 80", False) for s in nodes if s[0] == "a" for d in nodes if d[0] == "b"
    ]
    assert BOX_BUNDLE_MIN <= len(edges) <= style.LABEL_MAX_EDGES
    singles, bundles, _ = bundle(Picture(nodes, edges, "t"))
    assert bundles == [] and len(singles) == len(edges)


def test_path_hops_are_never_bundled() -> None:
    nodes = _workloads("a", 2)
    nodes["internet"] = PNode("internet", "internet", "entry", "Internet", "*")
    edges = [PEdge("internet", n, "1: TCP 80", False, highlight=True) for n in _workloads("a", 2)]
    singles, bundles, _ = bundle(Picture(nodes, edges, "t"))
    assert bundles == [] and singles == edges
