"""The label keys selectors name: read by selectors for NetworkPolicies and admin policies,
as the generic walk of every field finds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reach
from reach.engine.classes import NamedPorts, signature_of, signatures
from reach.engine.keyanswers import _named_keys, _walk
from reach.input.netpol import parse_network_policy
from tests.helpers import SHARED
from tests.strategies import policy_manifests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("example", ["shop", "microservices-demo", "rollout"])
def test_the_selector_keys_of_the_examples_are_those_every_field_holds(example: str) -> None:
    cluster = reach.load(str(EXAMPLES / example)).analysis.cluster
    policies = [*cluster.policies, *cluster.admin_policies]
    fast: set[str] = set()
    walked: set[str] = set()
    _named_keys(policies, fast)
    _walk(policies, walked)
    assert fast == walked and fast


def test_the_selector_keys_of_admin_policies_are_those_every_field_holds() -> None:
    cases = sorted((SHARED / "conformance" / "anp").glob("*/input"))
    if not cases:
        pytest.skip("no conformance corpus beside the repository")
    admins = 0
    for case in cases:
        cluster = reach.load(str(case)).analysis.cluster
        fast: set[str] = set()
        walked: set[str] = set()
        _named_keys([*cluster.admin_policies, *cluster.policies], fast)
        _walk([*cluster.admin_policies, *cluster.policies], walked)
        assert fast == walked, case.name
        admins += len(cluster.admin_policies)
    assert admins > 0


@settings(max_examples=100)
@given(data=st.data())
def test_the_selector_keys_of_random_policies_are_those_every_field_holds(
    data: st.DataObject,
) -> None:
    obj = data.draw(policy_manifests("ns-a", "p"))
    policy = parse_network_policy(obj)
    fast: set[str] = set()
    walked: set[str] = set()
    _named_keys([policy], fast)
    _walk([policy], walked)
    assert fast == walked


@given(st.lists(st.booleans(), max_size=200), st.integers(1, 5))
def test_the_signature_of_one_class_is_the_one_of_many(answers: list[bool], rows: int) -> None:
    """``signature_of`` packs one class's answers as ``signatures`` packs each class's."""
    ports: NamedPorts = ((8080,),)
    columns = [np.array([a] * rows) for a in answers]
    assert signatures(columns, [ports] * rows)[rows - 1] == signature_of(answers, ports)
