"""Source positions: the line and column of each field, in YAML (both readers) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reach.errors import Diagnostics
from reach.input import fastyaml, kubeyaml, positions
from reach.input.files import read_text
from reach.input.positions import ObjectName, locate
from tests.helpers import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _line_of(text: str, needle: str, start: int = 1) -> int:
    """The first line (1-based, from ``start``) holding ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def _at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1 :]


def _fields(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, key) of every mapping field with a plain string key, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and k:
                here = f"{path}.{k}" if path else k
                yield here, k
                yield from _fields(v, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _fields(v, f"{path}[{i}]")


MULTI = """\
# leading comment
apiVersion: v1
kind: Namespace
metadata:
  name: one
---
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: one
  labels: {app.kubernetes.io/name: web}
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
        - ipBlock: {cidr: 10.0.0.0/8}
"""


def test_every_field_of_the_examples_is_located_at_its_key(tmp_path: Path) -> None:
    """For every field of every document of the example manifests (read by the fast
    reader, or handed to PyYAML), the located line and column start with the field's key."""
    checked = 0
    for file in sorted(EXAMPLES.rglob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        for doc_no, doc in enumerate(fastyaml.load_all(text), start=1):
            for path, key in _fields(doc):
                found = locate(f"{file}#{doc_no}", path)
                assert found is not None, (file, doc_no, path)
                assert _at(text, found.line, found.column).startswith(key), (file, path)
                checked += 1
    assert checked > 1000


def test_multi_document_yaml_counts_documents_as_the_reader_does(tmp_path: Path) -> None:
    file = tmp_path / "multi.yaml"
    file.write_text(MULTI)
    origins = [r.origin for r in read_text(str(file), MULTI, Diagnostics())]
    assert origins == [f"{file}#1", f"{file}#3"]  # the empty document in between is #2
    found = locate(f"{file}#3", "spec.ingress[0].from[1].ipBlock.cidr")
    assert found is not None
    assert (found.line, _at(MULTI, found.line, found.column)) == (
        _line_of(MULTI, "cidr"),
        "cidr: 10.0.0.0/8}",
    )
    peer = locate(f"{file}#3", "spec.ingress[0].from[0]")
    assert peer is not None
    assert _at(MULTI, peer.line, peer.column) == "podSelector:"
    assert peer.end_line > peer.line  # the item spans its selector's lines


def test_a_key_holding_dots_is_one_field(tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text(MULTI)
    found = locate(f"{file}#3", "metadata.labels.app.kubernetes.io/name")
    assert found is not None
    assert _at(MULTI, found.line, found.column).startswith("app.kubernetes.io/name: web")


def test_a_missing_field_is_located_at_the_deepest_field_present(tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text(MULTI)
    found = locate(f"{file}#3", "spec.policyTypes[0]")
    assert found is not None
    assert _at(MULTI, found.line, found.column).startswith("spec:")
    assert locate(f"{file}#9", "spec") is None  # no such document
    assert locate(f"{tmp_path / 'gone.yaml'}#1", "spec") is None  # no such file
    assert locate("live:prod", "spec") is None  # an origin that is not file#doc


# The second document has an anchor and an alias: the fast reader hands it to PyYAML.
HANDED = """\
apiVersion: v1
kind: Namespace
metadata: {name: one}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: one
spec:
  podSelector: &sel
    matchLabels: {app: web}
  ingress:
    - from:
        - podSelector: *sel
      ports:
        - port: 80
---
apiVersion: v1
kind: Namespace
metadata:
  name: three
"""


def test_documents_handed_to_pyyaml_are_located_like_the_others(tmp_path: Path) -> None:
    chunk = HANDED.split("---\n")[1]
    with pytest.raises(fastyaml._Declined):  # the fast reader declines it: PyYAML reads it
        fastyaml._Reader().document(chunk, explicit=False)
    file = tmp_path / "handed.yaml"
    file.write_text(HANDED)
    port = locate(f"{file}#2", "spec.ingress[0].ports[0].port")
    assert port is not None
    assert (port.line, _at(HANDED, port.line, port.column)) == (
        _line_of(HANDED, "port: 80"),
        "port: 80",
    )
    name = locate(f"{file}#3", "metadata.name")
    assert name is not None
    assert name.line == _line_of(HANDED, "name: three")


def test_a_stream_pyyaml_reads_whole_is_located(tmp_path: Path) -> None:
    text = "%YAML 1.1\n---\n" + MULTI.split("---\n---\n")[1]
    file = tmp_path / "directive.yaml"
    file.write_text(text)
    assert len(list(fastyaml.load_all(text))) == 1
    found = locate(f"{file}#1", "spec.ingress[0].from[0].podSelector.matchLabels.app")
    assert found is not None
    assert found.line == _line_of(text, "{app: web}")
    assert _at(text, found.line, found.column).startswith("app: web")


LIST = """\
apiVersion: v1
kind: List
items:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: a, namespace: one}
    spec: {podSelector: {}}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: b
      namespace: one
    spec:
      podSelector: {}
      policyTypes: [Ingress]
"""


def test_list_items_are_located_by_item_path_and_by_name(tmp_path: Path) -> None:
    file = tmp_path / "list.yaml"
    file.write_text(LIST)
    raws = list(read_text(str(file), LIST, Diagnostics()))
    assert [r.path for r in raws] == ["items[0].", "items[1]."]
    by_path = locate(raws[1].origin, raws[1].path + "spec.policyTypes[0]")
    by_name = locate(raws[1].origin, "spec.policyTypes[0]", ObjectName("NetworkPolicy", "one", "b"))
    assert by_path is not None and by_name is not None
    assert by_path.line == by_name.line == _line_of(LIST, "policyTypes")
    first = locate(raws[0].origin, "spec", ObjectName("NetworkPolicy", "one", "a"))
    assert first is not None
    assert first.line == _line_of(LIST, "spec: {podSelector")


def test_json_fields_and_items_are_located(tmp_path: Path) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "one"}},
            {
                "kind": "NetworkPolicy",
                "apiVersion": "networking.k8s.io/v1",
                "metadata": {"name": "p", "namespace": "one", "labels": {'a"b': "x"}},
                "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "x"}}]}]},
            },
        ],
    }
    text = json.dumps(obj, indent="\t")  # tabs: JSON white space that YAML refuses
    file = tmp_path / "list.json"
    file.write_text(text)
    raws = list(read_text(str(file), text, Diagnostics()))
    cidr = locate(raws[1].origin, raws[1].path + "spec.ingress[0].from[0].ipBlock.cidr")
    assert cidr is not None
    assert cidr.line == _line_of(text, '"cidr"')
    assert _at(text, cidr.line, cidr.column).startswith('"cidr": "x"')
    quoted = locate(raws[1].origin, raws[1].path + 'metadata.labels.a"b')
    assert quoted is not None and quoted.line == _line_of(text, '"a\\"b"')
    one_line = json.dumps(obj)
    (tmp_path / "flat.json").write_text(one_line)
    found = locate(f"{tmp_path / 'flat.json'}#1", "items[1].spec.podSelector")
    assert found is not None
    assert (found.line, _at(one_line, 1, found.column)[:14]) == (1, '"podSelector":')


def test_stdin_text_is_kept_and_located() -> None:
    positions.keep("<stdin>", MULTI)
    found = locate("<stdin>#3", "spec.ingress[0].from[1].ipBlock")
    assert found is not None
    assert found.line == _line_of(MULTI, "ipBlock")


def test_errors_print_line_and_column_as_well_as_the_field_path(tmp_path: Path) -> None:
    text = MULTI.replace("10.0.0.0/8", "10.0.0.0/33")
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    line = _line_of(text, "10.0.0.0/33")
    column = text.split("\n")[line - 1].index("cidr") + 1
    field = "spec.ingress[0].from[1].ipBlock.cidr"
    code, _, err = run(["summary", "-f", str(file)])
    assert code == 2
    assert f"{file}:{line}:{column}: {file}#3 {field}: " in err
    code, _, err = run(["summary", "-f", "-"], stdin=text.encode())
    assert code == 2
    assert f"<stdin>:{line}:{column}: <stdin>#3 {field}: " in err
    as_json = json.dumps(list(fastyaml.load_all(text))[2], indent=2)
    code, _, err = run(["summary", "-f", "-"], stdin=as_json.encode())
    assert code == 2
    json_line = _line_of(as_json, '"cidr"')
    assert f"<stdin>:{json_line}:" in err and f"<stdin>#1 {field}: " in err


@pytest.mark.parametrize(
    "text",
    [
        MULTI,
        HANDED,
        LIST,
        "# only a comment\n",
        "# head\n---\n---\n# a comment in an empty document\n---\na: 1\n",
        "a: 1\n--- # a comment after the marker\nb: 2\n---\n",
        "",
    ],
)
def test_positions_cut_a_stream_into_the_documents_the_reader_yields(text: str) -> None:
    cut = fastyaml.chunks(text)
    assert cut is not None
    assert len(cut) == len(list(fastyaml.load_all(text)))
    for (line, chunk), doc in zip(cut, fastyaml.load_all(text), strict=True):
        assert list(fastyaml.load_all(chunk)) == [doc]
        assert text.split("\n")[line : line + chunk.count("\n")] == chunk.split("\n")[:-1]


def test_the_pure_python_parser_finds_the_same_positions_as_libyaml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without libyaml, positions come from PyYAML's pure-Python parser: the same ones."""
    text = (EXAMPLES / "shop-typo" / "policies.yaml").read_text()
    fast = positions._yaml_trees(text, 0)
    methods = ("resolve", "descend_resolver", "ascend_resolver")
    pure = type("Pure", (kubeyaml.PyParser,), {m: positions._Composer.__dict__[m] for m in methods})
    monkeypatch.setattr(positions, "_Composer", pure)
    slow = positions._yaml_trees(text, 0)

    def flat(tree: positions.Tree, path: str = "") -> Iterator[tuple[str, int, int]]:
        yield path, tree.line, tree.column
        for name, (_, value) in (tree.fields or {}).items():
            yield from flat(value, f"{path}.{name}")
        for i, item in enumerate(tree.items or []):
            yield from flat(item, f"{path}[{i}]")

    assert len(fast) == len(slow) > 10
    assert [list(flat(t)) for t in fast] == [list(flat(t)) for t in slow]


def test_a_key_written_twice_is_reported_at_its_second_line(tmp_path: Path) -> None:
    text = "# head\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\napiVersion: v1\n"
    file = tmp_path / "dup.yaml"
    file.write_text(text)
    code, _, err = run(["summary", "-f", str(file)])
    assert code == 2
    second = text.split("\n").index("apiVersion: v1", 2) + 1
    assert f"{file}:{second}: {file}#1: line {second}: " in err


def test_first_difference_ignores_layout_and_finds_the_changed_field(tmp_path: Path) -> None:
    old = "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {matchLabels: {app: web}}\n"
    same = "kind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n"
    added = same + "  policyTypes: [Ingress]\n"
    longer = old + "  ingress: [{}]\n"
    longest = old + "  ingress: [{}, {}]\n"
    for name, text in [
        ("old", old),
        ("same", same),
        ("added", added),
        ("l1", longer),
        ("l2", longest),
    ]:
        (tmp_path / f"{name}.yaml").write_text(text)

    def at(name: str) -> positions.Anchor:
        return positions.Anchor(f"{tmp_path / name}.yaml#1")

    assert positions.first_difference(at("old"), at("same")) == ""
    assert positions.first_difference(at("same"), at("added")) == "spec.policyTypes"
    assert positions.first_difference(at("l1"), at("l2")) == "spec.ingress"
    assert positions.first_difference(at("l1"), at("old")) == "spec"  # a field removed
    assert positions.first_difference(at("old"), positions.Anchor("nowhere.yaml#1")) == ""
