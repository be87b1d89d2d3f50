"""What many tests share: where the repository, its examples and ../shared are, and running
the command line in-process."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from reach.cli import app

ROOT = Path(__file__).resolve().parents[1]
#: The conformance corpus, specs and benchmark generator: $REACH_SHARED, else ../shared.
SHARED = Path(os.environ.get("REACH_SHARED", ROOT.parent / "shared"))
EXAMPLES = ROOT / "examples"
SHOP = str(EXAMPLES / "shop")
TYPO = str(EXAMPLES / "shop-typo")
SHOP_EXPECT = str(EXAMPLES / "expectations" / "shop.yaml")

_RUNNER = CliRunner()


def run(argv: list[str], *, stdin: bytes | None = None) -> tuple[int, str, str]:
    """``reach argv`` run in-process as the console script runs it: (exit code, stdout,
    stderr), with ``stdin`` as its standard input.  An exception the command does not handle
    is raised here, where the console script would print a traceback."""
    result = _RUNNER.invoke(app, argv, input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout_bytes.decode(), result.stderr_bytes.decode()
