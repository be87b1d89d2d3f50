"""YAML as kubectl reads it: where reach departs from PyYAML's YAML 1.1, and why.

kubectl reads manifests with go-yaml (through sigs.k8s.io/yaml and kustomize's kyaml).
Each test below is one difference (docs/semantics.md, "YAML as kubectl reads it"), checked
on both readers: the fast line reader (fastyaml) and PyYAML, to which it hands what it does
not read itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import reach
from reach.errors import InvalidInput
from reach.input import fastyaml
from tests.builders import netpol
from tests.helpers import run

PASTED = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  podSelector: {}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
spec:
  podSelector: {}
  ingress:
  - {}
"""

#: the same text with an anchor, which the fast reader hands to PyYAML
PASTED_FOR_PYYAML = PASTED.replace("name: deny-all", "name: &n deny-all")


def _error(text: str) -> fastyaml.MalformedYAML:
    with pytest.raises(fastyaml.MalformedYAML) as info:
        list(fastyaml.load_all(text))
    return info.value


@pytest.mark.parametrize("text", [PASTED, PASTED_FOR_PYYAML], ids=["fast", "pyyaml"])
def test_duplicate_keys_are_an_error_naming_both_lines(text: str) -> None:
    e = _error(text)
    assert isinstance(e, fastyaml.DuplicateKey)
    assert e.line == 7
    assert e.message == 'mapping key "apiVersion" already defined at line 1'


@pytest.mark.parametrize(
    "text, line, first",
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, 3),
        ("a: {x: 1, x: 2}\n", 1, 1),
        ("a:\n- k: 1\n  k: 2\n", 3, 2),
        ("a: 1\n---\nb: 1\nb: &x 2\n", 4, 3),
    ],
)
def test_duplicate_keys_are_found_at_any_depth_and_in_later_documents(
    text: str, line: int, first: int
) -> None:
    e = _error(text)
    assert (e.line, e.message.endswith(f"at line {first}")) == (line, True)


def test_merge_keys_may_be_overridden_without_duplicates() -> None:
    (doc,) = fastyaml.load_all("base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\n")
    assert doc["m"] == {"a": 1, "b": 3}


def test_pasted_policies_stop_the_command_with_the_hint(tmp_path: Path) -> None:
    f = tmp_path / "pasted.yaml"
    f.write_text(PASTED)
    code, _, err = run(["list", "-f", str(f)])
    assert code == 2
    assert f"{f}#1" in err
    assert "line 7" in err and "line 1" in err
    assert "missing `---` between documents?" in err


def test_pasted_policies_are_not_read_as_the_last_one(tmp_path: Path) -> None:
    f = tmp_path / "pasted.yaml"
    f.write_text(PASTED)
    with pytest.raises(InvalidInput):
        reach.load(str(f))


@pytest.mark.parametrize("text", ["a: =\n", "a: [=, <]\n", "a:\n- =\n- '<'\n", "a: &x =\n"])
def test_the_value_tag_is_the_string_equals(text: str) -> None:
    (doc,) = fastyaml.load_all(text)
    assert "=" in (doc["a"] if isinstance(doc["a"], list) else [doc["a"]])


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: probes.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names: {kind: Probe, plural: probes}
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          action:
            enum:
            - replace
            - =
            - '!='
            type: string
"""


def test_a_crd_with_a_bare_equals_does_not_stop_a_directory(tmp_path: Path) -> None:
    import yaml

    (tmp_path / "crd.yaml").write_text(CRD)
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(netpol("p")))
    r = reach.load(str(tmp_path))
    assert [p.name for p in r.cluster.policies] == ["p"]


@pytest.mark.parametrize("anchor", ["", "&t "], ids=["fast", "pyyaml"])
def test_timestamps_are_read_as_their_text(anchor: str) -> None:
    (doc,) = fastyaml.load_all(f"a: {anchor}2001-01-01\nb: 2001-12-14t21:59:43.10-05:00\n")
    assert doc == {"a": "2001-01-01", "b": "2001-12-14t21:59:43.10-05:00"}


@pytest.mark.parametrize("anchor", ["", "&t "], ids=["fast", "pyyaml"])
def test_sexagesimal_numbers_are_read_as_their_text(anchor: str) -> None:
    (doc,) = fastyaml.load_all(f"a: {anchor}1:20\nb: 1:20.5\nc: 190\n")
    assert doc == {"a": "1:20", "b": "1:20.5", "c": 190}
