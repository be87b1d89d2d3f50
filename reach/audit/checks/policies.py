"""Policies and peers that select nothing (a likely typo when a close label exists in the
target's namespace, else a target outside the input), and named ports that resolve nowhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from reach.audit.context import Context
from reach.audit.registry import Check, check
from reach.audit.report import Finding, short_list
from reach.engine.arrays import BoolVec
from reach.model.calico import CalicoRule
from reach.model.cluster import NetworkPolicy, Peer
from reach.model.selectors import LabelSelector

#: The namespace label every namespace carries (the API server sets it).
NAME_LABEL = "kubernetes.io/metadata.name"
#: How many candidates a ``did you mean`` names at most.
MAX_HINTS = 3


def edit_distance(a: str, b: str) -> int:
    """The optimal string alignment distance: insertions, deletions, substitutions and
    transpositions of two adjacent characters, each counting one."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def close_to(wanted: str, candidates: Iterable[str]) -> list[str]:
    """The candidates close to ``wanted``, nearest first: at most two edits away
    (:func:`edit_distance`), or one for a word of at most four characters."""
    limit = 1 if len(wanted) <= 4 else 2
    scored = sorted(
        (d, c) for c in set(candidates) if c != wanted and (d := edit_distance(wanted, c)) <= limit
    )
    return [c for _, c in scored[:MAX_HINTS]]


def _label_hints(
    selector: LabelSelector, label_maps: list[dict[str, str]], rows: Iterable[int]
) -> list[str]:
    """``did you mean app=orders?``: label keys or values close (:func:`close_to`) to those
    ``selector`` asks for, among the label sets ``label_maps[r]`` of the rows in scope."""
    rows = list(rows)
    hints: list[str] = []
    for req in selector.requirements:
        if req.operator not in ("In", "Exists"):
            continue
        present = [label_maps[r] for r in rows if req.key in label_maps[r]]
        if not present:
            close = close_to(req.key, (k for r in rows for k in label_maps[r]))
            if close:
                hints.append(
                    f"no pod in scope has label key {req.key!r}; close: {', '.join(close)}"
                )
            continue
        if req.operator == "In":
            values = {m[req.key] for m in present}
            if not req.values & values:
                for v in sorted(req.values):
                    hints += [f"did you mean {req.key}={c}?" for c in close_to(v, values)]
    return list(dict.fromkeys(hints))


@dataclass(frozen=True)
class Miss:
    """Why a selector matches nothing in the input.

    With ``hints`` (close candidates in the target's scope) it is a likely typo, reported
    by ``policy-selects-nothing`` or ``peer-matches-nothing``; without, its target lies
    outside the input, reported once per ``subject`` by ``outside-the-input``.
    """

    problem: str  # the typo findings' wording
    hints: tuple[str, ...]
    subject: str  # the target: "namespace kube-system", "pods app=x in namespace shop"
    outside: str  # the outside-the-input finding's first sentence
    namespace: str | None  # the target's namespace, when it is one
    them: str = "them"  # how the rest of the sentence refers to the subject


@dataclass(frozen=True)
class Reference:
    """Where a policy refers to a target: the policy, the field path, the policy's origin."""

    policy: str
    field: str
    origin: str
    peer: bool

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "field": self.field, "origin": self.origin}


def _namespace_miss(ns_sel: LabelSelector, ctx: Context) -> Miss:
    """A namespaceSelector that matches no namespace of the input."""
    namespaces = ctx.analysis.cluster.namespaces
    label_maps = [dict(namespaces[name].labels) for name in ctx.ns_names]
    hints = _label_hints(ns_sel, label_maps, range(len(label_maps)))
    problem = f"namespaceSelector {ns_sel} matches no namespace"
    name = _named_namespace(ns_sel)
    if name is not None:
        outside = f"namespace {name} is not in the input"
        return Miss(problem, tuple(hints), f"namespace {name}", outside, name, "it")
    return Miss(
        problem,
        tuple(hints),
        f"namespaces with {ns_sel}",
        f"no namespace in the input has {ns_sel}",
        None,
    )


def _named_namespace(ns_sel: LabelSelector) -> str | None:
    """The one namespace a selector names by its name label, if that is all it asks."""
    if len(ns_sel.requirements) != 1:
        return None
    (req,) = ns_sel.requirements
    if req.key != NAME_LABEL or req.operator != "In" or len(req.values) != 1:
        return None
    (name,) = req.values
    return str(name)


def _pods_miss(
    ctx: Context, pod_sel: LabelSelector | None, scope: BoolVec, problem: str, rows: BoolVec
) -> Miss:
    """No pod in the input matches ``pod_sel`` in the namespaces ``scope`` flags."""
    names = [ctx.ns_names[k] for k in np.flatnonzero(scope).tolist()]
    where = f"namespace{'s' if len(names) > 1 else ''} {short_list(names, 3)}"
    label_rows = ctx.label_rows
    hints: list[str] = []
    if pod_sel is not None and rows.any():
        hints = _label_hints(pod_sel, label_rows.maps, np.flatnonzero(rows).tolist())
    maybe = "the pods may be created by an operator or defined outside the input"
    if pod_sel is None or pod_sel.is_empty() or not rows.any():
        have = "have" if len(names) > 1 else "has"
        subject = f"pods {pod_sel} in {where}" if pod_sel and not pod_sel.is_empty() else where
        outside = f"{where} {have} no pods in the input; {maybe}"
    else:
        subject = f"pods {pod_sel} in {where}"
        outside = f"no pod in the input matches podSelector {pod_sel} in {where}; {maybe}"
    namespace = names[0] if len(names) == 1 else None
    return Miss(problem, tuple(hints), subject, outside, namespace)


def _peer_miss(
    ctx: Context, ns_sel: LabelSelector | None, pod_sel: LabelSelector | None, own: BoolVec
) -> Miss | None:
    """Why one peer matches no pod, or None when it matches some. ``own`` flags the
    policy's namespace, the scope of a peer without a namespaceSelector."""
    label_rows = ctx.label_rows
    if ns_sel is not None:
        scope = ctx.ns_index.select(ns_sel)
        if not scope.any():
            return _namespace_miss(ns_sel, ctx)
    else:
        scope = own
    rows = scope[label_rows.ns]
    hit = rows & label_rows.index.select(pod_sel) if pod_sel is not None else rows
    if hit.any():
        return None
    names = [ctx.ns_names[k] for k in np.flatnonzero(scope).tolist()]
    where = f"namespace{'s' if len(names) > 1 else ''} {short_list(names, 3)}"
    have = "have" if len(names) > 1 else "has"
    if pod_sel is None:
        problem = f"namespaceSelector {ns_sel} matches only {where}, which {have} no pods"
    elif not rows.any():
        problem = f"podSelector {pod_sel} matches no pod: {where} {have} no pods"
    else:
        problem = f"podSelector {pod_sel} matches no pod in {where}"
    return _pods_miss(ctx, pod_sel, scope, problem, rows)


def _policy_misses(ctx: Context) -> Iterator[tuple[NetworkPolicy, Miss]]:
    """Each policy whose podSelector selects no pod of the input, and why."""
    selected = ctx.reachability.policy_selected
    rows = ctx.label_rows
    for i, pol in enumerate(ctx.analysis.cluster.policies):
        if selected[i].any():
            continue
        ns = ctx.ns_pos[pol.namespace]
        scope = np.zeros(len(ctx.ns_names), dtype=bool)
        scope[ns] = True
        in_ns = rows.ns == ns
        if not in_ns.any():
            problem = (
                f"podSelector {pol.pod_selector} selects nothing: "
                f"namespace {pol.namespace} has no pods"
            )
        else:
            problem = f"podSelector {pol.pod_selector} selects no pod in namespace {pol.namespace}"
        yield pol, _pods_miss(ctx, pol.pod_selector, scope, problem, in_ns)


def _peer_misses(ctx: Context) -> Iterator[tuple[NetworkPolicy, str, Peer, Miss]]:
    """Each from/to peer (not an ipBlock) that matches no pod of the input: its policy,
    field path, the peer, and why."""
    for pol in ctx.analysis.cluster.policies:
        own = np.zeros(len(ctx.ns_names), dtype=bool)
        own[ctx.ns_pos[pol.namespace]] = True
        for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
            key = "from" if direction == "ingress" else "to"
            for rule in rules:
                for j, peer in enumerate(rule.peers or ()):
                    if peer.ip_block is not None:
                        continue
                    miss = _peer_miss(ctx, peer.namespace_selector, peer.pod_selector, own)
                    if miss is not None:
                        yield pol, f"spec.{direction}[{rule.index}].{key}[{j}]", peer, miss


@check(
    "policy-selects-nothing",
    "Policies whose podSelector selects no pod",
    "low",
    "A policy that selects no pod protects nothing: usually a label typo or a leftover of "
    "a removed workload.",
)
def policy_selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    for pol, miss in _policy_misses(ctx):
        if not miss.hints:
            continue  # outside-the-input reports it
        yield chk.finding(
            str(pol),
            f"{miss.problem} ({'; '.join(miss.hints)})",
            namespace=pol.namespace,
            details={"selector": str(pol.pod_selector), "origin": pol.origin},
        )


@check(
    "peer-matches-nothing",
    "Rule peers that match no pod or namespace",
    "medium",
    "A from/to peer whose selectors match nothing admits nobody: usually a label typo that "
    "silently blocks a connection someone relies on.",
)
def peer_matches_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    for pol, path, peer, miss in _peer_misses(ctx):
        if not miss.hints:
            continue  # outside-the-input reports it
        yield chk.finding(
            str(pol),
            f"{path}: {miss.problem} ({'; '.join(miss.hints)})",
            namespace=pol.namespace,
            details={
                "field": path,
                "namespaceSelector": None
                if peer.namespace_selector is None
                else str(peer.namespace_selector),
                "podSelector": None if peer.pod_selector is None else str(peer.pod_selector),
                "origin": pol.origin,
            },
        )


@check(
    "outside-the-input",
    "Selectors whose targets are not in the input",
    "info",
    "A rule peer or policy that targets a namespace, or pods, the input does not hold (the "
    "DNS rule to kube-system in an application repository; pods an operator creates) "
    "cannot be checked: review that the target exists where the policies are applied.",
)
def outside_the_input(ctx: Context, chk: Check) -> Iterable[Finding]:
    targets: dict[str, tuple[Miss, list[Reference]]] = {}
    for pol, miss in _policy_misses(ctx):
        if not miss.hints:
            ref = Reference(str(pol), "spec.podSelector", pol.origin, peer=False)
            targets.setdefault(miss.subject, (miss, []))[1].append(ref)
    for pol, path, _, miss in _peer_misses(ctx):
        if not miss.hints:
            ref = Reference(str(pol), path, pol.origin, peer=True)
            targets.setdefault(miss.subject, (miss, []))[1].append(ref)
    for subject, (miss, refs) in sorted(targets.items()):
        refs.sort(key=lambda r: (not r.peer, r.policy, r.field))
        yield chk.finding(
            subject,
            "; ".join([miss.outside, *_referrers(refs, miss.them)]),
            namespace=miss.namespace,
            details={"references": [r.to_json() for r in refs]},
        )


def _referrers(refs: list[Reference], them: str) -> list[str]:
    """``2 rule peers target it: a/p spec.egress[0].to[0], ...``, and likewise the
    policies whose podSelector selects the target."""
    out = []
    peers = [f"{r.policy} {r.field}" for r in refs if r.peer]
    if peers:
        many = len(peers) > 1
        out.append(
            f"{len(peers)} rule peer{'s' if many else ''} target{'' if many else 's'} {them}: "
            + short_list(peers, 3)
        )
    selectors = [r.policy for r in refs if not r.peer]
    if selectors:
        many = len(selectors) > 1
        out.append(
            f"{len(selectors)} polic{'ies' if many else 'y'} select{'' if many else 's'} {them}: "
            + short_list(selectors, 3)
        )
    return out


@check(
    "named-port-unresolved",
    "Named ports that resolve on no target pod",
    "medium",
    "A named port matches only pods whose containers declare that name and protocol; when "
    "none of the rule's target pods does, the rule allows nothing on it.",
)
def named_port_unresolved(ctx: Context, chk: Check) -> Iterable[Finding]:
    n = ctx.n_internal
    declared: dict[tuple[str, str], BoolVec] = {}  # (name, protocol) -> classes declaring it
    class_port_names: dict[int, set[tuple[str, str]]] = {}
    for p, c in zip(ctx.pods, ctx.pod_class.tolist(), strict=True):
        for cp in p.ports:
            if cp.name:
                key = (cp.name, cp.protocol)
                declared.setdefault(key, np.zeros(n, dtype=bool))[c] = True
                class_port_names.setdefault(c, set()).add(key)
    for cr in ctx.reachability.rules:
        pol, rule = cr.policy, cr.rule
        if not isinstance(pol, NetworkPolicy) or isinstance(rule, CalicoRule) or not rule.ports:
            continue
        targets: BoolVec = cr.selected if cr.direction == "ingress" else cr.peers[:n]
        if not targets.any():
            continue  # the rule applies to no pod at all: another check reports that
        target_classes = np.flatnonzero(targets).tolist()
        for k, spec in enumerate(rule.ports):
            if not isinstance(spec.port, str):
                continue
            key = (spec.port, spec.protocol)
            if key in declared and declared[key][targets].any():
                continue
            names = sorted({nm for c in target_classes for nm in class_port_names.get(c, ())})
            hints = _named_port_hints(spec.port, spec.protocol, names)
            who = (
                "the pods the policy selects"
                if cr.direction == "ingress"
                else "the pods the rule's peers match"
            )
            pods = int(sum(len(ctx.class_pods(c)) for c in target_classes))
            path = f"spec.{cr.direction}[{rule.index}].ports[{k}]"
            more = f" ({'; '.join(hints)})" if hints else ""
            yield chk.finding(
                str(pol),
                f"{path}: named port {spec.port!r} ({spec.protocol}) is declared by none of "
                f"{who} ({pods} pod{'s' if pods != 1 else ''}){more}",
                namespace=pol.namespace,
                details={
                    "field": path,
                    "port": spec.port,
                    "protocol": spec.protocol,
                    "target_pods": pods,
                    "origin": pol.origin,
                },
            )


def _named_port_hints(port: str, protocol: str, declared: list[tuple[str, str]]) -> list[str]:
    """The same name under another protocol, and close names under this one, among the
    (name, protocol) pairs the target pods declare."""
    hints = [f"declared as {p} {nm!r}" for nm, p in declared if nm == port]
    close = difflib.get_close_matches(
        port, sorted({nm for nm, p in declared if p == protocol}), n=3, cutoff=0.6
    )
    return hints + [f"did you mean {c!r}?" for c in close if c != port]
