"""What counts as the internet: the IANA special-purpose registries, both families."""

from __future__ import annotations

import ipaddress

import pytest

from reach.model.ipspace import NON_GLOBAL, IPRange, is_non_global, non_global_count


def _range(cidr: str) -> IPRange:
    return IPRange.of_network(ipaddress.ip_network(cidr))


@pytest.mark.parametrize(
    "cidr",
    [
        "10.1.2.0/24",
        "169.254.0.0/16",  # IPv4 link-local, cloud metadata included
        "100.64.0.0/10",  # shared address space
        "192.0.2.0/24",
        "203.0.113.0/24",
        "127.0.0.1/32",
        "fe80::/10",  # IPv6 link-local: not the internet either
        "fc00::/7",
        "2001:db8::/32",
        "::1/128",
    ],
)
def test_special_purpose_blocks_are_not_the_internet(cidr: str) -> None:
    assert is_non_global(_range(cidr))


@pytest.mark.parametrize(
    "cidr",
    ["8.8.8.0/24", "0.0.0.0/0", "2600::/16", "::/0", "192.0.0.9/32", "2001:4:112::/48"],
)
def test_ranges_with_a_global_address_are_the_internet(cidr: str) -> None:
    assert not is_non_global(_range(cidr))


def test_the_list_is_disjoint_and_counts_whole_blocks() -> None:
    for a, b in zip(NON_GLOBAL, NON_GLOBAL[1:], strict=False):
        assert not a.overlaps(b) and (a.version, a.last) < (b.version, b.first)
    assert non_global_count(_range("10.0.0.0/8")) == 1 << 24
    assert non_global_count(_range("192.0.0.0/24")) == 256 - 2  # .9 and .10 are global


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "169.254.169.254",
        "192.168.1.1",
        "100.64.0.1",
        "198.51.100.7",
        "fe80::1",
        "fd00:ec2::254",
        "2001:db8::1",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
    ],
)
def test_agrees_with_the_standard_library(address: str) -> None:
    """ipaddress knows the registries too: the two agree on these addresses."""
    ip = ipaddress.ip_address(address)
    r = IPRange(ip.version, int(ip), int(ip))
    assert is_non_global(r) == (not ip.is_global)
