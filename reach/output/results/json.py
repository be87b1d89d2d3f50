"""The dict form of a result (``to_dict()``) as indented JSON, with the ``warnings`` and
``diagnostics`` keys; a list (the explanations of a pair) as ``{"explanations": [...]}``."""

from __future__ import annotations

import json
from typing import TextIO

from reach.output.diagnostics import Diags, as_json
from reach.output.results.protocol import Results


def render(result: Results, out: TextIO, diagnostics: Diags = ()) -> None:
    if isinstance(result, list):
        data: dict[str, object] = {"explanations": [r.to_dict() for r in result]}
    else:
        data = dict(result.to_dict())
    data.update(as_json(diagnostics))
    out.write(json.dumps(data, indent=1) + "\n")
