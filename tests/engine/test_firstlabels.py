"""reach.engine.firstlabels: the label class of each behaviour class's least key, found by
the key object where it is the label dict's, by value where it is another object."""

from __future__ import annotations

from reach.engine import firstlabels
from reach.engine.firstlabels import first_labels


def _key(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("ns", (("app", name),))


def test_first_keys_are_found_by_object_and_by_value() -> None:
    keys = [_key(n) for n in ("a", "b", "c")]
    label = {k: i for i, k in enumerate(keys)}
    equal = tuple(list(keys[2]))  # another object of c's value
    assert equal is not keys[2]
    assert first_labels(label, [keys[1], equal, keys[0]]).tolist() == [1, 2, 0]


def test_the_index_is_kept_for_the_dict_read_last_only() -> None:
    """Another dict of the same key objects (label classes renumbered) is read anew: an
    index kept past its dict would answer the old numbers."""
    firstlabels._LABEL_IDS.clear()
    keys = [_key(n) for n in ("a", "b")]
    label = {k: i for i, k in enumerate(keys)}
    assert first_labels(label, keys).tolist() == [0, 1]
    kept = firstlabels._LABEL_IDS[0]
    assert first_labels(label, keys[::-1]).tolist() == [1, 0]
    assert firstlabels._LABEL_IDS[0] is kept  # the same dict: its index kept
    swapped = {keys[0]: 1, keys[1]: 0}
    assert first_labels(swapped, keys).tolist() == [1, 0]
