"""``reach generate --format cilium``: the generated NetworkPolicies written as
CiliumNetworkPolicies that allow the same, rule for rule.

Each NetworkPolicy becomes a CiliumNetworkPolicy of the same name and namespace:
``podSelector`` is its ``endpointSelector``; each direction with no rule is ``[{}]``
(isolated, nothing allowed); each rule becomes one Cilium rule for its pod peers
(``fromEndpoints``/``toEndpoints``) and one for its address peers
(``fromCIDRSet``/``toCIDRSet``), as Cilium does not combine the two in one rule, both with
the rule's ports (``toPorts``; every port of a protocol is port ``0``). A peer's
``namespaceSelector`` becomes labels of the endpoint selector: a namespace by name is
``io.kubernetes.pod.namespace``, other namespace labels ``io.cilium.k8s.namespace.labels.*``,
every namespace ``io.kubernetes.pod.namespace`` Exists; a peer without one stays in the
policy's namespace, as Cilium's implicit namespace keeps it (docs/semantics.md, Cilium).
"""

from __future__ import annotations

import re
from typing import Any

from reach.model.cilium import NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX
from reach.model.cluster import NAME_LABEL

Obj = dict[str, Any]
#: ``ingress[3]: ...``: the head of a rule's comment.
_COMMENT = re.compile(r"^(ingress|egress)\[(\d+)\]: ")


def to_cilium(policy: Obj, comments: list[str]) -> tuple[Obj, list[str]]:
    """The CiliumNetworkPolicy of a generated NetworkPolicy, and its comments with the rule
    numbers of the Cilium rules (a peer's comment names the rule that holds it)."""
    spec = policy["spec"]
    out: Obj = {"endpointSelector": spec["podSelector"]}
    numbers: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    for direction in ("ingress", "egress"):
        rules: list[Obj] = []
        for k, rule in enumerate(spec.get(direction) or ()):
            pods, blocks = _split(rule, direction)
            numbers[(direction, k)] = (
                _append(rules, pods),
                _append(rules, blocks),
            )
        out[direction] = rules or [{}]
    meta = policy["metadata"]
    cnp = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
        "spec": out,
    }
    return cnp, [_renumbered(c, numbers) for c in comments]


def _append(rules: list[Obj], rule: Obj | None) -> int | None:
    if rule is None:
        return None
    rules.append(rule)
    return len(rules) - 1


def _split(rule: Obj, direction: str) -> tuple[Obj | None, Obj | None]:
    """The Cilium rule of the pod peers of ``rule``, and that of its address peers."""
    side = "from" if direction == "ingress" else "to"
    peers = rule.get(side) or []
    pods = [_endpoints(p) for p in peers if "ipBlock" not in p]
    blocks = [_cidr_set(p["ipBlock"]) for p in peers if "ipBlock" in p]
    ports = [{"ports": [_port(p) for p in rule["ports"]]}] if rule.get("ports") else []
    made: list[Obj | None] = []
    for key, items in ((f"{side}Endpoints", pods), (f"{side}CIDRSet", blocks)):
        if not items:
            made.append(None)
            continue
        cilium: Obj = {key: items}
        if ports:
            cilium["toPorts"] = ports
        made.append(cilium)
    return made[0], made[1]


def _endpoints(peer: Obj) -> Obj:
    """An endpoint selector for a NetworkPolicy pod peer (see the module doc)."""
    pods = peer.get("podSelector") or {}
    labels: dict[str, str] = dict(pods.get("matchLabels") or {})
    expressions: list[Obj] = [dict(e) for e in pods.get("matchExpressions") or ()]
    if "namespaceSelector" in peer:
        spaces = peer["namespaceSelector"] or {}
        named = spaces.get("matchLabels") or {}
        for key, value in named.items():
            if key == NAME_LABEL:
                labels[NAMESPACE_KEY] = value
            else:
                labels[NAMESPACE_LABELS_PREFIX + key] = value
        for e in spaces.get("matchExpressions") or ():
            key = NAMESPACE_KEY if e["key"] == NAME_LABEL else NAMESPACE_LABELS_PREFIX + e["key"]
            expressions.append({**e, "key": key})
        if not named and not spaces.get("matchExpressions"):
            expressions.append({"key": NAMESPACE_KEY, "operator": "Exists"})
    out: Obj = {}
    if labels:
        out["matchLabels"] = labels
    if expressions:
        out["matchExpressions"] = expressions
    return out


def _cidr_set(block: Obj) -> Obj:
    out: Obj = {"cidr": block["cidr"]}
    if block.get("except"):
        out["except"] = list(block["except"])
    return out


def _port(port: Obj) -> Obj:
    """A NetworkPolicy port as a Cilium one: every port of the protocol is ``"0"``."""
    out: Obj = {"port": str(port.get("port", 0)), "protocol": port["protocol"]}
    if "endPort" in port:
        out["endPort"] = port["endPort"]
    return out


def _renumbered(comment: str, numbers: dict[tuple[str, int], tuple[int | None, int | None]]) -> str:
    """``ingress[k]: from X ...`` with the number of the Cilium rule that holds X: the
    addresses' rule when X is a range (no workload name ends it), else the pods'."""
    found = _COMMENT.match(comment)
    if found is None:
        return comment
    direction, k = found.group(1), int(found.group(2))
    pods, blocks = numbers[(direction, k)]
    body = comment[found.end() :]
    name = body.split(" on ", 1)[0]
    held = [n for n in (pods, blocks) if n is not None]
    if pods is not None and blocks is not None and not _counted(name):
        held = [pods] if "]" in name else [blocks]
    return f"{direction}[{','.join(map(str, held))}]: {body}"


def _counted(name: str) -> bool:
    """Whether a comment counts its peers (``from 14 workloads in 3 namespaces ...``)."""
    return bool(re.match(r"^(from|to) \d+ (workload|outside range)", name))
