"""docs/istio.md shows real output: each ``$ reach ...`` block is run again and compared."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.helpers import ROOT, run

DOC = ROOT / "docs" / "istio.md"
BLOCKS = re.findall(r"```console\n\$ reach (.*?)\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_doc_has_the_path_and_explain_examples() -> None:
    commands = [c for c, _ in BLOCKS]
    assert any(c.startswith("path ") for c in commands)
    assert any(c.startswith("explain ") for c in commands)


@pytest.mark.parametrize(("command", "shown"), BLOCKS, ids=[c for c, _ in BLOCKS])
def test_each_shown_output_is_what_reach_prints(
    command: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    _, out, _ = run(shlex.split(command))
    assert out.rstrip() == shown.rstrip()
