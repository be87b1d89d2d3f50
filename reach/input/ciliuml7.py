"""The L7 parts of a ``toPorts`` item, validated and summed up in one line each.

reach does not evaluate them: "Unlike layer 3 and layer 4 policies, violation of
layer 7 rules does not result in packet drops" (layer7.rst), so the L4 part is
allowed and the edge is marked L7 filtered with these summaries: ``HTTP GET
/public``, ``DNS *.example.com``, ``TLS SNI one.one.one.one``. ``kafka`` and
``l7proto``/``l7`` are not in the CRD of Cilium 1.19 (their support was removed);
reach reads them as earlier versions defined them, so that older manifests load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reach.errors import FieldError
from reach.input import ciliumfields as f
from reach.input.validation import Collector

#: The CRD's pattern of DNS names and patterns (``toFQDNs``, ``rules.dns``).
FQDN_NAME = re.compile(r"^([-a-zA-Z0-9_]+[.]?)+$")
FQDN_PATTERN = re.compile(r"^([-a-zA-Z0-9_*]+[.]?)+$")
FQDN_MAX = 255
NAME_EXPECTED = "a DNS name (letters, digits, '-', '_' and '.')"
PATTERN_EXPECTED = "a DNS name pattern (letters, digits, '-', '_', '*' and '.')"
#: ``rules``: one protocol per item ("Mixing of different port level rule types is
#: disallowed, so exactly one of the following must be set").
RULE_KINDS = ("http", "dns", "kafka", "l7proto")
_HTTP_FIELDS = ("method", "path", "host", "headers", "headerMatches")
_HEADER_MISMATCH = ("LOG", "ADD", "DELETE", "REPLACE")
_KAFKA_FIELDS = ("role", "apiKey", "apiVersion", "clientID", "topic")


def l7_rules(raw: Any, path: str) -> tuple[str, list[str]] | None:
    """``rules``: its protocol (``""`` when its list is empty: no L7 filtering) and one
    summary per rule; None when absent."""
    if raw is None:
        return None
    m = f.obj(raw, path, (*RULE_KINDS, "l7"))
    kind = f.one_of(m, path, RULE_KINDS)
    found = Collector()
    if kind == "l7proto":
        proto = f.string(m["l7proto"], f"{path}.l7proto", min_len=1)
        entries = found.run(f.items, m.get("l7"), f"{path}.l7") or []
        out = [_generic(proto, e, f"{path}.l7[{i}]", found) for i, e in enumerate(entries)]
        found.done()
        return "l7proto", out or [f"L7 {proto}"]
    if m.get("l7") is not None:
        raise FieldError(f"{path}.l7", "is only used with l7proto")
    parse = {"http": _http, "dns": dns_name, "kafka": _kafka}[kind]
    out = []
    for ipath, item in found.run(lambda: list(f.each(m[kind], f"{path}.{kind}"))) or []:
        summary = found.run(parse, item, ipath)
        if summary is not None:
            out.append(summary if kind != "dns" else f"DNS {summary}")
    found.done()
    return (kind if out else ""), out


def dns_name(raw: Any, path: str) -> str:
    """A ``toFQDNs`` or ``rules.dns`` item: its ``matchName`` or ``matchPattern``."""
    m = f.obj(raw, path, ("matchName", "matchPattern"))
    key = f.one_of(m, path, ("matchName", "matchPattern"))
    pattern = FQDN_NAME if key == "matchName" else FQDN_PATTERN
    expected = NAME_EXPECTED if key == "matchName" else PATTERN_EXPECTED
    return f.string(m[key], f"{path}.{key}", pattern=pattern, max_len=FQDN_MAX, expected=expected)


def _http(raw: Any, path: str) -> str:
    m = f.obj(raw, path, _HTTP_FIELDS)
    found = Collector()
    text = {
        k: found.run(f.string, m[k], f"{path}.{k}")
        for k in ("method", "path", "host")
        if m.get(k) is not None
    }
    headers = [
        found.run(f.string, h, hp)
        for hp, h in found.run(lambda: list(f.each(m.get("headers"), f"{path}.headers"))) or []
    ]
    for hp, h in (
        found.run(lambda: list(f.each(m.get("headerMatches"), f"{path}.headerMatches"))) or []
    ):
        name = found.run(_header_match, h, hp)
        headers.append(f"{name} (match)" if name else None)
    found.done()
    parts = ["HTTP", text.get("method") or "*"]
    if text.get("path"):
        parts.append(str(text["path"]))
    if text.get("host"):
        parts.append(f"host {text['host']}")
    if headers:
        parts.append("headers " + ", ".join(str(h) for h in headers))
    return " ".join(parts)


def _header_match(raw: Any, path: str) -> str:
    m = f.obj(raw, path, ("name", "value", "mismatch", "secret"), required=("name",))
    found = Collector()
    name = found.run(f.string, m["name"], f"{path}.name", min_len=1)
    if m.get("value") is not None:
        found.run(f.string, m["value"], f"{path}.value")
    if m.get("mismatch") is not None:
        found.run(f.enum, m["mismatch"], f"{path}.mismatch", _HEADER_MISMATCH)
    if m.get("secret") is not None:
        found.run(_secret, m["secret"], f"{path}.secret")
    found.done()
    return str(name)


def _kafka(raw: Any, path: str) -> str:
    m = f.obj(raw, path, _KAFKA_FIELDS)
    found = Collector()
    parts = [
        f"{k}={found.run(f.string, m[k], f'{path}.{k}')}"
        for k in _KAFKA_FIELDS
        if m.get(k) is not None
    ]
    found.done()
    return " ".join(["Kafka", *parts]) if parts else "Kafka *"


def _generic(proto: str, raw: Any, path: str, found: Collector) -> str:
    m = found.run(f.mapping_of_strings, raw, path) or {}
    return " ".join([f"L7 {proto}", *(f"{k}={v}" for k, v in m.items())])


def tls_summaries(m: Mapping[str, Any], path: str) -> list[str]:
    """``serverNames``, ``terminatingTLS``, ``originatingTLS`` and ``listener`` of a
    ``toPorts`` item, each as a summary."""
    found = Collector()
    out: list[str] = []
    if m.get("serverNames") is not None:
        names = found.run(_server_names, m["serverNames"], f"{path}.serverNames")
        if names:
            out.append("TLS SNI " + ", ".join(names))
    for key, what in (("terminatingTLS", "terminated"), ("originatingTLS", "originated")):
        if m.get(key) is not None:
            secret = found.run(_tls, m[key], f"{path}.{key}")
            if secret is not None:
                out.append(f"TLS {what} (secret {secret})")
    if m.get("listener") is not None:
        listener = found.run(_listener, m["listener"], f"{path}.listener")
        if listener is not None:
            out.append(listener)
    found.done()
    return out


def _server_names(raw: Any, path: str) -> list[str]:
    names = f.items(raw, path)
    if not names:
        raise FieldError(path, "must have at least 1 item")
    found = Collector()
    out: list[str] = []
    for i, n in enumerate(names):
        name = found.run(
            f.string,
            n,
            f"{path}[{i}]",
            pattern=FQDN_PATTERN,
            max_len=FQDN_MAX,
            expected=PATTERN_EXPECTED,
        )
        if name is not None and name in out:
            found.problems.append(FieldError(f"{path}[{i}]", f"duplicate value {name!r}"))
        elif name is not None:
            out.append(name)
    found.done()
    return out


def _secret(raw: Any, path: str) -> str:
    m = f.obj(raw, path, ("name", "namespace"), required=("name",))
    name = f.string(m["name"], f"{path}.name")
    ns = f.string(m["namespace"], f"{path}.namespace") if m.get("namespace") is not None else ""
    return f"{ns}/{name}" if ns else name


def _tls(raw: Any, path: str) -> str:
    m = f.obj(raw, path, ("secret", "certificate", "privateKey", "trustedCA"), required=("secret",))
    found = Collector()
    for key in ("certificate", "privateKey", "trustedCA"):
        if m.get(key) is not None:
            found.run(f.string, m[key], f"{path}.{key}")
    secret = found.run(_secret, m["secret"], f"{path}.secret")
    found.done()
    return str(secret)


def _listener(raw: Any, path: str) -> str:
    m = f.obj(raw, path, ("envoyConfig", "name", "priority"), required=("envoyConfig", "name"))
    found = Collector()
    name = found.run(f.string, m["name"], f"{path}.name", min_len=1)
    if m.get("priority") is not None:
        found.run(f.integer, m["priority"], f"{path}.priority", 1, 100)
    cfg = (
        found.run(f.obj, m["envoyConfig"], f"{path}.envoyConfig", ("kind", "name"), ("name",)) or {}
    )
    kind = "CiliumEnvoyConfig"
    if cfg.get("kind") is not None:
        kind = (
            found.run(
                f.enum,
                cfg["kind"],
                f"{path}.envoyConfig.kind",
                ("CiliumEnvoyConfig", "CiliumClusterwideEnvoyConfig"),
            )
            or kind
        )
    config = (
        found.run(f.string, cfg.get("name"), f"{path}.envoyConfig.name", min_len=1) if cfg else None
    )
    found.done()
    return f"Envoy listener {name} ({kind} {config})"
