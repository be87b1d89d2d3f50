"""Text from the input never reaches a terminal raw, and never breaks an output (issue 25
items 4 and 13): control and bidirectional characters are escaped in txt, lone surrogates
in every text format; JSON keeps the text as it was."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reach
from reach.output import render
from reach.output.escape import UNSAFE, escape
from reach.output.formats import AuditFormat
from tests.helpers import run

#: An owner name no validation checks: a lone surrogate, U+202E, an ANSI colour, a CR.
NAME = "x\ud800\u202e\x1b[31m\rz"
ESCAPED = "x\\ud800\\u202e\\x1b[31m\\x0dz"


@pytest.fixture
def hostile(tmp_path: Path) -> str:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "ownerReferences": [{"controller": True, "name": NAME, "kind": "Foo"}],
        },
    }
    f = tmp_path / "pod.json"
    f.write_text(json.dumps(pod))  # ASCII: the surrogate is written as \\ud800
    return str(f)


@pytest.mark.parametrize("command", [["list"], ["audit"], ["summary"]])
def test_txt_output_escapes_controls_bidi_and_surrogates(hostile: str, command: list[str]) -> None:
    code, out, err = run([*command, "-f", hostile])
    assert code in (0, 1), err
    assert UNSAFE.search(out) is None
    if command[0] != "summary":
        assert ESCAPED in out


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--format", "csv"],
        ["list", "--format", "md"],
        ["audit", "--format", "md"],
        ["export", "--format", "dot"],
    ],
)
def test_every_text_format_writes_a_lone_surrogate_escaped(
    hostile: str, command: list[str]
) -> None:
    code, out, err = run([*command, "-f", hostile])
    assert code in (0, 1), err
    assert "\ud800" not in out and "\\ud800" in out


@pytest.mark.parametrize("command", [["list"], ["audit"], ["export"]])
def test_json_keeps_the_name_as_it_was(hostile: str, command: list[str]) -> None:
    code, out, _ = run([*command, "--format", "json", "-f", hostile])
    assert code in (0, 1)
    assert any(NAME in s for s in strings(json.loads(out)))


def strings(value: object) -> set[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, dict):
        return {s for k, v in value.items() for s in (k, *strings(v))}
    if isinstance(value, list):
        return {s for v in value for s in strings(v)}
    return {value} if isinstance(value, str) else set()


@pytest.mark.parametrize(
    "command", [["audit", "--format", "junit"], ["export", "--format", "graphml"]]
)
def test_xml_outputs_stay_well_formed(hostile: str, command: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    code, _, err = run([*command, "-f", hostile, "-o", str(out)])
    assert code in (0, 1), err
    root = ET.parse(out).getroot()
    assert ESCAPED in ET.tostring(root, encoding="unicode")


def test_colour_keeps_the_audit_colours_and_escapes_the_rest() -> None:
    text = "\x1b[1;31mhigh\x1b[0m name\x1b[8mhidden\x1b]0;title\x07"
    assert escape(text, colour=True) == (
        "\x1b[1;31mhigh\x1b[0m name\\x1b[8mhidden\\x1b]0;title\\x07"
    )
    assert "\x1b" not in escape(text)


def test_error_messages_on_stderr_are_escaped(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {NAME: "v"}}}
    f = tmp_path / "pod.json"
    f.write_text(json.dumps(pod))
    code, _, err = run(["list", "-f", str(f)])
    assert code == 2
    assert UNSAFE.search(err) is None
    assert f"metadata.labels.{ESCAPED}" in err


def test_coloured_audit_escapes_a_colour_sequence_inside_a_name(hostile: str) -> None:
    """On a terminal the audit lets its own colours through, never those of a name: the
    owner name holds ``ESC[31m``, which is one of the report's colours."""
    report = reach.load(hostile).audit()
    buffer = io.StringIO()
    render(report, AuditFormat.TXT, buffer, colour=True)
    out = buffer.getvalue()
    assert "\x1b[0m" in out  # coloured
    assert ESCAPED in out
    assert "\x1b[31m\\x0dz" not in out and "\x1b[31m\r" not in out
