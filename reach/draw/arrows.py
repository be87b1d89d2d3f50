"""Drawing the arrows of a picture: single edges, self-loops, bundles and their marks.

Arrows that allow every port are red and thick, with no label: the legend says
what the style means. Port-restricted ones are grey and carry their ports when
the picture has at most :data:`~reach.draw.style.LABEL_MAX_EDGES` arrows. Labels
are not placed here: each arrow hands back a :class:`LabelJob` with the spots
along it where its label may go (:mod:`reach.draw.labels` places them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach.draw.bundles import Bundle, Mark
from reach.draw.layout import Box, Point
from reach.draw.model import PEdge, Picture
from reach.draw.style import (
    ALL_PORTS_COLOUR,
    CELL_H,
    CELL_W,
    FADED,
    MARKER_SIZE,
    PATH_COLOUR,
    SOME_PORTS_COLOUR,
    colour,
)
from reach.draw.tips import tip

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Where along an arc (0: its start, 1: its end) a label may go, best first.
ALONG = (0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.18, 0.82)
#: How far off the arc (data units) a label may move, nearest first.
ACROSS = (0.0, 0.22, -0.22, 0.45, -0.45)
#: ... and how far a hop label of a path may move, which is never left out.
ACROSS_HOP = (*ACROSS, 0.7, -0.7, 1.0, -1.0, 1.4, -1.4)
#: A self-loop's half width at its ends and its height above the marker (data units).
LOOP_HALF_WIDTH, LOOP_HEIGHT = CELL_W * 0.05, CELL_H * 0.42
#: How far above its node a loop and its label reach.
LOOP_REACH = CELL_H * 0.7
#: Where the marks of outside peers sit, from their node's centre (data units).
MARK_DX, MARK_DY, MARK_STEP = 0.36, 0.2, 0.22


@dataclass
class LabelJob:
    """A label to place: its text, the spots it may take, how it looks; ``required``
    labels (a path's hops) are kept even where they overlap, the others left out."""

    text: str
    spots: list[Point]
    colour: str
    font: float
    bold: bool
    zorder: int
    required: bool
    tooltip: str = ""


def draw_edges(
    ax: Axes, pic: Picture, pos: dict[str, Point], edges: list[PEdge], *, labels: bool
) -> list[LabelJob]:
    """The single arrows (highlights last, so on top), each bent a little; their labels."""
    from matplotlib.patches import FancyArrowPatch

    pair = {(e.src, e.dst) for e in edges}
    thin = len(edges) > 150
    fan: dict[str, int] = {}
    jobs: list[LabelJob] = []
    fig = ax.get_figure()
    for e in sorted(edges, key=lambda e: (e.highlight, not e.faded, e.src, e.dst)):
        if e.src not in pos or e.dst not in pos:
            continue
        if e.src == e.dst:  # a namespace reaching itself
            jobs += _draw_loop(ax, e, pos[e.src], labels=labels, thin=thin)
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
        edge_colour, width, alpha, z = edge_style(e, thin=thin)
        arrow = FancyArrowPatch(
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
            linestyle="--" if potential(pic, e) else "-",
            zorder=z,
        )
        ax.add_patch(arrow)
        if fig is not None:
            tip(fig, arrow, e.tooltip or f"{e.src} → {e.dst}: {e.label}")  # type: ignore[arg-type]
        if _labelled(e, labels):
            spots = arc_spots(start, end, rad, ACROSS_HOP if e.highlight else ACROSS)
            jobs.append(_job(e, spots, edge_colour))
    return jobs


def _labelled(e: PEdge, labels: bool) -> bool:
    """Whether an edge carries its label: a hop always; others when labels are on, not
    faded, and not allowing every port (the style says that)."""
    return e.highlight or (labels and not e.faded and not e.all_ports)


def _job(e: PEdge, spots: list[Point], edge_colour: str) -> LabelJob:
    return LabelJob(
        text=e.label,
        spots=spots,
        colour=edge_colour if e.highlight else "#37474f",
        font=6.5 if not e.highlight else 8.0,
        bold=e.highlight,
        zorder=6 if e.highlight else 5,
        required=e.highlight,
        tooltip=e.tooltip or f"{e.src} → {e.dst}: {e.label}",
    )


def arc_spots(start: Point, end: Point, rad: float, across: tuple[float, ...]) -> list[Point]:
    """Spots along the arc (matplotlib's ``arc3``) and off it, best first."""
    (ax_, ay), (bx, by) = start, end
    cx = (ax_ + bx) / 2 + rad * (by - ay)  # the control point of the quadratic curve
    cy = (ay + by) / 2 - rad * (bx - ax_)
    length = math.hypot(bx - ax_, by - ay) or 1.0
    nx, ny = -(by - ay) / length, (bx - ax_) / length  # a unit normal
    spots: list[Point] = []
    for off in across:
        for t in ALONG:
            u = 1 - t
            x = u * u * ax_ + 2 * u * t * cx + t * t * bx
            y = u * u * ay + 2 * u * t * cy + t * t * by
            spots.append((x + off * nx, y + off * ny))
    return spots


def _draw_loop(ax: Axes, e: PEdge, centre: Point, *, labels: bool, thin: bool) -> list[LabelJob]:
    """A node's edge to itself: a loop over its marker, its label above the loop."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    x, y = centre
    base, top = y + CELL_H * 0.09, y + CELL_H * 0.09 + LOOP_HEIGHT
    d = LOOP_HALF_WIDTH
    curve = [(x - d, base), (x - 3 * d, top), (x + 3 * d, top), (x + d, base)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    edge_colour, width, alpha, z = edge_style(e, thin=thin)
    ax.add_patch(
        FancyArrowPatch(
            path=Path(curve, codes),
            arrowstyle="-|>",
            mutation_scale=9 if not thin else 6,
            color=edge_colour,
            linewidth=width,
            alpha=alpha,
            zorder=z,
        )
    )
    if not _labelled(e, labels):
        return []
    spots = [(x + dx, top + CELL_H * 0.05 + dy) for dy in (0.0, 0.25, 0.5) for dx in (0, 0.8, -0.8)]
    return [_job(e, spots, edge_colour)]


def edge_style(e: PEdge | Bundle, *, thin: bool = False) -> tuple[str, float, float, int]:
    """Colour, line width, alpha and z-order of an arrow."""
    if isinstance(e, PEdge) and e.highlight:
        edge_colour, width, alpha, z = PATH_COLOUR, 2.8, 1.0, 4
    elif e.faded:
        edge_colour, width, alpha, z = FADED, 0.8, 0.55, 2
    elif e.all_ports:
        edge_colour, width, alpha, z = ALL_PORTS_COLOUR, 1.8 if not thin else 0.9, 0.85, 3
    else:
        edge_colour, width, alpha, z = SOME_PORTS_COLOUR, 1.1 if not thin else 0.5, 0.8, 3
    if thin and not (isinstance(e, PEdge) and e.highlight):
        alpha *= 0.6
    return edge_colour, width, alpha, z


def potential(pic: Picture, e: PEdge) -> bool:
    """Whether the edge goes to or from a representative peer (pods that may be added)."""
    return "representative" in (pic.nodes[e.src].type, pic.nodes[e.dst].type)


def border_point(box: Box, towards: Point) -> Point:
    """Where the line from the box's centre towards a point leaves the box."""
    cx, cy = box.x + box.w / 2, box.y - box.h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, box.y
    scale = min(
        (box.w / 2) / abs(dx) if dx else math.inf, (box.h / 2) / abs(dy) if dy else math.inf
    )
    return cx + dx * scale, cy + dy * scale


def draw_bundles(
    ax: Axes, pic: Picture, pos: dict[str, Point], boxes: dict[str, Box], bundles: list[Bundle]
) -> list[LabelJob]:
    """One thick arrow per bundle, between its node and the border of its box (or between
    two boxes' borders); each labelled with its count, its connections its tooltip."""
    from matplotlib.patches import FancyArrowPatch

    jobs: list[LabelJob] = []
    fig = ax.get_figure()
    for b in bundles:
        ends = _bundle_ends(pos, boxes, b)
        if ends is None:
            continue
        start, end = ends
        edge_colour, width, alpha, z = edge_style(b)
        if b.src_box and b.dst_box:
            alpha, z = 0.4, 1  # under the nodes it passes
        arrow = FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            connectionstyle="arc3,rad=0.05",
            color=edge_colour,
            linewidth=width * (1.6 + 0.25 * math.log2(len(b.edges))),
            alpha=alpha,
            shrinkA=0 if b.src_box else MARKER_SIZE[pic.nodes[b.src].type] / 2 + 1.5,
            shrinkB=0 if b.dst_box else MARKER_SIZE[pic.nodes[b.dst].type] / 2 + 2.0,
            zorder=z,
        )
        ax.add_patch(arrow)
        if fig is not None:
            tip(fig, arrow, b.tooltip())  # type: ignore[arg-type]
        inner = b.edges[0].dst if b.dst_box else b.edges[0].src
        unit = "pod" if pic.nodes[inner].type == "pod" else "workload"
        spots = arc_spots(start, end, 0.05, ACROSS)
        jobs.append(LabelJob(b.label(unit), spots, "#37474f", 7.0, False, 5, False, b.tooltip()))
    return jobs


def _bundle_ends(
    pos: dict[str, Point], boxes: dict[str, Box], b: Bundle
) -> tuple[Point, Point] | None:
    """Where a bundle's arrow starts and ends: a node's centre or a box's border."""
    if b.src_box and b.dst_box:
        if b.src not in boxes or b.dst not in boxes:
            return None
        # from halfway between each box's centre and its border, so that the arrow is
        # seen even between boxes side by side (it runs under the nodes)
        sb, db = boxes[b.src], boxes[b.dst]
        return _halfway(sb, border_point(sb, _centre(db))), _halfway(
            db, border_point(db, _centre(sb))
        )
    node = b.dst if b.src_box else b.src
    group = b.src if b.src_box else b.dst
    if node not in pos or group not in boxes:
        return None
    at_box = border_point(boxes[group], pos[node])
    return (at_box, pos[node]) if b.src_box else (pos[node], at_box)


def _centre(box: Box) -> Point:
    return box.x + box.w / 2, box.y - box.h / 2


def _halfway(box: Box, p: Point) -> Point:
    cx, cy = _centre(box)
    return (cx + p[0]) / 2, (cy + p[1]) / 2


def draw_marks(ax: Axes, pic: Picture, pos: dict[str, Point], marks: list[Mark]) -> list[Point]:
    """Each mark beside its node: what reaches it on the left, what it reaches on the right,
    a small triangle in the outside peer's colour pointing the way of the traffic. Returns
    where the marks are (for the labels to avoid)."""
    fig = ax.get_figure()
    count: dict[tuple[str, bool], int] = {}
    where: list[Point] = []
    for m in marks:
        if m.node not in pos:
            continue
        k = count.get((m.node, m.into), 0)
        count[(m.node, m.into)] = k + 1
        x, y = pos[m.node]
        dx = -(MARK_DX + k * MARK_STEP) if m.into else MARK_DX + k * MARK_STEP
        (line,) = ax.plot(
            [x + dx],
            [y + MARK_DY],
            marker=">",
            markersize=MARK_SIZE,
            markerfacecolor=colour(pic.nodes[m.peer].kind),
            markeredgecolor="white",
            markeredgewidth=0.6,
            alpha=0.45 if pic.nodes[m.node].faded else 1.0,
            linestyle="none",
            zorder=8,
        )
        if fig is not None:
            tip(fig, line, m.tooltip)  # type: ignore[arg-type]
        where.append((x + dx, y + MARK_DY))
    return where


#: The size of a mark (points).
MARK_SIZE = 7.5
