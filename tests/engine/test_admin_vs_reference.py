"""Property tests for the cluster-scoped policy APIs: ``reach`` against ``tests/reference.py``.

Random small clusters (``clusters()`` of ``tests/strategies.py``: namespaces, pods,
NetworkPolicies; topped up to at least 3 pods, a third of the time without NetworkPolicies, a
third of the time with one hostNetwork pod) get 0-3 AdminNetworkPolicies, 0-1
BaselineAdminNetworkPolicy ``default`` and 0-2 ClusterNetworkPolicies of either tier.  Subjects
and peers lean toward selectors that match (empty, or one label some object carries), since the
first matching rule decides.  For every ordered pod pair and every probe IP in both directions,
every protocol and every interesting port, the reference's answer must equal ``reach``'s.

The generated manifests are checked against the CRD schemas in ``shared/specs`` (structural
schema plus the CEL rules and the constraints the field descriptions state).  AdminNetworkPolicy
``namedPort`` and egress ``nodes`` peers are not in the v0.1.7 *standard* CRD that ``shared/specs``
holds; they come from the experimental channel (and the conformance corpus uses ``namedPort``),
so the check overlays them on the standard schema.  ClusterNetworkPolicies are checked against
the experimental CRD (a superset: it adds ``nodes`` and ``domainNames``).
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.agreement import (
    agreement_settings,
    assert_agrees,
    probe_ips,
    probe_ports,
    sorted_probes,
)
from tests.helpers import SHARED
from tests.reference import (
    ACTIONS,
    ADMIN_TIER,
    ANP,
    BANP,
    BASELINE_TIER,
    CNP,
    EGRESS,
    INGRESS,
    NAME_LABEL,
    PROTOCOLS,
    Endpoint,
    Obj,
    Reference,
)
from tests.strategies import (
    NS_SELECTOR_LABELS,
    POD_LABELS,
    PORT_NAMES,
    RULE_PORT_NUMBERS,
    clusters,
    pod_manifests,
    selectors,
)

POLICY_API = "policy.networking.k8s.io"
#: CIDRs for ``networks`` peers: nested, overlapping, host routes, both families.
NETWORK_CIDRS = [
    "10.0.0.0/8",
    "10.1.0.0/16",
    "192.168.0.0/24",
    "0.0.0.0/0",
    "8.8.8.8/32",
    "2001:db8::/32",
    "::/0",
    "fd00::/8",
]
NODE_LABELS: dict[str, list[str]] = {"kubernetes.io/os": ["linux"], "node-role": ["worker"]}
DOMAIN_NAMES = ["example.com", "*.kubernetes.io", "api.github.com."]
#: Named ports the rules use: those pods carry, and one no pod has.
RULE_PORT_NAMES = [*PORT_NAMES, "grpc"]
PRIORITIES = [0, 1, 2, 10, 50, 999, 1000]
#: Peer fields that name no pod, so no named port can be resolved on them (experimental CEL).
NON_POD_PEERS = {"networks", "nodes", "domainNames"}

#: True a third of the time (``st.integers(0, 2) == 0`` leans on 0, the shrink target).
ONE_IN_THREE = st.sampled_from([False, True, False])

SPECS = SHARED / "specs"


# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class Seen:
    """The label maps of the cluster's pods and namespaces (with their name label)."""

    pods: list[dict[str, str]]
    namespaces: list[dict[str, str]]

    @staticmethod
    def of(objects: list[Obj]) -> Seen:
        names = {obj["metadata"].get("namespace") or "default" for obj in objects}
        declared = {
            obj["metadata"]["name"]: obj["metadata"].get("labels") or {}
            for obj in objects
            if obj["kind"] == "Namespace"
        }
        return Seen(
            pods=[obj["metadata"].get("labels") or {} for obj in objects if obj["kind"] == "Pod"],
            namespaces=[{**declared.get(name, {}), NAME_LABEL: name} for name in sorted(names)],
        )


@st.composite
def broad_selectors(
    draw: st.DrawFn, vocab: dict[str, list[str]], seen: list[dict[str, str]]
) -> Obj:
    """Selectors that often match: empty, one label some object carries, or any of
    ``selectors``.  The first matching rule decides, so narrow subjects and peers would leave
    the tiers untested."""
    kind = draw(st.sampled_from(["empty", "empty", "one", "one", "any", "any"]))
    labels = [(key, value) for label_map in seen for key, value in sorted(label_map.items())]
    if kind == "empty" or (kind == "one" and not labels):
        return {}
    if kind == "one":
        key, value = draw(st.sampled_from(labels))
        return {"matchLabels": {key: value}}
    return draw(selectors(vocab))


@st.composite
def pod_refs(draw: st.DrawFn, kind: str, seen: Seen) -> Obj:
    """{namespaceSelector, podSelector}; ClusterNetworkPolicy makes namespaceSelector optional."""
    ref: Obj = {}
    if kind != CNP or draw(st.integers(0, 3)) > 0:
        ref["namespaceSelector"] = draw(broad_selectors(NS_SELECTOR_LABELS, seen.namespaces))
    ref["podSelector"] = draw(broad_selectors(POD_LABELS, seen.pods))
    return ref


@st.composite
def subjects(draw: st.DrawFn, kind: str, seen: Seen) -> Obj:
    if draw(st.booleans()):
        return {"namespaces": draw(broad_selectors(NS_SELECTOR_LABELS, seen.namespaces))}
    return {"pods": draw(pod_refs(kind, seen))}


@st.composite
def admin_peers(draw: st.DrawFn, kind: str, direction: str, action: str, seen: Seen) -> Obj:
    """One peer, exactly one field; nodes and domainNames (Accept rules only) occasionally."""
    fields = ["namespaces", "namespaces", "pods", "pods", "pods"]
    if direction == EGRESS:
        fields += ["networks", "networks", "networks", "nodes"]
        if kind == CNP and action == "Accept":  # "DomainNames is only supported for Accept"
            fields += ["domainNames", "domainNames"]
    field = draw(st.sampled_from(fields))
    if field == "namespaces":
        return {"namespaces": draw(broad_selectors(NS_SELECTOR_LABELS, seen.namespaces))}
    if field == "pods":
        return {"pods": draw(pod_refs(kind, seen))}
    if field == "networks":
        cidrs = st.sampled_from(NETWORK_CIDRS)
        return {"networks": draw(st.lists(cidrs, min_size=1, max_size=3, unique=True))}
    if field == "nodes":
        return {"nodes": draw(selectors(NODE_LABELS))}
    names = st.sampled_from(DOMAIN_NAMES)
    return {"domainNames": draw(st.lists(names, min_size=1, max_size=2, unique=True))}


@st.composite
def port_ranges(draw: st.DrawFn) -> tuple[int, int]:
    """start < end ("the End value must be greater than Start"), sometimes 1-65535."""
    start = draw(st.sampled_from(RULE_PORT_NUMBERS[:-1]))
    return start, draw(st.sampled_from([p for p in RULE_PORT_NUMBERS if p > start]))


@st.composite
def anp_ports(draw: st.DrawFn, named: bool) -> Obj:
    """An AdminNetworkPolicyPort: portNumber, portRange or (if allowed) namedPort."""
    field = draw(
        st.sampled_from(["portNumber", "portRange", *(["namedPort"] * 2 if named else [])])
    )
    if field == "namedPort":
        return {"namedPort": draw(st.sampled_from(RULE_PORT_NAMES))}
    value: Obj = {}
    protocol = draw(st.sampled_from([None, *PROTOCOLS]))  # None: the API server defaults TCP
    if protocol is not None:
        value["protocol"] = protocol
    if field == "portNumber":
        value["port"] = draw(st.sampled_from(RULE_PORT_NUMBERS))
    else:
        value["start"], value["end"] = draw(port_ranges())
    return {field: value}


@st.composite
def cnp_protocols(draw: st.DrawFn, named: bool) -> Obj:
    """A ClusterNetworkPolicyProtocol: tcp/udp/sctp with a destinationPort (number or range;
    the CRD's minProperties forbids a bare ``tcp: {}``) or destinationNamedPort."""
    fields = ["tcp", "udp", "sctp", *(["destinationNamedPort"] * 2 if named else [])]
    field = draw(st.sampled_from(fields))
    if field == "destinationNamedPort":
        return {field: draw(st.sampled_from(RULE_PORT_NAMES))}
    if draw(st.booleans()):
        return {field: {"destinationPort": {"number": draw(st.sampled_from(RULE_PORT_NUMBERS))}}}
    start, end = draw(port_ranges())
    return {field: {"destinationPort": {"range": {"start": start, "end": end}}}}


@st.composite
def admin_rules(draw: st.DrawFn, kind: str, direction: str, seen: Seen) -> Obj:
    action = draw(st.sampled_from(sorted(ACTIONS[kind])))
    peers = draw(st.lists(admin_peers(kind, direction, action, seen), min_size=1, max_size=3))
    rule: Obj = {"action": action, "from" if direction == INGRESS else "to": peers}
    if draw(st.booleans()):
        rule["name"] = f"{direction.lower()}-{action.lower()}"
    # Experimental CEL: "networks/nodes/domainNames peer cannot be set with namedPorts".
    named = not any(set(peer) & NON_POD_PEERS for peer in peers)
    if draw(st.booleans()):
        if kind == CNP:
            rule["protocols"] = draw(st.lists(cnp_protocols(named), min_size=1, max_size=3))
        else:
            rule["ports"] = draw(st.lists(anp_ports(named), min_size=1, max_size=3))
    return rule


@st.composite
def admin_specs(draw: st.DrawFn, kind: str, seen: Seen) -> Obj:
    spec: Obj = {"subject": draw(subjects(kind, seen))}
    for key, direction in (("ingress", INGRESS), ("egress", EGRESS)):
        count = draw(st.sampled_from([None, 0, 1, 1, 2, 3]))  # None: the field is absent
        if count is not None:
            spec[key] = [draw(admin_rules(kind, direction, seen)) for _ in range(count)]
    return spec


def anp_manifest(name: str, priority: int, spec: Obj) -> Obj:
    return {
        "apiVersion": f"{POLICY_API}/v1alpha1",
        "kind": ANP,
        "metadata": {"name": name},
        "spec": {"priority": priority, **spec},
    }


def banp_manifest(spec: Obj) -> Obj:
    return {
        "apiVersion": f"{POLICY_API}/v1alpha1",
        "kind": BANP,
        "metadata": {"name": "default"},
        "spec": spec,
    }


def cnp_manifest(name: str, tier: str, priority: int, spec: Obj) -> Obj:
    return {
        "apiVersion": f"{POLICY_API}/v1alpha2",
        "kind": CNP,
        "metadata": {"name": name},
        "spec": {"tier": tier, "priority": priority, **spec},
    }


@st.composite
def admin_clusters(draw: st.DrawFn) -> list[Obj]:
    """A cluster of ``clusters()`` (namespaces, pods, NetworkPolicies), sometimes one pod on the
    host network, plus the cluster-scoped policies.  Priorities are distinct within a tier
    (ANPs and Admin-tier CNPs together), so the order of evaluation is defined."""
    objects = copy.deepcopy(draw(clusters()))
    if draw(st.sampled_from([False, False, True, False])):  # NetworkPolicies hide the Baseline tier
        objects = [obj for obj in objects if obj["kind"] != "NetworkPolicy"]
    pods = [obj for obj in objects if obj["kind"] == "Pod"]
    if len(pods) < 3:  # clusters() is often a lone pod: no pair, nothing for the tiers to decide
        namespaces = sorted({obj["metadata"].get("namespace") or "default" for obj in objects})
        for i in range(draw(st.integers(1, 2))):
            pods.append(draw(pod_manifests(draw(st.sampled_from(namespaces)), f"extra-{i}")))
            objects.append(pods[-1])
    if draw(ONE_IN_THREE):
        draw(st.sampled_from(pods))["spec"]["hostNetwork"] = True
    seen = Seen.of(objects)
    n_anp = draw(st.sampled_from([0, 1, 1, 2, 2, 3]))
    n_cnp = draw(st.sampled_from([0, 1, 1, 2, 2]))
    cnp_tiers = [draw(st.sampled_from([ADMIN_TIER, BASELINE_TIER])) for _ in range(n_cnp)]
    n_admin = n_anp + cnp_tiers.count(ADMIN_TIER)
    n_baseline = cnp_tiers.count(BASELINE_TIER)
    admin_priorities = iter(draw(distinct_priorities(n_admin)))
    baseline_priorities = iter(draw(distinct_priorities(n_baseline)))
    for i in range(n_anp):
        objects.append(
            anp_manifest(f"anp-{i}", next(admin_priorities), draw(admin_specs(ANP, seen)))
        )
    if not draw(ONE_IN_THREE):
        objects.append(banp_manifest(draw(admin_specs(BANP, seen))))
    for i, tier in enumerate(cnp_tiers):
        priorities = admin_priorities if tier == ADMIN_TIER else baseline_priorities
        spec = draw(admin_specs(CNP, seen))
        objects.append(cnp_manifest(f"cnp-{i}", tier, next(priorities), spec))
    return draw(st.permutations(objects))


def distinct_priorities(count: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.sampled_from(PRIORITIES), min_size=count, max_size=count, unique=True)


# --------------------------------------------------------------------------- walking manifests


def admin_policies(objects: list[Obj]) -> list[Obj]:
    return [obj for obj in objects if obj.get("kind") in (ANP, BANP, CNP)]


def admin_rules_of(policy: Obj) -> Iterator[tuple[str, Obj]]:
    spec = policy["spec"]
    for key, direction in (("ingress", INGRESS), ("egress", EGRESS)):
        for rule in spec.get(key) or []:
            yield direction, rule


def admin_peers_of(rule: Obj) -> list[Obj]:
    return [*(rule.get("from") or []), *(rule.get("to") or [])]


# --------------------------------------------------------------------------- probes


def admin_probe_ips(objects: list[Obj]) -> list[str]:
    """``probe_ips`` (fixed probes, NetworkPolicy ipBlocks) plus, for every ``networks`` CIDR,
    its first and last address and their outside neighbours."""
    networks = [
        cidr
        for policy in admin_policies(objects)
        for _, rule in admin_rules_of(policy)
        for peer in admin_peers_of(rule)
        for cidr in peer.get("networks") or []
    ]
    return sorted_probes({ipaddress.ip_address(ip) for ip in probe_ips(objects)}, networks)


def admin_probe_ports(objects: list[Obj]) -> list[int]:
    """``probe_ports`` (1, 65535, NetworkPolicy ports and container ports, with neighbours) plus
    every port number and range bound of the cluster-scoped policies, with neighbours."""
    mentioned: set[int] = set()
    for policy in admin_policies(objects):
        for _, rule in admin_rules_of(policy):
            for entry in rule.get("ports") or []:
                value = entry.get("portNumber") or entry.get("portRange") or {}
                mentioned.update(value[k] for k in ("port", "start", "end") if k in value)
            for entry in rule.get("protocols") or []:
                for protocol in ("tcp", "udp", "sctp"):
                    destination = (entry.get(protocol) or {}).get("destinationPort") or {}
                    if "number" in destination:
                        mentioned.add(destination["number"])
                    if "range" in destination:
                        mentioned.update(destination["range"].values())
    ports = set(probe_ports(objects))
    for port in mentioned:
        ports.update(p for p in (port - 1, port, port + 1) if 1 <= p <= 65535)
    return sorted(ports)


# --------------------------------------------------------------------------- comparison


@agreement_settings(200)
@given(admin_clusters())
def test_engine_matches_reference_with_admin_policies(objects: list[Obj]) -> None:
    assert_agrees(objects, admin_probe_ips(objects), admin_probe_ports(objects))


# --------------------------------------------------------------------------- CRD validity


def _crd_schema(filename: str, version: str) -> Obj:
    path = SPECS / filename
    if not path.is_file():
        pytest.skip(f"no CRD at {path} (set REACH_SHARED)")
    crd = yaml.safe_load(path.read_text())
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            schema: Obj = served["schema"]["openAPIV3Schema"]
            return schema
    raise AssertionError(f"{filename} has no version {version}")


def _with_experimental_anp_fields(schema: Obj) -> Obj:
    """The standard-channel ANP/BANP schema plus the experimental ``namedPort`` port and
    ``nodes`` egress peer (a label selector, shaped like ``namespaces``)."""
    schema = copy.deepcopy(schema)
    spec = schema["properties"]["spec"]["properties"]
    for key in ("ingress", "egress"):
        rule = spec[key]["items"]["properties"]
        rule["ports"]["items"]["properties"]["namedPort"] = {"type": "string"}
    egress_peer = spec["egress"]["items"]["properties"]["to"]["items"]["properties"]
    egress_peer["nodes"] = copy.deepcopy(egress_peer["namespaces"])
    return schema


def schema_errors(schema: Obj, value: Any, path: str = "") -> list[str]:
    """The structural-schema checks a Kubernetes API server applies (types, unknown fields,
    defaults, required, enum, bounds, sizes, patterns, set lists).  CEL rules are not run."""
    kind = schema.get("type")
    errors: list[str] = []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        properties: Obj | None = schema.get("properties")
        additional = schema.get("additionalProperties")
        present = dict(value)
        for key, sub in (properties or {}).items():
            if key not in present and "default" in sub:
                present[key] = sub["default"]
        errors += [
            f"{path}.{key}: required" for key in schema.get("required", []) if key not in present
        ]
        if len(present) < schema.get("minProperties", 0):
            errors.append(f"{path}: fewer than {schema['minProperties']} properties")
        if len(present) > schema.get("maxProperties", len(present)):
            errors.append(f"{path}: more than {schema['maxProperties']} properties")
        for key, item in value.items():
            if properties is not None and key in properties:
                errors += schema_errors(properties[key], item, f"{path}.{key}")
            elif isinstance(additional, dict):
                errors += schema_errors(additional, item, f"{path}.{key}")
            elif properties is not None or additional is not None:
                errors.append(f"{path}.{key}: unknown field (would be pruned)")
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if len(value) > schema.get("maxItems", len(value)):
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if schema.get("x-kubernetes-list-type") == "set" and len(set(map(repr, value))) < len(
            value
        ):
            errors.append(f"{path}: duplicate items in a set")
        for i, item in enumerate(value):
            errors += schema_errors(schema["items"], item, f"{path}[{i}]")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {value!r} is not a string"]
        if len(value) > schema.get("maxLength", len(value)):
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{path}: {value!r} is not an integer"]
        if not schema.get("minimum", value) <= value <= schema.get("maximum", value):
            errors.append(f"{path}: {value} out of bounds")
    elif kind == "boolean" and not isinstance(value, bool):
        return [f"{path}: {value!r} is not a boolean"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    return errors


def _selectors_in(node: Any) -> Iterator[Obj]:
    """Every label selector (a dict holding matchLabels or matchExpressions) inside ``node``."""
    if isinstance(node, dict):
        if "matchExpressions" in node or "matchLabels" in node:
            yield node
        for value in node.values():
            yield from _selectors_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _selectors_in(value)


def semantic_errors(policy: Obj) -> list[str]:
    """The CEL rules of the CRDs and the constraints their descriptions state."""
    errors: list[str] = []
    kind, name = policy["kind"], policy["metadata"].get("name")
    if "namespace" in policy["metadata"]:
        errors.append(f"{name}: cluster-scoped object with a namespace")
    if kind == BANP and name != "default":
        errors.append("BANP: only one, named 'default'")
    for selector in _selectors_in(policy["spec"]):
        for requirement in selector.get("matchExpressions") or []:
            needs_values = requirement["operator"] in ("In", "NotIn")
            if requirement["operator"] not in ("In", "NotIn", "Exists", "DoesNotExist"):
                errors.append(f"{name}: operator {requirement['operator']!r}")
            elif needs_values != bool(requirement.get("values")):
                errors.append(f"{name}: values do not fit operator in {requirement}")
    for direction, rule in admin_rules_of(policy):
        peers = admin_peers_of(rule)
        for peer in peers:
            for cidr in peer.get("networks") or []:
                try:
                    ipaddress.ip_network(cidr, strict=False)  # isCIDR(self)
                except ValueError:
                    errors.append(f"{name}: bad CIDR {cidr!r}")
            if "domainNames" in peer and rule["action"] != "Accept":
                errors.append(f"{name}: domainNames in a {rule['action']} rule")
        named = False
        for entry in rule.get("ports") or []:
            named |= "namedPort" in entry
            value = entry.get("portNumber") or entry.get("portRange") or {}
            if value.get("protocol", "TCP") not in PROTOCOLS:
                errors.append(f"{name}: protocol {value.get('protocol')!r}")
            if "portRange" in entry and not value["start"] < value["end"]:
                errors.append(f"{name}: portRange end must be greater than start")
        for entry in rule.get("protocols") or []:
            named |= "destinationNamedPort" in entry
            for protocol in ("tcp", "udp", "sctp"):
                span = ((entry.get(protocol) or {}).get("destinationPort") or {}).get("range")
                if span is not None and not span["start"] < span["end"]:
                    errors.append(f"{name}: Start port must be less than End port")
        if direction == EGRESS and named and any(set(p) & NON_POD_PEERS for p in peers):
            errors.append(f"{name}: networks/nodes/domainNames peer with a named port")
    return errors


def crd_errors(objects: list[Obj], schemas: dict[str, Obj]) -> list[str]:
    errors: list[str] = []
    priorities: dict[str, list[int]] = {ADMIN_TIER: [], BASELINE_TIER: []}
    for policy in admin_policies(objects):
        group, version = policy["apiVersion"].split("/")
        assert group == POLICY_API
        errors += schema_errors(schemas[f"{policy['kind']}/{version}"], policy, policy["kind"])
        errors += semantic_errors(policy)
        if policy["kind"] != BANP:
            tier = policy["spec"].get("tier", ADMIN_TIER)
            priorities.setdefault(tier, []).append(policy["spec"].get("priority"))
    for tier, values in priorities.items():
        if len(set(values)) < len(values):
            errors.append(f"two {tier}-tier policies share a priority: {values}")
    return errors


@pytest.fixture(scope="module")
def crd_schemas() -> dict[str, Obj]:
    return {
        f"{ANP}/v1alpha1": _with_experimental_anp_fields(
            _crd_schema("v1alpha1-adminnetworkpolicies.crd.yaml", "v1alpha1")
        ),
        f"{BANP}/v1alpha1": _with_experimental_anp_fields(
            _crd_schema("v1alpha1-baselineadminnetworkpolicies.crd.yaml", "v1alpha1")
        ),
        f"{CNP}/v1alpha2": _crd_schema(
            "v1alpha2-clusternetworkpolicies.experimental.crd.yaml", "v1alpha2"
        ),
    }


def test_generated_manifests_are_valid_per_crds(crd_schemas: dict[str, Obj]) -> None:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(admin_clusters())
    def check(objects: list[Obj]) -> None:
        Reference(copy.deepcopy(objects))  # parses, priorities distinct
        errors = crd_errors(objects, crd_schemas)
        assert not errors, errors

    check()


def test_crd_check_rejects_invalid_manifests(crd_schemas: dict[str, Obj]) -> None:
    """The validity check itself catches what the API server would refuse."""
    subject: Obj = {"namespaces": {}}
    deny_all = {"action": "Deny", "to": [{"namespaces": {}}]}
    bad: list[Obj] = [
        anp_manifest("a", 1001, {"subject": subject}),  # priority bound
        anp_manifest("a", 1, {"subject": {}}),  # subject minProperties
        anp_manifest("a", 1, {"subject": subject, "egress": [{**deny_all, "action": "Accept"}]}),
        anp_manifest("a", 1, {"subject": subject, "egress": [{"action": "Deny", "to": []}]}),
        anp_manifest("a", 1, {"subject": subject, "egress": [{**deny_all, "ports": []}]}),
        anp_manifest(
            "a", 1, {"subject": subject, "egress": [{**deny_all, "to": [{"foo": {}}]}]}
        ),  # unknown peer field
        anp_manifest(
            "a",
            1,
            {
                "subject": subject,
                "egress": [{**deny_all, "to": [{"namespaces": {}, "networks": ["10.0.0.0/8"]}]}],
            },
        ),  # two peer fields
        anp_manifest(
            "a",
            1,
            {
                "subject": subject,
                "egress": [{**deny_all, "ports": [{"portRange": {"start": 80, "end": 80}}]}],
            },
        ),
        anp_manifest(
            "a",
            1,
            {
                "subject": subject,
                "egress": [
                    {"action": "Deny", "to": [{"nodes": {}}], "ports": [{"namedPort": "http"}]}
                ],
            },
        ),
        banp_manifest({"subject": subject, "ingress": [{"action": "Pass", "from": [{}]}]}),
        {**banp_manifest({"subject": subject}), "metadata": {"name": "other"}},
        cnp_manifest("c", "Middle", 1, {"subject": subject}),
        cnp_manifest(
            "c",
            "Admin",
            1,
            {"subject": subject, "ingress": [{"action": "Accept", "from": [{"networks": []}]}]},
        ),  # ingress peers have no networks
        cnp_manifest(
            "c",
            "Admin",
            1,
            {
                "subject": subject,
                "egress": [
                    {"action": "Accept", "to": [{"namespaces": {}}], "protocols": [{"tcp": {}}]}
                ],
            },
        ),  # tcp needs destinationPort
        cnp_manifest(
            "c",
            "Admin",
            1,
            {
                "subject": subject,
                "egress": [
                    {
                        "action": "Deny",
                        "to": [{"domainNames": ["example.com"]}],
                        "protocols": [
                            {"udp": {"destinationPort": {"range": {"start": 9, "end": 9}}}}
                        ],
                    }
                ],
            },
        ),  # domainNames in a Deny rule, empty range
        cnp_manifest(
            "c",
            "Admin",
            1,
            {"subject": {"pods": {"namespaceSelector": {}}}},
        ),  # podSelector required
    ]
    for policy in bad:
        assert crd_errors([policy], crd_schemas), policy
    good = cnp_manifest(
        "c",
        "Baseline",
        1,
        {
            "subject": {"pods": {"podSelector": {}}},
            "egress": [
                {
                    "action": "Accept",
                    "to": [{"domainNames": ["*.kubernetes.io"]}, {"nodes": {}}],
                    "protocols": [{"tcp": {"destinationPort": {"number": 443}}}],
                }
            ],
        },
    )
    assert crd_errors([good, anp_manifest("a", 1, {"subject": subject})], crd_schemas) == []
    twins = [anp_manifest("a", 3, {"subject": subject}), cnp_manifest("c", "Admin", 3, {})]
    assert any("share a priority" in error for error in crd_errors(twins, crd_schemas))


def _features(objects: list[Obj]) -> set[str]:
    """What a generated cluster exercises, for the coverage check."""
    found: set[str] = set()
    if any(obj["kind"] == "Pod" and obj["spec"].get("hostNetwork") for obj in objects):
        found.add("hostNetwork pod")
    if any(obj["kind"] == "NetworkPolicy" for obj in objects):
        found.add("NetworkPolicy")
    tiers = [p["spec"].get("tier") for p in admin_policies(objects) if p["kind"] == CNP]
    if tiers.count(ADMIN_TIER) and any(p["kind"] == ANP for p in objects):
        found.add("ANP and Admin CNP together")
    for policy in admin_policies(objects):
        kind = policy["kind"]
        found.add(f"{kind} {policy['spec'].get('tier', '')}".strip())
        found.add(f"subject {next(iter(policy['spec']['subject']))}")
        for direction, rule in admin_rules_of(policy):
            found.add(f"{kind} {direction} {rule['action']}")
            for peer in admin_peers_of(rule):
                found.update(f"peer {field}" for field in peer)
                if "pods" in peer and "namespaceSelector" not in peer["pods"]:
                    found.add("peer pods without namespaceSelector")
            for entry in rule.get("ports") or []:
                found.update(f"port {field}" for field in entry)
            for entry in rule.get("protocols") or []:
                for field, value in entry.items():
                    found.add(f"protocol {field}")
                    if isinstance(value, dict):
                        found.update(f"destinationPort {k}" for k in value["destinationPort"])
    return found


def test_strategy_covers_every_feature() -> None:
    seen: set[str] = set()

    @settings(max_examples=120, deadline=None, derandomize=True, database=None)
    @given(admin_clusters())
    def collect(objects: list[Obj]) -> None:
        seen.update(_features(objects))

    collect()
    expected = {
        "hostNetwork pod",
        "NetworkPolicy",
        "ANP and Admin CNP together",
        f"{ANP}",
        f"{BANP}",
        f"{CNP} Admin",
        f"{CNP} Baseline",
        "subject namespaces",
        "subject pods",
        *(
            f"{kind} {direction} {action}"
            for kind in (ANP, BANP, CNP)
            for direction in (INGRESS, EGRESS)
            for action in ACTIONS[kind]
        ),
        *(f"peer {f}" for f in ("namespaces", "pods", "networks", "nodes", "domainNames")),
        "peer pods without namespaceSelector",
        *(f"port {f}" for f in ("portNumber", "portRange", "namedPort")),
        *(f"protocol {f}" for f in ("tcp", "udp", "sctp", "destinationNamedPort")),
        "destinationPort number",
        "destinationPort range",
    }
    assert expected <= seen, sorted(expected - seen)


# --------------------------------------------------------------------------- reference sanity


def _ns(name: str, **labels: str) -> Obj:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _pod(
    name: str,
    namespace: str = "default",
    ports: list[Obj] | None = None,
    host_network: bool = False,
    **labels: str,
) -> Obj:
    container: Obj = {"name": "main", "image": "nginx"}
    if ports is not None:
        container["ports"] = ports
    spec: Obj = {"containers": [container]}
    if host_network:
        spec["hostNetwork"] = True
    meta = {"name": name, "namespace": namespace, "labels": labels}
    return {"kind": "Pod", "metadata": meta, "spec": spec}


def _netpol(spec: Obj, namespace: str = "default") -> Obj:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": "np", "namespace": namespace},
        "spec": spec,
    }


def _in_ns(name: str) -> Obj:
    """Peer/subject ``namespaces`` value selecting one namespace by name."""
    return {"namespaces": {"matchLabels": {NAME_LABEL: name}}}


def _pods(namespace_selector: Obj | None = None, **labels: str) -> Obj:
    """A ``pods`` peer/subject: all namespaces (or ``namespace_selector``), pods with ``labels``;
    ``namespace_selector=None`` writes ``{}``."""
    return {
        "pods": {"namespaceSelector": namespace_selector or {}, "podSelector": _labels(**labels)}
    }


def _labels(**labels: str) -> Obj:
    return {"matchLabels": labels} if labels else {}


def _rule(action: str, *peers: Obj, **extra: Any) -> Obj:
    return {"action": action, "peers": list(peers), **extra}


def _spec(subject: Obj, ingress: list[Obj], egress: list[Obj]) -> Obj:
    spec: Obj = {"subject": subject}
    for key, peers_key, rules in (("ingress", "from", ingress), ("egress", "to", egress)):
        if rules:
            spec[key] = [
                {peers_key if k == "peers" else k: v for k, v in rule.items()} for rule in rules
            ]
    return spec


EVERYONE: Obj = {"namespaces": {}}


def _anp(
    priority: int,
    subject: Obj = EVERYONE,
    ingress: list[Obj] | None = None,
    egress: list[Obj] | None = None,
    name: str | None = None,
) -> Obj:
    spec = _spec(subject, ingress or [], egress or [])
    return anp_manifest(name or f"anp-{priority}", priority, spec)


def _banp(
    subject: Obj = EVERYONE, ingress: list[Obj] | None = None, egress: list[Obj] | None = None
) -> Obj:
    return banp_manifest(_spec(subject, ingress or [], egress or []))


def _cnp(
    tier: str,
    priority: int,
    subject: Obj = EVERYONE,
    ingress: list[Obj] | None = None,
    egress: list[Obj] | None = None,
) -> Obj:
    spec = _spec(subject, ingress or [], egress or [])
    return cnp_manifest(f"{tier.lower()}-{priority}", tier, priority, spec)


A, B, C, H = ("default", "a"), ("default", "b"), ("other", "c"), ("default", "h")
OUT = "8.8.8.8"
DENY_INGRESS = _netpol({"podSelector": {}})  # isolates ingress in default, allows nothing


def _cluster(*policies: Obj, extra: list[Obj] | None = None) -> Reference:
    """Pods a, b in default and c in namespace other (env=prod), plus ``policies``."""
    pods = [_pod("a", app="a"), _pod("b", app="b"), _pod("c", "other", app="c")]
    return Reference([_ns("other", env="prod"), *pods, *(extra or []), *policies])


def _tcp80(*policies: Obj, extra: list[Obj] | None = None) -> Callable[[Endpoint, Endpoint], bool]:
    ref = _cluster(*policies, extra=extra)
    return lambda src, dst: ref.allowed(src, dst, "TCP", 80)


def test_admin_allow_and_deny_override_networkpolicy() -> None:
    allow_c = _anp(5, ingress=[_rule("Allow", _pods(app="c"))])
    ok = _tcp80(DENY_INGRESS, allow_c)
    assert ok(C, A) and ok(C, B)  # Allow wins over the NetworkPolicy's deny
    assert not ok(B, A) and not ok(OUT, A)  # no ANP rule matches: the NetworkPolicy decides
    allow_all = _netpol({"podSelector": {}, "ingress": [{}]}, "other")
    deny = _anp(5, _in_ns("other"), ingress=[_rule("Deny", _in_ns("default"))])
    ok = _tcp80(allow_all, deny)
    assert not ok(A, C)  # Deny wins over the NetworkPolicy's allow
    assert ok(OUT, C)


def test_pass_goes_to_networkpolicy_then_baseline() -> None:
    pass_other = _anp(1, ingress=[_rule("Pass", _in_ns("other")), _rule("Deny", EVERYONE)])
    banp_deny = _banp(ingress=[_rule("Deny", EVERYONE)])
    ok = _tcp80(pass_other)
    assert ok(C, A)  # Pass, nothing else: default allow
    assert not ok(B, A)  # the Deny after the Pass
    assert not _tcp80(pass_other, banp_deny)(C, A)  # Pass -> no NetworkPolicy -> BANP denies
    from_other = _netpol(
        {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": _labels(env="prod")}]}]}
    )
    # Pass -> a NetworkPolicy isolates a and allows c: the BANP is never consulted.
    assert _tcp80(pass_other, banp_deny, from_other)(C, A)
    local = _netpol({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})
    assert not _tcp80(pass_other, local)(C, A)  # ... or does not allow c
    # A Pass skips the *remaining* Admin tier, later policies included.
    ok = _tcp80(pass_other, local, _anp(2, ingress=[_rule("Allow", EVERYONE)]))
    assert not ok(C, A)
    assert not ok(B, A)  # priority 1's Deny comes before priority 2's Allow


def test_banp_applies_only_when_no_networkpolicy_isolates_that_direction() -> None:
    banp = _banp(
        ingress=[_rule("Deny", EVERYONE)], egress=[_rule("Deny", {"networks": ["0.0.0.0/0"]})]
    )
    ok = _tcp80(banp)
    assert not ok(A, B) and not ok(C, A)
    assert ok(OUT, A)  # an external source matches no ingress peer
    assert not ok(A, OUT) and ok(A, "2001:db8::1")
    ok = _tcp80(banp, _netpol({"podSelector": _labels(app="a"), "ingress": [{}]}))
    assert ok(B, A) and ok(C, A)  # a is isolated for ingress: the NetworkPolicy decides
    assert not ok(A, B)  # b is not: the BANP decides
    ok = _tcp80(banp, _netpol({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}))
    assert ok(A, OUT)  # egress isolated: the NetworkPolicy allows
    assert not ok(A, B)  # ingress at b is not isolated: the BANP denies


def test_baseline_tier_order_and_cnp_pass_means_default_allow() -> None:
    cnp_pass = _cnp(
        BASELINE_TIER, 7, ingress=[_rule("Pass", _in_ns("other")), _rule("Deny", EVERYONE)]
    )
    cnp_deny = _cnp(BASELINE_TIER, 9, ingress=[_rule("Deny", EVERYONE)])
    ok = _tcp80(cnp_pass, cnp_deny)
    assert ok(C, A)  # Pass in the Baseline tier: default allow, priority 9 never consulted
    assert not ok(B, A)
    assert _tcp80(cnp_deny, cnp_pass)(C, A)  # the order of the manifests is irrelevant
    # The BANP comes first, whatever the CNP priorities.
    assert _tcp80(cnp_pass, _banp(ingress=[_rule("Allow", _in_ns("default"))]))(B, A)
    # The Baseline tier is overridden by any NetworkPolicy that isolates the pod.
    assert _tcp80(cnp_deny, _netpol({"podSelector": {}, "ingress": [{}]}))(C, A)
    # An Admin-tier CNP Pass goes to the NetworkPolicy tier, then the Baseline tier.
    admin_pass = _cnp(ADMIN_TIER, 7, ingress=[_rule("Pass", EVERYONE)])
    assert not _tcp80(admin_pass, cnp_deny)(C, A)


def test_priority_orders_anps_and_admin_cnps_together() -> None:
    anp_deny = _anp(20, ingress=[_rule("Deny", EVERYONE)])
    accept_c = [_rule("Accept", {"pods": {"podSelector": _labels(app="c")}})]
    ok = _tcp80(anp_deny, _cnp(ADMIN_TIER, 10, ingress=accept_c))
    assert ok(C, A) and not ok(B, A)
    assert not _tcp80(anp_deny, _cnp(ADMIN_TIER, 30, ingress=accept_c))(C, A)
    # Within a policy, rules apply in written order.
    rules = [_rule("Allow", _in_ns("other")), _rule("Deny", EVERYONE)]
    ok = _tcp80(_anp(1, ingress=rules))
    assert ok(C, A) and not ok(B, A)
    assert not _tcp80(_anp(1, ingress=rules[::-1]))(C, A)
    with pytest.raises(ValueError, match="share priority"):
        _cluster(anp_deny, _cnp(ADMIN_TIER, 20))
    _cluster(anp_deny, _cnp(BASELINE_TIER, 20))  # another tier: no conflict
    with pytest.raises(ValueError, match="share priority"):
        _cluster(_cnp(BASELINE_TIER, 20), _cnp(BASELINE_TIER, 20, _in_ns("x")))


def test_egress_and_ingress_sides_both_count() -> None:
    accept_out = _cnp(ADMIN_TIER, 1, egress=[_rule("Accept", EVERYONE)])
    ok = _tcp80(accept_out, _netpol({"podSelector": _labels(app="b")}))
    assert not ok(A, B)  # "any ingress rules at the destination do apply"
    assert ok(A, C)
    ok = _tcp80(_anp(2, _pods(app="c"), egress=[_rule("Deny", _pods())]))
    assert not ok(C, A) and ok(A, C) and ok(C, OUT)


def test_host_network_pods_are_not_subjects_nor_peers() -> None:
    host = [_pod("h", host_network=True, app="h")]
    deny_all = _anp(1, ingress=[_rule("Deny", EVERYONE)], egress=[_rule("Deny", EVERYONE)])
    ok = _tcp80(deny_all, extra=host)
    assert not ok(A, B)
    assert ok(A, H)  # a's egress: h is in no namespaces peer; h's ingress: h is no subject
    assert ok(H, A)  # h's egress: h is no subject; a's ingress: h is in no peer
    deny_h = _banp(_pods(), ingress=[_rule("Deny", _pods(app="h"))])
    assert _tcp80(deny_h, extra=host)(H, A)
    # For v1 NetworkPolicy a host-networked pod is an ordinary pod.
    ok = _tcp80(_netpol({"podSelector": _labels(app="h")}), extra=host)
    assert not ok(A, H) and ok(H, A)
    only_h = {"from": [{"podSelector": _labels(app="h")}]}
    ok = _tcp80(_netpol({"podSelector": _labels(app="a"), "ingress": [only_h]}), extra=host)
    assert ok(H, A) and not ok(B, A)
    # Networks never match pods, host-networked or not.
    deny_net = _anp(1, egress=[_rule("Deny", {"networks": ["0.0.0.0/0", "::/0"]})])
    ok = _tcp80(deny_net, extra=host)
    assert ok(A, H) and ok(A, B) and not ok(A, "10.0.0.1") and not ok(A, "::1")


def test_named_ports_resolve_on_the_destination_with_its_protocol() -> None:
    a_ports = [
        {"name": "http", "containerPort": 8080},
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
    ]
    pods = [
        _pod("a", ports=a_ports, app="a"),
        _pod("b", ports=[{"name": "http", "containerPort": 9090}], app="b"),
        _pod("c", "other"),
    ]
    http, dns = {"namedPort": "http"}, {"namedPort": "dns"}
    anp = _anp(
        1,
        _pods(app="a"),
        ingress=[_rule("Allow", EVERYONE, ports=[http, dns]), _rule("Deny", EVERYONE)],
        egress=[_rule("Allow", EVERYONE, ports=[http]), _rule("Deny", EVERYONE)],
    )
    ref = Reference([*pods, anp])
    assert ref.allowed(B, A, "TCP", 8080)
    assert ref.allowed(B, A, "UDP", 53)  # the container port's protocol, not TCP
    assert not ref.allowed(B, A, "TCP", 53) and not ref.allowed(B, A, "TCP", 9090)
    assert ref.allowed(A, B, "TCP", 9090)  # egress: b's "http", not a's
    assert not ref.allowed(A, B, "TCP", 8080)
    assert not ref.allowed(A, C, "TCP", 8080)  # c has no "http"
    dns_only = [_rule("Accept", EVERYONE, protocols=[{"destinationNamedPort": "dns"}])]
    cnp = _cnp(BASELINE_TIER, 1, ingress=[*dns_only, _rule("Deny", EVERYONE)])
    ref = Reference([*pods, cnp])
    assert ref.allowed(B, A, "UDP", 53) and not ref.allowed(B, A, "TCP", 8080)
    assert not ref.allowed(A, B, "UDP", 53)
    assert ref.allowed(OUT, A, "UDP", 53)  # no ingress peer matches an external source
    # Toward an external address a named port matches nothing (the CRDs forbid writing it).
    out = _anp(1, egress=[_rule("Deny", {"networks": ["0.0.0.0/0"]}, ports=[http])])
    assert Reference([*pods, out]).allowed(A, OUT, "TCP", 8080)


def test_port_matching_forms() -> None:
    anywhere = {"networks": ["0.0.0.0/0"]}
    ports = [
        {"portNumber": {"port": 53, "protocol": "UDP"}},
        {"portNumber": {"port": 443}},  # protocol defaults to TCP
        {"portRange": {"start": 8000, "end": 8080, "protocol": "SCTP"}},
    ]
    ref = _cluster(_anp(1, egress=[_rule("Allow", anywhere, ports=ports), _rule("Deny", anywhere)]))
    assert ref.allowed(A, OUT, "UDP", 53) and not ref.allowed(A, OUT, "TCP", 53)
    assert ref.allowed(A, OUT, "TCP", 443) and not ref.allowed(A, OUT, "UDP", 443)
    assert ref.allowed(A, OUT, "SCTP", 8000) and ref.allowed(A, OUT, "SCTP", 8080)
    assert not ref.allowed(A, OUT, "SCTP", 7999) and not ref.allowed(A, OUT, "SCTP", 8081)
    assert not ref.allowed(A, OUT, "TCP", 8000)
    protocols = [
        {"udp": {"destinationPort": {"number": 53}}},
        {"tcp": {"destinationPort": {"range": {"start": 80, "end": 81}}}},
        {"sctp": {}},  # outside the CRD (minProperties), read as every SCTP port
    ]
    rules = [_rule("Accept", anywhere, protocols=protocols), _rule("Deny", anywhere)]
    ref = _cluster(_cnp(ADMIN_TIER, 2, egress=rules))
    assert ref.allowed(A, OUT, "UDP", 53) and not ref.allowed(A, OUT, "UDP", 54)
    assert ref.allowed(A, OUT, "TCP", 80) and ref.allowed(A, OUT, "TCP", 81)
    assert not ref.allowed(A, OUT, "TCP", 82) and not ref.allowed(A, OUT, "TCP", 53)
    assert ref.allowed(A, OUT, "SCTP", 1) and ref.allowed(A, OUT, "SCTP", 65535)


def test_networks_nodes_and_domain_names() -> None:
    networks = {"networks": ["10.0.0.0/8", "2001:db8::/32"]}
    ok = _tcp80(_anp(1, egress=[_rule("Deny", {"nodes": {}}, networks)]))
    assert not ok(A, "10.0.0.0") and not ok(A, "10.255.255.255") and not ok(A, "2001:db8::1")
    assert ok(A, "11.0.0.0") and ok(A, "9.255.255.255") and ok(A, "2001:db9::")
    assert ok(A, B)  # nodes match nothing offline; networks never match pods
    domains = [
        _rule("Accept", {"domainNames": ["example.com"]}),
        _rule("Deny", {"networks": ["0.0.0.0/0"]}),
    ]
    assert not _tcp80(_cnp(ADMIN_TIER, 2, egress=domains))(A, "93.184.215.14")  # unresolved
    # ClusterNetworkPolicy pods subjects and peers may omit namespaceSelector: all namespaces.
    c_pods = {"pods": {"podSelector": _labels(app="c")}}
    a_pods = {"pods": {"podSelector": _labels(app="a")}}
    ok = _tcp80(_cnp(ADMIN_TIER, 3, c_pods, egress=[_rule("Deny", a_pods)]))
    assert not ok(C, A) and ok(C, B) and ok(A, C)


def test_fail_closed_peers_and_refused_manifests() -> None:
    """A peer with no (known) field: an Allow rule matches nothing, Deny/Pass deny all."""
    allow = _anp(1, ingress=[_rule("Allow", {"someFutureField": {}}, EVERYONE)])
    assert not _tcp80(allow, DENY_INGRESS)(B, A)
    ok = _tcp80(_anp(1, ingress=[_rule("Pass", {}, _in_ns("nowhere"))]))
    assert not ok(B, A) and not ok(OUT, A) and ok(A, OUT)
    with pytest.raises(ValueError, match="named 'default'"):
        _cluster(_banp() | {"metadata": {"name": "x"}})
    with pytest.raises(ValueError, match="more than one"):
        _cluster(_banp(), _banp())
    with pytest.raises(ValueError, match="tier"):
        _cluster(_cnp("Middle", 1))
    with pytest.raises(ValueError, match="action"):
        _tcp80(_banp(ingress=[_rule("Pass", EVERYONE)]))(B, A)
    with pytest.raises(ValueError, match="more than one"):
        _tcp80(_anp(1, ingress=[_rule("Deny", {"namespaces": {}, "pods": _pods()["pods"]})]))(B, A)
