"""Parse and validate ``cilium.io/v2`` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.

An object holds a ``spec`` and/or ``specs`` (a list): each is one rule, and becomes one
:class:`~reach.model.cilium.CiliumPolicy` (``part`` -1 for ``spec``, the index in
``specs`` otherwise). Validation is the API server's (the CRD schema:
/work/shared/specs/cilium/crds) and the Cilium agent's (``Rule.Sanitize``), every
problem of a document reported at once. What each field means: docs/semantics.md
("Cilium policies"); the modules ``ciliumrules`` (rule items), ``ciliumports``
(``toPorts``), ``ciliuml7`` (L7 summaries), ``ciliumcidr`` (CIDRs and CiliumCIDRGroups)
and ``ciliumselectors`` (selectors and the implicit namespaces) do the parts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.ciliumcidr import CidrGroup
from reach.input.ciliumrules import Section, parse_rule
from reach.input.ciliumselectors import in_namespace, parse_endpoint_selector
from reach.input.validation import Collector, metadata
from reach.model.cilium import CiliumPolicy, CiliumRule
from reach.model.selectors import LabelSelector

CNP = "CiliumNetworkPolicy"
CCNP = "CiliumClusterwideNetworkPolicy"
#: The sections of a rule: field, direction, deny.
SECTIONS = (
    ("ingress", "ingress", False),
    ("ingressDeny", "ingress", True),
    ("egress", "egress", False),
    ("egressDeny", "egress", True),
)
_SPEC_FIELDS = (
    "endpointSelector",
    "nodeSelector",
    *(s[0] for s in SECTIONS),
    "enableDefaultDeny",
    "description",
    "labels",
    "log",
)
#: ``log.value``: printable characters only (``^\PC*$``), at most 32.
_LOG_VALUE = re.compile(r"^[^\x00-\x1f\x7f-\x9f]*$")


@dataclass
class ParsedCilium:
    """The rules of one object, and the warnings parsing them gave (without origin)."""

    policies: list[CiliumPolicy] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_cilium_policy(
    obj: Mapping[str, Any],
    kind: str,
    origin: str = "",
    seed: str = "",
    groups: Mapping[str, CidrGroup] | None = None,
) -> ParsedCilium:
    """Every rule of the object, or a FieldError listing every problem of the document.

    ``groups`` are the CiliumCIDRGroups of the input by name (``cidrGroupRef``,
    ``cidrGroupSelector``)."""
    found = Collector()
    clusterwide = kind == CCNP
    top = {k: v for k, v in obj.items() if k != "specs"}
    meta = found.run(metadata, top, kind, seed or origin, namespaced=not clusterwide)
    namespace = meta.namespace if meta else ""
    ident = (kind, namespace, meta.name if meta else "", origin)
    parts: list[tuple[str, int, Any]] = []
    if obj.get("spec") is not None:
        parts.append(("spec", -1, obj["spec"]))
    specs = found.run(f.items, obj.get("specs"), "specs") or []
    parts += [(f"specs[{i}]", i, s) for i, s in enumerate(specs)]
    if not parts:
        found.problems.append(
            FieldError("spec", f"is required, or specs: a {kind} without rules is invalid")
        )
    out = ParsedCilium()
    for path, part, raw in parts:
        pol = found.run(_rule, raw, path, ident, part, groups or {}, out.warnings)
        if pol is not None:
            out.policies.append(pol)
    found.done()
    return out


def _rule(
    raw: Any,
    path: str,
    ident: tuple[str, str, str, str],
    part: int,
    groups: Mapping[str, CidrGroup],
    warnings: list[str],
) -> CiliumPolicy:
    """One rule (``spec`` or an item of ``specs``) of the policy ``ident`` (kind,
    namespace, name, origin)."""
    kind, namespace, name, origin = ident
    m = f.obj(raw, path, _SPEC_FIELDS)
    found = Collector()
    found.run(_metadata_fields, m, path)
    subject = found.run(f.one_of, m, path, ("endpointSelector", "nodeSelector"))
    host = subject == "nodeSelector"
    if host and kind == CNP:
        found.problems.append(
            FieldError(
                f"{path}.nodeSelector",
                "may only be used in a CiliumClusterwideNetworkPolicy (host policies select nodes)",
            )
        )
    if not any(m.get(s[0]) is not None for s in SECTIONS):
        found.problems.append(
            FieldError(path, "must have at least one of ingress, ingressDeny, egress, egressDeny")
        )
    selector = found.run(parse_endpoint_selector, m.get(subject or ""), f"{path}.{subject}")
    rules = _sections(m, path, namespace, host, groups, found)
    isolating = found.run(_default_deny, m, path)
    found.done()
    assert selector is not None and isolating is not None
    endpoint = LabelSelector() if host else selector
    if kind == CNP and not host:
        said = f"{kind} {namespace}/{name} {path}.endpointSelector"
        endpoint = in_namespace(selector, namespace, lambda w: warnings.append(f"{said}: {w}"))
    return CiliumPolicy(
        kind=kind,
        namespace=namespace,
        name=name,
        endpoint_selector=endpoint,
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
        ingress_isolating=isolating[0],
        egress_isolating=isolating[1],
        part=part,
        node_selector=selector if host else None,
        origin=origin,
    )


def _sections(
    m: Mapping[str, Any],
    path: str,
    namespace: str,
    host: bool,
    groups: Mapping[str, CidrGroup],
    found: Collector,
) -> dict[str, list[CiliumRule]]:
    """The rules of ``ingress`` and ``ingressDeny``, ``egress`` and ``egressDeny``, by
    direction; their problems go to ``found``."""
    rules: dict[str, list[CiliumRule]] = {"ingress": [], "egress": []}
    for key, direction, deny in SECTIONS:
        where = Section(direction, deny, namespace, host, groups)
        listed = found.run(f.items, m.get(key), f"{path}.{key}") or []
        for i, item in enumerate(listed):
            rule = found.run(parse_rule, item, f"{path}.{key}[{i}]", i, where)
            if rule is not None:
                rules[direction].append(rule)
    return rules


def _default_deny(m: Mapping[str, Any], path: str) -> tuple[bool, bool]:
    """Whether the rule isolates ingress and egress: "If not specified, the default is
    true for each traffic direction that has rules, and false otherwise" (CRD,
    ``enableDefaultDeny``); a list of rules counts when it is not empty."""
    edd = f.obj(m.get("enableDefaultDeny"), f"{path}.enableDefaultDeny", ("ingress", "egress"))
    out = []
    for direction in ("ingress", "egress"):
        value = edd.get(direction)
        if value is not None:
            out.append(f.boolean(value, f"{path}.enableDefaultDeny.{direction}"))
        else:
            out.append(f.present(m, direction) or f.present(m, direction + "Deny"))
    return out[0], out[1]


def _metadata_fields(m: Mapping[str, Any], path: str) -> None:
    """``description``, ``labels`` and ``log``: checked, not used."""
    found = Collector()
    if m.get("description") is not None:
        found.run(f.string, m["description"], f"{path}.description")
    for lpath, label in found.run(lambda: list(f.each(m.get("labels"), f"{path}.labels"))) or []:
        lm = found.run(f.obj, label, lpath, ("key", "value", "source"), ("key",)) or {}
        for k in ("key", "value", "source"):
            if lm.get(k) is not None:
                found.run(f.string, lm[k], f"{lpath}.{k}")
    if m.get("log") is not None:
        log = found.run(f.obj, m["log"], f"{path}.log", ("value",)) or {}
        if log.get("value") is not None:
            found.run(
                f.string,
                log["value"],
                f"{path}.log.value",
                pattern=_LOG_VALUE,
                max_len=32,
                expected="printable text",
            )
    found.done()
