"""Keeping texts apart: among candidate spots for a label, the one overlapping least."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: A text's box in data units: (left, bottom, right, top).
Rect = tuple[float, float, float, float]


class Placer:
    """The boxes taken so far, and where the next text overlaps them least."""

    def __init__(self, unit: float) -> None:
        self.unit = unit  # inches per data unit
        self.rects: list[Rect] = []

    def box(self, x: float, y: float, text: str, font: float, va: str = "center") -> Rect:
        """The box of ``text`` at ``(x, y)`` (its centre, or its top middle for ``va="top"``)."""
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
        """The first spot overlapping least, taken for ``text``."""
        best, best_cost = spots[0], math.inf
        for x, y in spots:
            cost = self.overlap(self.box(x, y, text, font))
            if cost < best_cost - 1e-9:
                best, best_cost = (x, y), cost
            if cost == 0:
                break
        self.add(self.box(best[0], best[1], text, font))
        return best
