"""A pod change beside Calico's tiers that changes which Profiles of the input with rules
some pod carries, in steps, without loading: the last pod to carry one going (deleted, or
replaced by one of another account), or the first coming when the Profile's rules name
nets, ports or port names the plan did not, or tell classes apart (their selectors read
labels no rule of the plan read).

Calico's plan holds a Profile's rules while a workload pod carries it (``kns.<namespace>``,
``ksa.<namespace>.<account>``: ``calicoplan._profile_uses``). When the last carrier
goes, the rules leave the plan: the classes only they told apart merge, and the addresses
only their nets cut are cut no more; when the first comes, they may cut the addresses and
the ports anew. A Profile changed is what the Calico quick way moves
(``calicomoves.calico_moved``: it splits and merges classes, and cuts the segments and
the port atoms anew), and a pod whose Profiles bring the plan nothing new is what the pod
quick way moves. So the update is taken in steps:

1. each such Profile has its rules taken out (the Profile kept, with no rules: it brings
   nothing to the plan, as when no pod carries it);
2. the pod's change, the pod quick way (those Profiles now bring no rules);
3. each Profile's rules put back: into the plan when a pod now carries it (the keys of
   its scope that have no pod were forgotten in step 2, as when any namespace or account
   of a Profile loses its last pod: ``podupdate._emptied``).

The change is compared with the analysis before them all, on the nodes some step
changed (as :func:`reach.api.movedupdate.moves_in_turn` does), by the caller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from reach.analysis.compiled import Analysis
from reach.api.movedupdate import Step, Taken, taken_in_turn
from reach.engine.calicomoves import calico_moved
from reach.engine.moves import Move, rows_kept
from reach.engine.reachability import Reachability
from reach.model.calico import Profile
from reach.model.cluster import Cluster


def carriers_changed(
    before: Analysis,
    after: Cluster,
    lost: Sequence[str],
    carried: tuple[frozenset[str], frozenset[str]],
    pod_step: Callable[[Analysis], Taken | None],
    by: str,
) -> Taken | None:
    """A pod change that takes the Profiles ``lost`` (names of Profiles of the input with
    rules) out of Calico's plan, or brings them in, in steps: ``after`` is the cluster
    after it (its diagnostics said again), ``carried`` those of them some pod carries
    before and after, ``pod_step`` the pod quick way from an analysis. The analysis
    after, the ids of the nodes changed and those of the end nodes made anew (the change
    is compared by :func:`reach.api.podupdate.pod_update`); None when a step needs a
    compilation.

    A Profile no pod carries brings nothing to the plan: its rules taken out or put back
    then change no row, and the step only takes the cluster (at 10k pods beside Calico a
    Profile step took 40-60 ms)."""
    cluster = before.cluster
    ruled = cluster.calico.profiles
    bare = {name: ruled[name].without_rules() for name in lost}
    outs: list[Step] = []
    middle = cluster
    for name in lost:
        middle = _with(middle, {**middle.calico.profiles, name: bare[name]})
        step = _profile_moved if name in carried[0] else _kept
        outs.append((middle, partial(step, middle, ruled[name], bare[name])))
    done = then_pod(before, outs, pod_step, by)
    if done is None:
        return None
    moved, among, ends = done
    backs: list[Step] = []
    back = moved.cluster
    for i, name in enumerate(lost):
        if i < len(lost) - 1:
            back = _with(back, {**back.calico.profiles, name: ruled[name]})
        else:  # the cluster after: its Calico objects, and what a load says of it
            back = copy.copy(back)
            back.calico, back.diagnostics = cluster.calico, after.diagnostics
        step = _profile_moved if name in carried[1] else _kept
        backs.append((back, partial(step, back, bare[name], ruled[name])))
    again = taken_in_turn(moved, backs, by)
    if again is None:
        return None
    final, more, also = again
    return final, among | more, ends | also


def framed_first(
    before: Analysis, move: Move, pod_step: Callable[[Analysis], Taken | None], by: str
) -> Taken | None:
    """A pod change that brings a Profile's rules into Calico's plan whose nets or ports
    cut the frame anew, in two steps: ``move`` (``calicomoves.calico_framed``: the frame
    cut, the rows as they were), then the pod quick way (``pod_step``), which then finds
    the frame it needs. As :func:`carriers_changed`, without the Profile's rules taken out
    and put back (their step split the class the pod joined: at 10k pods beside Calico
    the update took 100 ms so, 80-90 ms this way)."""
    return then_pod(before, [(before.cluster, lambda _: move)], pod_step, by)


def then_pod(
    before: Analysis, steps: list[Step], pod_step: Callable[[Analysis], Taken | None], by: str
) -> Taken | None:
    """The moves ``steps`` taken in turn, then the pod quick way (``pod_step``): the
    analysis after, the ids of the nodes some step changed and of the end nodes made
    anew."""
    taken = taken_in_turn(before, steps, by)
    done = pod_step(taken[0]) if taken is not None else None
    if taken is None or done is None:
        return None
    return done[0], taken[1] | done[1], taken[2] | done[2]


def _with(cluster: Cluster, profiles: dict[str, Profile]) -> Cluster:
    """``cluster`` with those Calico Profiles (a copy; the other objects shared)."""
    out = copy.copy(cluster)
    out.calico = copy.copy(cluster.calico)
    out.calico.profiles = profiles
    return out


def _kept(cluster: Cluster, old: Profile, new: Profile, x: Reachability) -> Move:
    """One Profile no pod carries changed in ``x``, to ``cluster``: no row changes (the
    keys of its scope with no pod were forgotten by the pod's step, ``podupdate._emptied``:
    their class was found with the Profile's rules out)."""
    return rows_kept(replace(x, cluster=cluster))


def _profile_moved(cluster: Cluster, old: Profile, new: Profile, x: Reachability) -> Move | None:
    """One Profile's rules changed in ``x``, to ``cluster``: the Calico quick way."""
    return calico_moved(x, cluster, old, new)
