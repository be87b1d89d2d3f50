"""The connection list as a table: allowed pairs sorted, adjacent external ranges merged
(network set and pseudo nodes are listed like external ranges, never merged)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from reach.analysis.controller import controller_edges, controller_node
from reach.analysis.nodes import Node, external_node
from reach.analysis.views import View, run_positions
from reach.engine.arrays import BoolVec, IntVec
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


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
    """The view's allowed pairs, sorted, with adjacent external segments merged (all at once).

    Adjacent external segments that one node reaches (or is reached from) with
    the same ports become one range, so ``0.0.0.0-255.255.255.255`` reads as one
    line rather than one per ipBlock boundary.
    """
    nodes, chunks = table_chunks(view)
    parts = list(chunks)
    atoms = view.reachability.atoms

    def joined(field: str) -> IntVec:
        arrays = [getattr(t, field) for t in parts]
        return np.concatenate(arrays) if arrays else np.zeros(0, np.intp)

    # the last part may carry port sets of its own (the controller's lines)
    last = parts[-1] if parts else None
    portsets, texts = (last.portsets, last.texts) if last else (atoms.portsets, atoms.texts)
    return Table(nodes, joined("src"), joined("dst"), joined("ports"), portsets, texts)


def table_chunks(view: View, chunk: int = 256) -> tuple[list[Node], Iterator[Table]]:
    """All nodes of the output, and :func:`table` in pieces, in order, for streaming.

    External pairs (few: nodes x segments) are merged up front, so every
    output node is known before the first line; internal pairs are computed
    for ``chunk`` source nodes at a time, in the order of the output.
    """
    n_int = view.n_internal
    internal = np.arange(n_int)
    ext, ranges, adjacent = outside_nodes(view)
    empty = view.reachability.atoms.empty_id
    outgoing = merged_runs(view, internal, ext, adjacent, empty, outgoing=True)
    incoming = merged_runs(view, internal, ext, adjacent, empty, outgoing=False)
    # one node per distinct merged range, after the internal nodes
    span = max(1, len(ext))
    keys, inverse = np.unique(
        np.concatenate([outgoing[1] * span + outgoing[2], incoming[1] * span + incoming[2]]),
        return_inverse=True,
    )
    nodes = list(view.nodes[:n_int])
    for key in keys.tolist():
        if key // span >= len(ranges):  # a network set or pseudo node: a run of its own
            nodes.append(view.nodes[n_int + key // span])
            continue
        first, last = ranges[key // span], ranges[key % span]
        nodes.append(external_node(IPRange(first.version, first.first, last.last)))
    merged = inverse.reshape(-1) + n_int
    out_src, out_dst, out_p = outgoing[0], merged[: len(outgoing[0])], outgoing[3]
    in_src, in_dst, in_p = merged[len(outgoing[0]) :], incoming[0], incoming[3]
    by = np.argsort(in_src, kind="stable")
    in_src, in_dst, in_p = in_src[by], in_dst[by], in_p[by]
    rank = np.empty(len(nodes), dtype=np.intp)
    order = np.array(sorted(range(len(nodes)), key=lambda i: nodes[i].id), dtype=np.intp)
    rank[order] = np.arange(len(nodes))
    atoms = view.reachability.atoms
    entries = controller_edges(view)  # the {ingress-controller} lines come last (`{` sorts last)
    if entries:
        nodes.append(controller_node())

    def pieces() -> Iterator[Table]:
        for lo in range(0, len(order), chunk):
            srcs = order[lo : lo + chunk]
            inner = np.sort(srcs[srcs < n_int])
            ids = view.pair_ids(inner, internal) if len(inner) else np.zeros((0, n_int), np.intp)
            keep = ids != empty  # a node with itself only where the granularity pairs them
            r, d = np.nonzero(keep)
            s1, d1, p1 = _runs_of(out_src, inner, out_src, out_dst, out_p)
            outer = np.sort(srcs[srcs >= n_int])
            s2, d2, p2 = _runs_of(in_src, outer, in_src, in_dst, in_p)
            s = np.concatenate([inner[r], s1, s2])
            t = np.concatenate([d, d1, d2])
            p = np.concatenate([ids[r, d], p1, p2])
            o = np.lexsort((rank[t], rank[s]))
            yield Table(nodes, s[o], t[o], p[o], atoms.portsets, atoms.texts)
        if entries:
            yield _entry_table(nodes, entries, atoms.portsets, atoms.texts)

    return nodes, pieces()


def outside_nodes(view: View) -> tuple[IntVec, list[IPRange], BoolVec]:
    """``(ext, ranges, adjacent)``: the view's external nodes (its ranges, then its network
    set and pseudo nodes), the ranges, and whether each of ``ext`` after the first may
    continue the run of the one before (adjacent ranges of one family; a network set or
    pseudo node is never merged)."""
    n_int = view.n_internal
    ext = np.arange(n_int, len(view.nodes))
    ranges = [view.nodes[i].range for i in range(n_int, view.first_set)]
    pairs = zip(ranges[:-1], ranges[1:], strict=True)
    adjacent = np.zeros(max(0, len(ext) - 1), dtype=bool)
    adjacent[: max(0, len(ranges) - 1)] = [
        a.version == b.version and a.last + 1 == b.first for a, b in pairs
    ]
    return ext, ranges, adjacent


def _entry_table(
    nodes: list[Node], entries: list[tuple[int, PortSet]], portsets: list[PortSet], texts: list[str]
) -> Table:
    """The last node's (the controller's) lines; their port sets need not be atoms of the
    engine, so they get ids after the engine's own."""
    dst = sorted(range(len(entries)), key=lambda k: nodes[entries[k][0]].id)
    extra = [entries[k][1] for k in dst]
    ids = np.arange(len(portsets), len(portsets) + len(extra))
    return Table(
        nodes,
        np.full(len(extra), len(nodes) - 1),
        np.array([entries[k][0] for k in dst], dtype=np.intp),
        ids,
        portsets + extra,
        texts + [str(p) for p in extra],
    )


def merged_runs(
    view: View, internal: IntVec, ext: IntVec, adjacent: BoolVec, empty: int, outgoing: bool
) -> tuple[IntVec, IntVec, IntVec, IntVec]:
    """``(node, first segment, last segment, port-set id)`` of each run of adjacent external
    segments that an internal node reaches (``outgoing``) or is reached from with the same
    ports. Segments are numbered by their place in ``ext``."""
    found: list[tuple[IntVec, IntVec, IntVec, IntVec]] = []
    for lo in range(0, len(internal), 2048):
        nodes = internal[lo : lo + 2048]
        if not len(ext):
            break
        ids = view.node_ids(nodes, ext) if outgoing else view.node_ids(ext, nodes).T
        nz = ids != empty
        same = np.zeros_like(nz)  # column j continues the run of column j - 1
        same[:, 1:] = nz[:, 1:] & nz[:, :-1] & (ids[:, 1:] == ids[:, :-1]) & adjacent[None, :]
        starts = nz & ~same
        ends = nz.copy()
        ends[:, :-1] &= ~same[:, 1:]
        rows, first = np.nonzero(starts)
        _, last = np.nonzero(ends)
        found.append((nodes[rows], first, last, ids[rows, first]))
    if not found:
        zero = np.zeros(0, np.intp)
        return zero, zero, zero, zero
    node, first, last, ids = (np.concatenate(part) for part in zip(*found, strict=True))
    return node, first, last, ids


def _runs_of(keys: IntVec, wanted: IntVec, *columns: IntVec) -> tuple[IntVec, ...]:
    """The rows of ``columns`` whose (sorted) ``keys`` are in ``wanted``, in ``wanted`` order."""
    lo = np.searchsorted(keys, wanted, "left")
    at, _ = run_positions(lo, np.searchsorted(keys, wanted, "right") - lo)
    return tuple(c[at] for c in columns)
