"""The process keeps the memory it frees once an update ran (:mod:`reach.freedmemory`)."""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
from unittest import mock

import pytest

import reach
import reach.freedmemory as freed

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

#: How many allocations glibc gave their own mmap (mallinfo2) around one of 64 MB, with
#: the memory kept or not, in a fresh process.
_COUNT = """
import ctypes, sys
import numpy as np
from reach.freedmemory import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "kept":
    assert keep_freed_memory()
before = libc.mallinfo2().hblks
rows = np.ones(64 * 2**20, dtype=np.uint8)
mapped = libc.mallinfo2().hblks - before
del rows
print(mapped, libc.mallinfo2().arena >= 64 * 2**20)
"""
#: glibc 2.33 and later tell the counts (mallinfo2).
COUNTS = GLIBC and hasattr(ctypes.CDLL(None), "mallinfo2")


@pytest.mark.skipif(not COUNTS, reason="glibc 2.33 or later only (mallinfo2)")
def test_kept_memory_serves_a_large_array_from_the_heap() -> None:
    """Without it glibc maps a 64 MB array apart (and unmaps it when freed); with it the
    array comes from the heap, which keeps it once freed (never trimmed)."""
    counts = {
        way: subprocess.run(
            [sys.executable, "-c", _COUNT, way], check=True, capture_output=True, text=True
        ).stdout.split()
        for way in ("plain", "kept")
    }
    assert counts == {"plain": ["1", "False"], "kept": ["0", "True"]}


def test_the_environment_may_leave_glibc_as_it_is() -> None:
    with (
        mock.patch.object(freed, "_kept", None),
        mock.patch.dict(os.environ, {freed.OPT_OUT: "0"}),
        mock.patch.object(freed.ctypes, "CDLL", side_effect=AssertionError("called")),
    ):
        assert freed.keep_freed_memory() is False
        assert freed.keep_freed_memory() is False  # tried once


def test_nothing_is_changed_where_the_c_library_is_not_glibc() -> None:
    with (
        mock.patch.object(freed, "_kept", None),
        mock.patch.object(platform, "libc_ver", return_value=("musl", "")),
        mock.patch.object(freed.ctypes, "CDLL", side_effect=AssertionError("called")),
    ):
        assert freed.keep_freed_memory() is False


def test_an_update_keeps_the_memory_freed() -> None:
    r = reach.from_objects([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}])
    with mock.patch("reach.api.quickupdate.keep_freed_memory") as keep:
        r.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}})
    keep.assert_called_once_with()
