"""Verification built into ``reach generate``: the cluster analysed again with the
generated NetworkPolicies in place of its own, and its connections between units (and
with outside ranges) compared with the wanted ones, port by port."""

from __future__ import annotations

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
    for point in _pieces(wanted, result):
        for a in range(len(found)):
            for key in ((a, point), (point, a)):
                _compare(out, found, key, _at(wanted, key), _at(result, key))
    return out


def _compare(
    out: Verification, found: list[Unit], key: tuple[End, End], want: PortSet, got: PortSet
) -> None:
    if want != got:
        src, dst = (found[e].name if isinstance(e, int) else str(e) for e in key)
        out.mismatches.append(Mismatch(src, dst, want, got))


def _pieces(*maps: Wanted) -> list[IPRange]:
    """The outside ranges of both maps cut at every boundary either has: within a piece
    each map says one thing."""
    cuts: dict[int, set[int]] = {}
    for m in maps:
        for key in m:
            for end in key:
                if isinstance(end, IPRange):
                    cuts.setdefault(end.version, set()).update((end.first, end.last + 1))
    out = []
    for version, points in sorted(cuts.items()):
        ordered = sorted(points)
        out += [IPRange(version, lo, hi - 1) for lo, hi in zip(ordered, ordered[1:], strict=False)]
    return out


def _at(m: Wanted, key: tuple[End, End]) -> PortSet:
    """The ports ``m`` gives ``key``, whose range is a piece of one of ``m``'s ranges."""
    piece, unit = (key[0], key[1]) if isinstance(key[0], IPRange) else (key[1], key[0])
    assert isinstance(piece, IPRange)
    for (src, dst), ports in m.items():
        r, u = (src, dst) if isinstance(src, IPRange) else (dst, src)
        outgoing = isinstance(dst, IPRange)
        if (
            isinstance(r, IPRange)
            and u == unit
            and outgoing == isinstance(key[1], IPRange)
            and r.contains(piece)
        ):
            return ports
    return PortSet.empty()
