"""What the quick ways of a policy, a namespace or an entry point give once the change is
made in place (:class:`~reach.engine.moves.Move`): the analysis with its views carried
through, and the change compared on the nodes that hold a class whose rows changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from reach.analysis.compiled import Analysis
from reach.analysis.diff import DiffReport, diff
from reach.analysis.viewmoves import end_ids, moved_analysis
from reach.engine.moves import Move
from reach.engine.reachability import Reachability
from reach.model.cluster import Cluster


class Update(NamedTuple):
    """An update made the quick way."""

    analysis: Analysis
    change: DiffReport
    #: The ids of the nodes (at the update's granularity) the change was compared on:
    #: every pair with neither end among them is unchanged.
    among: set[str]
    #: Those of them whose pairs changed one way only: ``"into"`` (those they are the
    #: destination of), ``"out"`` (the source of).
    one_way: Mapping[str, str] = MappingProxyType({})


def moved_update(
    before: Analysis,
    cluster: Cluster,
    move: Move | None,
    by: str,
    relabelled: str | None = None,
    also: frozenset[str] = frozenset(),
    ranges: bool = False,
) -> Update | None:
    """The analysis of ``cluster`` after ``move`` (None: the change needs a compilation),
    the change at granularity ``by`` and the nodes whose pairs may have changed
    (``relabelled``: the namespace whose labels changed, if any; ``also``: nodes whose
    pairs may have changed besides those of the classes whose rows changed; ``ranges``:
    ranges moved into or out of network sets, so the change reads every node's pairs with
    the end nodes that are not the same in both views, ``viewmoves.end_ids``); None when
    the views cannot be carried."""
    if move is None:
        return None
    done = moved_analysis(before, cluster, move, by, relabelled=relabelled)
    if done is None:
        return None
    after, among, one_way = done
    among |= also
    ends = end_ids(before, after, by) if ranges or moved_ends(move, before.reachability) else set()
    read = among | ends if ranges else among
    both = also | ends  # read both ways (end nodes today; one_way holds internal ones)
    one_way = {i: way for i, way in one_way.items() if i not in both}
    change = diff(before, after, by, "before", "after", among=read, one_way=one_way)
    return Update(after, change, among | ends, one_way)


#: A move taken in turn (:func:`moves_in_turn`): the cluster after it, and the move from
#: the reachability the last step left.
Step = tuple[Cluster, Callable[[Reachability], Move | None]]


def moves_in_turn(
    before: Analysis, steps: Sequence[Step], by: str, relabelled: str | None = None
) -> Update | None:
    """The update of moves taken in turn, each from the analysis the last one left (the
    policies of one Cilium object; a policy and the namespace it brings; a namespace
    relabel, then the mesh's features read again), the change compared with the analysis
    before them all, on the nodes some step changed; None when a step needs a
    compilation."""
    taken = taken_in_turn(before, steps, by, relabelled)
    if taken is None:
        return None
    analysis, among, ends = taken
    change = diff(before, analysis, by, "before", "after", among=among)
    return Update(analysis, change, among | ends)


#: Moves taken (:func:`taken_in_turn`): the analysis after them, the ids of the nodes they
#: changed, and those of the end nodes they made anew.
Taken = tuple[Analysis, set[str], set[str]]


def taken_in_turn(
    before: Analysis, steps: Sequence[Step], by: str, relabelled: str | None = None
) -> Taken | None:
    """The analysis after the moves ``steps`` taken in turn (:func:`moves_in_turn`), the
    ids of the nodes some step changed, and those of the end nodes some step made anew;
    None when a step needs a compilation."""
    analysis, among, ends = before, set[str](), set[str]()
    for cluster, step in steps:
        move = step(analysis.reachability)
        done = moved_analysis(analysis, cluster, move, by, relabelled) if move else None
        if move is None or done is None:
            return None
        if moved_ends(move, analysis.reachability):
            ends |= end_ids(analysis, done[0], by)
        analysis, ids, _ = done  # pairs changed one way in a step may change the other next
        among |= ids
    return analysis, among, ends


def moved_ends(move: Move, before: Reachability) -> bool:
    """Whether ``move`` (from ``before``) cut the address segments again (their nodes are
    others) or shows the IPv6 ranges where ``before`` did not, or the reverse."""
    return move.cut is not None or move.segments is not None or before.ipv6 != move.x.ipv6
