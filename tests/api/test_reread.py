"""Objects read again from the store (reach.api.reread): what did not change is not parsed
again, what changed is, and what left the store is forgotten."""

from __future__ import annotations

from typing import Any

from reach.api.reread import read_again
from reach.input.raw import RawObject
from reach.input.store import ObjectStore


def _set(name: str, cidr: str) -> dict[str, Any]:
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkSet",
        "metadata": {"name": name},
        "spec": {"nets": [cidr]},
    }


def _counting(parsed: list[str]) -> Any:
    def parse(raw: RawObject, kind: str) -> tuple[str, tuple[str, str]]:
        name = str(raw.obj["metadata"]["name"])
        parsed.append(name)
        return name, (name, str(raw.obj["spec"]["nets"][0]))

    return parse


def test_an_object_that_did_not_change_is_not_parsed_again() -> None:
    store = ObjectStore()
    store.apply(_set("a", "10.0.0.0/8"), "test")
    store.apply(_set("b", "11.0.0.0/8"), "test")
    parsed: list[str] = []
    parse = _counting(parsed)
    first = read_again(store, lambda group, kind: kind == "GlobalNetworkSet", parse, "sets")
    assert first == [("a", "10.0.0.0/8"), ("b", "11.0.0.0/8")] and parsed == ["a", "b"]
    store.apply(_set("b", "12.0.0.0/8"), "test")  # b changes: it alone is parsed again
    again = read_again(store, lambda group, kind: kind == "GlobalNetworkSet", parse, "sets")
    assert again == [("a", "10.0.0.0/8"), ("b", "12.0.0.0/8")] and parsed == ["a", "b", "b"]
    other = read_again(store, lambda group, kind: kind == "GlobalNetworkSet", parse, "other")
    assert other == again and parsed == ["a", "b", "b", "a", "b"]  # another reader's own


def test_an_object_deleted_is_forgotten_and_read_anew_when_it_comes_back() -> None:
    store = ObjectStore()
    store.apply(_set("a", "10.0.0.0/8"), "test")
    parsed: list[str] = []
    parse = _counting(parsed)
    read_again(store, lambda group, kind: True, parse, "sets")
    store.delete(_set("a", "10.0.0.0/8"))
    assert read_again(store, lambda group, kind: True, parse, "sets") == []
    assert store.read_as["sets"] == {}
    store.apply(_set("a", "13.0.0.0/8"), "test")
    assert read_again(store, lambda group, kind: True, parse, "sets") == [("a", "13.0.0.0/8")]
    assert parsed == ["a", "a"]
