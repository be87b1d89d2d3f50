"""Parse and validate Istio's AuthorizationPolicy and PeerAuthentication (``security.istio.io``
``v1`` and ``v1beta1``), and read Sidecar and ServiceEntry (``networking.istio.io``).

Validation follows the reference (/work/shared/specs/istio/*.proto): unknown fields are
refused (``preserveUnknownFields: false``), enums, the ``MaxItems`` and ``XValidation``
rules of the CRD tags, and the sentences that say what must or must not be set. Every
problem of a document is reported at once. What each field means: docs/semantics.md
("Istio authorization").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.fields import describe, mapping
from reach.input.istionet import address_block, parse_networking
from reach.input.selectors import parse_labels
from reach.input.validation import Collector, metadata
from reach.model.istio import (
    ACTIONS,
    MODES,
    AuthorizationPolicy,
    AuthzRule,
    Condition,
    IstioObjects,
    MeshObject,
    Operation,
    PeerAuthentication,
    Source,
)
from reach.model.selectors import LabelSelector, Requirement

ISTIO_KINDS = ("AuthorizationPolicy", "PeerAuthentication", "Sidecar", "ServiceEntry")

#: What an Istio object of the input is read as.
IstioRead = AuthorizationPolicy | PeerAuthentication | MeshObject


def read_istio(obj: Mapping[str, Any], kind: str, origin: str, seed: str) -> IstioRead:
    """An AuthorizationPolicy, PeerAuthentication, Sidecar or ServiceEntry, parsed."""
    if kind == "AuthorizationPolicy":
        return parse_authorization_policy(obj, origin, seed)
    if kind == "PeerAuthentication":
        return parse_peer_authentication(obj, origin, seed)
    return parse_unevaluated(obj, kind, origin, seed)


def assembled(objects: Iterable[IstioRead]) -> IstioObjects:
    """The Istio objects of the input, by sort, in name order."""
    out = IstioObjects()
    for obj in sorted(objects, key=lambda o: (o.namespace, o.name)):
        if isinstance(obj, AuthorizationPolicy):
            out.authorization.append(obj)
        elif isinstance(obj, PeerAuthentication):
            out.peer_authentication.append(obj)
        else:
            out.unevaluated.append(obj)
    return out


_AUTHZ_FIELDS = ("selector", "targetRef", "targetRefs", "rules", "action", "provider")
_SOURCE_FIELDS = {
    "principals": "principals",
    "notPrincipals": "not_principals",
    "requestPrincipals": "request_principals",
    "notRequestPrincipals": "not_request_principals",
    "namespaces": "namespaces",
    "notNamespaces": "not_namespaces",
    "serviceAccounts": "service_accounts",
    "notServiceAccounts": "not_service_accounts",
    "ipBlocks": "ip_blocks",
    "notIpBlocks": "not_ip_blocks",
    "remoteIpBlocks": "remote_ip_blocks",
    "notRemoteIpBlocks": "not_remote_ip_blocks",
    "trustDomains": "trust_domains",
    "notTrustDomains": "not_trust_domains",
}
_OPERATION_FIELDS = {
    "hosts": "hosts",
    "notHosts": "not_hosts",
    "ports": "ports",
    "notPorts": "not_ports",
    "methods": "methods",
    "notMethods": "not_methods",
    "paths": "paths",
    "notPaths": "not_paths",
}
_TARGET_FIELDS = ("group", "kind", "name", "namespace")
DRY_RUN = "istio.io/dry-run"


def parse_authorization_policy(
    obj: Mapping[str, Any], origin: str = "", seed: str = ""
) -> AuthorizationPolicy:
    """The policy, or a FieldError listing every problem of the document."""
    found = Collector()
    meta = found.run(metadata, obj, "AuthorizationPolicy", seed or origin)
    spec = found.run(f.obj, obj.get("spec"), "spec", _AUTHZ_FIELDS) or {}
    selector = found.run(workload_selector, spec.get("selector"), "spec.selector")
    refs = found.run(_target_refs, spec)
    if spec.get("selector") is not None and refs:
        found.problems.append(FieldError("spec", "only one of targetRefs or selector can be set"))
    action = found.run(f.enum, spec.get("action", "ALLOW"), "spec.action", ACTIONS) or "ALLOW"
    provider = found.run(_provider, spec, action) or ""
    rules: list[AuthzRule] = []
    for i, (path, raw) in enumerate(_each(found, spec.get("rules"), "spec.rules", 512)):
        rule = found.run(_rule, raw, path, i)
        if rule is not None:
            rules.append(rule)
    found.done()
    assert meta is not None
    annotations = mapping(mapping(obj.get("metadata"), "metadata").get("annotations"), "")
    return AuthorizationPolicy(
        namespace=meta.namespace,
        name=meta.name,
        action=action,
        selector=selector,
        target_refs=refs or (),
        rules=tuple(rules),
        provider=provider,
        dry_run=str(annotations.get(DRY_RUN, "")).lower() == "true",
        origin=origin,
    )


def parse_peer_authentication(
    obj: Mapping[str, Any], origin: str = "", seed: str = ""
) -> PeerAuthentication:
    """The PeerAuthentication, or a FieldError listing every problem of the document."""
    found = Collector()
    meta = found.run(metadata, obj, "PeerAuthentication", seed or origin)
    spec = found.run(f.obj, obj.get("spec"), "spec", ("selector", "mtls", "portLevelMtls")) or {}
    selector = found.run(workload_selector, spec.get("selector"), "spec.selector")
    mode = found.run(_mtls, spec.get("mtls"), "spec.mtls") or "UNSET"
    ports: list[tuple[int, str]] = []
    levels = found.run(mapping, spec.get("portLevelMtls"), "spec.portLevelMtls") or {}
    if spec.get("portLevelMtls") is not None and not levels:
        found.problems.append(FieldError("spec.portLevelMtls", "must have at least 1 item"))
    for key, value in levels.items():
        path = f"spec.portLevelMtls.{key}"
        port = found.run(_port_key, key, path)
        level = found.run(_mtls, value, path)
        if port is not None and level is not None:
            ports.append((port, level))
    if levels and (selector is None or selector.is_empty()):
        found.problems.append(FieldError("spec.portLevelMtls", "portLevelMtls requires selector"))
    found.done()
    assert meta is not None
    if selector is not None and selector.is_empty():
        # A selector without labels selects no workload in particular: the policy is
        # namespace- (root namespace: mesh-) wide, as the CRD's portLevelMtls rule reads it.
        selector = None
    return PeerAuthentication(
        meta.namespace, meta.name, selector, mode, tuple(sorted(ports)), origin
    )


def parse_unevaluated(obj: Mapping[str, Any], kind: str, origin: str, seed: str) -> MeshObject:
    """A Sidecar or ServiceEntry (:mod:`reach.input.istionet`)."""
    return parse_networking(obj, kind, origin, seed)


def workload_selector(raw: Any, path: str) -> LabelSelector | None:
    """``selector``: ``matchLabels`` only (a WorkloadSelector); absent: ``None``."""
    if raw is None:
        return None
    m = f.obj(raw, path, ("matchLabels",))
    labels = parse_labels(m.get("matchLabels"), f"{path}.matchLabels")
    return LabelSelector(
        tuple(Requirement(k, "In", frozenset([v]), plain=True) for k, v in sorted(labels.items()))
    )


def _each(found: Collector, raw: Any, path: str, most: int) -> list[tuple[str, Any]]:
    listed = found.run(f.items, raw, path, max_items=most) or []
    return [(f"{path}[{i}]", item) for i, item in enumerate(listed)]


def _items_with(
    found: Collector, raw: Any, path: str, key: str, most: int
) -> list[tuple[str, Mapping[str, Any]]]:
    """The items of a list of ``{key: ...}`` mappings (``from``, ``to``), each checked."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for item_path, item in _each(found, raw, path, most):
        m = found.run(f.obj, item, item_path, (key,))
        if m is not None:
            out.append((item_path, m))
    return out


def _target_refs(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """``targetRef`` and ``targetRefs`` (at most 16) as ``Kind/name``."""
    found = Collector()
    raws: list[tuple[str, Any]] = []
    if spec.get("targetRef") is not None:
        raws.append(("spec.targetRef", spec["targetRef"]))
    raws += _each(found, spec.get("targetRefs"), "spec.targetRefs", 16)
    out: list[str] = []
    for path, raw in raws:
        m = found.run(f.obj, raw, path, _TARGET_FIELDS, ("kind", "name"))
        if m is not None and isinstance(m.get("kind"), str) and isinstance(m.get("name"), str):
            out.append(f"{m['kind']}/{m['name']}")
        elif m is not None:
            found.problems.append(FieldError(path, "kind and name must be strings"))
    found.done()
    return tuple(out)


def _provider(spec: Mapping[str, Any], action: str) -> str:
    """``provider.name``: "Must be used only with CUSTOM action"."""
    raw = spec.get("provider")
    if raw is None:
        return ""
    if action != "CUSTOM":
        raise FieldError("spec.provider", "must be used only with the CUSTOM action")
    m = f.obj(raw, "spec.provider", ("name",))
    return f.string(m.get("name", ""), "spec.provider.name")


def _strings(found: Collector, raw: Any, path: str, most: int | None = None) -> tuple[str, ...]:
    out: list[str] = []
    for item_path, item in _each(found, raw, path, most or 1 << 30):
        text = found.run(f.string, item, item_path)
        if text is not None:
            out.append(text)
    return tuple(out)


def _rule(raw: Any, path: str, index: int) -> AuthzRule:
    """One item of ``rules``: ``from``, ``to`` and ``when``."""
    found = Collector()
    m = f.obj(raw, path, ("from", "to", "when"), found=found)
    sources = [
        found.run(_source, item.get("source"), f"{p}.source", found)
        for p, item in _items_with(found, m.get("from"), f"{path}.from", "source", 512)
    ]
    operations = [
        found.run(_operation, item.get("operation"), f"{p}.operation", found)
        for p, item in _items_with(found, m.get("to"), f"{path}.to", "operation", 1 << 30)
    ]
    conditions = [
        found.run(_condition, item, p)
        for p, item in _each(found, m.get("when"), f"{path}.when", 1 << 30)
    ]
    found.done()
    # An empty list is the field not set (proto3 ``repeated``): any source, any operation.
    return AuthzRule(
        index,
        tuple(s for s in sources if s is not None) if sources else None,
        tuple(o for o in operations if o is not None) if operations else None,
        tuple(c for c in conditions if c is not None),
    )


def _source(raw: Any, path: str, outer: Collector) -> Source:
    """``source``: the string lists, with the rules on service accounts and IP blocks."""
    found = Collector()
    m = f.obj(raw, path, tuple(_SOURCE_FIELDS), found=found)
    values: dict[str, tuple[str, ...]] = {}
    for key, attr in _SOURCE_FIELDS.items():
        most = 16 if "erviceAccounts" in key else None
        values[attr] = _strings(found, m.get(key), f"{path}.{key}", most)
    accounts = values["service_accounts"] + values["not_service_accounts"]
    if accounts and any(
        values[k] for k in ("principals", "not_principals", "namespaces", "not_namespaces")
    ):
        found.problems.append(
            FieldError(path, "Cannot set serviceAccounts with namespaces or principals")
        )
    for key in ("serviceAccounts", "notServiceAccounts"):
        for i, text in enumerate(values[_SOURCE_FIELDS[key]]):
            if "*" in text:
                found.problems.append(
                    FieldError(f"{path}.{key}[{i}]", "no form of wildcard (*) is allowed")
                )
            elif len(text) > 320:
                found.problems.append(
                    FieldError(f"{path}.{key}[{i}]", "must be at most 320 characters long")
                )
    for key in ("ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"):
        for i, text in enumerate(values[_SOURCE_FIELDS[key]]):
            found.run(address_block, text, f"{path}.{key}[{i}]")
    outer.problems += found.problems
    return Source(**values)


def _operation(raw: Any, path: str, outer: Collector) -> Operation:
    """``operation``: hosts, ports, methods and paths with their ``not`` forms."""
    found = Collector()
    m = f.obj(raw, path, tuple(_OPERATION_FIELDS), found=found)
    values: dict[str, Any] = {}
    for key, attr in _OPERATION_FIELDS.items():
        texts = _strings(found, m.get(key), f"{path}.{key}")
        if "orts" in key:
            ports = [found.run(_port, t, f"{path}.{key}[{i}]") for i, t in enumerate(texts)]
            values[attr] = tuple(p for p in ports if p is not None)
        else:
            values[attr] = texts
    outer.problems += found.problems
    return Operation(**values)


def _port(text: str, path: str) -> int:
    """A port of ``ports``/``notPorts``: a number 1-65535 written as a string."""
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= 65535:
        raise FieldError(path, f"{text!r} is not a port number (1-65535)")
    return int(text)


def _port_key(key: Any, path: str) -> int:
    """A key of ``portLevelMtls``: "port must be between 1-65535"."""
    text = str(key)
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise FieldError(path, "port must be between 1-65535")
    return int(text)


def _mtls(raw: Any, path: str) -> str:
    """A MutualTLS: its ``mode`` (UNSET when absent)."""
    if raw is None:
        return "UNSET"
    m = f.obj(raw, path, ("mode",))
    return f.enum(m.get("mode", "UNSET"), f"{path}.mode", MODES)


def _condition(raw: Any, path: str) -> Condition:
    """``when[]``: ``key`` is required; "at least one of values or notValues must be set"."""
    found = Collector()
    m = f.obj(raw, path, ("key", "values", "notValues"), found=found)
    key = m.get("key")
    if not isinstance(key, str) or not key:
        found.problems.append(
            FieldError(
                f"{path}.key",
                "is required" if key is None else f"must be a string, not {describe(key)}",
            )
        )
    values = _strings(found, m.get("values"), f"{path}.values")
    not_values = _strings(found, m.get("notValues"), f"{path}.notValues")
    if not values and not not_values:
        found.problems.append(FieldError(path, "at least one of values or notValues must be set"))
    found.done()
    return Condition(str(key), values, not_values)
