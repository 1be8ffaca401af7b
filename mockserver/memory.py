"""Memory handed back to the system once a burst of allocations is over.

glibc's allocator keeps the heap memory a program frees, for reuse: after a large request body,
or a reset after a load test, the resident size would stay at its peak for good. On other C
libraries this does nothing (theirs return memory by themselves, or not at all).
"""

from __future__ import annotations

import ctypes
from typing import Any

try:
    _LIBC: Any = ctypes.CDLL("libc.so.6")
except OSError:
    _LIBC = None


def give_back_memory() -> None:
    """Return the free pages of the C heap to the system (``malloc_trim``)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
