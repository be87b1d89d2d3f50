"""How many owners of each Calico tier apply to each class (``calicotiers.owner_counts``):
counted again from the tiers before for the owners that changed only, and equal to a count
from scratch after any change of owners."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reach.engine.calicotiers import CalicoTiers, calico_tiers, counts_in_order, owner_counts
from reach.model.calico import CalicoPolicy, Tier

TIERS = [Tier("security", 100.0), Tier("default")]
POSITION = {t.name: i for i, t in enumerate(TIERS)}
Owner = tuple[CalicoPolicy, np.ndarray, np.ndarray]


def policy(name: str, tier: str = "default") -> CalicoPolicy:
    return CalicoPolicy("GlobalNetworkPolicy", "", name, tier=tier)


def walk(owners: list[Owner], n: int, before: CalicoTiers | None = None) -> CalicoTiers:
    tiers, _ = calico_tiers(TIERS, [], owners, np.zeros(n, dtype=bool), 0, before)
    return tiers


def vec(n: int, *on: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(on)] = True
    return out


def test_owners_whose_subjects_are_the_same_arrays_are_not_counted_again() -> None:
    kept, changed = policy("kept"), policy("changed", "security")
    owners: list[Owner] = [(kept, vec(3, 0), vec(3, 1)), (changed, vec(3, 2), vec(3))]
    before = walk(owners, 3)
    before.counts["ingress"][POSITION["default"], 0] = 7  # only a recount would undo this
    now: list[Owner] = [owners[0], (changed, vec(3, 1), vec(3))]
    counts = owner_counts(POSITION, now, 3, before)
    assert counts["ingress"][POSITION["default"]].tolist() == [7, 0, 0]
    assert counts["ingress"][POSITION["security"]].tolist() == [0, 1, 0]
    assert before.counts["ingress"][POSITION["security"]].tolist() == [0, 0, 1]  # not written


def test_counts_before_are_not_read_over_other_classes_or_with_a_policy_twice() -> None:
    p = policy("p")
    owners: list[Owner] = [(p, vec(3, 0), vec(3))]
    before = walk(owners, 3)
    before.counts["ingress"][POSITION["default"], 1] = 5
    assert owner_counts(POSITION, [(p, vec(4, 0), vec(4))], 4, before)["ingress"].shape == (2, 4)
    twice = walk([*owners, owners[0]], 3)
    twice.counts["ingress"][POSITION["default"], 1] = 5
    counts = owner_counts(POSITION, owners, 3, twice)
    assert counts["ingress"][POSITION["default"]].tolist() == [1, 0, 0]


def test_tiers_changed_count_from_scratch() -> None:
    p = policy("p")
    owners: list[Owner] = [(p, vec(2, 0), vec(2))]
    before = walk(owners, 2)
    before.counts["ingress"][POSITION["default"], 1] = 5
    other, _ = calico_tiers([*TIERS, Tier("last")], [], owners, np.zeros(2, bool), 0, before)
    assert other.counts["ingress"].tolist() == [[0, 0], [1, 0], [0, 0]]


@st.composite
def _steps(draw: st.DrawFn) -> tuple[int, list[list[tuple[int, str, list[bool], list[bool]]]]]:
    n = draw(st.integers(1, 6))
    side = st.lists(st.booleans(), min_size=n, max_size=n)
    owner = st.tuples(st.integers(0, 5), st.sampled_from(["security", "default"]), side, side)
    return n, draw(st.lists(st.lists(owner, max_size=6), min_size=1, max_size=6))


@given(_steps(), st.data())
def test_counts_kept_from_step_to_step_equal_counts_from_scratch(
    steps: tuple[int, list[list[tuple[int, str, list[bool], list[bool]]]]], data: st.DataObject
) -> None:
    n, lists = steps
    policies: dict[tuple[int, str], CalicoPolicy] = {}
    before: CalicoTiers | None = None
    for drawn in lists:
        owners: list[Owner] = []
        held = {id(o[0]): o for o in (before.owners if before is not None else [])}
        for number, tier, ingress, egress in drawn:
            p = policies.setdefault((number, tier), policy(f"p{number}", tier))
            old = held.get(id(p))
            if old is not None and data.draw(st.booleans()):
                owners.append(old)  # the same arrays, as an update keeps them
            else:
                owners.append((p, np.array(ingress, dtype=bool), np.array(egress, dtype=bool)))
        after = walk(owners, n, before)
        fresh = walk(owners, n)
        for d in ("ingress", "egress"):
            assert np.array_equal(after.counts[d], fresh.counts[d])
            assert np.array_equal(after.state_of[d], fresh.state_of[d])
        assert after.states == fresh.states
        before = after


@given(_steps(), st.data())
def test_counts_taken_in_a_new_order_of_the_classes_equal_counts_from_scratch(
    steps: tuple[int, list[list[tuple[int, str, list[bool], list[bool]]]]], data: st.DataObject
) -> None:
    n, lists = steps
    owners: list[Owner] = [
        (policy(f"p{k}", tier), np.array(i, dtype=bool), np.array(e, dtype=bool))
        for k, (_, tier, i, e) in enumerate(lists[0])
    ]
    before = walk(owners, n)
    source = np.array(data.draw(st.lists(st.integers(-1, n - 1), max_size=8)), dtype=np.intp)
    made = source < 0
    renumbered: list[Owner] = []
    for p, *subjects in owners:  # a class kept answers as its class before, one made anyhow
        taken = [s[np.maximum(source, 0)] for s in subjects]
        for t in taken:
            k = int(made.sum())
            t[made] = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
        renumbered.append((p, *taken))  # type: ignore[arg-type]
    counts = counts_in_order(before, renumbered, source)
    assert counts is not None
    fresh = owner_counts(POSITION, renumbered, len(source))
    for d in ("ingress", "egress"):
        assert np.array_equal(counts[d], fresh[d])
