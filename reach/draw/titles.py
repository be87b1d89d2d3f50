"""Titles of pictures: one line naming the input and the view, then one line of counts.

A title never wraps: a long input name is cut in the middle (its full text is the
title's SVG tooltip). The input ``.`` is named by its directory.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from reach.draw.model import short
from reach.draw.tips import tip

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Width of an average character, in units of the font size.
CHAR_WIDTH = 0.6
#: Lines a note below the title may take.
NOTE_LINES = 2


def input_name(source: str) -> str:
    """What a title calls the input: ``.`` (and ``./x``) by the directory's name."""
    parts = []
    for part in source.split(", "):
        if part in (".", "./"):
            part = Path.cwd().name or part
        elif part.startswith("./"):
            part = part[2:]
        parts.append(part)
    return ", ".join(parts)


def chars_for(width_in: float, font: float) -> int:
    """About how many characters of a ``font``-point text fit in ``width_in`` inches."""
    return max(20, int(width_in * 72 / (font * CHAR_WIDTH)))


def fit_title(source: str, view: str, chars: int) -> str:
    """``source: view`` on one line of at most ``chars`` characters: the source (then the
    view) cut in the middle when too long."""
    if not source:
        return short(view, chars)
    room = max(12, chars - len(view) - 2)
    line = f"{short(input_name(source), room)}: {view}"
    return short(line, chars)


def title_lines(
    source: str, view: str, sub: str, note: str, *, width_in: float, font: float = 12
) -> tuple[str, str]:
    """The title text (the title line, the subtitle cut to one line, the note wrapped to
    :data:`NOTE_LINES` lines) for a width in inches, and the full text for its tooltip."""
    chars = chars_for(width_in, font)
    lines = [fit_title(source, view, chars)]
    if sub:
        lines.append(short(sub, chars))
    if note:
        wrapped = textwrap.wrap(note, chars)
        cut = wrapped[:NOTE_LINES]
        if len(wrapped) > NOTE_LINES:
            cut[-1] = short(cut[-1] + " " + " ".join(wrapped[NOTE_LINES:]), chars)
        lines.extend(cut)
    head = f"{input_name(source)}: {view}" if source else view
    return "\n".join(lines), "\n".join(s for s in (head, sub, note) if s)


def titled(
    fig: Figure, ax: Axes, source: str, view: str, sub: str, note: str, *, width_in: float
) -> None:
    """Set the axes title (:func:`title_lines`), the full texts its tooltip."""
    text, full = title_lines(source, view, sub, note, width_in=width_in)
    t = ax.set_title(text, loc="left", fontsize=12, color="#263238", pad=10)
    tip(fig, t, full)
