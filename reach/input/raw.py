"""Where raw Kubernetes objects come from: files, stdin, a live cluster.

Each source yields :class:`RawObject` items, dicts as written in a manifest plus
their origin, and records unreadable input in a :class:`~reach.errors.Diagnostics`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reach.errors import Diagnostics


@dataclass(frozen=True, slots=True)
class RawObject:
    """One Kubernetes object and where it came from.

    ``origin`` is ``file#doc`` (documents counted from 1); ``path`` is the field
    path prefix inside that document, such as ``items[3]`` for a List item.
    """

    obj: Mapping[str, Any]
    origin: str
    path: str = ""


class Source(Protocol):
    """Anything that yields raw objects."""

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]: ...
