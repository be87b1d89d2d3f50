"""Where a command writes: a file or stdout, as text or bytes; results and pictures."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, TextIO, overload

from reach.cli.common import fail
from reach.output import render

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from matplotlib.figure import Figure


@overload
def opened(
    path: Path | None, *, binary: Literal[False] = ...
) -> AbstractContextManager[TextIO]: ...
@overload
def opened(path: Path | None, *, binary: Literal[True]) -> AbstractContextManager[BinaryIO]: ...
def opened(path: Path | None, *, binary: bool = False) -> AbstractContextManager[IO[Any]]:
    """The file ``path`` (created here; UTF-8 for text), or stdout when ``path`` is None.

    A file that cannot be created is an error (exit 2); a file is closed at the end,
    and binary stdout flushed.
    """
    return _opened(path, binary=binary)


@contextlib.contextmanager
def _opened(path: Path | None, *, binary: bool) -> Iterator[IO[Any]]:
    if path is None:
        if not binary:
            yield sys.stdout
            return
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        f = path.open("wb") if binary else path.open("w", encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {path}: {e.strerror}") from None
    with f:
        yield f


def show(result: object, fmt: str) -> None:
    """Print a result on stdout in ``fmt`` (see :func:`reach.output.render`), flushed."""
    render(result, fmt, sys.stdout)
    sys.stdout.flush()


def picture_format(path: Path) -> str:
    """``svg`` for a ``.svg`` file, else ``png``."""
    return "svg" if path.suffix.lower() == ".svg" else "png"


def picture(path: Path, fig: Figure) -> None:
    """Write a picture to ``path``: SVG for an .svg name, else PNG."""
    from reach.draw import save  # matplotlib loads only for pictures

    try:
        save(fig, path, picture_format(path))
    except OSError as e:
        raise fail(f"cannot write {path}: {e.strerror}") from None
