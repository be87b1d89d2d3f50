"""Shared fixtures: the shop example, loaded once per test module."""

from __future__ import annotations

import pytest

import reach
from tests.helpers import SHOP


@pytest.fixture(scope="module")
def shop() -> reach.Reach:
    """The shop example (``tests/input/test_live.py`` has a ``shop`` of its own: its objects)."""
    return reach.load(SHOP)
