"""A brute-force reference for Istio's sidecar decision, written from the reference texts
(/work/shared/specs/istio/authorization_policy.proto, peer_authentication.proto) one pod
pair and one TCP port at a time, without the engine's code.

``decide(objects, src, dst, port)`` reads the manifests (plain dicts) itself and answers
``(allowed, marks)``: whether the destination's sidecar lets a TCP connection on ``port``
through at L4, and the ``(rule label, effect)`` of each rule whose decision depends on the
request (L7 conditions, CUSTOM): see docs/semantics.md, "Istio authorization".
"""

from __future__ import annotations

import ipaddress
from typing import Any

Obj = dict[str, Any]
ROOT = "istio-system"
IDENTITY_KEYS = ("source.namespace", "source.principal")


def _meta(obj: Obj) -> Obj:
    meta: Obj = obj.get("metadata") or {}
    return meta


def _labels(obj: Obj) -> dict[str, str]:
    return dict(_meta(obj).get("labels") or {})


def _ns(obj: Obj) -> str:
    return str(_meta(obj).get("namespace") or "default")


def _kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o.get("kind") == kind]


def has_sidecar(objects: list[Obj], pod: Obj) -> bool:
    """Injection: pod label/annotation ``sidecar.istio.io/inject``, namespace labels."""
    if (pod.get("spec") or {}).get("hostNetwork"):
        return False
    ns_labels: dict[str, str] = {}
    for ns in _kind(objects, "Namespace"):
        if _meta(ns)["name"] == _ns(pod):
            ns_labels = _labels(ns)
    label = _labels(pod).get("sidecar.istio.io/inject")
    note = (_meta(pod).get("annotations") or {}).get("sidecar.istio.io/inject")
    if ns_labels.get("istio-injection") == "disabled" or "false" in (label, note):
        return False
    if label == "true":
        return True
    return (
        ns_labels.get("istio-injection") == "enabled"
        or "istio.io/rev" in ns_labels
        or "istio.io/rev" in _labels(pod)
    )


def _selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    wanted = (selector or {}).get("matchLabels") or {}
    return all(labels.get(k) == v for k, v in wanted.items())


def mtls_mode(objects: list[Obj], pod: Obj, port: int) -> str:
    """PeerAuthentication: workload (selector) < namespace < root; UNSET inherits."""
    ns, labels = _ns(pod), _labels(pod)
    pas = sorted(_kind(objects, "PeerAuthentication"), key=lambda o: (_ns(o), _meta(o)["name"]))

    def wide(p: Obj) -> bool:  # no selector, or one without labels (it selects no workload)
        return not (p["spec"].get("selector") or {}).get("matchLabels")

    chain: list[Obj | None] = [
        next((p for p in pas if _ns(p) == ROOT and wide(p)), None),
        next((p for p in pas if _ns(p) == ns and wide(p)), None),
    ]
    workload = None
    if ns != ROOT:
        workload = next(
            (
                p
                for p in pas
                if _ns(p) == ns and not wide(p) and _selects(p["spec"]["selector"], labels)
            ),
            None,
        )
    chain.append(workload)
    mode = "PERMISSIVE"
    for p in chain:
        m = ((p or {}).get("spec", {}).get("mtls") or {}).get("mode", "UNSET")
        if p is not None and m != "UNSET":
            mode = m
    if workload is not None:
        levels = workload["spec"].get("portLevelMtls") or {}
        for key, value in levels.items():
            if int(key) == port and (value or {}).get("mode", "UNSET") != "UNSET":
                mode = value["mode"]
    return mode


def string_match(pattern: str, value: str) -> bool:
    """Exact, prefix ``abc*``, suffix ``*abc``, presence ``*`` (value not empty)."""
    if pattern == "*":
        return bool(value)
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return pattern == value


def _lists(field: list[str] | None, not_field: list[str] | None, value: str) -> bool:
    if field and not any(string_match(p, value) for p in field):
        return False
    return not any(string_match(p, value) for p in not_field or [])


def _source(
    source: Obj, src: Obj, identity: bool, policy_ns: str, tcp: bool = False
) -> tuple[bool, bool]:
    """(matches, needs L7)."""
    ns = _ns(src)
    sa = (src.get("spec") or {}).get("serviceAccountName") or "default"
    principal = f"cluster.local/ns/{ns}/sa/{sa}" if identity else ""
    namespace = ns if identity else ""
    account = f"{ns}/{sa}" if identity else ""
    accounts = [a if "/" in a else f"{policy_ns}/{a}" for a in source.get("serviceAccounts") or []]
    not_accounts = [
        a if "/" in a else f"{policy_ns}/{a}" for a in source.get("notServiceAccounts") or []
    ]
    # ipBlocks: "populated from the source address of the IP packet": the pod's address
    # (none in the input: in no block)
    address = pod_address(src)
    ok = (
        _in_blocks(source.get("ipBlocks"), source.get("notIpBlocks"), address)
        and _lists(source.get("principals"), source.get("notPrincipals"), principal)
        and _lists(source.get("namespaces"), source.get("notNamespaces"), namespace)
        and _lists(
            source.get("trustDomains"),
            source.get("notTrustDomains"),
            "cluster.local" if identity else "",
        )
        and (not accounts or account in accounts)
        and account not in not_accounts
    )
    http = () if tcp else ("requestPrincipals", "notRequestPrincipals")  # JWT: HTTP
    l7 = any(source.get(k) for k in (*http, "remoteIpBlocks", "notRemoteIpBlocks"))
    return ok, l7


def pod_address(pod: Obj) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``status.podIP``, else the first of ``status.podIPs``; None if neither is valid."""
    status = pod.get("status") or {}
    texts = [status.get("podIP")] + [p.get("ip") for p in status.get("podIPs") or []]
    for text in texts:
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            continue
    return None


def _in_blocks(
    blocks: list[str] | None,
    not_blocks: list[str] | None,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
) -> bool:
    def inside(texts: list[str]) -> bool:
        return address is not None and any(
            address in ipaddress.ip_network(t, strict=False) for t in texts
        )

    if blocks and not inside(blocks):
        return False
    return not inside(not_blocks or [])


def _operation(op: Obj, port: int, tcp: bool = False) -> tuple[bool, bool]:
    ports = [int(p) for p in op.get("ports") or []]
    if ports and port not in ports:
        return False, False
    if port in [int(p) for p in op.get("notPorts") or []]:
        return False, False
    keys = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")
    return True, not tcp and any(op.get(k) for k in keys)


def rule_match(
    rule: Obj, src: Obj, identity: bool, port: int, policy_ns: str, tcp: bool = False
) -> str:
    """``"no"``, ``"yes"`` (at L4) or ``"l7"`` (only if the request's attributes say so).
    ``tcp``: a DENY rule on plain TCP traffic, whose missing HTTP attributes match."""
    ns = _ns(src)
    sa = (src.get("spec") or {}).get("serviceAccountName") or "default"
    cond_l7 = False
    for cond in rule.get("when") or []:
        key = cond["key"]
        if key == "destination.port":
            value = str(port)
        elif key in IDENTITY_KEYS:
            value = (
                ""
                if not identity
                else (ns if key == "source.namespace" else f"cluster.local/ns/{ns}/sa/{sa}")
            )
        else:
            cond_l7 |= not (tcp and key.startswith("request."))
            continue
        if not _lists(cond.get("values"), cond.get("notValues"), value):
            return "no"
    # "If not set, any source [operation] is allowed"; an empty list is not set (proto3).
    froms = [f.get("source") or {} for f in rule["from"]] if rule.get("from") else [None]
    tos = [t.get("operation") or {} for t in rule["to"]] if rule.get("to") else [None]
    best = "no"
    for s in froms:
        s_ok, s_l7 = (True, False) if s is None else _source(s, src, identity, policy_ns, tcp)
        if not s_ok:
            continue
        for o in tos:
            o_ok, o_l7 = (True, False) if o is None else _operation(o, port, tcp)
            if not o_ok:
                continue
            if not (s_l7 or o_l7 or cond_l7):
                return "yes"
            best = "l7"
    return best


def plain_tcp(objects: list[Obj], dst: Obj, port: int) -> bool:
    """Every Service port leading to ``port`` of ``dst`` (at least one) names a non-HTTP
    protocol (``tcp``, ``tls``, ``https``, ``mongo``, ``mysql``, ``redis``, ``-suffix``)."""
    named = {
        c.get("name"): c["containerPort"]
        for c in ((dst.get("spec") or {}).get("containers") or [{}])[0].get("ports") or []
        if c.get("protocol", "TCP") == "TCP"
    }
    kinds = []
    for svc in _kind(objects, "Service"):
        sel = (svc.get("spec") or {}).get("selector") or {}
        if _ns(svc) != _ns(dst) or not sel or not _selects({"matchLabels": sel}, _labels(dst)):
            continue
        for sp in svc["spec"].get("ports") or []:
            target = sp.get("targetPort", sp["port"])
            reached = named.get(target) if isinstance(target, str) else target
            if sp.get("protocol", "TCP") == "TCP" and reached == port:
                name = (sp.get("name") or "").split("-")[0].lower()
                kinds.append(name in ("tcp", "tls", "https", "mongo", "mysql", "redis"))
    return bool(kinds) and all(kinds)


def decide(objects: list[Obj], src: Obj, dst: Obj, port: int) -> tuple[bool, set[tuple[str, str]]]:
    """The sidecar of ``dst`` on TCP ``port`` for a connection from pod ``src``."""
    if not has_sidecar(objects, dst):
        return True, set()
    mode = mtls_mode(objects, dst, port)
    src_sidecar = has_sidecar(objects, src)
    if mode == "STRICT" and not src_sidecar:
        return False, set()
    identity = src_sidecar and mode != "DISABLE"
    policies = []
    for p in _kind(objects, "AuthorizationPolicy"):
        spec = p.get("spec") or {}
        action = spec.get("action", "ALLOW")
        dry = (_meta(p).get("annotations") or {}).get("istio.io/dry-run") == "true"
        if dry or action == "AUDIT" or "targetRefs" in spec or "targetRef" in spec:
            continue
        if _ns(p) not in (_ns(dst), ROOT) or not _selects(spec.get("selector"), _labels(dst)):
            continue
        policies.append((p, action, spec.get("rules") or []))
    found: dict[str, list[tuple[str, str]]] = {"ALLOW": [], "DENY": [], "CUSTOM": []}
    for p, action, rules in policies:
        for i, rule in enumerate(rules):
            tcp = action == "DENY" and plain_tcp(objects, dst, port)
            m = rule_match(rule, src, identity, port, _ns(p), tcp)
            if m != "no":
                found[action].append(
                    (f"AuthorizationPolicy {_ns(p)}/{_meta(p)['name']} rules[{i}]", m)
                )
    denied = any(m == "yes" for _, m in found["DENY"])
    has_allow = any(action == "ALLOW" for _, action, _ in policies)
    allowed = not denied and (not has_allow or bool(found["ALLOW"]))
    marks: set[tuple[str, str]] = set()
    if allowed:
        plain_allow = any(m == "yes" for _, m in found["ALLOW"])
        marks |= {(label, "allows") for label, m in found["ALLOW"] if m == "l7" and not plain_allow}
        marks |= {(label, "may deny") for label, m in found["DENY"] if m == "l7"}
        marks |= {(label, "decided by CUSTOM provider") for label, _ in found["CUSTOM"]}
    return allowed, marks


# -- the source's proxy: Sidecar egress and the registry (sidecar.proto, service_entry.proto)


def _sidecar_of(objects: list[Obj], pod: Obj) -> tuple[Obj | None, list[Obj]]:
    """The Sidecar of the pod (selector one of its namespace, else the namespace's without
    selector, else the root's) and its egress listeners (inherited when it has none)."""
    ns, labels = _ns(pod), _labels(pod)
    cars = sorted(_kind(objects, "Sidecar"), key=lambda o: (_ns(o), _meta(o)["name"]))

    def spec(o: Obj) -> Obj:
        return o.get("spec") or {}

    workload = next(
        (
            s
            for s in cars
            if _ns(s) == ns
            and spec(s).get("workloadSelector") is not None
            and all(
                labels.get(k) == v
                for k, v in (spec(s)["workloadSelector"].get("labels") or {}).items()
            )
        ),
        None,
    )
    space = next(
        (s for s in cars if _ns(s) == ns and spec(s).get("workloadSelector") is None), None
    )
    root = next(
        (s for s in cars if _ns(s) == ROOT and spec(s).get("workloadSelector") is None), None
    )
    chosen = workload or space or root
    for s in (chosen, space, root):
        if s is not None and spec(s).get("egress"):
            return chosen, list(spec(s)["egress"])
    return chosen, [{"hosts": ["*/*"]}]


def _host_match(pattern: str, sidecar_ns: str, host: str, host_ns: str) -> bool:
    ns, _, dns = pattern.partition("/")
    ns = sidecar_ns if ns == "." else ns
    if ns not in ("*", "") and ns != host_ns:
        return False
    if dns in ("*", host):
        return True
    return dns.startswith("*.") and host.endswith(dns[1:])


def _imports(listeners: list[Obj], sidecar_ns: str, host: str, host_ns: str, port: int) -> bool:
    """ "the hosts exposed on a listener port will be based on the listener with the most
    specific port"; "a host is exposed only when it is imported by some entry and not
    excluded by any entry"."""
    with_port = [li for li in listeners if (li.get("port") or {}).get("number") == port]
    pool = with_port or [li for li in listeners if not (li.get("port") or {}).get("number")]
    hosts = [h for li in pool for h in li["hosts"]]
    if any(h[0] == "~" and _host_match(h[1:], sidecar_ns, host, host_ns) for h in hosts):
        return False
    return any(h[0] != "~" and _host_match(h, sidecar_ns, host, host_ns) for h in hosts)


def _registry(objects: list[Obj], dst: Obj, port: int) -> list[tuple[str, str, int, Obj | None]]:
    """(host, namespace, service port, ServiceEntry or None) that lead to ``dst`` on TCP
    ``port``."""
    out: list[tuple[str, str, int, Obj | None]] = []
    named = {
        c.get("name"): c["containerPort"]
        for c in ((dst.get("spec") or {}).get("containers") or [{}])[0].get("ports") or []
        if c.get("protocol", "TCP") == "TCP"
    }
    for svc in _kind(objects, "Service"):
        sel = (svc.get("spec") or {}).get("selector") or {}
        if _ns(svc) != _ns(dst) or not sel or not _selects({"matchLabels": sel}, _labels(dst)):
            continue
        for sp in svc["spec"].get("ports") or []:
            if sp.get("protocol", "TCP") != "TCP":
                continue
            target = sp.get("targetPort", sp["port"])
            if (named.get(target) if isinstance(target, str) else target) == port:
                host = f"{_meta(svc)['name']}.{_ns(svc)}.svc.cluster.local"
                out.append((host, _ns(svc), sp["port"], None))
    for se in _kind(objects, "ServiceEntry"):
        spec = se.get("spec") or {}
        picked = spec.get("workloadSelector")
        if picked is not None:
            if _ns(se) != _ns(dst) or not all(
                _labels(dst).get(k) == v for k, v in (picked.get("labels") or {}).items()
            ):
                continue
            numbers = [
                p["number"] for p in spec["ports"] if p.get("targetPort", p["number"]) == port
            ]
        elif (
            spec.get("resolution", "NONE") == "NONE"
            and not spec.get("addresses")
            and not spec.get("endpoints")
        ):
            numbers = [p["number"] for p in spec["ports"] if p["number"] == port]  # any IP
        else:
            continue
        out += [(h, _ns(se), n, se) for h in spec["hosts"] for n in numbers]
    return out


def forwards(objects: list[Obj], src: Obj, dst: Obj, port: int) -> bool:
    """Whether the proxy of pod ``src`` forwards a TCP connection to pod ``dst`` on
    ``port``: always, unless its Sidecar is ``REGISTRY_ONLY``; then only through a
    registry host its egress imports (and that is exported to its namespace)."""
    if not has_sidecar(objects, src):
        return True
    chosen, listeners = _sidecar_of(objects, src)
    policy = (chosen or {}).get("spec", {}).get("outboundTrafficPolicy")
    mode = "ALLOW_ANY" if policy is None else policy.get("mode", "REGISTRY_ONLY")
    if mode != "REGISTRY_ONLY":
        return True
    ns = _ns(src)
    for host, host_ns, number, se in _registry(objects, dst, port):
        export = ((se or {}).get("spec") or {}).get("exportTo") or ["*"]
        if not ("*" in export or ns in export or ("." in export and ns == host_ns)):
            continue
        if _imports(listeners, ns, host, host_ns, number):
            return True
    return False
