"""The ``reach`` command line: a thin shell over the library.

Exit codes: 0 ok, 1 findings or not reachable, 2 usage or input error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from . import api
from .connections import GRANULARITIES
from .errors import InvalidInput, ReachError
from .formats import FORMATS, renderers

app = typer.Typer(
    name="reach",
    help="Kubernetes NetworkPolicy reachability: what may talk to what, and why.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

FileOpt = Annotated[
    list[str],
    typer.Option(
        "--file",
        "-f",
        help="Manifest file or directory (read recursively: .yaml, .yml, .json); '-' reads stdin. "
        "Repeatable.",
    ),
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Analyze the valid objects and warn about the invalid ones."
    ),
]
ByOpt = Annotated[
    str,
    typer.Option("--by", help=f"Granularity: {', '.join(GRANULARITIES)}.", show_default=True),
]
OutOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


def _fail(message: str) -> None:
    typer.echo(f"reach: error: {message}", err=True)
    raise typer.Exit(2)


def _load(files: list[str], skip_invalid: bool) -> api.Reach:
    if not files:
        _fail("no input: give manifests with -f FILE|DIR|- (see 'reach list --help')")
    try:
        r = api.load(files, skip_invalid=skip_invalid)
    except InvalidInput as e:
        for p in e.problems:
            typer.echo(f"reach: error: {p}", err=True)
        n = len(e.problems)
        typer.echo(
            f"reach: {n} problem{'s' if n != 1 else ''} in the input; fix them, or pass "
            "--skip-invalid to analyze the rest",
            err=True,
        )
        raise typer.Exit(2) from None
    except ReachError as e:
        _fail(str(e))
        raise  # unreachable; keeps type checkers happy
    for w in r.warnings:
        typer.echo(f"reach: warning: {w}", err=True)
    return r


def _open(output: Path | None) -> TextIO:
    if output is None:
        return sys.stdout
    try:
        return output.open("w", encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {output}: {e.strerror}")
        raise


def _check_choice(value: str, choices: tuple[str, ...], option: str) -> None:
    if value not in choices:
        _fail(f"{option} must be one of {', '.join(choices)}, not {value!r}")


@app.command("list")
def list_cmd(
    file: FileOpt = [],  # noqa: B006 - typer reads the default, never mutates it
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")
    ] = "txt",
    by: ByOpt = "workload",
    output: OutOpt = None,
    skip_invalid: SkipOpt = False,
) -> None:
    """List every allowed connection: src => dst : ports.

    Examples:

      reach list -f examples/shop

      reach list -f manifests/ --by pod --format json -o conns.json

      kubectl get pods,netpol,ns -A -o yaml | reach list -f -
    """
    _check_choice(fmt, FORMATS, "--format")
    _check_choice(by, GRANULARITIES, "--by")
    r = _load(file, skip_invalid)
    out = _open(output)
    try:
        renderers()[fmt](r.view(by), out)
    finally:
        if out is not sys.stdout:
            out.close()


@app.command("summary")
def summary_cmd(
    file: FileOpt = [],  # noqa: B006
    fmt: Annotated[str, typer.Option("--format", help="txt or json.")] = "txt",
    skip_invalid: SkipOpt = False,
) -> None:
    """Load and compile only; print counts of pods, workloads, classes, policies and pairs.

    Example:

      reach summary -f examples/shop --format json
    """
    _check_choice(fmt, ("txt", "json"), "--format")
    s = _load(file, skip_invalid).summary()
    if fmt == "json":
        typer.echo(json.dumps(s.to_json(), indent=1))
        return
    for key, value in s.to_json().items():
        typer.echo(f"{key.replace('_', ' ')}: {value}")


def main() -> None:
    """Console entry point: run the app; never show a traceback for bad input."""
    try:
        app()
    except ReachError as e:
        typer.echo(f"reach: error: {e}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
