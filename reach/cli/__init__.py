"""The ``reach`` command line: a thin shell over the library, one module per command group.

Exit codes: 0 ok, 1 findings or not reachable, 2 usage or input error.
"""

from __future__ import annotations

import sys

import typer

from reach.cli import audit, export, listing, queries, snapshot  # noqa: F401 - registers the commands
from reach.cli.common import app
from reach.errors import ReachError

__all__ = ["app", "main"]


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
