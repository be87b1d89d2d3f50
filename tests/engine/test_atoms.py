"""Tests of reach.engine.atoms: port sets as bitmasks over port atoms, and back."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.atoms import Mask, PortAtoms, distinct_rows, refined_masks
from reach.model.ports import MAX_PORT, PROTOCOLS, PortSet

TCP80 = PortSet.of("TCP", 80)
WEB = PortSet.of("TCP", 80) | PortSet.of("TCP", 443)
DNS = PortSet.of("UDP", 53) | PortSet.of("TCP", 53)
HIGH = PortSet.of("UDP", 5000, 6000) | PortSet.of("SCTP", 65535)
GIVEN = [TCP80, WEB, DNS, HIGH]


def round_trip(atoms: PortAtoms, ps: PortSet) -> PortSet:
    return atoms.portset(atoms.mask(ps))


def test_given_port_sets_round_trip() -> None:
    atoms = PortAtoms(GIVEN)
    for ps in GIVEN:
        assert round_trip(atoms, ps) == ps


def test_all_and_empty_round_trip() -> None:
    atoms = PortAtoms(GIVEN)
    assert atoms.portset(atoms.all) == PortSet.all()
    assert np.array_equal(atoms.mask(PortSet.all()), atoms.all)
    assert round_trip(atoms, PortSet.empty()) == PortSet.empty()
    assert not atoms.mask(PortSet.empty()).any()
    assert round_trip(atoms, PortSet.of("UDP")) == PortSet.of("UDP")


def test_no_port_sets_at_all() -> None:
    atoms = PortAtoms([])
    assert atoms.portset(atoms.all) == PortSet.all()
    assert round_trip(atoms, PortSet.empty()) == PortSet.empty()
    assert round_trip(atoms, PortSet.of("SCTP")) == PortSet.of("SCTP")


def test_masks_are_word_arrays() -> None:
    atoms = PortAtoms(GIVEN)
    m = atoms.mask(WEB)
    assert m.dtype == np.uint64
    assert m.shape == (atoms.words,)
    assert atoms.all.shape == (atoms.words,)


def test_or_and_of_masks_are_union_and_intersection() -> None:
    atoms = PortAtoms(GIVEN)
    for a in GIVEN:
        for b in GIVEN:
            ma, mb = atoms.mask(a), atoms.mask(b)
            assert atoms.portset(ma | mb) == a | b
            assert atoms.portset(ma & mb) == a & b
            assert atoms.portset(atoms.all & ~ma) == a.complement()
            assert np.array_equal(atoms.mask(a | b), ma | mb)


def test_distinct_port_sets_get_distinct_masks() -> None:
    atoms = PortAtoms([TCP80, PortSet.of("TCP", 81), PortSet.of("UDP", 80)])
    masks = {
        atoms.mask(ps).tobytes() for ps in (TCP80, PortSet.of("TCP", 81), PortSet.of("UDP", 80))
    }
    assert len(masks) == 3


def test_many_atoms_span_several_words() -> None:
    singles = [PortSet.of("TCP", p) for p in range(1, 400, 3)]
    atoms = PortAtoms(singles)
    assert atoms.words > 2
    for ps in singles:
        assert round_trip(atoms, ps) == ps
    everything = reduce(PortSet.__or__, singles)
    assert round_trip(atoms, everything) == everything
    assert atoms.portset(atoms.all & ~atoms.mask(everything)) == everything.complement()


def test_intern_gives_equal_ids_to_equal_masks() -> None:
    atoms = PortAtoms(GIVEN)
    rows = [WEB, TCP80, WEB, PortSet.all(), TCP80 | PortSet.of("TCP", 443), PortSet.empty()]
    ids = atoms.intern(np.stack([atoms.mask(ps) for ps in rows]))
    assert ids.shape == (len(rows),)
    assert ids[0] == ids[2] == ids[4]
    assert len({int(ids[i]) for i in (0, 1, 3, 5)}) == 4
    for ps, i in zip(rows, ids, strict=True):
        assert atoms.portsets[i] == ps
        assert atoms.texts[i] == str(ps)


def test_intern_ids_are_stable_across_calls() -> None:
    atoms = PortAtoms(GIVEN)
    before = len(atoms.portsets)  # the empty and full sets are interned from the start
    first = atoms.intern(np.stack([atoms.mask(WEB), atoms.mask(DNS)]))
    second = atoms.intern(np.stack([atoms.mask(HIGH), atoms.mask(DNS), atoms.mask(WEB)]))
    assert second[1] == first[1]
    assert second[2] == first[0]
    assert second[0] not in (first[0], first[1])
    assert atoms.portsets[second[0]] == HIGH
    assert atoms.texts[second[0]] == "SCTP 65535,UDP 5000-6000"
    assert len(atoms.portsets) == len(atoms.texts) == before + 3
    assert atoms.texts[atoms.empty_id] == "No Connections" and atoms.empty_id == 0
    assert atoms.texts[atoms.all_id] == "All Connections"


def test_intern_all_mask_text() -> None:
    atoms = PortAtoms(GIVEN)
    (i,) = atoms.intern(atoms.all[None, :])
    assert atoms.portsets[i] == PortSet.all()
    assert atoms.texts[i] == "All Connections"


def test_intern_nothing() -> None:
    atoms = PortAtoms(GIVEN)
    assert len(atoms.intern(np.zeros((0, atoms.words), dtype=np.uint64))) == 0


def test_touching_marks_atoms_sharing_a_port() -> None:
    atoms = PortAtoms([PortSet.of("TCP", 80, 90)])
    # A filter inside one atom selects that whole atom, since the atom is allowed or not as one.
    assert atoms.portset(atoms.touching(PortSet.of("TCP", 85))) == PortSet.of("TCP", 80, 90)
    assert atoms.portset(atoms.touching(PortSet.of("TCP", 90, 91))) == PortSet.of("TCP", 80, 65535)
    assert atoms.portset(atoms.touching(PortSet.of("UDP", 85))) == PortSet.of("UDP")
    assert not atoms.touching(PortSet.empty()).any()
    assert np.array_equal(atoms.touching(PortSet.all()), atoms.all)
    given_atoms = PortAtoms(GIVEN)
    for ps in GIVEN:
        assert np.array_equal(given_atoms.touching(ps), given_atoms.mask(ps))


# -- property: round trip for random port sets and their unions ------------------------------


@st.composite
def intervals(draw: st.DrawFn) -> tuple[int, int]:
    lo = draw(
        st.one_of(st.integers(1, 300), st.integers(65500, MAX_PORT), st.integers(1, MAX_PORT))
    )
    return lo, draw(
        st.integers(lo, min(MAX_PORT, lo + draw(st.sampled_from([0, 5, 100, MAX_PORT]))))
    )


port_sets = st.fixed_dictionaries(
    {}, optional={p: st.lists(intervals(), max_size=5) for p in PROTOCOLS}
).map(PortSet.from_mapping)


def mask_union(masks: list[Mask]) -> Mask:
    return reduce(np.bitwise_or, masks)


@settings(max_examples=100)
@given(st.lists(port_sets, min_size=1, max_size=30), st.data())
def test_round_trip_of_given_sets_and_their_unions(pss: list[PortSet], data: st.DataObject) -> None:
    atoms = PortAtoms(pss)
    masks = [atoms.mask(ps) for ps in pss]
    for ps, m in zip(pss, masks, strict=True):
        assert atoms.portset(m) == ps
    assert atoms.portset(atoms.all) == PortSet.all()
    picks = data.draw(st.lists(st.integers(0, len(pss) - 1), min_size=1, max_size=len(pss)))
    union = reduce(PortSet.__or__, [pss[i] for i in picks])
    assert atoms.portset(mask_union([masks[i] for i in picks])) == union
    assert round_trip(atoms, union) == union
    a, b = pss[picks[0]], pss[picks[-1]]
    assert atoms.portset(masks[picks[0]] & masks[picks[-1]]) == a & b
    assert atoms.portset(atoms.all & ~masks[picks[0]]) == a.complement()
    ids = atoms.intern(np.stack(masks))
    for ps, i in zip(pss, ids, strict=True):
        assert atoms.portsets[i] == ps
        assert atoms.texts[i] == str(ps)
    for x in range(len(pss)):
        for y in range(len(pss)):
            assert (ids[x] == ids[y]) == (pss[x] == pss[y])


@settings(max_examples=100)
@given(st.lists(port_sets, min_size=1, max_size=8), port_sets)
def test_touching_decides_whether_some_port_is_allowed(pss: list[PortSet], wanted: PortSet) -> None:
    atoms = PortAtoms(pss)
    touch = atoms.touching(wanted)
    for ps in pss:
        assert bool((atoms.mask(ps) & touch).any()) == (not (ps & wanted).is_empty())
    for i, (proto, lo, hi) in enumerate(atoms.atoms):
        bit = bool((int(touch[i // 64]) >> (i % 64)) & 1)
        assert bit == (not (wanted & PortSet.of(proto, lo, hi)).is_empty())


# -- atoms cut again (a policy's new port bounds in place: reach.engine.portcuts) ---------------


@settings(max_examples=100)
@given(st.lists(port_sets, min_size=1, max_size=12), st.lists(port_sets, min_size=1, max_size=4))
def test_atoms_cut_again_keep_every_id_and_its_port_set(
    pss: list[PortSet], more: list[PortSet]
) -> None:
    """Every id stands for the same port set over the finer atoms (its refined mask is the
    mask of that set), the atoms are those of all the sets at once, and the new sets' masks
    (and their ANDs with the old ids') are those of the port sets."""
    atoms = PortAtoms(pss)
    ids = atoms.intern(np.stack([atoms.mask(ps) for ps in pss]))
    found = atoms.refined(more)
    fresh = PortAtoms([*pss, *more])
    if found is None:  # no new bound: the atoms are already those
        assert fresh.atoms == atoms.atoms
        return
    finer, _ = found
    assert finer.atoms == fresh.atoms
    assert finer.portsets == atoms.portsets
    assert finer.all_id == atoms.all_id and finer.empty_id == atoms.empty_id == 0
    for i, value in enumerate(finer.values):
        assert finer.portset(finer.from_int(value)) == atoms.portsets[i]
        assert np.array_equal(finer.from_int(value), fresh.mask(atoms.portsets[i]))
    for ps, i in zip(pss, ids.tolist(), strict=True):
        assert finer.intern_int(finer.to_int(finer.mask(ps))) == i  # the same id again
    for ps in more:
        new = finer.intern_int(finer.to_int(finer.mask(ps)))
        assert finer.portsets[new] == ps
        for old in ids.tolist():
            both = finer.from_int(finer.values[new]) & finer.from_int(finer.values[old])
            assert finer.portset(both) == ps & atoms.portsets[old]


def test_masks_of_rules_are_cut_again_row_by_row() -> None:
    atoms = PortAtoms(GIVEN)
    found = atoms.refined([PortSet.of("TCP", 100, 200)])
    assert found is not None
    finer, part_of = found
    rows = np.stack([atoms.mask(ps) for ps in GIVEN])
    again = refined_masks(rows, part_of, finer.words)
    assert [finer.portset(row) for row in again] == GIVEN
    assert finer.portset(refined_masks(atoms.mask(WEB), part_of, finer.words)) == WEB


@given(
    st.integers(1, 3).flatmap(
        lambda w: st.lists(
            st.lists(st.integers(0, 2**64 - 1), min_size=w, max_size=w), min_size=1, max_size=5
        ).flatmap(lambda rows: st.lists(st.sampled_from(rows), min_size=1, max_size=40))
    )
)
def test_distinct_rows_are_numpys_unique_rows(drawn: list[list[int]]) -> None:
    masks = np.array(drawn, dtype=np.uint64)
    rows, inverse = distinct_rows(masks)
    expected, expected_inverse = np.unique(masks, axis=0, return_inverse=True)
    assert np.array_equal(rows, expected)
    assert np.array_equal(inverse, expected_inverse.reshape(-1))


def test_rows_of_one_hash_that_differ_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    from reach.engine import atoms

    monkeypatch.setattr(atoms, "_MIX", np.uint64(0))  # the hash is the last word alone
    masks = np.array([[1, 7], [2, 7], [1, 7], [0, 3]], dtype=np.uint64)
    rows, inverse = distinct_rows(masks)
    assert rows.tolist() == [[0, 3], [1, 7], [2, 7]]
    assert inverse.tolist() == [1, 2, 1, 0]
    rows, inverse = distinct_rows(np.zeros((3, 0), dtype=np.uint64))
    assert rows.shape == (1, 0) and inverse.tolist() == [0, 0, 0]
