"""Output formats for connection lists. One module per format, one ``render`` each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

from ..connections import Node, View
from ..ports import PortSet

Renderer = Callable[[View, TextIO], None]


def rows(view: View) -> Iterator[tuple[Node, Node, PortSet]]:
    """Allowed pairs sorted by source id, then destination id."""
    atoms = view.reach.atoms
    nodes = view.nodes
    order = sorted(range(len(nodes)), key=lambda i: nodes[i].id)
    rank = {n: r for r, n in enumerate(order)}
    pairs = sorted(view.edges(), key=lambda e: (rank[e[0]], rank[e[1]]))
    for s, d, mask in pairs:
        yield nodes[s], nodes[d], atoms.portset(mask)


def renderers() -> dict[str, Renderer]:
    from . import csv, json, md, txt

    return {"txt": txt.render, "json": json.render, "csv": csv.render, "md": md.render}


FORMATS = ("txt", "json", "csv", "md")
