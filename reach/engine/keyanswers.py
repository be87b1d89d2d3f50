"""The signature of one label class key, as compiling computes it for every label class.

A pod with labels no pod had before (a rollout's new ``pod-template-hash``, a label
changed) makes a new label class; it joins the behaviour class whose signature (its answer
to every policy and rule peer, and its named-port resolution: :func:`classes.signatures`)
it shares, which this module computes for that one key with the same :class:`Matcher`
over a cluster of one label class and one namespace (with Cilium policies, the same
:class:`CiliumMatcher` too). Beside Calico's tiers it answers the other kinds' policies only
(``reach.engine.calicoclasses`` asks Calico's answers of the key); compiling Istio objects keeps no
:class:`KeyAnswers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import TypeVar

import numpy as np

from reach.engine.ciliummatch import CiliumMatcher
from reach.engine.classes import (
    KeyOf,
    LabelKey,
    NamedPorts,
    classes_of_keys,
)
from reach.engine.labelindex import LabelIndex
from reach.engine.matching import Matcher
from reach.engine.projections import Projections
from reach.engine.rules import AnyPolicy, AnyRule, NamedKey, rule_triples
from reach.model.calico import CalicoPolicy, Profile
from reach.model.calicoselector import Equal, Has, In, NotEqual, NotIn, StringTest
from reach.model.cilium import CiliumPolicy
from reach.model.cluster import AdminPolicy, Namespace, NetworkPolicy, Rule
from reach.model.selectors import LabelSelector, Requirement
from reach.model.services import Service


class _Only(dict[str, int]):
    """The position of the one namespace of a single-key matcher; -1 for every other."""

    def __missing__(self, name: str) -> int:
        return -1


@dataclass(frozen=True)
class KeyAnswers:
    """What a compilation asks of every label class: its policies and rules in order."""

    policies: list[AnyPolicy]
    rules: list[tuple[AnyPolicy, AnyRule, str]]
    namespaces: dict[str, Namespace]
    named: list[NamedKey]
    key_of: KeyOf
    #: The input's Services when it has Cilium policies (``toServices`` selects the pods
    #: behind them); None when it has none.
    services: list[Service] | None = None
    #: With Calico's tiers: what holds the Calico rules (the ``CalicoPlan``: the label keys
    #: of its selectors count in projections, and so do every Service's selector's, which
    #: a rule's ``services`` reads) and the input's Services. :meth:`answers_of` then
    #: gives None (:meth:`asked` answers the other kinds, ``reach.engine.calicoclasses``
    #: Calico's).
    calico: tuple[object, ...] = ()
    calico_services: tuple[Service, ...] = ()
    #: The behaviour class of each projected key seen (:meth:`projection`), filled as
    #: classes are looked up: a fact of this compilation, shared by every update of it.
    projected: Projections = field(default_factory=Projections)
    _selector_keys: list[frozenset[str]] = field(default_factory=list)
    #: What :meth:`asked` asks, for the policies and rules it was found for (filled when
    #: first needed; shared by the copies of these answers, checked by identity).
    _asked_of: _Kept[_Asking] = field(default_factory=list, compare=False, repr=False)
    #: The label keys the policies name (:meth:`_policies_keys`), with the policy list and
    #: Services they are of (as ``_asked_of``).
    _policies_keys_of: _Kept[frozenset[str]] = field(
        default_factory=list, compare=False, repr=False
    )

    def carried(
        self,
        policies: list[AnyPolicy],
        rules: list[tuple[AnyPolicy, AnyRule, str]],
        namespaces: dict[str, Namespace],
        added: object | None,
        calico: tuple[object, ...] | None = None,
    ) -> KeyAnswers:
        """These answers for changed policies or namespaces where every key compiled kept
        its behaviour class (``added``: the policy that came in, if any, of any kind;
        ``calico``: the Calico policies and profiles now, when they changed). The
        projections found so far stay while ``added`` names no label key they leave out: a
        projection onto more keys than the selectors name still gives keys of one
        projection the same answers."""
        selector_keys = list(self._selector_keys)
        projected = self.projected.copy()
        if added is not None and self.names_more(added):
            selector_keys, projected = [selector_keys[0] | self._keys_of(added)], Projections()
        return replace(
            self,
            policies=policies,
            rules=rules,
            namespaces=namespaces,
            calico=self.calico if calico is None else calico,
            projected=projected,
            _selector_keys=selector_keys,
        )

    def rules_of(self, policies: list[AnyPolicy]) -> list[tuple[AnyPolicy, AnyRule, str]]:
        """The rules of ``policies`` in order, as :func:`~reach.engine.rules.rule_triples`
        gives them: these answers' own list when they are the same list (what :meth:`asked`
        found for it is then kept: made again, 1.5 ms at 10k pods beside Calico's tiers)."""
        return self.rules if policies is self.policies else rule_triples(policies)

    def names_more(self, added: object) -> bool:
        """Whether the policy ``added`` names a label key that the projections made so far
        leave out (none made: False)."""
        return bool(self._selector_keys) and not self._keys_of(added) <= self._selector_keys[0]

    def _keys_of(self, added: object) -> set[str]:
        """The label keys the selectors of ``added`` (a policy of any kind) name."""
        found: set[str] = set()
        _named_keys(added, found)
        if isinstance(added, CiliumPolicy):
            found |= self._service_keys(added)
        if self.calico and names_services(added):
            found |= _service_selector_keys(self.calico_services)
        return found

    def with_calico_services(self, services: tuple[Service, ...]) -> KeyAnswers:
        """These answers, beside Calico's tiers, with the input's Services now
        ``services``: projections made so far read their selectors' keys too (the
        projected classes are found again when next needed)."""
        selector_keys = list(self._selector_keys)
        if selector_keys:
            selector_keys = [selector_keys[0] | _service_selector_keys(services)]
        return replace(
            self, calico_services=services, projected=Projections(), _selector_keys=selector_keys
        )

    def with_services(self, services: list[Service] | None) -> KeyAnswers:
        """These answers with Cilium's Services now ``services`` (None: no Cilium policy),
        their projections made again when next needed (not shared with these)."""
        return replace(self, services=services, projected=Projections(), _selector_keys=[])

    def with_calico_plan(self, plan: object, added: Sequence[object]) -> KeyAnswers:
        """These answers, beside Calico's tiers, with Calico's plan now ``plan``, which is
        the plan before with the rules of the Profiles ``added`` (the first pod to carry a
        Profile of the input with rules brings its rules: ``_profile_uses``; the last going
        takes the rules out first, ``api/carrierupdate.py``): projections read the label
        keys of their selectors too (those of the plan before kept: walking a plan anew
        took 31 ms at 10k pods), and each projected class is found again when next
        needed."""
        selector_keys = list(self._selector_keys)
        if selector_keys:
            selector_keys = [selector_keys[0].union(*map(self._keys_of, added))]
        return replace(self, calico=(plan,), projected=Projections(), _selector_keys=selector_keys)

    def projection(self, key: LabelKey) -> LabelKey:
        """``key`` with only the labels whose key some selector of the policies names.

        A selector reads only the labels of the keys it names (``matchLabels`` and the
        four operators), so two label class keys with one projection get the same answer
        from every selector, and are in one behaviour class."""
        if not self._selector_keys:
            found = set(self._policies_keys())
            if self.calico:
                _named_keys(list(self.calico), found)
                found |= _service_selector_keys(self.calico_services)
            self._selector_keys.append(frozenset(found))
        named = self._selector_keys[0]
        return (key[0], tuple(kv for kv in key[1] if kv[0] in named), *key[2:])

    def _policies_keys(self) -> frozenset[str]:
        """The label keys the policies' selectors name (and those of the Services a Cilium
        policy may name), kept with the policy list and Services they are of: Calico's plan
        changes as pods come and go (the first or last pod of a namespace or account), and
        the projections are made again, of the same policies (at 100k pods 10,000 of them,
        70-90 ms)."""
        return _kept(self._policies_keys_of, (self.policies, self.services), self._read_keys)

    def _read_keys(self) -> frozenset[str]:
        found: set[str] = set()
        _named_keys(self.policies, found)
        for policy in self.policies:
            found |= self._service_keys(policy)
        return frozenset(found)

    def _service_keys(self, policy: AnyPolicy) -> set[str]:
        """The label keys of the selectors of the Services a Cilium policy's ``toServices``
        may name (every Service's: which it names does not depend on pods)."""
        if not isinstance(policy, CiliumPolicy) or not any(r.services for r in policy.rules):
            return set()
        return _service_selector_keys(self.services or ())

    def projected_class(
        self, key: LabelKey, known: list[LabelKey], classes: list[int]
    ) -> int | None:
        """The behaviour class of a key with ``key``'s projection, among the keys compiled
        (``known``, of behaviour classes ``classes``) and those found since; None when no
        key had it. A key's projection keeps its namespace, so the keys compiled are
        projected a namespace at a time, the first time a key of it is asked (at 100k pods
        all 42,506 at once took 150-250 ms of the first pod event after every policy that
        names a label key no selector named)."""
        projected, space = self.projected, key[0]
        if space not in projected.spaces:
            projected.spaces.add(space)
            for seen, cls in zip(known, classes, strict=True):
                # -1: a key whose class is gone (reach.engine.classmoves)
                if cls >= 0 and seen[0] == space:
                    projected.put(self.projection(seen), cls)
        return projected.get(self.projection(key))

    def matcher(self, key: LabelKey) -> Matcher | None:
        """A matcher over the one label class ``key`` (and no segments); None when its
        namespace is not known."""
        namespace = self.namespaces.get(key[0])
        if namespace is None:
            return None
        position = _Only({key[0]: 0})
        labels = classes_of_keys(
            [key], np.zeros(0, dtype=np.intp), position, self.named, self.key_of
        )
        cilium = None
        if self.services is not None:
            cilium = CiliumMatcher(
                labels, namespaces=[namespace], services=self.services, segments=[]
            )
        return Matcher(
            labels,
            namespace_labels=LabelIndex([namespace.labels]),
            namespace_position=position,
            segments=[],
            cilium=cilium,
        )

    def answers_of(self, key: LabelKey) -> tuple[list[bool], NamedPorts] | None:
        """The answers of label class ``key`` (whether each policy selects it, then whether
        each rule's peers hold it, in order) and its named-port resolution; None when its
        namespace is not known, or with Calico's tiers (their answers are not computed
        here: :meth:`asked` gives the others', ``reach.engine.calicoclasses`` Calico's)."""
        return None if self.calico else self.asked(key)

    def asked(self, key: LabelKey) -> tuple[list[bool], NamedPorts] | None:
        """:meth:`answers_of`, of the policies of kinds other than Calico's alone beside
        Calico's tiers."""
        matcher = self.matcher(key)
        if matcher is None:
            return None
        asking = self._asking()
        answers = [False] * (len(self.policies) + len(self.rules))
        for k in asking.asked(asking.policies, key[0]):
            answers[k] = bool(matcher.selected(self.policies[k])[0])
        for k in asking.asked(asking.rules, key[0]):
            policy, rule, _ = self.rules[k]
            answers[len(self.policies) + k] = bool(matcher.rule_peers(rule, policy)[0][0])
        return answers, matcher.label_classes.named_ports[0]

    def _asking(self) -> _Asking:
        """Which policies and rules can answer yes to a key of each namespace, found once
        for these policies and rules (kept with them, as every update keeps the lists of an
        unchanged policy set)."""
        return _kept(
            self._asked_of,
            (self.policies, self.rules),
            lambda: _Asking.made(self.policies, self.rules),
        )


T = TypeVar("T")
#: A value kept with the objects it was made of (one pair, or none yet).
_Kept = list[tuple[tuple[object, ...], T]]


def _kept(holder: _Kept[T], of: tuple[object, ...], make: Callable[[], T]) -> T:
    """The value ``holder`` keeps for the objects ``of`` (the same objects, by identity),
    else ``make()``, kept for them."""
    if holder and all(a is b for a, b in zip(holder[0][0], of, strict=True)):
        return holder[0][1]
    value = make()
    holder[:] = [(of, value)]
    return value


@dataclass(frozen=True)
class _Asking:
    """The policies and rules (by their place) whose answer to a key can be yes: those of
    every namespace, and those only of keys of their own namespace (a NetworkPolicy, and
    its rules whose peers hold pods of its namespace only: :func:`_peers_at_home`). At
    100k pods a key is asked 23,466 answers, of which some 4,600 can be yes; reading every
    policy and rule to know which took 15-25 ms of each new key."""

    #: (asked of every key, asked of keys of a namespace only, by namespace)
    policies: tuple[list[int], dict[str, list[int]]]
    rules: tuple[list[int], dict[str, list[int]]]

    @staticmethod
    def made(policies: list[AnyPolicy], rules: list[tuple[AnyPolicy, AnyRule, str]]) -> _Asking:
        own: dict[str, list[int]] = {}
        every = []
        for k, policy in enumerate(policies):
            if type(policy) is NetworkPolicy:
                own.setdefault(policy.namespace, []).append(k)
            else:
                every.append(k)
        own_rules: dict[str, list[int]] = {}
        every_rule = []
        for k, (policy, rule, _) in enumerate(rules):
            if type(policy) is NetworkPolicy and _peers_at_home(policy, rule):
                own_rules.setdefault(policy.namespace, []).append(k)
            else:
                every_rule.append(k)
        return _Asking((every, own), (every_rule, own_rules))

    @staticmethod
    def asked(of: tuple[list[int], dict[str, list[int]]], namespace: str) -> list[int]:
        """The places asked of a key of ``namespace``."""
        return [*of[0], *of[1].get(namespace, ())]


def _peers_at_home(policy: AnyPolicy, rule: AnyRule) -> bool:
    """Whether a NetworkPolicy rule names only pods of its own namespace (each peer a pod
    selector without a namespace selector, or an ipBlock, which holds no pod): its peers
    hold none of another namespace's pods (``Matcher.rule_peers``), as the policy selects
    none of them (``Matcher.selected``)."""
    if type(policy) is not NetworkPolicy or not isinstance(rule, Rule) or rule.peers is None:
        return False
    return all(p.namespace_selector is None or p.ip_block is not None for p in rule.peers)


def _service_selector_keys(services: Iterable[Service]) -> set[str]:
    """The label keys the selectors of ``services`` read."""
    return {k for s in services for k, _ in s.selector or ()}


def names_services(policy: object) -> bool:
    """Whether a Calico policy has a rule with an end of Services (``services``)."""
    if not isinstance(policy, CalicoPolicy | Profile):
        return False
    return any(
        end.service is not None
        for rule in (*policy.ingress, *policy.egress)
        for end in (rule.source, rule.destination)
    )


def _named_keys(obj: object, found: set[str]) -> None:
    """Add to ``found`` the label key of every selector requirement within ``obj`` (model
    objects: dataclasses, and the lists, tuples and sets that hold them). NetworkPolicies
    and admin policies are read by their selectors (many share selector objects)."""
    seen: set[int] = set()
    rest: list[object] = []
    for item in obj if isinstance(obj, list) else [obj]:
        if isinstance(item, NetworkPolicy | AdminPolicy):
            for selector in _selectors(item):
                if selector is not None and id(selector) not in seen:
                    seen.add(id(selector))
                    found.update(r.key for r in selector.requirements)
        else:
            rest.append(item)
    _walk(rest, found)


def _selectors(policy: NetworkPolicy | AdminPolicy) -> Iterator[LabelSelector | None]:
    """Every label selector of the policy: its subjects' and its rule peers'."""
    if isinstance(policy, NetworkPolicy):
        yield policy.pod_selector
    else:
        yield policy.subject.pod_selector
        yield policy.subject.namespace_selector
    for rule in (*policy.ingress, *policy.egress):
        for peer in rule.peers or ():
            yield peer.pod_selector
            yield peer.namespace_selector


def _walk(obj: object, found: set[str]) -> None:
    """:func:`_named_keys` of any model objects, walked field by field."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Requirement | Has | Equal | NotEqual | In | NotIn | StringTest):
            found.add(item.key)
        elif isinstance(item, list | tuple | frozenset | set):
            stack.extend(item)
        elif is_dataclass(item) and not isinstance(item, type):
            names = _FIELDS.get(type(item))
            if names is None:
                names = _FIELDS[type(item)] = tuple(f.name for f in fields(item))
            stack.extend(getattr(item, name) for name in names)


#: The field names of each model dataclass met.
_FIELDS: dict[type, tuple[str, ...]] = {}
