"""The Calico steps of a compilation taken again over kept classes
(:mod:`reach.engine.calicomoves`, :mod:`reach.engine.calicorelabel`,
:mod:`reach.engine.calicoclasses`): the Calico rules taken as compiling takes them
(``calicoplan``, ``calicocompile``) over the kept label classes, the tiers walked again
(``calicotiers``), and the frame and the behaviour classes checked to stay."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from reach.engine.arrays import BoolVec, UIntVec
from reach.engine.atoms import cuts_of
from reach.engine.calicocompile import CalicoCompilation
from reach.engine.calicohash import Columns, answer_columns, carried, class_hashes, merge
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicoplan import CalicoPlan, calico_plan
from reach.engine.calicostate import CalicoState
from reach.engine.calicotiers import CalicoTiers
from reach.engine.namedmoves import resolution_ids
from reach.engine.policyframe import policy_frame
from reach.engine.reachability import ClassKeys, Reachability
from reach.engine.rowsagain import DIRECTIONS, rows_with, side_fields, side_tables
from reach.engine.rules import (
    CompiledRule,
    NamedKey,
    priority_ties,
)
from reach.engine.sides import SideRows
from reach.model.calico import CalicoPolicy, Profile
from reach.model.cluster import Cluster
from reach.model.ipspace import cut_finer, segments


@dataclass(frozen=True)
class CalicoSteps:
    """The Calico steps of a compilation taken again over kept classes: every rule in tier
    order, the row builder that walks the tiers, whether some policy applies to each class
    each way, the tiers and the plan."""

    rules: list[CompiledRule]
    sides: SideRows
    some: dict[str, BoolVec]
    tiers: CalicoTiers
    plan: CalicoPlan
    #: The Calico matcher the answers came from (kept for the next update).
    matcher: CalicoMatcher | None
    #: The hash of each class's answers (``calicohash``) and the columns they are of,
    #: when made.
    hashes: UIntVec | None
    columns: Columns | None
    #: The groups of classes that answer everything alike now (to be merged:
    #: :func:`reach.engine.classsplits.merged_classes`), when looked for.
    groups: list[list[int]] = field(default_factory=list)

    def moved(
        self,
        x: Reachability,
        cluster: Cluster,
        state: CalicoState,
        touched: dict[str, BoolVec],
        class_keys: ClassKeys,
    ) -> Reachability:
        """``x`` for ``cluster`` with these steps' rules and tiers, and the rows of the
        ``touched`` classes of each direction computed again."""
        state_of = self.tiers.state_of
        rows = {d: rows_with(x, d, self.sides, state_of[d], touched[d]) for d in DIRECTIONS}
        masks, ids, table = side_tables(x, rows["ingress"][2] | rows["egress"][2])
        return replace(
            x,
            cluster=cluster,
            rules=self.rules,
            **side_fields(rows, self.some),
            calico=self.tiers,
            calico_state=replace(
                state, calico_matcher=self.matcher, hashes=self.hashes, columns=self.columns
            ),
            class_keys=class_keys,
            diagnostics=priority_ties(self.rules),
            _side_masks=masks,
            _side_ids=ids,
            _and=table,
        )


def calico_steps(
    state: CalicoState,
    x: Reachability,
    cluster: Cluster,
    others: list[CompiledRule],
    merges: bool = True,
    plan: CalicoPlan | None = None,
    gone: list[NamedKey] | None = None,
    tiers: CalicoTiers | None = None,
    hashed: bool = False,
    live: BoolVec | None = None,
) -> CalicoSteps | None:
    """The Calico steps of a compilation of ``cluster`` over ``state``'s classes, with the
    rules of the other kinds ``others``; None when the frame would change or the change
    tells label classes of one class apart (``merges``: whether classes may have come to
    answer alike, then found: ``CalicoSteps.groups``; looking compares every class's
    answers, most of an update's time at 100k pods; ``plan``: the cluster's, when made
    already; ``gone``: port names of ``state``'s that no rule of ``cluster`` names any
    more, which the merge groups do not read: :mod:`reach.engine.namedmoves`; ``tiers``:
    the tiers before over ``state``'s classes, whose owners' counts are taken again
    where their subjects are the same arrays: ``x``'s by default; ``hashed``: the hashes
    are made even where no merge is looked for, as beside the mesh layer, which numbers
    the classes by them: :mod:`reach.engine.calicomesh`; ``live``: the label classes with
    pods, when the others may answer otherwise than their class and are left aside, as
    the keys of a namespace or account whose last pod went, which Calico's plan no longer
    gives its Profile: they are known with no class right after, ``podupdate._emptied``)."""
    plan = plan or calico_plan(cluster)
    named = [key for key in state.named_ports if key not in (gone or [])]
    if not _same_frame(state, x, plan, named):
        return None
    calico = CalicoCompilation(cluster, plan)
    names = list(state.matcher.namespace_position)
    kept = kept_matcher(state, cluster)  # or made again
    vectors = calico.match(
        state.labels, cluster, names, state.matcher.peer_segments, x.segments, kept
    )
    representative = state.classes.representatives()
    if live is not None:  # podless label classes aside (forgotten after: podupdate._emptied)
        representative = np.where(live, representative, np.arange(len(representative)))
    if any(not np.array_equal(v, v[representative]) for v in vectors):
        return None  # the change tells label classes of one class apart
    calico.in_classes(state.classes.first_label_class)
    rules = calico.rules(others, state.masks, state.named_ports, len(x.pseudo))
    sides, some = calico.walked(
        state.policies, state.subjects, rules, state.masks, tiers if tiers is not None else x.calico
    )
    assert calico.tiers is not None and x.calico is not None
    hashes, columns = _hashes(state, x, rules, calico.tiers, merges or hashed)
    groups = []
    if merges and hashes is not None and columns is not None:
        n, resolution = x.n_internal, state.masks.resolution_of[: x.n_internal]
        if gone:  # classes told apart by a name no rule names any more merge
            resolution = resolution_ids(state, named)
        groups = merge(hashes, resolution, columns, n)
    steps = CalicoSteps(rules, sides, some, calico.tiers, plan, calico.matcher, hashes, columns)
    return replace(steps, groups=groups)


def is_calico(rule: CompiledRule) -> bool:
    """Whether ``rule`` is a Calico policy's or a Profile's (taken again by the steps)."""
    return isinstance(rule.policy, CalicoPolicy | Profile)


def other_rules(rules: list[CompiledRule]) -> list[CompiledRule]:
    """The rules of the other kinds (NetworkPolicies, admin and Cilium policies), in order:
    those the Calico steps are given beside Calico's own."""
    return [rule for rule in rules if not is_calico(rule)]


def kept_matcher(state: CalicoState, cluster: Cluster) -> CalicoMatcher | None:
    """The kept Calico matcher of ``state`` while it answers for ``cluster``: made with its
    network sets (None: made again when needed), given its Services."""
    kept = state.calico_matcher
    if kept is None or kept.network_sets != cluster.calico.network_sets:
        return None
    return kept if kept.services is cluster.services else kept.with_services(cluster.services)


def _hashes(
    state: CalicoState,
    x: Reachability,
    rules: list[CompiledRule],
    tiers: CalicoTiers,
    merges: bool,
) -> tuple[UIntVec | None, Columns | None]:
    """The hash of each class's answers after the change (:mod:`reach.engine.calicohash`)
    and the columns they are of: those kept, with the columns that changed taken out and
    put back; made from every answer the first time merges are looked for (None until
    then)."""
    if state.hashes is None and not merges:
        return None, None
    n = x.n_internal
    host = state.labels.host_network[state.classes.first_label_class]
    after = answer_columns(rules, tiers.owners, host)
    if state.hashes is not None and state.columns is not None:
        return carried(state.hashes, state.columns, after, n), after
    return class_hashes(after, n), after


def _same_frame(
    state: CalicoState, x: Reachability, plan: CalicoPlan, named: list[NamedKey]
) -> bool:
    """Whether a compilation of ``cluster`` has ``x``'s label classes (the named ports
    used are ``named``: ``state``'s, or some of them while names go), address segments
    (or coarser ones, while a change cuts them: :mod:`reach.engine.segmentmoves`) and port
    atoms (cuts no rule makes any more may stay: finer atoms hold the same port sets)."""
    frame = policy_frame(state.policies, state.masks.numeric_of)
    if sorted(frame.named | plan.named_ports) != named:
        return False
    blocks = frame.blocks + plan.blocks
    if (
        not cut_finer(x.segments, segments(blocks))
        or any(b.cidr.version == 6 for b in blocks) != x.ipv6
    ):
        return False
    starts = x.atoms.starts
    return all(
        set(cut) <= set(starts.get(proto, ()))
        for cuts in (frame.cuts, cuts_of(plan.port_sets))
        for proto, cut in cuts.items()
    )
