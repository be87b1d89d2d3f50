"""Verification built into ``reach generate``: the cluster analysed again with the
generated NetworkPolicies in place of its own, and its connections between units (and
with outside ranges) compared with the wanted ones, port by port."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from reach.analysis.units import End, Unit, Wanted, current, units
from reach.engine.compile import compile_cluster
from reach.model.cluster import Cluster, NetworkPolicy
from reach.model.ipspace import IPRange
from reach.model.ports import PortSet


@dataclass(frozen=True)
class Mismatch:
    """A pair whose ports under the generated policies are not the wanted ones."""

    src: str
    dst: str
    wanted: PortSet
    result: PortSet

    def __str__(self) -> str:
        return f"{self.src} => {self.dst}: wanted {self.wanted}, the policies allow {self.result}"


@dataclass
class Verification:
    compared: int = 0  #: wanted connections
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(
    cluster: Cluster, found: list[Unit], wanted: Wanted, policies: list[NetworkPolicy]
) -> Verification:
    """Compare ``wanted`` with the connections of ``cluster`` whose NetworkPolicies are
    replaced by ``policies`` (its other policy kinds are kept)."""
    after = compile_cluster(replace(cluster, policies=policies))
    again = units(after)
    assert [u.name for u in again] == [u.name for u in found]
    result = current(after, again)
    out = Verification(compared=len(wanted))
    internal = sorted(
        {(a, b) for a, b in (*wanted, *result) if isinstance(a, int) and isinstance(b, int)}
    )
    for pair in internal:
        want, got = wanted.get(pair, PortSet.empty()), result.get(pair, PortSet.empty())
        _compare(out, found, pair, want, got)
    want_ext, got_ext = _external(wanted), _external(result)
    for a, outgoing in sorted({*want_ext, *got_ext}):
        mine = want_ext.get((a, outgoing), _Ranges())
        theirs = got_ext.get((a, outgoing), _Ranges())
        for piece in _pieces(mine, theirs):
            key = (a, piece) if outgoing else (piece, a)
            _compare(out, found, key, _at(mine, piece), _at(theirs, piece))
    return out


def _compare(
    out: Verification, found: list[Unit], key: tuple[End, End], want: PortSet, got: PortSet
) -> None:
    if want != got:
        src, dst = (found[e].name if isinstance(e, int) else str(e) for e in key)
        out.mismatches.append(Mismatch(src, dst, want, got))


@dataclass
class _Ranges:
    """Outside ranges (disjoint) with their ports, in address order."""

    items: list[tuple[IPRange, PortSet]] = field(default_factory=list)
    starts: list[tuple[int, int]] = field(default_factory=list)


#: Per unit and direction (True: out of it), the outside ranges and their ports.
_External = dict[tuple[int, bool], _Ranges]


def _external(m: Wanted) -> _External:
    out: _External = {}
    for (src, dst), ports in m.items():
        if isinstance(src, int) and isinstance(dst, IPRange):
            out.setdefault((src, True), _Ranges()).items.append((dst, ports))
        elif isinstance(src, IPRange) and isinstance(dst, int):
            out.setdefault((dst, False), _Ranges()).items.append((src, ports))
    for ranges in out.values():
        ranges.items.sort(key=lambda rp: (rp[0].version, rp[0].first))
        ranges.starts = [(r.version, r.first) for r, _ in ranges.items]
    return out


def _pieces(*lists: _Ranges) -> list[IPRange]:
    """The ranges of both lists cut at every boundary either has: within a piece each
    list says one thing."""
    cuts: dict[int, set[int]] = {}
    for ranges in lists:
        for r, _ in ranges.items:
            cuts.setdefault(r.version, set()).update((r.first, r.last + 1))
    out = []
    for version, points in sorted(cuts.items()):
        ordered = sorted(points)
        out += [IPRange(version, lo, hi - 1) for lo, hi in zip(ordered, ordered[1:], strict=False)]
    return out


def _at(ranges: _Ranges, piece: IPRange) -> PortSet:
    """The ports of the range that holds ``piece``; none outside them."""
    k = bisect.bisect_right(ranges.starts, (piece.version, piece.first))
    if k and ranges.items[k - 1][0].contains(piece):
        return ranges.items[k - 1][1]
    return PortSet.empty()
