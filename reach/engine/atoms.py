"""Port atoms: the port space cut at every boundary any rule uses.

Each (protocol, port-interval) atom is wholly in or out of every port set the
policies can produce, so a port set becomes a bitmask over atoms, stored as
``W`` uint64 words: unions and intersections of port sets are ORs and ANDs.
The same mask as a Python int (bit i is atom i) serves the tier walk of
``sides``. Masks are interned: each distinct one gets an id (0 is the empty
set), and the rows of ``sides`` and ``reachability`` hold these ids.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from reach.engine.arrays import IntVec
from reach.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet

Mask = npt.NDArray[np.uint64]


class PortAtoms:
    """Atoms for the given port sets; any of them converts to a mask and back exactly."""

    def __init__(self, portsets: Iterable[PortSet]) -> None:
        #: Where atoms start, per protocol (:func:`cuts_of`).
        self.starts = cuts_of(portsets)
        self.atoms: list[tuple[str, int, int]] = []
        self._first: dict[str, int] = {}
        for proto in PROTOCOLS:
            starts = self.starts[proto]
            self._first[proto] = len(self.atoms)
            ends = [s - 1 for s in starts[1:]] + [MAX_PORT]
            self.atoms.extend((proto, s, e) for s, e in zip(starts, ends, strict=True))
        self.words = (len(self.atoms) + 63) // 64
        self.all = self.mask(PortSet.all())
        self._text: dict[bytes, PortSet] = {}
        #: Interned masks as Python ints (bit i = atom i); ids index these and the lists below.
        self.values: list[int] = []
        self._ids: dict[int, int] = {}
        #: Interned port sets and their text, indexed by the ids :meth:`intern` returns.
        self.portsets: list[PortSet] = []
        self.texts: list[str] = []
        self._table: Mask | None = None
        self.empty_id = self.intern_int(0)  # always 0
        self.all_int = self.to_int(self.all)
        self.all_id = self.intern_int(self.all_int)

    def refined(self, portsets: Iterable[PortSet]) -> tuple[PortAtoms, IntVec] | None:
        """These atoms cut again at the bounds of ``portsets`` too, and the atom of these
        that each new atom is a part of; None when no bound is new. Every id stands for
        the same port set (its mask has each atom's bit in each of its parts), so rows of
        ids, and tables of their ANDs, hold as they are."""
        cuts = cuts_of(portsets)
        if all(set(cuts[proto]) <= set(self.starts[proto]) for proto in PROTOCOLS):
            return None
        whole = [PortSet.of(proto, lo, hi) for proto, lo, hi in self.atoms]
        out = PortAtoms([*whole, *portsets])
        part_of = np.array(
            [self._first[p] + _index(self.starts[p], lo) for p, lo, _ in out.atoms], dtype=np.intp
        )
        table = refined_masks(self.table, part_of, out.words)
        out.values = [out.to_int(row) for row in table]
        out._ids = {value: i for i, value in enumerate(out.values)}
        out.portsets, out.texts = list(self.portsets), list(self.texts)
        out._table = table
        out.empty_id = self.empty_id
        out.all_id = out._ids[out.all_int]
        return out, part_of

    # -- ints: fast bit algebra in Python for small per-pair decisions ---------------------
    def to_int(self, mask: Mask) -> int:
        return int.from_bytes(np.ascontiguousarray(mask).tobytes(), "little")

    def from_int(self, value: int) -> Mask:
        return np.frombuffer(value.to_bytes(self.words * 8, "little"), dtype=np.uint64).copy()

    def intern_int(self, value: int) -> int:
        """The id of a mask given as an int, adding it to the table when new."""
        got = self._ids.get(value)
        if got is None:
            got = self._ids[value] = len(self.values)
            self.values.append(value)
            ps = self.portset(self.from_int(value))
            self.portsets.append(ps)
            self.texts.append(str(ps))
            self._table = None
        return got

    @property
    def table(self) -> Mask:
        """``(K, W)`` masks of all interned ids, so ``table[ids]`` turns ids into masks."""
        if self._table is None or len(self._table) != len(self.values):
            self._table = np.array(
                [self.from_int(v) for v in self.values], dtype=np.uint64
            ).reshape(len(self.values), self.words)
        return self._table

    def mask(self, ps: PortSet) -> Mask:
        bits = np.zeros(self.words * 64, dtype=bool)
        for proto, ivs in ps.items():
            starts = self.starts[proto]
            base = self._first[proto]
            for lo, hi in ivs:
                i = base + _index(starts, lo)
                j = base + _index(starts, hi)
                bits[i : j + 1] = True
        return np.packbits(bits, bitorder="little").view(np.uint64)

    def touching(self, ps: PortSet) -> Mask:
        """Atoms that share at least one port with ``ps``: the filter for "allows some of ps".

        Atoms never straddle a rule boundary, so an atom holding one port of ``ps``
        is allowed exactly when that port is.
        """
        bits = np.zeros(self.words * 64, dtype=bool)
        for i, (proto, lo, hi) in enumerate(self.atoms):
            bits[i] = any(a <= hi and lo <= b for a, b in ps.intervals(proto))
        return np.packbits(bits, bitorder="little").view(np.uint64)

    def intern(self, masks: Mask) -> npt.NDArray[np.intp]:
        """Ids of the rows of a (k, W) mask array; equal masks share one id."""
        if not len(masks):
            return np.zeros(0, dtype=np.intp)
        uniq, inverse = distinct_rows(masks)
        ids = np.array([self.intern_int(self.to_int(row)) for row in uniq], dtype=np.intp)
        return ids[inverse]

    def portset(self, mask: Mask) -> PortSet:
        """The port set of a mask (cached by mask bytes: few distinct masks occur)."""
        key = mask.tobytes()
        ps = self._text.get(key)
        if ps is None:
            bits = np.unpackbits(mask.view(np.uint8), bitorder="little")
            by: dict[str, list[tuple[int, int]]] = {p: [] for p in PROTOCOLS}
            for i in np.flatnonzero(bits[: len(self.atoms)]):
                proto, lo, hi = self.atoms[int(i)]
                by[proto].append((lo, hi))
            ps = PortSet.from_mapping(by)
            self._text[key] = ps
        return ps


#: An odd constant that mixes the words of a row into one (``distinct_rows``).
_MIX = np.uint64(0x9E3779B97F4A7C15)


def distinct_rows(masks: Mask) -> tuple[Mask, npt.NDArray[np.intp]]:
    """``np.unique(masks, axis=0, return_inverse=True)``: the distinct rows of a (k, W)
    mask array in order (by word 0, then 1, ...) and the index of each row among them.
    Found by a hash of each row's words, sorted as one uint64 array, then checked row by
    row (rows of one hash that differ: the exact way); numpy sorts rows of W words as
    records, 10-20 times slower (at 100k pods most of a diff beside Calico, 160 ms)."""
    if masks.shape[1] == 0:  # no word: every row alike
        rows, exact = np.unique(masks, axis=0, return_inverse=True)
        return rows, exact.reshape(-1)
    hashed = masks[:, 0].copy()
    for w in range(1, masks.shape[1]):
        hashed *= _MIX
        hashed += masks[:, w]
    _, first, inverse = np.unique(hashed, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    uniq = masks[first]
    if not np.array_equal(uniq[inverse], masks):
        rows, exact = np.unique(masks, axis=0, return_inverse=True)
        return rows, exact.reshape(-1)
    order = np.lexsort(uniq.T[::-1])  # the last key sorts first: word 0
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return uniq[order], rank[inverse]


def refined_masks(masks: Mask, part_of: IntVec, words: int) -> Mask:
    """``(k, W)`` masks over atoms refined as :meth:`PortAtoms.refined` gives ``part_of``:
    each new atom's bit is that of the atom it is a part of (``words`` per row after)."""
    rows = masks.reshape(-1, masks.shape[-1]) if masks.ndim else masks.reshape(1, -1)
    bits = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")
    out = np.zeros((len(rows), words * 64), dtype=np.uint8)
    out[:, : len(part_of)] = bits[:, part_of]
    packed = np.packbits(out, axis=1, bitorder="little").view(np.uint64)
    return packed.reshape(*masks.shape[:-1], words) if masks.ndim > 1 else packed.reshape(words)


def cuts_of(portsets: Iterable[PortSet]) -> dict[str, list[int]]:
    """The first port of every atom the port sets cut, per protocol, sorted."""
    cuts: dict[str, set[int]] = {p: {MIN_PORT} for p in PROTOCOLS}
    for ps in portsets:
        for proto, ivs in ps.items():
            for lo, hi in ivs:
                cuts[proto].add(lo)
                if hi < MAX_PORT:
                    cuts[proto].add(hi + 1)
    return {proto: sorted(cuts[proto]) for proto in PROTOCOLS}


def _index(starts: list[int], port: int) -> int:
    """Index of the atom holding ``port``."""
    return bisect.bisect_right(starts, port) - 1
