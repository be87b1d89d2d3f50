"""Keep the memory the process frees, for the next update to write into.

An update (``Reach.apply``, ``reach watch``) writes rows of classes anew: at 100k pods,
arrays of hundreds of megabytes, while the arrays of the state before are freed. glibc
gives an allocation that large its own ``mmap`` and returns it to the kernel when it is
freed, so every update writes into pages the kernel must hand out and zero again; on a
virtual machine that reports free pages to its host (a balloon), pages freed a few
seconds earlier are the host's again, and writing 400 MB into them took 0.8-1.0 s here
instead of 0.03 s into memory already held (``bench/bench_freed.py``). So the first
update asks glibc (``mallopt``) to serve every allocation from its heap and never to
trim it: freed memory stays with the process, which keeps its peak size rather than
giving memory back between updates. Elsewhere than glibc nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
#: The largest trim threshold glibc takes (an int).
NEVER = 2**31 - 1

_kept = False


def keep_freed_memory() -> bool:
    """Have glibc keep freed memory in the process from now on (once; later calls do
    nothing); whether it is kept (False where the C library is not glibc)."""
    global _kept
    if _kept:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _kept = bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, NEVER))
    return _kept
