"""Where things go: node positions and namespace boxes of a picture (no drawing here).

Each namespace is a box holding its nodes on a staggered grid, in an order where most
edges inside it point forward (callers before the services they call); external ranges
share a box of their own; ungrouped nodes (namespaces, a highlight's start) stand
on a circle. The boxes are ordered so that most edges point forward, then put on
a grid where connected boxes are moved next to each other. Coordinates are in
data units, y growing upward; boxes are placed top-down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reach.draw.model import PEdge, Picture, PNode
from reach.draw.style import (
    BOX_GAP,
    BOX_PAD,
    BOX_TITLE,
    CELL_H,
    CELL_W,
    PSEUDO_GROUP,
    PSEUDO_TITLE,
)

Point = tuple[float, float]


@dataclass
class Box:
    title: str
    x: float
    y: float  # top edge
    w: float
    h: float
    dashed: bool = False
    group: str | None = None  # the group of the picture's nodes it holds


@dataclass
class Block:
    """A namespace box (or the circle of ungrouped nodes, group ``*``) before placing it:
    its size and its nodes' positions relative to its top-left corner."""

    group: str
    w: float
    h: float
    local: dict[str, Point]


def group_order(pic: Picture) -> list[str]:
    """Namespaces ordered so that most edges between them point forward."""
    groups = sorted({p.group for p in pic.nodes.values() if p.group not in ("", "*", PSEUDO_GROUP)})
    links = [PEdge(pic.nodes[e.src].group, pic.nodes[e.dst].group, "", False) for e in pic.edges]
    order = flow_order(groups, links)
    if pic.group_order:
        rank = {g: i for i, g in enumerate(pic.group_order)}
        order.sort(key=lambda g: rank.get(g, len(rank)))
    return order


def flow_order(items: Sequence[str], edges: Sequence[PEdge]) -> list[str]:
    """Eades' heuristic for few backward edges: sources first, sinks last, then best balance."""
    members = set(items)
    weight: dict[tuple[str, str], int] = {}
    for e in edges:
        if e.src != e.dst and e.src in members and e.dst in members:
            weight[(e.src, e.dst)] = weight.get((e.src, e.dst), 0) + 1
    left: list[str] = []
    right: list[str] = []
    rest = set(members)
    while rest:
        out = dict.fromkeys(rest, 0)
        inn = dict.fromkeys(rest, 0)
        for (a, b), w in weight.items():
            if a in rest and b in rest:
                out[a] += w
                inn[b] += w
        sinks = sorted(g for g in rest if out[g] == 0 and inn[g] > 0)
        if sinks:
            right = sinks + right
            rest -= set(sinks)
            continue
        sources = sorted(g for g in rest if inn[g] == 0)
        if sources:
            left += sources
            rest -= set(sources)
            continue
        best = max(sorted(rest), key=lambda g: out[g] - inn[g])
        left.append(best)
        rest.remove(best)
    return left + right


def layout(pic: Picture) -> tuple[dict[str, Point], list[Box]]:
    """Node positions and namespace boxes (y grows upward; boxes are placed top-down)."""
    members: dict[str, list[PNode]] = {}
    for p in pic.nodes.values():
        members.setdefault(p.group, []).append(p)
    for group, ps in members.items():
        flow = {nid: i for i, nid in enumerate(flow_order([p.id for p in ps], pic.edges))}
        if group in ("", "*"):
            flow = {}  # external ranges in address order; loose nodes on their circle
        ps.sort(
            key=lambda p: (
                p.shade if p.shade is not None else 99,
                p.type != "start",
                flow.get(p.id, 0),
                p.id,
            )
        )
    blocks: list[Block] = []
    loose = members.pop("*", [])
    if loose:
        blocks.append(loose_block(loose, pic))
    order = group_order(pic)
    if "" in members:
        order.append("")
    if PSEUDO_GROUP in members:
        order.append(PSEUDO_GROUP)
    blocks.extend(box_block(g, members[g]) for g in order)
    if not blocks:
        return {}, []
    return place_blocks(blocks, arrange(len(blocks), block_links(blocks, pic.edges)))


def loose_block(loose: list[PNode], pic: Picture) -> Block:
    """Ungrouped nodes (namespace granularity, or a highlight's start): one, or a circle."""
    if len(loose) == 1:
        return Block("*", CELL_W, CELL_H, {loose[0].id: (CELL_W / 2, -CELL_H / 2)})
    # on a circle, in an order where most edges point forward
    rank = {nid: i for i, nid in enumerate(flow_order([p.id for p in loose], pic.edges))}
    loose.sort(key=lambda p: rank[p.id])
    k = len(loose)
    radius = max(CELL_W * 0.9, k * CELL_W * 0.95 / (2 * math.pi))
    # turned so that the nodes talking to external ranges face their box (on the right)
    ext = {p.id for p in pic.nodes.values() if p.type == "external"}
    pull = [0] * k
    for e in pic.edges:
        for i, p in enumerate(loose):
            if (e.src == p.id and e.dst in ext) or (e.dst == p.id and e.src in ext):
                pull[i] += 1
    turn = max(
        range(k),
        key=lambda t: sum(
            w * math.cos(math.pi / 2 - 2 * math.pi * (i + t) / k) for i, w in enumerate(pull)
        ),
    )
    local: dict[str, Point] = {}
    for i, p in enumerate(loose):
        a = math.pi / 2 - 2 * math.pi * (i + turn) / k
        local[p.id] = (radius * (1 + math.cos(a)) + CELL_W / 2, -radius * (1 - math.sin(a)))
    return Block("*", 2 * radius + CELL_W, 2 * radius + CELL_H, local)


def box_block(group: str, ps: list[PNode]) -> Block:
    """A namespace's box (or the external ranges', group ``""``): its nodes on a grid,
    staggered so that no edge runs through a third node of the same box."""
    k = len(ps)
    rows = min(k, max(1, math.ceil(math.sqrt(3 * k))))
    cols = math.ceil(k / rows)
    rows = math.ceil(k / cols)
    local: dict[str, Point] = {}
    shift = 0.3 * CELL_H if cols > 1 else 0.0
    for i, p in enumerate(ps):
        c, r = divmod(i, rows)
        dx = (0.45 if r % 2 else -0.45) if cols == 1 and k > 2 else 0.0
        local[p.id] = (
            BOX_PAD + (c + 0.5) * CELL_W + dx,
            -(BOX_TITLE + (r + 0.5) * CELL_H + (shift if c % 2 else 0.0)),
        )
    height = rows * CELL_H + BOX_TITLE + BOX_PAD + (shift if cols > 1 else 0.0)
    return Block(group, cols * CELL_W + 2 * BOX_PAD, height, local)


def block_links(blocks: Sequence[Block], edges: Sequence[PEdge]) -> dict[tuple[int, int], int]:
    """How many edges join each pair of blocks ``(i, j)``, ``i < j``."""
    weights: dict[tuple[int, int], int] = {}
    block_of = {nid: i for i, b in enumerate(blocks) for nid in b.local}
    for e in edges:
        ba, bb = block_of.get(e.src), block_of.get(e.dst)
        if ba is not None and bb is not None and ba != bb:
            key = (min(ba, bb), max(ba, bb))
            weights[key] = weights.get(key, 0) + 1
    return weights


def place_blocks(
    blocks: Sequence[Block], cells: Sequence[tuple[int, int]]
) -> tuple[dict[str, Point], list[Box]]:
    """Node positions and boxes of blocks put in grid cells ``(column, row)``: each column
    as wide and each row as high as its largest block, blocks centred in their column."""
    n_cols = max(c for c, _ in cells) + 1
    n_rows = max(r for _, r in cells) + 1
    col_w = [0.0] * n_cols
    row_h = [0.0] * n_rows
    for (c, r), b in zip(cells, blocks, strict=True):
        col_w[c] = max(col_w[c], b.w)
        row_h[r] = max(row_h[r], b.h)
    col_x = [sum(col_w[:c]) + c * BOX_GAP for c in range(n_cols)]
    row_y = [-(sum(row_h[:r]) + r * BOX_GAP) for r in range(n_rows)]
    pos: dict[str, Point] = {}
    boxes: list[Box] = []
    for (c, r), b in zip(cells, blocks, strict=True):
        x = col_x[c] + (col_w[c] - b.w) / 2
        y = row_y[r] - (row_h[r] - b.h) / 2 if b.group == "*" else row_y[r]
        for nid, (lx, ly) in b.local.items():
            pos[nid] = (x + lx, y + ly)
        if b.group != "*":
            title = PSEUDO_TITLE if b.group == PSEUDO_GROUP else b.group or "external ranges"
            dashed = b.group in ("", PSEUDO_GROUP)
            boxes.append(Box(title, x, y, b.w, b.h, dashed=dashed, group=b.group))
    return pos, boxes


def arrange(n: int, weights: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """Grid cells (column, row) for ``n`` blocks in their order, improved by swaps.

    The cost is the sum over connected pairs of edges x distance between their
    cells; swapping two cells (or a cell with an empty one) is kept while it
    lowers the cost.
    """
    if n <= 1:
        return [(0, 0)] * n
    cols = max(1, round(math.sqrt(n * 1.5)))
    rows = math.ceil(n / cols)
    slots = [(c, r) for r in range(rows) for c in range(cols)]
    slot_block = list(range(n)) + [-1] * (len(slots) - n)  # slot -> block (or -1)

    def cost(where: list[int]) -> float:
        at = {b: slots[i] for i, b in enumerate(where) if b >= 0}
        total = 0.0
        for (a, b), w in weights.items():
            (ca, ra), (cb, rb) = at[a], at[b]
            total += w * math.hypot(ca - cb, (ra - rb) * 1.2)
        return total

    best = cost(slot_block)
    improved = True
    rounds = 0
    while improved and rounds < 20:
        improved = False
        rounds += 1
        for i in range(len(slots)):
            for j in range(i + 1, len(slots)):
                if slot_block[i] < 0 and slot_block[j] < 0:
                    continue
                slot_block[i], slot_block[j] = slot_block[j], slot_block[i]
                c = cost(slot_block)
                if c < best - 1e-9:
                    best = c
                    improved = True
                else:
                    slot_block[i], slot_block[j] = slot_block[j], slot_block[i]
    cells = [(0, 0)] * n
    for i, b in enumerate(slot_block):
        if b >= 0:
            cells[b] = slots[i]
    # drop empty columns and rows
    used_c = sorted({c for c, _ in cells})
    used_r = sorted({r for _, r in cells})
    return [(used_c.index(c), used_r.index(r)) for c, r in cells]
