"""Tests of reach.model.ports: PortSet construction, set algebra and its text form."""

from __future__ import annotations

import doctest
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reach.model.ports
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, parse_port_filter

Interval = tuple[int, int]
Member = tuple[str, int]

ALL = PortSet.all()
EMPTY = PortSet.empty()
FULL: tuple[Interval, ...] = ((MIN_PORT, MAX_PORT),)


def tcp(lo: int, hi: int | None = None) -> PortSet:
    return PortSet.of("TCP", lo, hi)


def udp(lo: int, hi: int | None = None) -> PortSet:
    return PortSet.of("UDP", lo, hi)


def sctp(lo: int, hi: int | None = None) -> PortSet:
    return PortSet.of("SCTP", lo, hi)


# -- construction ---------------------------------------------------------------------------


def test_all_holds_every_port_of_every_protocol() -> None:
    for proto in PROTOCOLS:
        assert ALL.intervals(proto) == FULL
        assert ALL.contains(proto, MIN_PORT)
        assert ALL.contains(proto, MAX_PORT)
    assert ALL.is_all()
    assert not ALL.is_empty()


def test_empty_holds_nothing() -> None:
    for proto in PROTOCOLS:
        assert EMPTY.intervals(proto) == ()
        assert not EMPTY.contains(proto, 80)
    assert EMPTY.is_empty()
    assert not EMPTY.is_all()
    assert not EMPTY
    assert tcp(80)


def test_of_single_port() -> None:
    ps = tcp(80)
    assert ps.intervals("TCP") == ((80, 80),)
    assert ps.intervals("UDP") == ()
    assert ps.intervals("SCTP") == ()
    assert ps.contains("TCP", 80)
    assert not ps.contains("TCP", 79)
    assert not ps.contains("TCP", 81)
    assert not ps.contains("UDP", 80)


def test_of_range_is_inclusive() -> None:
    ps = udp(5000, 6000)
    assert ps.intervals("UDP") == ((5000, 6000),)
    assert ps.contains("UDP", 5000)
    assert ps.contains("UDP", 6000)
    assert not ps.contains("UDP", 4999)
    assert not ps.contains("UDP", 6001)


def test_of_without_port_means_every_port_of_the_protocol() -> None:
    ps = PortSet.of("SCTP")
    assert ps.intervals("SCTP") == FULL
    assert ps.intervals("TCP") == ()
    assert not ps.is_all()
    assert PortSet.of("SCTP") | PortSet.of("TCP") | PortSet.of("UDP") == ALL


def test_of_unknown_protocol_is_rejected() -> None:
    with pytest.raises(ValueError, match="ICMP"):
        PortSet.of("ICMP", 1)
    with pytest.raises(ValueError):
        PortSet.of("tcp", 80)  # protocol names are case-sensitive


def test_from_mapping_normalizes_unsorted_overlapping_and_adjacent_intervals() -> None:
    ps = PortSet.from_mapping({"TCP": [(90, 99), (80, 85), (84, 89), (200, 200), (201, 210)]})
    assert ps.intervals("TCP") == ((80, 99), (200, 210))
    assert ps.intervals("UDP") == ()
    assert ps.intervals("SCTP") == ()


def test_from_mapping_keeps_protocols_apart() -> None:
    ps = PortSet.from_mapping({"UDP": [(53, 53)], "SCTP": [(1, 10)], "TCP": []})
    assert ps.intervals("UDP") == ((53, 53),)
    assert ps.intervals("SCTP") == ((1, 10),)
    assert ps.intervals("TCP") == ()


def test_from_mapping_rejects_unknown_protocol() -> None:
    with pytest.raises(ValueError, match="ICMP"):
        PortSet.from_mapping({"TCP": [(80, 80)], "ICMP": [(1, 1)]})


def test_from_mapping_clips_to_the_port_range() -> None:
    ps = PortSet.from_mapping({"TCP": [(0, 70000)], "UDP": [(0, 0), (65536, 70000)]})
    assert ps.intervals("TCP") == FULL
    assert ps.intervals("UDP") == ()


def test_equal_sets_built_differently_are_equal_and_hash_equal() -> None:
    a = tcp(80, 90)
    b = tcp(86, 90) | tcp(80, 85)
    assert a == b
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert tcp(80) != udp(80)


# -- algebra --------------------------------------------------------------------------------


def test_union_merges_within_and_across_protocols() -> None:
    ps = tcp(80) | tcp(81) | udp(53) | tcp(443)
    assert ps.intervals("TCP") == ((80, 81), (443, 443))
    assert ps.intervals("UDP") == ((53, 53),)


def test_intersection() -> None:
    a = tcp(1, 100) | udp(53)
    b = tcp(50, 200) | udp(54) | sctp(1)
    assert a & b == tcp(50, 100)
    assert (tcp(80) & udp(80)).is_empty()
    assert (tcp(1, 10) | tcp(20, 30)) & tcp(5, 25) == tcp(5, 10) | tcp(20, 25)


def test_intersection_of_many_pieces() -> None:
    a = PortSet.from_mapping({"TCP": [(1, 10), (20, 30), (40, 50)]})
    b = PortSet.from_mapping({"TCP": [(5, 22), (28, 45)]})
    assert (a & b).intervals("TCP") == ((5, 10), (20, 22), (28, 30), (40, 45))


def test_difference() -> None:
    assert tcp(1, 100) - tcp(50) == tcp(1, 49) | tcp(51, 100)
    assert (tcp(80) - tcp(1, 65535)).is_empty()
    assert tcp(80) - udp(80) == tcp(80)
    assert ALL - ALL == EMPTY


def test_complement() -> None:
    assert EMPTY.complement() == ALL
    assert ALL.complement() == EMPTY
    c = tcp(80).complement()
    assert c.intervals("TCP") == ((1, 79), (81, 65535))
    assert c.intervals("UDP") == FULL
    assert c.intervals("SCTP") == FULL
    assert tcp(1).complement().intervals("TCP") == ((2, 65535),)
    assert tcp(65535).complement().intervals("TCP") == ((1, 65534),)


def test_issubset() -> None:
    assert tcp(80).issubset(tcp(1, 100))
    assert tcp(80).issubset(tcp(80))
    assert EMPTY.issubset(tcp(80))
    assert tcp(80).issubset(ALL)
    assert not tcp(1, 100).issubset(tcp(80))
    assert not tcp(80).issubset(udp(80))
    assert not ALL.issubset(ALL - sctp(5))


def test_is_all_only_for_every_port() -> None:
    assert not (ALL - tcp(80)).is_all()
    assert not (ALL - sctp(65535)).is_all()
    assert (ALL - tcp(80) | tcp(80)).is_all()


def test_contains_at_interval_edges() -> None:
    ps = PortSet.from_mapping({"TCP": [(10, 20), (30, 40)]})
    hits = [p for p in range(1, 50) if ps.contains("TCP", p)]
    assert hits == [*range(10, 21), *range(30, 41)]


# -- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ps", "text"),
    [
        (ALL, "All Connections"),
        (PortSet.of("SCTP") | PortSet.of("TCP") | PortSet.of("UDP"), "All Connections"),
        (EMPTY, "No Connections"),
        (tcp(80) | tcp(443) | udp(53) | udp(5000, 6000), "TCP 80,443,UDP 53,5000-6000"),
        (tcp(80), "TCP 80"),
        (tcp(80, 80), "TCP 80"),
        (tcp(80, 81), "TCP 80-81"),
        (tcp(80, 89) | tcp(90, 99), "TCP 80-99"),
        (tcp(80, 95) | tcp(90, 99), "TCP 80-99"),
        (udp(3) | tcp(2) | sctp(1), "SCTP 1,TCP 2,UDP 3"),
        (tcp(8080) | udp(80) | udp(5000, 6000), "TCP 8080,UDP 80,5000-6000"),
        (PortSet.of("TCP"), "TCP 1-65535"),
        (ALL - tcp(80), "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
        (tcp(65535) | tcp(1), "TCP 1,65535"),
    ],
)
def test_text_form(ps: PortSet, text: str) -> None:
    assert str(ps) == text


def test_docstring_examples() -> None:
    result = doctest.testmod(reach.model.ports)
    assert result.attempted > 0
    assert result.failed == 0


def test_to_json() -> None:
    assert (tcp(80) | tcp(443) | udp(53, 60)).to_json() == {
        "TCP": [[80, 80], [443, 443]],
        "UDP": [[53, 60]],
    }
    assert EMPTY.to_json() == {}
    assert ALL.to_json() == {p: [[1, 65535]] for p in PROTOCOLS}


_SPEC = r"\d+(?:-\d+)?"
_PROTO_PORTS = rf"(?:SCTP|TCP|UDP) {_SPEC}(?:,{_SPEC})*"
_GRAMMAR = re.compile(rf"All Connections|No Connections|{_PROTO_PORTS}(?:,{_PROTO_PORTS})*")


def parse_text(text: str) -> PortSet:
    """Parse the text form, checking every rule of the output grammar on the way."""
    assert _GRAMMAR.fullmatch(text), text
    if text == "All Connections":
        return PortSet.all()
    if text == "No Connections":
        return PortSet.empty()
    by: dict[str, list[Interval]] = {}
    proto = ""
    for item in text.split(","):
        if " " in item:
            proto, item = item.split(" ")
            assert not by or proto > max(by), f"protocols out of order in {text!r}"
            by[proto] = []
        lo_text, _, hi_text = item.partition("-")
        lo, hi = int(lo_text), int(hi_text or lo_text)
        assert str(lo) == lo_text and (not hi_text or str(hi) == hi_text)
        assert MIN_PORT <= lo < hi <= MAX_PORT if hi_text else MIN_PORT <= lo <= MAX_PORT
        if by[proto]:
            assert lo > by[proto][-1][1] + 1, f"unmerged or unsorted ports in {text!r}"
        by[proto].append((lo, hi))
    result = PortSet.from_mapping(by)
    assert not result.is_all(), "every port must be written All Connections"
    return result


# -- properties over a reduced port universe ------------------------------------------------
#
# Intervals are drawn within 1..200 or 65530..65535, so every boundary of every set lies in
# 1..201 or 65530..65536: membership on PROBES decides the whole set.

PROBES: tuple[int, ...] = (*range(1, 203), 1000, 30000, *range(65528, 65536))
UNIVERSE: frozenset[Member] = frozenset((p, port) for p in PROTOCOLS for port in PROBES)


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    if draw(st.integers(0, 5)) == 0:
        lo = draw(st.integers(65530, MAX_PORT))
        return lo, draw(st.integers(lo, MAX_PORT))
    lo = draw(st.integers(1, 200))
    return lo, draw(st.integers(lo, min(200, lo + 40)))


@st.composite
def raw_sets(draw: st.DrawFn) -> dict[str, list[Interval]]:
    return {p: draw(st.lists(intervals(), max_size=4)) for p in PROTOCOLS if draw(st.booleans())}


def model(raw: dict[str, list[Interval]]) -> frozenset[Member]:
    return frozenset(
        (p, port)
        for p, ivs in raw.items()
        for port in PROBES
        if any(lo <= port <= hi for lo, hi in ivs)
    )


def members(ps: PortSet) -> frozenset[Member]:
    return frozenset((p, port) for p, port in UNIVERSE if ps.contains(p, port))


def assert_canonical(ps: PortSet) -> None:
    for p in PROTOCOLS:
        ivs = ps.intervals(p)
        for lo, hi in ivs:
            assert MIN_PORT <= lo <= hi <= MAX_PORT
        for (_, hi), (lo, _) in zip(ivs, ivs[1:], strict=False):
            assert lo > hi + 1, f"{p} intervals not sorted, disjoint and merged: {ivs}"


port_sets = raw_sets().map(PortSet.from_mapping)


@given(raw_sets())
def test_from_mapping_matches_model(raw: dict[str, list[Interval]]) -> None:
    ps = PortSet.from_mapping(raw)
    assert_canonical(ps)
    assert members(ps) == model(raw)
    assert ps.is_empty() == (not model(raw))
    assert ps.is_all() == (model(raw) == UNIVERSE)


@given(port_sets, port_sets)
def test_binary_operations_match_python_sets(a: PortSet, b: PortSet) -> None:
    ma, mb = members(a), members(b)
    for result, expected in [(a | b, ma | mb), (a & b, ma & mb), (a - b, ma - mb)]:
        assert_canonical(result)
        assert members(result) == expected
        assert result.is_empty() == (not expected)
        assert result.is_all() == (expected == UNIVERSE)
    assert a.issubset(b) == (ma <= mb)


@given(port_sets)
def test_complement_matches_python_sets(a: PortSet) -> None:
    c = a.complement()
    assert_canonical(c)
    assert members(c) == UNIVERSE - members(a)
    assert c.complement() == a


@given(port_sets)
def test_unary_laws(a: PortSet) -> None:
    assert a | a == a
    assert a & a == a
    assert a | a.complement() == ALL
    assert (a & a.complement()).is_empty()
    assert a - a == EMPTY
    assert a | EMPTY == a
    assert a & ALL == a
    assert a | ALL == ALL
    assert (a & EMPTY).is_empty()
    assert ALL - a == a.complement()
    assert a.issubset(a)
    assert EMPTY.issubset(a)
    assert a.issubset(ALL)


@given(port_sets, port_sets)
def test_binary_laws(a: PortSet, b: PortSet) -> None:
    assert (a | b).complement() == a.complement() & b.complement()
    assert (a & b).complement() == a.complement() | b.complement()
    assert a | b == b | a
    assert a & b == b & a
    assert a - b == a & b.complement()
    assert (a & b).issubset(a)
    assert a.issubset(a | b)
    assert (a - b) & b == EMPTY
    assert (a - b) | (a & b) == a
    assert a.issubset(b) == (a | b == b)


@settings(max_examples=50)
@given(port_sets, port_sets, port_sets)
def test_ternary_laws(a: PortSet, b: PortSet, c: PortSet) -> None:
    assert (a | b) | c == a | (b | c)
    assert (a & b) & c == a & (b & c)
    assert a & (b | c) == (a & b) | (a & c)
    assert a | (b & c) == (a | b) & (a | c)


@given(port_sets)
def test_text_form_follows_the_grammar_and_round_trips(a: PortSet) -> None:
    for ps in (a, a.complement()):
        assert parse_text(str(ps)) == ps


@given(port_sets)
def test_to_json_lists_the_intervals(a: PortSet) -> None:
    data = a.to_json()
    assert set(data) == {p for p in PROTOCOLS if a.intervals(p)}
    rebuilt = PortSet.from_mapping({p: [(lo, hi) for lo, hi in ivs] for p, ivs in data.items()})
    assert rebuilt == a
    for p, ivs in data.items():
        assert ivs == [list(iv) for iv in a.intervals(p)]


# -- parse_port_filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8080", tcp(8080)),
        ("8080/TCP", tcp(8080)),
        ("53/udp", udp(53)),
        ("53/UDP", udp(53)),
        ("80/sctp", sctp(80)),
        ("8000-8100/TCP", tcp(8000, 8100)),
        ("1-65535", PortSet.of("TCP")),
        ("443-443/tcp", tcp(443)),
    ],
)
def test_parse_port_filter(text: str, expected: PortSet) -> None:
    assert parse_port_filter(text) == expected


@pytest.mark.parametrize(
    "text", ["", "http", "80/icmp", "0", "65536", "90-80", "-5", "80-90-100", "80/TCP/UDP", "a-b"]
)
def test_parse_port_filter_rejects_bad_filters(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_port_filter(text)
    assert repr(text) in str(info.value), "the message names the bad filter"


@pytest.mark.parametrize("text", ["80-", "80-/UDP", "1_000", "+80", "8080/"])
def test_parse_port_filter_rejects_malformed_spellings(text: str) -> None:
    with pytest.raises(ValueError):
        parse_port_filter(text)
