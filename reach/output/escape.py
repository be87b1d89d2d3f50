"""What text output never writes raw: characters that a terminal obeys, that reorder what
is shown, or that cannot be encoded.

Names come from the input, and the input may hold anything: ANSI escape sequences (which
move the cursor, retitle the window, hide text), bidirectional controls such as U+202E
(which show ``txt.exe`` for ``exe.txt``), lone surrogates (which UTF-8 cannot encode: the
write fails half-way). The txt formats write every C0 and C1 control character but the
line feed and the tab, DEL, the bidirectional controls, the line and paragraph separators
and lone surrogates as Python escapes (``\\x1b``, ``\\u202e``, ``\\ud800``); every other
text format (JSON escapes by itself) writes lone surrogates so, as UTF-8 cannot hold them.

The audit's colours (``--colour``) are the one escape sequence txt lets through: exactly
the SGR sequences the audit writes (bold, dim, the colours and the reset), nothing else.
"""

from __future__ import annotations

import io
import re
from typing import TextIO, cast

#: What the txt formats escape.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029"
    "\u2066-\u2069\ud800-\udfff]"
)
#: What every text format escapes.
SURROGATES = re.compile("[\ud800-\udfff]")
#: The colour sequences of the audit's txt report, let through when it is coloured.
COLOURS = re.compile(r"\x1b\[(?:[012]|1;31|3[0-7])m")


def _code(m: re.Match[str]) -> str:
    n = ord(m.group())
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def escape(text: str, pattern: re.Pattern[str] = UNSAFE, *, colour: bool = False) -> str:
    """``text`` with what ``pattern`` matches as Python escapes; with ``colour``, the
    audit's colour sequences (:data:`COLOURS`) are kept."""
    if colour:
        kept = COLOURS.split(text)
        codes = COLOURS.findall(text)
        parts = [pattern.sub(_code, kept[0])]
        for code, rest in zip(codes, kept[1:], strict=True):
            parts += [code, pattern.sub(_code, rest)]
        return "".join(parts)
    return pattern.sub(_code, text)


class Escaped(io.TextIOBase):
    """A text stream that writes to ``out`` through :func:`escape`."""

    def __init__(self, out: TextIO, pattern: re.Pattern[str], *, colour: bool = False) -> None:
        super().__init__()
        self._out = out
        self._pattern = pattern
        self._colour = colour

    def write(self, s: str) -> int:
        self._out.write(escape(s, self._pattern, colour=self._colour))
        return len(s)

    def flush(self) -> None:
        self._out.flush()

    def writable(self) -> bool:
        return True


def escaped(out: TextIO, *, txt: bool, colour: bool = False) -> TextIO:
    """``out`` behind :class:`Escaped`: all of :data:`UNSAFE` for a txt format (``txt``),
    lone surrogates only for the others."""
    return cast(TextIO, Escaped(out, UNSAFE if txt else SURROGATES, colour=colour))
