"""One named test per rule of pseudo peers (docs/semantics.md, "Pseudo nodes"): which rules
hold the Cilium entities and FQDNs that have no counterpart among pods and addresses.

Every cluster here has a policy in namespace b (``NAMER``) whose rule names every pseudo
peer, so that they all exist; the rule under test is an egress rule of ``a/web``, which
it isolates, so what ``a/web`` reaches is what the rule holds.
"""

from __future__ import annotations

import ipaddress

from reach.api.facade import Reach
from reach.model.cilium import CiliumRule
from reach.model.cluster import NetworkPolicy, Peer, Rule
from reach.model.ipspace import IPBlock
from reach.model.ports import PortSet, PortSpec
from reach.model.pseudo import PSEUDO_ENTITIES
from reach.model.selectors import LabelSelector, Requirement
from tests.ciliumbuilders import ALL, NONE, cluster, cnp, ports, rule, sel

FQDNS = ("api.example.com", "*.example.com")
NAMER = cnp(
    "b", "namer", sel("b", app="web"), rule("egress", entities=PSEUDO_ENTITIES, fqdns=FQDNS)
)
ENTITY_IDS = {f"{e}[Entity]" for e in PSEUDO_ENTITIES}
FQDN_IDS = {f"{f}[FQDN]" for f in FQDNS}
EVERY = ENTITY_IDS | FQDN_IDS
WEB = sel("a", app="web")


def held(r: Reach) -> set[str]:
    """The pseudo nodes a/web reaches."""
    return {p.id for p in r.analysis.reachability.pseudo if ports(r, "a/web", p.id) != NONE}


def held_by(tested: CiliumRule) -> set[str]:
    return held(cluster(NAMER, cnp("a", "p", WEB, tested)))


def held_by_netpol(egress: Rule) -> set[str]:
    netpol = NetworkPolicy("a", "np", LabelSelector((_app("web"),)), False, True, egress=(egress,))
    return held(cluster(NAMER, netpols=[netpol]))


def _app(value: str) -> Requirement:
    return Requirement("app", "In", frozenset({value}))


def test_pseudo_peers_exist_only_when_a_cilium_rule_names_them() -> None:
    r = cluster(cnp("a", "p", WEB, rule("egress", entities=("cluster", "all", "world"))))
    assert r.analysis.reachability.pseudo == []
    assert [p.id for p in cluster(NAMER).analysis.reachability.pseudo] == [
        *(f"{e}[Entity]" for e in sorted(PSEUDO_ENTITIES)),
        "*.example.com[FQDN]",
        "api.example.com[FQDN]",
    ]


def test_a_rule_naming_an_entity_holds_that_entity_only() -> None:
    assert held_by(rule("egress", entities=("kube-apiserver",))) == {"kube-apiserver[Entity]"}


def test_a_fqdn_pattern_is_a_node_of_its_own_that_holds_no_name() -> None:
    assert held_by(rule("egress", fqdns=("*.example.com",))) == {"*.example.com[FQDN]"}
    assert held_by(rule("egress", fqdns=("api.example.com",))) == {"api.example.com[FQDN]"}


def test_fqdn_names_are_compared_without_case_or_final_dot() -> None:
    assert held_by(rule("egress", fqdns=("API.Example.com.",))) == {"api.example.com[FQDN]"}


def test_a_wildcard_rule_holds_every_pseudo_peer() -> None:
    assert held_by(rule("egress", wildcard=True, ports=(PortSpec("TCP", 443),))) == EVERY


def test_an_empty_rule_holds_no_pseudo_peer() -> None:
    assert held_by(rule("egress", wildcard=True, empty=True)) == set()


def test_the_entity_all_holds_every_pseudo_peer() -> None:
    assert held_by(rule("egress", entities=("all",))) == EVERY


def test_the_entity_cluster_holds_the_local_identities_but_not_kube_apiserver() -> None:
    local = {"host", "remote-node", "init", "health", "unmanaged", "ingress"}
    assert held_by(rule("egress", entities=("cluster",))) == {f"{e}[Entity]" for e in local}


def test_the_entity_host_holds_its_node_and_the_host_networked_pods() -> None:
    r = cluster(NAMER, cnp("a", "p", WEB, rule("egress", entities=("host",))))
    assert held(r) == {"host[Entity]"}
    assert ports(r, "a/web", "b/node-agent") == ALL
    assert ports(r, "a/web", "a/db") == NONE


def test_a_network_policy_rule_without_peers_holds_every_pseudo_peer() -> None:
    assert held_by_netpol(Rule(None, None)) == EVERY


def test_a_network_policy_rule_with_peers_holds_no_entity() -> None:
    everyone = Rule((Peer(namespace_selector=LabelSelector()),), None)
    assert held_by_netpol(everyone) == set()


def test_the_whole_ipv4_space_holds_the_fqdns() -> None:
    whole = IPBlock(ipaddress.ip_network("0.0.0.0/0"))
    assert held_by(rule("egress", entities=("world",))) == FQDN_IDS
    assert held_by(rule("egress", entities=("world-ipv4",))) == FQDN_IDS
    assert held_by(rule("egress", cidrs=(whole,))) == FQDN_IDS
    assert held_by_netpol(Rule((Peer(ip_block=whole),), None)) == FQDN_IDS


def test_less_than_the_whole_ipv4_space_holds_no_fqdn() -> None:
    half = IPBlock(ipaddress.ip_network("0.0.0.0/1"))
    cut = IPBlock(ipaddress.ip_network("0.0.0.0/0"), (ipaddress.ip_network("10.0.0.0/8"),))
    assert held_by(rule("egress", entities=("world-ipv6",))) == set()
    assert held_by(rule("egress", cidrs=(half,))) == set()
    assert held_by(rule("egress", cidrs=(cut,))) == set()
    assert held_by_netpol(Rule((Peer(ip_block=cut),), None)) == set()


def test_ports_toward_a_pseudo_peer_are_numbers_only() -> None:
    named = (PortSpec("TCP", "http"), PortSpec("TCP", 443))
    r = cluster(NAMER, cnp("a", "p", WEB, rule("egress", entities=("all",), ports=named)))
    assert ports(r, "a/web", "entity:kube-apiserver") == PortSet.of("TCP", 443)


def test_a_pseudo_peer_has_no_side_of_its_own() -> None:
    # a/db admits kube-apiserver on 6443; nothing isolates the entity itself
    admit = rule("ingress", entities=("kube-apiserver",), ports=(PortSpec("TCP", 6443),))
    r = cluster(NAMER, cnp("a", "p", sel("a", app="db"), admit))
    assert ports(r, "entity:kube-apiserver", "a/db") == PortSet.of("TCP", 6443)
    assert ports(r, "a/db", "entity:kube-apiserver") == ALL  # a/db's egress is open
    assert ports(r, "entity:kube-apiserver", "fqdn:api.example.com") == NONE


def test_a_deny_rule_naming_a_pseudo_peer_takes_it_away() -> None:
    allow = rule("egress", entities=("all",))
    deny = rule("egress", deny=True, entities=("health",))
    r = cluster(NAMER, cnp("a", "p", WEB, allow, deny))
    assert held(r) == EVERY - {"health[Entity]"}


def test_rules_sharing_peers_that_hold_a_new_pseudo_peer_otherwise_take_their_own() -> None:
    """``pseudomoves._hold_new``: the new pseudo peers are written into the peers taken
    anew; rules that shared one array (equal peers) and hold them otherwise do not write
    into each other's."""
    import numpy as np

    from reach.engine.pseudomoves import _hold_new
    from reach.engine.rules import CompiledRule
    from reach.model.pseudo import PseudoPeer

    shared = np.zeros(5, dtype=bool)
    names = CiliumRule(direction="egress", deny=False, index=0, entities=("kube-apiserver",))
    other = CiliumRule(direction="egress", deny=False, index=1, entities=("host",))
    same = CiliumRule(direction="egress", deny=False, index=2, entities=("kube-apiserver",))

    def compiled(r: CiliumRule) -> CompiledRule:
        return CompiledRule(None, r, "egress", shared, shared, np.zeros((1, 1), bool))  # type: ignore[arg-type]

    rules = [compiled(names), compiled(other), compiled(same)]
    fresh = np.array([3, 4])
    _hold_new(rules, fresh, [PseudoPeer("Entity", "host"), PseudoPeer("Entity", "kube-apiserver")])
    assert rules[0].peers.tolist() == [False, False, False, False, True]
    assert rules[1].peers.tolist() == [False, False, False, True, False]
    assert rules[2].peers is rules[0].peers  # held alike: still one array
    assert rules[1].peers is not rules[0].peers
