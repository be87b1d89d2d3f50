"""Reading back what reach writes: PNG sizes, SVG texts, DOT graphs (parsed with pydot)."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pydot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG file."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def svg_texts(data: bytes) -> str:
    """All the text of an SVG file, joined by spaces."""
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return " ".join(t for el in root.iter() for t in (el.text or "",))


def parse_dot(text: str) -> pydot.Dot:
    """The one graph of a DOT text, parsed by pydot."""
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1
    return graphs[0]


def dot_nodes(g: pydot.Dot | pydot.Subgraph) -> Iterator[pydot.Node]:
    """The nodes of a DOT graph and of its subgraphs, without the default-attribute ones."""
    for n in g.get_nodes():
        if n.get_name() not in ("graph", "node", "edge"):
            yield n
    for sg in g.get_subgraphs():
        yield from dot_nodes(sg)
