"""Render the CLI reference (docs/cli.md) from the commands themselves, so it cannot drift.

    python -m reach.cli.reference > docs/cli.md

``tests/docs/test_docs.py`` fails when docs/cli.md differs from what this renders.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from reach.cli import app
from reach.output.markdown import cell

INTRO = """# Command reference

Generated from the commands by `python -m reach.cli.reference > docs/cli.md`;
a test keeps it equal to `--help`. Every analysis command reads manifests with
`-f` (files, directories, `-` for stdin) or a live cluster with `--context`,
`--kubeconfig` or `--in-cluster`. Exit codes: 0 ok, 1 findings or not
reachable, 2 usage or input error.
"""


def _option_row(p: Any) -> str:
    """One table row for a parameter (typer's command objects, duck-typed)."""
    if p.param_type_name == "argument":
        name = f"`{(p.metavar or p.name or '').upper()}`"
        text = getattr(p, "help", None) or ""
        return f"| {name} | argument | {text} |"
    names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    default = ""
    if not p.is_flag and p.default not in (None, [], ()) and not callable(p.default):
        default = f" (default: `{p.default}`)"
    return f"| {names} | option | {cell(p.help or '')}{default} |"


def markdown() -> str:
    group: Any = typer.main.get_command(app)
    ctx = group.context_class(group)
    out = [INTRO]
    names = sorted(group.list_commands(ctx))
    out.append("Commands: " + ", ".join(f"[`{n}`](#reach-{n})" for n in names) + ".\n")
    for name in names:
        out.extend(_section(ctx, f"reach {name}", group.get_command(ctx, name)))
    return "\n".join(out).rstrip() + "\n"


def _section(ctx: Any, name: str, cmd: Any) -> list[str]:
    """A command's heading, usage, help and options; a group's, then each subcommand's."""
    assert cmd is not None
    out = [f"## {name}\n"]
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    out.append(f"```\n{name} {usage}\n```\n")
    out.append(inspect.cleandoc(cmd.help or "") + "\n")
    rows = [_option_row(p) for p in cmd.params if p.name != "help"]
    if rows:
        out.append("| name | kind | meaning |\n|---|---|---|")
        out.extend(rows)
    if cmd.epilog:
        out.append("\n" + inspect.cleandoc(cmd.epilog))
    out.append("")
    sub = getattr(cmd, "list_commands", None)
    for child in sorted(sub(ctx)) if sub else ():
        out.extend(_section(ctx, f"{name} {child}", cmd.get_command(ctx, child)))
    return out


if __name__ == "__main__":
    print(markdown(), end="")
