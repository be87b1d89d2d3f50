"""docs/quickstart.md shows exactly what its commands print.

Every ```console block of the quickstart holds ``$ reach ...`` lines, each
followed by the output it shows. The commands run in-process from the
repository root and their stdout must equal the lines shown; a block whose
last line is ``...`` shows the first lines only, so those must be a prefix.
Blocks right after a ``<!-- live-cluster ... -->`` comment need a cluster:
they run with no kubeconfig at all, so they must get past option parsing and
stop at the missing kubeconfig (or snapshot file).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import ROOT, run

DOCS = ROOT / "docs"
QUICKSTART = DOCS / "quickstart.md"
HEAD_MARK = "..."
LIVE_MARK = "<!-- live-cluster"


@dataclass
class Example:
    """One ``$ reach ...`` line and the output the doc shows for it."""

    command: str
    line: int
    live: bool
    output: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)[1:]

    @property
    def head_only(self) -> bool:
        return bool(self.output) and self.output[-1] == HEAD_MARK

    def __str__(self) -> str:
        return f"quickstart.md:{self.line}: $ {self.command}"


def examples(text: str) -> Iterator[Example]:
    """The commands of the ```console blocks, in order."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        live = prev.strip().startswith(LIVE_MARK)
        i += 1
        current: Example | None = None
        while i < len(lines) and lines[i].strip() != "```":
            line = lines[i]
            if line.startswith("$ "):
                if current is not None:
                    yield current
                current = Example(line[2:].strip(), i + 1, live)
            elif current is None:
                raise AssertionError(f"quickstart.md:{i + 1}: output before any '$ ' line")
            else:
                current.output.append(line)
            i += 1
        if current is not None:
            yield current
        i += 1


ALL = list(examples(QUICKSTART.read_text()))
OFFLINE = [e for e in ALL if not e.live]
LIVE = [e for e in ALL if e.live]


def test_the_quickstart_has_examples_of_both_kinds() -> None:
    assert len(OFFLINE) >= 6, [str(e) for e in OFFLINE]
    assert LIVE, "no live-cluster examples"
    commands = {e.argv[0] for e in OFFLINE}
    assert {"list", "path", "audit", "blast-radius"} <= commands
    assert any(e.head_only for e in OFFLINE)
    for e in OFFLINE:
        assert e.command.startswith("reach "), str(e)
        assert e.output, f"{e}: shows no output"
        assert HEAD_MARK not in e.output[:-1], f"{e}: '...' only ends a block"


@pytest.mark.parametrize("example", OFFLINE, ids=[e.command for e in OFFLINE])
def test_command_prints_what_the_quickstart_shows(
    example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(example.argv)
    assert code in (0, 1), f"{example}: exit {code}\n{err}"
    got = out.rstrip("\n").split("\n")
    if example.head_only:
        shown = example.output[:-1]
        assert got[: len(shown)] == shown, f"{example}: the output does not start as shown"
        assert len(got) > len(shown), f"{example}: '...' but nothing follows"
    else:
        assert got == example.output, f"{example}: the output differs from the doc"


@pytest.mark.parametrize("example", LIVE, ids=[e.command for e in LIVE])
def test_live_cluster_examples_parse(
    example: Example,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Live examples run without any cluster: their options must parse, and they must
    then fail only for want of a kubeconfig or of the snapshot file."""
    assert example.command.startswith("reach "), str(example)
    assert not example.output, f"{example}: a live example shows no output"
    monkeypatch.chdir(tmp_path)  # no prod.yaml, no k8s/ here
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    code, out, err = run(example.argv)
    assert code == 2, f"{example}: exit {code}"
    assert "Usage:" not in err and "No such option" not in err, f"{example}: {err}"
    assert err.startswith("reach: error: "), f"{example}: {err}"
    assert "kubeconfig" in err or "prod.yaml" in err, f"{example}: {err}"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", ["index.md", "quickstart.md"])
def test_relative_links_and_pictures_exist(doc: str) -> None:
    text = (DOCS / doc).read_text()
    targets = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    assert targets, doc
    for target in targets:
        path = (DOCS / target.split("#", 1)[0]).resolve()
        assert path.exists(), f"{doc}: broken link {target}"
        assert os.path.commonpath([path, ROOT]) == str(ROOT), f"{doc}: {target} leaves the repo"


def test_index_shows_a_picture_reach_drew() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\((images/[^)]+\.png)\)", (DOCS / "index.md").read_text())
    assert pictures
    for pic in pictures:
        data = Path(DOCS / pic).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), pic
        assert b"matplotlib" in data[:400].lower(), f"{pic}: not drawn by reach (matplotlib)"
