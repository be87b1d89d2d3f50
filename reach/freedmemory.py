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
giving memory back between updates. It holds for the whole process (a notebook or a
service that embeds reach too) and for good; ``REACH_KEEP_FREED_MEMORY=0`` in the
environment leaves glibc as it is. Elsewhere than glibc nothing is changed (an allocator
put in by ``LD_PRELOAD`` takes no notice of glibc's settings either).
"""

from __future__ import annotations

import ctypes
import os
import platform

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
#: The largest trim threshold glibc takes (an int).
NEVER = 2**31 - 1
#: The environment variable that, set to ``0``, leaves glibc's settings as they are.
OPT_OUT = "REACH_KEEP_FREED_MEMORY"

_kept: bool | None = None  # None: not tried yet


def keep_freed_memory() -> bool:
    """Have glibc keep freed memory in the process from now on (tried once; later calls
    give the first answer); whether it is kept (False where the C library is not glibc,
    or with ``REACH_KEEP_FREED_MEMORY=0``)."""
    global _kept
    if _kept is None:
        _kept = _tried()
    return _kept


def _tried() -> bool:
    if os.environ.get(OPT_OUT, "1").strip() == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, NEVER))
