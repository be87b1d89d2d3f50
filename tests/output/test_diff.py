"""The formats of a diff: JSON, CSV and Markdown, as text or UTF-8 bytes."""

from __future__ import annotations

import csv
import io
import json

import pytest

import reach
from reach.api import diff
from reach.output import DiffFormat, render, to_text
from tests.helpers import SHOP, TYPO


def test_formats() -> None:
    d = diff(reach.load(SHOP), reach.load(TYPO), old_label="shop", new_label="typo")
    doc = json.loads(to_text(d, "json"))
    assert doc["schema"] == "reach/diff/v1" and doc["granularity"] == "workload"
    assert doc["counts"]["removed_connections"] == 1
    assert doc["connections"][0]["old_ports"] == {"TCP": [[5432, 5432]]}
    rows = list(csv.DictReader(io.StringIO(to_text(d, "csv"))))
    assert rows == [
        {
            "change": "removed",
            "src": "app/orders[Deployment]",
            "dst": "db/postgres[StatefulSet]",
            "old": "TCP 5432",
            "new": "",
            "added": "",
            "removed": "TCP 5432",
        }
    ]
    md = to_text(d, "md")
    assert md.startswith("## reach diff: `shop` → `typo` (by workload)")
    assert "| ➖ | app/orders[Deployment] | db/postgres[StatefulSet] | TCP 5432 |  |" in md
    with pytest.raises(ValueError):
        to_text(d, "xml")


def test_render_writes_text_or_utf8_bytes() -> None:
    d = diff(reach.load(SHOP), reach.load(TYPO), old_label="shop", new_label="typo")
    text, data = io.StringIO(), io.BytesIO()
    render(d, DiffFormat.MD, text)
    render(d, "md", data)
    assert data.getvalue().decode("utf-8") == text.getvalue() == to_text(d, "md")
