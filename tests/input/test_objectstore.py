"""``input.store.ObjectStore.raws_of``: the objects of some API groups and kinds, read
without the others, are those of ``raws`` in the same order, however objects came, were
replaced and went."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reach.input.store import ObjectStore

Obj = dict[str, Any]
TYPES = [
    ("v1", "Pod"),
    ("v1", "Namespace"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("projectcalico.org/v3", "NetworkPolicy"),
    ("projectcalico.org/v3", "GlobalNetworkSet"),
    ("security.istio.io/v1", "AuthorizationPolicy"),
]


def _obj(t: int, name: int, version: int) -> Obj:
    api, kind = TYPES[t]
    meta = {"name": f"o{name}", "namespace": "ns", "labels": {"v": str(version)}}
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def _wanted(group: str, kind: str) -> bool:
    return group == "projectcalico.org" or kind == "NetworkPolicy" or kind == "Pod"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["apply", "delete"]),
            st.integers(0, len(TYPES) - 1),
            st.integers(0, 3),
            st.integers(0, 9),
        ),
        max_size=40,
    )
)
def test_raws_of_some_kinds_are_those_of_every_object_in_order(
    steps: list[tuple[str, int, int, int]],
) -> None:
    store = ObjectStore()
    for what, t, name, version in steps:
        obj = _obj(t, name, version)
        if what == "apply":
            store.apply(obj, "<test>")
        elif obj in store:
            store.delete(obj)
        kept = store.copy()  # a copy keeps the order and is kept apart
        for held in (store, kept):
            every = [
                raw.obj
                for raw in held.raws()
                if _wanted(raw.obj["apiVersion"].rpartition("/")[0], raw.obj["kind"])
            ]
            assert [raw.obj for raw in held.raws_of(_wanted)] == every
    kept = store.copy()
    kept.apply(_obj(0, 9, 0), "<test>")  # a new pod in the copy only
    assert [r.obj for r in store.raws_of(lambda g, k: k == "Pod")] != [
        r.obj for r in kept.raws_of(lambda g, k: k == "Pod")
    ]


def test_objects_without_a_name_are_read_by_their_own_group_and_kind() -> None:
    """A manifest with only ``generateName`` is kept under an identity of no kind; read by
    group and kind it is still its own (a load evaluates it)."""
    from reach.input.raw import RawObject

    unnamed = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"generateName": "deny-", "namespace": "shop"},
    }
    named = _obj(5, 1, 0)
    store = ObjectStore([RawObject(unnamed, "<test>", ""), RawObject(named, "<test>", "")])
    wanted = [r.obj for r in store.raws_of(lambda g, k: k == "AuthorizationPolicy")]
    assert wanted == [unnamed, named]
    assert store.raws_of(lambda g, k: k == "<unnamed>") == []


def test_an_object_replaced_under_another_version_keeps_its_place() -> None:
    store = ObjectStore()
    first, second = _obj(3, 0, 0), _obj(3, 1, 0)
    store.apply(first, "<test>")
    store.apply(second, "<test>")
    replaced = {**first, "apiVersion": "projectcalico.org/v4"}  # same group, another version
    store.apply(replaced, "<test>")
    got = [r.obj for r in store.raws_of(lambda g, k: g == "projectcalico.org")]
    assert got == [replaced, second]
    store.delete(replaced)
    assert [r.obj for r in store.raws_of(lambda g, k: True)] == [second]


def test_an_object_changed_by_its_caller_after_a_load_is_still_deleted_cleanly() -> None:
    """The store keeps the loader's dicts (it copies applied objects only): a caller that
    changes one after the load leaves the index as it was stored, and a delete by name
    still takes it out of every view of the store."""
    from reach.input.raw import RawObject

    pod, other = _obj(0, 0, 0), _obj(0, 1, 0)
    store = ObjectStore([RawObject(pod, "<test>", ""), RawObject(other, "<test>", "")])
    pod["kind"] = "Deployment"  # the caller reuses its dict
    store.delete(_obj(0, 0, 0))
    assert [r.obj for r in store.raws_of(lambda g, k: True)] == [other]
    assert [r.obj for r in store.raws()] == [other]
