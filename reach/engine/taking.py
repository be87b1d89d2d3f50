"""Arrays indexed by class taken again in a new order of the classes (classes renumbered:
:mod:`reach.engine.classmoves`, and beside the mesh layer :mod:`reach.engine.meshclasses`;
segments cut again, pseudo peers added)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reach.engine import arraypool
from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.rowbuffer import empty_rows

#: Rows gathered at a time when rows are taken element by element.
_CHUNK = 256

#: Runs up to which rows are copied one by one, run by run: a gather of the rows copies
#: them twice (at 100k pods, 4,053 rows of 23,560 classes in five runs, segments cut:
#: 85 ms gathered, 55 one by one; 40 when they are every row in order, copied as slices).
_ROW_BY_ROW = 8

#: The new class of a renumbering, to be put in its rows: its number, its entry in every
#: class's row (over the classes in their new order), and its own row.
NewColumn = tuple[int, PortSetIds, PortSetIds]


class Taking:
    """``vector[at]`` for many vectors, with a fill where ``at`` is -1: as copies of the
    runs of consecutive indices (one or two runs when a class comes or goes), which is
    several times faster than indexing element by element."""

    def __init__(self, at: IntVec) -> None:
        self.at = at
        self.fills = np.flatnonzero(at < 0)
        kept = np.flatnonzero(at >= 0)
        breaks = np.flatnonzero((np.diff(kept) != 1) | (np.diff(at[kept]) != 1)) + 1
        self.runs = [
            (int(kept[a]), int(kept[b - 1]) + 1, int(at[kept[a]]))
            for a, b in zip([0, *breaks.tolist()], [*breaks.tolist(), len(kept)], strict=True)
            if b > a
        ]

    @property
    def prefix(self) -> int | None:
        """The number of classes taken when they are the first ones, in order (a vector's
        first columns); None otherwise."""
        if len(self.fills) or self.runs != [(0, len(self.at), 0)]:
            return None
        return len(self.at)

    def __call__(
        self,
        vector: np.ndarray[Any, Any],
        fill: object,
        rows: IntVec | None = None,
        out: np.ndarray[Any, Any] | None = None,
    ) -> np.ndarray[Any, Any]:
        """``vector[at]`` along its last axis, ``fill`` where ``at`` is -1 (a 2-D
        ``vector``: of its ``rows`` only, when given; into ``out``, when given)."""
        if rows is not None and _every_row(rows, vector):  # one copy, not a gather and one
            rows = None
        picked = slice(None) if rows is None else rows
        if out is None:
            height = vector.shape[:-1] if rows is None else (len(rows),)
            out = arraypool.empty((*height, len(self.at)), vector.dtype)
        if rows is not None and len(self.runs) <= _ROW_BY_ROW:  # row by row
            for i, row in enumerate(rows.tolist()):  # (a gather of rows copies them twice)
                for lo, hi, src in self.runs:
                    out[i, lo:hi] = vector[row, src : src + hi - lo]
        elif len(self.runs) > 16:  # many moves: element by element
            self._gathered(vector, rows, out)
        else:
            for lo, hi, src in self.runs:
                out[..., lo:hi] = (
                    vector[picked, src : src + hi - lo]
                    if rows is not None
                    else (vector[..., src : src + hi - lo])
                )
        out[..., self.fills] = fill
        return out

    def _gathered(
        self, vector: np.ndarray[Any, Any], rows: IntVec | None, out: np.ndarray[Any, Any]
    ) -> None:
        """``vector[..., at]`` (of its ``rows``, when given) written into ``out`` by
        ``np.take``, with no array between (the fills are written after). An indexed
        assignment made the whole array first: at 100k pods 1.1 s for the rows of one
        side, against 70 ms; ``mode="clip"`` as ``take`` buffers ``out`` otherwise."""
        at = np.where(self.at >= 0, self.at, 0)
        if rows is None:
            np.take(vector, at, axis=-1, out=out, mode="clip")
            return
        for lo in range(0, len(rows), _CHUNK):  # a few rows gathered at a time
            part = vector[rows[lo : lo + _CHUNK]]
            np.take(part, at, axis=-1, out=out[lo : lo + _CHUNK], mode="clip")


def _every_row(rows: IntVec, vector: np.ndarray[Any, Any]) -> bool:
    """Whether ``rows`` are every row of the 2-D ``vector``, in order."""
    return len(rows) == len(vector) and bool((rows == np.arange(len(rows))).all())


def taken(vector: np.ndarray[Any, Any], at: IntVec, fill: object) -> np.ndarray[Any, Any]:
    """``vector[at]``, with ``fill`` where ``at`` is -1."""
    return Taking(at)(vector, fill)


def rows_in_order(
    rows: PortSetIds, row_of: IntVec, columns: IntVec, new: NewColumn | None = None
) -> tuple[PortSetIds, IntVec]:
    """``(rows, row_of)`` of one side with the classes in their new order (``columns``:
    the old class of each, -1 the ``new`` one). Without a new class every row is taken
    (the rows keep their numbers); with one, each (row, entry at the new class) pair that
    occurs is a row, and the new class's own row comes last."""
    old = row_of[np.maximum(columns, 0)]
    if new is None:
        return Taking(columns)(rows, 0, out=empty_rows(len(rows), len(columns), rows.dtype)), old
    at, entry, own = new
    others = np.flatnonzero(np.arange(len(columns)) != at)
    scale = int(entry.max()) + 1  # (row, entry) pairs as one number each: a 1-D unique
    pairs, inverse = np.unique(old[others] * scale + entry[others], return_inverse=True)
    out = empty_rows(len(pairs) + 1, len(columns), rows.dtype)
    Taking(columns)(rows, 0, rows=pairs // scale, out=out[:-1])
    out[:-1, at] = pairs % scale
    out[-1] = own
    row_of_new = np.empty(len(columns), dtype=np.intp)
    row_of_new[others] = inverse.reshape(-1)
    row_of_new[at] = len(out) - 1
    return out, row_of_new


def taken_each(
    take: Taking, vectors: list[np.ndarray[Any, Any]], fills: Sequence[object] | None, fill: object
) -> list[np.ndarray[Any, Any]]:
    """``take(vector, fill)`` for each of ``vectors`` (1-D, of one length and dtype; each
    with its own fill from ``fills`` when given), as the rows of one array: one take for
    them all, where a take of each costs a few array operations (every rule's peers and
    every policy's subjects at a renumbering: at 10k pods 2,300 vectors, at 100k 23,500).
    Vectors that are rows an earlier call made are taken from its array by runs of rows
    (:func:`_sources`), the others stacked first."""
    if not vectors:
        return []
    made = fills is not None and len(take.fills) > 0
    # one row per distinct vector (and fill): rules of equal peers share one array
    # (``compile``), and so do the rows taken of it
    place: dict[tuple[int, object], int] = {}
    at = [
        place.setdefault((id(v), fills[k] if made else None), len(place))  # type: ignore[index]
        for k, v in enumerate(vectors)
    ]
    distinct = vectors if len(place) == len(vectors) else _firsts(vectors, at, len(place))
    order, sources = _sources(distinct)
    first = distinct[0]
    out = arraypool.empty((len(distinct), len(take.at)), first.dtype)
    start = 0
    for source in sources:
        take(source, fill, out=out[start : start + len(source)])
        start += len(source)
    if made:
        assert fills is not None
        own = fills if distinct is vectors else _firsts(list(fills), at, len(place))
        own = own if order is None else [own[k] for k in order]
        out[:, take.fills] = np.array(own, dtype=out.dtype)[:, None]
    rows = list(out)
    _made[id(out)] = _Made([weakref.ref(row) for row in rows])
    for key in [key for key, kept in _made.items() if kept.refs[0]() is None]:
        del _made[key]
    by_place = rows if order is None else _placed(rows, order)
    return by_place if distinct is vectors else [by_place[k] for k in at]


def _placed(rows: list[Any], order: list[int]) -> list[Any]:
    """``rows`` put in their places (``order``: the place of each)."""
    out = [rows[0]] * len(rows)
    for row, k in zip(rows, order, strict=True):
        out[k] = row
    return out


def _sources(
    vectors: list[np.ndarray[Any, Any]],
) -> tuple[list[int] | None, list[np.ndarray[Any, Any]]]:
    """``vectors`` as blocks of rows to take in turn: runs of consecutive rows of arrays
    earlier :func:`taken_each` calls made (slices of them, not copied), and the others
    stacked, in memory :mod:`reach.engine.arraypool` keeps; and the place in ``vectors``
    of each row of the blocks, in order (None: each in its own). A renumbering takes the
    rules' peers that the last one made, most of them in order (at 100k pods a stack of
    13,500 peers cost 45-70 ms, and 3 to 10 times that in new memory; a cut of the
    segments and a renumbering took them twice in one update)."""
    owner = _made_rows(vectors)
    if owner is not None:
        return None, [owner]
    if len(vectors) * vectors[0].nbytes < _LOOKED_FROM:  # (a look costs 1 us a vector)
        return None, [_stack(vectors)]
    known = {id(v.base) for v in vectors}.intersection(_made)
    if not known:
        return None, [_stack(vectors)]
    lookup: dict[int, tuple[int, int]] = {}
    for key in known:
        lookup.update(_made[key].rows(key))
    found = [lookup.get(id(v)) for v in vectors]
    found = [  # (a row gone may have left its id to another vector)
        f if f is not None and _made[f[0]].refs[f[1]]() is v else None
        for f, v in zip(found, vectors, strict=True)
    ]
    held = [(f[0], f[1], k) for k, f in enumerate(found) if f is not None]
    if not held:
        return None, [_stack(vectors)]
    table = np.array(held, dtype=np.int64)  # (array, row, place) of each row found
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    keys, rows = table[:, 0], table[:, 1]
    starts = np.flatnonzero(np.r_[True, (np.diff(keys) != 0) | (np.diff(rows) != 1)])
    if len(starts) > _RUNS_AT_MOST:  # scattered rows: one stack of them all
        return None, [_stack(vectors)]
    ends = np.r_[starts[1:], len(rows)]
    owners: dict[int, np.ndarray[Any, Any]] = {}
    for k in {key: k for key, _, k in held}.values():  # a vector of each array
        base = vectors[k].base
        assert isinstance(base, np.ndarray)
        owners[id(base)] = base
    blocks = [
        owners[int(keys[a])][int(rows[a]) : int(rows[b - 1]) + 1]
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    order = table[:, 2].tolist()
    if len(order) == len(vectors) and len(blocks) == 1 and order == sorted(order):
        return None, blocks  # (one run, each vector in its own place)
    loose = [k for k, where in enumerate(found) if where is None]
    if loose:
        blocks.append(_stack([vectors[k] for k in loose]))
    return order + loose, blocks


def _made_rows(vectors: list[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any] | None:
    """The array an earlier :func:`taken_each` made when ``vectors`` are its rows, each
    and in order (known by identity: a row found is that row); else None."""
    owner = vectors[0].base
    made = _made.get(id(owner))
    if (
        made is not None
        and isinstance(owner, np.ndarray)
        and len(made.refs) == len(vectors)
        and all(ref() is v for ref, v in zip(made.refs, vectors, strict=True))
    ):
        return owner
    return None


#: The bytes from which vectors are looked for among the rows made before rather than
#: stacked (:func:`_sources`): at 10k pods a stack of 1,366 peers (3.3 MB) costs 0.4 ms
#: and a look 1 ms; at 100k a stack of 13,500 (318 MB) 45-70 ms and a look 15.
_LOOKED_FROM = 1 << 24

#: Runs of rows above which the rows found are stacked with the others (a take per run
#: costs a few array operations).
_RUNS_AT_MOST = 64


def _firsts(items: Sequence[Any], at: list[int], n: int) -> list[Any]:
    """The first item of each of the ``n`` places ``at`` gives the items, by place."""
    out: list[Any] = [_UNSET] * n
    for item, k in zip(items, at, strict=True):
        if out[k] is _UNSET:
            out[k] = item
    return out


_UNSET = object()


@dataclass
class _Made:
    """The rows :func:`taken_each` handed out of one array, as weak references (a row
    gone, and they no longer match)."""

    refs: list[weakref.ref[Any]]
    _rows: dict[int, tuple[int, int]] | None = None

    def rows(self, key: int) -> dict[int, tuple[int, int]]:
        """``(key, row)`` of each row by its id (found when first asked)."""
        if self._rows is None:
            self._rows = {id(ref()): (key, r) for r, ref in enumerate(self.refs)}
        return self._rows


#: What :func:`taken_each` made, by the id of the array the rows are of.
_made: dict[int, _Made] = {}


def _stack(vectors: list[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """``vectors`` as the rows of one 2-D array, in memory :mod:`reach.engine.arraypool`
    keeps."""
    first = vectors[0]
    out = arraypool.empty((len(vectors), len(first)), first.dtype)
    return np.stack(vectors, out=out)
