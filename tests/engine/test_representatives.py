"""Representative peers (issue 17): which peers they come from, and selector implication."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.engine.representatives import (
    ENTIRE_CLUSTER,
    Representative,
    implies,
    peer_holds,
    representative_of,
)
from reach.model.cluster import NAME_LABEL, Peer
from reach.model.ipspace import IPBlock
from reach.model.selectors import LabelSelector, Requirement


def s(*reqs: tuple[str, str, tuple[str, ...]]) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, op, frozenset(v)) for k, op, v in reqs))


def test_peer_without_namespace_selector_is_in_the_policys_namespace() -> None:
    rep = representative_of(Peer(pod_selector=s(("app", "In", ("x",)))), "shop")
    assert rep == Representative("shop", LabelSelector(), s(("app", "In", ("x",))))


def test_namespace_name_selector_fixes_the_namespace() -> None:
    rep = representative_of(Peer(namespace_selector=s((NAME_LABEL, "In", ("db",)))), "shop")
    assert rep is not None and rep.namespace == "db" and rep.pod_selector.is_empty()


def test_name_selector_with_more_requirements_stays_a_selector() -> None:
    ns = s((NAME_LABEL, "In", ("db",)), ("env", "In", ("prod",)))
    rep = representative_of(Peer(namespace_selector=ns), "shop")
    assert (
        rep is not None and rep.namespace is None and len(rep.namespace_selector.requirements) == 2
    )


def test_empty_selectors_are_the_entire_cluster() -> None:
    rep = representative_of(
        Peer(pod_selector=LabelSelector(), namespace_selector=LabelSelector()), "x"
    )
    assert rep == ENTIRE_CLUSTER and rep.entire_cluster


def test_ipblock_is_no_representative() -> None:
    block = IPBlock(ipaddress.ip_network("10.0.0.0/8"), ())
    assert representative_of(Peer(ip_block=block), "x") is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("k", "In", ("a",)), ("k", "In", ("a", "b")), True),
        (("k", "In", ("a", "b")), ("k", "In", ("a",)), False),
        (("k", "In", ("a",)), ("k", "NotIn", ("b",)), True),
        (("k", "In", ("a",)), ("k", "NotIn", ("a",)), False),
        (("k", "NotIn", ("a", "b")), ("k", "NotIn", ("a",)), True),
        (("k", "NotIn", ("a",)), ("k", "NotIn", ("a", "b")), False),
        (("k", "DoesNotExist", ()), ("k", "NotIn", ("a",)), True),
        (("k", "In", ("a",)), ("k", "Exists", ()), True),
        (("k", "Exists", ()), ("k", "Exists", ()), True),
        (("k", "NotIn", ("a",)), ("k", "Exists", ()), False),
        (("k", "DoesNotExist", ()), ("k", "DoesNotExist", ()), True),
        (("k", "Exists", ()), ("k", "DoesNotExist", ()), False),
        (("j", "In", ("a",)), ("k", "In", ("a",)), False),
    ],
)
def test_implication_of_one_requirement(
    a: tuple[str, str, tuple[str, ...]], b: tuple[str, str, tuple[str, ...]], expected: bool
) -> None:
    assert implies(s(a), s(b)) is expected


def test_everything_implies_the_empty_selector_and_nothing_but_it_is_implied_by_it() -> None:
    assert implies(s(("k", "In", ("a",))), LabelSelector())
    assert not implies(LabelSelector(), s(("k", "Exists", ())))


def test_entire_cluster_is_held_only_by_empty_selectors() -> None:
    assert peer_holds(Peer(namespace_selector=LabelSelector()), "x", ENTIRE_CLUSTER)
    assert not peer_holds(Peer(pod_selector=LabelSelector()), "x", ENTIRE_CLUSTER)  # own ns
    narrow = Peer(namespace_selector=LabelSelector(), pod_selector=s(("app", "In", ("a",))))
    assert not peer_holds(narrow, "x", ENTIRE_CLUSTER)


def test_fixed_namespace_is_known_by_its_name_only() -> None:
    rep = Representative("db", LabelSelector(), LabelSelector())
    assert peer_holds(Peer(namespace_selector=s((NAME_LABEL, "In", ("db", "web")))), None, rep)
    assert not peer_holds(Peer(namespace_selector=s(("env", "DoesNotExist", ()))), None, rep)


def test_broader_representative_is_implied() -> None:
    narrow = Representative(None, s(("team", "In", ("x",))), s(("app", "In", ("a",))))
    wide = Representative(None, s(("team", "In", ("x",))), LabelSelector())
    assert narrow.implies(wide) and not wide.implies(narrow)
    assert narrow.implies(ENTIRE_CLUSTER) and not ENTIRE_CLUSTER.implies(narrow)


# -- implication against brute force over a small label universe --------------------------
KEYS = {"app": ["a", "b", "c"], "tier": ["web", "db"], "zone": ["z1"]}


def _universe() -> list[dict[str, str]]:
    """Every label map over KEYS, each key absent, one of its values, or an unlisted one."""
    maps: list[dict[str, str]] = [{}]
    for key, values in KEYS.items():
        maps = [{**m, key: v} for m in maps for v in [*values, "other"]] + maps
    return maps


UNIVERSE = _universe()


@st.composite
def requirements(draw: st.DrawFn) -> Requirement:
    key = draw(st.sampled_from(sorted(KEYS)))
    op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    values: frozenset[str] = frozenset()
    if op in ("In", "NotIn"):
        values = frozenset(draw(st.lists(st.sampled_from(KEYS[key]), min_size=1, unique=True)))
    return Requirement(key, op, values)


def brute_implies(a: LabelSelector, b: LabelSelector) -> bool:
    return all(b.matches(m) for m in UNIVERSE if a.matches(m))


@settings(max_examples=500, deadline=None)
@given(st.lists(requirements(), max_size=3), st.lists(requirements(), max_size=3))
def test_implication_is_sound_and_complete_per_key(
    a: list[Requirement], b: list[Requirement]
) -> None:
    """Never claims more than brute force; claims all of it when ``a`` has at most one
    requirement per key and matches something."""
    sa, sb = LabelSelector(tuple(a)), LabelSelector(tuple(b))
    if implies(sa, sb):
        assert brute_implies(sa, sb)
    one_per_key = len({r.key for r in a}) == len(a)
    if one_per_key and any(sa.matches(m) for m in UNIVERSE):
        assert implies(sa, sb) == brute_implies(sa, sb)


@pytest.mark.parametrize("expressions_first", [True, False])
def test_one_representative_written_both_ways_keeps_the_expression_form(
    expressions_first: bool,
) -> None:
    """``tier: backend`` as matchLabels in one policy and as an ``In`` expression in
    another is one representative; whatever the order of the policies, it keeps the
    expression form, so the exposure section neither hides nor prints it differently."""
    import reach

    def policy(name: str, peer: dict[str, object]) -> dict[str, object]:
        return {
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "a"},
            "spec": {"podSelector": {}, "egress": [{"to": [{"podSelector": peer}]}]},
        }

    plain = policy("p-1-plain", {"matchLabels": {"tier": "backend"}})
    expr = policy(
        "p-2-expr",
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]},
    )
    pod = {
        "kind": "Pod",
        "metadata": {"name": "x", "namespace": "a", "labels": {"tier": "backend"}},
    }
    objects = [pod, *([expr, plain] if expressions_first else [plain, expr])]
    section = str(reach.from_objects(objects).exposure_section())
    assert "{{Key:tier,Operator:In,Values:[backend],}}" in section
