"""Tests of reach.engine.andtables: port-set ids ANDed element by element by kept tables
are the ids of the intersections, port set by port set."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.andtables import AndTables
from reach.engine.atoms import PortAtoms
from reach.model.ports import PortSet

SETS = [
    PortSet.empty(),
    PortSet.all(),
    PortSet.of("TCP", 80),
    PortSet.of("TCP", 80) | PortSet.of("TCP", 443),
    PortSet.of("TCP", 53) | PortSet.of("UDP", 53),
    PortSet.of("TCP", 1, 1024),
    PortSet.of("UDP"),
    PortSet.of("SCTP", 9000, 9100) | PortSet.of("TCP", 8080),
]


def _atoms() -> tuple[PortAtoms, list[int]]:
    atoms = PortAtoms(SETS)
    return atoms, [atoms.intern_int(atoms.to_int(atoms.mask(ps))) for ps in SETS]


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(
        st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=40),
        min_size=1,
        max_size=4,
    )
)
def test_each_element_is_the_intersection_of_its_port_sets(
    pairs: list[list[tuple[int, int]]],
) -> None:
    """Rows ANDed one after another with the same tables (the atoms growing with the
    intersections interned on the way): each id is that of the two port sets' AND."""
    atoms, ids = _atoms()
    ands = AndTables(atoms)
    for row in pairs:
        a = np.array([ids[i] for i, _ in row], dtype=np.int32)
        b = np.array([ids[j] for _, j in row], dtype=np.int32)
        out = ands(a, b)
        assert out.dtype == np.int32 and out.shape == a.shape
        got = [atoms.portsets[k] for k in out.tolist()]
        assert got == [SETS[i] & SETS[j] for i, j in row]


def test_an_id_interned_after_a_table_was_made_is_answered() -> None:
    """An intersection interned by one call is a left-hand id of the next: the table of
    the same right-hand id grows to it."""
    atoms, ids = _atoms()
    ands = AndTables(atoms)
    low, dns = np.array([ids[5]], dtype=np.int32), np.array([ids[4]], dtype=np.int32)
    known = len(atoms.values)
    first = ands(low, dns)  # TCP 53: a port set no id held
    assert int(first[0]) >= known
    assert atoms.portsets[int(first[0])] == PortSet.of("TCP", 53)
    again = ands(first, dns)
    assert atoms.portsets[int(again[0])] == PortSet.of("TCP", 53)
