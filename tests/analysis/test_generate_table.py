"""Today's connections as a table (``units.Connections``, what ``reach generate
--from-current`` works on) and as pairs (``units.current``) are one thing to the generator
and to the verification: the table's array paths give the same policies, comments and
mismatches as the pairs' dict paths, on random clusters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import reach
from reach.analysis.generate import generate
from reach.analysis.genverify import compare
from reach.analysis.units import connections, current, units
from tests.agreement import agreement_settings
from tests.strategies import clusters


@agreement_settings(60)
@given(clusters())
def test_the_table_and_its_pairs_generate_the_same_policies(objects: list[dict]) -> None:
    r = reach.from_objects(objects)
    found = units(r.reachability)
    table = connections(r.reachability, found)
    pairs = current(r.reachability, found)
    assert table.wanted() == pairs
    assert len(table) == len(pairs)
    by_table, by_pairs = generate(found, table), generate(found, pairs)
    assert by_table.policies == by_pairs.policies
    assert by_table.comments == by_pairs.comments


@agreement_settings(60)
@given(st.data())
def test_comparing_with_the_table_finds_the_mismatches_the_pairs_find(
    data: st.DataObject,
) -> None:
    """The cluster's connections (wanted) against the same pods with only some of its
    policies (the result): the same mismatches, in the same order, from either form;
    none when the two are equal pair for pair."""
    objects = data.draw(clusters())
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    dropped = data.draw(st.lists(st.sampled_from(policies), unique_by=id)) if policies else []
    fewer = [o for o in objects if all(o is not d for d in dropped)]
    r, later = reach.from_objects(objects), reach.from_objects(fewer)
    found = units(r.reachability)
    table = connections(r.reachability, found)
    after = later.reachability
    by_table = compare(after, found, table)
    by_pairs = compare(after, found, table.wanted())
    assert by_table.mismatches == by_pairs.mismatches
    assert by_table.compared == by_pairs.compared
    if current(after, units(after)) == table.wanted():
        assert by_table.ok
