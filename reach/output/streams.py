"""The stream a format writes to: text, or binary, whichever the caller gave."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import BinaryIO, TextIO, cast

#: A stream to write to: text, or binary (text formats write UTF-8 to it).
Stream = TextIO | BinaryIO


def is_binary(out: Stream) -> bool:
    return isinstance(out, io.BufferedIOBase | io.RawIOBase)


@contextlib.contextmanager
def text_stream(out: Stream) -> Iterator[TextIO]:
    """``out`` when it takes text; else UTF-8 text with ``\\n`` line ends over it (left open)."""
    if not is_binary(out):
        yield cast(TextIO, out)
        return
    wrapper = io.TextIOWrapper(cast(BinaryIO, out), encoding="utf-8", newline="\n")
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


@contextlib.contextmanager
def binary_stream(out: Stream) -> Iterator[BinaryIO]:
    """``out`` when it takes bytes; else the binary buffer under the text stream ``out``."""
    if is_binary(out):
        yield cast(BinaryIO, out)
        return
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        raise TypeError("this format writes bytes: give a binary stream")
    out.flush()
    yield buffer
    buffer.flush()
