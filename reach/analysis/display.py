"""Results that draw themselves in a notebook (Jupyter calls ``_repr_png_``/``_repr_svg_``).

The pictures are made by :mod:`reach.draw`, a layer above this one: it is
plugged in with :func:`set_picture_maker` (``reach.api`` does so), so that
this module imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``maker(result, fmt)``: the picture of a result as PNG or SVG bytes, or None
#: when notebooks should not show that format.
PictureMaker = Callable[[object, str], bytes | None]

_maker: PictureMaker | None = None


def set_picture_maker(maker: PictureMaker) -> None:
    """Plug in what draws results for notebooks."""
    global _maker
    _maker = maker


class NotebookPicture:
    """Mixin: display as the picture :mod:`reach.draw` makes of the result."""

    def _repr_png_(self) -> bytes | None:
        """Notebook display (see :data:`reach.draw.NOTEBOOK_FORMAT`)."""
        return _maker(self, "png") if _maker else None

    def _repr_svg_(self) -> str | None:
        picture = _maker(self, "svg") if _maker else None
        return picture.decode("utf-8") if picture is not None else None
