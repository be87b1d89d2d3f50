"""Results that carry the diagnostics of their load, and draw themselves in a notebook
(Jupyter calls ``_repr_html_``, ``_repr_svg_``, ``_repr_png_``).

The pictures are made by :mod:`reach.draw`, and the HTML by :mod:`reach.output`,
layers above this one: they are plugged in with :func:`set_picture_maker` and
:func:`set_html_maker` (``reach.api`` does so), so that this module imports nothing
above it.
"""

from __future__ import annotations

from collections.abc import Callable

from reach.errors import Diagnostic

#: ``maker(result, fmt)``: the picture of a result as PNG or SVG bytes, or None
#: when notebooks should not show that format.
PictureMaker = Callable[[object, str], bytes | None]

_maker: PictureMaker | None = None

#: ``maker(result)``: the notebook HTML of a result that carries diagnostics (its
#: picture, or for a :class:`NotebookHtml` result its tables, then the diagnostics).
HtmlMaker = Callable[[object], str]

_html: HtmlMaker | None = None


def set_picture_maker(maker: PictureMaker) -> None:
    """Plug in what draws results for notebooks."""
    global _maker
    _maker = maker


def set_html_maker(maker: HtmlMaker) -> None:
    """Plug in what writes the notebook HTML of results that carry diagnostics."""
    global _html
    _html = maker


class Qualified:
    """Mixin: a result that carries the diagnostics of the load it answers about.

    :class:`reach.Reach` sets them on every result it returns; the output formats and
    the notebook display show them (an empty tuple: a complete answer).
    """

    diagnostics: tuple[Diagnostic, ...] = ()


class NotebookPicture(Qualified):
    """Mixin: display as the picture :mod:`reach.draw` makes of the result; with its
    diagnostics under it, as HTML, when it carries some."""

    def _repr_html_(self) -> str | None:
        """Notebook display when there are diagnostics (else the picture alone)."""
        return _html(self) if self.diagnostics and _html else None

    def _repr_png_(self) -> bytes | None:
        """Notebook display (see :data:`reach.draw.NOTEBOOK_FORMAT`)."""
        return _maker(self, "png") if _maker else None

    def _repr_svg_(self) -> str | None:
        picture = _maker(self, "svg") if _maker else None
        return picture.decode("utf-8") if picture is not None else None


class NotebookHtml(Qualified):
    """Mixin: display as the HTML :mod:`reach.output` writes of the result (tables, then
    its diagnostics), for results that are no picture."""

    def _repr_html_(self) -> str | None:
        """Notebook display."""
        return _html(self) if _html else None
