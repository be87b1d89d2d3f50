"""Hypothesis strategies: small random clusters as raw manifests (namespaces, pods and
NetworkPolicies), drawn from tiny vocabularies so that selectors, named ports and ipBlocks
often meet."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.reference import NAME_LABEL, PROTOCOLS, Obj

NS_NAMES = ["default", "ns-a", "ns-b"]
POD_NAMES = ["web", "db", "api", "cache", "job"]
POD_LABELS: dict[str, list[str]] = {"app": ["a", "b", "c"], "tier": ["web", "db"]}
NS_LABELS: dict[str, list[str]] = {"env": ["prod", "dev"], "team": ["x", "y"]}
NS_SELECTOR_LABELS: dict[str, list[str]] = {**NS_LABELS, NAME_LABEL: NS_NAMES}
PORT_NAMES = ["http", "dns", "metrics"]
PORT_NUMBERS = [53, 80, 81, 443, 8080]
RULE_PORT_NUMBERS = [1, *PORT_NUMBERS, 65535]
# cidr -> excepts that are strict subsets of it
CIDRS: dict[str, list[str]] = {
    "10.0.0.0/8": ["10.1.0.0/16", "10.0.0.0/24", "10.255.255.255/32"],
    "10.1.0.0/16": ["10.1.2.0/24", "10.1.0.0/17"],
    "192.168.0.0/24": ["192.168.0.128/25", "192.168.0.7/32"],
    "0.0.0.0/0": ["10.0.0.0/8", "192.168.0.0/16", "255.255.255.255/32"],
    "2001:db8::/32": ["2001:db8:1::/48", "2001:db8::/64"],
    "::/0": ["2001:db8::/32", "::/128"],
}


def label_maps(vocab: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    """Labels from a tiny vocabulary, each key sometimes missing."""
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in vocab.items()})


@st.composite
def expressions(draw: st.DrawFn, vocab: dict[str, list[str]]) -> Obj:
    # "zone" is a key no object carries: exercises NotIn/DoesNotExist on missing keys.
    key = draw(st.sampled_from([*vocab, "zone"]))
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    expression: Obj = {"key": key, "operator": operator}
    if operator in ("In", "NotIn"):
        choices = vocab.get(key, ["z1"])
        expression["values"] = draw(
            st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True)
        )
    return expression


@st.composite
def selectors(draw: st.DrawFn, vocab: dict[str, list[str]]) -> Obj:
    kind = draw(st.sampled_from(["empty", "labels", "expressions", "both"]))
    selector: Obj = {}
    if kind in ("labels", "both"):
        selector["matchLabels"] = draw(label_maps(vocab).filter(bool))
    if kind in ("expressions", "both"):
        selector["matchExpressions"] = draw(st.lists(expressions(vocab), min_size=1, max_size=2))
    return selector


@st.composite
def peers(draw: st.DrawFn) -> Obj:
    kind = draw(st.sampled_from(["pod", "namespace", "both", "ipBlock", "ipBlock"]))
    if kind == "ipBlock":
        cidr = draw(st.sampled_from(sorted(CIDRS)))
        block: Obj = {"cidr": cidr}
        excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), max_size=2, unique=True))
        if excepts:
            block["except"] = excepts
        return {"ipBlock": block}
    peer: Obj = {}
    if kind in ("pod", "both"):
        peer["podSelector"] = draw(selectors(POD_LABELS))
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = draw(selectors(NS_SELECTOR_LABELS))
    return peer


@st.composite
def policy_ports(draw: st.DrawFn) -> Obj:
    entry: Obj = {}
    protocol = draw(st.sampled_from([None, *PROTOCOLS]))
    if protocol is not None:
        entry["protocol"] = protocol
    kind = draw(st.sampled_from(["any", "number", "range", "named"]))
    if kind in ("number", "range"):
        entry["port"] = port = draw(st.sampled_from(RULE_PORT_NUMBERS))
        if kind == "range":
            entry["endPort"] = draw(st.sampled_from([p for p in RULE_PORT_NUMBERS if p >= port]))
    elif kind == "named":
        entry["port"] = draw(st.sampled_from(PORT_NAMES))
    return entry


@st.composite
def absent_empty_or(draw: st.DrawFn, items: st.SearchStrategy[Any], null: bool = False) -> Any:
    """A list field: absent (the sentinel ``...``), [], null (optional) or, half the time,
    1-2 items.  Shrinks toward absent."""
    kinds = ["absent", "empty", *(["null"] if null else []), "items", "items", "items"]
    kind = draw(st.sampled_from(kinds))
    if kind == "absent":
        return ...
    if kind == "null":
        return None
    return draw(st.lists(items, max_size=0 if kind == "empty" else 2, min_size=kind != "empty"))


@st.composite
def rules(draw: st.DrawFn, peers_key: str) -> Obj:
    rule: Obj = {}
    for key, strategy in ((peers_key, peers()), ("ports", policy_ports())):
        value = draw(absent_empty_or(strategy, null=True))
        if value is not ...:
            rule[key] = value
    return rule


@st.composite
def namespace_manifests(draw: st.DrawFn, name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": draw(label_maps(NS_LABELS))},
    }


def metadata(name: str, namespace: str, omit_default: bool) -> Obj:
    meta: Obj = {"name": name}
    if not (namespace == "default" and omit_default):
        meta["namespace"] = namespace
    return meta


@st.composite
def pod_manifests(draw: st.DrawFn, namespace: str, name: str) -> Obj:
    meta = metadata(name, namespace, draw(st.booleans()))
    labels = draw(label_maps(POD_LABELS))
    if labels:
        meta["labels"] = labels
    # Distinct (containerPort, protocol) pairs; names unique within the pod, some unnamed.
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(PORT_NUMBERS), st.sampled_from([None, *PROTOCOLS])),
            max_size=3,
            unique_by=lambda pair: (pair[0], pair[1] or "TCP"),
        )
    )
    names = draw(st.permutations([*PORT_NAMES, None, None, None]))
    containers: list[Obj] = [{"name": "main", "image": "nginx"}]
    if draw(st.booleans()):
        containers.append({"name": "sidecar", "image": "busybox"})
    for (number, protocol), port_name in zip(pairs, names, strict=False):
        port: Obj = {"containerPort": number}
        if port_name is not None:
            port["name"] = port_name
        if protocol is not None:
            port["protocol"] = protocol
        container = containers[draw(st.integers(0, len(containers) - 1))]
        container.setdefault("ports", []).append(port)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": containers}}


@st.composite
def policy_manifests(draw: st.DrawFn, namespace: str, name: str) -> Obj:
    spec: Obj = {"podSelector": draw(selectors(POD_LABELS))}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        value = draw(absent_empty_or(rules(peers_key)))
        if value is not ...:
            spec[key] = value
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, draw(st.booleans())),
        "spec": spec,
    }


@st.composite
def clusters(draw: st.DrawFn) -> list[Obj]:
    namespaces = draw(st.lists(st.sampled_from(NS_NAMES), min_size=1, max_size=3, unique=True))
    objects: list[Obj] = []
    for namespace in namespaces:
        if draw(st.integers(0, 4)) > 0:  # sometimes referenced but never declared
            objects.append(draw(namespace_manifests(namespace)))
    pod_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(namespaces), st.sampled_from(POD_NAMES)),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    objects += [draw(pod_manifests(ns, name)) for ns, name in pod_keys]
    for i in range(draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))):
        objects.append(draw(policy_manifests(draw(st.sampled_from(namespaces)), f"pol-{i}")))
    return draw(st.permutations(objects))
