"""Drawing a picture model with matplotlib: boxes, edges with their labels, nodes, legend.

Figures are made with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``, so drawing needs no display and leaves the caller's backend alone.
Colour says the kind (Deployment, StatefulSet, ..., external range), shape the
type (workload, pod, namespace, external). Arrows that allow every port are red
and thick, port-restricted ones grey; edges carry their ports when there are at
most :data:`~reach.draw.style.LABEL_MAX_EDGES` of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reach.draw import style
from reach.draw.layout import Box, Point, layout
from reach.draw.model import PEdge, Picture, PNode, picture_of, short
from reach.draw.placement import Placer
from reach.draw.style import (
    ALL_PORTS_COLOUR,
    CELL_H,
    CELL_W,
    ENTRY_NAMES,
    FADED,
    INCH,
    MARKER_SIZE,
    MARKERS,
    PATH_COLOUR,
    PSEUDO_NAMES,
    REPRESENTATIVE_NAMES,
    SOME_PORTS_COLOUR,
    colour,
    hop_colours,
    new_figure,
    plain_text,
)

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The data range a picture shows: (x0, x1, y0, y1).
Bounds = tuple[float, float, float, float]


def draw_graph(
    g: nx.DiGraph, ax: Axes | None = None, note: str = "", port_labels: bool | None = None
) -> Figure:
    """Draw an export graph (see :meth:`reach.Reach.export_graph`)."""
    pic = picture_of(g)
    pic.note = note
    pic.port_labels = port_labels
    return draw_picture(pic, ax)


def draw_picture(pic: Picture, ax: Axes | None = None) -> Figure:
    """Lay out and draw a picture model; return its figure."""
    pos, boxes = layout(pic)
    loops = [pos[e.src] for e in pic.edges if e.src == e.dst and e.src in pos]
    bounds = _bounds(pos, boxes, [(x, y + LOOP_REACH) for x, y in loops])
    fig, ax = _figure(bounds, ax)
    x0, x1, y0, y1 = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")
    for b in boxes:
        _draw_box(ax, b)
    shades = [p.shade for p in pic.nodes.values() if p.shade is not None]
    shade_colours = hop_colours(max(shades)) if shades else []
    placed = _placer(fig, bounds, pic, pos)
    _draw_edges(ax, pic, pos, placed)
    for p in pic.nodes.values():
        if p.id in pos:
            _draw_node(ax, p, pos[p.id], shade_colours)
    handles = _legend_handles(pic, shade_colours)
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
    sub = "; ".join(s for s in (pic.subtitle, pic.note) if s)
    ax.set_title(
        pic.title + (f"\n{sub}" if sub else ""), loc="left", fontsize=12, color="#263238", pad=10
    )
    return plain_text(fig)


def _bounds(pos: dict[str, Point], boxes: list[Box], extra: list[Point]) -> Bounds:
    """The data range around the nodes, boxes and ``extra`` points, with room for labels."""
    points = [*pos.values(), *extra]
    xs = [x for x, _ in points] + [b.x for b in boxes] + [b.x + b.w for b in boxes]
    ys = [y for _, y in points] + [b.y for b in boxes] + [b.y - b.h for b in boxes]
    x0, x1 = min(xs, default=0) - 0.6, max(xs, default=1) + 0.6
    y0, y1 = min(ys, default=-1) - 0.9, max(ys, default=0) + 0.3
    return x0, x1, y0, y1


def _figure(bounds: Bounds, ax: Axes | None) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure sized to the picture."""
    if ax is not None:
        return ax.get_figure(), ax  # type: ignore[return-value]
    x0, x1, y0, y1 = bounds
    width = min(26.0, max(8.0, (x1 - x0) * INCH + 2.6))
    height = min(20.0, max(4.5, (y1 - y0) * INCH + 1.4))
    fig = new_figure(width, height)
    return fig, fig.add_subplot()


def _draw_box(ax: Axes, b: Box) -> None:
    from matplotlib.patches import FancyBboxPatch

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
        short(b.title, int(b.w * 5.5)),
        ha="left",
        va="top",
        fontsize=9.5,
        fontweight="bold",
        color="#37474f",
        zorder=1,
    )


def _node_font(p: PNode) -> float:
    return 7.5 if p.type != "external" else 6.8


def _placer(fig: Figure, bounds: Bounds, pic: Picture, pos: dict[str, Point]) -> Placer:
    """A placer for edge labels that already holds the nodes' markers and labels."""
    x0, x1, y0, y1 = bounds
    # text sizes in data units, for keeping labels apart
    fig_w, fig_h = fig.get_size_inches()
    unit = min((fig_w - 2.4) / max(x1 - x0, 1e-6), (fig_h - 1.2) / max(y1 - y0, 1e-6))
    unit = max(unit, 0.05)  # inches per data unit
    placed = Placer(unit)
    for p in pic.nodes.values():
        if p.id in pos:
            x, y = pos[p.id]
            r = MARKER_SIZE.get(p.type, 12.0) / 144 / unit
            placed.add((x - r, y - r, x + r, y + r))
            placed.add(placed.box(x, y - 0.34, p.label, _node_font(p), "top"))
    return placed


def _draw_edges(ax: Axes, pic: Picture, pos: dict[str, Point], placed: Placer) -> None:
    """The arrows (highlights last, so on top), each bent a little; their port labels."""
    from matplotlib.patches import FancyArrowPatch

    n_edges = len(pic.edges)
    labels = pic.port_labels if pic.port_labels is not None else n_edges <= style.LABEL_MAX_EDGES
    pair = {(e.src, e.dst) for e in pic.edges}
    thin = n_edges > 150
    fan: dict[str, int] = {}
    for e in sorted(pic.edges, key=lambda e: (e.highlight, not e.faded, e.src, e.dst)):
        if e.src not in pos or e.dst not in pos:
            continue
        if e.src == e.dst:  # a namespace reaching itself
            _draw_loop(ax, e, pos[e.src], placed, labels=labels, thin=thin)
            continue
        start, end = pos[e.src], pos[e.dst]
        k = fan.get(e.src, 0)
        fan[e.src] = k + 1
        same_col = abs(start[0] - end[0]) < 1.0 and pic.nodes[e.src].group == pic.nodes[e.dst].group
        if same_col and abs(start[1] - end[1]) > CELL_H * 1.2:
            rad = 0.4
        elif (e.dst, e.src) in pair:
            rad = 0.16
        else:
            rad = 0.07 + 0.05 * (k % 3)
        edge_colour, width, alpha, z = _edge_style(e, thin=thin)
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=11 if not thin else 7,
                connectionstyle=f"arc3,rad={rad}",
                color=edge_colour,
                linewidth=width,
                alpha=alpha,
                shrinkA=MARKER_SIZE[pic.nodes[e.src].type] / 2 + 1.5,
                shrinkB=MARKER_SIZE[pic.nodes[e.dst].type] / 2 + 2.0,
                linestyle="--" if _potential(pic, e) else "-",
                zorder=z,
            )
        )
        if (labels and not e.faded) or e.highlight:
            _draw_edge_label(ax, e, start, end, rad, edge_colour, placed)


#: A self-loop's half width at its ends and its height above the marker (data units).
LOOP_HALF_WIDTH, LOOP_HEIGHT = CELL_W * 0.05, CELL_H * 0.42
#: How far above its node a loop and its label reach.
LOOP_REACH = CELL_H * 0.7


def _draw_loop(
    ax: Axes, e: PEdge, centre: Point, placed: Placer, *, labels: bool, thin: bool
) -> None:
    """A node's edge to itself: a loop over its marker, its label above the loop."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    x, y = centre
    base, top = y + CELL_H * 0.09, y + CELL_H * 0.09 + LOOP_HEIGHT
    d = LOOP_HALF_WIDTH
    curve = [(x - d, base), (x - 3 * d, top), (x + 3 * d, top), (x + d, base)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    edge_colour, width, alpha, z = _edge_style(e, thin=thin)
    arrow = FancyArrowPatch(
        path=Path(curve, codes),
        arrowstyle="-|>",
        mutation_scale=9 if not thin else 6,
        color=edge_colour,
        linewidth=width,
        alpha=alpha,
        zorder=z,
    )
    ax.add_patch(arrow)
    if (labels and not e.faded) or e.highlight:
        _put_label(ax, e, [(x, top + CELL_H * 0.05)], edge_colour, placed)


def _edge_style(e: PEdge, *, thin: bool) -> tuple[str, float, float, int]:
    """Colour, line width, alpha and z-order of an edge's arrow."""
    if e.highlight:
        edge_colour, width, alpha, z = PATH_COLOUR, 2.8, 1.0, 4
    elif e.faded:
        edge_colour, width, alpha, z = FADED, 0.8, 0.55, 2
    elif e.all_ports:
        edge_colour, width, alpha, z = ALL_PORTS_COLOUR, 1.8 if not thin else 0.9, 0.85, 3
    else:
        edge_colour, width, alpha, z = SOME_PORTS_COLOUR, 1.1 if not thin else 0.5, 0.8, 3
    if thin and not e.highlight:
        alpha *= 0.6
    return edge_colour, width, alpha, z


def _draw_edge_label(
    ax: Axes, e: PEdge, start: Point, end: Point, rad: float, edge_colour: str, placed: Placer
) -> None:
    """An edge's label on its arc, at the spot where it overlaps other texts least."""
    (ax_, ay), (bx, by) = start, end
    # the control point of the arc's quadratic curve
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
    _put_label(ax, e, spots, edge_colour, placed)


def _put_label(ax: Axes, e: PEdge, spots: list[Point], edge_colour: str, placed: Placer) -> None:
    """An edge's label at whichever of ``spots`` overlaps other texts least."""
    text = short(e.label, 30)
    font = 6.5 if not e.highlight else 8.0
    mx, my = placed.best(spots, text, font)
    ax.text(
        mx,
        my,
        text,
        fontsize=font,
        ha="center",
        va="center",
        color=edge_colour if e.all_ports or e.highlight else "#37474f",
        fontweight="bold" if e.highlight else "normal",
        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
        zorder=6 if e.highlight else 5,
    )


def _draw_node(ax: Axes, p: PNode, at: Point, shade_colours: list[str]) -> None:
    """A node's marker (shaded by hop distance when it has one) and its label below."""
    x, y = at
    node_colour = colour(p.kind) if p.type != "start" else "#212121"
    if p.shade is not None and p.type != "start":
        node_colour = shade_colours[min(p.shade, len(shade_colours)) - 1]
    ax.plot(
        [x],
        [y],
        marker=MARKERS.get(p.type, "o"),
        markersize=MARKER_SIZE.get(p.type, 12.0),
        markerfacecolor=node_colour,
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


def _legend_handles(pic: Picture, shade_colours: list[str]) -> list[Any]:
    """Legend entries: node kinds, the start, hop shades, edge styles."""
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for p in sorted(
        pic.nodes.values(),
        key=lambda p: (p.type in ("external", "pseudo"), p.type == "pseudo", p.kind),
    ):
        key = (p.type, p.kind)
        if key in seen or p.shade is not None or p.type == "start":
            continue
        seen.add(key)
        what = {"pod": f"pod of a {p.kind}", "external": "external range"}.get(p.type, p.kind)
        if p.type == "pseudo":
            what = PSEUDO_NAMES.get(p.kind, p.kind)
        if p.type == "entry":
            what = ENTRY_NAMES.get(p.kind, p.kind)
        if p.type == "representative":
            what = REPRESENTATIVE_NAMES.get(p.kind, p.kind)
        if p.type == "pod" and p.kind == "Pod":
            what = "pod"
        handles.append(
            Line2D(
                [],
                [],
                marker=MARKERS.get(p.type, "o"),
                markersize=MARKER_SIZE.get(p.type, 12.0) * 0.75,
                markerfacecolor=colour(p.kind),
                markeredgecolor="white",
                linestyle="none",
                label=what,
            )
        )
    if any(p.type == "start" or p.shade == 0 for p in pic.nodes.values()):
        handles.append(
            Line2D([], [], marker="*", markersize=13, color="#212121", ls="none", label="start")
        )
    for i, c in enumerate(shade_colours, start=1):
        what = f"{i} hop{'s' if i > 1 else ''}"
        handles.append(
            Line2D([], [], marker="o", markersize=9, markerfacecolor=c, ls="none", label=what)
        )
    if any(_potential(pic, e) for e in pic.edges):
        handles.append(Line2D([], [], color=SOME_PORTS_COLOUR, lw=1.1, ls="--", label="potential"))
    return handles + _edge_handles(pic.edges)


def _potential(pic: Picture, e: PEdge) -> bool:
    """Whether the edge goes to or from a representative peer (pods that may be added)."""
    return "representative" in (pic.nodes[e.src].type, pic.nodes[e.dst].type)


def _edge_handles(edges: list[PEdge]) -> list[Any]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    if any(e.highlight for e in edges):
        handles.append(Line2D([], [], color=PATH_COLOUR, lw=2.8, label="path (hop: ports)"))
    if any(e.all_ports and not e.highlight and not e.faded for e in edges):
        handles.append(Line2D([], [], color=ALL_PORTS_COLOUR, lw=1.8, label="all ports"))
    if any(not e.all_ports and not e.highlight and not e.faded for e in edges):
        handles.append(Line2D([], [], color=SOME_PORTS_COLOUR, lw=1.1, label="some ports"))
    if any(e.faded for e in edges):
        handles.append(Line2D([], [], color=FADED, lw=1.0, label="other connections"))
    return handles
