"""The allocator a server runs on, and memory handed back once a burst of allocations is over.

CPython's own allocator (pymalloc) gives memory back a whole 1 MiB arena at a time, and an arena
goes back only when every object in it is gone. After a load test, the documents its creates
made are freed by a reset, but the few objects allocated among them that live on (a cache
entry, the reset's own work) keep nearly every arena: ``leadmock serve`` stayed 60 MB above its
start for good. On jemalloc (``PYTHONMALLOC=malloc``) a freed object's page can go back alone.

The allocator is chosen when the interpreter starts, so ``leadmock serve`` starts itself again
on jemalloc (``exec``, the same process) when the system has it: ``libjemalloc2`` on Debian and
Ubuntu. ``LEADMOCK_ALLOCATOR=python`` keeps CPython's allocator.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from typing import Any

ALLOCATOR_VARIABLE = "LEADMOCK_ALLOCATOR"
"""Unset or ``auto``: jemalloc when found; ``python``: CPython's own. Set to ``jemalloc`` by
the start that chose it, so the process it becomes does not choose again."""
ALLOCATOR_CHOICES = ("auto", "jemalloc", "python")

_JEMALLOC_NAME = "libjemalloc.so.2"
# jemalloc's name for every arena at once (MALLCTL_ARENAS_ALL).
_PURGE_ALL_ARENAS = b"arena.4096.purge"


def _functions() -> tuple[Any, Any]:
    """jemalloc's ``mallctl`` when it is this process's allocator; glibc's ``malloc_trim``."""
    try:
        process = ctypes.CDLL(None)
    except OSError:
        return None, None
    mallctl = getattr(process, "mallctl", None)
    malloc_trim = getattr(process, "malloc_trim", None)
    return mallctl, malloc_trim


_MALLCTL, _MALLOC_TRIM = _functions()


def allocator_name() -> str:
    """The allocator Python's objects come from, as the banner says it: ``jemalloc``,
    ``malloc`` (another C allocator) or ``pymalloc`` (CPython's own)."""
    if os.environ.get("PYTHONMALLOC") != "malloc":
        return "pymalloc"
    return "jemalloc" if _MALLCTL is not None else "malloc"


def give_back_memory() -> None:
    """Return the free pages of the C heap to the system: jemalloc purges every arena, glibc
    trims its heap (``malloc_trim``). Elsewhere nothing (other C libraries return memory by
    themselves, or not at all)."""
    if _MALLCTL is not None:
        _MALLCTL(_PURGE_ALL_ARENAS, None, None, None, ctypes.c_size_t(0))
    elif _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def find_jemalloc() -> str | None:
    """The path of the system's jemalloc, or None."""
    multiarch = getattr(sys.implementation, "_multiarch", "")
    folders = [f"/usr/lib/{multiarch}", "/usr/lib64", "/usr/lib", "/usr/local/lib"]
    # os.path, not pathlib: this runs before the server is imported, and pathlib is slow to load.
    for folder in folders:
        candidate = os.path.join(folder, _JEMALLOC_NAME)
        if os.path.isfile(candidate):
            return candidate
    return None


def jemalloc_environment(environ: Mapping[str, str], jemalloc: str | None) -> dict[str, str] | None:
    """The environment to start this program again in, on jemalloc; None to go on as it is
    (no jemalloc, not Linux, an allocator already chosen, or ``PYTHONMALLOC`` set by the user)."""
    choice = environ.get(ALLOCATOR_VARIABLE, "auto")
    if jemalloc is None or not sys.platform.startswith("linux") or choice != "auto":
        return None
    if "PYTHONMALLOC" in environ or "jemalloc" in environ.get("LD_PRELOAD", ""):
        return None
    preload = " ".join(filter(None, (jemalloc, environ.get("LD_PRELOAD"))))
    return {
        **environ,
        "LD_PRELOAD": preload,
        "PYTHONMALLOC": "malloc",
        ALLOCATOR_VARIABLE: "jemalloc",
    }


def start_on_jemalloc() -> None:
    """Become this same command on jemalloc (``exec``: the pid stays), when it should;
    otherwise return."""
    choice = os.environ.get(ALLOCATOR_VARIABLE, "auto")
    if choice not in ALLOCATOR_CHOICES:
        print(
            f"leadmock serve: {ALLOCATOR_VARIABLE}={choice!r} is not one of "
            f"{', '.join(ALLOCATOR_CHOICES)}; CPython's allocator serves",
            file=sys.stderr,
        )
        return
    environment = jemalloc_environment(os.environ, find_jemalloc())
    if environment is None:
        return
    # Unflushed output would be lost with this process image.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, sys.orig_argv, environment)
    except OSError:
        # Unable to start again (a vanished interpreter, a sandbox): this allocator serves.
        return
