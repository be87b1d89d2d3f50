"""The dict form of a result (``to_dict()``) as indented JSON; a list as a JSON array."""

from __future__ import annotations

import json
from typing import TextIO

from reach.output.results.protocol import Results


def render(result: Results, out: TextIO) -> None:
    data = [r.to_dict() for r in result] if isinstance(result, list) else result.to_dict()
    out.write(json.dumps(data, indent=1) + "\n")
