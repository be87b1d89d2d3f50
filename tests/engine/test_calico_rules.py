"""The engine on Calico policies: one named test per evaluation rule of docs/semantics.md
"Calico policies" (E1-E12), each answer computed by hand; and explain naming tier, policy,
rule and action."""

from __future__ import annotations

import warnings

import yaml

import reach
from tests.engine.test_calico_reference import CLI, DB, PODS, WEB, gnp, tier
from tests.engine.test_cilium_property import EngineAnswers
from tests.reference_calico import Endpoint

NETSET = (
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\n"
    "metadata: {name: partner, labels: {role: partner}}\nspec: {nets: [198.51.100.0/24]}\n---\n"
)


def reach_of(extra: str) -> reach.Reach:
    docs = [d for d in yaml.safe_load_all(PODS + "\n---\n" + extra) if d]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reach.PartialAnswerWarning)
        return reach.from_objects(docs)


class Engine:
    """The engine's answers for one input: ``allowed(src, dst, protocol, port)``."""

    def __init__(self, extra: str) -> None:
        self.answers = EngineAnswers(reach_of(extra).cluster)

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        ports = self.answers.ports_for(src, dst)
        return ports is not None and bool(ports.contains(protocol, port))


def test_e1_allow_in_an_earlier_tier_ends_evaluation() -> None:
    engine = Engine(
        tier("security", 100)
        + gnp("allow", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Allow}]")
        + gnp("deny", "  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert engine.allowed(CLI, DB, "TCP", 5432)


def test_e1_deny_in_an_earlier_tier_ends_evaluation() -> None:
    engine = Engine(
        tier("security", 100)
        + gnp("deny", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
        + gnp("allow", "  selector: app == 'db'\n  ingress: [{action: Allow}]")
    )
    assert not engine.allowed(CLI, DB, "TCP", 5432)


def test_e1_pass_goes_to_the_next_tier_whose_end_denies() -> None:
    engine = Engine(
        tier("security", 100)
        + gnp("pass", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass}]")
        + gnp(
            "allow-prod",
            "  selector: app == 'db'\n"
            "  ingress: [{action: Allow, source: {namespaceSelector: env == 'prod'}}]",
        )
    )
    assert engine.allowed(WEB, DB, "TCP", 5432) and not engine.allowed(CLI, DB, "TCP", 5432)


def test_e1_log_continues_with_the_next_rule() -> None:
    engine = Engine(
        gnp("log", "  selector: app == 'db'\n  ingress: [{action: Log}, {action: Deny}]")
    )
    assert not engine.allowed(CLI, DB, "TCP", 5432)


def test_e1_tier_default_pass_continues_and_an_unselecting_tier_is_skipped() -> None:
    engine = Engine(
        tier("security", 100, "Pass")
        + gnp(
            "deny-web",
            "  tier: security\n  selector: app == 'db'\n"
            "  ingress: [{action: Deny, source: {selector: app == 'web'}}]",
        )
        + tier("platform", 200)
        + gnp("nobody", "  tier: platform\n  selector: app == 'none'\n  ingress: [{action: Deny}]")
    )
    assert engine.allowed(CLI, DB, "TCP", 5432) and not engine.allowed(WEB, DB, "TCP", 5432)


def test_e1_policies_by_order_then_name_inside_a_tier() -> None:
    tie = Engine(
        gnp("b-allow", "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Allow}]")
        + gnp("a-deny", "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    )
    assert not tie.allowed(CLI, DB, "TCP", 5432)


def test_e2_types_default_and_a_policy_without_rules_denies_ingress() -> None:
    engine = Engine(gnp("deny-all", "  selector: app == 'db'"))
    assert not engine.allowed(CLI, DB, "TCP", 5432) and engine.allowed(DB, CLI, "TCP", 80)


def test_e2_global_policy_namespace_and_service_account_selectors() -> None:
    engine = Engine(
        gnp(
            "prod-web-deny",
            "  namespaceSelector: env == 'prod'\n"
            "  serviceAccountSelector: projectcalico.org/name == 'web-sa'\n"
            "  ingress: [{action: Deny}]",
        )
    )
    assert not engine.allowed(CLI, WEB, "TCP", 8080) and engine.allowed(CLI, DB, "TCP", 5432)


def test_e3_network_policy_rule_selectors_stay_in_its_namespace() -> None:
    engine = Engine(
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\n"
        "spec:\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: has(app)}}]\n"
    )
    assert engine.allowed(WEB, DB, "TCP", 5432) and not engine.allowed(CLI, DB, "TCP", 5432)


def test_e3_global_network_sets_need_global_in_a_network_policy() -> None:
    head = (
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\n"
        "spec:\n  selector: app == 'web'\n"
    )
    rule = "  egress: [{action: Allow, destination: {selector: role == 'partner'%s}}]\n"
    assert not Engine(NETSET + head + rule % "").allowed(WEB, "198.51.100.7", "TCP", 443)
    with_global = Engine(NETSET + head + rule % ", namespaceSelector: global()")
    assert with_global.allowed(WEB, "198.51.100.7", "TCP", 443)


def test_e4_not_equal_and_not_selector_match_what_lacks_the_label() -> None:
    engine = Engine(
        gnp(
            "x",
            "  selector: app == 'db'\n  ingress: [{action: Deny, source: {selector: env != 'stage'}},"
            " {action: Allow, source: {notSelector: app == 'web'}}]",
        )
    )
    assert not engine.allowed(CLI, DB, "TCP", 5432)  # no env label: env != 'stage' holds
    assert not engine.allowed(WEB, DB, "TCP", 5432)  # env == stage, but notSelector excludes it
    assert engine.allowed("8.8.8.8", DB, "TCP", 5432)  # external: notSelector matches


def test_e4_selectors_pick_network_sets_by_label() -> None:
    engine = Engine(
        NETSET
        + gnp(
            "egress",
            "  selector: app == 'web'\n"
            "  egress: [{action: Allow, destination: {selector: role == 'partner'}}]",
        )
    )
    assert engine.allowed(WEB, "198.51.100.7", "TCP", 443)
    assert not engine.allowed(WEB, "8.8.8.8", "TCP", 443)


def test_e5_icmp_matches_no_port_and_not_protocol_excludes() -> None:
    engine = Engine(
        gnp(
            "x",
            "  selector: app == 'db'\n"
            "  ingress: [{action: Allow, protocol: ICMP}, {action: Allow, notProtocol: UDP}]",
        )
    )
    assert engine.allowed(CLI, DB, "TCP", 5432) and not engine.allowed(CLI, DB, "UDP", 5432)


def test_e6_service_accounts_by_name() -> None:
    engine = Engine(
        gnp(
            "x",
            "  selector: app == 'db'\n"
            "  ingress: [{action: Allow, source: {serviceAccounts: {names: [web-sa]}}}]",
        )
    )
    assert engine.allowed(WEB, DB, "TCP", 5432) and not engine.allowed(CLI, DB, "TCP", 5432)


def test_e7_destination_service_matches_its_pods_on_target_ports() -> None:
    engine = Engine(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
        "spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n---\n"
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: n, namespace: shop}\n"
        "spec:\n  selector: app == 'db'\n"
        "  egress: [{action: Allow, destination: {services: {name: web}}}]\n"
    )
    assert engine.allowed(DB, WEB, "TCP", 8080) and not engine.allowed(DB, WEB, "TCP", 80)
    assert not engine.allowed(DB, CLI, "TCP", 8080)


def test_e8_ports_ranges_named_and_not_ports() -> None:
    engine = Engine(
        gnp(
            "x",
            "  selector: has(app)\n  ingress: [{action: Allow, protocol: TCP,"
            " destination: {ports: ['5000:5500', http], notPorts: [5432]}}]",
        )
    )
    assert engine.allowed(CLI, DB, "TCP", 5000) and not engine.allowed(CLI, DB, "TCP", 5432)
    assert not engine.allowed(CLI, DB, "TCP", 5501) and not engine.allowed(CLI, DB, "TCP", 8080)
    assert engine.allowed(CLI, WEB, "TCP", 8080)  # http resolves on web only


def test_e9_nets_and_not_nets_match_addresses_not_pods() -> None:
    engine = Engine(
        gnp(
            "x",
            "  selector: app == 'db'\n"
            "  ingress: [{action: Allow, source: {nets: [10.0.0.0/8], notNets: [10.1.0.0/16]}}]",
        )
    )
    assert engine.allowed("10.0.0.1", DB, "TCP", 5432)
    assert not engine.allowed("10.1.2.3", DB, "TCP", 5432)
    assert not engine.allowed(CLI, DB, "TCP", 5432)


def test_e10_kubernetes_policies_sit_in_the_default_tier_at_order_1000() -> None:
    knp = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: allow-all, namespace: shop}\nspec: {podSelector: {}, ingress: [{}]}\n---\n"
    )
    before = gnp("deny", "  order: 500\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    after = gnp("deny", "  order: 2000\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    assert not Engine(knp + before).allowed(CLI, DB, "TCP", 5432)
    assert Engine(knp + after).allowed(CLI, DB, "TCP", 5432)


def test_e10_admin_tier_sits_at_order_1000() -> None:
    anp = (
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
        "metadata: {name: a}\nspec: {priority: 1, subject: {namespaces: {}}, ingress: "
        "[{name: r, action: Allow, from: [{namespaces: {}}]}]}\n---\n"
    )
    deny = gnp("d", "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny}]")
    assert not Engine(anp + tier("security", 100) + deny).allowed(CLI, DB, "TCP", 5432)
    assert Engine(anp + tier("security", 5000) + deny).allowed(CLI, DB, "TCP", 5432)


def test_e11_traffic_between_pods_is_ipv4() -> None:
    engine = Engine(gnp("x", "  selector: app == 'db'\n  ingress: [{action: Allow, ipVersion: 6}]"))
    assert not engine.allowed(CLI, DB, "TCP", 5432)
    assert engine.allowed("2001:db8::1", DB, "TCP", 5432)


def test_e12_profiles_after_the_last_tier_and_generated_kns_allows() -> None:
    profile = (
        "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: kns.shop}\n"
        "spec: {ingress: [{action: Deny, source: {selector: app == 'cli'}}, {action: Allow}],"
        " egress: [{action: Allow}]}\n---\n"
    )
    passing = gnp("p", "  selector: app == 'db'\n  ingress: [{action: Pass}]")
    engine = Engine(profile + passing)
    assert not engine.allowed(CLI, DB, "TCP", 5432) and engine.allowed(WEB, DB, "TCP", 5432)
    assert Engine(passing).allowed(CLI, DB, "TCP", 5432)


def test_host_networked_pods_are_not_calico_endpoints() -> None:
    host = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: node-agent, namespace: shop, labels: {app: db}}\n"
        "spec: {hostNetwork: true, containers: [{name: c, image: x}]}\n---\n"
    )
    engine = Engine(host + gnp("deny", "  selector: app == 'db'\n  ingress: [{action: Deny}]"))
    assert engine.allowed(CLI, ("shop", "node-agent"), "TCP", 80)
    assert not engine.allowed(CLI, DB, "TCP", 80)


def test_explain_names_tier_policy_rule_and_action() -> None:
    r = reach_of(
        tier("security", 100)
        + gnp(
            "security.deny-egress",
            "  tier: security\n  selector: app == 'web'\n"
            "  egress: [{action: Log}, {action: Pass, destination: {selector: app == 'cli'}},"
            " {action: Deny}]",
        )
    )
    denied = r.explain("shop/web", "shop/db")
    assert "denied by tier security, policy security.deny-egress, egress rule 2" in str(denied)
    passed = str(r.explain("shop/web", "other/cli"))
    assert "tier security, policy security.deny-egress, egress rule 1 passes" in passed
    assert "profile kns.shop (generated: allows all) allows" in passed


def test_the_two_directions_of_a_rule_less_class_do_not_share_a_verdict() -> None:
    """A host-networked pod (no profiles, no Calico policy: no rule at all) isolated for
    egress by a Kubernetes NetworkPolicy: its ingress state (no tier applies) and its egress
    state (the default tier applies) have the same number in their directions, and the two
    walks must not share a cached verdict (found while writing the engine)."""
    host = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: shop, labels: {app: agent}}\n"
        "spec: {hostNetwork: true, containers: [{name: c, image: x}]}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: agent-no-egress, namespace: shop}\n"
        "spec: {podSelector: {matchLabels: {app: agent}}, policyTypes: [Egress]}\n---\n"
    )
    engine = Engine(host + gnp("none", "  selector: app == 'none'\n  ingress: [{action: Allow}]"))
    agent = ("shop", "agent")
    assert not engine.allowed(agent, DB, "TCP", 5432)  # egress: the end of the default tier
    assert engine.allowed(CLI, agent, "TCP", 80)  # ingress: no tier, no profile: allowed


def test_explain_walks_a_tier_named_profiles_once_and_the_profiles_after_it() -> None:
    """Found by review: a Tier of the input named ``profiles`` that passes TCP 80 to the
    profiles (the generated one allows all) then denies it. The rows allowed it; explain
    walked the tier's rules again as profile rules and said the Deny decided."""
    r = reach_of(
        tier("profiles", 1)
        + gnp(
            "profiles.pass-then-deny",
            "  tier: profiles\n  selector: app == 'db'\n  types: [Ingress]\n"
            "  ingress: [{action: Pass, protocol: TCP, destination: {ports: [80]}},"
            " {action: Deny, protocol: TCP, destination: {ports: [80]}}]",
        )
    )
    assert r.path("shop/web", "shop/db").reachable
    text = str(r.explain("shop/web", "shop/db"))
    assert "tier profiles, policy profiles.pass-then-deny, ingress rule 0 passes" in text
    assert "profile kns.shop (generated: allows all) allows" in text
    assert "denied by tier profiles" not in text


def test_a_profile_rule_is_named_by_its_profile_in_findings() -> None:
    """Found by review: a finding about a Profile's rule printed the Profile's fields."""
    r = reach_of(
        "apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: kns.shop}\n"
        "spec: {egress: [{action: Allow, protocol: TCP, destination: {selector: all(),"
        " ports: [80]}}]}\n---\n"
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
        "metadata: {name: all}\nspec: {priority: 5, subject: {namespaces: {}}, egress:"
        " [{name: r, action: Allow, to: [{namespaces: {}}]}]}\n"
    )
    text = str(r.audit())
    assert "Profile kns.shop egress[0]: profiles egress rule never takes effect" in text
    assert "Profile(name=" not in text
