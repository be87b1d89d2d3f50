"""Policies and peers that select nothing, and named ports that resolve nowhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

from reach.audit.context import Context
from reach.audit.registry import Check, check
from reach.audit.report import Finding, short_list
from reach.engine.arrays import BoolVec
from reach.model.cluster import NetworkPolicy
from reach.model.selectors import LabelSelector


def _label_hints(
    selector: LabelSelector, label_maps: list[dict[str, str]], rows: Iterable[int]
) -> list[str]:
    """``did you mean app=orders?``: label keys or values close to those ``selector`` asks
    for, among the label sets ``label_maps[r]`` of the rows in scope."""
    rows = list(rows)
    hints: list[str] = []
    for req in selector.requirements:
        if req.operator not in ("In", "Exists"):
            continue
        present = [label_maps[r] for r in rows if req.key in label_maps[r]]
        if not present:
            keys = sorted({k for r in rows for k in label_maps[r]})
            close = difflib.get_close_matches(req.key, keys, n=3, cutoff=0.6)
            if close:
                hints.append(
                    f"no pod in scope has label key {req.key!r}; close: {', '.join(close)}"
                )
            continue
        if req.operator == "In":
            values = sorted({m[req.key] for m in present})
            if not req.values & set(values):
                for v in sorted(req.values):
                    for c in difflib.get_close_matches(v, values, n=3, cutoff=0.6):
                        hints.append(f"did you mean {req.key}={c}?")
    return list(dict.fromkeys(hints))


def _namespace_label_hints(selector: LabelSelector, ctx: Context) -> list[str]:
    """:func:`_label_hints` over the labels of every namespace."""
    namespaces = ctx.analysis.cluster.namespaces
    label_maps = [dict(namespaces[name].labels) for name in ctx.ns_names]
    return _label_hints(selector, label_maps, range(len(label_maps)))


@check(
    "policy-selects-nothing",
    "Policies whose podSelector selects no pod",
    "low",
    "A policy that selects no pod protects nothing: usually a label typo or a leftover of "
    "a removed workload.",
)
def policy_selects_nothing(ctx: Context, chk: Check) -> Iterable[Finding]:
    selected = ctx.reachability.policy_selected
    rows = ctx.label_rows
    for i, pol in enumerate(ctx.analysis.cluster.policies):
        if selected[i].any():
            continue
        ns = ctx.ns_pos[pol.namespace]
        in_ns = np.flatnonzero(rows.ns == ns).tolist()
        if not in_ns:
            message = (
                f"podSelector {pol.pod_selector} selects nothing: "
                f"namespace {pol.namespace} has no pods"
            )
        else:
            message = f"podSelector {pol.pod_selector} selects no pod in namespace {pol.namespace}"
            hints = _label_hints(pol.pod_selector, rows.maps, in_ns)
            if hints:
                message += f" ({'; '.join(hints)})"
        yield chk.finding(
            str(pol),
            message,
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
    for pol in ctx.analysis.cluster.policies:
        own = np.zeros(len(ctx.ns_names), dtype=bool)
        own[ctx.ns_pos[pol.namespace]] = True
        for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
            key = "from" if direction == "ingress" else "to"
            for rule in rules:
                for j, peer in enumerate(rule.peers or ()):
                    if peer.ip_block is not None:
                        continue
                    path = f"spec.{direction}[{rule.index}].{key}[{j}]"
                    problem = _why_peer_matches_nothing(
                        ctx, peer.namespace_selector, peer.pod_selector, own
                    )
                    if problem is None:
                        continue
                    yield chk.finding(
                        str(pol),
                        f"{path}: {problem}",
                        namespace=pol.namespace,
                        details={
                            "field": path,
                            "namespaceSelector": None
                            if peer.namespace_selector is None
                            else str(peer.namespace_selector),
                            "podSelector": None
                            if peer.pod_selector is None
                            else str(peer.pod_selector),
                            "origin": pol.origin,
                        },
                    )


def _why_peer_matches_nothing(
    ctx: Context,
    ns_sel: LabelSelector | None,
    pod_sel: LabelSelector | None,
    own: BoolVec,
) -> str | None:
    """Why one peer matches no pod, or None when it matches some. ``own`` flags the
    policy's namespace, the scope of a peer without a namespaceSelector."""
    label_rows = ctx.label_rows
    if ns_sel is not None:
        scope = ctx.ns_index.select(ns_sel)
        if not scope.any():
            hints = _namespace_label_hints(ns_sel, ctx)
            more = f" ({'; '.join(hints)})" if hints else ""
            return f"namespaceSelector {ns_sel} matches no namespace{more}"
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
        return f"namespaceSelector {ns_sel} matches only {where}, which {have} no pods"
    if not rows.any():
        return f"podSelector {pod_sel} matches no pod: {where} {have} no pods"
    hints = _label_hints(pod_sel, label_rows.maps, np.flatnonzero(rows).tolist())
    more = f" ({'; '.join(hints)})" if hints else ""
    return f"podSelector {pod_sel} matches no pod in {where}{more}"


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
        if not isinstance(pol, NetworkPolicy) or not rule.ports:
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
