"""JSON text as the API server decodes it, within reach's limits (:mod:`reach.input.limits`).

Python's decoder accepts what JSON does not (``NaN``, ``Infinity``, ``-Infinity``) and
turns numbers too large for a float into ``inf``; Go's decoder refuses them all, and so
does this one. An integer of more than :data:`~reach.input.limits.MAX_DIGITS` digits and
nesting deeper than Python's stack allows are refused by name instead of crashing.
"""

from __future__ import annotations

import json
import math
from typing import Any

from reach.input.limits import LimitError, nesting_room, too_deep, too_many_digits


class MalformedJSON(Exception):
    """The text is not JSON reach reads; ``line`` is 1-based when known."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def loads(text: str) -> Any:
    """The value of a JSON text; MalformedJSON for anything the API server would refuse."""
    try:
        with nesting_room():
            return json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as e:
        raise MalformedJSON(e.lineno, f"{e.msg} (column {e.colno})") from None
    except RecursionError:
        raise MalformedJSON(None, too_deep()) from None
    except LimitError as e:
        raise MalformedJSON(None, str(e)) from None
    except ValueError:  # int() past sys.get_int_max_str_digits()
        raise MalformedJSON(None, too_many_digits()) from None


def _constant(name: str) -> Any:
    raise LimitError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise LimitError(f"{text[:40]} is too large for a JSON number (a 64-bit float)")
    return value
