"""What every command shares: the app, the options of several commands, choices, errors."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar, overload

import typer

from reach.analysis.views import GRANULARITIES
from reach.errors import ReachError
from reach.output.escape import escape
from reach.output.formats import ResultFormat

T = TypeVar("T")
Choice = TypeVar("Choice", bound=StrEnum)

app = typer.Typer(
    name="reach",
    help="Kubernetes NetworkPolicy reachability: what may talk to what, and why.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

ByOpt = Annotated[
    str,
    typer.Option("--by", help=f"Granularity: {', '.join(GRANULARITIES)}.", show_default=True),
]
OutOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
NsOpt = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help="Namespace for bare names and label selectors."),
]
ResultFmt = Annotated[str, typer.Option("--format", help=f"{' or '.join(ResultFormat)}.")]
PortOpt = Annotated[
    str | None,
    typer.Option(
        "--port",
        help="Only hops that allow some port of this filter: 8080/TCP, 53/UDP, "
        "8000-8100/TCP; a number without a protocol means every protocol (53 = TCP, UDP "
        "and SCTP 53).",
    ),
]


def say(message: str) -> None:
    """Print a message on stderr, its control and bidirectional characters escaped (names
    come from the input: :mod:`reach.output.escape`)."""
    typer.echo(escape(message), err=True)


def fail(message: str) -> typer.Exit:
    """Print an error and exit 2 (typed as returning so callers can ``raise fail(...)``)."""
    say(f"reach: error: {message}")
    raise typer.Exit(2)


@overload
def choice(choices: type[Choice], value: str, option: str) -> Choice: ...
@overload
def choice(choices: tuple[str, ...], value: str, option: str) -> str: ...
def choice(choices: type[Choice] | tuple[str, ...], value: str, option: str) -> Choice | str:
    """``value`` as one of ``choices`` (an enum's member, or a name); else exit 2 naming them.

    Options take plain text and are checked here, not by click, so that every bad
    choice is told the same way: ``--format must be one of txt, json, not 'x'``.
    """
    names = [str(c) for c in choices]
    if value not in names:
        fail(f"{option} must be one of {', '.join(names)}, not {value!r}")
    return choices(value) if isinstance(choices, type) else value


def query(fn: Callable[[], T]) -> T:
    """Run a query, turning bad references and filters into exit 2 with a clear message."""
    try:
        return fn()
    except ReachError as e:
        raise fail(str(e)) from None
