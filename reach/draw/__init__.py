"""Pictures with matplotlib: the reachability graph, the namespace matrix, highlights.

Figures are made with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``, so drawing needs no display and leaves the caller's backend alone.

- **Graph.** Each namespace is a box holding its nodes, boxes ordered so that
  most arrows run left to right and top to bottom; external ranges share a
  dashed box. Colour says the kind (Deployment, StatefulSet, ..., external
  range), shape the type (workload, pod, namespace, external). Arrows that
  allow every port are red and thick, port-restricted ones grey; edges carry
  their ports when there are at most :data:`LABEL_MAX_EDGES` of them.
- **Too large.** A graph with more than :data:`MAX_DRAW_NODES` nodes or
  :data:`MAX_DRAW_EDGES` edges cannot be read; callers then draw the namespace
  view, and the matrix when even that is too large.
- **Matrix.** Namespace x namespace heatmap of the share (or count) of allowed
  workload pairs, plus a row and a column for external addresses.
- **Highlights.** A path over its neighbourhood; a blast radius or exposure as
  the tree of hops, nodes shaded by hop distance.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from reach.analysis.labels import external_label, kind_of, title_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reach.analysis.paths import PathResult
    from reach.analysis.radius import Radius, Reached
    from reach.analysis.views import View
    from reach.model.ports import PortSet

#: A graph picture shows at most this many nodes ...
MAX_DRAW_NODES = 60
#: ... and at most this many edges; larger graphs fall back to the namespace view.
MAX_DRAW_EDGES = 250
#: Edges are labelled with their ports when the picture has at most this many.
LABEL_MAX_EDGES = 40
#: What ``_repr_png_``/``_repr_svg_`` render in notebooks: "png" or "svg".
NOTEBOOK_FORMAT = "png"

KIND_COLOURS = {
    "Deployment": "#4c78a8",
    "StatefulSet": "#8e6cbd",
    "DaemonSet": "#54a24b",
    "ReplicaSet": "#439894",
    "ReplicationController": "#439894",
    "Job": "#b79a20",
    "CronJob": "#9d755d",
    "Pod": "#7f7f7f",
    "Namespace": "#2a9d8f",
    "External": "#f58518",
}
EXTRA_COLOURS = ["#e45756", "#72b7b2", "#ff9da6", "#bab0ac", "#eeca3b", "#b279a2"]
MARKERS = {"workload": "o", "pod": "o", "namespace": "s", "external": "D", "start": "*"}
MARKER_SIZE = {"workload": 13.0, "pod": 10.0, "namespace": 16.0, "external": 11.0, "start": 20.0}
ALL_PORTS_COLOUR = "#c62828"
SOME_PORTS_COLOUR = "#607d8b"
PATH_COLOUR = "#e65100"
FADED = "#b0bec5"

CELL_W, CELL_H = 3.6, 1.55  # one node's slot in a namespace box (data units)
BOX_PAD, BOX_TITLE, BOX_GAP = 0.35, 0.75, 1.1
INCH = 0.62  # inches per data unit


def too_large(g: nx.DiGraph) -> bool:
    """Whether a graph picture of ``g`` would be unreadable (see :data:`MAX_DRAW_NODES`)."""
    return bool(g.number_of_nodes() > MAX_DRAW_NODES or g.number_of_edges() > MAX_DRAW_EDGES)


def size_text(g: nx.DiGraph) -> str:
    return f"{g.number_of_nodes():,} nodes and {g.number_of_edges():,} edges"


# -- the picture model ------------------------------------------------------------------------
@dataclass
class PNode:
    id: str
    label: str
    type: str  # workload | pod | namespace | external | start
    kind: str
    group: str  # namespace, "" for external ranges, "*" for ungrouped
    shade: int | None = None  # hop distance in highlights
    emphasis: bool = False
    faded: bool = False


@dataclass
class PEdge:
    src: str
    dst: str
    label: str
    all_ports: bool
    highlight: bool = False
    faded: bool = False


@dataclass
class Picture:
    nodes: dict[str, PNode]
    edges: list[PEdge]
    title: str
    subtitle: str = ""
    note: str = ""
    port_labels: bool | None = None  # None: when the picture has few edges
    shade_title: str = ""  # legend title of the hop shades
    group_order: list[str] = field(default_factory=list)


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_ID = re.compile(r"^(?P<ns>[^/\[\]]+)/(?P<name>[^\[\]]+)\[(?P<kind>[^\[\]]+)\]$")


def node_from_id(node_id: str, type_hint: str = "workload") -> PNode:
    """A picture node from a printed node id (``ns/name[Kind]``, ``range[External]``, ``ns``)."""
    if node_id.endswith("[External]"):
        name = node_id[: -len("[External]")]
        return PNode(node_id, external_label(name), "external", "External", "")
    m = _ID.match(node_id)
    if m:
        typ = "pod" if m["kind"] == "Pod" and type_hint == "pod" else "workload"
        return PNode(node_id, _short(m["name"]), typ, m["kind"], m["ns"])
    if type_hint == "namespace" and " " not in node_id:
        return PNode(node_id, _short(node_id), "namespace", "Namespace", "*")
    return PNode(node_id, _short(node_id, 30), "start", "", "*")


def picture_of(g: nx.DiGraph) -> Picture:
    """The picture model of an export graph."""
    nodes: dict[str, PNode] = {}
    by = g.graph.get("granularity", "workload")
    for node, a in g.nodes(data=True):
        typ = str(a.get("type", "workload"))
        name = str(a.get("name", node))
        if typ == "external":
            nodes[node] = PNode(node, external_label(name), typ, "External", "")
        elif typ == "namespace":
            nodes[node] = PNode(node, _short(name), typ, "Namespace", "*")
        else:
            nodes[node] = PNode(node, _short(name), typ, kind_of(a), str(a.get("namespace", "")))
    for node in g.graph.get("focus_nodes", ()):
        if node in nodes:
            nodes[node].emphasis = True
    edges = [PEdge(s, d, str(a["ports"]), a["ports"].is_all()) for s, d, a in g.edges(data=True)]
    n_int = sum(1 for p in nodes.values() if p.type != "external")
    n_ext = len(nodes) - n_int
    sub = f"{n_int} {by}{'s' if n_int != 1 else ''}"
    if n_ext:
        sub += f", {n_ext} external range{'s' if n_ext != 1 else ''}"
    sub += f", {len(edges)} allowed connection{'s' if len(edges) != 1 else ''}"
    return Picture(nodes, edges, title_of(g), sub)


# -- layout -----------------------------------------------------------------------------------
def _group_order(pic: Picture) -> list[str]:
    """Namespaces ordered so that most edges between them point forward."""
    groups = sorted({p.group for p in pic.nodes.values() if p.group not in ("", "*")})
    links = [PEdge(pic.nodes[e.src].group, pic.nodes[e.dst].group, "", False) for e in pic.edges]
    order = _flow_order(groups, links)
    if pic.group_order:
        rank = {g: i for i, g in enumerate(pic.group_order)}
        order.sort(key=lambda g: rank.get(g, len(rank)))
    return order


def _flow_order(items: Sequence[str], edges: Sequence[PEdge]) -> list[str]:
    """Eades' heuristic for few backward edges: sources first, sinks last, then best balance."""
    members = set(items)
    weight: dict[tuple[str, str], int] = {}
    for e in edges:
        if e.src != e.dst and e.src in members and e.dst in members:
            weight[(e.src, e.dst)] = weight.get((e.src, e.dst), 0) + 1
    left: list[str] = []
    right: list[str] = []
    rest = set(members)
    while rest:
        out = dict.fromkeys(rest, 0)
        inn = dict.fromkeys(rest, 0)
        for (a, b), w in weight.items():
            if a in rest and b in rest:
                out[a] += w
                inn[b] += w
        sinks = sorted(g for g in rest if out[g] == 0 and inn[g] > 0)
        if sinks:
            right = sinks + right
            rest -= set(sinks)
            continue
        sources = sorted(g for g in rest if inn[g] == 0)
        if sources:
            left += sources
            rest -= set(sources)
            continue
        best = max(sorted(rest), key=lambda g: out[g] - inn[g])
        left.append(best)
        rest.remove(best)
    return left + right


@dataclass
class Box:
    title: str
    x: float
    y: float  # top edge
    w: float
    h: float
    dashed: bool = False


def _layout(pic: Picture) -> tuple[dict[str, tuple[float, float]], list[Box]]:
    """Node positions and namespace boxes (y grows upward; boxes are placed top-down)."""
    members: dict[str, list[PNode]] = {}
    for p in pic.nodes.values():
        members.setdefault(p.group, []).append(p)
    for g, ps in members.items():
        ps.sort(key=lambda p: (p.shade if p.shade is not None else 99, p.type != "start", p.id))
        members[g] = ps
    pos: dict[str, tuple[float, float]] = {}
    boxes: list[Box] = []
    # ungrouped nodes (namespace granularity, or a highlight's start): a circle
    blocks: list[tuple[str, float, float, dict[str, tuple[float, float]]]] = []
    loose = members.pop("*", [])
    if len(loose) == 1:
        blocks.append(("*", CELL_W, CELL_H, {loose[0].id: (CELL_W / 2, -CELL_H / 2)}))
    elif loose:  # on a circle, in an order where most edges point forward
        rank = {nid: i for i, nid in enumerate(_flow_order([p.id for p in loose], pic.edges))}
        loose.sort(key=lambda p: rank[p.id])
        k = len(loose)
        radius = max(CELL_W * 0.9, k * CELL_W * 0.95 / (2 * math.pi))
        # turned so that the nodes talking to external ranges face their box (on the right)
        ext = {p.id for p in pic.nodes.values() if p.type == "external"}
        pull = [0] * k
        for e in pic.edges:
            for i, p in enumerate(loose):
                if (e.src == p.id and e.dst in ext) or (e.dst == p.id and e.src in ext):
                    pull[i] += 1
        turn = max(
            range(k),
            key=lambda t: sum(
                w * math.cos(math.pi / 2 - 2 * math.pi * (i + t) / k) for i, w in enumerate(pull)
            ),
        )
        local = {}
        for i, p in enumerate(loose):
            a = math.pi / 2 - 2 * math.pi * (i + turn) / k
            local[p.id] = (radius * (1 + math.cos(a)) + CELL_W / 2, -radius * (1 - math.sin(a)))
        blocks.append(("*", 2 * radius + CELL_W, 2 * radius + CELL_H, local))
    order = _group_order(pic)
    if "" in members:
        order.append("")
    for g in order:
        ps = members[g]
        k = len(ps)
        rows = min(k, max(1, math.ceil(math.sqrt(3 * k))))
        cols = math.ceil(k / rows)
        rows = math.ceil(k / cols)
        local = {}
        # staggered, so that no edge runs through a third node of the same box
        shift = 0.3 * CELL_H if cols > 1 else 0.0
        for i, p in enumerate(ps):
            c, r = divmod(i, rows)
            dx = (0.45 if r % 2 else -0.45) if cols == 1 and k > 2 else 0.0
            local[p.id] = (
                BOX_PAD + (c + 0.5) * CELL_W + dx,
                -(BOX_TITLE + (r + 0.5) * CELL_H + (shift if c % 2 else 0.0)),
            )
        height = rows * CELL_H + BOX_TITLE + BOX_PAD + (shift if cols > 1 else 0.0)
        blocks.append((g, cols * CELL_W + 2 * BOX_PAD, height, local))
    # blocks on a grid; connected blocks are moved next to each other
    weights: dict[tuple[int, int], int] = {}
    block_of = {nid: i for i, (_, _, _, local) in enumerate(blocks) for nid in local}
    for e in pic.edges:
        ba, bb = block_of.get(e.src), block_of.get(e.dst)
        if ba is not None and bb is not None and ba != bb:
            key = (min(ba, bb), max(ba, bb))
            weights[key] = weights.get(key, 0) + 1
    if not blocks:
        return pos, boxes
    cells = _arrange(len(blocks), weights)
    n_cols = max(c for c, _ in cells) + 1
    n_rows = max(r for _, r in cells) + 1
    col_w = [0.0] * n_cols
    row_h = [0.0] * n_rows
    for (c, r), (_, w, h, _) in zip(cells, blocks, strict=True):
        col_w[c] = max(col_w[c], w)
        row_h[r] = max(row_h[r], h)
    col_x = [sum(col_w[:c]) + c * BOX_GAP for c in range(n_cols)]
    row_y = [-(sum(row_h[:r]) + r * BOX_GAP) for r in range(n_rows)]
    for (c, r), (g, w, h, local) in zip(cells, blocks, strict=True):
        x = col_x[c] + (col_w[c] - w) / 2
        y = row_y[r] - (row_h[r] - h) / 2 if g == "*" else row_y[r]
        for nid, (lx, ly) in local.items():
            pos[nid] = (x + lx, y + ly)
        if g != "*":
            boxes.append(Box(g or "external ranges", x, y, w, h, dashed=g == ""))
    return pos, boxes


def _arrange(n: int, weights: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """Grid cells (column, row) for ``n`` blocks in their order, improved by swaps.

    The cost is the sum over connected pairs of edges x distance between their
    cells; swapping two cells (or a cell with an empty one) is kept while it
    lowers the cost.
    """
    if n <= 1:
        return [(0, 0)] * n
    cols = max(1, round(math.sqrt(n * 1.5)))
    rows = math.ceil(n / cols)
    slots = [(c, r) for r in range(rows) for c in range(cols)]
    place = list(range(n)) + [-1] * (len(slots) - n)  # slot -> block (or -1)

    def cost(where: list[int]) -> float:
        at = {b: slots[i] for i, b in enumerate(where) if b >= 0}
        total = 0.0
        for (a, b), w in weights.items():
            (ca, ra), (cb, rb) = at[a], at[b]
            total += w * math.hypot(ca - cb, (ra - rb) * 1.2)
        return total

    best = cost(place)
    improved = True
    rounds = 0
    while improved and rounds < 20:
        improved = False
        rounds += 1
        for i in range(len(slots)):
            for j in range(i + 1, len(slots)):
                if place[i] < 0 and place[j] < 0:
                    continue
                place[i], place[j] = place[j], place[i]
                c = cost(place)
                if c < best - 1e-9:
                    best = c
                    improved = True
                else:
                    place[i], place[j] = place[j], place[i]
    cells = [(0, 0)] * n
    for i, b in enumerate(place):
        if b >= 0:
            cells[b] = slots[i]
    # drop empty columns and rows
    used_c = sorted({c for c, _ in cells})
    used_r = sorted({r for _, r in cells})
    return [(used_c.index(c), used_r.index(r)) for c, r in cells]


# -- drawing ----------------------------------------------------------------------------------
def _colour(kind: str) -> str:
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    return EXTRA_COLOURS[sum(map(ord, kind)) % len(EXTRA_COLOURS)]


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained", dpi=100)


def _hop_colours(max_hop: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["plasma"]
    if max_hop <= 1:
        return [to_hex(cmap(0.15))]
    return [to_hex(cmap(0.12 + 0.72 * i / (max_hop - 1))) for i in range(max_hop)]


def _node_font(p: PNode) -> float:
    return 7.5 if p.type != "external" else 6.8


Rect = tuple[float, float, float, float]


class _Placer:
    """Keeps text boxes apart: picks, among candidate spots, the one overlapping least."""

    def __init__(self, unit: float) -> None:
        self.unit = unit  # inches per data unit
        self.rects: list[Rect] = []

    def box(self, x: float, y: float, text: str, font: float, va: str = "center") -> Rect:
        lines = text.split("\n")
        w = max(len(line) for line in lines) * font * 0.6 / 72 / self.unit + 0.1
        h = len(lines) * font * 1.3 / 72 / self.unit + 0.06
        top = y + h / 2 if va == "center" else y
        return (x - w / 2, top - h, x + w / 2, top)

    def add(self, r: Rect) -> None:
        self.rects.append(r)

    def overlap(self, r: Rect) -> float:
        total = 0.0
        for o in self.rects:
            w = min(r[2], o[2]) - max(r[0], o[0])
            h = min(r[3], o[3]) - max(r[1], o[1])
            if w > 0 and h > 0:
                total += w * h
        return total

    def best(
        self, spots: Sequence[tuple[float, float]], text: str, font: float
    ) -> tuple[float, float]:
        best, best_cost = spots[0], math.inf
        for x, y in spots:
            cost = self.overlap(self.box(x, y, text, font))
            if cost < best_cost - 1e-9:
                best, best_cost = (x, y), cost
            if cost == 0:
                break
        self.add(self.box(best[0], best[1], text, font))
        return best


def draw_picture(pic: Picture, ax: Axes | None = None) -> Figure:
    """Lay out and draw a picture model; return its figure."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    pos, boxes = _layout(pic)
    xs = [x for x, _ in pos.values()] + [b.x for b in boxes] + [b.x + b.w for b in boxes]
    ys = [y for _, y in pos.values()] + [b.y for b in boxes] + [b.y - b.h for b in boxes]
    x0, x1 = min(xs, default=0) - 0.6, max(xs, default=1) + 0.6
    y0, y1 = min(ys, default=-1) - 0.9, max(ys, default=0) + 0.3
    if ax is None:
        width = min(26.0, max(8.0, (x1 - x0) * INCH + 2.6))
        height = min(20.0, max(4.5, (y1 - y0) * INCH + 1.4))
        fig = new_figure(width, height)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")

    for b in boxes:
        ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y - b.h),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=0.3",
                facecolor="#f7f9fa" if not b.dashed else "#fff8f0",
                edgecolor="#90a4ae",
                linestyle="--" if b.dashed else "-",
                linewidth=1.0,
                zorder=0,
            )
        )
        ax.text(
            b.x + 0.25,
            b.y - 0.2,
            _short(b.title, int(b.w * 5.5)),
            ha="left",
            va="top",
            fontsize=9.5,
            fontweight="bold",
            color="#37474f",
            zorder=1,
        )

    shades = [p.shade for p in pic.nodes.values() if p.shade is not None]
    hop_colours = _hop_colours(max(shades)) if shades else []
    n_edges = len(pic.edges)
    labels = pic.port_labels if pic.port_labels is not None else n_edges <= LABEL_MAX_EDGES
    pair = {(e.src, e.dst) for e in pic.edges}
    thin = n_edges > 150
    # text sizes in data units, for keeping labels apart
    fig_w, fig_h = fig.get_size_inches()
    unit = min((fig_w - 2.4) / max(x1 - x0, 1e-6), (fig_h - 1.2) / max(y1 - y0, 1e-6))
    unit = max(unit, 0.05)  # inches per data unit
    placed = _Placer(unit)
    for p in pic.nodes.values():
        if p.id in pos:
            x, y = pos[p.id]
            r = MARKER_SIZE.get(p.type, 12.0) / 144 / unit
            placed.add((x - r, y - r, x + r, y + r))
            placed.add(placed.box(x, y - 0.34, p.label, _node_font(p), "top"))
    fan: dict[str, int] = {}
    for e in sorted(pic.edges, key=lambda e: (e.highlight, not e.faded, e.src, e.dst)):
        if e.src not in pos or e.dst not in pos:
            continue
        (ax_, ay), (bx, by) = pos[e.src], pos[e.dst]
        k = fan.get(e.src, 0)
        fan[e.src] = k + 1
        same_col = abs(ax_ - bx) < 1.0 and pic.nodes[e.src].group == pic.nodes[e.dst].group
        if same_col and abs(ay - by) > CELL_H * 1.2:
            rad = 0.4
        elif (e.dst, e.src) in pair:
            rad = 0.16
        else:
            rad = 0.07 + 0.05 * (k % 3)
        if e.highlight:
            colour, width, alpha, z = PATH_COLOUR, 2.8, 1.0, 4
        elif e.faded:
            colour, width, alpha, z = FADED, 0.8, 0.55, 2
        elif e.all_ports:
            colour, width, alpha, z = ALL_PORTS_COLOUR, 1.8 if not thin else 0.9, 0.85, 3
        else:
            colour, width, alpha, z = SOME_PORTS_COLOUR, 1.1 if not thin else 0.5, 0.8, 3
        if thin and not e.highlight:
            alpha *= 0.6
        shrink_a = MARKER_SIZE[pic.nodes[e.src].type] / 2 + 1.5
        shrink_b = MARKER_SIZE[pic.nodes[e.dst].type] / 2 + 2.0
        ax.add_patch(
            FancyArrowPatch(
                (ax_, ay),
                (bx, by),
                arrowstyle="-|>",
                mutation_scale=11 if not thin else 7,
                connectionstyle=f"arc3,rad={rad}",
                color=colour,
                linewidth=width,
                alpha=alpha,
                shrinkA=shrink_a,
                shrinkB=shrink_b,
                zorder=z,
            )
        )
        if (labels and not e.faded) or e.highlight:
            text = _short(e.label, 30)
            font = 6.5 if not e.highlight else 8.0
            cx = (ax_ + bx) / 2 + rad * (by - ay)
            cy = (ay + by) / 2 - rad * (bx - ax_)
            spots = []
            for t in (0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75):
                u = 1 - t
                spots.append(
                    (
                        u * u * ax_ + 2 * u * t * cx + t * t * bx,
                        u * u * ay + 2 * u * t * cy + t * t * by,
                    )
                )
            mx, my = placed.best(spots, text, font)
            ax.text(
                mx,
                my,
                text,
                fontsize=font,
                ha="center",
                va="center",
                color=colour if e.all_ports or e.highlight else "#37474f",
                fontweight="bold" if e.highlight else "normal",
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
                zorder=6 if e.highlight else 5,
            )

    for p in pic.nodes.values():
        if p.id not in pos:
            continue
        x, y = pos[p.id]
        colour = _colour(p.kind) if p.type != "start" else "#212121"
        if p.shade is not None and p.type != "start":
            colour = hop_colours[min(p.shade, len(hop_colours)) - 1]
        ax.plot(
            [x],
            [y],
            marker=MARKERS.get(p.type, "o"),
            markersize=MARKER_SIZE.get(p.type, 12.0),
            markerfacecolor=colour,
            markeredgecolor="#212121" if p.emphasis else "white",
            markeredgewidth=2.2 if p.emphasis else 1.0,
            alpha=0.45 if p.faded else 1.0,
            linestyle="none",
            zorder=7,
        )
        ax.text(
            x,
            y - 0.34,
            p.label,
            ha="center",
            va="top",
            fontsize=_node_font(p),
            fontweight="bold" if p.emphasis else "normal",
            color="#9e9e9e" if p.faded else "#212121",
            zorder=8,
            linespacing=1.0,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )

    # legend: node kinds, edge styles, highlights
    handles: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for p in sorted(pic.nodes.values(), key=lambda p: (p.type == "external", p.kind)):
        key = (p.type, p.kind)
        if key in seen or p.shade is not None or p.type == "start":
            continue
        seen.add(key)
        what = {"pod": f"pod of a {p.kind}", "external": "external range"}.get(p.type, p.kind)
        if p.type == "pod" and p.kind == "Pod":
            what = "pod"
        handles.append(
            Line2D(
                [],
                [],
                marker=MARKERS.get(p.type, "o"),
                markersize=MARKER_SIZE.get(p.type, 12.0) * 0.75,
                markerfacecolor=_colour(p.kind),
                markeredgecolor="white",
                linestyle="none",
                label=what,
            )
        )
    start = [p for p in pic.nodes.values() if p.type == "start" or (p.shade == 0)]
    if start:
        handles.append(
            Line2D([], [], marker="*", markersize=13, color="#212121", ls="none", label="start")
        )
    for i, c in enumerate(hop_colours, start=1):
        what = f"{i} hop{'s' if i > 1 else ''}"
        handles.append(
            Line2D([], [], marker="o", markersize=9, markerfacecolor=c, ls="none", label=what)
        )
    if any(e.highlight for e in pic.edges):
        handles.append(Line2D([], [], color=PATH_COLOUR, lw=2.8, label="path (hop: ports)"))
    if any(e.all_ports and not e.highlight and not e.faded for e in pic.edges):
        handles.append(Line2D([], [], color=ALL_PORTS_COLOUR, lw=1.8, label="all ports"))
    if any(not e.all_ports and not e.highlight and not e.faded for e in pic.edges):
        handles.append(Line2D([], [], color=SOME_PORTS_COLOUR, lw=1.1, label="some ports"))
    if any(e.faded for e in pic.edges):
        handles.append(Line2D([], [], color=FADED, lw=1.0, label="other connections"))
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            frameon=False,
            title=pic.shade_title or None,
            title_fontsize=8.5,
            alignment="left",
        )
    title = pic.title
    sub = "; ".join(s for s in (pic.subtitle, pic.note) if s)
    ax.set_title(
        title + (f"\n{sub}" if sub else ""), loc="left", fontsize=12, color="#263238", pad=10
    )
    return fig


def draw_graph(
    g: nx.DiGraph, ax: Axes | None = None, note: str = "", port_labels: bool | None = None
) -> Figure:
    """Draw an export graph (see :meth:`reach.Reach.export_graph`)."""
    pic = picture_of(g)
    pic.note = note
    pic.port_labels = port_labels
    return draw_picture(pic, ax)


# -- matrix -----------------------------------------------------------------------------------
@dataclass
class MatrixData:
    """Allowed pairs between the nodes (workloads or pods) of each pair of namespaces.

    ``counts[i, j]`` counts allowed (src, dst) node pairs from namespace ``i`` to
    ``j``; ``possible[i, j]`` the pairs there are. The last row and column are
    the external addresses when ``external``: ``counts[-1, j]`` counts the nodes
    of ``j`` some external address may reach, ``counts[i, -1]`` those of ``i``
    that may reach some external address.
    """

    namespaces: list[str]
    counts: np.ndarray[Any, np.dtype[np.int64]]
    possible: np.ndarray[Any, np.dtype[np.int64]]
    unit: str
    external: bool

    @property
    def labels(self) -> list[str]:
        return self.namespaces + (["(external)"] if self.external else [])

    def share(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: np.ndarray[Any, np.dtype[np.float64]] = np.where(
                self.possible > 0, self.counts / np.maximum(self.possible, 1), np.nan
            )
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "namespaces": self.labels,
            "counts": self.counts.tolist(),
            "possible": self.possible.tolist(),
        }


def matrix_data(view: View, namespaces: Sequence[str] = ()) -> MatrixData:
    """Count allowed pairs per namespace pair over ``view`` (workload or pod granularity)."""
    n_int = view.n_internal
    names = sorted({n.namespace or "" for n in view.nodes[:n_int]})
    if namespaces:
        wanted = set(namespaces)
        names = [ns for ns in names if ns in wanted]
    index = {ns: i for i, ns in enumerate(names)}
    k = len(names)
    ns_of = np.array(
        [index.get(n.namespace or "", -1) for n in view.nodes[:n_int]], dtype=np.intp
    ).reshape(-1)
    sizes = np.bincount(ns_of[ns_of >= 0], minlength=k).astype(np.int64)
    counts = np.zeros((k + 1, k + 1), dtype=np.int64)
    reaches_out = np.zeros(n_int, dtype=bool)
    reached_in = np.zeros(n_int, dtype=bool)
    for src, dst, _ in view.edge_blocks(chunk=512):
        inner = (src < n_int) & (dst < n_int)
        a, b = ns_of[src[inner]], ns_of[dst[inner]]
        ok = (a >= 0) & (b >= 0)
        flat = np.bincount(a[ok] * (k + 1) + b[ok], minlength=(k + 1) * (k + 1))
        counts += flat.reshape(k + 1, k + 1)
        reaches_out[src[(src < n_int) & (dst >= n_int)]] = True
        reached_in[dst[(src >= n_int) & (dst < n_int)]] = True
    has_ext = len(view.nodes) > n_int
    mine = ns_of >= 0
    counts[k, :k] = np.bincount(ns_of[mine & reached_in], minlength=k)
    counts[:k, k] = np.bincount(ns_of[mine & reaches_out], minlength=k)
    possible = np.zeros((k + 1, k + 1), dtype=np.int64)
    possible[:k, :k] = np.outer(sizes, sizes) - np.diag(sizes)
    possible[k, :k] = sizes
    possible[:k, k] = sizes
    if not has_ext:
        counts, possible = counts[:k, :k], possible[:k, :k]
    unit = "pod" if view.by == "pod" else "workload"
    return MatrixData(names, counts, possible, unit, has_ext)


def draw_matrix(
    data: MatrixData,
    ax: Axes | None = None,
    source: str = "cluster",
    value: str = "share",
    note: str = "",
) -> Figure:
    """Namespace x namespace heatmap: the share (or count) of allowed pairs."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LogNorm, Normalize

    if value not in ("share", "count"):
        raise ValueError(f"value must be share or count, not {value!r}")
    labels = data.labels
    n = len(labels)
    if ax is None:
        side = min(22.0, max(6.5, 2.8 + n * 0.13 + max(map(len, labels), default=4) * 0.06))
        fig = new_figure(side + 1.6, side)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    share = data.share()
    shown = share * 100 if value == "share" else data.counts.astype(float)
    masked = np.ma.masked_where(~(data.counts > 0), shown)
    cmap = colormaps["viridis"].with_extremes(bad="#eceff1")
    if value == "share":
        norm: Normalize = Normalize(vmin=0, vmax=100)
    else:
        top = max(2, int(data.counts.max(initial=1)))
        norm = LogNorm(vmin=1, vmax=top)
    # coloured once here: a large matrix then costs no colour mapping when drawn
    rgba = cmap(norm(masked), bytes=True)
    ax.imshow(rgba, interpolation="nearest", aspect="equal")
    font = max(3.2, min(9.0, 520 / max(n, 1)))
    step = 1 if n <= 160 else math.ceil(n / 160)
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=90, fontsize=font)
    ax.set_yticks(ticks, [labels[i] for i in ticks], fontsize=font)
    ax.tick_params(length=0)
    ax.set_xlabel("destination namespace", fontsize=9)
    ax.set_ylabel("source namespace", fontsize=9)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    if n <= 40:
        ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.2)
        ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if data.external:
        ax.axhline(n - 1.5, color="#455a64", lw=1.0)
        ax.axvline(n - 1.5, color="#455a64", lw=1.0)
    if n <= 16:
        for i in range(n):
            for j in range(n):
                if data.possible[i, j] == 0:
                    continue
                c, p = int(data.counts[i, j]), int(data.possible[i, j])
                text = f"{c}/{p}" + (f"\n{100 * c / p:.0f}%" if c else "")
                dark = c > 0 and norm(float(shown[i, j])) < 0.6
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="white" if dark else "#263238",
                )
    what = "share" if value == "share" else "number"
    bar = fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(
        f"% of {data.unit} pairs allowed" if value == "share" else f"allowed {data.unit} pairs",
        fontsize=9,
    )
    bar.ax.tick_params(labelsize=8)
    size = 11.0 if n > 16 else 10.0
    # wrapped to the width of the figure (the title starts at its left edge)
    chars = max(40, int(fig.get_size_inches()[0] * 0.92 * 72 / (size * 0.6)))
    lines = [
        f"{source}: namespace × namespace reachability ({len(data.namespaces)} namespaces)",
        f"{what} of allowed {data.unit} pairs from each source namespace (row) to each "
        "destination namespace (column); grey: none",
    ]
    if data.external:
        lines.append(
            f"(external): {data.unit}s reached from (row) / reaching (column) some external address"
        )
    if note:
        lines.append(note)
    fig.suptitle(
        "\n".join(w for line in lines for w in textwrap.wrap(line, chars)),
        x=0.02,
        ha="left",
        fontsize=size,
        color="#263238",
    )
    return fig


# -- highlights -------------------------------------------------------------------------------
def draw_path(
    result: PathResult,
    ax: Axes | None = None,
    graph: nx.DiGraph | None = None,
    rename: dict[str, str] | None = None,
) -> Figure:
    """Draw a path result: its hops over the neighbourhood from ``graph`` when given.

    ``rename`` maps the result's endpoint labels to node ids of ``graph``.
    """
    rename = rename or {}

    def name(x: str) -> str:
        return rename.get(x, x)

    hops = [(name(h.src), name(h.dst), h) for path in result.paths for h in path]
    on_path = {result.src and name(result.src), name(result.dst)}
    on_path |= {s for s, _, _ in hops} | {d for _, d, _ in hops}
    by = graph.graph.get("granularity", "workload") if graph is not None else "workload"
    nodes: dict[str, PNode] = {}
    edges: list[PEdge] = []
    note = ""
    if graph is not None:
        near = set(on_path)
        for n in on_path:
            if n in graph:
                near |= set(graph.successors(n)) | set(graph.predecessors(n))
        if len(near) > MAX_DRAW_NODES:
            note = f"{len(near)} neighbours are too many to draw; the path alone"
            near = set(on_path)
        sub = graph.subgraph(near)
        pic = picture_of(sub)
        nodes = pic.nodes
        for p in nodes.values():
            p.faded = p.id not in on_path
        path_pairs = {(s, d) for s, d, _ in hops}
        edges = [e for e in pic.edges if (e.src, e.dst) not in path_pairs]
        for e in edges:
            e.faded = True
        if len(edges) > MAX_DRAW_EDGES:
            edges = [e for e in edges if e.src in on_path and e.dst in on_path]
    for n in on_path:
        if n not in nodes:
            nodes[n] = node_from_id(n, by)
        nodes[n].emphasis = True
        nodes[n].faded = False
    multi = len(result.paths) > 1
    for k, path in enumerate(result.paths, start=1):
        for i, h in enumerate(path, start=1):
            tag = f"{k}.{i}" if multi else f"{i}"
            edges.append(PEdge(name(h.src), name(h.dst), f"{tag}: {h.ports}", False, True))
    seen: set[tuple[str, str]] = set()
    unique: list[PEdge] = []
    for e in edges:
        if (e.src, e.dst) not in seen:
            seen.add((e.src, e.dst))
            unique.append(e)
    flt = f" on {result.port_filter}" if result.port_filter else ""
    title = f"path{flt}: {result.src} → {result.dst}"
    if result.reachable:
        n_hops = len(result.paths[0])
        sub = f"shortest path: {n_hops} hop{'s' if n_hops != 1 else ''}"
        if result.direct_ok:
            sub = f"direct: {result.direct}; " + sub
        if multi:
            sub += f" ({len(result.paths)} paths)"
    else:
        sub = "no path: not reachable"
    if graph is not None:
        sub += "; grey: the other connections of the nodes on the path"
    pic = Picture(nodes, unique, title, sub, note, port_labels=False)
    return draw_picture(pic, ax)


def draw_radius(result: Radius, ax: Axes | None = None, source: str = "") -> Figure:
    """Blast radius or exposure as the tree of hops, nodes shaded by hop distance.

    Each node is drawn with the hop that reaches it first (from ``via``, or from
    the start). More than :data:`MAX_DRAW_NODES` nodes are summed up per
    namespace, shaded by the nearest node's distance.
    """
    forward = result.direction == "forward"
    start = result.target
    start_node = node_from_id(start, result.by)
    start_node.type, start_node.emphasis, start_node.shade = "start", True, 0
    nodes: dict[str, PNode] = {start: start_node}
    edges: list[PEdge] = []
    note = ""
    entries = _merge_ranges(result)
    if len(entries) + 1 <= MAX_DRAW_NODES:
        for node_id, typ, hops, _, _ in entries:
            p = node_from_id(node_id, typ)
            p.shade = hops
            nodes[node_id] = p
        for node_id, _, _, prev, ports in entries:
            prev = prev or start
            if prev not in nodes:
                nodes[prev] = node_from_id(prev, result.by)
            a, b = (prev, node_id) if forward else (node_id, prev)
            edges.append(PEdge(a, b, str(ports), ports.is_all()))
    else:
        note = (
            f"{len(result.entries)} nodes are too many to draw: one box per namespace, "
            "shaded by its nearest node"
        )
        best: dict[str, int] = {}
        count: dict[str, int] = {}
        home = start_node.group if start_node.group not in ("", "*") else ""
        for e in result.entries:
            ns = e.node.namespace or "(external)"
            best[ns] = min(best.get(ns, 99), e.hops)
            count[ns] = count.get(ns, 0) + 1
        for ns in sorted(best):
            label = f"{_short(ns)}\n{count[ns]} {result.by if ns != '(external)' else 'range'}s"
            typ = "external" if ns == "(external)" else "namespace"
            nodes[ns] = PNode(f"ns:{ns}", label, typ, "Namespace", "*", shade=best[ns])
        nodes = {p.id: p for p in nodes.values()}
        links: set[tuple[str, str]] = set()
        for e in result.entries:
            prev = e.via or start
            prev_ns = _namespace_of(prev)
            a = start if prev == start else f"ns:{prev_ns or home or '(external)'}"
            b = f"ns:{e.node.namespace or '(external)'}"
            if a != b and a in nodes and b in nodes:
                links.add((a, b) if forward else (b, a))
        if len(links) <= MAX_DRAW_EDGES:
            edges = [PEdge(a, b, "", False) for a, b in sorted(links)]
    c = result.counts()
    flt = f" on {result.port_filter}" if result.port_filter else ""
    lim = f" within {result.max_hops} hops" if result.max_hops else ""
    title = f"{result.title} of {start}{flt}{lim}"
    if source:
        title = f"{source}: {title}"
    sub = (
        f"{c['nodes']} {result.by}s ({c['pods']} pods) in {c['namespaces']} namespaces, "
        f"{c['external_ranges']} external ranges; arrows: the hop that reaches each node first"
    )
    if not forward and result.internet_exposed:
        sub += "; reachable from the internet"
    pic = Picture(
        nodes,
        edges,
        title,
        sub,
        note,
        shade_title="hops from start" if forward else "hops to target",
    )
    if len(nodes) > 1:
        pic.group_order = sorted(
            {p.group for p in nodes.values()},
            key=lambda g: min(p.shade or 0 for p in nodes.values() if p.group == g),
        )
    return draw_picture(pic, ax)


def _merge_ranges(result: Radius) -> list[tuple[str, str, int, str | None, PortSet]]:
    """``(node id, type, hops, via, ports)`` per entry, adjacent external ranges merged
    when they are reached alike (same hops, via and ports)."""
    out: list[tuple[str, str, int, str | None, PortSet]] = []
    ext = sorted(
        (e for e in result.entries if e.node.type == "external"),
        key=lambda e: (e.node.range.version, e.node.range.first),
    )
    run: list[Reached] = []

    def flush() -> None:
        if run:
            first, last = run[0].node.range, run[-1].node.range
            name = f"{first.first_address}-{last.last_address}[External]"
            out.append((name, "external", run[0].hops, run[0].via, run[0].ports))
            run.clear()

    for e in ext:
        if run:
            p = run[-1]
            r0, r1 = p.node.range, e.node.range
            alike = (p.hops, p.via, p.ports) == (e.hops, e.via, e.ports)
            if not (alike and r0.version == r1.version and r0.last + 1 == r1.first):
                flush()
        run.append(e)
    flush()
    inner = [
        (e.node.id, e.node.type, e.hops, e.via, e.ports)
        for e in result.entries
        if e.node.type != "external"
    ]
    return inner + out


def _namespace_of(node_id: str) -> str | None:
    m = _ID.match(node_id)
    return m["ns"] if m else None


# -- output -----------------------------------------------------------------------------------
def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """The figure as PNG or SVG bytes."""
    buf = io.BytesIO()
    save(fig, buf, fmt, dpi)
    return buf.getvalue()


def save(fig: Figure, path: str | Path | IO[bytes], fmt: str | None = None, dpi: int = 150) -> None:
    """Write the figure as PNG or SVG (``fmt`` defaults to the path's extension).

    SVG keeps its text as text (searchable, selectable), not as outlines.
    """
    import matplotlib

    if fmt is None:
        fmt = Path(str(path)).suffix.lstrip(".").lower() if isinstance(path, str | Path) else "png"
    if fmt not in ("png", "svg"):
        raise ValueError(f"pictures are png or svg, not {fmt!r}")
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path, format=fmt, dpi=dpi, facecolor="white")


def result_bytes(result: PathResult | Radius, fmt: str) -> bytes:
    """A query result's picture (without a graph around it), for notebooks."""
    from reach.analysis.radius import Radius

    fig = draw_radius(result) if isinstance(result, Radius) else draw_path(result)
    return figure_bytes(fig, fmt)


def notebook_picture(result: object, fmt: str) -> bytes | None:
    """A query result's notebook picture in ``fmt``, or None when :data:`NOTEBOOK_FORMAT`
    asks for the other format (``_repr_png_``/``_repr_svg_``)."""
    from reach.analysis.paths import PathResult
    from reach.analysis.radius import Radius

    if fmt != NOTEBOOK_FORMAT or not isinstance(result, PathResult | Radius):
        return None
    return result_bytes(result, fmt)
