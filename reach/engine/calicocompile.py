"""Calico in the engine's five steps (see ``compile``): the hooks the compiler calls.

1. The plan (``calicoplan``): the Calico rules, their port bounds, named ports and
   CIDRs, added to the compilation's before it starts.
2. ``match``: the rules' ends and the policies' selections over label classes
   (``calicomatch``), which join the answers that make behaviour classes;
   ``in_classes`` then takes them to behaviour classes.
3. ``rules``: each Calico rule as a :class:`CompiledRule` (its policy's subjects
   narrowed by its own end, its other end as peers, its ports as masks:
   ``calicoports``), all rules sorted into Calico's tier order.
4. ``sides``: the rows of each direction through Calico's tiers (``calicotiers``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reach.engine.arrays import BoolVec, IntVec, PortSetIds
from reach.engine.atoms import Mask
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicoplan import (
    CalicoAnswers,
    CalicoEntry,
    CalicoPlan,
    calico_evaluated,
    calico_plan,
)
from reach.engine.calicoports import rule_mask
from reach.engine.calicotiers import CalicoTiers, calico_tiers, sort_rules, tier_of
from reach.engine.classes import LabelClasses
from reach.engine.portmasks import RuleMasks
from reach.engine.rules import AnyPolicy, CompiledPolicy, CompiledRule, NamedKey
from reach.engine.sides import SideRows
from reach.model.calico import CalicoPolicy
from reach.model.cluster import Cluster
from reach.model.ipspace import IPBlock, IPRange


@dataclass
class CalicoCompilation:
    """The Calico part of one compilation."""

    cluster: Cluster
    plan: CalicoPlan
    answers: CalicoAnswers | None = None
    first: IntVec | None = None
    host_network: BoolVec | None = None
    tiers: CalicoTiers | None = None
    #: The matcher of step 2 (kept for updates: ``reach.engine.calicomoves``).
    matcher: CalicoMatcher | None = None
    _label_host: BoolVec = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @staticmethod
    def of(cluster: Cluster) -> CalicoCompilation | None:
        """The Calico part, when Calico's tiers decide (enforced policies or Profiles)."""
        if not calico_evaluated(cluster):
            return None
        return CalicoCompilation(cluster, calico_plan(cluster))

    def match(
        self,
        labels: LabelClasses,
        cluster: Cluster,
        namespace_names: list[str],
        of_block: Callable[[IPBlock], BoolVec],
        segments: list[IPRange],
        matcher: CalicoMatcher | None = None,
    ) -> list[BoolVec]:
        """Step 2: every Calico answer over label classes (host networking included, which
        decides whether a pod has profiles); ``matcher``: one made for these label classes,
        namespaces, network sets, Services and segments before (its answers are cached)."""
        if matcher is None:
            matcher = CalicoMatcher(
                labels,
                namespaces=[cluster.namespaces[name] for name in namespace_names],
                network_sets=cluster.calico.network_sets,
                services=cluster.services,
                of_block=of_block,
                segments=segments,
            )
        self.matcher = matcher
        self.answers = self.plan.answers(matcher)
        self._label_host = labels.host_network
        return [*self.answers.vectors(), labels.host_network]

    def in_classes(self, first: IntVec) -> None:
        """The first label class of each behaviour class (answers agree inside a class)."""
        self.first = first
        self.host_network = self._label_host[first]

    def rules(
        self, rules: list[CompiledRule], masks: RuleMasks, named: list[NamedKey], n_pseudo: int
    ) -> list[CompiledRule]:
        """Step 3: the Calico rules as compiled rules, then every rule in tier order.
        ``n_pseudo``: the Cilium pseudo peers after the segments, which no Calico rule holds."""
        pseudo = np.zeros(n_pseudo, dtype=bool)
        assert self.answers is not None and self.first is not None
        first, answers = self.first, self.answers
        masked = _Masked(masks, named, len(self.plan.entries))
        for e, entry in enumerate(self.plan.entries):
            owner = entry.owner
            policy = owner if isinstance(owner, CalicoPolicy) else owner.profile
            rules.append(
                CompiledRule(
                    policy=policy,
                    rule=entry.rule,
                    direction=entry.direction,
                    selected=answers.own[e][first],
                    peers=np.concatenate(
                        [answers.peer_pods[e][first], answers.peer_segments[e], pseudo]
                    ),
                    mask=masked(entry),
                    tier=tier_of(policy),
                    action=entry.rule.action,
                    resolution_of=masks.resolution_of,
                )
            )
        return sort_rules(rules, self.cluster.calico.ordered_tiers())

    def sides(
        self,
        policies: list[AnyPolicy],
        subjects: list[BoolVec],
        rules: list[CompiledRule],
        masks: RuleMasks,
    ) -> dict[str, tuple[PortSetIds, IntVec, BoolVec]]:
        """Step 4: ``(rows, row_of, some policy applies)`` per direction (ingress, egress)."""
        rows, some = self.walked(policies, subjects, rules, masks)
        assert self.tiers is not None
        out = {}
        for d in ("ingress", "egress"):
            row, row_of = rows.build(d, self.tiers.state_of[d])
            out[d] = (row, row_of, some[d])
        return out

    def walked(
        self,
        policies: list[AnyPolicy],
        subjects: list[BoolVec],
        rules: list[CompiledRule],
        masks: RuleMasks,
        before: CalicoTiers | None = None,
    ) -> tuple[SideRows, dict[str, BoolVec]]:
        """The row builder that walks Calico's tiers (``self.tiers``, made here), and per
        direction whether some policy applies to each class (``before``: the tiers of a
        walk over the same classes, whose counts are taken again: ``calicotiers``)."""
        assert self.answers is not None and self.first is not None
        assert self.host_network is not None
        owners: list[tuple[CompiledPolicy, BoolVec, BoolVec]] = [
            (p, sel, sel) for p, sel in zip(policies, subjects, strict=True)
        ]
        selected = self.answers.selected
        owners += [
            (p, selected["ingress"][i][self.first], selected["egress"][i][self.first])
            for i, p in enumerate(self.plan.policies)
        ]
        self.tiers, some = calico_tiers(
            self.cluster.calico.ordered_tiers(),
            rules,
            owners,
            self.host_network,
            masks.atoms.all_int,
            before,
        )
        rows = SideRows(
            rules,
            masks.atoms,
            n_internal=len(self.first),
            resolution_of=masks.resolution_of,
            walk=self.tiers.walk,
        )
        return rows, some


class _Masked:
    """The mask of each Calico rule over ``masks``, kept with them (an update takes the
    same rules over the same masks again; at most ``2 * entries`` kept)."""

    def __init__(self, masks: RuleMasks, named: list[NamedKey], entries: int) -> None:
        self.masks, self.named = masks, named
        self.kept = masks.kept(("calico", tuple(named)))
        if len(self.kept) > 2 * entries:
            self.kept.clear()

    def __call__(self, entry: CalicoEntry) -> Mask:
        key = (id(entry.rule), id(entry.service))
        found = self.kept.get(key)
        if found is None or found[0] is not entry.rule or found[1] is not entry.service:
            mask = rule_mask(
                entry.rule,
                entry.service,
                atoms=self.masks.atoms,
                named=self.named,
                resolutions=self.masks.resolutions,
            )
            found = self.kept[key] = (entry.rule, entry.service, mask)
        return found[2]
