"""The address space outside the cluster, cut into segments at ipBlock boundaries.

Every ``ipBlock`` cidr and ``except`` entry is an interval of addresses. Cutting
the IPv4 and IPv6 spaces at all their boundaries gives disjoint segments on
which every ipBlock is either wholly true or wholly false, so each segment can
be treated as one more peer class.

The arithmetic on address ranges lives here too, written once: overlap,
intersection and clipping, subtraction (:meth:`IPRange.minus`, :func:`uncovered`),
joining adjacent ranges (:func:`merge_adjacent`) and what is not the internet
(:data:`NON_GLOBAL`, :func:`is_non_global`, :func:`non_global_count`).
"""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from reach.words import excerpt

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


def _networks(*cidrs: str) -> list[IPRange]:
    return [IPRange.of_network(ipaddress.ip_network(c)) for c in cidrs]


def _union(ranges: Iterable[IPRange]) -> list[IPRange]:
    """Overlapping or adjoining ranges joined: disjoint ranges in address order."""
    out: list[IPRange] = []
    for r in sorted(ranges):
        if out and out[-1].version == r.version and r.first <= out[-1].last + 1:
            out[-1] = IPRange(r.version, out[-1].first, max(out[-1].last, r.last))
        else:
            out.append(r)
    return out


#: What is not the internet: every block of the IANA IPv4 and IPv6 Special-Purpose
#: Address Registries whose "Globally Reachable" is False (RFC 6890 and later), less the
#: registries' globally reachable exceptions inside them; disjoint, in address order.
#: https://www.iana.org/assignments/iana-ipv4-special-registry/ and iana-ipv6-special-registry/
NON_GLOBAL: list[IPRange] = [
    part
    for block in _union(
        _networks(
            # IPv4
            "0.0.0.0/8",  # "this network"
            "10.0.0.0/8",  # private-use (RFC 1918)
            "100.64.0.0/10",  # shared address space (carrier-grade NAT)
            "127.0.0.0/8",  # loopback
            "169.254.0.0/16",  # link-local (cloud metadata lives here)
            "172.16.0.0/12",  # private-use
            "192.0.0.0/24",  # IETF protocol assignments
            "192.0.2.0/24",  # documentation (TEST-NET-1)
            "192.168.0.0/16",  # private-use
            "198.18.0.0/15",  # benchmarking
            "198.51.100.0/24",  # documentation (TEST-NET-2)
            "203.0.113.0/24",  # documentation (TEST-NET-3)
            "240.0.0.0/4",  # reserved
            "255.255.255.255/32",  # limited broadcast
            # IPv6
            "::/128",  # unspecified
            "::1/128",  # loopback
            "::ffff:0:0/96",  # IPv4-mapped
            "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
            "100::/64",  # discard-only
            "2001::/23",  # IETF protocol assignments
            "2001:db8::/32",  # documentation
            "3fff::/20",  # documentation
            "5f00::/16",  # segment routing SIDs
            "fc00::/7",  # unique-local
            "fe80::/10",  # link-local
        )
    )
    for part in block.minus(
        _networks(
            "192.0.0.9/32",  # port control protocol anycast
            "192.0.0.10/32",  # traversal using relays around NAT anycast
            "2001:1::1/128",  # port control protocol anycast
            "2001:1::2/128",  # traversal using relays around NAT anycast
            "2001:3::/32",  # AMT
            "2001:4:112::/48",  # AS112-v6
            "2001:20::/28",  # ORCHIDv2
        )
    )
]

#: Instance metadata services of the clouds (AWS, Azure, GCP and OpenStack at
#: 169.254.169.254; AWS over IPv6): a pod that reaches them may read the node's credentials.
METADATA: list[IPRange] = _networks("169.254.169.254/32", "fd00:ec2::254/128")


def uncovered(ranges: Iterable[IPRange]) -> list[IPRange]:
    """Every address of IPv4 and IPv6 that none of ``ranges`` covers, in address order."""
    cuts = list(ranges)
    return [part for version in (4, 6) for part in IPRange.whole(version).minus(cuts)]


def is_non_global(r: IPRange) -> bool:
    """Whether the range lies wholly inside :data:`NON_GLOBAL`: none of it is the internet."""
    return sum(p.size for p in r.clip(NON_GLOBAL)) == r.size


def non_global_count(r: IPRange) -> int:
    """Number of addresses of the range inside :data:`NON_GLOBAL` (which is disjoint)."""
    return sum(p.size for p in r.clip(NON_GLOBAL))


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


def overlay(a: list[IPRange], b: list[IPRange]) -> tuple[list[IPRange], list[int], list[int]]:
    """The addresses some range of ``a`` or of ``b`` holds (each sorted and disjoint), cut
    wherever a range of either starts or ends; for each piece, the range holding it on
    each side (-1: none). Of two lists of segments (which cover every address): their
    common refinement. The ranges of a view need not cover every address (network sets
    hold some)."""
    out: list[IPRange] = []
    ia: list[int] = []
    ib: list[int] = []
    for version in (4, 6):
        ra = [(r.first, r.last, i) for i, r in enumerate(a) if r.version == version]
        rb = [(r.first, r.last, i) for i, r in enumerate(b) if r.version == version]
        cuts = sorted({f for f, _, _ in ra + rb} | {last + 1 for _, last, _ in ra + rb})
        for first, after in itertools.pairwise(cuts):
            ha, hb = _holding(ra, first), _holding(rb, first)
            if ha >= 0 or hb >= 0:
                out.append(IPRange(version, first, after - 1))
                ia.append(ha)
                ib.append(hb)
    return out, ia, ib


def _holding(ranges: list[tuple[int, int, int]], address: int) -> int:
    """The index of the range of ``ranges`` (``(first, last, index)``, sorted) that holds
    ``address``; -1 when none does."""
    at = bisect.bisect_right(ranges, (address, math.inf, math.inf)) - 1
    return ranges[at][2] if at >= 0 and ranges[at][1] >= address else -1


def cut_finer(finer: list[IPRange], coarser: list[IPRange]) -> bool:
    """Whether the segments ``finer`` are ``coarser`` or cut at more points (both as
    :func:`segments` returns them)."""
    if finer == coarser:
        return True
    starts = {(s.version, s.first) for s in finer}
    return all((s.version, s.first) in starts for s in coarser)


def segment_of(segs: list[IPRange], addr: IPAddress) -> int:
    """Index of the segment holding ``addr`` (``segs`` as returned by :func:`segments`)."""
    starts = [(s.version, s.first) for s in segs]
    return bisect.bisect_right(starts, (addr.version, int(addr))) - 1


def parse_network(text: str) -> IPNetwork:
    """Parse a CIDR the way the API server does: host bits may be set (10.0.0.1/8 = 10.0.0.0/8)."""
    if "/" not in text:
        raise ValueError(
            f"{excerpt(text)} is not a CIDR (expected address/prefix, e.g. 10.0.0.0/8)"
        )
    prefix = text.rsplit("/", 1)[1]
    if not prefix.isdigit() or not prefix.isascii() or "%" in text:
        # Go's net.ParseCIDR takes a decimal prefix length only: no netmask, no zone.
        raise ValueError(f"{excerpt(text)} is not a valid CIDR")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{excerpt(text)} is not a valid CIDR") from None
