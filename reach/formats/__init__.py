"""Output formats for connection lists. One module per format, one ``render`` each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from ..connections import Node, View, external_node
from ..engine import IntVec
from ..ipspace import IPRange
from ..ports import PortSet

Renderer = Callable[[View, TextIO], None]


@dataclass
class Table:
    """Allowed pairs as parallel arrays, sorted by source id then destination id.

    ``src``/``dst`` index ``nodes``; ``ports`` indexes ``portsets``/``texts``.
    """

    nodes: list[Node]
    src: IntVec
    dst: IntVec
    ports: IntVec
    portsets: list[PortSet]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.src)

    def __iter__(self) -> Iterator[tuple[Node, Node, PortSet]]:
        for s, d, p in zip(self.src.tolist(), self.dst.tolist(), self.ports.tolist(), strict=True):
            yield self.nodes[s], self.nodes[d], self.portsets[p]

    def lines(self) -> Iterator[str]:
        nodes, texts = self.nodes, self.texts
        for s, d, p in zip(self.src.tolist(), self.dst.tolist(), self.ports.tolist(), strict=True):
            yield f"{nodes[s].id} => {nodes[d].id} : {texts[p]}"


def table(view: View) -> Table:
    """The view's allowed pairs, sorted, with adjacent external segments merged.

    Adjacent external segments that one node reaches (or is reached from) with
    the same ports become one range, so ``0.0.0.0-255.255.255.255`` reads as one
    line rather than one per ipBlock boundary.
    """
    n_int = view.n_internal
    blocks = list(view.edge_blocks())
    src = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, np.intp)
    dst = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0, np.intp)
    ids = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0, np.intp)
    inner = (src < n_int) & (dst < n_int)
    nodes = list(view.nodes[:n_int])
    ext_index: dict[str, int] = {}
    runs: dict[tuple[int, bool], list[tuple[int, int]]] = {}
    for s, d, p in zip(
        src[~inner].tolist(), dst[~inner].tolist(), ids[~inner].tolist(), strict=True
    ):
        if s >= n_int:
            runs.setdefault((d, True), []).append((s, p))
        else:
            runs.setdefault((s, False), []).append((d, p))
    extra: list[tuple[int, int, int]] = []
    for (node, ext_is_src), segs in runs.items():
        for ext, p in _merge(view, segs):
            e = ext_index.get(ext.id)
            if e is None:
                e = ext_index[ext.id] = len(nodes)
                nodes.append(ext)
            extra.append((e, node, p) if ext_is_src else (node, e, p))
    ex = np.array(extra, dtype=np.intp).reshape(-1, 3)
    src = np.concatenate([src[inner], ex[:, 0]])
    dst = np.concatenate([dst[inner], ex[:, 1]])
    ids = np.concatenate([ids[inner], ex[:, 2]])
    rank = np.empty(len(nodes), dtype=np.intp)
    rank[sorted(range(len(nodes)), key=lambda i: nodes[i].id)] = np.arange(len(nodes))
    order = np.lexsort((rank[dst], rank[src]))
    atoms = view.reach.atoms
    return Table(nodes, src[order], dst[order], ids[order], atoms.portsets, atoms.texts)


def _merge(view: View, segs: list[tuple[int, int]]) -> list[tuple[Node, int]]:
    merged: list[tuple[IPRange, int]] = []
    for idx, p in sorted(segs):
        rng = view.nodes[idx].range
        if merged:
            prev, prev_p = merged[-1]
            if prev.version == rng.version and prev.last + 1 == rng.first and prev_p == p:
                merged[-1] = (IPRange(rng.version, prev.first, rng.last), p)
                continue
        merged.append((rng, p))
    return [(external_node(r), p) for r, p in merged]


def renderers() -> dict[str, Renderer]:
    from . import csv, json, md, txt

    return {"txt": txt.render, "json": json.render, "csv": csv.render, "md": md.render}


FORMATS = ("txt", "json", "csv", "md")
