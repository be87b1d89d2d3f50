"""Results that draw themselves in a notebook (Jupyter calls ``_repr_png_``/``_repr_svg_``)."""

from __future__ import annotations

from typing import Any, cast


class NotebookPicture:
    """Mixin: display as the picture :mod:`reach.draw` makes of the result."""

    def _repr_png_(self) -> bytes | None:
        """Notebook display (see :data:`reach.draw.NOTEBOOK_FORMAT`)."""
        from .draw import notebook_png

        return notebook_png(cast(Any, self))

    def _repr_svg_(self) -> str | None:
        from .draw import notebook_svg

        return notebook_svg(cast(Any, self))
