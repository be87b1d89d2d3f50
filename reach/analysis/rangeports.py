"""Address ranges with ports, made disjoint: the pieces generated policies name."""

from __future__ import annotations

from collections.abc import Sequence

from reach.model.ipspace import IPRange
from reach.model.ports import PortSet

RangePorts = list[tuple[IPRange, PortSet]]


def disjoint(
    items: Sequence[tuple[IPRange, PortSet]], less: Sequence[tuple[IPRange, PortSet]] = ()
) -> RangePorts:
    """Ranges with ports (perhaps overlapping) as disjoint ranges, each with the union of
    the ports of the ranges that hold it, less the ports ``less`` gives it there; pieces
    left with no port dropped, neighbours with the same ports merged."""
    cuts: dict[int, set[int]] = {}
    for r, _ in (*items, *less):
        cuts.setdefault(r.version, set()).update((r.first, r.last + 1))
    out: RangePorts = []
    for version, points in sorted(cuts.items()):
        ordered = sorted(points)
        for lo, hi in zip(ordered, ordered[1:], strict=False):
            piece = IPRange(version, lo, hi - 1)
            ports = _at(items, piece) - _at(less, piece)
            if not ports:
                continue
            last = out[-1] if out else None
            if last and last[0].version == version and last[0].last + 1 == lo and last[1] == ports:
                out[-1] = (IPRange(version, last[0].first, hi - 1), ports)
            else:
                out.append((piece, ports))
    return out


def _at(items: Sequence[tuple[IPRange, PortSet]], piece: IPRange) -> PortSet:
    """The union of the ports of the ranges that hold ``piece``."""
    out = PortSet.empty()
    for r, ports in items:
        if r.contains(piece):
            out |= ports
    return out
