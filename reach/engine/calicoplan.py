"""What a compilation evaluates of the Calico objects: policy rules and profile rules.

When the input has enforced Calico policies or Profiles, every policy kind is
evaluated in Calico's tiers (docs/semantics.md, "Calico policies", E1, E10, E12).
This module lists the Calico rules (of policies and of the profiles the pods
use), what they add to the port atoms, the named ports and the address cuts,
and evaluates their ends over label classes with a :class:`CalicoMatcher`.
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from reach.engine.arrays import BoolVec
from reach.engine.calicomatch import CalicoMatcher
from reach.engine.calicoports import named_keys, numeric_sets
from reach.engine.rules import NamedKey
from reach.model.calico import (
    CalicoObjects,
    CalicoPolicy,
    CalicoRule,
    EntityMatch,
    Profile,
    namespace_profile_name,
    service_account_profile_name,
)
from reach.model.cluster import Cluster, Pod
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSet
from reach.model.services import Service

#: The name of the merged generated ``kns.*`` profiles (each allows everything).
GENERATED_KNS = "kns.*"


@dataclass(frozen=True)
class ProfileUse:
    """A profile and the pods it applies to: those of ``namespaces`` (and running as
    ``service_account``, for a ``ksa.*`` profile)."""

    profile: Profile
    namespaces: tuple[str, ...]
    service_account: str | None = None

    @property
    def namespace(self) -> str:
        return ""

    @property
    def generated(self) -> bool:
        return self.profile.name == GENERATED_KNS

    @property
    def sort_key(self) -> tuple[float, str]:
        """``kns.*`` before ``ksa.*``: the order in which a pod's profiles are evaluated."""
        return (0.0 if self.profile.name.startswith("kns.") else 1.0, self.profile.name)

    def __str__(self) -> str:
        return f"profile {self.profile.name}"


CalicoOwner = CalicoPolicy | ProfileUse


@dataclass(frozen=True)
class CalicoEntry:
    """One rule of a Calico policy or profile, in one direction."""

    owner: CalicoOwner
    rule: CalicoRule
    direction: str
    service: Service | None  # the Service of ``destination.services``, if found

    @property
    def scope(self) -> str:
        """The default scope of its selectors: the policy's namespace, or everything."""
        return self.owner.namespace

    @property
    def own_end(self) -> EntityMatch:
        return self.rule.destination if self.direction == "ingress" else self.rule.source

    @property
    def other_end(self) -> EntityMatch:
        return self.rule.source if self.direction == "ingress" else self.rule.destination


@dataclass
class CalicoAnswers:
    """The entries' ends and the policies' selections over label classes (and segments)."""

    own: list[BoolVec]
    peer_pods: list[BoolVec]
    peer_segments: list[BoolVec]
    selected: dict[str, list[BoolVec]]  # direction -> per policy of ``plan.policies``

    def vectors(self) -> list[BoolVec]:
        """Every answer over label classes (for behaviour classes)."""
        return [*self.own, *self.peer_pods, *(v for d in self.selected.values() for v in d)]


@dataclass
class CalicoPlan:
    """The Calico rules of one compilation (policies in input order, then profiles)."""

    policies: list[CalicoPolicy]
    entries: list[CalicoEntry]
    named_ports: set[NamedKey] = field(default_factory=set)
    port_sets: list[PortSet] = field(default_factory=list)
    blocks: list[IPBlock] = field(default_factory=list)

    def answers(self, matcher: CalicoMatcher) -> CalicoAnswers:
        """Evaluate every entry's ends and every policy's selection."""
        own, peer_pods, peer_segments = [], [], []
        selected = {
            d: [matcher.selected(p, d) for p in self.policies] for d in ("ingress", "egress")
        }
        index = {id(p): i for i, p in enumerate(self.policies)}
        for entry in self.entries:
            owner = entry.owner
            if isinstance(owner, ProfileUse):
                subjects = _profile_pods(matcher, owner)
            else:
                subjects = selected[entry.direction][index[id(owner)]]
            own.append(subjects & matcher.entity_pods(entry.own_end, entry.scope))
            pods = matcher.entity_pods(entry.other_end, entry.scope)
            segments = matcher.entity_segments(entry.other_end, entry.scope)
            version = entry.rule.ip_version
            if version == 6:  # E11: traffic between pods is IPv4
                pods = np.zeros_like(pods)
            if version is not None:
                segments = segments & np.array(
                    [s.version == version for s in matcher.segments], dtype=bool
                )
            peer_pods.append(pods)
            peer_segments.append(segments)
        return CalicoAnswers(own, peer_pods, peer_segments, selected)


def _profile_pods(matcher: CalicoMatcher, use: ProfileUse) -> BoolVec:
    """The workload label classes a profile applies to."""
    classes = matcher.classes
    positions = [matcher.position[ns] for ns in use.namespaces if ns in matcher.position]
    hit: BoolVec = matcher.endpoints & np.isin(classes.namespace, positions)
    if use.service_account is not None:
        accounts = np.array(classes.service_accounts, dtype=object)
        hit = hit & (accounts == use.service_account)
    return hit


def holds_every_pod(rule: CalicoRule, direction: str) -> bool:
    """Whether the rule's other end matches every pod, whatever its labels (then it holds
    every representative peer; reach does not split Calico selectors into them)."""
    end = rule.source if direction == "ingress" else rule.destination
    pods_only = replace(end, ports=None, not_ports=(), not_nets=())
    return pods_only.is_empty and rule.ip_version != 6


def calico_evaluated(cluster: Cluster) -> bool:
    """Whether Calico's tiers decide: the input has enforced Calico policies or Profiles."""
    return bool(cluster.calico.policies or cluster.calico.profiles)


#: The plans of the last clusters asked (each cluster held weakly): one update asks the
#: plan of the same cluster up to three times (its steps, the classes renumbered after,
#: the next update's split before), and a cluster does not change once read.
_RECENT: list[tuple[weakref.ref[Cluster], CalicoPlan]] = []
_KEPT = 4


def calico_plan(cluster: Cluster) -> CalicoPlan:
    """The Calico rules of the cluster: enforced policies (not host-only), then the
    profiles of the workload pods (E12). Kept for the last clusters asked (the plan
    must not be changed in place)."""
    for ref, plan in _RECENT:
        if ref() is cluster:
            return plan
    plan = _made(cluster)
    _RECENT.insert(0, (weakref.ref(cluster), plan))
    del _RECENT[_KEPT:]
    return plan


def _made(cluster: Cluster) -> CalicoPlan:
    """:func:`calico_plan`, made."""
    calico = cluster.calico
    policies = [p for p in calico.policies if not p.staged and not p.host_only]
    entries = [
        CalicoEntry(policy, rule, direction, _service(cluster, rule))
        for policy in policies
        for direction in ("ingress", "egress")
        for rule in policy.rules(direction)
    ]
    for use in _profile_uses(cluster):
        entries += [
            CalicoEntry(use, rule, direction, _service(cluster, rule))
            for direction in ("ingress", "egress")
            for rule in use.profile.rules(direction)
        ]
    plan = CalicoPlan(policies, entries)
    for entry in entries:
        plan.named_ports |= named_keys(entry.rule, entry.service)
        plan.port_sets += numeric_sets(entry.rule, entry.service)
        for end in (entry.rule.source, entry.rule.destination):
            plan.blocks += [*(end.nets or ()), *end.not_nets]
    plan.blocks += [block for s in calico.network_sets for block in s.nets]
    return plan


def _service(cluster: Cluster, rule: CalicoRule) -> Service | None:
    ref = rule.destination.service
    if ref is None or not ref.namespace:
        return None
    return next(
        (s for s in cluster.services if s.namespace == ref.namespace and s.name == ref.name),
        None,
    )


@dataclass
class _Pods:
    """What is kept of one pod list (held, and known again by identity and length): how
    many workload pods each (namespace, service account) has, and the profile uses made
    of them with the Profiles they were made with (compared by identity)."""

    pods: list[Pod]
    count: int
    accounts: Counter[tuple[str, str]]
    profiles: list[tuple[str, Profile]] = field(default_factory=list)
    uses: list[ProfileUse] | None = None


#: The last two pod lists asked or moved to (:func:`pods_moved`): a policy's update keeps
#: the cluster's pods, and a pass over them took 51 ms of each update at 100k.
_KEPT_PODS: list[_Pods] = []


def _profile_uses(cluster: Cluster) -> list[ProfileUse]:
    """The profiles of the workload pods: input ``kns.<ns>`` and ``ksa.<ns>.<sa>``
    Profiles, and the generated ``kns`` ones (allow all) merged into one (kept with the
    pod list; not to be changed in place)."""
    kept = _kept_pods(cluster.pods)
    profiles = list(cluster.calico.profiles.items())
    if kept.uses is not None and _same_profiles(kept.profiles, profiles):
        return kept.uses
    kept.profiles, kept.uses = profiles, _uses_made(cluster.calico, sorted(kept.accounts))
    return kept.uses


def _same_profiles(a: list[tuple[str, Profile]], b: list[tuple[str, Profile]]) -> bool:
    return len(a) == len(b) and all(x == y and p is q for (x, p), (y, q) in zip(a, b, strict=True))


def pods_moved(before: list[Pod], after: list[Pod], gone: list[Pod], came: list[Pod]) -> None:
    """Say that the pod list ``after`` is ``before`` less ``gone`` and with ``came`` (a
    pod's update), so that the profiles of its workload pods are read from ``before``'s
    counts rather than from every pod (at 100k pods 26-60 ms of each pod event)."""
    kept = _found_pods(before)
    if kept is None:
        return
    counts = kept.accounts.copy()
    counts.subtract(_account(p) for p in gone if not p.host_network)
    counts.update(_account(p) for p in came if not p.host_network)
    _keep_pods(_Pods(after, len(after), +counts))  # unary plus: accounts with pods only


def _kept_pods(pods: list[Pod]) -> _Pods:
    """What is kept of ``pods``, counted first when nothing is."""
    kept = _found_pods(pods)
    if kept is None:
        counts = Counter(_account(p) for p in pods if not p.host_network)
        kept = _keep_pods(_Pods(pods, len(pods), counts))
    return kept


def _found_pods(pods: list[Pod]) -> _Pods | None:
    return next((k for k in _KEPT_PODS if k.pods is pods and k.count == len(pods)), None)


def _keep_pods(kept: _Pods) -> _Pods:
    _KEPT_PODS.insert(0, kept)
    del _KEPT_PODS[2:]
    return kept


def _account(pod: Pod) -> tuple[str, str]:
    return (pod.namespace, pod.service_account)


def _uses_made(calico: CalicoObjects, accounts: list[tuple[str, str]]) -> list[ProfileUse]:
    """:func:`_profile_uses`, made of the (namespace, service account) pairs that have
    workload pods, sorted."""
    namespaces = sorted({ns for ns, _ in accounts})
    uses: list[ProfileUse] = []
    generated = []
    for ns in namespaces:
        profile = calico.profiles.get(namespace_profile_name(ns))
        if profile is None:
            generated.append(ns)
        else:
            uses.append(ProfileUse(profile, (ns,)))
    if generated:
        merged = calico.profile(namespace_profile_name(generated[0]))
        uses.append(
            ProfileUse(Profile(GENERATED_KNS, merged.ingress, merged.egress), tuple(generated))
        )
    for ns, sa in accounts:
        profile = calico.profiles.get(service_account_profile_name(ns, sa))
        if profile is not None:  # a generated ksa profile has no rules
            uses.append(ProfileUse(profile, (ns,), sa))
    return uses
