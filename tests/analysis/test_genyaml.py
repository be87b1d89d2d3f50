"""The generated policies' YAML writer against PyYAML's ``yaml.dump``: the same text
on random policy-shaped documents, anchors aside."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.analysis.genyaml import DUMPER, dump

# strings as labels, names and odd values are: plain, or ones PyYAML must quote
TEXT = st.one_of(
    st.sampled_from(["app", "web", "true", "yes", "1", "1.5", "null", "~", "-", "a: b", "#x"]),
    st.sampled_from(["kubernetes.io/metadata.name", "*x", "&y", "'q'", '"d"', "é", "", "@at"]),
    st.text(alphabet="abz09-_./:#'\" *&!%@`", max_size=12),
    st.text(max_size=130),
)
SCALARS = st.one_of(TEXT, st.integers(-5, 70000), st.booleans())
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=20,
)


def _unshared(doc: Any) -> Any:
    """A copy holding no object twice (so that PyYAML writes no anchors)."""
    return json.loads(json.dumps(doc))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(TEXT, DOCS, min_size=1, max_size=4))
def test_dump_writes_what_pyyaml_writes(doc: dict[str, Any]) -> None:
    doc = _unshared(doc)
    assert dump(doc) == yaml.dump(doc, Dumper=DUMPER, sort_keys=False)


def test_a_selector_held_twice_is_written_twice_without_anchors() -> None:
    selector = {"matchLabels": {"app": "web"}}
    policy = {"spec": {"ingress": [{"from": [{"podSelector": selector}]}], "x": selector}}
    text = dump(policy)
    assert "&id" not in text and "*id" not in text
    assert yaml.safe_load(text) == _unshared(policy)
    assert "&id001" in yaml.dump(policy, Dumper=DUMPER, sort_keys=False)  # PyYAML would
