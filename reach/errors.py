"""Errors and warnings about the input, each tied to where it came from.

Every message reads ``origin field.path: what is wrong``, where origin is
``file#doc`` (document index from 1), so a user can find the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReachError(Exception):
    """Base class of the errors reach reports to users (exit code 2 in the CLI)."""


@dataclass(frozen=True)
class Problem:
    """One problem with the input: where it is, which field, and what is wrong."""

    origin: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.origin} {self.path}" if self.path else self.origin
        return f"{where}: {self.message}"


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


@dataclass
class Diagnostics:
    """Collects errors and warnings while loading, so that all are reported at once."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, origin: str, path: str, message: str) -> None:
        self.errors.append(Problem(origin, path, message))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
