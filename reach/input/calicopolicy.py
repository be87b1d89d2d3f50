"""A Calico NetworkPolicy or GlobalNetworkPolicy (or a staged one): its ``spec``.

The checks are the CRD schema's (``order`` a number, ``types`` 1-2 distinct items of
Ingress and Egress, at most 1024 rules a direction, ``global()`` refused in the policy's
own selectors, the GlobalNetworkPolicy rules on ``doNotTrack``, ``preDNAT`` and
``applyOnForward``); defaults are Calico's (``tier`` default, ``selector`` all(),
``types`` from the rules present).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.calicorules import Scope, parse_rule
from reach.input.calicoselector import parse_field
from reach.input.fields import describe
from reach.input.validation import Collector, raise_all
from reach.model.calico import DEFAULT_TIER, CalicoPolicy, CalicoRule
from reach.model.calicoselector import ALL, Selector

_POLICY_FIELDS = (
    "order",
    "tier",
    "selector",
    "types",
    "ingress",
    "egress",
    "serviceAccountSelector",
    "performanceHints",
)
_GLOBAL_FIELDS = ("namespaceSelector", "doNotTrack", "preDNAT", "applyOnForward")
GLOBAL_KINDS = ("GlobalNetworkPolicy", "StagedGlobalNetworkPolicy")
_STAGED_ACTIONS = ("Set", "Delete", "Learn", "Ignore")


def policy_fields(kind: str) -> tuple[str, ...]:
    """The fields of a policy kind's ``spec``."""
    staged = ("stagedAction",) if kind.startswith("Staged") else ()
    if kind in GLOBAL_KINDS:
        return _POLICY_FIELDS + _GLOBAL_FIELDS + staged
    return _POLICY_FIELDS + staged


def parse_policy(
    spec: Mapping[str, Any],
    kind: str,
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    origin: str,
) -> CalicoPolicy:
    """The policy of a validated ``spec`` mapping, or a FieldError listing its problems."""
    found = Collector()
    is_global = kind in GLOBAL_KINDS
    order = found.run(_order, spec.get("order"), "spec.order")
    tier = DEFAULT_TIER
    if spec.get("tier") is not None and spec["tier"] != "":
        tier = found.run(f.string, spec["tier"], "spec.tier") or DEFAULT_TIER
    selector = _top_selector(spec, "selector", found) or ALL
    sa_selector = _top_selector(spec, "serviceAccountSelector", found)
    ns_selector = _top_selector(spec, "namespaceSelector", found) if is_global else None
    scope = Scope(namespace)
    ingress = _rules(spec.get("ingress"), "spec.ingress", "ingress", scope, found)
    egress = _rules(spec.get("egress"), "spec.egress", "egress", scope, found)
    types = found.run(_types, spec.get("types"), bool(ingress), bool(egress))
    for hint_path, hint in (
        found.run(lambda: list(f.each(spec.get("performanceHints"), "spec.performanceHints"))) or []
    ):
        found.run(f.enum, hint, hint_path, ("AssumeNeededOnEveryNode",))
    flags = {k: bool(found.run(_flag, spec.get(k), f"spec.{k}")) for k in _GLOBAL_FIELDS[1:]}
    staged = None
    if kind.startswith("Staged"):
        raw = spec.get("stagedAction", "Set")
        staged = found.run(f.enum, raw, "spec.stagedAction", _STAGED_ACTIONS)
    found.done()
    assert types is not None
    _check_host_flags(flags, egress, types)
    return CalicoPolicy(
        kind=kind,
        namespace=namespace,
        name=name,
        tier=tier,
        order=order,
        selector=selector,
        namespace_selector=ns_selector,
        service_account_selector=sa_selector,
        ingress=ingress,
        egress=egress,
        ingress_applies=types[0],
        egress_applies=types[1],
        do_not_track=flags["doNotTrack"],
        pre_dnat=flags["preDNAT"],
        apply_on_forward=flags["applyOnForward"],
        staged_action=staged,
        origin=origin,
    )


def _top_selector(spec: Mapping[str, Any], key: str, found: Collector) -> Selector | None:
    """A policy's own selector (``global()`` not allowed); empty is absent."""
    raw = spec.get(key)
    if raw is None or raw == "":
        return None
    return found.run(parse_field, raw, f"spec.{key}")


def _order(raw: Any, path: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise FieldError(path, f"must be a number, not {describe(raw)}")
    return float(raw)


def _flag(raw: Any, path: str) -> bool:
    return False if raw is None else f.boolean(raw, path)


def _rules(
    raw: Any, path: str, direction: str, scope: Scope, found: Collector
) -> tuple[CalicoRule, ...]:
    items = found.run(f.items, raw, path, max_items=1024) or []
    out = [
        found.run(parse_rule, r, f"{path}[{i}]", i, direction, scope) for i, r in enumerate(items)
    ]
    return tuple(r for r in out if r is not None)


def _types(raw: Any, has_ingress: bool, has_egress: bool) -> tuple[bool, bool]:
    """Defaulted ``types``: Ingress unless there are egress rules and no ingress rules;
    both when both are present. Given: 1 or 2 distinct items of Ingress, Egress."""
    if raw is None:
        return (has_ingress or not has_egress, has_egress)
    items = f.items(raw, "spec.types", max_items=2)
    if not items:
        raise FieldError("spec.types", "must have at least 1 item")
    found = Collector()
    values = [
        found.run(f.enum, v, f"spec.types[{i}]", ("Ingress", "Egress")) for i, v in enumerate(items)
    ]
    found.done()
    if len(set(values)) != len(values):
        raise FieldError("spec.types", f"{values[0]!r} type specified more than once")
    return ("Ingress" in values, "Egress" in values)


def _check_host_flags(
    flags: Mapping[str, bool], egress: tuple[CalicoRule, ...], types: tuple[bool, bool]
) -> None:
    """The GlobalNetworkPolicy CRD's rules on doNotTrack, preDNAT and applyOnForward."""
    problems = []
    if flags["doNotTrack"] and flags["preDNAT"]:
        problems.append(FieldError("spec", "preDNAT and doNotTrack cannot both be true"))
    if flags["preDNAT"] and egress:
        problems.append(FieldError("spec.egress", "preDNAT policy cannot have any egress rules"))
    if flags["preDNAT"] and types[1] and not egress:
        problems.append(FieldError("spec.types", "preDNAT policy cannot have 'Egress' type"))
    if (flags["doNotTrack"] or flags["preDNAT"]) and not flags["applyOnForward"]:
        problems.append(
            FieldError(
                "spec.applyOnForward",
                "applyOnForward must be true if either preDNAT or doNotTrack is true",
            )
        )
    raise_all(problems)
