"""Pictures drawn by Graphviz's ``dot`` program from the DOT of an export graph."""

from __future__ import annotations

import io
import shutil
import subprocess

import networkx as nx

from reach.errors import ReachError, require_one_of
from reach.output.graph import dot

#: What ``dot -T`` is asked for.
PICTURE_FORMATS = ("png", "svg")


def available() -> bool:
    """Whether the ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def picture(g: nx.DiGraph, fmt: str = "png") -> bytes:
    """``g`` drawn by ``dot -T<fmt>`` (PNG or SVG bytes); ReachError when ``dot`` fails."""
    require_one_of("format", fmt, PICTURE_FORMATS)
    text = io.StringIO()
    dot.render(g, text)
    try:
        done = subprocess.run(
            ["dot", f"-T{fmt}"], input=text.getvalue().encode(), capture_output=True, check=True
        )
    except FileNotFoundError:
        raise ReachError("Graphviz's 'dot' program is not on the PATH") from None
    except subprocess.CalledProcessError as e:
        raise ReachError(f"dot failed: {e.stderr.decode(errors='replace').strip()}") from None
    return done.stdout
