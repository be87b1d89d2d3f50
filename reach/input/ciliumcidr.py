"""CIDR peers of Cilium rules (``fromCIDR``, ``toCIDRSet`` ...) and CiliumCIDRGroups.

A ``CIDRSet`` item is exactly one of ``cidr`` (with ``except``), ``cidrGroupRef`` (a
CiliumCIDRGroup by name) or ``cidrGroupSelector`` (CiliumCIDRGroups by label). The
groups are resolved against those of the input, which may come after the policy:
:func:`parse_cidr_group` reads them first (reach.input.loader defers the policies).
A group that is not in the input is named in the rule's ``unresolved``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.selectors import parse_selector
from reach.input.validation import Collector, metadata
from reach.model.ipspace import IPBlock, IPNetwork, parse_network

#: ``cidrGroupRef``: a DNS subdomain, at most 253 characters.
SUBDOMAIN = "a CiliumCIDRGroup name (lowercase letters, digits, '-' and '.')"
GROUP_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class CidrGroup:
    """A CiliumCIDRGroup: its name, labels and ``spec.externalCIDRs``."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    cidrs: tuple[IPNetwork, ...] = ()
    origin: str = ""


def parse_cidr_group(obj: Mapping[str, Any], origin: str = "", seed: str = "") -> CidrGroup:
    """A CiliumCIDRGroup, or a FieldError listing every problem of the document."""
    found = Collector()
    meta = found.run(metadata, obj, "CiliumCIDRGroup", seed or origin, namespaced=False)
    cidrs: list[IPNetwork] = []
    if obj.get("spec") is None:
        found.problems.append(FieldError("spec", "is required"))
    else:
        spec = found.run(f.obj, obj["spec"], "spec", ("externalCIDRs",), ("externalCIDRs",)) or {}
        for path, text in (
            found.run(lambda: list(f.each(spec.get("externalCIDRs"), "spec.externalCIDRs"))) or []
        ):
            net = found.run(cidr, text, path)
            if net is not None:
                cidrs.append(net)
    found.done()
    assert meta is not None
    return CidrGroup(meta.name, meta.labels, tuple(cidrs), origin)


def cidr(raw: Any, path: str) -> IPNetwork:
    """A string of ``format: cidr`` (``address/prefix``)."""
    text = f.string(raw, path)
    try:
        return parse_network(text)
    except ValueError as e:
        raise FieldError(path, str(e)) from None


def cidr_set(
    raw: Any, path: str, groups: Mapping[str, CidrGroup]
) -> tuple[list[IPBlock], list[str]]:
    """One ``CIDRSet`` item: its blocks, and what names a group not in the input."""
    m = f.obj(raw, path, ("cidr", "except", "cidrGroupRef", "cidrGroupSelector"))
    key = f.one_of(m, path, ("cidr", "cidrGroupRef", "cidrGroupSelector"))
    found = Collector()
    listed = found.run(lambda: list(f.each(m.get("except"), f"{path}.except"))) or []
    parsed = [(epath, text, found.run(cidr, text, epath)) for epath, text in listed]
    excepts = [(epath, text, net) for epath, text, net in parsed if net is not None]
    nets: list[IPNetwork] = []
    unresolved: list[str] = []
    if key == "cidr":
        net = found.run(cidr, m["cidr"], f"{path}.cidr")
        if net is not None:
            found.problems += _outside(net, excepts, m["cidr"])
            nets.append(net)
    elif key == "cidrGroupRef":
        name = found.run(
            f.string, m[key], f"{path}.{key}", pattern=GROUP_NAME, max_len=253, expected=SUBDOMAIN
        )
        group = groups.get(name or "")
        if name and group is None:
            unresolved.append(f"cidrGroupRef {name} (no CiliumCIDRGroup of that name in the input)")
        nets += group.cidrs if group else ()
    else:
        sel = found.run(parse_selector, m[key], f"{path}.{key}")
        chosen = [g for g in groups.values() if sel is not None and sel.matches(g.labels)]
        if sel is not None and not chosen:
            unresolved.append(f"cidrGroupSelector {sel} (no CiliumCIDRGroup in the input matches)")
        nets += [n for g in chosen for n in g.cidrs]
    found.done()
    blocks = [IPBlock(n, tuple(e for _, _, e in excepts if e.overlaps(n))) for n in nets]
    return blocks, unresolved


def _outside(
    net: IPNetwork, excepts: list[tuple[str, str, IPNetwork]], written: str
) -> list[FieldError]:
    """The agent's check (``CIDRRule.sanitize``): each except's address is in the cidr
    ("this also checks that the allow CIDR prefix and the exception CIDR prefixes are
    of the same family")."""
    return [
        FieldError(
            epath, f"allow CIDR prefix {written} does not contain exclude CIDR prefix {text}"
        )
        for epath, text, e in excepts
        if e.version != net.version or e.network_address not in net
    ]
