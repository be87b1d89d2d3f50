"""Which kinds reach evaluates, ignores, keeps for entry points, or flags as unevaluated
(issue 14, item 1): every object is classified by its API group and kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import reach
from reach.errors import InvalidInput
from reach.input.kinds import KINDS, Category, classify
from tests.builders import deny_all, netpol, pod
from tests.helpers import run


def obj(api: str | None, kind: str, name: str = "x", ns: str | None = "default") -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "metadata": {"name": name}}
    if ns is not None:
        out["metadata"]["namespace"] = ns
    if api is not None:
        out["apiVersion"] = api
    return out


def codes(r: reach.Reach) -> list[str]:
    return sorted(d.code for d in r.diagnostics)


def test_istio_request_authentication_is_flagged_with_its_origin(tmp_path: Path) -> None:
    f = tmp_path / "app.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata: {name: jwt, namespace: shop}\nspec: {}\n"
    )
    r = reach.load([str(f)])
    (d,) = [d for d in r.diagnostics if d.code == "unevaluated-kind"]
    assert d.severity == "warning" and d.partial
    assert d.origin == f"{f}#2"
    assert "RequestAuthentication" in d.message and "security.istio.io" in d.message


def test_istio_authorization_policy_is_evaluated_not_flagged(tmp_path: Path) -> None:
    f = tmp_path / "app.yaml"
    f.write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: deny-all, namespace: shop}\nspec: {}\n"
    )
    r = reach.load([str(f)])
    assert not [d for d in r.diagnostics if d.code == "unevaluated-kind"]
    assert [p.name for p in r.cluster.istio.authorization] == ["deny-all"]


POLICY_BEARING = [k for k in KINDS if k.category is Category.POLICY_BEARING]


@pytest.mark.parametrize(
    "info", POLICY_BEARING, ids=[f"{k.group}/{k.kind}" for k in POLICY_BEARING]
)
def test_each_policy_bearing_kind_is_flagged_unevaluated(info: Any) -> None:
    r = reach.from_objects([obj(f"{info.group}/v1", info.kind)])
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("unevaluated-kind", "warning", True)
    assert info.kind in d.message and info.reason in d.message


@pytest.mark.parametrize(
    "api,kind",
    [
        ("cilium.io/v2", "CiliumLocalRedirectPolicy"),
        ("networking.gke.io/v1alpha3", "FQDNNetworkPolicy"),
        ("k8s.ovn.org/v1", "EgressFirewall"),
        ("policy.linkerd.io/v1beta3", "Server"),
        ("policy.linkerd.io/v1alpha1", "AuthorizationPolicy"),
        ("k8s.cni.cncf.io/v1beta1", "MultiNetworkPolicy"),
        ("network.openshift.io/v1", "EgressNetworkPolicy"),
    ],
)
def test_plugin_policies_seen_in_real_repositories_are_flagged(api: str, kind: str) -> None:
    r = reach.from_objects([dict(obj(api, kind), spec={})])
    assert codes(r) == ["unevaluated-kind"]
    assert r.diagnostics[0].partial


def test_antrea_cluster_network_policy_is_flagged_not_read_as_the_upstream_one() -> None:
    acnp = obj("crd.antrea.io/v1beta1", "ClusterNetworkPolicy", ns=None)
    acnp["spec"] = {"priority": 5, "tier": "securityops", "appliedTo": [{"podSelector": {}}]}
    r = reach.from_objects([acnp])
    assert codes(r) == ["unevaluated-kind"]
    assert r.cluster.admin_policies == []


def test_unknown_kind_ending_in_policy_is_flagged() -> None:
    r = reach.from_objects([obj("security.example.com/v1", "TrafficPolicy")])
    assert codes(r) == ["unevaluated-kind"]
    assert r.diagnostics[0].partial


def test_unknown_kind_of_a_network_plugin_group_is_flagged() -> None:
    r = reach.from_objects([obj("cilium.io/v2alpha1", "CiliumFutureThing")])
    assert codes(r) == ["unevaluated-kind"]


def test_other_unknown_kinds_get_one_info_per_kind_not_partial() -> None:
    objs = [obj("monitoring.coreos.com/v1", "ServiceMonitor", f"m{i}") for i in range(3)]
    r = reach.from_objects(objs)
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("unread-kind", "info", False)
    assert "ServiceMonitor" in d.message and "3" in d.message


@pytest.mark.parametrize(
    "api,kind",
    [
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("policy/v1", "PodDisruptionBudget"),
        ("policy/v1beta1", "PodSecurityPolicy"),
        ("kyverno.io/v1", "ClusterPolicy"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ],
)
def test_irrelevant_kinds_give_no_diagnostic(api: str, kind: str) -> None:
    assert reach.from_objects([obj(api, kind)]).diagnostics == []


@pytest.mark.parametrize(
    "api,kind",
    [
        ("v1", "Service"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("networking.k8s.io/v1", "Ingress"),
        ("route.openshift.io/v1", "Route"),
        ("gateway.networking.k8s.io/v1", "GatewayClass"),
    ],
)
def test_entry_point_kinds_give_no_diagnostic_for_now(api: str, kind: str) -> None:
    assert reach.from_objects([obj(api, kind)]).diagnostics == []
    assert classify(api, kind).info is not None
    assert classify(api, kind).info.category is Category.ENTRY_POINT  # type: ignore[union-attr]


def test_misspelt_kind_is_an_error_naming_the_intended_kind() -> None:
    bad = netpol("deny")
    bad["kind"] = "Networkpolicy"
    with pytest.raises(InvalidInput) as e:
        reach.from_objects([bad])
    (p,) = e.value.problems
    assert p.path == "kind" and "did you mean NetworkPolicy" in p.message


def test_misspelt_kind_exits_2_on_the_command_line(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Networkpolicy\n"
        "metadata: {name: deny}\nspec: {podSelector: {}}\n"
    )
    code, _, err = run(["list", "-f", str(f)])
    assert code == 2
    assert f"{f}#1 kind" in err and "NetworkPolicy" in err


def test_core_api_version_on_a_network_policy_is_an_error_naming_the_field() -> None:
    bad = netpol("deny")
    bad["apiVersion"] = "k8sV1"
    with pytest.raises(InvalidInput) as e:
        reach.from_objects([bad])
    (p,) = e.value.problems
    assert p.path == "apiVersion" and "networking.k8s.io/v1" in p.message


def test_unserved_version_of_a_known_group_is_an_error() -> None:
    bad = netpol("deny")
    bad["apiVersion"] = "networking.k8s.io/v2"
    with pytest.raises(InvalidInput, match="apiVersion"):
        reach.from_objects([bad])


def test_extensions_v1beta1_network_policy_is_evaluated_with_a_deprecation_warning() -> None:
    old = deny_all("default")
    old["apiVersion"] = "extensions/v1beta1"
    r = reach.from_objects([old, pod("a"), pod("b")])
    assert len(r.cluster.policies) == 1
    (d,) = r.diagnostics
    assert (d.code, d.severity, d.partial) == ("deprecated-api", "warning", False)
    assert "extensions/v1beta1" in d.message
    assert not [c for c in r.connections(by="pod") if c.src.type == "pod" and c.dst.type == "pod"]


def test_object_without_api_version_is_read_by_its_kind() -> None:
    policy = deny_all("default")
    del policy["apiVersion"]
    r = reach.from_objects([policy])
    assert len(r.cluster.policies) == 1 and r.diagnostics == []


def test_classify_core_group_without_slash() -> None:
    c = classify("v1", "Pod")
    assert c.info is not None and c.info.category is Category.EVALUATED
    assert (c.group, c.version) == ("", "v1")


def test_table_has_one_entry_per_group_and_kind_each_with_a_reason() -> None:
    keys = [(k.group, k.kind) for k in KINDS]
    assert len(keys) == len(set(keys))
    assert all(k.reason for k in KINDS)


def test_docs_kinds_md_is_the_table() -> None:
    from reach.input.kinds import markdown_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "kinds.md").read_text()
    assert markdown_table() in doc, (
        "docs/kinds.md is out of date: paste the output of "
        "`python -c 'from reach.input.kinds import markdown_table; print(markdown_table())'`"
    )
