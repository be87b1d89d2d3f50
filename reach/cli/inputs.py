"""Where a command's cluster comes from: the input options, and loading with clean errors."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from reach import api
from reach.cli.common import fail
from reach.errors import InvalidInput, ReachError
from reach.input.options import LiveOptions

#: The input options every analysis command takes: (name, annotation, default).
INPUT_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "file",
        Annotated[
            list[str],
            typer.Option(
                "--file",
                "-f",
                help="Manifest file or directory (read recursively: .yaml, .yml, .json); "
                "'-' reads stdin. Repeatable.",
            ),
        ],
        [],
    ),
    (
        "context",
        Annotated[
            str | None,
            typer.Option(
                "--context",
                help="Read the live cluster of this kubeconfig context instead of files.",
            ),
        ],
        None,
    ),
    (
        "kubeconfig",
        Annotated[
            str | None,
            typer.Option(
                "--kubeconfig",
                help="Kubeconfig file for a live read (default: $KUBECONFIG, ~/.kube/config).",
            ),
        ],
        None,
    ),
    (
        "in_cluster",
        Annotated[
            bool,
            typer.Option("--in-cluster", help="Read the live cluster from inside a pod."),
        ],
        False,
    ),
    (
        "request_timeout",
        Annotated[
            float,
            typer.Option("--request-timeout", help="Seconds to wait for each live request."),
        ],
        30.0,
    ),
    (
        "skip_invalid",
        Annotated[
            bool,
            typer.Option(
                "--skip-invalid", help="Analyze the valid objects and warn about the invalid ones."
            ),
        ],
        False,
    ),
]


@dataclass
class Input:
    """Where the cluster comes from, as the user gave it."""

    file: list[str]
    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    request_timeout: float = 30.0
    skip_invalid: bool = False

    @property
    def live(self) -> bool:
        return bool(self.context or self.kubeconfig or self.in_cluster)

    def live_options(self) -> LiveOptions:
        return LiveOptions(
            context=self.context,
            kubeconfig=self.kubeconfig,
            in_cluster=self.in_cluster,
            request_timeout=self.request_timeout,
        )

    @property
    def title(self) -> str:
        """How titles name the input: the files given, or the live cluster's context."""
        if self.file:
            return ", ".join(self.file)
        if self.context:
            return f"context {self.context}"
        return "live cluster"

    def load(self) -> api.Reach:
        """Load and compile, reporting every input problem and exiting 2 on any."""
        if self.live and self.file:
            fail("give either -f files or a live cluster (--context/--kubeconfig/--in-cluster)")
        if not self.file and not self.live:
            fail(
                "no input: give manifests with -f FILE|DIR|-, or a live cluster with "
                "--context/--kubeconfig/--in-cluster (see 'reach list --help')"
            )
        try:
            if self.live:
                r = api.load_live(self.live_options(), skip_invalid=self.skip_invalid)
            else:
                r = api.load(self.file, skip_invalid=self.skip_invalid, progress=None)
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
            fail(str(e))
        for w in r.warnings:
            typer.echo(f"reach: warning: {w}", err=True)
        return r


#: Placeholder default of a command's ``source``; :func:`with_input` always passes the real one.
NO_SOURCE = Input(file=[])


def with_input(fn: Callable[..., None]) -> Callable[..., None]:
    """Give a command the input options; it receives them as ``source: Input``.

    The options are declared once here instead of in every command's signature.
    """
    sig = inspect.signature(fn, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "source"]
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, ann, default in INPUT_OPTIONS
    ]
    names = [name for name, _, _ in INPUT_OPTIONS]

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> None:
        source = Input(**{k: kwargs.pop(k) for k in names})
        fn(source=source, **kwargs)

    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + extra
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper
