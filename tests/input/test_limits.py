"""The limits of what reach reads (reach.input.limits, docs/input.md "Limits"): past each,
the file is refused by name, promptly, never with a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reach.input import fastyaml, jsontext
from reach.input.limits import MAX_ALIAS_NODES, MAX_DEPTH, MAX_DIGITS
from tests.helpers import run

#: Nine levels of nine aliases: about 1 KB of YAML that expands to 9**9 nodes.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)

POD_HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"


def bomb_in(field_yaml: str) -> str:
    """A Pod whose ``field_yaml`` (one line, ``*i`` naming the bomb's top) echoes the bomb."""
    anchors = "".join("  " + line + "\n" for line in ALIAS_BOMB.splitlines())
    return f"{POD_HEAD}  annotations:\n  x-bomb:\n{anchors}spec:\n{field_yaml}"


def reach_list(tmp_path: Path, name: str, text: str) -> tuple[Path, int, str]:
    f = tmp_path / name
    f.write_text(text)
    start = time.monotonic()
    code, out, err = run(["list", "-f", str(f)])
    assert time.monotonic() - start < 10, "took too long"
    assert out == ""
    return f, code, err


def test_alias_bomb_is_refused_by_the_yaml_reader() -> None:
    with pytest.raises(fastyaml.MalformedYAML, match="excessive aliasing"):
        list(fastyaml.load_all(ALIAS_BOMB))


def test_aliases_within_the_limit_are_read() -> None:
    # two levels of 300: 90,000 nodes added, under the limit
    text = "a: &a [" + ", ".join(["x"] * 300) + "]\nb: [" + ", ".join(["*a"] * 300) + "]\n"
    assert MAX_ALIAS_NODES > 300 * 300
    (doc,) = fastyaml.load_all(text)
    assert len(doc["b"]) == 300 and doc["b"][0] is doc["a"]


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(fastyaml.MalformedYAML, match="recursive"):
        list(fastyaml.load_all("a: &a [1, *a]\n"))


@pytest.mark.parametrize(
    "field",
    [
        "  containers:\n  - name: c\n    ports:\n    - containerPort: *i\n",
        "  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n      protocol: *i\n",
    ],
)
def test_alias_bomb_in_an_echoed_field_exits_2_promptly(tmp_path: Path, field: str) -> None:
    f, code, err = reach_list(tmp_path, "bomb.yaml", bomb_in(field))
    assert code == 2
    assert f"{f}:" in err and "excessive aliasing" in err


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "{" + '"a": {' * 100_000, "[" * (MAX_DEPTH + 60) + "]" * (MAX_DEPTH + 60)],
)
def test_json_nested_too_deep_is_refused(text: str) -> None:
    with pytest.raises(jsontext.MalformedJSON, match="nested deeper than"):
        jsontext.loads(text)


def test_json_nested_to_the_limit_is_read() -> None:
    assert jsontext.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize("where", ["file", "stdin"])
def test_deep_json_exits_2(tmp_path: Path, where: str) -> None:
    text = "[" * 100_000
    if where == "stdin":
        code, out, err = run(["list", "-f", "-"], stdin=text.encode())
    else:
        _, code, err = reach_list(tmp_path, "deep.json", text)
    assert code == 2
    assert "nested deeper than 1,000 levels" in err


HEX = "0x" + "f" * 3600  # fewer than 4,300 characters, more than 4,300 decimal digits


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("port.yaml", POD_HEAD + f"spec:\n  containers:\n  - ports:\n    - containerPort: {HEX}\n"),
        ("label.yaml", POD_HEAD + f"  labels:\n    a: {HEX}\n"),
        ("decimal.yaml", POD_HEAD + f"  labels:\n    a: {'9' * 5000}\n"),
        (
            "replicas.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n"
            f"  replicas: -{HEX}\n  template: {{metadata: {{labels: {{a: b}}}}}}\n",
        ),
        ("int.json", '{"kind": "Pod", "metadata": {"name": "p"}, "x": ' + "9" * 5000 + "}"),
    ],
)
def test_integers_past_the_digit_limit_are_refused(tmp_path: Path, name: str, text: str) -> None:
    f, code, err = reach_list(tmp_path, name, text)
    assert code == 2
    assert f"{f}" in err and f"more than {MAX_DIGITS:,} digits" in err


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_without_nan_or_infinity(tmp_path: Path, constant: str) -> None:
    text = '{"kind": "Pod", "metadata": {"name": "p"}, "x": ' + constant + "}"
    f, code, err = reach_list(tmp_path, "c.json", text)
    assert code == 2
    assert f"{f}: malformed JSON: " in err
