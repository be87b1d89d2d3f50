"""The address space outside the cluster, cut into segments at ipBlock boundaries.

Every ``ipBlock`` cidr and ``except`` entry is an interval of addresses. Cutting
the IPv4 and IPv6 spaces at all their boundaries gives disjoint segments on
which every ipBlock is either wholly true or wholly false, so each segment can
be treated as one more peer class.

The arithmetic on address ranges lives here too, written once: overlap,
intersection and clipping, subtraction (:meth:`IPRange.minus`, :func:`uncovered`),
joining adjacent ranges (:func:`merge_adjacent`) and the private ranges
(:data:`PRIVATE`, :func:`is_private`, :func:`private_count`).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SPACE_END = {4: (1 << 32) - 1, 6: (1 << 128) - 1}


@dataclass(frozen=True, slots=True, order=True)
class IPRange:
    """An inclusive range of addresses of one IP family."""

    version: int
    first: int
    last: int

    @staticmethod
    def of_network(net: IPNetwork) -> IPRange:
        return IPRange(net.version, int(net.network_address), int(net.broadcast_address))

    @staticmethod
    def whole(version: int) -> IPRange:
        return IPRange(version, 0, _SPACE_END[version])

    def address(self, value: int) -> IPAddress:
        return ipaddress.IPv4Address(value) if self.version == 4 else ipaddress.IPv6Address(value)

    @property
    def first_address(self) -> IPAddress:
        return self.address(self.first)

    @property
    def last_address(self) -> IPAddress:
        return self.address(self.last)

    def contains(self, other: IPRange) -> bool:
        return (
            self.version == other.version and self.first <= other.first and other.last <= self.last
        )

    def overlaps(self, other: IPRange) -> bool:
        """Whether the two ranges share an address."""
        return (
            self.version == other.version and self.first <= other.last and other.first <= self.last
        )

    def adjoins(self, other: IPRange) -> bool:
        """Whether ``other`` starts right after this range ends."""
        return self.version == other.version and self.last + 1 == other.first

    @property
    def size(self) -> int:
        """Number of addresses in the range."""
        return self.last - self.first + 1

    def intersection(self, other: IPRange) -> IPRange | None:
        """The addresses in both ranges, or None when they share none."""
        if not self.overlaps(other):
            return None
        return IPRange(self.version, max(self.first, other.first), min(self.last, other.last))

    def clip(self, ranges: Iterable[IPRange]) -> list[IPRange]:
        """This range cut down to each of ``ranges`` it overlaps, in sorted order (one piece
        per overlapping range: pieces overlap where ``ranges`` do)."""
        return sorted(p for r in ranges if (p := self.intersection(r)) is not None)

    def minus(self, cuts: Iterable[IPRange]) -> list[IPRange]:
        """The parts of this range that no range of ``cuts`` covers, in address order."""
        parts = [(self.first, self.last)]
        for c in cuts:
            if c.version != self.version:
                continue
            kept = []
            for a, b in parts:
                if c.last < a or c.first > b:
                    kept.append((a, b))
                    continue
                if a < c.first:
                    kept.append((a, c.first - 1))
                if b > c.last:
                    kept.append((c.last + 1, b))
            parts = kept
        return [IPRange(self.version, a, b) for a, b in parts]

    def cidrs(self) -> list[IPNetwork]:
        """The shortest list of CIDRs covering exactly this range."""
        return list(ipaddress.summarize_address_range(self.first_address, self.last_address))

    def __str__(self) -> str:
        return f"{self.first_address}-{self.last_address}"


@dataclass(frozen=True, slots=True)
class IPBlock:
    """A NetworkPolicy ``ipBlock``: a CIDR minus the CIDRs in ``except``."""

    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...] = ()

    def contains(self, r: IPRange) -> bool:
        """True when the whole range lies in the block (ranges are segments, so all-or-nothing)."""
        if not IPRange.of_network(self.cidr).contains(r):
            return False
        return not any(IPRange.of_network(e).contains(r) for e in self.excepts)

    def __str__(self) -> str:
        if not self.excepts:
            return str(self.cidr)
        return f"{self.cidr} except {', '.join(str(e) for e in self.excepts)}"


def merge_adjacent(ranges: Iterable[IPRange]) -> list[IPRange]:
    """The ranges in address order, each run of adjoining ones joined into one."""
    out: list[IPRange] = []
    for r in sorted(ranges):
        if out and out[-1].adjoins(r):
            out[-1] = IPRange(r.version, out[-1].first, r.last)
        else:
            out.append(r)
    return out


#: Addresses that are not the internet: RFC 1918, IPv6 unique-local and link-local.
PRIVATE = [
    IPRange.of_network(ipaddress.ip_network(n))
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10")
]


def uncovered(ranges: Iterable[IPRange]) -> list[IPRange]:
    """Every address of IPv4 and IPv6 that none of ``ranges`` covers, in address order."""
    cuts = list(ranges)
    return [part for version in (4, 6) for part in IPRange.whole(version).minus(cuts)]


def is_private(r: IPRange) -> bool:
    """Whether the range lies wholly inside one of the :data:`PRIVATE` ranges."""
    return any(p.contains(r) for p in PRIVATE)


def private_count(r: IPRange) -> int:
    """Number of addresses of the range inside the :data:`PRIVATE` ranges (which are disjoint)."""
    return sum(p.size for p in r.clip(PRIVATE))


def segments(blocks: Iterable[IPBlock]) -> list[IPRange]:
    """Disjoint ranges covering all of IPv4 and IPv6, cut at every block boundary."""
    cuts: dict[int, set[int]] = {4: {0}, 6: {0}}
    for b in blocks:
        for net in (b.cidr, *b.excepts):
            r = IPRange.of_network(net)
            cuts[r.version].add(r.first)
            if r.last < _SPACE_END[r.version]:
                cuts[r.version].add(r.last + 1)
    out: list[IPRange] = []
    for version in (4, 6):
        starts = sorted(cuts[version])
        ends = [s - 1 for s in starts[1:]] + [_SPACE_END[version]]
        out.extend(IPRange(version, s, e) for s, e in zip(starts, ends, strict=True))
    return out


def segment_of(segs: list[IPRange], addr: IPAddress) -> int:
    """Index of the segment holding ``addr`` (``segs`` as returned by :func:`segments`)."""
    starts = [(s.version, s.first) for s in segs]
    return bisect.bisect_right(starts, (addr.version, int(addr))) - 1


def parse_network(text: str) -> IPNetwork:
    """Parse a CIDR the way the API server does: host bits may be set (10.0.0.1/8 = 10.0.0.0/8)."""
    if "/" not in text:
        raise ValueError(f"{text!r} is not a CIDR (expected address/prefix, e.g. 10.0.0.0/8)")
    prefix = text.rsplit("/", 1)[1]
    if not prefix.isdigit() or not prefix.isascii() or "%" in text:
        # Go's net.ParseCIDR takes a decimal prefix length only: no netmask, no zone.
        raise ValueError(f"{text!r} is not a valid CIDR")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid CIDR") from None
