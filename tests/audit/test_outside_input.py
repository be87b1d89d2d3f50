"""The audit on partial inputs (issue 14, item 10): selectors whose targets the input does not
hold are reported once, at severity info, as outside the input; `did you mean` suggests only
close candidates of the target's own namespace."""

from __future__ import annotations

from typing import Any

import reach
from reach.audit import AuditReport
from tests.builders import Obj, namespace, netpol, pod, sel

NAME = "kubernetes.io/metadata.name"


def audit(objects: list[Obj]) -> AuditReport:
    return reach.from_objects(objects).audit()


def dns_egress(name: str, ns: str) -> Obj:
    """The usual DNS egress rule: to kube-dns pods in kube-system, on 53."""
    return netpol(
        name,
        ns,
        {},
        policyTypes=["Egress"],
        egress=[
            {
                "to": [
                    {
                        "namespaceSelector": sel(**{NAME: "kube-system"}),
                        "podSelector": sel(**{"k8s-app": "kube-dns"}),
                    }
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }
        ],
    )


def app_repo() -> list[Obj]:
    """Two namespaces of an application, each with the DNS rule; no kube-system."""
    return [
        namespace("shop"),
        namespace("pay"),
        pod("web", "shop", {"app": "web"}),
        pod("api", "pay", {"app": "api"}),
        dns_egress("dns", "shop"),
        dns_egress("dns", "pay"),
    ]


def test_dns_rule_to_an_absent_kube_system_is_not_a_typo() -> None:
    r = audit(app_repo())
    assert not r.of_check("peer-matches-nothing")
    assert not [f for f in r.findings if "did you mean" in f.message]


def test_absent_namespace_is_reported_once_as_outside_the_input_at_info() -> None:
    (f,) = audit(app_repo()).of_check("outside-the-input")
    assert f.severity == "info"
    assert f.subject == "namespace kube-system"
    assert f.namespace == "kube-system"
    assert f.message == (
        "namespace kube-system is not in the input; 2 rule peers target it: "
        "pay/dns spec.egress[0].to[0], shop/dns spec.egress[0].to[0]"
    )
    assert [ref["policy"] for ref in f.details["references"]] == ["pay/dns", "shop/dns"]


def test_namespace_selector_on_labels_no_namespace_has_is_outside_the_input() -> None:
    pol = netpol(
        "in",
        "shop",
        {},
        ingress=[{"from": [{"namespaceSelector": sel(team="platform")}]}],
    )
    (f,) = audit([namespace("shop", team="shop"), pod("web", "shop"), pol]).of_check(
        "outside-the-input"
    )
    assert f.subject == "namespaces with team=platform"
    assert f.message.startswith("no namespace in the input has team=platform; 1 rule peer")


def test_a_close_namespace_label_is_still_a_typo() -> None:
    pol = netpol(
        "out",
        "shop",
        {},
        policyTypes=["Egress"],
        egress=[{"to": [{"namespaceSelector": sel(**{NAME: "paymnts"})}]}],
    )
    r = audit([namespace("payments"), pod("p", "payments"), pod("a", "shop"), pol])
    (f,) = r.of_check("peer-matches-nothing")
    assert f.severity == "medium" and f"did you mean {NAME}=payments?" in f.message
    assert not r.of_check("outside-the-input")


def kube_prometheus_like() -> list[Obj]:
    """The operator's Deployment and the exporters are in the input; the Prometheus and
    Alertmanager pods (prometheus-k8s-0, alertmanager-main-0) are made by the operator from
    custom resources, so no pod in the input carries their labels."""

    def deployment(name: str, component: str) -> Obj:
        labels = {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "kube-prometheus",
        }
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": "monitoring", "labels": labels},
            "spec": {
                "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": name, "image": name}]},
                },
            },
        }

    def from_prometheus(name: str, port: int) -> Obj:
        return netpol(
            name,
            "monitoring",
            sel(**{"app.kubernetes.io/name": name}),
            ingress=[
                {
                    "from": [{"podSelector": sel(**{"app.kubernetes.io/name": "prometheus"})}],
                    "ports": [{"port": port, "protocol": "TCP"}],
                }
            ],
        )

    prometheus_pods = {
        "app.kubernetes.io/component": "prometheus",
        "app.kubernetes.io/instance": "k8s",
        "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/part-of": "kube-prometheus",
    }
    names = ["prometheus-operator", "prometheus-adapter", "grafana", "kube-state-metrics"]
    return [
        namespace("monitoring"),
        *(deployment(n, "exporter") for n in names),
        *(from_prometheus(n, 9090 + i) for i, n in enumerate(names)),
        netpol(
            "prometheus-k8s",
            "monitoring",
            sel(**prometheus_pods),
            ingress=[
                {
                    "from": [{"podSelector": sel(**{"app.kubernetes.io/name": "grafana"})}],
                    "ports": [{"port": 9090, "protocol": "TCP"}],
                }
            ],
        ),
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Prometheus",
            "metadata": {"name": "k8s", "namespace": "monitoring"},
            "spec": {"replicas": 2},
        },
    ]


def test_operator_managed_pods_get_no_wrong_did_you_mean() -> None:
    r = audit(kube_prometheus_like())
    assert not [f for f in r.findings if "did you mean" in f.message], [
        str(f) for f in r.findings if "did you mean" in f.message
    ]
    assert not r.of_check("peer-matches-nothing")
    assert not r.of_check("policy-selects-nothing")


def test_operator_managed_pods_are_one_info_finding_per_target() -> None:
    got = {f.subject: f for f in audit(kube_prometheus_like()).of_check("outside-the-input")}
    assert set(got) == {
        "pods app.kubernetes.io/name=prometheus in namespace monitoring",
        "pods app.kubernetes.io/component=prometheus,app.kubernetes.io/instance=k8s,"
        "app.kubernetes.io/name=prometheus,app.kubernetes.io/part-of=kube-prometheus "
        "in namespace monitoring",
    }
    peers = got["pods app.kubernetes.io/name=prometheus in namespace monitoring"]
    assert peers.severity == "info" and peers.namespace == "monitoring"
    assert peers.message.startswith(
        "no pod in the input matches podSelector app.kubernetes.io/name=prometheus in "
        "namespace monitoring; the pods may be created by an operator or defined outside "
        "the input; 4 rule peers target them: monitoring/grafana spec.ingress[0].from[0]"
    )
    assert len(peers.details["references"]) == 4
    (selected,) = (f for s, f in got.items() if "instance=k8s" in s)
    assert [(ref["policy"], ref["field"]) for ref in selected.details["references"]] == [
        ("monitoring/prometheus-k8s", "spec.podSelector")
    ]


def test_did_you_mean_only_for_close_values() -> None:
    """wbe -> web is one transposition away; api and web are three edits apart."""

    def peer(value: str) -> dict[str, Any]:
        return {"podSelector": sel(app=value)}

    pol = netpol("db", "shop", sel(app="db"), ingress=[{"from": [peer("api"), peer("wbe")]}])
    r = audit([pod("db", "shop", {"app": "db"}), pod("web", "shop", {"app": "web"}), pol])
    assert [f.message for f in r.of_check("peer-matches-nothing")] == [
        "spec.ingress[0].from[1]: podSelector app=wbe matches no pod in namespace shop "
        "(did you mean app=web?)"
    ]
    (f,) = r.of_check("outside-the-input")
    assert f.subject == "pods app=api in namespace shop"


def test_short_values_need_to_be_closer() -> None:
    """db and web are two edits apart, too many for values of at most four characters."""
    pol = netpol("x", "shop", sel(app="x"), ingress=[{"from": [{"podSelector": sel(app="db")}]}])
    r = audit([pod("web", "shop", {"app": "web"}), pod("x", "shop", {"app": "x"}), pol])
    assert not r.of_check("peer-matches-nothing")
    assert [f.subject for f in r.of_check("outside-the-input")] == ["pods app=db in namespace shop"]


def test_did_you_mean_never_points_into_another_namespace() -> None:
    """The close pod is in namespace other; the peer targets shop."""
    pol = netpol("x", "shop", sel(app="x"), ingress=[{"from": [{"podSelector": sel(app="webb")}]}])
    objs = [pod("web", "other", {"app": "web"}), pod("x", "shop", {"app": "x"}), pol]
    r = audit(objs)
    assert not [f for f in r.findings if "did you mean" in f.message]
    assert [f.subject for f in r.of_check("outside-the-input")] == [
        "pods app=webb in namespace shop"
    ]


def test_policy_selecting_no_pod_without_close_candidate_is_outside_the_input() -> None:
    objs = [pod("web", "shop", {"app": "web"}), netpol("cache", "shop", sel(app="redis"))]
    r = audit(objs)
    assert not r.of_check("policy-selects-nothing")
    (f,) = r.of_check("outside-the-input")
    assert f.subject == "pods app=redis in namespace shop"
    assert f.details["references"][0]["field"] == "spec.podSelector"
