"""``reach-pre-commit``: the entry of the pre-commit hook (``.pre-commit-hooks.yaml``).

pre-commit runs ``entry args... file...``: the hook's ``args`` (options of
``reach audit``, such as ``--expect isolation.yaml`` or ``--fail-on medium``)
then the staged files. Each file becomes a ``-f`` of ``reach audit``, so the
audit covers the staged manifests; exit codes are the audit's (0 clean, 1
findings at ``--fail-on`` or above, 2 bad input).
"""

from __future__ import annotations

import sys

import typer

from reach.cli import app

PROG = "reach-pre-commit"


def _value_options() -> set[str]:
    """The options of ``reach audit`` that take a value (their next argument is theirs)."""
    commands = getattr(typer.main.get_command(app), "commands", {})
    audit = commands["audit"]
    out: set[str] = set()
    for param in getattr(audit, "params", ()):
        if getattr(param, "param_type_name", "") == "option" and not getattr(
            param, "is_flag", True
        ):
            out.update(getattr(param, "opts", ()))
    return out


def audit_args(argv: list[str]) -> list[str]:
    """``reach audit`` arguments for the hook's ``argv``: options as given, each staged file
    (every positional argument) as ``-f FILE``."""
    takes_value = _value_options()
    options: list[str] = []
    files: list[str] = []
    expect_value = False
    for arg in argv:
        if expect_value:
            options.append(arg)
            expect_value = False
        elif arg.startswith("-"):
            options.append(arg)
            expect_value = "=" not in arg and arg in takes_value
        else:
            files.append(arg)
    return ["audit", *options, *(x for f in files for x in ("-f", f))]


def main() -> None:
    """Console entry point of ``reach-pre-commit``."""
    args = audit_args(sys.argv[1:])
    if "-f" not in args:
        print(f"{PROG}: no manifest staged; nothing to audit", file=sys.stderr)
        raise SystemExit(0)
    app(args=args, prog_name=PROG)
