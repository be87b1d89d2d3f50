"""Manifests shaped the way real repositories are, each with its expected answer.

Each directory below holds one situation met in public repositories (operator-managed
pods, an application repository without kube-system, policies pasted without ``---``,
duplicate objects, Helm templates, kustomize overlays, a CRD with ``=``...), written for
this project, and a ``case.yaml``:

```yaml
about: the situation this reproduces, in one line
paths: [input]            # what -f reads, relative to the case directory
options: {}               # keyword arguments of reach.load (library cases)
diagnostics: [code, ...]  # exactly the codes of Reach.diagnostics, in any order
connections: expected.txt # optional: the `reach list` connection lines, compared as a set
                          # (its `# ` lines are the diagnostics, checked by `diagnostics`)
cli: [list, ...]          # optional: run this command instead (cwd: the case directory)
exit: 0                   # with cli: the exit code
stdout: expected.txt      # with cli: optional, its stdout lines, compared as a set
stdout_has: [text, ...]   # with cli: optional, texts its stdout must contain (for reports
                          # such as audit's, whose list of passed checks grows with reach)
stdout_lacks: [text, ...] # with cli: optional, texts its stdout must not contain
stderr: [text, ...]       # with cli: optional, texts its stderr must contain
```
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.output import render
from tests.helpers import run

HERE = Path(__file__).parent
CASES = sorted(p.parent for p in HERE.glob("*/case.yaml"))


def _case(path: Path) -> dict[str, Any]:
    data = yaml.safe_load((path / "case.yaml").read_text())
    assert isinstance(data, dict) and data.get("about"), f"{path}/case.yaml needs an 'about'"
    return data


def _lines(text: str) -> set[str]:
    return {line for line in text.splitlines() if line.strip()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _case(case)
    monkeypatch.chdir(case)
    if "cli" in spec:
        code, out, err = run([str(a) for a in spec["cli"]])
        assert code == spec.get("exit", 0), err
        if "stdout" in spec:
            assert _lines(out) == _lines((case / spec["stdout"]).read_text())
        for text in spec.get("stdout_has", []):
            assert text in out, out
        for text in spec.get("stdout_lacks", []):
            assert text not in out, out
        for text in spec.get("stderr", []):
            assert text in err, err
        return
    r = reach.load([os.fspath(p) for p in spec.get("paths", ["input"])], **spec.get("options", {}))
    assert sorted(d.code for d in r.diagnostics) == sorted(spec.get("diagnostics", []))
    if "connections" in spec:
        out = io.StringIO()
        render(r.view("workload", ipv6=False), "txt", out)
        listed = {line for line in _lines(out.getvalue()) if not line.startswith("# ")}
        assert listed == _lines((case / spec["connections"]).read_text())


def test_every_case_says_what_it_reproduces() -> None:
    assert CASES, "no real-world cases"
    for case in CASES:
        _case(case)
