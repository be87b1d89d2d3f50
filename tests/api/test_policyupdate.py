"""NetworkPolicies added, changed and deleted, and namespaces relabelled, the quick way
(``reach.api.policyupdate``, ``reach.api.namespaceupdate``): the state after each update
is a load of the same objects, views and all, and the change is ``reach diff``; one named
test per condition of ``reach.engine.policymoves`` and ``reach.engine.namespacemoves``."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reach
from tests.api.test_podupdate import (
    BY,
    _everything,
    _never_loaded,
    _pod,
    a_namespace_event,
    a_pod_event,
    declared_clusters,
    each_update_equals_a_load,
    stepped_in_place,
    tally_in_place,
)
from tests.api.test_whatif import key
from tests.builders import netpol, sel
from tests.entrybuilders import ingress, service
from tests.strategies import (
    NS_NAMES,
    NS_SELECTOR_LABELS,
    POD_LABELS,
    policy_manifests,
    selectors,
)

Obj = dict[str, Any]


@st.composite
def policy_events(draw: st.DrawFn, start: list[Obj]) -> list[tuple[str, Obj, str]]:
    """Policies copied to another name or namespace (the same ports and peers: the quick
    way's usual case), their pod selector changed, new ones, deletions; admin policies
    applied and deleted; namespaces relabelled, deleted or added; and now and then a pod
    event (pods bring label keys the policies must answer alike)."""
    known = {key(o): o for o in start}
    out: list[tuple[str, Obj, str]] = []
    for _ in range(draw(st.integers(1, 25))):
        policies = [o for o in known.values() if o["kind"] == "NetworkPolicy"]
        kind = draw(
            st.sampled_from(
                ["copy", "copy", "select", "ports", "new", "delete", "pod", "namespace", "admin"]
            )
        )
        by = draw(st.sampled_from(BY))
        admins = [o for o in known.values() if o["kind"].endswith("AdminNetworkPolicy")]
        if kind == "admin" and admins and draw(st.integers(0, 2)) == 0:
            out.append(("delete", known.pop(key(draw(st.sampled_from(admins)))), by))
            continue
        if kind == "admin":
            obj = draw(admin_policies())
            known[key(obj)] = obj
            out.append(("apply", obj, by))
            continue
        if kind == "namespace":  # relabelled (or declared), deleted, or a new one
            a_namespace_event(draw, known, out, by)
            continue
        if kind == "pod":
            a_pod_event(draw, known, out)
            continue
        if not policies:
            kind = "new"
        name = f"pol-{draw(st.integers(0, 6))}"
        ns = draw(st.sampled_from(NS_NAMES))
        if kind == "new":
            obj = draw(policy_manifests(ns, name))
        elif kind == "delete":
            out.append(("delete", known.pop(key(draw(st.sampled_from(policies)))), by))
            continue
        else:
            obj = copy.deepcopy(draw(st.sampled_from(policies)))
            if kind == "copy":
                obj["metadata"] = {"name": name, "namespace": ns}
            elif kind == "ports":  # ports that may cut the port space anew
                for rule in [*obj["spec"].get("ingress", []), *obj["spec"].get("egress", [])]:
                    rule["ports"] = draw(st.lists(numeric_ports(), min_size=1, max_size=2))
            else:
                obj["spec"]["podSelector"] = draw(selectors(POD_LABELS))
        known[key(obj)] = obj
        out.append(("apply", obj, by))
    return out


@st.composite
def numeric_ports(draw: st.DrawFn) -> Obj:
    """A NetworkPolicy port: a number (a few known, any other), maybe a range, of any
    protocol."""
    port = draw(st.one_of(st.sampled_from([80, 5432, 8080]), st.integers(1, 65535)))
    out: Obj = {"port": port, "protocol": draw(st.sampled_from(["TCP", "TCP", "UDP", "SCTP"]))}
    if draw(st.booleans()) and port < 65535:
        out["endPort"] = draw(st.integers(port, min(65535, port + 1000)))
    return out


@st.composite
def admin_policies(draw: st.DrawFn) -> Obj:
    """An AdminNetworkPolicy (of a few names and priorities) or the
    BaselineAdminNetworkPolicy: subjects and peers by namespace or pod labels, each rule
    Allow, Deny or Pass (Pass only in the ANP)."""
    banp = draw(st.booleans())
    actions = ["Allow", "Deny"] if banp else ["Allow", "Deny", "Pass"]

    def peers() -> st.SearchStrategy[Obj]:
        namespaces = selectors(NS_SELECTOR_LABELS)
        pods = st.fixed_dictionaries(
            {
                "namespaceSelector": selectors(NS_SELECTOR_LABELS),
                "podSelector": selectors(POD_LABELS),
            }
        )
        return st.one_of(
            st.fixed_dictionaries({"namespaces": namespaces}),
            st.fixed_dictionaries({"pods": pods}),
        )

    # egress to nodes: a peer offline analysis cannot resolve (a diagnostic says it)
    nodes = st.fixed_dictionaries({"nodes": selectors(POD_LABELS)})
    spec: Obj = {"subject": draw(peers())}
    for direction, side in (("ingress", "from"), ("egress", "to")):
        peer = peers() if direction == "ingress" else st.one_of(peers(), peers(), nodes)
        rules = draw(st.lists(st.tuples(st.sampled_from(actions), peer), max_size=2))
        if rules:
            spec[direction] = [
                {"name": f"r{i}", "action": action, side: [peer]}
                for i, (action, peer) in enumerate(rules)
            ]
    if banp:
        return _admin("BaselineAdminNetworkPolicy", "default", spec.pop("subject"), **spec)
    spec["priority"] = draw(st.sampled_from([5, 10]))
    name = draw(st.sampled_from(["a", "b"]))
    return _admin("AdminNetworkPolicy", name, spec.pop("subject"), **spec)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_policy_events_equal_a_load_of_the_same_objects(data: st.DataObject) -> None:
    start = data.draw(declared_clusters())
    each_update_equals_a_load(start, data.draw(policy_events(start)))


WEB = {"app": "web"}
WEB_SELECTOR = {"matchLabels": WEB}
START = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    _pod("web-1", WEB),
    _pod("db-1", {"app": "db"}),
    _pod("db-2", {"app": "db"}),
    _pod("other-1", {"app": "other"}),
    _pod("cache-1", {"app": "cache"}),
]


def _policy(name: str, spec: Obj, ns: str = "shop") -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


#: Who may reach the database: the web pods, on 5432 (it tells web, db and the rest apart).
DB_FROM_WEB = _policy(
    "db-from-web",
    {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [
            {
                "from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                "ports": [{"port": 5432}],
            }
        ],
    },
)
DENY_DB = _policy("deny-db", {"podSelector": {"matchLabels": {"app": "db"}}})


def _check(r: reach.Reach, objects: list[Obj]) -> None:
    assert _everything(r) == _everything(reach.from_objects(objects))


def test_a_policy_that_splits_no_class_is_added_without_loading() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB])
    _everything(r)
    with _never_loaded():
        change = r.apply(DENY_DB, by="pod")
    assert change.edges == []  # db was isolated already: nothing changes
    _check(r, [*START, DB_FROM_WEB, DENY_DB])


def test_changing_a_policy_does_not_load_and_reports_the_change() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB, DENY_DB])
    _everything(r)
    both = copy.deepcopy(DENY_DB)
    both["spec"]["policyTypes"] = ["Ingress", "Egress"]
    with _never_loaded():
        change = r.apply(both, by="pod")
    assert ("shop/db-1[Pod]", "shop/web-1[Pod]", "removed") in {
        (e.src, e.dst, e.change) for e in change.edges
    }
    assert all(e.src.startswith("shop/db-") and e.change == "removed" for e in change.edges)
    _check(r, [*START, DB_FROM_WEB, both])


def test_deleting_a_policy_that_merges_no_class_does_not_load() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB, DENY_DB])
    with _never_loaded():
        r.delete(DENY_DB)
    _check(r, [*START, DB_FROM_WEB])


def test_deleting_the_policy_that_tells_classes_apart_merges_them_without_loading() -> None:
    """Without it, web, db, other and cache answer every policy alike: one class."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    r.connections(by="pod")
    assert r.reachability.n_internal == 3
    with _never_loaded():
        change = r.delete(DB_FROM_WEB, by="pod")
    assert r.reachability.n_internal == 1
    assert change.edges and all(e.dst.startswith("shop/db-") for e in change.edges)
    _check(r, START)


def test_classes_merged_across_another_take_the_place_of_the_first() -> None:
    """Without the policy on other, cache and other answer alike: one class, in cache's
    place (classes are in the order of their least key), before db's; the namespace node
    holds both and then that one class."""
    deny_other = _policy("deny-other", {"podSelector": {"matchLabels": {"app": "other"}}})
    r = reach.from_objects([*START, DB_FROM_WEB, deny_other])
    _everything(r)
    assert r.reachability.n_internal == 4  # cache, db, other, web
    with _never_loaded():
        r.delete(deny_other)
    assert r.reachability.n_internal == 3
    _check(r, [*START, DB_FROM_WEB])
    shop = r.view("namespace").node_classes[0].tolist()
    assert shop == sorted(set(shop))


def test_a_policy_changed_to_merge_and_split_classes_does_not_load() -> None:
    """DENY_DB changed to select other: db's class stays (DB_FROM_WEB), other's is split
    from cache's; then DB_FROM_WEB changed to select nothing there merges db with cache."""
    deny = copy.deepcopy(DENY_DB)
    r = reach.from_objects([*START, DB_FROM_WEB, deny])
    deny["spec"]["podSelector"] = {"matchLabels": {"app": "other"}}
    narrowed = copy.deepcopy(DB_FROM_WEB)
    narrowed["spec"]["podSelector"] = {"matchLabels": {"app": "none"}}
    with _never_loaded():
        r.apply(deny)
        r.apply(narrowed)
    _check(r, [*START, narrowed, deny])


def test_a_policy_that_splits_a_class_splits_it_without_loading() -> None:
    """``other`` and ``cache`` are one class until a policy selects one of them: two
    classes then, numbered as a compilation numbers them (cache's keys sort first)."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    r.connections(by="pod")
    classes = r.reachability.n_internal
    other = _policy("other", {"podSelector": {"matchLabels": {"app": "other"}}})
    with _never_loaded():
        change = r.apply(other, by="pod")
    assert r.reachability.n_internal == classes + 1
    assert change.edges and all(e.dst == "shop/other-1[Pod]" for e in change.edges)
    _check(r, [*START, DB_FROM_WEB, other])


def test_a_part_with_no_pod_is_no_class() -> None:
    """The key of a pod that went stays known; a policy telling it apart from its class
    makes no class of it, and a pod of it later makes its class."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    with _never_loaded():
        r.delete(_pod("cache-1", {"app": "cache"}))
    cache = _policy("cache", {"podSelector": {"matchLabels": {"app": "cache"}}})
    left = [o for o in START if o["metadata"]["name"] != "cache-1"]
    with _never_loaded():
        r.apply(cache)
    _check(r, [*left, DB_FROM_WEB, cache])
    with _never_loaded():
        r.apply(_pod("cache-2", {"app": "cache"}))
    _check(r, [*left, DB_FROM_WEB, cache, _pod("cache-2", {"app": "cache"})])


def _ported(pod: Obj, **ports: int) -> Obj:
    """``pod`` with a container port of each name and number."""
    out = copy.deepcopy(pod)
    out["spec"]["containers"][0]["ports"] = [
        {"name": name, "containerPort": number} for name, number in ports.items()
    ]
    return out


#: Pods that resolve port names otherwise: two db replicas on other numbers of ``sql``,
#: web and other on other numbers of ``http``, cache with no named port.
NAMED_START = [
    START[0],
    _ported(START[1], http=8080),
    _ported(START[2], sql=5432),
    _ported(START[3], sql=6543),
    _ported(START[4], http=9090, sql=7000),
    START[5],
]


def _named_policy(name: str, app: str, port: str) -> Obj:
    """A policy letting every pod of the namespace reach the ``app`` pods on port ``port``
    (a name)."""
    return _policy(
        name,
        {
            "podSelector": {"matchLabels": {"app": app}},
            "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": port}]}],
        },
    )


def test_a_policy_with_a_named_port_no_rule_used_splits_classes_in_place() -> None:
    """A name no rule used tells apart the classes whose pods resolve it otherwise (the
    two db replicas: 5432 and 6543) and cuts the port atoms at what it resolves to; it
    goes in without loading, and the classes and rows are a load's."""
    r = reach.from_objects(NAMED_START)
    policy = _named_policy("db-sql", "db", "sql")
    objects, change = stepped_in_place(r, NAMED_START, "apply", policy)
    assert len(set(r.reachability.pod_class.tolist())) > len(
        set(reach.from_objects(NAMED_START).reachability.pod_class.tolist())
    )
    assert "5432" in str(change) and "6543" in str(change)


def test_the_last_rule_naming_a_port_gone_merges_the_classes_it_told_apart() -> None:
    """Deleted, the policy leaves ``sql`` named by no rule: the classes it alone told apart
    are one again, without loading."""
    policy = _named_policy("db-sql", "db", "sql")
    start = [*NAMED_START, policy]
    r = reach.from_objects(start)
    stepped_in_place(r, start, "delete", policy)
    assert r.reachability.n_internal == reach.from_objects(NAMED_START).reachability.n_internal


@pytest.mark.parametrize("by", BY)
def test_a_policy_changed_from_one_port_name_to_another_does_not_load(by: str) -> None:
    """Replaced, a policy naming ``sql`` by one naming ``http`` (which another policy
    names too, then not): one name comes and one goes in one update."""
    sql = _named_policy("db-named", "db", "sql")
    also = _named_policy("other-http", "other", "http")
    start = [*NAMED_START, sql, also]
    r = reach.from_objects(start)
    http = _named_policy("db-named", "db", "http")
    objects, _ = stepped_in_place(r, start, "apply", http, by=by)
    objects, _ = stepped_in_place(r, objects, "delete", also, by=by)
    objects, _ = stepped_in_place(r, objects, "apply", sql, by=by)
    stepped_in_place(r, objects, "delete", sql, by=by)


def test_rules_naming_other_ports_resolve_them_as_before_a_new_name() -> None:
    """A rule naming ``http`` (8080 on web, 9090 on other) keeps each class's resolution
    of it when ``sql`` comes in and goes again: the rows computed again read its masks."""
    everyone = _named_policy("all-http", "db", "http")
    everyone["spec"]["podSelector"] = {}
    start = [*NAMED_START, everyone]
    r = reach.from_objects(start)
    sql = _named_policy("all-sql", "db", "sql")
    sql["spec"]["podSelector"] = {}
    objects, _ = stepped_in_place(r, start, "apply", sql)
    objects, _ = stepped_in_place(r, objects, "apply", _named_policy("db-sql", "db", "sql"))
    objects, _ = stepped_in_place(r, objects, "delete", sql)
    stepped_in_place(r, objects, "delete", _named_policy("db-sql", "db", "sql"))


def test_a_pod_added_after_a_new_port_name_resolves_it() -> None:
    """After a name came in place, pods of new labels that carry it join the class a load
    gives them (the key answers resolve the name too)."""
    r = reach.from_objects(NAMED_START)
    policy = _named_policy("db-sql", "db", "sql")
    objects, _ = stepped_in_place(r, NAMED_START, "apply", policy)
    pod = _ported(_pod("db-3", {"app": "db", "tier": "x"}), sql=6543)
    objects, _ = stepped_in_place(r, objects, "apply", pod)
    objects, _ = stepped_in_place(
        r, objects, "apply", _ported(_pod("db-4", {"app": "db", "v": "2"}), sql=5432)
    )
    # labels no selector told apart before (asked): it resolves sql as db-1, unlike cache
    stepped_in_place(r, objects, "apply", _ported(_pod("api-1", {"app": "api"}), sql=5432))


@pytest.mark.parametrize("by", BY)
def test_port_names_come_and_go_beside_the_mesh_without_loading(by: str) -> None:
    """Beside Istio's mesh layer (sidecars injected in shop, a PeerAuthentication) a name
    no rule used splits the classes in place, a pod of new labels after it resolves it,
    a change to another name and the deletion of the last rule naming one merge them
    again: each step a load's state and ``reach diff`` of the loads."""
    injected = copy.deepcopy(NAMED_START[0])
    injected["metadata"]["labels"] = {"istio-injection": "enabled"}
    peer = {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "shop"},
        "spec": {"mtls": {"mode": "PERMISSIVE"}},
    }
    start = [injected, *NAMED_START[1:], peer]
    r = reach.from_objects(start)
    assert r.reachability.mesh is not None
    n = r.reachability.n_internal
    objects, change = stepped_in_place(
        r, start, "apply", _named_policy("db-sql", "db", "sql"), by=by
    )
    assert r.reachability.n_internal > n
    assert by == "namespace" or "6543" in str(change)  # by namespace: within one node
    db3 = _ported(_pod("db-3", {"app": "db", "tier": "x"}), sql=6543)
    objects, _ = stepped_in_place(r, objects, "apply", db3, by=by)
    http = _named_policy("db-sql", "db", "http")
    objects, _ = stepped_in_place(r, objects, "apply", http, by=by)
    stepped_in_place(r, objects, "delete", http, by=by)
    assert r.reachability.n_internal == reach.from_objects([*start, db3]).reachability.n_internal


@pytest.mark.parametrize(
    "ports",
    [
        [{"port": 6379}],  # one port inside an atom: it is cut in three
        [{"port": 6000, "endPort": 6999}, {"port": 53, "protocol": "UDP"}],  # a range, UDP
        [{"port": 1}, {"port": 65535}],  # at the ends of the port space
    ],
)
def test_a_policy_with_new_port_bounds_cuts_the_atoms_again_in_place(ports: list[Obj]) -> None:
    """Its ports cut the port space where no rule did: the atoms are cut again, each id
    keeping its port set, and the policy goes in as any other; deleted, the finer atoms
    stay (they hold the same port sets)."""
    objects = [*START, DB_FROM_WEB]
    r = reach.from_objects(objects)
    atoms = len(r.reachability.atoms.atoms)
    other = copy.deepcopy(DB_FROM_WEB)
    other["metadata"]["name"] = "db-cache"
    other["spec"]["podSelector"] = {"matchLabels": {"app": "cache"}}
    other["spec"]["ingress"][0]["ports"] = ports
    with _never_loaded():
        change = r.apply(other)
    assert len(r.reachability.atoms.atoms) > atoms
    _check(r, [*objects, other])
    after = reach.from_objects([*objects, other])
    expected = reach.diff(reach.from_objects(objects), after, old_label="before", new_label="after")
    assert str(change) == str(expected)
    assert not change.empty
    with _never_loaded():
        r.delete(other)
    _check(r, objects)


def _with_blocks(name: str, ingress: list[Obj], egress: list[Obj]) -> Obj:
    """A policy of the cache pods admitting ``ingress`` on 6379 and letting them reach
    ``egress`` on 443 (ipBlocks)."""
    return _policy(
        name,
        {
            "podSelector": {"matchLabels": {"app": "cache"}},
            "ingress": [{"from": ingress, "ports": [{"port": 6379}]}],
            "egress": [{"to": egress, "ports": [{"port": 443}]}],
        },
    )


OFFICE = {"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}
WORLD = {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}


def _expect_change(r: reach.Reach, before: list[Obj], after: list[Obj], change: object) -> None:
    """``r`` is a load of ``after``, and ``change`` is ``reach diff`` of the loads."""
    _check(r, after)
    expected = reach.diff(
        reach.from_objects(before), reach.from_objects(after), old_label="before", new_label="after"
    )
    assert str(change) == str(expected)


def test_a_policy_with_a_new_address_block_cuts_the_segments_in_place() -> None:
    """Its ipBlocks cut the addresses where no rule did: each segment cut takes its
    column in every row and rule for each part, then the policy goes in; deleted, the
    segments no rule cuts any more are one again (the first one's column)."""
    objects = [*START, DB_FROM_WEB]
    r = reach.from_objects(objects)
    segments = list(r.reachability.segments)
    office = _with_blocks("cache-office", [OFFICE], [WORLD])
    with _never_loaded():
        change = r.apply(office)
    assert len(r.reachability.segments) == len(segments) + 5  # at 10/8, 192.0.2.0/24 and /25
    _expect_change(r, objects, [*objects, office], change)
    assert "~ 192.0.2.0-192.0.2.127[External] => shop/cache[ReplicaSet]" in str(change)
    with _never_loaded():
        change = r.delete(office)
    assert r.reachability.segments == segments
    _expect_change(r, [*objects, office], objects, change)


@pytest.mark.parametrize(
    "v6",
    [
        {"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8::/48"]}},  # cuts anew
        {"ipBlock": {"cidr": "::/0"}},  # cuts nothing: only the ranges shown change
    ],
)
@pytest.mark.parametrize("by", BY)
def test_the_first_ipv6_block_and_the_last_change_in_place(v6: Obj, by: str) -> None:
    """The first policy naming an IPv6 CIDR makes the views show the IPv6 ranges too, and
    deleting it (the last) hides them again; both in place, each a load's state and
    ``reach diff``, and the watch tally a fresh count."""
    objects = [*START, DB_FROM_WEB]
    r = reach.from_objects(objects)
    policy = _with_blocks("cache-v6", [v6], [OFFICE])
    after, change = stepped_in_place(r, objects, "apply", policy, by=by)
    assert r.reachability.ipv6 and ":" in str(change)
    stepped_in_place(r, after, "delete", policy, by=by)
    assert not r.reachability.ipv6
    tally_in_place(objects, policy, by)
    tally_in_place(after, _with_blocks("cache-v6", [OFFICE], [OFFICE]), by)


@pytest.mark.parametrize("by", ["pod", "workload", "namespace"])
def test_the_watch_tally_after_segments_cut_in_place_is_a_fresh_count(by: str) -> None:
    """Cut finer, each part of a segment is an External node of its own: every node that
    reaches the segment reaches each part (its classes' rows unchanged), so the update
    names every node's pairs with the ranges and ``reach watch`` counts them again (the
    review found the tally short by the new parts' pairs); coarser, likewise."""
    office = _with_blocks("cache-office", [OFFICE], [WORLD])
    tally_in_place([*START, DB_FROM_WEB], office, by)
    moved = _with_blocks("cache-office", [{"ipBlock": {"cidr": "198.51.100.0/24"}}], [WORLD])
    tally_in_place([*START, DB_FROM_WEB, office], moved, by)


def test_a_policy_whose_blocks_change_cuts_finer_then_coarser_in_place() -> None:
    """A block replaced by another: the segments are cut at both first, and those only
    the old block cut are one again after."""
    objects = [*START, DB_FROM_WEB, _with_blocks("cache-office", [OFFICE], [WORLD])]
    r = reach.from_objects(objects)
    moved = _with_blocks("cache-office", [{"ipBlock": {"cidr": "198.51.100.0/24"}}], [WORLD])
    with _never_loaded():
        change = r.apply(moved)
    after = [*objects[:-1], moved]
    _expect_change(r, objects, after, change)
    assert r.reachability.segments == reach.from_objects(after).reachability.segments


def test_a_block_another_policy_still_cuts_at_stays_cut() -> None:
    """Two policies cut at the same bounds: deleting one keeps the segments."""
    office = _with_blocks("cache-office", [OFFICE], [WORLD])
    again = copy.deepcopy(office)
    again["metadata"]["name"] = "cache-office-2"
    objects = [*START, office, again]
    r = reach.from_objects(objects)
    segments = list(r.reachability.segments)
    with _never_loaded():
        change = r.delete(again)
    assert r.reachability.segments == segments
    _expect_change(r, objects, objects[:-1], change)


def test_a_policy_splitting_the_key_of_a_pod_added_since_asks_it() -> None:
    """A pod whose labels joined the web class after compiling (a new key) is told apart
    from web by a new policy: its key is asked too, and makes a class of its own."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    canary = {"app": "web", "track": "canary"}
    with _never_loaded():
        r.apply(_pod("web-canary", canary))
    splits = _policy("canary", {"podSelector": {"matchLabels": {"track": "canary"}}})
    with _never_loaded():
        r.apply(splits)
    _check(r, [*START, DB_FROM_WEB, _pod("web-canary", canary), splits])


def test_a_pod_of_new_labels_after_a_quick_policy_update_joins_its_class() -> None:
    """A label value no selector names: the pod's answers (its signature) are computed,
    and the classes' signatures follow the changed policies."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    queue = _pod("queue-1", {"app": "queue"})
    with _never_loaded():
        r.apply(DENY_DB)
        r.apply(queue)
    _check(r, [*START, DB_FROM_WEB, DENY_DB, queue])


FROM_PROD = _policy(
    "db-from-prod",
    {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}]}],
    },
)
SHOP = START[0]
FRONT = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "front"}},
    _pod("web-1", WEB, ns="front"),
]
#: Tells the pods of ``front`` apart from the others.
DENY_FRONT = _policy("deny", {"podSelector": {}}, ns="front")


def _labelled(namespace: Obj, labels: dict[str, str]) -> Obj:
    out = copy.deepcopy(namespace)
    out["metadata"]["labels"] = labels
    return out


def test_relabelling_a_namespace_does_not_load_and_reports_the_change() -> None:
    r, edges = _front_made_prod([*START, *FRONT, FROM_PROD, DENY_FRONT])
    assert ("front/web-1[Pod]", "shop/db-1[Pod]", "added") in edges
    assert [n.labels for n in r.view("namespace").nodes if n.id == "front"][0] == (
        ("env", "prod"),
        ("kubernetes.io/metadata.name", "front"),
    )


def test_relabelling_a_namespace_that_splits_a_class_splits_it_without_loading() -> None:
    """The web pod of ``front`` answers alike with the pods of ``shop`` that no policy
    selects, until ``shop`` is prod: then shop's keys are a class of their own; labelled
    back, they merge again."""
    objects = [*START, *FRONT, FROM_PROD, _policy("web", {"podSelector": WEB_SELECTOR})]
    r = reach.from_objects(objects)
    _everything(r)
    with _never_loaded():
        r.apply(_labelled(SHOP, {"env": "prod"}))
    _check(r, [_labelled(SHOP, {"env": "prod"}), *objects[1:]])
    with _never_loaded():
        r.apply(_labelled(SHOP, {}))
    _check(r, [_labelled(SHOP, {}), *objects[1:]])


def test_a_namespace_added_then_a_pod_in_it_do_not_load() -> None:
    """A namespace with no pod changes no class; the namespaces after it in name order
    move by one (``front`` sorts before ``shop``), and a pod in it then asks its labels."""
    r = reach.from_objects([*START, DB_FROM_WEB, FROM_PROD])
    _everything(r)
    front = {**FRONT[0], "metadata": {"name": "front", "labels": {"env": "prod"}}}
    with _never_loaded():
        change = r.apply(front)
    assert change.edges == []
    _check(r, [*START, DB_FROM_WEB, FROM_PROD, front])
    with _never_loaded():
        r.apply(FRONT[1])
    _check(r, [*START, DB_FROM_WEB, FROM_PROD, front, FRONT[1]])
    assert list(r.cluster.namespaces) == ["front", "shop"]  # as a load orders them


def test_a_namespace_deleted_with_nothing_in_it_does_not_load() -> None:
    r = reach.from_objects([*START, DB_FROM_WEB, FRONT[0]])
    with _never_loaded():
        r.delete(FRONT[0])
    _check(r, [*START, DB_FROM_WEB])


def test_a_namespace_deleted_with_only_entry_points_in_it_does_not_load() -> None:
    """A load makes no namespace of a Service or an Ingress: the Namespace object deleted
    while only they are in it goes as an empty one does, and comes back likewise."""
    front = FRONT[0]["metadata"]["name"]
    entries = [
        service("web", front, {"app": "web"}, [{"port": 80}], type="LoadBalancer"),
        ingress("in", front, [("web", 80)]),
    ]
    objects = [*START, DB_FROM_WEB, FRONT[0], *entries]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "delete", FRONT[0])
    assert front not in r.cluster.namespaces
    stepped_in_place(r, objects, "apply", FRONT[0])


def test_the_default_namespace_deleted_with_nothing_in_it_does_not_load() -> None:
    """Found by counting the loads of the what-if property test: the store keeps
    cluster-scoped objects in the default namespace, so the Namespace object ``default``
    deleted found the other Namespace objects in it and loaded. Cluster-scoped objects are
    in no namespace: it goes as an empty one does, and comes back likewise."""
    default = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
    objects = [*START, DB_FROM_WEB, FRONT[0], default]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "delete", default)
    assert "default" not in r.cluster.namespaces
    stepped_in_place(r, objects, "apply", default)


def test_a_namespace_deleted_with_pods_in_it_is_relabelled_to_what_a_load_implies() -> None:
    """A load implies a namespace its pods (or policies) are in, labelled with its name
    only: the Namespace object deleted while a pod is there is a relabel to that, and
    declared again, a relabel back (FROM_PROD lets pods of a prod namespace reach the
    database)."""
    front = _labelled(FRONT[0], {"env": "prod"})
    objects = [*START, DB_FROM_WEB, FROM_PROD, front, FRONT[1]]
    r = reach.from_objects(objects)
    with _never_loaded():
        change = r.delete(front, by="pod")
    assert ("front/web-1[Pod]", "shop/db-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    _check(r, [o for o in objects if o is not front])
    assert r.cluster.namespaces["front"].labels == (("kubernetes.io/metadata.name", "front"),)
    with _never_loaded():
        change = r.apply(front, by="pod")
    assert ("front/web-1[Pod]", "shop/db-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    _check(r, objects)


def test_a_new_key_after_its_namespace_went_with_a_key_found_there_since() -> None:
    """A key found since the compilation (a pod relabelled) in a namespace whose pods then
    all went, and the namespace deleted: a pod of a new class after it takes that key among
    the label classes with no namespace, as the compiled ones of the namespace (a KeyError
    before, found by the property test in CI)."""
    isolated = _policy("queue", {"podSelector": {"matchLabels": {"app": "queue"}}})
    objects = [*START, DB_FROM_WEB, isolated, *FRONT]
    r = reach.from_objects(objects)
    relabelled = _pod("web-1", {"app": "web", "tier": "new"}, ns="front")
    objects, _ = stepped_in_place(r, objects, "apply", relabelled)
    objects, _ = stepped_in_place(r, objects, "delete", relabelled)
    objects, _ = stepped_in_place(r, objects, "delete", FRONT[0])
    assert "front" not in r.cluster.namespaces
    objects, _ = stepped_in_place(r, objects, "apply", _pod("queue-1", {"app": "queue"}))
    stepped_in_place(r, objects, "apply", FRONT[0])


def test_a_namespace_deleted_with_only_a_policy_in_it_is_implied_too() -> None:
    """A NetworkPolicy in it keeps the namespace in a load, as a pod does."""
    objects = [*START, DB_FROM_WEB, FRONT[0], DENY_FRONT]
    r = reach.from_objects(objects)
    with _never_loaded():
        r.delete(FRONT[0])
    _check(r, [*START, DB_FROM_WEB, DENY_FRONT])
    assert "front" in r.cluster.namespaces


def test_a_policy_in_a_namespace_a_load_implies_does_not_load() -> None:
    """No Namespace object, but a pod in it: a load implies the namespace before and after
    the policy comes and goes, so the policy changes in place."""
    objects = [*START, FRONT[1]]
    r = reach.from_objects(objects)
    objects, _ = stepped_in_place(r, objects, "apply", DENY_FRONT)
    stepped_in_place(r, objects, "delete", DENY_FRONT)
    assert r.cluster.namespaces["front"].labels == (("kubernetes.io/metadata.name", "front"),)


@pytest.mark.parametrize("by", BY)
def test_a_policy_that_brings_or_takes_its_namespace_does_not_load(by: str) -> None:
    """A policy alone in a namespace with no Namespace object: applied, the namespace
    comes first (implied, its name label alone), then the policy goes in; deleted, the
    policy goes out, then the namespace; each a load's state and ``reach diff``."""
    objects, _ = stepped_in_place(reach.from_objects(START), list(START), "apply", DENY_FRONT)
    r = reach.from_objects(objects)
    assert "front" in r.cluster.namespaces
    after, _ = stepped_in_place(r, objects, "delete", DENY_FRONT, by=by)
    assert "front" not in r.cluster.namespaces
    stepped_in_place(r, after, "apply", DENY_FRONT, by=by)
    tally_in_place(list(START), DENY_FRONT, by)


def test_a_namespace_taken_by_its_last_policy_from_a_class_of_keys_found_since() -> None:
    """Found by counting the loads of the what-if property test: e-1's class has only
    ``elsewhere``'s label class among the compiled ones, and q-1, a key found since in
    ``shop``, joined it. e-1 goes, then ``elsewhere``'s last object, a NetworkPolicy: the
    namespace goes too, and its keys are forgotten; the class had no compiled label class
    left to stand for it, and the update loaded. The keys found since join the compiled
    label classes first (as a split reads them), so q-1's stands for it, in place."""
    iso = netpol("iso", "shop", sel(app="web"), policyTypes=["Ingress"])
    keep = netpol("keep", "elsewhere", sel(app="nothing"), policyTypes=["Ingress"])
    shop = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    e_1, q_1 = _pod("e-1", {"app": "web"}, ns="elsewhere"), _pod("q-1", {"app": "other"})
    objects = [shop, _pod("s-1", {"app": "web"}), e_1, iso, keep]
    r = reach.from_objects(objects)
    assert r.reachability.n_internal == 2
    objects, _ = stepped_in_place(r, objects, "apply", q_1)
    objects, _ = stepped_in_place(r, objects, "delete", e_1)
    objects, _ = stepped_in_place(r, objects, "delete", keep)
    assert "elsewhere" not in r.cluster.namespaces


@pytest.mark.parametrize("by", BY)
def test_the_watch_tally_after_a_new_port_name_is_a_fresh_count(by: str) -> None:
    """The tally moved on the nodes a port name's split names is a fresh count."""
    tally_in_place(NAMED_START, _named_policy("db-sql", "db", "sql"), by)
    tally_in_place(
        [*NAMED_START, _named_policy("x", "db", "sql")], _named_policy("x", "db", "q"), by
    )


def test_a_namespace_object_a_load_skipped_as_invalid_loads_when_deleted() -> None:
    """A Namespace skipped as invalid (``skip_invalid``) whose pods imply it: deleted, the
    load no longer says it skipped it, so the update loads (the review found the
    diagnostic kept)."""
    from reach.api.quickupdate import quick_update
    from reach.api.whatif import store_of
    from reach.input.store import identity

    bad = _labelled(FRONT[0], {"env": "bad value!"})
    r = reach.from_objects([*START, bad, FRONT[1]], skip_invalid=True)
    assert any(d.code == "skipped-invalid" for d in r.diagnostics)
    store = store_of(r._objects)
    store.discard(identity(bad))
    assert quick_update(r.analysis, store, identity(bad), True, "workload") is None


def test_a_namespace_deleted_after_its_pods_forgets_their_keys() -> None:
    """The keys of its pods that went are known with no class; made again with other
    labels, the namespace's pod of the same labels asks its answers anew (FROM_PROD lets
    pods of a prod namespace reach the database)."""
    r = reach.from_objects([*START, DB_FROM_WEB, FROM_PROD, *FRONT])
    with _never_loaded():
        r.delete(FRONT[1])
        r.delete(FRONT[0])
    _check(r, [*START, DB_FROM_WEB, FROM_PROD])
    front = {**FRONT[0], "metadata": {"name": "front", "labels": {"env": "prod"}}}
    with _never_loaded():
        r.apply(front)
        change = r.apply(FRONT[1], by="pod")
    assert ("front/web-1[Pod]", "shop/db-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    _check(r, [*START, DB_FROM_WEB, FROM_PROD, front, FRONT[1]])
    # a policy answered over the label classes now reads the key's new namespace labels
    from_prod = _policy(
        "other-from-prod",
        {
            "podSelector": {"matchLabels": {"app": "other"}},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}]}],
        },
    )
    with _never_loaded():
        change = r.apply(from_prod, by="pod")
    assert ("front/web-1[Pod]", "shop/other-1[Pod]") not in {(e.src, e.dst) for e in change.edges}
    assert ("shop/web-1[Pod]", "shop/other-1[Pod]") in {(e.src, e.dst) for e in change.edges}
    _check(r, [*START, DB_FROM_WEB, FROM_PROD, front, FRONT[1], from_prod])


def test_a_policy_naming_a_new_label_key_refines_the_projections_of_pods() -> None:
    """Pods join classes by the labels selectors name (``KeyAnswers.projection``); a policy
    that names a key no selector named before (``track``) must make a pod that carries it
    be asked again, not joined by its other labels."""
    r = reach.from_objects([*START, DB_FROM_WEB])
    beta = _policy("beta", {"podSelector": {"matchLabels": {"track": "beta"}}})
    canary = _pod("web-canary", {"app": "web", "track": "canary"})
    web_beta = _pod("web-beta", {"app": "web", "track": "beta"})
    with _never_loaded():
        r.apply(canary)  # joins web by its projection (app=web): the projections are made
        r.apply(beta)  # selects no pod: no class splits
    r.apply(web_beta)
    _check(r, [*START, DB_FROM_WEB, canary, beta, web_beta])


def _admin(kind: str, name: str, subject: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"subject": subject, **spec},
    }


#: Denies web's traffic into the pods of prod namespaces (an admin policy whose subjects
#: are chosen by namespace labels), before any NetworkPolicy.
PROD_FROM_WEB = _admin(
    "AdminNetworkPolicy",
    "prod-from-web",
    {"namespaces": {"matchLabels": {"env": "prod"}}},
    priority=10,
    ingress=[
        {
            "name": "no-web",
            "action": "Deny",
            "from": [{"pods": {"namespaceSelector": {}, "podSelector": WEB_SELECTOR}}],
        }
    ],
)
#: Denies the ingress of every pod from app=other, unless something allows it.
BASELINE = _admin(
    "BaselineAdminNetworkPolicy",
    "default",
    {"namespaces": {}},
    ingress=[
        {
            "name": "no-other",
            "action": "Deny",
            "from": [
                {
                    "pods": {
                        "namespaceSelector": {},
                        "podSelector": {"matchLabels": {"app": "other"}},
                    }
                }
            ],
        }
    ],
)


#: Selects the pods of ``front`` (a class of their own) and admits everyone.
OPEN_FRONT = _policy("open", {"podSelector": {}, "ingress": [{}]}, ns="front")


def test_a_network_policy_changed_beside_admin_policies_does_not_load() -> None:
    objects = [*START, *FRONT, DB_FROM_WEB, OPEN_FRONT, PROD_FROM_WEB, BASELINE]
    r = reach.from_objects(objects)
    _everything(r)
    both = copy.deepcopy(DENY_DB)
    both["spec"]["policyTypes"] = ["Ingress", "Egress"]
    with _never_loaded():
        r.apply(DENY_DB, by="pod")
        change = r.apply(both, by="pod")
    assert change.edges and all(e.src.startswith("shop/db-") for e in change.edges)
    _check(r, [*objects, both])


def test_relabelling_a_namespace_an_admin_policy_selects_by_does_not_load() -> None:
    """``front`` becomes prod: its pods become the admin policy's subjects, and web's
    traffic into them is denied."""
    _, edges = _front_made_prod([*START, *FRONT, DB_FROM_WEB, OPEN_FRONT, PROD_FROM_WEB, BASELINE])
    assert ("shop/web-1[Pod]", "front/web-1[Pod]", "removed") in edges


def _front_made_prod(objects: list[Obj]) -> tuple[reach.Reach, set[tuple[str, str, str]]]:
    """Label the namespace ``front`` env=prod without a load; check the state against a
    load, and give the Reach and the changed edges (source, destination, change) by pod."""
    r = reach.from_objects(objects)
    _everything(r)
    prod = _labelled(FRONT[0], {"env": "prod"})
    with _never_loaded():
        change = r.apply(prod, by="pod")
    _check(r, [*[o for o in objects if o is not FRONT[0]], prod])
    return r, {(e.src, e.dst, e.change) for e in change.edges}


def test_an_id_interned_by_a_query_between_updates_has_its_and_entries_made() -> None:
    """Views intern port sets of their own (a namespace's pairs joined) after the AND table
    was made; a later update whose rows hold such an id must AND it with every side id,
    else every pair through it reads as no ports."""

    def ingress(name: str, app: str | None, ports: list[int] | None) -> Obj:
        spec: Obj = {"podSelector": {"matchLabels": {"app": app}} if app else {}}
        spec["policyTypes"] = ["Ingress"]
        if ports is not None:
            spec["ingress"] = [{"ports": [{"protocol": "TCP", "port": p} for p in ports]}]
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": spec,
        }

    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        *(_pod(f"{app}-1", {"app": app}) for app in "abcd"),
        ingress("iso", None, None),
        ingress("pb", "b", [80]),
        ingress("pc", "c", [443]),
        ingress("pd", "d", [8080]),
    ]
    r = reach.from_objects(objects)
    _everything(r)  # every view made: the namespace view interns the union of b, c, d
    with _never_loaded():
        r.apply(ingress("pa", "a", [80, 8080]), by="namespace")
        r.apply(ingress("pa", "a", [80, 443, 8080]), by="namespace")
    _check(r, [*objects, ingress("pa", "a", [80, 443, 8080])])


def test_a_relabel_that_ends_an_admin_priority_overlap_drops_its_warning() -> None:
    """Two ANPs of one priority overlap while a namespace carries the label one's peers
    select; relabelled, they no longer do, and the warning goes as a load drops it (the
    property test found it kept: a relabel never said the ties again)."""
    prod = _labelled(SHOP, {"env": "prod"})
    every = {"namespaces": {}}
    a = _admin(
        "AdminNetworkPolicy",
        "a",
        every,
        priority=5,
        ingress=[
            {
                "name": "r0",
                "action": "Allow",
                "from": [{"namespaces": {"matchLabels": {"env": "prod"}}}],
            }
        ],
    )
    b = _admin(
        "AdminNetworkPolicy",
        "b",
        every,
        priority=5,
        ingress=[{"name": "r0", "action": "Allow", "from": [every]}],
    )
    objects = [prod, *START[1:], a, b]
    r = reach.from_objects(objects)
    assert any(d.code == "priority-tie" for d in r.diagnostics)
    with _never_loaded():
        r.apply(SHOP)
    _check(r, [SHOP, *START[1:], a, b])
    assert not any(d.code == "priority-tie" for d in r.diagnostics)


def test_a_priority_tie_reads_only_the_mask_rows_of_resolutions_some_class_has() -> None:
    """Found by review: two admin policies of one priority, one passing ``sql`` and
    ``http`` from everyone, one denying ``http`` and 8080 to b. While p0 (``http`` on
    8080) is there the rules meet on its resolution; once it is gone no class resolves
    ``http``, and a load says no tie. A quick update kept p0's resolution, whose rows the
    tie compared (and every row of one rule with every row of the other); the tie now
    reads, row with row, the resolutions some class has."""

    def anp(name: str, action: str, ports: list[Obj], app: str | None = None) -> Obj:
        pods = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": app}}}
        return {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "AdminNetworkPolicy",
            "metadata": {"name": name},
            "spec": {
                "priority": 5,
                "subject": {"namespaces": {}} if app is None else {"pods": pods},
                "ingress": [
                    {"name": "r0", "action": action, "from": [{"namespaces": {}}], "ports": ports}
                ],
            },
        }

    p0 = _ported(_pod("p0", {"app": "a"}), http=8080, sql=80)
    passing = anp("anp1", "Pass", [{"namedPort": "sql"}, {"namedPort": "http"}])
    http = [{"namedPort": "http"}, {"portNumber": {"protocol": "TCP", "port": 8080}}]
    denying = anp("anp2", "Deny", http, app="b")
    start = [START[0], p0, _pod("q", {"app": "b"}), passing, denying]
    r = reach.from_objects(start)
    assert any(d.code == "priority-tie" for d in r.reachability.diagnostics)
    objects, _ = stepped_in_place(r, start, "delete", p0)
    assert not any(d.code == "priority-tie" for d in r.reachability.diagnostics)
    stepped_in_place(r, objects, "apply", _pod("p100", {"app": "b", "v": "2"}))


def test_an_admin_policy_naming_nodes_goes_in_and_out_without_loading() -> None:
    """Offline analysis cannot resolve an egress peer of nodes: the peer matches nothing
    and a diagnostic says so. The update says it as a load does, and takes it back when the
    policy goes (it loaded for such policies until the thirteenth session)."""
    to_nodes = _admin(
        "AdminNetworkPolicy",
        "to-nodes",
        {"namespaces": {}},
        priority=20,
        egress=[
            {"name": "kubelet", "action": "Deny", "to": [{"nodes": {}}]},
            {
                "name": "db",
                "action": "Deny",
                "to": [
                    {
                        "pods": {
                            "namespaceSelector": {},
                            "podSelector": {"matchLabels": {"app": "db"}},
                        }
                    }
                ],
            },
        ],
    )
    objects = [*START, DB_FROM_WEB, PROD_FROM_WEB]
    r = reach.from_objects(objects)
    _everything(r)
    with _never_loaded():
        change = r.apply(to_nodes, by="pod")
    said = [d for d in r.diagnostics if d.code == "unresolved-peer"]
    assert len(said) == 1 and "to-nodes" in said[0].message and said[0].partial
    assert any(e.dst.startswith("shop/db-") and e.change == "removed" for e in change.edges)
    _check(r, [*objects, to_nodes])
    with _never_loaded():
        r.delete(to_nodes)
    assert not [d for d in r.diagnostics if d.code == "unresolved-peer"]
    _check(r, objects)


@pytest.mark.parametrize("by", BY)
def test_a_namespace_relabelled_after_a_pod_of_new_labels_came_there_goes_in_place(
    by: str,
) -> None:
    """A pod of labels no pod had (a rollout's new template hash, a key found since the
    compilation) in ``front``, then ``front`` made prod: the key is answered as the
    compiled ones (``classmoves.absorbed``), so the relabel goes in place (it loaded:
    the key's answers were not at hand), and the new pod reaches the database as web-1
    does."""
    objects = [*START, *FRONT, FROM_PROD, DENY_FRONT]
    r = reach.from_objects(objects)
    rolled = _pod("web-2", {**WEB, "pod-template-hash": "b"}, ns="front")
    objects, _ = stepped_in_place(r, objects, "apply", rolled, by=by)
    assert len(r.reachability.class_keys.label_keys) > len(r.reachability.policy_state.labels)
    objects, change = stepped_in_place(
        r, objects, "apply", _labelled(FRONT[0], {"env": "prod"}), by=by
    )
    assert by == "namespace" or any(e.src.startswith("front/") for e in change.edges)
    if by == "pod":
        assert any(e.src == "front/web-2[Pod]" for e in change.edges)
