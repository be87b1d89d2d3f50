"""The class pairs between two resolved endpoints, and questions asked of all of them at once.

Classes are internal ones first, then external segments (``n_internal + segment``).
A class pair stands for every pod pair it holds, except a pod with itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reach.audit.context import CHUNK, Context, range_text
from reach.audit.verify.endpoints import ResolvedEndpoint
from reach.engine.arrays import BoolVec, IntVec


@dataclass
class ClassPairs:
    """Classes of the two endpoints, their pod counts, and which class pairs hold pairs."""

    src: IntVec  # classes: internal ones first, then external segments
    dst: IntVec
    src_count: npt.NDArray[np.int64]
    dst_count: npt.NDArray[np.int64]
    valid: BoolVec  # (len(src), len(dst)): holds a pair of two different endpoints
    counts: npt.NDArray[np.int64]  # (len(src), len(dst)): how many such pairs


def _classes_of(ctx: Context, endpoint: ResolvedEndpoint) -> tuple[IntVec, npt.NDArray[np.int64]]:
    """The classes of the endpoint's pods and segments, and how many of its pods each holds
    (1 for a segment)."""
    n = ctx.n_internal
    counts = np.bincount(ctx.pod_class[endpoint.pods], minlength=n)
    internal = np.flatnonzero(counts)
    classes = np.concatenate([internal, n + endpoint.segments]).astype(np.intp)
    return classes, np.concatenate([counts[internal], np.ones(len(endpoint.segments), np.int64)])


def class_pairs(ctx: Context, src: ResolvedEndpoint, dst: ResolvedEndpoint) -> ClassPairs:
    """Every class pair from ``src`` to ``dst`` with its count of pod pairs, a pod held by
    both ends not paired with itself."""
    n = ctx.n_internal
    sc, scount = _classes_of(ctx, src)
    dc, dcount = _classes_of(ctx, dst)
    common = np.intersect1d(src.pods, dst.pods)
    shared = np.bincount(ctx.pod_class[common], minlength=max(n, 1))
    same = (sc[:, None] == dc[None, :]) & (sc[:, None] < n)
    self_pairs = np.where(same, shared[np.minimum(sc, max(n - 1, 0))][:, None], 0)
    counts = (scount[:, None] * dcount[None, :] - self_pairs).astype(np.int64)
    return ClassPairs(sc, dc, scount, dcount, counts > 0, counts)


def pairs_where(ctx: Context, pairs: ClassPairs, test: Callable[[int], bool]) -> BoolVec:
    """``test`` of the allowed port mask (as an int) of every class pair of ``pairs``,
    looked up per distinct port-set id, by blocks of rows."""
    reachability = ctx.reachability
    reachability.and_table()  # every id a pair can have is interned from here on
    table = np.array([test(v) for v in reachability.atoms.values], dtype=bool)
    out = np.empty((len(pairs.src), len(pairs.dst)), dtype=bool)
    for lo in range(0, len(pairs.src), CHUNK):
        rows = slice(lo, lo + CHUNK)
        out[rows] = table[reachability.ids(pairs.src[rows], pairs.dst)]
    return out


def count_hits(
    ctx: Context, pairs: ClassPairs, hit: BoolVec, src: ResolvedEndpoint, dst: ResolvedEndpoint
) -> tuple[int, list[str]]:
    """Pod pairs among the hit class pairs, and the external ranges involved (joined where
    adjacent, cut to the addresses each endpoint names)."""
    n = ctx.n_internal
    internal = (pairs.src[:, None] < n) & (pairs.dst[None, :] < n)
    pod_pairs = int(pairs.counts[hit & internal].sum())
    ranges: list[str] = []
    for classes, axis, endpoint in ((pairs.src, 1, src), (pairs.dst, 0, dst)):
        used = classes[np.asarray(hit.any(axis=axis))]
        for joined in ctx.segment_ranges(int(c) - n for c in used.tolist() if c >= n):
            ranges += [range_text(p) for p in joined.clip(endpoint.addresses)]
    return pod_pairs, ranges


def count_text(pod_pairs: int, ranges: list[str], what: str) -> str:
    """``3 violating pod pairs and 1 external range``."""
    parts = []
    if pod_pairs:
        parts.append(f"{pod_pairs} {what} pod pair{'s' if pod_pairs != 1 else ''}")
    if ranges:
        parts.append(f"{len(ranges)} external range{'s' if len(ranges) != 1 else ''}")
    return " and ".join(parts)
