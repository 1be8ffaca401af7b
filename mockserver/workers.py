"""``leadmock serve --workers N``: N processes answering one port, over one shared store.

The parent builds and seeds the mock once, then forks the workers, which start from its copy
(no second seeding, no second parse of the specs). Each worker listens on the port itself
(``SO_REUSEPORT``), so the kernel spreads connections over them. The state is in the shared
store, never in a worker: the parent restarts a worker that dies, and on SIGINT or SIGTERM
stops them all, each finishing the requests it has.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

RESTARTS = 5
"""Worker restarts allowed within ``RESTART_WINDOW`` seconds before the parent gives up."""
RESTART_WINDOW = 60.0


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that other workers may listen on too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listening.bind((host, port))
    listening.listen(2048)
    return listening


def run_workers(count: int, host: str, port: int, serve_one: Callable[[socket.socket], Any]) -> int:
    """Fork ``count`` workers that each run ``serve_one`` on a socket of their own; return when
    they have stopped (0), or 1 when workers keep dying."""
    children: dict[int, int] = {}
    restarts: list[float] = []
    stopping = False

    def start(number: int) -> None:
        # The socket is made before the fork: a port taken since is the parent's error to say.
        listening = reuse_port_socket(host, port)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for stop in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(stop, signal.SIG_DFL)
                serve_one(listening)
                code = 0
            finally:
                sys.stdout.flush()
                os._exit(code)
        listening.close()
        children[pid] = number

    def stop_all(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for number in range(count):
        start(number)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, stop_all)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        number = children.pop(pid, None)
        if number is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
        if len(restarts) > RESTARTS:
            print(f"leadmock serve: workers keep exiting (worker {number}: {code}); stopping",
                  file=sys.stderr)  # fmt: skip
            stop_all()
            for pid in list(children):
                os.waitpid(pid, 0)
            return 1
        print(f"leadmock serve: worker {number} exited ({code}); starting another",
              file=sys.stderr)  # fmt: skip
        start(number)
    return 0
