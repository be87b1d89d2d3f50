"""The ``reach`` command line: a thin shell over the library, one module per command group.

Exit codes: 0 ok, 1 findings or not reachable, 2 usage or input error.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from typer.core import TyperGroup

from reach.cli import (  # noqa: F401 - registers the commands
    audit,
    export,
    flows,
    generate,
    listing,
    queries,
    snapshot,
    watch,
)
from reach.cli.common import app, say
from reach.errors import PartialAnswerWarning, ReachError

__all__ = ["app", "main"]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Bad input is ``reach: error: ...`` on stderr and exit 2, never a traceback; a reader
    that went away (``reach list | head``) ends the run quietly with exit 0."""
    try:
        yield
    except ReachError as e:
        say(f"reach: error: {e}")
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


class ReachGroup(TyperGroup):
    """The app's click group: runs inside :func:`reported_errors`, so the console script,
    ``python -m reach`` and a ``typer.testing.CliRunner`` report errors alike."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with reported_errors(), warnings.catch_warnings():
            # the commands print the diagnostics themselves, and every output carries them
            warnings.simplefilter("ignore", PartialAnswerWarning)
            return super().main(*args, **kwargs)


app.info.cls = ReachGroup


def main() -> None:
    """Console entry point: run the app on ``sys.argv``."""
    app()
