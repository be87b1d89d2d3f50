"""What a result object offers: ``str()`` (its text form) and ``to_dict()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Result(Protocol):
    """A result object: ``str()`` is its text form, ``to_dict()`` its JSON-able form."""

    def to_dict(self) -> Mapping[str, object]: ...


#: One result, or a list of them (the explanations of a pair).
Results = Result | list[Result]
