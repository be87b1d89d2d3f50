"""Cilium endpoint selectors: label keys with a source prefix, and the implicit namespaces.

A key is ``[source:]key``: ``k8s:app``, ``any:app`` and ``app`` all select the pod label
``app`` (a pod's labels have source ``k8s``, and no source means ``any``), so they are
stored as ``app``. A key of another source (``reserved:host``, ``$host``) is kept with
its source and matches no pod. The API server checks only the values (the CRD's
pattern); the Cilium agent checks the whole selector as a Kubernetes label selector
(``ValidateLabelSelector``), which is what :func:`parse_endpoint_selector` does.

The implicit namespace constraints of Cilium's ``getEndpointSelector`` are added here,
so that the model holds each selector as it is evaluated (CILIUM.md, item 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import validation
from reach.input.fields import describe, mapping
from reach.input.selectors import parse_requirement
from reach.input.validation import Collector, label_key, label_value
from reach.model.cilium import NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX
from reach.model.selectors import LabelSelector, Requirement

#: Sources that every label of a pod matches: stripped from keys.
POD_SOURCES = ("k8s", "any", "")
#: Cilium writes ``$x`` for ``reserved:x``.
RESERVED = "reserved"


def normalize_key(key: str) -> str:
    """The key as stored: without a ``k8s:``/``any:`` source, ``reserved:`` for ``$``."""
    if key.startswith("$"):
        return f"{RESERVED}:{key[1:]}"
    source, colon, rest = key.partition(":")
    if colon and source in POD_SOURCES:
        return rest
    return key


def label_part(key: str) -> str:
    """The key without any source: what the agent validates as a label key."""
    if key.startswith("$"):
        return key[1:]
    return key.partition(":")[2] if ":" in key else key


def parse_endpoint_selector(raw: Any, path: str) -> LabelSelector:
    """An ``EndpointSelector`` (``matchLabels``, ``matchExpressions``), keys normalized."""
    if raw is None:
        return LabelSelector()
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a label selector mapping, not {describe(raw)}")
    found = Collector()
    found.problems += validation.known_fields(raw, path, ("matchLabels", "matchExpressions"))
    reqs: list[Requirement] = []
    labels = found.run(mapping, raw.get("matchLabels"), f"{path}.matchLabels") or {}
    for k, v in labels.items():
        key = validation.key_text(k)
        where = f"{path}.matchLabels.{key}"
        problems = label_key(label_part(key), where) + label_value(v, where)
        found.problems += problems
        if not problems:
            reqs.append(Requirement(normalize_key(key), "In", frozenset([v or ""]), plain=True))
    exprs = found.run(_list, raw.get("matchExpressions"), f"{path}.matchExpressions") or []
    for i, expr in enumerate(exprs):
        req = found.run(_requirement, expr, f"{path}.matchExpressions[{i}]")
        if req is not None:
            reqs.append(req)
    found.done()
    return LabelSelector(tuple(reqs))


def _list(raw: Any, path: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FieldError(path, f"must be a list, not {describe(raw)}")
    return raw


def _requirement(expr: Any, path: str) -> Requirement:
    """A ``matchExpressions`` item: validated as Kubernetes does (on the key without its
    source prefix), its key normalized."""
    req = parse_requirement(expr, path, key_part=label_part)
    return Requirement(normalize_key(req.key), req.operator, req.values)


def in_namespace(
    selector: LabelSelector, namespace: str, warn: Callable[[str], None]
) -> LabelSelector:
    """A CiliumNetworkPolicy's ``endpointSelector``: "The ``endpointSelector`` always
    applies to pods in the namespace associated with the CiliumNetworkPolicy resource
    itself" (kubernetes.rst). A ``matchLabels`` namespace is replaced by the policy's,
    with a warning when it named another one, as Cilium does."""
    kept: list[Requirement] = []
    for r in selector.requirements:
        if r.key == NAMESPACE_KEY and r.plain:
            if r.values != frozenset([namespace]):
                warn(
                    f"names namespace {', '.join(sorted(r.values))}: a "
                    f"CiliumNetworkPolicy selects pods of its own namespace ({namespace}) only; "
                    "Cilium replaces the namespace, and so does reach"
                )
            continue
        kept.append(r)
    kept.append(Requirement(NAMESPACE_KEY, "In", frozenset([namespace]), plain=True))
    return LabelSelector(tuple(kept))


def peer_in_namespace(selector: LabelSelector, namespace: str) -> LabelSelector:
    """A ``fromEndpoints``/``toEndpoints`` selector with the namespace Cilium adds when it
    names none: "If the namespace label of policy rules is omitted it defaults to the
    same namespace where the policy itself is applied in" (kubernetes.rst), unless it
    uses namespace labels; in a clusterwide policy (``namespace`` ``""``), any namespace
    (``io.kubernetes.pod.namespace`` Exists: pods only)."""
    keys = [r.key for r in selector.requirements]
    if NAMESPACE_KEY in keys:
        return selector
    if not namespace:
        added = Requirement(NAMESPACE_KEY, "Exists")
    elif any(k.startswith(NAMESPACE_LABELS_PREFIX) for k in keys):
        return selector
    else:
        added = Requirement(NAMESPACE_KEY, "In", frozenset([namespace]), plain=True)
    return LabelSelector((*selector.requirements, added))
