"""Errors and warnings about the input, each tied to where it came from.

Every message reads ``origin field.path: what is wrong``, where origin is
``file#doc`` (document index from 1), so a user can find the line to fix; an error
whose line is known starts with it (``file:line:column: origin field.path: ...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class ReachError(Exception):
    """Base class of the errors reach reports to users (exit code 2 in the CLI)."""


def require_one_of(what: str, value: str, choices: Sequence[str]) -> None:
    """How the library refuses a bad argument: ``ValueError("WHAT must be one of A, B, not
    'x'")`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}, not {value!r}")


@dataclass(frozen=True)
class Problem:
    """One problem with the input: where it is, which field, and what is wrong;
    ``position`` is ``file:line:column`` of the field when it is known."""

    origin: str
    path: str
    message: str
    position: str = ""

    def __str__(self) -> str:
        where = f"{self.origin} {self.path}" if self.path else self.origin
        at = f"{self.position}: " if self.position else ""
        return f"{at}{where}: {self.message}"


class InvalidInput(ReachError):
    """Raised when the input holds one or more invalid documents."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FieldError(ReachError):
    """A single invalid field, raised while parsing one document."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class PartialAnswerWarning(UserWarning):
    """Raised through Python's ``warnings`` when a load makes every answer partial: reach
    read something that can change connectivity and did not evaluate it (a diagnostic
    with ``partial`` set; docs/diagnostics.md)."""


#: Severities of a diagnostic, least serious first.
SEVERITIES = ("info", "warning")


@dataclass(frozen=True)
class Diagnostic:
    """Something an answer depends on that the user should know: what reach read but did
    not evaluate, what it changed or guessed, what may make the answer differ from the
    cluster's.

    ``code`` is stable (docs/diagnostics.md lists them); ``origin`` is ``file#doc`` when
    one object is the cause; ``partial`` says that the answer leaves out something that
    can change connectivity (``--strict`` makes such a diagnostic exit 2).
    """

    code: str
    message: str
    origin: str = ""
    severity: str = "warning"
    partial: bool = False

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "origin": self.origin,
            "message": self.message,
            "partial": self.partial,
        }


@dataclass
class Diagnostics:
    """Collects errors and diagnostics while loading, so that all are reported at once."""

    errors: list[Problem] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)

    def error(self, origin: str, path: str, message: str, position: str = "") -> None:
        self.errors.append(Problem(origin, path, message, position))

    def add(
        self,
        code: str,
        message: str,
        origin: str = "",
        *,
        severity: str = "warning",
        partial: bool = False,
    ) -> None:
        """Record a diagnostic once (the same code, origin and message are kept once)."""
        d = Diagnostic(code, message, origin, severity, partial)
        if d not in self.notes:
            self.notes.append(d)

    @property
    def warnings(self) -> list[str]:
        """The text of every diagnostic of severity warning."""
        return [str(d) for d in self.notes if d.severity == "warning"]
