"""Calico objects other than policies: Tier, NetworkSet, GlobalNetworkSet, Profile and
HostEndpoint, each from its validated ``spec`` mapping.

Tier: ``order`` a number, ``defaultAction`` Deny or Pass (default Deny), and the CRD's
rules on the built-in tiers ("The 'default' tier must have default action 'Deny'",
"default tier order must be 1000000", kube-admin 1000 and kube-baseline 10000000 with
action Pass). Network sets: ``nets`` CIDRs. Profile: rules as a global policy's, and
``labelsToApply``. HostEndpoint: "at least one of interfaceName or expectedIPs must be
specified", "node must be specified".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.calicorules import Scope, cidr, parse_rule
from reach.input.fields import describe
from reach.input.validation import Collector, labels, raise_all
from reach.model.calico import (
    ADMIN_TIER,
    BASELINE_TIER,
    BUILTIN_TIERS,
    DEFAULT_TIER,
    NAMESPACE_LABEL,
    HostEndpoint,
    NetworkSet,
    Profile,
    Tier,
)
from reach.model.ipspace import IPBlock


def parse_tier(
    spec: Mapping[str, Any],
    kind: str,
    namespace: str,
    name: str,
    meta_labels: Mapping[str, str],
    origin: str,
) -> Tier:
    found = Collector()
    order = None
    if spec.get("order") is not None:
        raw = spec["order"]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            found.problems.append(
                FieldError("spec.order", f"must be a number, not {describe(raw)}")
            )
        else:
            order = float(raw)
    action = found.run(
        f.enum, spec.get("defaultAction", "Deny"), "spec.defaultAction", ("Deny", "Pass")
    )
    found.done()
    assert action is not None
    problems = []
    if name in BUILTIN_TIERS:
        fixed_order, fixed_action = BUILTIN_TIERS[name]
        if spec.get("defaultAction") != fixed_action:
            problems.append(
                FieldError(
                    "spec.defaultAction",
                    f"The '{name}' tier must have default action '{fixed_action}'",
                )
            )
        if order != fixed_order:
            said = {
                DEFAULT_TIER: "default",
                ADMIN_TIER: "kube-admin",
                BASELINE_TIER: "kube-baseline",
            }
            problems.append(
                FieldError("spec.order", f"{said[name]} tier order must be {fixed_order:.0f}")
            )
    raise_all(problems)
    return Tier(name, order, action, origin)


def parse_network_set(
    spec: Mapping[str, Any],
    kind: str,
    namespace: str,
    name: str,
    meta_labels: Mapping[str, str],
    origin: str,
) -> NetworkSet:
    """A NetworkSet or GlobalNetworkSet; a namespaced one carries its namespace label."""
    found = Collector()
    nets = []
    for path, item in found.run(lambda: list(f.each(spec.get("nets"), "spec.nets"))) or []:
        net = found.run(cidr, item, path)
        if net is not None:
            nets.append(IPBlock(net))
    found.done()
    out = dict(meta_labels)
    if namespace:
        out[NAMESPACE_LABEL] = namespace
    return NetworkSet(namespace, name, tuple(sorted(out.items())), tuple(nets), origin)


def parse_profile(
    spec: Mapping[str, Any],
    kind: str,
    namespace: str,
    name: str,
    meta_labels: Mapping[str, str],
    origin: str,
) -> Profile:
    found = Collector()
    scope = Scope("")
    rules = {}
    for direction in ("ingress", "egress"):
        items = found.run(f.items, spec.get(direction), f"spec.{direction}") or []
        parsed = [
            found.run(parse_rule, r, f"spec.{direction}[{i}]", i, direction, scope)
            for i, r in enumerate(items)
        ]
        rules[direction] = tuple(r for r in parsed if r is not None)
    applied = found.run(labels, spec.get("labelsToApply"), "spec.labelsToApply") or {}
    found.done()
    return Profile(name, rules["ingress"], rules["egress"], tuple(sorted(applied.items())), origin)


def parse_host_endpoint(
    spec: Mapping[str, Any],
    kind: str,
    namespace: str,
    name: str,
    meta_labels: Mapping[str, str],
    origin: str,
) -> HostEndpoint:
    found = Collector()
    node = found.run(f.string, spec.get("node", ""), "spec.node", max_len=253) or ""
    interface = found.run(f.string, spec.get("interfaceName", ""), "spec.interfaceName", max_len=15)
    ips = []
    for path, item in (
        found.run(lambda: list(f.each(spec.get("expectedIPs"), "spec.expectedIPs"))) or []
    ):
        ips.append(str(found.run(f.string, item, path)))
    profiles = []
    for path, item in found.run(lambda: list(f.each(spec.get("profiles"), "spec.profiles"))) or []:
        profiles.append(str(found.run(f.string, item, path)))
    for path, item in found.run(lambda: list(f.each(spec.get("ports"), "spec.ports"))) or []:
        found.run(_endpoint_port, item, path)
    if not interface and not ips:
        found.problems.append(
            FieldError("spec", "at least one of interfaceName or expectedIPs must be specified")
        )
    if not node:
        found.problems.append(FieldError("spec.node", "node must be specified"))
    found.done()
    return HostEndpoint(
        name,
        node,
        interface or "",
        tuple(ips),
        tuple(sorted(meta_labels.items())),
        tuple(profiles),
        origin,
    )


def _endpoint_port(raw: Any, path: str) -> None:
    m = f.obj(raw, path, ("name", "port", "protocol"), ("name", "port", "protocol"))
    found = Collector()
    found.run(f.string, m["name"], f"{path}.name")
    found.run(f.integer, m["port"], f"{path}.port", 1, 65535)
    found.done()
