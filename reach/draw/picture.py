"""Drawing a picture model with matplotlib: boxes, arrows, nodes, legend, then the labels.

Figures are made with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``, so drawing needs no display and leaves the caller's backend alone.
Colour says the kind (Deployment, StatefulSet, ..., external range), shape the
type (workload, pod, namespace, external). Arrows that allow every connection are
red and thick, with no label (the legend says so); port-restricted ones grey,
carrying their ports when at most :data:`~reach.draw.style.LABEL_MAX_EDGES` arrows
are drawn one by one. Arrows that would pile up are bundled
(:mod:`reach.draw.bundles`). Names cut to fit (in the middle) keep their full text
as the SVG tooltip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reach.draw import style
from reach.draw.arrows import (
    LOOP_REACH,
    MARK_SIZE,
    draw_bundles,
    draw_edges,
    draw_marks,
    potential,
)
from reach.draw.bundles import Bundle, Mark, bundle
from reach.draw.labels import place_labels
from reach.draw.layout import Box, Point, layout
from reach.draw.model import PEdge, Picture, PNode, distinct_labels, picture_of, short
from reach.draw.placement import Placer, settle
from reach.draw.style import (
    ALL_PORTS_COLOUR,
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
from reach.draw.tips import tip
from reach.draw.titles import titled

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

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
    """Lay out and draw a picture model; return its figure.

    Boxes, arrows, bundles and markers are drawn first and the figure's layout run;
    then the labels are placed where they overlap nothing (:mod:`reach.draw.placement`):
    node names first, then the hop labels of a path, then the other edge labels, which
    are left out (their text stays in the arrow's SVG tooltip) where no free spot is.
    """
    distinct_labels(pic.nodes)
    pos, box_list = layout(pic)
    loops = [pos[e.src] for e in pic.edges if e.src == e.dst and e.src in pos]
    extra = [(x, y + LOOP_REACH) for x, y in loops] + _bulges(pic, pos)
    bounds = _bounds(pos, box_list, extra)
    fig, ax = _figure(bounds, ax)
    x0, x1, y0, y1 = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")
    titles = [_draw_box(ax, b) for b in box_list]
    shades = [p.shade for p in pic.nodes.values() if p.shade is not None]
    shade_colours = hop_colours(max(shades)) if shades else []
    singles, bundles, marks = bundle(pic)
    labels = (
        pic.port_labels if pic.port_labels is not None else len(singles) <= style.LABEL_MAX_EDGES
    )
    boxes = {b.group: b for b in box_list if b.group is not None}
    jobs = draw_bundles(ax, pic, pos, boxes, bundles)
    jobs += draw_edges(ax, pic, pos, singles, labels=labels)
    mark_spots = draw_marks(ax, pic, pos, marks)
    for p in pic.nodes.values():
        if p.id in pos:
            _draw_node(fig, ax, p, pos[p.id], shade_colours)
    handles = _legend_handles(pic, shade_colours, singles, bundles, marks)
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
    titled(fig, ax, pic.source, pic.title, pic.subtitle, pic.note, width_in=_width(fig, ax))
    placer = Placer(ax, settle(fig))
    for t in titles:
        placer.add_text(t)
    for p in pic.nodes.values():
        if p.id in pos:
            placer.add_point(*pos[p.id], MARKER_SIZE.get(p.type, 12.0))
    for x, y in mark_spots:
        placer.add_point(x, y, MARK_SIZE)
    _place_node_labels(fig, placer, pic, pos)
    place_labels(fig, placer, sorted(jobs, key=lambda j: not j.required))
    return plain_text(fig)


def _width(fig: Figure, ax: Axes) -> float:
    """The width (inches) a title may take: the figure's, less a margin."""
    return float(fig.get_size_inches()[0]) - 0.4


def _bulges(pic: Picture, pos: dict[str, Point]) -> list[Point]:
    """Points on either side of each arrow's middle, as far as its arc may bend (so that
    no arc leaves the picture)."""
    out: list[Point] = []
    for e in pic.edges:
        if e.src != e.dst and e.src in pos and e.dst in pos:
            (ax_, ay), (bx, by) = pos[e.src], pos[e.dst]
            mx, my = (ax_ + bx) / 2, (ay + by) / 2
            same_col = abs(ax_ - bx) < 1.0 and pic.nodes[e.src].group == pic.nodes[e.dst].group
            bend = SAME_COLUMN_BEND if same_col else BEND
            dx, dy = (by - ay) * bend / 2, -(bx - ax_) * bend / 2
            out += [(mx + dx, my + dy), (mx - dx, my - dy)]
    return out


#: How far arcs bend, at most (matplotlib's ``rad``): in general, and between two nodes
#: of a box one above the other (:func:`reach.draw.arrows.draw_edges`).
BEND, SAME_COLUMN_BEND = 0.17, 0.4


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


def _draw_box(ax: Axes, b: Box) -> Text:
    """A namespace box and its title (the title returned, for the labels to avoid)."""
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
    title = ax.text(
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
    title.set_in_layout(False)
    fig = ax.get_figure()
    if fig is not None and title.get_text() != b.title:
        tip(fig, title, b.title)  # type: ignore[arg-type]
    return title


def _node_font(p: PNode) -> float:
    return 7.5 if p.type != "external" else 6.8


def _draw_node(fig: Figure, ax: Axes, p: PNode, at: Point, shade_colours: list[str]) -> None:
    """A node's marker, shaded by hop distance when it has one; its tooltip the full name."""
    x, y = at
    node_colour = colour(p.kind) if p.type != "start" else "#212121"
    if p.shade is not None and p.type != "start":
        node_colour = shade_colours[min(p.shade, len(shade_colours)) - 1]
    (marker,) = ax.plot(
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
    tip(fig, marker, p.tooltip)


#: Where a node's name may go, from its centre (data units), best first: below, above,
#: then further below and to the sides.
NAME_SPOTS = ((0.0, -0.34), (0.0, 0.34), (0.0, -0.6), (0.95, -0.2), (-0.95, -0.2), (0.0, 0.6))


def _place_node_labels(fig: Figure, placer: Placer, pic: Picture, pos: dict[str, Point]) -> None:
    """Each node's name below its marker, or where it overlaps least; its tooltip the full
    name. Names are placed in order down the picture, so the first in reading order win."""
    order = sorted((p for p in pic.nodes.values() if p.id in pos), key=lambda p: _reading(pos, p))
    for p in order:
        x, y = pos[p.id]
        label = placer.text(
            x,
            y,
            p.label,
            ha="center",
            va="center",
            fontsize=_node_font(p),
            fontweight="bold" if p.emphasis else "normal",
            color="#9e9e9e" if p.faded else "#212121",
            zorder=8,
            linespacing=1.0,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )
        spots = [(x + dx, y + dy - _below(label, placer, dy)) for dx, dy in NAME_SPOTS]
        placer.place(label, spots)
        tip(fig, label, p.tooltip, name=True)


def _reading(pos: dict[str, Point], p: PNode) -> tuple[float, float]:
    x, y = pos[p.id]
    return (-y, x)


def _below(label: Text, placer: Placer, dy: float) -> float:
    """How far a centred label moves down (up, above its node) so that its edge, not its
    centre, is at the spot's distance: half its height in data units."""
    r = placer.extent(label)
    inv = placer.ax.transData.inverted()
    (_, y0), (_, y1) = inv.transform([(0.0, r[1]), (0.0, r[3])])
    half = abs(float(y1) - float(y0)) / 2
    return half if dy < 0 else -half


def _legend_handles(
    pic: Picture,
    shade_colours: list[str],
    singles: list[PEdge],
    bundles: list[Bundle],
    marks: list[Mark],
) -> list[Any]:
    """Legend entries: node kinds, the start, hop shades, marks, edge styles."""
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
        handles.append(_kind_handle(p))
    if any(p.type == "start" or p.shade == 0 for p in pic.nodes.values()):
        handles.append(
            Line2D([], [], marker="*", markersize=13, color="#212121", ls="none", label="start")
        )
    for i, c in enumerate(shade_colours, start=1):
        what = f"{i} hop{'s' if i > 1 else ''}"
        handles.append(
            Line2D([], [], marker="o", markersize=9, markerfacecolor=c, ls="none", label=what)
        )
    for kind, into in dict.fromkeys((pic.nodes[m.peer].kind, m.into) for m in marks):
        peer = ENTRY_NAMES.get(kind, "an external range" if kind == "External" else kind)
        peer = "the internet" if peer == "internet" else peer
        handles.append(
            Line2D(
                [],
                [],
                marker=">",
                markersize=MARK_SIZE,
                markerfacecolor=colour(kind),
                markeredgecolor="white",
                ls="none",
                label=f"{'left: reached from' if into else 'right: reaches'} {peer}",
            )
        )
    if any(potential(pic, e) for e in singles):
        handles.append(Line2D([], [], color=SOME_PORTS_COLOUR, lw=1.1, ls="--", label="potential"))
    return handles + _edge_handles(singles, bundles)


def _kind_handle(p: PNode) -> Any:
    """The legend entry of a node's kind."""
    from matplotlib.lines import Line2D

    what = {"pod": f"pod of a {p.kind}", "external": "external range"}.get(p.type, p.kind)
    if p.kind in ("NetworkSet", "GlobalNetworkSet"):  # drawn among the external ranges
        what = p.kind
    if p.type == "pseudo":
        what = PSEUDO_NAMES.get(p.kind, p.kind)
    if p.type == "entry":
        what = ENTRY_NAMES.get(p.kind, p.kind)
    if p.type == "representative":
        what = REPRESENTATIVE_NAMES.get(p.kind, p.kind)
    if p.type == "pod" and p.kind == "Pod":
        what = "pod"
    return Line2D(
        [],
        [],
        marker=MARKERS.get(p.type, "o"),
        markersize=MARKER_SIZE.get(p.type, 12.0) * 0.75,
        markerfacecolor=colour(p.kind),
        markeredgecolor="white",
        linestyle="none",
        label=what,
    )


def _edge_handles(edges: list[PEdge], bundles: list[Bundle]) -> list[Any]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    shown = [e for e in edges if not e.highlight and not e.faded]
    if any(e.highlight for e in edges):
        handles.append(Line2D([], [], color=PATH_COLOUR, lw=2.8, label="path (hop: ports)"))
    if any(e.all_ports for e in shown) or any(b.all_ports and not b.faded for b in bundles):
        handles.append(Line2D([], [], color=ALL_PORTS_COLOUR, lw=1.8, label="all connections"))
    if any(not e.all_ports for e in shown) or any(not b.all_ports for b in bundles):
        handles.append(Line2D([], [], color=SOME_PORTS_COLOUR, lw=1.1, label="some ports"))
    if bundles:
        handles.append(
            Line2D([], [], color=SOME_PORTS_COLOUR, lw=3.0, label="to/from a box: bundled")
        )
    if any(e.faded for e in edges):
        handles.append(Line2D([], [], color=FADED, lw=1.0, label="other connections"))
    return handles
