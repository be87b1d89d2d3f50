"""Titles of pictures (issue 23): one line naming the input and the view."""

from __future__ import annotations

from pathlib import Path

import pytest

import reach
from reach import draw
from reach.draw.titles import chars_for, fit_title, title_lines
from tests.readers import svg_texts


def test_a_long_input_is_cut_in_the_middle_and_the_view_kept() -> None:
    source = "deploy/overlays/production/eu-west-1/components/network-policies/strict"
    line = fit_title(source, "reachability by workload", 60)
    assert len(line) <= 60 and "\n" not in line
    assert line.startswith("deploy/") and line.endswith(": reachability by workload")
    assert "…" in line


def test_the_title_takes_one_line_the_note_at_most_two() -> None:
    note = "the namespace view (600 nodes and 9,000 edges) is too large as well; " * 4
    text, full = title_lines("x", "namespace × namespace reachability", "sub", note, width_in=8)
    lines = text.split("\n")
    assert lines[0] == "x: namespace × namespace reachability" and len(lines) == 4
    assert all(len(line) <= chars_for(8, 12) for line in lines)
    assert full.endswith(note)  # the whole note is the tooltip


def test_the_matrix_of_the_current_directory_is_named_by_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import SHOP

    shop = reach.load(SHOP)
    folder = tmp_path / "my-cluster"
    folder.mkdir()
    monkeypatch.chdir(folder)
    text = svg_texts(draw.figure_bytes(shop.draw(view="matrix", source="."), "svg"))
    assert "my-cluster: namespace × namespace reachability" in text
    assert ".: " not in text
