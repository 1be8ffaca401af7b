"""The ``leadmock`` command's entry point: ``serve`` chooses its allocator before anything else
is imported (``mockserver.memory``), then ``mockserver.cli`` runs the command."""

from __future__ import annotations

import sys

from mockserver.memory import start_on_jemalloc


def main() -> int:
    """Run ``leadmock`` with the process's arguments; ``serve`` on jemalloc when it can."""
    argv = sys.argv[1:]
    if next((a for a in argv if not a.startswith("-")), None) == "serve":
        start_on_jemalloc()
    from mockserver.cli import main as run_command

    return run_command(argv)
