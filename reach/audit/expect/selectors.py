"""Parsing ``from`` and ``to``: a selector or a list of selectors, each naming pods
(namespace, labels, workloads) or addresses (cidr, external, internet)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from reach.audit.expect.expectations import Endpoint, Selector
from reach.audit.expect.fields import item_path, read_mapping, read_strings, reject_unknown
from reach.errors import FieldError
from reach.input.fields import describe
from reach.input.selectors import parse_labels, parse_selector
from reach.model.ipspace import IPNetwork, IPRange, parse_network
from reach.model.selectors import LabelSelector, Requirement

SELECTOR_KEYS = (
    "namespace",
    "namespaceSelector",
    "labels",
    "podSelector",
    "workload",
    "cidr",
    "except",
    "external",
    "internet",
)
INTERNAL_KEYS = ("namespace", "namespaceSelector", "labels", "podSelector", "workload")
EXTERNAL_KEYS = ("cidr", "except", "external", "internet")


def parse_endpoint(raw: Any, path: str) -> Endpoint:
    """``from`` or ``to``: one selector or a non-empty list of them."""
    if isinstance(raw, list):
        if not raw:
            raise FieldError(path, "must not be an empty list (use {} for every pod)")
        return Endpoint(path, tuple(_selector(item, f"{path}[{i}]") for i, item in enumerate(raw)))
    return Endpoint(path, (_selector(raw, path),))


def _selector(raw: Any, path: str) -> Selector:
    raw = read_mapping(
        raw,
        path,
        "a selector mapping (namespace, namespaceSelector, labels, podSelector, workload, "
        "cidr, except, external, internet)",
    )
    reject_unknown(raw, path, SELECTOR_KEYS)
    inner = [k for k in INTERNAL_KEYS if k in raw]
    outer = [k for k in EXTERNAL_KEYS if k in raw]
    if inner and outer:
        raise FieldError(
            f"{path}.{outer[0]}",
            f"may not be combined with {inner[0]}: a selector names pods or addresses, not both",
        )
    if outer:
        return _external(raw, path)
    return _internal(raw, path)


def _internal(raw: Mapping[str, Any], path: str) -> Selector:
    """A selector of pods: namespaces, namespace labels, pod labels and workloads, ANDed."""
    pod_reqs: list[Requirement] = []
    if "labels" in raw:
        pod_reqs.extend(_labels(raw["labels"], f"{path}.labels").requirements)
    if "podSelector" in raw:
        pod_reqs.extend(parse_selector(raw["podSelector"], f"{path}.podSelector").requirements)
    ns_sel = None
    if "namespaceSelector" in raw:
        ns_sel = parse_selector(raw["namespaceSelector"], f"{path}.namespaceSelector")
    workloads: tuple[str, ...] = ()
    if "workload" in raw:
        workloads = read_strings(raw["workload"], f"{path}.workload")
        for i, w in enumerate(workloads):
            if "=" in w or _is_address(w):
                raise FieldError(
                    item_path(raw["workload"], f"{path}.workload", i),
                    f"{w!r} is not a workload; write ns/name, ns/name[Kind] or kind/name "
                    "(labels go under labels, addresses under cidr)",
                )
    namespaces: tuple[str, ...] = ()
    if "namespace" in raw:
        namespaces = read_strings(raw["namespace"], f"{path}.namespace")
    return Selector(
        path=path,
        namespaces=namespaces,
        namespace_selector=ns_sel,
        pod_selector=LabelSelector(tuple(pod_reqs)) if pod_reqs else None,
        workloads=workloads,
    )


def _labels(raw: Any, path: str) -> LabelSelector:
    """``{app: web}`` or ``"app=web,tier=x"``."""
    if isinstance(raw, str):
        reqs = []
        for part in raw.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise FieldError(path, f"{raw!r} is not key=value[,key=value]")
            reqs.append(Requirement(key.strip(), "In", frozenset([value.strip()])))
        return LabelSelector(tuple(reqs))
    labels = parse_labels(raw, path)
    if not labels:
        raise FieldError(path, "must name at least one label (leave it out to match every pod)")
    return LabelSelector(tuple(Requirement(k, "In", frozenset([v])) for k, v in labels.items()))


def _external(raw: Mapping[str, Any], path: str) -> Selector:
    """A selector of addresses: ``cidr`` (with ``except``), ``external`` or ``internet``."""
    for flag in ("external", "internet"):
        if flag in raw and raw[flag] is not True:
            raise FieldError(
                f"{path}.{flag}",
                f"must be true (leave it out otherwise), not {describe(raw[flag])}",
            )
    if sum(k in raw for k in ("cidr", "external", "internet")) > 1:
        raise FieldError(path, "give one of cidr, external or internet")
    if "except" in raw and "cidr" not in raw:
        raise FieldError(f"{path}.except", "requires cidr")
    if "cidr" not in raw:
        return Selector(path=path, external="external" in raw, internet="internet" in raw)
    cidrs = _networks(raw["cidr"], f"{path}.cidr")
    excepts = _networks(raw["except"], f"{path}.except") if "except" in raw else ()
    ranges = [IPRange.of_network(c) for c in cidrs]
    for i, e in enumerate(excepts):
        er = IPRange.of_network(e)
        if not any(r.contains(er) for r in ranges):
            raise FieldError(
                item_path(raw["except"], f"{path}.except", i),
                f"{e} is not inside any cidr of this selector",
            )
    return Selector(path=path, cidrs=cidrs, excepts=excepts)


def _networks(raw: Any, path: str) -> tuple[IPNetwork, ...]:
    texts = read_strings(raw, path)
    out = []
    for i, t in enumerate(texts):
        try:
            out.append(parse_network(t))
        except ValueError as e:
            raise FieldError(item_path(raw, path, i), str(e)) from None
    return tuple(out)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True
