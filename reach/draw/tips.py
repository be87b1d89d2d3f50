"""Tooltips in SVG: an artist marked here gets a ``<title>`` (shown on hover) when saved.

matplotlib writes an artist with a gid as ``<g id="gid">``; :func:`add_titles` puts
the marked text as the first child of that group, which browsers show on hover.
The marks of a figure are kept beside it (not on it), and vanish with it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

_TIPS: WeakKeyDictionary[Figure, dict[str, str]] = WeakKeyDictionary()
_GID = re.compile(rb'<g id="(reach-(?:tip|name)-\d+)">')


def tip(fig: Figure, artist: Artist, text: str, *, name: bool = False) -> None:
    """Show ``text`` when the pointer is on ``artist`` in the figure's SVG; a node's name
    (``name``) is marked as such (``reach-name-N``), so that tests and tools find the
    names a picture shows."""
    tips = _TIPS.setdefault(fig, {})
    gid = f"reach-{'name' if name else 'tip'}-{len(tips)}"
    tips[gid] = text
    artist.set_gid(gid)


def tips_of(fig: Figure) -> dict[str, str]:
    """The tooltips of a figure, by gid."""
    return dict(_TIPS.get(fig, {}))


def add_titles(svg: bytes, tips: dict[str, str]) -> bytes:
    """The SVG with each marked group's tooltip as its ``<title>``."""

    def with_title(m: re.Match[bytes]) -> bytes:
        text = tips.get(m.group(1).decode())
        if text is None:
            return m.group(0)
        return m.group(0) + b"\n  <title>" + escape(text).encode() + b"</title>"

    return _GID.sub(with_title, svg)
