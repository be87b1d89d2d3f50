"""What Istio's sidecar of a destination decides for one caller (docs/semantics.md, "Istio
authorization"): the mTLS mode of each port, then CUSTOM, DENY and ALLOW policies.

Pure semantics over port sets, no classes: :mod:`reach.engine.meshlayer` asks it once per
destination profile and caller profile, and ``explain`` asks it for one pair. A caller is
described by which *clauses* (the identity and address part of a ``from.source``, or a
``when`` condition on ``source.namespace``/``source.principal``) hold for it, with and
without a peer identity (no identity: plain text, or mTLS ``DISABLE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reach.model.istio import (
    ROOT_NAMESPACE,
    TRUST_DOMAIN,
    AuthorizationPolicy,
    AuthzRule,
    Condition,
    Operation,
    PeerAuthentication,
    Source,
    principal,
    string_match,
)
from reach.model.ports import PortSet
from reach.model.selectors import Labels

#: The sidecar intercepts TCP only: other protocols pass it untouched.
TCP = PortSet.of("TCP")
IDENTITY_KEYS = ("source.namespace", "source.principal")
#: ``when`` keys of HTTP request attributes (headers, JWT claims): missing from plain TCP.
HTTP_KEYS = ("request.",)


@dataclass(frozen=True)
class Caller:
    """A source as the destination's sidecar sees it.

    ``sidecar``: it has one (it speaks mTLS when the destination accepts it);
    ``with_identity``/``without_identity``: the clause ids that hold for it with its peer
    identity, and without any.
    """

    sidecar: bool
    with_identity: frozenset[tuple[int, ...]]
    without_identity: frozenset[tuple[int, ...]]


@dataclass(frozen=True)
class Mark:
    """Ports whose answer depends on what reach does not see (an L7 condition)."""

    label: str  #: ``AuthorizationPolicy ns/name rules[0]``
    summary: str  #: ``GET /headers``
    ports: PortSet
    effect: str  #: "allows" | "may deny" | "decided by CUSTOM provider NAME"


@dataclass(frozen=True)
class MeshVerdict:
    """The ports the sidecar lets through, the marks, and why (for ``explain``)."""

    allowed: PortSet
    marks: tuple[Mark, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    """Ports of a destination that share one mTLS mode."""

    ports: PortSet
    mode: str


@dataclass(frozen=True)
class Destination:
    """A destination with a sidecar: the policies that apply to it, its mTLS regions."""

    policies: tuple[tuple[int, AuthorizationPolicy], ...]
    regions: tuple[Region, ...] = field(default=(Region(TCP, "PERMISSIVE"),))
    #: Ports whose inbound traffic is plain TCP (every Service port leading there declares a
    #: non-HTTP protocol): HTTP attributes are missing there.
    tcp_ports: PortSet = field(default_factory=PortSet.empty)


def applies(policy: AuthorizationPolicy, namespace: str, labels: Labels) -> bool:
    """Scope: the policy's namespace (every namespace from the root one) and ``selector``."""
    if policy.dry_run or policy.target_refs or policy.action == "AUDIT":
        return False
    if policy.namespace not in (namespace, ROOT_NAMESPACE):
        return False
    return policy.selector is None or policy.selector.matches(labels)


def regions(
    peers: Sequence[PeerAuthentication], namespace: str, labels: Labels
) -> tuple[Region, ...]:
    """The mTLS mode of each port: workload policy, then namespace, then root (UNSET
    inherits; PERMISSIVE when none says), ``portLevelMtls`` from the workload policy."""
    workload = next(
        (
            p
            for p in peers
            if p.namespace == namespace
            and p.selector is not None
            and namespace != ROOT_NAMESPACE
            and p.selector.matches(labels)
        ),
        None,
    )
    space = next((p for p in peers if p.namespace == namespace and p.selector is None), None)
    root = next((p for p in peers if p.namespace == ROOT_NAMESPACE and p.selector is None), None)
    mode = "PERMISSIVE"
    for p in (root, space, workload):
        if p is not None and p.mode != "UNSET":
            mode = p.mode
    out: list[Region] = []
    rest = TCP
    for port, port_mode in workload.port_modes if workload else ():
        if port_mode not in ("UNSET", mode):
            out.append(Region(PortSet.of("TCP", port), port_mode))
            rest = rest - PortSet.of("TCP", port)
    return (Region(rest, mode), *out)


def identity_holds(source: Source, namespace: str, account: str, policy_ns: str) -> bool:
    """The identity part of a source, for a caller with a peer identity."""
    ident = principal(namespace, account)
    accounts = [a if "/" in a else f"{policy_ns}/{a}" for a in source.service_accounts]
    not_accounts = [a if "/" in a else f"{policy_ns}/{a}" for a in source.not_service_accounts]
    checks = (
        (source.principals, source.not_principals, ident),
        (source.namespaces, source.not_namespaces, namespace),
        (source.trust_domains, source.not_trust_domains, TRUST_DOMAIN),
    )
    for yes, no, value in checks:
        if yes and not any(string_match(p, value) for p in yes):
            return False
        if any(string_match(p, value) for p in no):
            return False
    if accounts and f"{namespace}/{account}" not in accounts:
        return False
    return f"{namespace}/{account}" not in not_accounts


def identity_absent_holds(source: Source) -> bool:
    """The identity part of a source for a caller without identity: the positive lists
    cannot match; the ``not`` lists cannot exclude."""
    return not (
        source.principals or source.namespaces or source.service_accounts or source.trust_domains
    )


def condition_holds(cond: Condition, namespace: str, account: str | None) -> bool:
    """A ``when`` on ``source.namespace``/``source.principal`` (``account`` None: no
    identity, the value is empty)."""
    if account is None:
        value = ""
    else:
        value = namespace if cond.key == "source.namespace" else principal(namespace, account)
    if cond.values and not any(string_match(v, value) for v in cond.values):
        return False
    return not any(string_match(v, value) for v in cond.not_values)


def decide(dest: Destination, caller: Caller) -> MeshVerdict:
    """The ports the destination's sidecar admits from the caller (see the module doc)."""
    allowed = PortSet.all() - TCP
    marks: list[Mark] = []
    reasons: list[str] = []
    for region in dest.regions:
        if region.mode == "STRICT" and not caller.sidecar:
            reasons.append(
                f"mTLS STRICT refuses plain text from a caller without sidecar on {region.ports}"
            )
            continue
        identity = caller.sidecar and region.mode != "DISABLE"
        matched = caller.with_identity if identity else caller.without_identity
        got = _region(dest, matched, region.ports)
        allowed |= got.allowed
        marks += got.marks
        reasons += got.reasons
    return MeshVerdict(allowed, tuple(marks), tuple(reasons))


def _region(dest: Destination, matched: frozenset[tuple[int, ...]], ports: PortSet) -> MeshVerdict:
    """CUSTOM (marked), then DENY, then ALLOW, over the TCP ports of one mTLS region."""
    plain: dict[str, PortSet] = {"DENY": PortSet.empty(), "ALLOW": PortSet.empty()}
    conditioned: list[tuple[str, str, str, PortSet]] = []
    reasons: list[str] = []
    has_allow = False
    for k, policy in dest.policies:
        has_allow |= policy.action == "ALLOW"
        for rule in policy.rules:
            label = f"{policy} rules[{rule.index}]"
            for hit, l7, http in alternatives(k, rule, matched):
                hit &= ports
                if http and policy.action == "DENY" and hit & dest.tcp_ports:
                    # "For a DENY rule, missing attributes are treated as matches"
                    plain["DENY"] |= hit & dest.tcp_ports
                    reasons.append(
                        f"{label} denies {hit & dest.tcp_ports}: plain TCP there, its HTTP "
                        f"conditions [{l7}] match"
                    )
                    hit = hit - dest.tcp_ports
                if not hit:
                    continue
                if l7 or policy.action == "CUSTOM":
                    conditioned.append((policy.action, label, l7 or "any request", hit))
                else:
                    plain[policy.action] |= hit
                    verb = "denies" if policy.action == "DENY" else "allows"
                    reasons.append(f"{label} {verb} {hit}")
    allow = ports if not has_allow else plain["ALLOW"]
    allow_l7 = PortSet.empty()
    for action, _, _, hit in conditioned:
        if action == "ALLOW":
            allow_l7 |= hit
    if not has_allow:
        reasons.append(f"no ALLOW policy applies: {ports} allowed")
    allowed = (allow | allow_l7) - plain["DENY"]
    if has_allow and not (allow | allow_l7):
        names = ", ".join(str(p) for _, p in dest.policies if p.action == "ALLOW")
        reasons.append(f"no rule of the ALLOW policies ({names}) matches: {ports} denied")
    marks = [_mark(c, plain, allowed) for c in conditioned]
    return MeshVerdict(allowed, tuple(m for m in marks if m.ports), tuple(reasons))


def _mark(
    conditioned: tuple[str, str, str, PortSet], plain: dict[str, PortSet], allowed: PortSet
) -> Mark:
    action, label, summary, hit = conditioned
    if action == "ALLOW":
        return Mark(label, summary, hit & allowed - plain["ALLOW"], "allows")
    if action == "DENY":
        return Mark(label, summary, hit & allowed, "may deny")
    return Mark(label, summary, hit & allowed, "decided by CUSTOM provider")


def clause_ids(k: int, rule: AuthzRule) -> list[tuple[tuple[int, ...], Source | Condition]]:
    """The clauses of rule ``rule`` of policy ``k``: each source, and each identity condition."""
    out: list[tuple[tuple[int, ...], Source | Condition]] = [
        ((k, rule.index, 0, i), s) for i, s in enumerate(rule.sources or ())
    ]
    out += [
        ((k, rule.index, 1, j), c) for j, c in enumerate(rule.conditions) if c.key in IDENTITY_KEYS
    ]
    return out


def alternatives(
    k: int, rule: AuthzRule, matched: frozenset[tuple[int, ...]]
) -> list[tuple[PortSet, str, bool]]:
    """The ways the rule matches the caller: (TCP ports, L7 conditions text ("" if none),
    whether every L7 condition is an HTTP attribute, missing from plain TCP traffic)."""
    if rule.sources is None:
        sources = [("", True)]
    else:
        sources = [
            (source_l7(s), not (s.remote_ip_blocks or s.not_remote_ip_blocks))
            for i, s in enumerate(rule.sources)
            if (k, rule.index, 0, i) in matched
        ]
    if not sources:
        return []
    ports = TCP
    l7: list[str] = []
    http = True
    for j, cond in enumerate(rule.conditions):
        if cond.key == "destination.port":
            ports &= _condition_ports(cond)
        elif cond.key in IDENTITY_KEYS:
            if (k, rule.index, 1, j) not in matched:
                return []
        else:
            l7.append(_condition_text(cond))
            http &= cond.key.startswith(HTTP_KEYS)
    ops = [(TCP, "")] if rule.operations is None else [operation(o) for o in rule.operations]
    out: list[tuple[PortSet, str, bool]] = []
    for s, s_http in sources:
        for op_ports, op_l7 in ops:
            text = " ".join(t for t in (op_l7, s, *l7) if t)
            out.append((op_ports & ports, text, bool(text) and http and s_http))
    return out


def operation(op: Operation) -> tuple[PortSet, str]:
    """An operation's TCP ports and its HTTP conditions (``GET /headers``)."""
    ports = TCP
    if op.ports:
        ports = PortSet.empty()
        for p in op.ports:
            ports |= PortSet.of("TCP", p)
    for p in op.not_ports:
        ports = ports - PortSet.of("TCP", p)
    parts = [
        ",".join(op.methods),
        ",".join(op.paths),
        "host " + ",".join(op.hosts) if op.hosts else "",
        "not " + ",".join(op.not_methods) if op.not_methods else "",
        "not " + ",".join(op.not_paths) if op.not_paths else "",
        "not host " + ",".join(op.not_hosts) if op.not_hosts else "",
    ]
    return ports, " ".join(p for p in parts if p)


def source_l7(source: Source) -> str:
    """What of a source the sidecar checks per request (JWT principals, remote IPs)."""
    parts = [
        "requestPrincipals " + ",".join(source.request_principals)
        if source.request_principals
        else "",
        "not requestPrincipals " + ",".join(source.not_request_principals)
        if source.not_request_principals
        else "",
        "remoteIpBlocks " + ",".join(source.remote_ip_blocks) if source.remote_ip_blocks else "",
        "not remoteIpBlocks " + ",".join(source.not_remote_ip_blocks)
        if source.not_remote_ip_blocks
        else "",
    ]
    return " ".join(p for p in parts if p)


def _condition_ports(cond: Condition) -> PortSet:
    ports = PortSet.empty() if cond.values else TCP
    for v in cond.values:
        if v.isdigit() and 0 < int(v) <= 65535:
            ports |= PortSet.of("TCP", int(v))
    for v in cond.not_values:
        if v.isdigit() and 0 < int(v) <= 65535:
            ports = ports - PortSet.of("TCP", int(v))
    return ports


def _condition_text(cond: Condition) -> str:
    said = [f"{cond.key} in [{', '.join(cond.values)}]"] if cond.values else []
    said += [f"{cond.key} not in [{', '.join(cond.not_values)}]"] if cond.not_values else []
    return "when " + " and ".join(said)
