"""The fast YAML reader reads exactly what PyYAML reads, or hands the text to it.

Each property compares ``fastyaml.load_all`` with ``yaml.load_all`` (PyYAML's safe
loader with kubectl's readings, ``reach.input.kubeyaml``: tested against plain PyYAML in
``test_yaml_kubectl.py``) on generated text: the documents must be equal with the same
types (``1``, ``1.0`` and ``True`` are told apart), and where PyYAML fails the fast
reader must fail too, on the same line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.input import fastyaml, kubeyaml
from tests.helpers import ROOT, SHARED


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (
            list(a) == list(b)
            and all(same(a[k], b[k]) for k in a)
            and all(type(x) is type(y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def pyyaml(text: str) -> tuple[list[Any] | None, int | None]:
    try:
        return list(yaml.load_all(text, Loader=kubeyaml.Loader)), None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return None, mark.line + 1 if mark else None


def fast(text: str) -> tuple[list[Any] | None, int | None]:
    try:
        return list(fastyaml.load_all(text)), None
    except fastyaml.MalformedYAML as e:
        return None, e.line


def assert_agrees(text: str) -> None:
    want, want_line = pyyaml(text)
    got, got_line = fast(text)
    if want is None:
        assert got is None, f"PyYAML fails on line {want_line}, fastyaml read {got!r}"
        assert got_line == want_line
    else:
        assert got is not None, f"fastyaml failed on line {got_line}"
        assert same(got, want), f"{got!r} != {want!r}"


class Counting:
    """Counts the documents the fast reader hands to PyYAML."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = fastyaml._pyyaml

        def counted(text: str, offset: int) -> Any:
            self.calls += 1
            return original(text, offset)

        monkeypatch.setattr(fastyaml, "_pyyaml", counted)


KEYS = [
    "a",
    "b",
    "name",
    "app.kubernetes.io/name",
    "a b",
    "x:y",
    "a:",
    "'q'",
    '"q"',
    "1",
    "0x1F",
    "yes",
    "on",
    "~",
    "null",
    "-a",
    "-",
    "?",
    "? a",
    ":x",
    "<<",
    "a #b",
    "a#b",
    "2001-01-01",
    "1.5",
    "=",
    "!t",
    "&k",
    "*k",
]
VALUES = KEYS + [
    "",
    "'it''s'",
    "'a'b'",
    "'unclosed",
    '"x\\ny"',
    '"plain"',
    '"a\'b"',
    "'a: b'",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "|",
    ">-",
    "&a x",
    "*a",
    "!!str 1",
    "a: b",
    "b #c",
    "- x",
    "3.5",
    ".inf",
    ".NaN",
    "0o17",
    "017",
    "1:30",
    "0b101",
    "1_000",
    "+1",
    "-1e3",
    "True",
    "NULL",
    "Off",
    "2001-12-14t21:59:43.10-05:00",
    "http://x/#y",
    "a, b",
    "é",
    "x]",
    "x # note",
    "'x' # note",
    "'x'# note",
    "[a, b] # note",
    "{a: {b: c}, d: [1, 2]}",
    "[{name: x, port: 80}]",
    "{a: b, }",
    "[a,b]",
    "{a:b}",
    "[a, b]]",
    "{a: 'x, y'}",
    "[ ]",
    "{ }",
    "{a: }",
    "{a}",
    "[a: b]",
    "[a, ]",
    "['x', \"y\"]",
    "[on, 017, ~]",
    "{1: 2, yes: no}",
    "[a #b]",
    "[[a], {}]",
    "{a: [b, c], }",
    "['a''b']",
    '["a\\"b"]',
    "{? a: b}",
    "[-1, - 1]",
    "{a: x:y}",
    "[http://x]",
    "{'a': 1}",
    "[?x]",
    "[x, ?y]",
    "{?x: 1}",
    "{b: ?x}",
    "[a?b]",
]
LINE = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda k: f"{k}:", st.sampled_from(KEYS)),
    st.builds(lambda v: f"- {v}", st.sampled_from(VALUES)),
    st.builds(lambda k, v: f"- {k}: {v}", st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda k: f"-   {k}:", st.sampled_from(KEYS)),
    st.sampled_from(["-", "- -", "# note", "", "---", "--- # c", "--- x", "...", "%YAML 1.1"]),
    st.sampled_from(VALUES),
)
TEXT = st.lists(
    st.tuples(
        st.sampled_from([0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 6]), LINE, st.sampled_from(["", "", " "])
    ),
    max_size=14,
).map(lambda lines: "".join(" " * n + body + tail + "\n" for n, body, tail in lines))


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_agrees_with_pyyaml_on_generated_text(text: str) -> None:
    assert_agrees(text)


SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(VALUES + KEYS),
)
DATA = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers()), inner, max_size=4
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(DATA, min_size=1, max_size=4),
    st.sampled_from([2, 4]),
    st.booleans(),
    st.sampled_from([False, None]),
)
def test_agrees_with_pyyaml_on_dumped_data(
    docs: list[Any], indent: int, start: bool, flow: bool | None
) -> None:
    text = yaml.safe_dump_all(
        docs, indent=indent, explicit_start=start, default_flow_style=flow, allow_unicode=True
    )
    assert_agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "---\n",
        "a: 1\n---\n",
        "---\n---\na: 1\n",
        "a:\n- x\n- y\nb: 2\n",
        "- a: 1\n  b:\n  - 2\n- c\n",
        "a:\n  b:\n    c: d\n  e: f\n",
        "a: b\n  c\n",
        "a:\n    b: 1\n  c: 2\n",
        "a: 1\n---\nb: [\n",
        "a: 'x'\nb: \"y\"\nc: 'it''s'\n",
        "on: yes\n1: 2\n2001-01-01: ~\n",
        "a: 1\r\nb: 2\r\n",
        "a:\tb\n",
        "\ufeffa: 1\n",
        "a: b\x85c\n",
        "a: 1\n...\n---\nb: 2\n",
        "- {name: http, containerPort: 8080}\n- [a, b]\n",
        "a: b # note\nc: # note\n  d: 1\n",
        # found by review: a first line "---#" is not a document start
        "---#\nkind: Pod\n",
        "---#c\n- a\n",
        "---#c\n---\na: 1\n",
        # in flow context a leading "?" marks an explicit key
        "a: [?x]\n",
        "a: {?x: 1}\n",
        "a: {b: ?x}\n",
        "ports: [?80]\n",
        # libyaml refuses simple keys longer than 1024 characters
        "k" * 1025 + ": 1\n",
        "k" * 1024 + " : 1\n",
        "- " + "k" * 1025 + ": 1\n",
        "a: {" + "k" * 1025 + ": 1}\n",
        "a: {'" + "k" * 1023 + "': 1}\n",
        "k" * 1024 + ": 1\n",
    ],
)
def test_agrees_with_pyyaml_on_edge_cases(text: str) -> None:
    assert_agrees(text)


def test_error_line_counts_earlier_documents() -> None:
    text = "a: 1\n---\nb: 2\nc: 3\n---\nd: [\n"
    assert fast(text) == (None, pyyaml(text)[1])
    assert fast(text)[1] is not None and fast(text)[1] >= 6


@pytest.mark.parametrize("text, value", [("a: 2024-02-30\n", "2024-02-30"), ("a: 0x_\n", "0x_")])
def test_values_pyyaml_can_not_build_are_their_text(text: str, value: str) -> None:
    with pytest.raises(ValueError):  # PyYAML itself fails outside its YAMLError
        list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    assert list(fastyaml.load_all(text)) == [{"a": value}]  # go-yaml reads a string


def test_booleans_and_numbers_are_resolved_as_yaml_1_1() -> None:
    (doc,) = fastyaml.load_all("a: 2001-01-01\nb: on\nc: 017\nd: 1_000\ne: 0o17\n")
    assert doc == {"a": "2001-01-01", "b": True, "c": 15, "d": 1000, "e": "0o17"}


def test_empty_collections_are_never_shared() -> None:
    first, second = fastyaml.load_all("a: []\n---\na: []\n")
    first["a"].append(1)
    assert second == {"a": []}


def manifests() -> list[Path]:
    found = sorted((SHARED / "conformance").rglob("*.yaml")) + sorted(
        (ROOT / "examples").rglob("*.yaml")
    )
    return [p for p in found if p.is_file()]


def test_agrees_with_pyyaml_on_every_bundled_manifest() -> None:
    files = manifests()
    assert files
    for path in files:
        assert_agrees(path.read_text(encoding="utf-8"))


def test_reads_typical_manifests_without_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    text = (ROOT / "examples" / "shop").glob("*.yaml")
    docs = [doc for path in text for doc in fastyaml.load_all(path.read_text(encoding="utf-8"))]
    assert len(docs) > 5
    assert counting.calls == 0


def test_hands_unusual_documents_to_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    docs = list(fastyaml.load_all("a: 1\n---\nb: &x [1, 2]\nc: *x\n---\nd: |\n  text\n"))
    assert docs == [{"a": 1}, {"b": [1, 2], "c": [1, 2]}, {"d": "text\n"}]
    assert counting.calls == 2


SAFE_KEYS = [
    "a",
    "b",
    "name",
    "app.kubernetes.io/name",
    "a b",
    "1",
    "yes",
    "~",
    "x:y",
    "2001-01-01",
    "a#b",
]
SAFE_VALUES = SAFE_KEYS + [
    "'it''s'",
    '"plain"',
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "3.5",
    ".inf",
    "017",
    "1:30",
    "0b101",
    "http://x/#y",
    "{a: {b: c}, d: [1, 2]}",
    "[{name: x, port: 80}]",
    "['x', \"y\"]",
    "[on, 017, ~]",
    "x # note",
    "é",
]
# mostly valid tokens, now and then one that is not
KEY = st.sampled_from(SAFE_KEYS * 20 + KEYS)
VALUE = st.sampled_from(SAFE_VALUES * 10 + VALUES)


@st.composite
def block_text(draw: st.DrawFn, depth: int = 0, at: int = 0) -> list[str]:
    """Lines of a block mapping or sequence at column ``at``, mostly valid YAML."""
    lines: list[str] = []
    sequence = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 9)) == 0:
            lines.append(" " * draw(st.integers(0, 6)) + "# note")
        comment = draw(st.sampled_from(["", "", "", " # note", "  #: x"]))
        nested = depth < 3 and draw(st.booleans())
        pad = " " * at
        if sequence:
            if nested and draw(st.booleans()):
                # a compact mapping: its later keys line up with the first
                gap = draw(st.integers(1, 3))
                inner = draw(block_text(depth + 1, at + 1 + gap))
                first = inner[0].lstrip(" ")
                lines.append(pad + "-" + " " * gap + first)
                lines.extend(inner[1:])
            elif nested:
                lines.append(pad + "-" + comment)
                lines.extend(draw(block_text(depth + 1, at + draw(st.integers(1, 3)))))
            else:
                lines.append(pad + "- " + draw(VALUE) + comment)
        else:
            key = draw(KEY)
            if nested:
                lines.append(pad + key + ":" + comment)
                lines.extend(
                    draw(block_text(depth + 1, at + draw(st.sampled_from([0, 1, 2, 2, 2, 4]))))
                )
            else:
                lines.append(pad + key + ": " + draw(VALUE) + comment)
    return lines


STREAM = st.lists(
    st.tuples(st.sampled_from(["", "---\n", "--- # doc\n"]), block_text()), min_size=1, max_size=3
).map(lambda docs: "".join(start + "\n".join(lines) + "\n" for start, lines in docs))


@settings(max_examples=1500, deadline=None)
@given(STREAM)
def test_agrees_with_pyyaml_on_generated_block_yaml(text: str) -> None:
    assert_agrees(text)


def test_nesting_deeper_than_the_stack_goes_to_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    depth = 1500
    text = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "leaf: 1\n"
    assert_agrees(text)
    assert counting.calls == 1
