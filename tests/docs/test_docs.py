"""The docs cannot drift: docs/cli.md is what the commands say about themselves."""

from __future__ import annotations

import re

from reach.cli.reference import markdown
from tests.helpers import ROOT, run

CLI_MD = ROOT / "docs" / "cli.md"


def test_cli_md_is_generated_from_the_commands() -> None:
    assert CLI_MD.read_text() == markdown(), (
        "docs/cli.md is stale: run  python -m reach.cli.reference > docs/cli.md"
    )


def _commands() -> list[str]:
    _, out, _ = run(["--help"])
    block = out.split("Commands:", 1)[1]
    return re.findall(r"^\s{2}([a-z][a-z-]+)\s", block, flags=re.M)


def test_every_command_and_option_of_help_is_documented() -> None:
    doc = CLI_MD.read_text()
    commands = _commands()
    assert len(commands) >= 8
    for name in commands:
        assert f"## reach {name}\n" in doc, name
        code, out, _ = run([name, "--help"])
        assert code == 0
        section = doc.split(f"## reach {name}\n", 1)[1].split("\n## reach ", 1)[0]
        for opt in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", out):
            if opt != "--help":
                assert f"`{opt}`" in section, f"reach {name}: {opt} missing from docs/cli.md"
