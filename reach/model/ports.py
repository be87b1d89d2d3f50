"""Port sets: immutable unions of port ranges per protocol, with a stable text form.

The text form is the one existing NetworkPolicy analyzers print:
``All Connections``, ``No Connections`` or ``TCP 80,443,UDP 53,5000-6000``
(protocols in alphabetical order, ports ascending, adjacent ranges merged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reach.words import excerpt

PROTOCOLS: tuple[str, ...] = ("SCTP", "TCP", "UDP")
MIN_PORT = 1
MAX_PORT = 65535

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]


def _normalize(intervals: Iterable[Interval]) -> Intervals:
    """Sort, clip to 1..65535 and merge overlapping or adjacent intervals."""
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        lo, hi = max(lo, MIN_PORT), min(hi, MAX_PORT)
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _complement(a: Intervals) -> Intervals:
    out: list[Interval] = []
    nxt = MIN_PORT
    for lo, hi in a:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX_PORT:
        out.append((nxt, MAX_PORT))
    return tuple(out)


_FULL: Intervals = ((MIN_PORT, MAX_PORT),)


@dataclass(frozen=True, slots=True)
class PortSet:
    """A set of (protocol, port) pairs, stored as disjoint sorted intervals per protocol.

    >>> str(PortSet.of("TCP", 80) | PortSet.of("UDP", 53))
    'TCP 80,UDP 53'
    >>> str(PortSet.all() - PortSet.of("TCP", 80))
    'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535'
    """

    sctp: Intervals = ()
    tcp: Intervals = ()
    udp: Intervals = ()

    # -- construction -------------------------------------------------------------
    @staticmethod
    def all() -> PortSet:
        return PortSet(_FULL, _FULL, _FULL)

    @staticmethod
    def empty() -> PortSet:
        return PortSet()

    @staticmethod
    def of(protocol: str, lo: int | None = None, hi: int | None = None) -> PortSet:
        """Ports ``lo..hi`` (inclusive) of one protocol; ``lo=None`` means all its ports."""
        if lo is None:
            rng: Intervals = _FULL
        else:
            rng = _normalize([(lo, lo if hi is None else hi)])
        return PortSet.from_mapping({protocol: rng})

    @staticmethod
    def from_mapping(by_protocol: Mapping[str, Iterable[Interval]]) -> PortSet:
        parts = {p: _normalize(by_protocol.get(p, ())) for p in PROTOCOLS}
        for p in by_protocol:
            if p not in PROTOCOLS:
                raise ValueError(f"unknown protocol {p!r}")
        return PortSet(parts["SCTP"], parts["TCP"], parts["UDP"])

    # -- access -------------------------------------------------------------------
    def intervals(self, protocol: str) -> Intervals:
        return (self.sctp, self.tcp, self.udp)[PROTOCOLS.index(protocol)]

    def items(self) -> tuple[tuple[str, Intervals], ...]:
        return (("SCTP", self.sctp), ("TCP", self.tcp), ("UDP", self.udp))

    def contains(self, protocol: str, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.intervals(protocol))

    def is_empty(self) -> bool:
        return not (self.sctp or self.tcp or self.udp)

    def is_all(self) -> bool:
        return self.sctp == _FULL and self.tcp == _FULL and self.udp == _FULL

    def __bool__(self) -> bool:
        return not self.is_empty()

    # -- algebra ------------------------------------------------------------------
    def __or__(self, other: PortSet) -> PortSet:
        return PortSet(
            _normalize(self.sctp + other.sctp),
            _normalize(self.tcp + other.tcp),
            _normalize(self.udp + other.udp),
        )

    def __and__(self, other: PortSet) -> PortSet:
        return PortSet(
            _intersect(self.sctp, other.sctp),
            _intersect(self.tcp, other.tcp),
            _intersect(self.udp, other.udp),
        )

    def complement(self) -> PortSet:
        return PortSet(_complement(self.sctp), _complement(self.tcp), _complement(self.udp))

    def __sub__(self, other: PortSet) -> PortSet:
        return self & other.complement()

    def issubset(self, other: PortSet) -> bool:
        return (self - other).is_empty()

    # -- text ---------------------------------------------------------------------
    def __str__(self) -> str:
        if self.is_all():
            return "All Connections"
        if self.is_empty():
            return "No Connections"
        parts = []
        for proto, ivs in self.items():
            if ivs:
                parts.append(proto + " " + ",".join(_interval_text(iv) for iv in ivs))
        return ",".join(parts)

    def to_json(self) -> dict[str, list[list[int]]]:
        """Structured form: ``{"TCP": [[80, 80], [443, 443]], ...}`` (non-empty protocols)."""
        return {p: [list(iv) for iv in ivs] for p, ivs in self.items() if ivs}


def _interval_text(iv: Interval) -> str:
    return str(iv[0]) if iv[0] == iv[1] else f"{iv[0]}-{iv[1]}"


_FILTER = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?(?:/([A-Za-z]+))?$")


def parse_port_filter(text: str, default_protocol: str | None = "TCP") -> PortSet:
    """Parse ``8080``, ``8080/TCP``, ``53/udp`` or ``8000-8100/TCP``.

    A number without a protocol means ``default_protocol``, or every protocol when it
    is None (``53`` is then TCP, UDP and SCTP 53).
    """
    m = _FILTER.match(text.strip())
    if not m:
        raise ValueError(f"{excerpt(text)} is not a port filter such as 8080/TCP or 53/UDP")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if not (MIN_PORT <= lo <= hi <= MAX_PORT):
        raise ValueError(f"{excerpt(text)}: ports must be within 1-65535, low <= high")
    given = m.group(3) or default_protocol
    if given is None:
        out = PortSet.empty()
        for proto in PROTOCOLS:
            out |= PortSet.of(proto, lo, hi)
        return out
    proto = given.upper()
    if proto not in PROTOCOLS:
        raise ValueError(f"{excerpt(text)}: protocol must be TCP, UDP or SCTP")
    return PortSet.of(proto, lo, hi)


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One entry of a rule's ``ports``: protocol plus a number, a range or a name.

    ``port is None`` means every port of the protocol.
    """

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol} *"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"
