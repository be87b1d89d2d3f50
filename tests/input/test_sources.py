"""Reading manifests: files, directories, stdin, multi-document YAML, JSON, lists."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

import reach
from reach.errors import Diagnostics
from reach.input import fastyaml
from reach.input.files import FileSource
from tests.builders import netpol, pod


def _pods(r: reach.Reach) -> set[str]:
    return {str(p) for p in r.cluster.pods}


def test_c_loader_is_used_when_available() -> None:
    if getattr(yaml, "__with_libyaml__", False):
        assert fastyaml._Loader.__mro__[1] is yaml.cyaml.CParser


def test_multi_document_yaml(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump_all([pod("a"), None, pod("b")]))
    assert _pods(reach.load(str(tmp_path / "m.yaml"))) == {"default/a", "default/b"}


def test_json_file_and_kind_list(tmp_path: Path) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [pod("a"), pod("b", "x")]}
    (tmp_path / "l.json").write_text(json.dumps(doc))
    assert _pods(reach.load(str(tmp_path / "l.json"))) == {"default/a", "x/b"}


def test_typed_list_items_without_kind_take_it_from_the_list(tmp_path: Path) -> None:
    item = pod("a")
    del item["kind"]
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"kind": "PodList", "items": [item]}))
    assert _pods(reach.load(str(tmp_path))) == {"default/a"}


def test_directory_is_read_recursively_and_other_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.yml").write_text(yaml.safe_dump(pod("a")))
    (tmp_path / "sub" / "deeper" / "b.yaml").write_text(yaml.safe_dump(pod("b")))
    (tmp_path / "notes.txt").write_text("kind: Pod\nthis is: [not yaml")
    (tmp_path / "graph.dot").write_text("digraph { a -> b }")
    (tmp_path / "report.json").write_text(json.dumps({"connlist": [1, 2, 3]}))  # not an object
    (tmp_path / "array.json").write_text(json.dumps([{"src": "a"}]))
    assert _pods(reach.load(str(tmp_path))) == {"default/a", "default/b"}


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(yaml.safe_dump_all([pod("a"), pod("b")])))
    assert _pods(reach.load("-")) == {"default/a", "default/b"}


def test_repeated_file_option_combines_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(pod("a")))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(pod("b")))
    r = reach.load([str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])
    assert _pods(r) == {"default/a", "default/b"}


def test_kinds_without_connectivity_are_ignored_silently() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 1}]},
    }
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"x": "y"}}
    r = reach.from_objects([pod("a"), svc, cm])
    assert r.warnings == []
    assert _pods(r) == {"default/a"}


def test_known_unsupported_kinds_warn_once_per_object() -> None:
    clrp = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumLocalRedirectPolicy",
        "metadata": {"name": "x"},
    }
    antrea = {
        "apiVersion": "crd.antrea.io/v1beta1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "c"},
        "spec": {},
    }
    r = reach.from_objects([pod("a"), clrp, dict(clrp, metadata={"name": "y"}), antrea, antrea])
    # One per object, each naming its origin (issue 14: every ignored policy is named).
    assert len([w for w in r.warnings if "CiliumLocalRedirectPolicy" in w]) == 2
    assert len([w for w in r.warnings if "crd.antrea.io/v1beta1" in w]) == 2
    assert r.cluster.policies == []


def test_origin_names_file_and_document(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(yaml.safe_dump_all([pod("a"), netpol("p")]))
    r = reach.load(str(f))
    assert r.cluster.policies[0].origin == f"{f}#2"


def test_missing_path_is_reported() -> None:
    diag = Diagnostics()
    assert list(FileSource(("/no/such/place",)).objects(diag)) == []
    assert [str(p) for p in diag.errors] == ["/no/such/place: no such file or directory"]
