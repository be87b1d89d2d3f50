"""The CI examples (examples/ci/, shown in docs/ci.md) parse, and every `reach` command in
them is one the CLI accepts: a real subcommand, real options, values it takes."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from reach.cli import app
from reach.output.formats import AuditFormat, DiffFormat

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "examples" / "ci"
FILES = sorted(CI.glob("*.yml"))
#: The format enum of each command that writes a report in CI.
FORMATS = {"audit": AuditFormat, "diff": DiffFormat}


def _scripts(doc: Any) -> Iterator[str]:
    """Every shell text of a workflow: GitHub steps' ``run``, GitLab jobs' ``script``,
    ``before_script`` and ``after_script``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script", "after_script"):
                yield from (
                    v for v in ([value] if isinstance(value, str) else value) if isinstance(v, str)
                )
            else:
                yield from _scripts(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _scripts(item)


def _reach_commands(text: str) -> Iterator[list[str]]:
    """The argument lists of the `reach` commands of a shell text (split at ``&&``,
    ``||``, ``;`` and ``|``; comments dropped)."""
    for line in text.replace("\\\n", " ").split("\n"):
        words = shlex.split(line, comments=True)
        command: list[str] = []
        for word in [*words, ";"]:
            if word in ("&&", "||", ";", "|"):
                if command and command[0] == "reach":
                    yield command[1:]
                command = []
            else:
                command.append(word)


def _commands() -> list[tuple[str, list[str]]]:
    out = []
    for file in FILES:
        doc = yaml.safe_load(file.read_text())
        for script in _scripts(doc):
            out += [(file.name, args) for args in _reach_commands(script)]
    return out


def test_the_examples_parse_and_hold_reach_commands() -> None:
    assert {f.name for f in FILES} == {"github-workflow.yml", "gitlab-ci.yml"}
    found = _commands()
    by_file = {name for name, _ in found}
    assert by_file == {f.name for f in FILES}
    assert sorted({args[0] for _, args in found}) == ["audit", "diff"]
    for _, args in found:
        if args[0] == "audit":
            assert "--format" in args


@pytest.mark.parametrize(
    ("file", "args"), _commands(), ids=lambda x: " ".join(x) if isinstance(x, list) else x
)
def test_every_reach_command_of_the_examples_is_accepted_by_the_cli(
    file: str, args: list[str]
) -> None:
    group: Any = typer.main.get_command(app)
    root = group.context_class(group, info_name="reach")
    command = group.get_command(root, args[0])
    assert command is not None, f"{file}: reach {args[0]} is no subcommand"
    try:
        ctx = command.make_context(args[0], args[1:], parent=root)
    except Exception as e:  # click's UsageError: an unknown option, a missing argument
        pytest.fail(f"{file}: reach {' '.join(args)}: {e}")
    if args[0] in FORMATS:
        assert ctx.params["fmt"] in list(FORMATS[args[0]]), f"{file}: no format {ctx.params['fmt']}"


def test_a_wrong_option_is_caught() -> None:
    """The check above can fail: an option the CLI lacks is refused."""
    group: Any = typer.main.get_command(app)
    root = group.context_class(group, info_name="reach")
    command = group.get_command(root, "audit")
    with pytest.raises(Exception, match="--no-such-flag"):
        command.make_context("audit", ["-f", "k8s/", "--no-such-flag"], parent=root)


def test_docs_ci_shows_the_example_files_as_they_are() -> None:
    doc = (ROOT / "docs" / "ci.md").read_text()
    for file in FILES:
        assert f"```yaml\n{file.read_text()}```" in doc, (
            f"docs/ci.md does not show {file.name} as it is"
        )
