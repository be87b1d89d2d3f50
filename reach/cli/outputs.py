"""Where a command writes: a file or stdout, as text or bytes; results and pictures."""

from __future__ import annotations

import contextlib
import os
import shutil
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
    """The file ``path`` (UTF-8 for text), or stdout when ``path`` is None.

    A regular file is written whole or not at all: into a new file beside it, which
    replaces ``path`` when the block ends without an error and is removed when it raises
    (``path`` is then as it was). Anything else (``/dev/stdout``, a pipe) is written in
    place. A file that cannot be written is an error (exit 2); stdout is flushed.
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
    if path.exists() and not path.is_file():
        with _open(path, binary) as f:
            yield f
        return
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with _open(part, binary, named=path) as f:
            yield f
        if path.is_file():
            shutil.copymode(path, part)
        os.replace(part, path)
    except OSError as e:
        raise fail(f"cannot write {path}: {e.strerror}") from None
    finally:
        part.unlink(missing_ok=True)


def _open(path: Path, binary: bool, *, named: Path | None = None) -> IO[Any]:
    """``path`` opened for writing, or exit 2; a new file (created with the umask's mode)
    that stands for the file ``named``, when that is given."""
    try:
        if named is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            return os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")
        return path.open("wb") if binary else path.open("w", encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {named or path}: {e.strerror}") from None


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

    with opened(path, binary=True) as out:
        save(fig, out, picture_format(path))
