"""Figures as PNG or SVG: bytes, or written to a file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, TYPE_CHECKING

from reach.draw.style import PLAIN_RC, plain_text
from reach.draw.tips import add_titles, tips_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """The figure as PNG or SVG bytes."""
    buf = io.BytesIO()
    save(fig, buf, fmt, dpi)
    return buf.getvalue()


def save(fig: Figure, path: str | Path | IO[bytes], fmt: str | None = None, dpi: int = 150) -> None:
    """Write the figure as PNG or SVG (``fmt`` defaults to the path's extension).

    SVG keeps its text as text (searchable, selectable), not as outlines, and carries
    the tooltips (:mod:`~reach.draw.tips`): full names of cut labels, ports of bundles.
    Text is drawn as written (:func:`~reach.draw.style.plain_text`): ``$`` in a name is
    a dollar sign.
    """
    import matplotlib

    if fmt is None:
        fmt = Path(str(path)).suffix.lstrip(".").lower() if isinstance(path, str | Path) else "png"
    if fmt not in ("png", "svg"):
        raise ValueError(f"pictures are png or svg, not {fmt!r}")
    # text as written, as plain_text makes it: also for tick labels made while drawing
    buf = io.BytesIO()
    with matplotlib.rc_context(PLAIN_RC):  # type: ignore[arg-type]
        plain_text(fig).savefig(buf, format=fmt, dpi=dpi, facecolor="white")
    data = buf.getvalue()
    if fmt == "svg":
        data = add_titles(data, tips_of(fig))
    if isinstance(path, str | Path):
        Path(path).write_bytes(data)
    else:
        path.write(data)
