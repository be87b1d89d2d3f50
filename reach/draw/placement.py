"""Keeping texts apart: each label goes to the candidate spot where it overlaps least.

Placement runs after the figure's layout is fixed (:func:`settle`), on the boxes the
renderer measures for the texts themselves, in display pixels: what the placer
keeps apart is what is drawn. Labels are left out of the layout (``in_layout``
False), so placing them does not move the axes they are placed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reach.draw.style import PLAIN_RC, plain_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text

#: A box in display pixels: (left, bottom, right, top).
Rect = tuple[float, float, float, float]
#: Pixels kept free around each placed text.
MARGIN = 1.5


def settle(fig: Figure) -> RendererBase:
    """Run the figure's layout now (texts as written: :func:`~reach.draw.style.plain_text`),
    and return a renderer to measure texts with."""
    import matplotlib

    with matplotlib.rc_context(PLAIN_RC):  # type: ignore[arg-type]
        plain_text(fig).draw_without_rendering()
    get = getattr(fig.canvas, "get_renderer", None)
    renderer = get() if get is not None else fig._get_renderer()  # type: ignore[attr-defined]
    return renderer  # type: ignore[no-any-return]


def overlap(a: Rect, b: Rect) -> float:
    """The area two boxes share."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


class Placer:
    """The boxes taken so far in an axes, and where the next text overlaps them least."""

    def __init__(self, ax: Axes, renderer: RendererBase) -> None:
        self.ax = ax
        self.renderer = renderer
        self.rects: list[Rect] = []
        self.pt = float(getattr(renderer, "dpi", 72.0)) / 72  # pixels per point
        bb = ax.get_window_extent(renderer)
        self.frame: Rect = (bb.x0, bb.y0, bb.x1, bb.y1)

    def px(self, x: float, y: float) -> tuple[float, float]:
        """A data point in display pixels."""
        u, v = self.ax.transData.transform((x, y))
        return float(u), float(v)

    def add_point(self, x: float, y: float, size_pt: float) -> None:
        """Take the square of a marker ``size_pt`` points wide centred on a data point."""
        u, v = self.px(x, y)
        r = size_pt * self.pt / 2
        self.rects.append((u - r, v - r, u + r, v + r))

    def extent(self, text: Text) -> Rect:
        """The box a text covers, its background padding and a margin included."""
        bb = text.get_window_extent(self.renderer)
        pad = MARGIN + float(text.get_fontsize()) * 0.15 * self.pt
        return (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)

    def add_text(self, text: Text) -> None:
        """Take the box of a text that does not move (a box title)."""
        self.rects.append(self.extent(text))

    def cost(self, r: Rect) -> float:
        """How much ``r`` overlaps what is taken, and how far it leaves the axes."""
        total = sum(overlap(r, o) for o in self.rects)
        area = (r[2] - r[0]) * (r[3] - r[1])
        inside = overlap(r, self.frame)
        return total + (area - inside) * 2

    def place(self, text: Text, spots: Sequence[tuple[float, float]]) -> float:
        """Move ``text`` to the first of ``spots`` (data units) overlapping least, take its
        box, and return what it still overlaps (0: nothing)."""
        best, best_cost = spots[0], math.inf
        for spot in spots:
            text.set_position(spot)
            c = self.cost(self.extent(text))
            if c < best_cost - 1e-9:
                best, best_cost = spot, c
            if c == 0:
                break
        text.set_position(best)
        self.rects.append(self.extent(text))
        return best_cost

    def text(self, x: float, y: float, s: str, **kw: Any) -> Text:
        """A label in the axes, left out of the layout, not placed yet."""
        t = self.ax.text(x, y, s, **kw)
        t.set_in_layout(False)
        t.set_parse_math(False)
        t.set_usetex(False)
        return t
