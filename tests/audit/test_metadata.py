"""The cloud-metadata-reachable check."""

from __future__ import annotations

import reach
from tests.builders import netpol, pod


def _findings(objects: list[dict[str, object]]) -> list[str]:
    report = reach.from_objects(objects).audit()
    return [f.subject for f in report.of_check("cloud-metadata-reachable")]


def test_a_pod_without_egress_policy_reaches_the_metadata_service() -> None:
    assert _findings([pod("web", "a")]) == ["a/web[Pod]"]


def test_an_except_for_the_metadata_address_clears_the_finding() -> None:
    egress = [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}]
    objects = [
        pod("web", "a"),
        netpol("out", "a", {}, policyTypes=["Egress"], egress=egress),
    ]
    assert _findings(objects) == []


def test_egress_to_private_ranges_only_does_not_reach_it() -> None:
    egress = [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]
    objects = [pod("web", "a"), netpol("out", "a", {}, policyTypes=["Egress"], egress=egress)]
    assert _findings(objects) == []
