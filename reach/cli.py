"""The ``reach`` command line: a thin shell over the library.

Exit codes: 0 ok, 1 findings or not reachable, 2 usage or input error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TextIO, TypeVar

import typer

from . import api
from .connections import GRANULARITIES
from .errors import InvalidInput, ReachError
from .formats import FORMATS, renderers

T = TypeVar("T")

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


NsOpt = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help="Namespace for bare names and label selectors."),
]
QueryFmt = Annotated[str, typer.Option("--format", help="txt or json.")]
PortOpt = Annotated[
    str | None,
    typer.Option(
        "--port", help="Only hops that allow this port, e.g. 8080/TCP, 53/UDP, 8000-8100."
    ),
]


def _emit(result: object, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=1))  # type: ignore[attr-defined]
    else:
        typer.echo(str(result))


def _query(fn: Callable[[], T]) -> T:
    """Run a query, turning bad references and filters into exit 2 with a clear message."""
    try:
        return fn()
    except ReachError as e:
        _fail(str(e))
        raise


REFS_HELP = """
Nodes are named as 'reach list' prints them (ns/name[Kind]), or as ns/name, name
(with -n, or unique), kind/name (deployment/web), pod/ns/name, a label selector
(app=web, with -n to restrict the namespace), namespace/NAME, or an IP address or
CIDR for addresses outside the cluster.
"""


@app.command("path", epilog=REFS_HELP)
def path_cmd(
    src: Annotated[str, typer.Argument(help="Where the connection starts.")],
    dst: Annotated[str, typer.Argument(help="Where it should arrive.")],
    file: FileOpt = [],  # noqa: B006
    port: PortOpt = None,
    max_hops: Annotated[
        int | None, typer.Option("--max-hops", help="Longest path to consider.", min=1)
    ] = None,
    all_paths: Annotated[
        bool, typer.Option("--all", help="Show every shortest path (up to 20).")
    ] = False,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    skip_invalid: SkipOpt = False,
) -> None:
    """Can SRC reach DST? Direct ports and policies, or why not; then the shortest paths.

    A multi-hop path assumes that whoever holds an intermediate pod can open new
    connections from it. Exit 0 when DST is reachable, 1 when it is not.

    Examples:

      reach path -f examples/shop web/frontend db/postgres

      reach path -f examples/shop web/api-gateway app/payments --port 8080/TCP --all

      reach path -f manifests/ app=web 10.0.0.0/8 -n shop --format json
    """
    _check_choice(fmt, ("txt", "json"), "--format")
    _check_choice(by, GRANULARITIES, "--by")
    r = _load(file, skip_invalid)
    res = _query(lambda: r.path(src, dst, port, max_hops, all_paths, by, namespace))
    _emit(res, fmt)
    raise typer.Exit(0 if res.reachable else 1)


@app.command("blast-radius", epilog=REFS_HELP)
def blast_cmd(
    src: Annotated[str, typer.Argument(help="The node assumed compromised.")],
    file: FileOpt = [],  # noqa: B006
    hops: Annotated[
        int | None, typer.Option("--hops", help="Stop after this many hops.", min=1)
    ] = None,
    port: PortOpt = None,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    skip_invalid: SkipOpt = False,
) -> None:
    """Everything SRC can reach, directly and transitively, grouped by namespace.

    Each entry shows its hop distance, the ports of the hop into it and the
    previous hop. External ranges are included but never crossed.

    Examples:

      reach blast-radius -f examples/shop web/api-gateway

      reach blast-radius -f examples/shop pod/web/frontend-0 --hops 2 --port 5432/TCP
    """
    _check_choice(fmt, ("txt", "json"), "--format")
    _check_choice(by, GRANULARITIES, "--by")
    r = _load(file, skip_invalid)
    _emit(_query(lambda: r.blast_radius(src, hops, port, by, namespace)), fmt)


@app.command("exposure", epilog=REFS_HELP)
def exposure_cmd(
    dst: Annotated[str, typer.Argument(help="The node to protect.")],
    file: FileOpt = [],  # noqa: B006
    hops: Annotated[
        int | None, typer.Option("--hops", help="Stop after this many hops.", min=1)
    ] = None,
    port: PortOpt = None,
    by: ByOpt = "workload",
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    skip_invalid: SkipOpt = False,
) -> None:
    """Everything that can reach DST, directly and transitively, external ranges included.

    Flags internet exposure: reachable from addresses outside the private ranges
    (RFC 1918; IPv6 unique-local and link-local).

    Examples:

      reach exposure -f examples/shop db/postgres

      reach exposure -f examples/shop db/postgres --hops 1 --format json
    """
    _check_choice(fmt, ("txt", "json"), "--format")
    _check_choice(by, GRANULARITIES, "--by")
    r = _load(file, skip_invalid)
    _emit(_query(lambda: r.exposure(dst, hops, port, by, namespace)), fmt)


@app.command("explain", epilog=REFS_HELP)
def explain_cmd(
    src: Annotated[str, typer.Argument(help="Source node.")],
    dst: Annotated[str, typer.Argument(help="Destination node.")],
    file: FileOpt = [],  # noqa: B006
    namespace: NsOpt = None,
    fmt: QueryFmt = "txt",
    skip_invalid: SkipOpt = False,
) -> None:
    """Why SRC may (not) connect to DST: policies and rules on each side, and the result.

    Exit 0 when some connection is allowed, 1 when none is.

    Examples:

      reach explain -f examples/shop app/orders db/postgres

      reach explain -f examples/shop web/frontend db/postgres --format json
    """
    _check_choice(fmt, ("txt", "json"), "--format")
    r = _load(file, skip_invalid)
    res = _query(lambda: r.explain(src, dst, namespace))
    if fmt == "json":
        typer.echo(json.dumps([e.to_dict() for e in res], indent=1))
    else:
        typer.echo("\n\n".join(str(e) for e in res))
    raise typer.Exit(0 if any(not e.allowed.is_empty() for e in res) else 1)


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
