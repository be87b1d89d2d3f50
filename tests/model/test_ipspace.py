"""Tests of reach.model.ipspace: address ranges and their arithmetic, ipBlocks, segments and
CIDR parsing."""

from __future__ import annotations

import ipaddress
from ipaddress import ip_address, ip_network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reach.model.ipspace import (
    NON_GLOBAL,
    IPAddress,
    IPBlock,
    IPNetwork,
    IPRange,
    is_non_global,
    merge_adjacent,
    non_global_count,
    overlay,
    parse_network,
    segment_of,
    segments,
    uncovered,
)

V4_END = (1 << 32) - 1
V6_END = (1 << 128) - 1
BITS = {4: 32, 6: 128}


def net(text: str) -> IPNetwork:
    return ip_network(text)


def block(cidr: str, *excepts: str) -> IPBlock:
    return IPBlock(net(cidr), tuple(net(e) for e in excepts))


def rng(first: str, last: str) -> IPRange:
    a, b = ip_address(first), ip_address(last)
    return IPRange(a.version, int(a), int(b))


def in_block(b: IPBlock, addr: IPAddress) -> bool:
    """Independent model of an ipBlock: in the cidr and in none of the excepts."""
    return addr in b.cidr and not any(addr in e for e in b.excepts)


# -- IPRange --------------------------------------------------------------------------------


def test_range_of_network() -> None:
    r = IPRange.of_network(net("10.0.0.0/8"))
    assert r == IPRange(4, 10 << 24, (11 << 24) - 1)
    assert str(r) == "10.0.0.0-10.255.255.255"
    assert IPRange.of_network(net("192.168.1.7/32")) == rng("192.168.1.7", "192.168.1.7")
    r6 = IPRange.of_network(net("2001:db8::/32"))
    assert r6.version == 6
    assert r6.first_address == ip_address("2001:db8::")
    assert r6.last_address == ip_address("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")


def test_range_whole() -> None:
    assert IPRange.whole(4) == IPRange(4, 0, V4_END)
    assert IPRange.whole(6) == IPRange(6, 0, V6_END)
    assert str(IPRange.whole(4)) == "0.0.0.0-255.255.255.255"
    assert str(IPRange.whole(6)) == "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"


def test_range_addresses_have_the_family_type() -> None:
    r4 = rng("10.0.0.1", "10.0.0.9")
    assert r4.first_address == ipaddress.IPv4Address("10.0.0.1")
    assert isinstance(r4.last_address, ipaddress.IPv4Address)
    r6 = IPRange(6, 0, 1)
    assert isinstance(r6.first_address, ipaddress.IPv6Address)
    assert str(r6) == "::-::1"


def test_range_contains() -> None:
    outer = rng("10.0.0.0", "10.0.0.255")
    assert outer.contains(outer)
    assert outer.contains(rng("10.0.0.5", "10.0.0.5"))
    assert outer.contains(rng("10.0.0.0", "10.0.0.0"))
    assert outer.contains(rng("10.0.0.255", "10.0.0.255"))
    assert not outer.contains(rng("10.0.0.200", "10.0.1.0"))
    assert not outer.contains(rng("9.255.255.255", "10.0.0.0"))
    assert not rng("10.0.0.5", "10.0.0.5").contains(outer)
    # Same numbers, other family.
    assert not IPRange.whole(6).contains(IPRange(4, 0, 0))
    assert not IPRange.whole(4).contains(IPRange(6, 0, 0))


def test_ranges_sort_by_family_then_address() -> None:
    rs = [IPRange(6, 0, 5), IPRange(4, 10, 20), IPRange(4, 0, 9)]
    assert sorted(rs) == [IPRange(4, 0, 9), IPRange(4, 10, 20), IPRange(6, 0, 5)]


@pytest.mark.parametrize(
    ("first", "last", "cidrs"),
    [
        ("10.0.0.0", "10.0.0.255", ["10.0.0.0/24"]),
        ("10.0.0.1", "10.0.0.2", ["10.0.0.1/32", "10.0.0.2/32"]),
        ("10.0.0.0", "10.0.0.0", ["10.0.0.0/32"]),
        ("0.0.0.0", "255.255.255.255", ["0.0.0.0/0"]),
        ("0.0.0.0", "9.255.255.255", ["0.0.0.0/5", "8.0.0.0/7"]),
        ("10.0.0.1", "10.0.0.6", ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]),
        ("::", "::ffff", ["::/112"]),
    ],
)
def test_range_cidrs(first: str, last: str, cidrs: list[str]) -> None:
    assert rng(first, last).cidrs() == [net(c) for c in cidrs]


def greedy_cidr_count(first: int, last: int, bits: int) -> int:
    """Fewest aligned power-of-two blocks covering first..last (greedy is optimal)."""
    count = 0
    while first <= last:
        size = first & -first if first else 1 << bits
        while first + size - 1 > last:
            size >>= 1
        first += size
        count += 1
    return count


@st.composite
def ranges(draw: st.DrawFn) -> IPRange:
    version = draw(st.sampled_from([4, 6]))
    end = V4_END if version == 4 else V6_END
    first = draw(st.integers(0, end))
    last = draw(st.one_of(st.integers(first, min(end, first + 5000)), st.integers(first, end)))
    return IPRange(version, first, last)


@given(ranges())
def test_range_cidrs_cover_the_range_exactly_with_fewest_cidrs(r: IPRange) -> None:
    cidrs = r.cidrs()
    assert all(c.version == r.version for c in cidrs)
    assert int(cidrs[0].network_address) == r.first
    assert int(cidrs[-1].broadcast_address) == r.last
    for a, b in zip(cidrs, cidrs[1:], strict=False):
        assert int(b.network_address) == int(a.broadcast_address) + 1
    assert len(cidrs) == greedy_cidr_count(r.first, r.last, BITS[r.version])


# -- range arithmetic -----------------------------------------------------------------------


def test_range_overlaps() -> None:
    a = rng("10.0.0.0", "10.0.0.9")
    assert a.overlaps(a)
    assert a.overlaps(rng("10.0.0.9", "10.0.0.20")) and rng("10.0.0.9", "10.0.0.20").overlaps(a)
    assert not a.overlaps(rng("10.0.0.10", "10.0.0.20"))
    assert not IPRange(4, 0, 9).overlaps(IPRange(6, 0, 9))


def test_range_adjoins() -> None:
    a = rng("10.0.0.0", "10.0.0.9")
    assert a.adjoins(rng("10.0.0.10", "10.0.0.20"))
    assert not rng("10.0.0.10", "10.0.0.20").adjoins(a)  # only in address order
    assert not a.adjoins(rng("10.0.0.9", "10.0.0.20"))
    assert not IPRange(4, 0, 9).adjoins(IPRange(6, 10, 20))


def test_range_size() -> None:
    assert rng("10.0.0.0", "10.0.0.0").size == 1
    assert IPRange.of_network(net("10.0.0.0/8")).size == 1 << 24
    assert IPRange.whole(6).size == 1 << 128


def test_range_intersection() -> None:
    a = rng("10.0.0.0", "10.0.0.9")
    assert a.intersection(rng("10.0.0.5", "10.0.0.20")) == rng("10.0.0.5", "10.0.0.9")
    assert a.intersection(rng("9.0.0.0", "11.0.0.0")) == a
    assert a.intersection(rng("10.0.0.10", "10.0.0.20")) is None
    assert IPRange(4, 0, 9).intersection(IPRange(6, 0, 9)) is None


def test_range_clip_keeps_one_piece_per_overlapping_range_sorted() -> None:
    r = IPRange(4, 10, 30)
    cut = [IPRange(4, 25, 40), IPRange(4, 0, 12), IPRange(6, 10, 30), IPRange(4, 31, 50)]
    assert r.clip(cut) == [IPRange(4, 10, 12), IPRange(4, 25, 30)]
    # overlapping ranges give overlapping pieces
    assert r.clip([IPRange(4, 0, 20), IPRange(4, 15, 40)]) == [
        IPRange(4, 10, 20),
        IPRange(4, 15, 30),
    ]
    assert r.clip([]) == []


def test_range_minus() -> None:
    r = IPRange(4, 10, 30)
    assert r.minus([]) == [r]
    assert r.minus([IPRange(4, 15, 20)]) == [IPRange(4, 10, 14), IPRange(4, 21, 30)]
    assert r.minus([IPRange(4, 0, 12), IPRange(4, 29, 40)]) == [IPRange(4, 13, 28)]
    assert r.minus([IPRange(4, 0, 100)]) == []
    assert r.minus([IPRange(6, 0, 100)]) == [r]  # other family


def test_merge_adjacent_joins_runs_in_address_order() -> None:
    parts = [IPRange(4, 10, 19), IPRange(6, 0, 4), IPRange(4, 0, 9), IPRange(4, 21, 30)]
    assert merge_adjacent(parts) == [IPRange(4, 0, 19), IPRange(4, 21, 30), IPRange(6, 0, 4)]
    # the end of IPv4 does not adjoin the start of IPv6
    assert merge_adjacent([IPRange.whole(4), IPRange.whole(6)]) == [
        IPRange.whole(4),
        IPRange.whole(6),
    ]


def test_uncovered() -> None:
    assert uncovered([]) == [IPRange.whole(4), IPRange.whole(6)]
    ten = IPRange.of_network(net("10.0.0.0/8"))
    assert uncovered([ten]) == [
        rng("0.0.0.0", "9.255.255.255"),
        rng("11.0.0.0", "255.255.255.255"),
        IPRange.whole(6),
    ]
    assert uncovered([IPRange.whole(4), IPRange.whole(6)]) == []


def test_non_global_ranges() -> None:
    assert is_non_global(IPRange.of_network(net("10.1.0.0/16")))
    assert is_non_global(IPRange.of_network(net("fd00::/8")))
    assert not is_non_global(rng("9.255.255.255", "10.0.0.0"))  # partly the internet
    assert not is_non_global(IPRange.of_network(net("8.8.8.0/24")))
    assert non_global_count(IPRange.of_network(net("8.8.8.0/24"))) == 0
    assert non_global_count(rng("9.255.255.250", "10.0.0.4")) == 5
    # 0/8, 10/8, 127/8; 100.64/10; 169.254/16, 192.168/16; 172.16/12; 198.18/15; 240/4
    # (255.255.255.255 inside it); 192.0.0/24 less .9 and .10; three documentation /24s
    big = 3 * (1 << 24) + (1 << 22) + 2 * (1 << 16) + (1 << 20) + (1 << 17) + (1 << 28)
    assert non_global_count(IPRange.whole(4)) == big + 254 + 3 * 256
    assert all(a == b or not a.overlaps(b) for a in NON_GLOBAL for b in NON_GLOBAL)


@st.composite
def small_ranges(draw: st.DrawFn) -> IPRange:
    """Ranges in the first 64 addresses of a family, where sets of addresses are cheap."""
    version = draw(st.sampled_from([4, 6]))
    first = draw(st.integers(0, 63))
    return IPRange(version, first, draw(st.integers(first, 63)))


def addresses(ranges: list[IPRange]) -> set[tuple[int, int]]:
    return {(r.version, a) for r in ranges for a in range(r.first, r.last + 1)}


@given(small_ranges(), st.lists(small_ranges(), max_size=5))
def test_minus_matches_sets_of_addresses(r: IPRange, cuts: list[IPRange]) -> None:
    parts = r.minus(cuts)
    assert addresses(parts) == addresses([r]) - addresses(cuts)
    assert parts == sorted(parts)
    assert all(
        not a.overlaps(b) and not a.adjoins(b) for a, b in zip(parts, parts[1:], strict=False)
    )


@given(small_ranges(), st.lists(small_ranges(), max_size=5))
def test_clip_matches_sets_of_addresses(r: IPRange, within: list[IPRange]) -> None:
    pieces = r.clip(within)
    assert pieces == sorted(pieces)
    assert len(pieces) == sum(r.overlaps(w) for w in within)
    assert addresses(pieces) == addresses([r]) & addresses(within)
    for w in within:
        piece = r.intersection(w)
        assert (piece is None) == (not addresses([r]) & addresses([w]))
        if piece is not None:
            assert addresses([piece]) == addresses([r]) & addresses([w])


@given(st.lists(small_ranges(), max_size=6))
def test_merge_adjacent_keeps_the_addresses(rs: list[IPRange]) -> None:
    disjoint = [p for i, r in enumerate(rs) for p in r.minus(rs[:i])]
    merged = merge_adjacent(disjoint)
    assert addresses(merged) == addresses(rs)
    assert all(not a.adjoins(b) for a, b in zip(merged, merged[1:], strict=False))


# -- IPBlock --------------------------------------------------------------------------------


def test_block_contains_ranges_inside_the_cidr() -> None:
    b = block("10.0.0.0/8")
    assert b.contains(IPRange.of_network(net("10.0.0.0/8")))
    assert b.contains(rng("10.1.2.3", "10.1.2.3"))
    assert not b.contains(rng("11.0.0.0", "11.0.0.0"))
    assert not b.contains(rng("9.255.255.255", "10.0.0.0"))  # straddles the start
    assert not b.contains(rng("10.255.255.255", "11.0.0.0"))  # straddles the end
    assert not b.contains(IPRange(6, 10 << 24, 10 << 24))  # same number, other family


def test_block_excepts_carve_holes() -> None:
    b = block("10.0.0.0/8", "10.1.0.0/16", "10.2.3.0/24")
    assert not b.contains(rng("10.1.0.0", "10.1.255.255"))
    assert not b.contains(rng("10.1.7.7", "10.1.7.7"))
    assert not b.contains(rng("10.2.3.4", "10.2.3.4"))
    assert b.contains(rng("10.0.255.255", "10.0.255.255"))
    assert b.contains(rng("10.2.0.0", "10.2.2.255"))
    assert b.contains(rng("10.2.4.0", "10.255.255.255"))


def test_block_ipv6() -> None:
    b = block("2001:db8::/32", "2001:db8:1::/48")
    assert b.contains(rng("2001:db8::1", "2001:db8::1"))
    assert not b.contains(rng("2001:db8:1::1", "2001:db8:1::1"))
    assert not b.contains(rng("2001:db9::", "2001:db9::"))
    assert not b.contains(rng("10.0.0.1", "10.0.0.1"))


def test_block_text() -> None:
    assert str(block("10.0.0.0/8")) == "10.0.0.0/8"
    assert str(block("10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16")) == (
        "10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16"
    )


# -- segments -------------------------------------------------------------------------------


def seg_text(segs: list[IPRange]) -> list[str]:
    return [f"{s.version} {s}" for s in segs]


def test_segments_without_blocks_are_the_two_families() -> None:
    assert segments([]) == [IPRange.whole(4), IPRange.whole(6)]


def test_segments_cut_at_cidr_and_except_boundaries() -> None:
    segs = segments([block("10.0.0.0/8", "10.1.0.0/16")])
    assert seg_text(segs) == [
        "4 0.0.0.0-9.255.255.255",
        "4 10.0.0.0-10.0.255.255",
        "4 10.1.0.0-10.1.255.255",
        "4 10.2.0.0-10.255.255.255",
        "4 11.0.0.0-255.255.255.255",
        "6 ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]


def test_segments_at_the_ends_of_the_space() -> None:
    assert segments([block("0.0.0.0/0")]) == [IPRange.whole(4), IPRange.whole(6)]
    assert seg_text(segments([block("0.0.0.0/8"), block("255.255.255.255/32")])) == [
        "4 0.0.0.0-0.255.255.255",
        "4 1.0.0.0-255.255.255.254",
        "4 255.255.255.255-255.255.255.255",
        "6 ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]


def test_segments_ipv6_blocks_cut_ipv6_only() -> None:
    segs = segments([block("2001:db8::/32"), block("::/0", "::1/128")])
    assert seg_text(segs) == [
        "4 0.0.0.0-255.255.255.255",
        "6 ::-::",
        "6 ::1-::1",
        "6 ::2-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "6 2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "6 2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]


def test_segments_shared_boundaries_give_no_empty_segments() -> None:
    segs = segments([block("10.0.0.0/8"), block("10.0.0.0/8", "10.0.0.0/16"), block("10.0.0.0/16")])
    assert seg_text(segs)[:4] == [
        "4 0.0.0.0-9.255.255.255",
        "4 10.0.0.0-10.0.255.255",
        "4 10.1.0.0-10.255.255.255",
        "4 11.0.0.0-255.255.255.255",
    ]
    assert len(segs) == 5


def test_segment_of() -> None:
    blocks = [block("10.0.0.0/8", "10.1.0.0/16"), block("2001:db8::/32")]
    segs = segments(blocks)
    for text in [
        "0.0.0.0",
        "9.255.255.255",
        "10.0.0.0",
        "10.1.0.0",
        "10.1.255.255",
        "10.2.0.0",
        "255.255.255.255",
        "::",
        "2001:db8::",
        "2001:db8::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]:
        addr = ip_address(text)
        s = segs[segment_of(segs, addr)]
        assert s.version == addr.version, text
        assert s.first <= int(addr) <= s.last, text
    assert segs[segment_of(segs, ip_address("10.1.2.3"))] == rng("10.1.0.0", "10.1.255.255")
    below_db8 = rng("::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")
    assert segs[segment_of(segs, ip_address("::1"))] == below_db8


@st.composite
def networks(draw: st.DrawFn, version: int, within: IPNetwork | None = None) -> IPNetwork:
    bits = BITS[version]
    if within is None:
        # Short prefixes and a few anchor addresses make nesting and shared boundaries likely.
        prefix = draw(st.integers(0, bits))
        addr = draw(
            st.one_of(
                st.sampled_from([0, 10 << (bits - 8), 1 << (bits - 1), (1 << bits) - 1]),
                st.integers(0, (1 << bits) - 1),
            )
        )
    else:
        prefix = draw(st.integers(within.prefixlen, bits))
        addr = int(within.network_address) + draw(st.integers(0, within.num_addresses - 1))
    if version == 4:
        return ipaddress.IPv4Network((addr, prefix), strict=False)
    return ipaddress.IPv6Network((addr, prefix), strict=False)


@st.composite
def blocks(draw: st.DrawFn) -> IPBlock:
    version = draw(st.sampled_from([4, 4, 6]))
    cidr = draw(networks(version))
    excepts = draw(st.lists(networks(version, within=cidr), max_size=3))
    return IPBlock(cidr, tuple(excepts))


def address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


@given(st.lists(blocks(), max_size=6))
def test_segments_partition_each_family(bs: list[IPBlock]) -> None:
    segs = segments(bs)
    assert segs == sorted(segs)
    for version, end in ((4, V4_END), (6, V6_END)):
        fam = [s for s in segs if s.version == version]
        assert fam[0].first == 0
        assert fam[-1].last == end
        for s in fam:
            assert s.first <= s.last
        for a, b in zip(fam, fam[1:], strict=False):
            assert b.first == a.last + 1, "segments must be disjoint and leave no gap"


@given(st.lists(blocks(), max_size=6))
def test_segments_cut_exactly_at_block_boundaries(bs: list[IPBlock]) -> None:
    segs = segments(bs)
    starts = {(s.version, s.first) for s in segs}
    ends = {(s.version, s.last) for s in segs}
    expected_starts = {(4, 0), (6, 0)}
    for b in bs:
        for n in (b.cidr, *b.excepts):
            r = IPRange.of_network(n)
            assert (r.version, r.first) in starts
            assert (r.version, r.last) in ends
            expected_starts.add((r.version, r.first))
            if r.last < (V4_END if r.version == 4 else V6_END):
                expected_starts.add((r.version, r.last + 1))
    assert starts == expected_starts, "no cuts other than block boundaries"


@given(st.lists(blocks(), min_size=1, max_size=6))
def test_every_block_is_wholly_in_or_out_of_every_segment(bs: list[IPBlock]) -> None:
    segs = segments(bs)
    for s in segs:
        first, last = address(s.version, s.first), address(s.version, s.last)
        for b in bs:
            inside = in_block(b, first)
            assert in_block(b, last) == inside, f"{b} splits segment {s}"
            assert b.contains(s) == inside, f"{b}.contains({s})"


@given(st.lists(blocks(), max_size=6), st.sampled_from([4, 6]), st.data())
def test_segment_of_finds_the_segment_holding_the_address(
    bs: list[IPBlock], version: int, data: st.DataObject
) -> None:
    segs = segments(bs)
    value = data.draw(st.integers(0, V4_END if version == 4 else V6_END))
    addr = address(version, value)
    s = segs[segment_of(segs, addr)]
    assert s.version == version
    assert s.first <= value <= s.last
    for b in bs:
        assert b.contains(s) == in_block(b, addr)


# -- parse_network --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.0.0.1/8", "10.0.0.0/8"),
        ("192.168.1.77/24", "192.168.1.0/24"),
        ("1.2.3.4/32", "1.2.3.4/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("255.255.255.255/0", "0.0.0.0/0"),
        ("2001:db8::1/32", "2001:db8::/32"),
        ("::/0", "::/0"),
        ("::1/128", "::1/128"),
    ],
)
def test_parse_network_accepts_cidrs_with_host_bits(text: str, expected: str) -> None:
    assert parse_network(text) == net(expected)


@pytest.mark.parametrize(
    "text",
    [
        "10.0.0.0",
        "10.0.0.1",
        "2001:db8::1",
        "",
        "10.0.0.0/33",
        "::/129",
        "10.0.0.0/-1",
        "10.0.0.0/",
        "/8",
        "10.0.0.256/8",
        "10.0.0/8",
        "abc/8",
        "10.0.0.0/8/8",
        "10.0.0.0/8 ",
    ],
)
def test_parse_network_rejects_bad_cidrs(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_network(text)
    assert repr(text) in str(info.value), "the message names the bad value"


@pytest.mark.parametrize("text", ["10.0.0.0/255.0.0.0", "10.0.0.0/0.255.255.255", "fe80::%eth0/64"])
def test_parse_network_rejects_non_cidr_prefix_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_network(text)


def _ranges(draw: st.DrawFn) -> list[IPRange]:
    """Disjoint sorted IPv4 ranges over a small space (gaps between them)."""
    bounds = sorted(set(draw(st.lists(st.integers(0, 64), max_size=8))))
    pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
    return [IPRange(4, first, last) for first, last in pairs]


@given(data=st.data())
def test_overlay_pieces_are_held_by_the_range_each_side_holds_them_in(
    data: st.DataObject,
) -> None:
    """Every address some range of either side holds is in exactly one piece; each piece
    is within the range it names on each side, and names -1 where a side holds none of it
    (brute force: address by address)."""
    a, b = _ranges(data.draw), _ranges(data.draw)
    pieces, ia, ib = overlay(a, b)

    def holder(ranges: list[IPRange], address: int) -> int:
        return next((i for i, r in enumerate(ranges) if r.first <= address <= r.last), -1)

    for address in range(0, 66):
        held = [k for k, p in enumerate(pieces) if p.first <= address <= p.last]
        want_a, want_b = holder(a, address), holder(b, address)
        if want_a < 0 and want_b < 0:
            assert not held
            continue
        assert len(held) == 1
        assert (ia[held[0]], ib[held[0]]) == (want_a, want_b)
