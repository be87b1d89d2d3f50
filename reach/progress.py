"""A one-line progress bar on stderr, shown only on a terminal and only for large work."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Progress:
    """``enabled``: True always, False never, None when ``stream`` is a terminal and the
    work's total is at least ``minimum``."""

    enabled: bool | None
    stream: TextIO
    minimum: int = 0
    in_bytes: bool = False  # counts are bytes: shown in MiB
    _shown: bool = False
    _tty: bool | None = None
    _last: float = field(default=0.0)

    def active(self, total: int | None) -> bool:
        """Whether work of this total shows the bar (once shown, it stays on)."""
        if self.enabled is None:
            if self._tty is None:
                self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
            if not (self._tty and total is not None and total >= self.minimum):
                return False
            self.enabled = True
        return self.enabled

    def update(self, what: str, done: int, total: int | None, verb: str = "reading") -> None:
        if not self.active(total):
            return
        now = time.monotonic()
        if self._shown and now - self._last < 0.1 and total != done:
            return
        self._last = now
        if total:
            width = 30
            filled = min(width, width * done // total)
            bar = "#" * filled + "-" * (width - filled)
            amount = f"{done}/{total}"
            if self.in_bytes:
                amount = f"{done / 2**20:.1f}/{total / 2**20:.1f} MiB"
            line = f"{verb} {what:<30} [{bar}] {amount}"
        else:
            line = f"{verb} {what:<30} {done}"
        self.stream.write("\r" + line + "\033[K")
        self.stream.flush()
        self._shown = True

    def say(self, line: str) -> None:
        """Replace the bar with a line of text (only once the bar has been shown)."""
        if self._shown:
            self.stream.write("\r" + line + "\033[K")
            self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False
