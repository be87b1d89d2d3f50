"""What an SVG picture shows, read back from the file: each line of text with the box it
covers, and the node names (``reach-name-N`` groups) with their tooltips.

Text boxes are measured with the font the SVG names, at its size, by matplotlib's own
font metrics (``TextToPath``), placed by the SVG's ``x``/``y``/``text-anchor`` and
``transform`` (translate and rotate), so the check sees what a viewer draws.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
#: Boxes overlapping by less than this (points, in both directions) count as touching.
TOUCH = 0.5


@dataclass(frozen=True)
class TextBox:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom (SVG points, y down)


def _style(el: ET.Element) -> dict[str, str]:
    out = {}
    for part in (el.get("style") or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip():
            out[key.strip()] = value.strip()
    return out


def _measure(text: str, size: float, bold: bool) -> tuple[float, float, float]:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    w, h, d = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(w), float(h), float(d)


def _placement(el: ET.Element) -> tuple[float, float, float]:
    """The text's anchor point and its rotation (degrees, SVG sense)."""
    x, y = float(el.get("x", 0.0)), float(el.get("y", 0.0))
    angle = 0.0
    transform = el.get("transform", "")
    m = re.search(r"translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)", transform)
    if m:
        x, y = x + float(m.group(1)), y + float(m.group(2))
    r = re.search(r"rotate\(([-\d.e]+)", transform)
    if r:
        angle = float(r.group(1))
    return x, y, angle


def text_boxes(svg: bytes) -> list[TextBox]:
    """Every non-empty line of text in the SVG, with its box."""
    boxes = []
    for el in ET.fromstring(svg).iter(f"{SVG}text"):
        text = "".join(el.itertext())
        if not text.strip():
            continue
        st = _style(el)
        size = float(st.get("font-size", "10px").removesuffix("px"))
        w, h, d = _measure(text, size, st.get("font-weight") in ("700", "bold"))
        anchor = st.get("text-anchor", "start")
        left = {"start": 0.0, "middle": -w / 2, "end": -w}[anchor]
        corners = [(left, -(h - d)), (left + w, -(h - d)), (left, d), (left + w, d)]
        x, y, angle = _placement(el)
        a = math.radians(angle)
        pts = [
            (x + u * math.cos(a) - v * math.sin(a), y + u * math.sin(a) + v * math.cos(a))
            for u, v in corners
        ]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        boxes.append(TextBox(text, (min(xs), min(ys), max(xs), max(ys))))
    return boxes


def overlapping(boxes: list[TextBox]) -> list[tuple[str, str]]:
    """The pairs of texts whose boxes overlap (more than touching)."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            w = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
            h = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
            if w > TOUCH and h > TOUCH:
                out.append((a.text, b.text))
    return out


def node_names(svg: bytes) -> list[tuple[str, str]]:
    """(the name shown, its tooltip) of each node name in the picture."""
    out = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if (g.get("id") or "").startswith("reach-name-"):
            title = g.find(f"{SVG}title")
            shown = "".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))
            out.append((shown, title.text or "" if title is not None else ""))
    return out
