"""Tests of reach.engine.meshands: the rows after the mesh's AND numbered per distinct
(row before, mesh digest, proxy digest), as a loop over the classes in order numbers them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.atoms import PortAtoms
from reach.engine.meshands import Ands, MeshAnding
from reach.model.ports import PortSet

_ATOMS = PortAtoms([PortSet.of("TCP", 80), PortSet.of("UDP", 53)])
_IDS = [
    _ATOMS.empty_id,
    _ATOMS.all_id,
    _ATOMS.intern_int(_ATOMS.to_int(_ATOMS.mask(PortSet.of("TCP", 80)))),
]


def _row(values: list[int], width: int) -> np.ndarray:
    return np.array([_IDS[v % len(_IDS)] for v in (values * width)[:width]], dtype=np.int32)


def _by_loop(anding: MeshAnding, row_of: list[int], numbered: Ands) -> tuple[list[int], list[int]]:
    """The numbering class by class (the reference :meth:`MeshAnding.numbered` keeps)."""
    of, first = [], []
    for c, pre in enumerate(row_of):
        n = len(numbered)
        got = numbered.setdefault(anding.key(c, pre), n)
        of.append(got)
        if got == n:
            first.append(c)
    return of, first


@settings(max_examples=120, deadline=None)
@given(
    data=st.data(),
    n=st.integers(0, 30),
    profiles=st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=3), max_size=4),
    proxies=st.one_of(
        st.none(), st.lists(st.lists(st.integers(0, 2), min_size=1), min_size=1, max_size=3)
    ),
)
def test_numbered_as_a_loop_over_the_classes(
    data: st.DataObject,
    n: int,
    profiles: list[list[int]],
    proxies: list[list[int]] | None,
) -> None:
    width = 4
    mesh_rows = [_row(p, width) for p in profiles]  # equal rows: one digest
    mesh_of = data.draw(st.lists(st.integers(-1, len(mesh_rows) - 1), max_size=n))
    row_of = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    target_of = None
    if proxies is not None:
        target_of = data.draw(st.lists(st.integers(0, len(proxies) - 1), min_size=n, max_size=n))
    made = {(p, b"", b"") for p in data.draw(st.lists(st.integers(0, 5), max_size=3))}

    def anding() -> MeshAnding:
        rows = proxies
        proxy = (lambda t: _row(rows[t], width)) if rows is not None else None
        return MeshAnding(_ATOMS, mesh_rows, mesh_of, proxy, target_of)

    expected: Ands = {key: i for i, key in enumerate(made)}
    got: Ands = dict(expected)
    of, first = _by_loop(anding(), row_of, expected)
    numbers, anew = anding().numbered(np.array(row_of, dtype=np.intp), got)
    assert numbers.tolist() == of
    assert anew == first
    assert got == expected
