"""The brute-force Calico reference (tests/reference_calico.py) on hand-computed cases, one per
rule of docs/semantics.md "Calico policies" (E1-E12), and its agreement with the
NetworkPolicy/Admin reference (tests/reference.py) when there is no Calico object."""

from __future__ import annotations

import warnings

import yaml
from hypothesis import HealthCheck, given, settings

import reach
from reach.model.cluster import Cluster
from tests.engine.test_admin_vs_reference import admin_clusters, admin_probe_ips
from tests.reference import Obj, Reference
from tests.reference_calico import CalicoReference
from tests.strategies_calico import PROBE_IPS, PROBE_PORTS, CalicoCase, calico_clusters, parse

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web, env: stage}}
spec: {serviceAccountName: web-sa, containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cli, namespace: other, labels: {app: cli}}
spec: {containers: [{name: c, image: x}]}
"""
WEB, DB, CLI = ("shop", "web"), ("shop", "db"), ("other", "cli")


def load(extra: str) -> CalicoReference:
    docs = [d for d in yaml.safe_load_all(PODS + "\n---\n" + extra) if d]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        r = reach.from_objects(docs)
    return CalicoReference(r.cluster)


def gnp(name: str, spec: str, api: str = "projectcalico.org/v3") -> str:
    return f"apiVersion: {api}\nkind: GlobalNetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n{spec}\n---\n"


def tier(name: str, order: int, action: str = "Deny") -> str:
    return (
        f"apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {{name: {name}}}\n"
        f"spec: {{order: {order}, defaultAction: {action}}}\n---\n"
    )


def test_no_policy_allows_everything() -> None:
    ref = load("")
    assert ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(DB, "8.8.8.8", "UDP", 53)


def test_e1_allow_ends_evaluation_before_later_tiers() -> None:
    ref = load(
        tier("security", 100)
        + gnp("allow", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Allow}]")
        + gnp("deny", "  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert ref.allowed(CLI, DB, "TCP", 5432)


def test_e1_deny_ends_evaluation() -> None:
    ref = load(
        tier("security", 100)
        + gnp("deny", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
        + gnp("allow", "  selector: app == 'db'\n  ingress: [{action: Allow}]")
    )
    assert not ref.allowed(CLI, DB, "TCP", 5432)


def test_e1_pass_goes_to_the_next_tier() -> None:
    ref = load(
        tier("security", 100)
        + gnp("pass", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]")
        + gnp(
            "allow-shop",
            "  selector: app == 'db'\n  ingress: [{action: Allow, source: {namespaceSelector: env == 'prod'}}]",
        )
    )
    assert ref.allowed(WEB, DB, "TCP", 5432)
    assert not ref.allowed(CLI, DB, "TCP", 5432)  # end of the default tier: Deny


def test_e1_log_continues_with_the_next_rule() -> None:
    ref = load(gnp("log", "  selector: app == 'db'\n  ingress: [{action: Log}, {action: Allow}]"))
    assert ref.allowed(CLI, DB, "TCP", 5432)


def test_e1_end_of_a_tier_that_applies_is_its_default_deny() -> None:
    ref = load(
        tier("security", 100)
        + gnp(
            "only-web",
            "  tier: security\n  selector: app == 'db'\n"
            "  ingress: [{action: Allow, source: {selector: app == 'web'}}]",
        )
    )
    assert ref.allowed(WEB, DB, "TCP", 5432) and not ref.allowed(CLI, DB, "TCP", 5432)


def test_e1_tier_default_action_pass_continues() -> None:
    ref = load(
        tier("security", 100, "Pass")
        + gnp(
            "only-web",
            "  tier: security\n  selector: app == 'db'\n"
            "  ingress: [{action: Deny, source: {selector: app == 'web'}}]",
        )
    )
    assert ref.allowed(CLI, DB, "TCP", 5432) and not ref.allowed(WEB, DB, "TCP", 5432)


def test_e1_a_tier_selecting_nothing_is_skipped() -> None:
    ref = load(
        tier("security", 100)
        + gnp(
            "nobody", "  tier: security\n  selector: app == 'nothing'\n  ingress: [{action: Allow}]"
        )
    )
    assert ref.allowed(CLI, DB, "TCP", 5432)


def test_e1_policies_by_order_then_name_inside_a_tier() -> None:
    ref = load(
        gnp("b-allow", "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Allow}]")
        + gnp("a-deny", "  order: 20\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert ref.allowed(CLI, DB, "TCP", 5432)
    tie = load(
        gnp("b-allow", "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Allow}]")
        + gnp("a-deny", "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert not tie.allowed(CLI, DB, "TCP", 5432)


def test_e2_types_default_to_the_rules_present() -> None:
    ref = load(gnp("egress-only", "  selector: app == 'db'\n  egress: [{action: Deny}]"))
    assert ref.allowed(CLI, DB, "TCP", 5432) and not ref.allowed(DB, CLI, "TCP", 80)


def test_e2_a_policy_with_no_rules_denies_ingress() -> None:
    ref = load(gnp("default-deny", "  selector: all()"))
    assert not ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(DB, "8.8.8.8", "TCP", 443)


def test_e2_staged_and_host_only_policies_select_no_pod() -> None:
    staged = (
        "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\n"
        "metadata: {name: s}\nspec: {selector: all()}\n---\n"
    )
    host = gnp(
        "h",
        "  selector: all()\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Deny}]",
    )
    assert load(staged + host).allowed(CLI, DB, "TCP", 5432)


def test_e2_global_policy_namespace_selector() -> None:
    ref = load(gnp("prod-deny", "  namespaceSelector: env == 'prod'\n  ingress: [{action: Deny}]"))
    assert not ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(DB, CLI, "TCP", 80)


def test_e3_network_policy_rule_selectors_stay_in_its_namespace() -> None:
    np = (
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\n"
        "spec:\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: has(app)}}]\n"
    )
    ref = load(np)
    assert ref.allowed(WEB, DB, "TCP", 5432) and not ref.allowed(CLI, DB, "TCP", 5432)


def test_e4_not_equal_matches_endpoints_without_the_label() -> None:
    """The tiered-policy example: Deny from env != "stage" (the cli pod has no env label)."""
    ref = load(
        gnp(
            "devops.stage-env",
            "  selector: app == 'db'\n  ingress: [{action: Deny, source: {selector: env != 'stage'}}, {action: Allow}]",
        )
    )
    assert not ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(WEB, DB, "TCP", 5432)


def test_e4_not_selector_matches_external_addresses() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: app == 'db'\n  ingress: [{action: Allow, source: {notSelector: app == 'web'}}]",
        )
    )
    assert ref.allowed("8.8.8.8", DB, "TCP", 5432) and ref.allowed(CLI, DB, "TCP", 5432)
    assert not ref.allowed(WEB, DB, "TCP", 5432)


def test_e4_selectors_pick_network_sets_by_label() -> None:
    netset = (
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\n"
        "metadata: {name: partner, labels: {role: partner}}\nspec: {nets: [198.51.100.0/24]}\n---\n"
    )
    ref = load(
        netset
        + gnp(
            "egress",
            "  selector: app == 'web'\n  egress: [{action: Allow, destination: {selector: role == 'partner'}}]",
        )
    )
    assert ref.allowed(WEB, "198.51.100.7", "TCP", 443) and not ref.allowed(
        WEB, "8.8.8.8", "TCP", 443
    )


def test_e3_global_sets_need_global_in_a_network_policy() -> None:
    netset = (
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\n"
        "metadata: {name: partner, labels: {role: partner}}\nspec: {nets: [198.51.100.0/24]}\n---\n"
    )
    rule = "  egress: [{action: Allow, destination: {selector: role == 'partner'%s}}]\n"
    head = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\nspec:\n  selector: app == 'web'\n"
    assert not load(netset + head + rule % "").allowed(WEB, "198.51.100.7", "TCP", 443)
    with_global = rule % ", namespaceSelector: global()"
    assert load(netset + head + with_global).allowed(WEB, "198.51.100.7", "TCP", 443)


def test_e5_protocol_icmp_matches_no_tcp_and_not_protocol_excludes() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: app == 'db'\n  ingress: [{action: Allow, protocol: ICMP}, {action: Allow, notProtocol: UDP}]",
        )
    )
    assert ref.allowed(CLI, DB, "TCP", 5432) and not ref.allowed(CLI, DB, "UDP", 5432)


def test_e6_service_accounts_by_name() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: app == 'db'\n  ingress: [{action: Allow, source: {serviceAccounts: {names: [web-sa]}}}]",
        )
    )
    assert ref.allowed(WEB, DB, "TCP", 5432) and not ref.allowed(CLI, DB, "TCP", 5432)


def test_e7_destination_service_matches_its_pods_on_target_ports() -> None:
    svc = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
        "spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n---\n"
    )
    np = (
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\n"
        "spec:\n  selector: app == 'db'\n  egress: [{action: Allow, destination: {services: {name: web}}}]\n"
    )
    ref = load(svc + np)
    assert ref.allowed(DB, WEB, "TCP", 8080) and not ref.allowed(DB, WEB, "TCP", 80)


def test_e8_ports_numbers_ranges_and_named() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: has(app)\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: ['5000:5500', http]}}]",
        )
    )
    assert ref.allowed(CLI, DB, "TCP", 5432) and not ref.allowed(CLI, DB, "TCP", 5501)
    assert ref.allowed(CLI, WEB, "TCP", 8080) and not ref.allowed(CLI, DB, "TCP", 8080)


def test_e8_not_ports() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: has(app)\n  ingress: [{action: Allow, protocol: TCP, destination: {notPorts: [5432]}}]",
        )
    )
    assert not ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(CLI, DB, "TCP", 5433)


def test_e9_nets_match_addresses_not_pods() -> None:
    ref = load(
        gnp(
            "x",
            "  selector: app == 'db'\n  ingress: [{action: Allow, source: {nets: [10.0.0.0/8]}}]",
        )
    )
    assert ref.allowed("10.1.2.3", DB, "TCP", 5432) and not ref.allowed(CLI, DB, "TCP", 5432)


def test_e10_kubernetes_policies_sit_in_the_default_tier_at_order_1000() -> None:
    knp = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: shop}\n"
        "spec: {podSelector: {}, ingress: [{}]}\n---\n"
    )
    before = gnp("deny", "  order: 500\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    after = gnp("deny", "  order: 2000\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    assert not load(knp + before).allowed(CLI, DB, "TCP", 5432)
    assert load(knp + after).allowed(CLI, DB, "TCP", 5432)


def test_e10_admin_tier_comes_after_a_lower_ordered_tier() -> None:
    anp = (
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\n"
        "spec: {priority: 1, subject: {namespaces: {}}, ingress: [{name: r, action: Allow, from: [{namespaces: {}}]}]}\n---\n"
    )
    early = tier("security", 100) + gnp(
        "d", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]"
    )
    late = tier("security", 5000) + gnp(
        "d", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]"
    )
    assert not load(anp + early).allowed(CLI, DB, "TCP", 5432)
    assert load(anp + late).allowed(CLI, DB, "TCP", 5432)


def test_e11_ip_version_between_pods_is_4() -> None:
    ref = load(gnp("x", "  selector: app == 'db'\n  ingress: [{action: Allow, ipVersion: 6}]"))
    assert not ref.allowed(CLI, DB, "TCP", 5432)


def test_e12_profiles_after_the_last_tier() -> None:
    profile = (
        "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: kns.shop}\n"
        "spec: {ingress: [{action: Deny, source: {selector: app == 'cli'}}, {action: Allow}], egress: [{action: Allow}]}\n---\n"
    )
    passing = gnp("p", "  selector: app == 'db'\n  ingress: [{action: Pass}]")
    ref = load(profile + passing)
    assert not ref.allowed(CLI, DB, "TCP", 5432) and ref.allowed(WEB, DB, "TCP", 5432)
    assert load(passing).allowed(CLI, DB, "TCP", 5432)  # the generated kns profile allows


def test_host_networked_pods_are_not_calico_endpoints() -> None:
    host = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: node-agent, namespace: shop, labels: {app: db}}\n"
        "spec: {hostNetwork: true, containers: [{name: c, image: x}]}\n---\n"
    )
    ref = load(host + gnp("deny", "  selector: app == 'db'\n  ingress: [{action: Deny}]"))
    assert ref.allowed(CLI, ("shop", "node-agent"), "TCP", 80) and not ref.allowed(
        CLI, DB, "TCP", 80
    )


# ------------------------------------------------------------------ properties


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(admin_clusters())
def test_agrees_with_the_kubernetes_reference_without_calico_objects(objects: list[Obj]) -> None:
    """With no Calico object, the tiers are kube-admin, default and kube-baseline, and the
    answers are those of tests/reference.py."""
    cluster: Cluster = parse(objects)
    ours, theirs = CalicoReference(cluster), Reference(objects)
    pods = list(ours.pods)
    ips = admin_probe_ips(objects)[:3]
    for src in pods + ips:
        for dst in pods + ips:
            if src == dst or (isinstance(src, str) and isinstance(dst, str)):
                continue
            for port in (80, 53, 8080):
                for proto in ("TCP", "UDP"):
                    assert ours.allowed(src, dst, proto, port) == theirs.allowed(
                        src, dst, proto, port
                    ), (src, dst, proto, port)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(calico_clusters())
def test_answers_are_total_and_an_allow_all_first_tier_allows_every_selected_pair(
    case: CalicoCase,
) -> None:
    """The reference answers every probe of a generated cluster; and a tier ordered before
    all others whose policy allows everything for every pod makes every pod pair allowed."""
    from reach.model.calico import CalicoPolicy, CalicoRule, Tier

    cluster = case.cluster
    ref = CalicoReference(cluster)
    pods = [k for k, p in ref.pods.items() if not p.host_network]
    for src in pods + PROBE_IPS[:2]:
        for dst in pods:
            if src != dst:
                ref.allowed_ports(src, dst, PROBE_PORTS[:3])
    first = CalicoPolicy(
        "GlobalNetworkPolicy",
        "",
        "open",
        tier="first",
        ingress=(CalicoRule("ingress", 0, "Allow"),),
        egress=(CalicoRule("egress", 0, "Allow"),),
        egress_applies=True,
    )
    cluster.calico.tiers["first"] = Tier("first", -1.0)
    cluster.calico.policies = [*cluster.calico.policies, first]
    opened = CalicoReference(cluster)
    for src in pods:
        for dst in pods:
            if src != dst:
                assert opened.allowed(src, dst, "TCP", 80)
