"""Shared fixtures: where ../shared lives, and running the CLI in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REACH_SHARED", ROOT.parent / "shared"))
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "conformance").is_dir():
        pytest.skip(f"no conformance corpus at {SHARED} (set REACH_SHARED)")
    return SHARED
