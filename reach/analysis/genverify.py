"""Verification built into ``reach generate``: the cluster analysed again with the
generated NetworkPolicies in place of its own (or, with ``--keep-existing``, beside
them), and its connections between units (and with outside ranges) compared with the
wanted ones, port by port."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from reach.analysis.units import Connections, End, Unit, Wanted, as_wanted, connections, units
from reach.engine.compile import compile_cluster
from reach.engine.reachability import Reachability
from reach.model.cilium import CiliumPolicy
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
    #: The existing policies (kept) allow what is not wanted: adding cannot remove it.
    existing: bool = False

    def __str__(self) -> str:
        if self.existing:
            extra = self.result - self.wanted
            return (
                f"{self.src} => {self.dst}: the existing policies allow {extra}, which is not "
                "wanted; adding NetworkPolicies cannot remove it"
            )
        return f"{self.src} => {self.dst}: wanted {self.wanted}, the policies allow {self.result}"


@dataclass(frozen=True)
class Promise:
    """An expectation of the file checked on the result: ``passed``, ``failed`` or
    ``vacuous`` (a side matches nothing), with the audit's message when not passed."""

    name: str
    kind: str
    status: str
    message: str = ""

    def __str__(self) -> str:
        head = {"passed": "ok  ", "failed": "FAIL", "vacuous": "VOID"}.get(self.status, "")
        return f"{head}  {self.name}" + (f": {self.message}" if self.message else "")


@dataclass
class Verification:
    compared: int = 0  #: wanted connections
    mismatches: list[Mismatch] = field(default_factory=list)
    #: The expectations file's promises checked on the result (``--expect``).
    promises: list[Promise] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(p.status != "failed" for p in self.promises)

    @property
    def failed_promises(self) -> list[Promise]:
        return [p for p in self.promises if p.status == "failed"]


def with_policies(
    cluster: Cluster,
    policies: list[NetworkPolicy],
    keep_existing: bool,
    cilium: Sequence[CiliumPolicy] = (),
) -> Cluster:
    """``cluster`` with ``policies`` in place of its NetworkPolicies, or after them when
    ``keep_existing`` (its other policy kinds are kept either way); ``cilium``: generated
    CiliumNetworkPolicies, added to the input's."""
    kept = list(cluster.policies) if keep_existing else []
    return replace(
        cluster,
        policies=[*kept, *policies],
        cilium_policies=[*cluster.cilium_policies, *cilium],
    )


def verify(
    cluster: Cluster,
    found: list[Unit],
    wanted: Wanted | Connections,
    policies: list[NetworkPolicy],
    *,
    keep_existing: bool = False,
    existing: Wanted | None = None,
    cilium: Sequence[CiliumPolicy] = (),
) -> tuple[Verification, Reachability]:
    """Compare ``wanted`` with the connections of ``cluster`` with ``policies`` (see
    :func:`with_policies`); also the compiled result. ``existing`` is what the kept
    policies allow by themselves with every pod isolated: a pair allowed beyond what is
    wanted, within that, is marked as theirs."""
    after = compile_cluster(with_policies(cluster, policies, keep_existing, cilium))
    return compare(after, found, wanted, existing), after


def compare(
    after: Reachability,
    found: list[Unit],
    wanted: Wanted | Connections,
    existing: Wanted | None = None,
) -> Verification:
    """Compare ``wanted`` (pairs, or a table of today's connections) with the connections
    of ``after`` between ``found`` units."""
    again = units(after)
    assert [u.name for u in again] == [u.name for u in found]
    table = connections(after, again)
    out = Verification(compared=len(wanted))
    if isinstance(wanted, Connections) and wanted.fixed:
        wanted = wanted.wanted()  # rare: units of several classes
    old = existing or {}
    codes = _Codes()
    want_codes = codes.of_table(wanted) if isinstance(wanted, Connections) else None
    got_codes = codes.of_table(table)
    for pair in _differing(wanted, want_codes, got_codes, codes, table.k):  # between units
        want, got = _wanted_ports(wanted, pair), _ports(table, pair)
        _compare(out, found, pair, want, got, old.get(pair, PortSet.empty()))
    if want_codes is not None and not existing:
        assert isinstance(wanted, Connections)
        if _outside_agree(wanted, want_codes, table, got_codes):
            return out
    wanted = as_wanted(wanted)
    result = table.wanted(internal=False)
    want_ext, got_ext, old_ext = _external(wanted), _external(result), _external(old)
    for a, outgoing in sorted({*want_ext, *got_ext}):
        mine = want_ext.get((a, outgoing), _Ranges())
        theirs = got_ext.get((a, outgoing), _Ranges())
        kept = old_ext.get((a, outgoing), _Ranges())
        merged: list[tuple[IPRange, tuple[PortSet, PortSet, PortSet]]] = []
        for piece in _pieces(mine, theirs, kept):
            says = (_at(mine, piece), _at(theirs, piece), _at(kept, piece))
            last = merged[-1] if merged else None
            if last and last[1] == says and last[0].last + 1 == piece.first:
                merged[-1] = (IPRange(piece.version, last[0].first, piece.last), says)
            else:
                merged.append((piece, says))
        for piece, (want, got, old_ports) in merged:
            key = (a, piece) if outgoing else (piece, a)
            _compare(out, found, key, want, got, old_ports)
    return out


def _compare(
    out: Verification,
    found: list[Unit],
    key: tuple[End, End],
    want: PortSet,
    got: PortSet,
    kept: PortSet,
) -> None:
    """Add a mismatch when ``want`` and ``got`` differ; marked as the existing policies'
    when all they allow beyond ``want`` is allowed by those alone (``kept``)."""
    if want != got:
        src, dst = (found[e].name if isinstance(e, int) else str(e) for e in key)
        theirs = want.issubset(got) and (got - want).issubset(kept)
        out.mismatches.append(Mismatch(src, dst, want, got, existing=theirs))


class _Codes:
    """A code per distinct port set (0: none), so that tables of two compilations, whose
    port-set ids differ, compare as integer matrices."""

    def __init__(self) -> None:
        self.codes: dict[PortSet, int] = {PortSet.empty(): 0}

    def of(self, ports: PortSet | None) -> int:
        return self.codes.setdefault(ports or PortSet.empty(), len(self.codes))

    def of_table(self, table: Connections) -> npt.NDArray[np.int64]:
        """``table.ids`` as codes (units of several classes: their union)."""
        of_id = np.array([self.of(ports) for ports in table.portsets], dtype=np.int64)
        out: npt.NDArray[np.int64] = of_id[table.ids]
        for (a, b), ports in table.fixed.items():
            out[a, b] = self.of(ports)
        return out


def _differing(
    wanted: Wanted | Connections,
    want_codes: npt.NDArray[np.int64] | None,
    got_codes: npt.NDArray[np.int64],
    codes: _Codes,
    k: int,
) -> list[tuple[int, int]]:
    """The unit pairs (in order) whose ports in ``wanted`` (``want_codes``, when a table)
    and ``got_codes`` differ, the first ``k`` ends being the units."""
    if want_codes is None:
        want_codes = np.zeros((k, k), dtype=np.int64)
        by_id: dict[int, int] = {}  # most values are a few shared objects
        for (a, b), ports in as_wanted(wanted).items():
            if isinstance(a, int) and isinstance(b, int):
                code = by_id.get(id(ports))
                if code is None:
                    code = by_id[id(ports)] = codes.of(ports)
                want_codes[a, b] = code
    rows, cols = np.nonzero(want_codes[:k, :k] != got_codes[:k, :k])
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _outside_agree(
    wanted: Connections,
    want_codes: npt.NDArray[np.int64],
    table: Connections,
    got_codes: npt.NDArray[np.int64],
) -> bool:
    """Whether every unit has the same ports in both tables with every outside address,
    both ways: compared on the pieces of the two lists of segments cut at each other's
    bounds (the segments of two compilations differ)."""
    k = table.k
    none = PortSet.empty()
    pieces = _pieces(*(_Ranges([(r, none) for r in t.segments]) for t in (wanted, table)))
    sides = []
    for t, codes in ((wanted, want_codes), (table, got_codes)):
        starts = [(r.version, r.first) for r in t.segments]
        at = [_holder(t.segments, starts, piece) for piece in pieces]  # -1: none
        out_of = np.concatenate([codes[:k, k:], np.zeros((k, 1), dtype=np.int64)], axis=1)
        into = np.concatenate([codes[k:, :k], np.zeros((1, k), dtype=np.int64)], axis=0)
        sides.append((out_of[:, at], into[at]))
    (want_out, want_in), (got_out, got_in) = sides
    return bool((want_out == got_out).all() and (want_in == got_in).all())


def _holder(segments: list[IPRange], starts: list[tuple[int, int]], piece: IPRange) -> int:
    """The index of the segment (in address order) that holds ``piece``; -1: none."""
    i = bisect.bisect_right(starts, (piece.version, piece.first)) - 1
    return i if i >= 0 and segments[i].contains(piece) else -1


def _wanted_ports(wanted: Wanted | Connections, pair: tuple[int, int]) -> PortSet:
    """The ports ``wanted`` between a unit pair."""
    if isinstance(wanted, Connections):
        return _ports(wanted, pair)
    return wanted.get(pair, PortSet.empty())


def _ports(table: Connections, pair: tuple[int, int]) -> PortSet:
    """The ports of a unit pair in ``table``."""
    if pair in table.fixed:
        return table.fixed[pair] or PortSet.empty()
    return table.portsets[int(table.ids[pair])]


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
