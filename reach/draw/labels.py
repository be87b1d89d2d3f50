"""Placing edge labels: each at the spot along its arrow where it overlaps nothing.

A label that finds no free spot is left out unless it is required (a path's hop),
and its text stays in the arrow's SVG tooltip; a required one takes the spot that
overlaps least.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reach.draw.model import short
from reach.draw.tips import tip

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from reach.draw.arrows import LabelJob
    from reach.draw.placement import Placer

#: Edge labels are cut (in the middle) to this many characters.
LABEL_CHARS = 30


def place_labels(fig: Figure, placer: Placer, jobs: list[LabelJob]) -> int:
    """Place the labels in order; return how many were left out."""
    left_out = 0
    for job in jobs:
        x, y = job.spots[0]
        text = placer.text(
            x,
            y,
            short(job.text, LABEL_CHARS),
            fontsize=job.font,
            ha="center",
            va="center",
            color=job.colour,
            fontweight="bold" if job.bold else "normal",
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            zorder=job.zorder,
        )
        cost = placer.place(text, job.spots)
        if cost > 0 and not job.required:
            placer.rects.pop()
            text.remove()
            left_out += 1
            continue
        tip(fig, text, job.tooltip or job.text)
    return left_out
