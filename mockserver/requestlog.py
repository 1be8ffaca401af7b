"""The request log of ``leadmock serve``: one line a request, as Prism prints one.

Text for people (coloured on a terminal) or one JSON object a line for machines. It listens to
the journal (``Journal.subscribe``), so a line names the operation and the API as the journal
does and says why the spec refused a request; admin requests, told to the listeners but never
kept, are logged as the API ``admin``.

Lines are formatted and written by a thread of their own every ``interval`` seconds: an answer
pays a list append, a stream nobody reads (a full pipe) or a slow terminal never holds one up,
and past ``backlog`` lines waiting a line is dropped, the next write saying how many were. To a
file descriptor the thread writes only what it can without blocking (``select``, then at most
``PIPE_BUF`` bytes), so it never hangs either, and neither does a shutdown waiting for it.
"""

from __future__ import annotations

import fcntl
import os
import select
import stat
import struct
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from mockserver.journal import Entry

MAX_SHOWN = 300
"""Characters of a path or a refusal a line shows at most: a line stays a line."""

_STATUS_COLOURS = {2: "32", 3: "36", 4: "33", 5: "31"}  # green, cyan, yellow, red


class RequestLog:
    """A journal listener writing one line an entry to ``stream``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        json_lines: bool = False,
        colour: bool = False,
        backlog: int = 10_000,
        interval: float = 0.05,
        patience: float = 0.5,
    ) -> None:
        self.stream = stream
        self.format: Callable[[Entry], str] = (
            json_line if json_lines else (coloured_line if colour else text_line)
        )
        self.backlog = backlog
        self.interval = interval
        self.patience = patience
        self._last_line: str | None = None
        self._waiting: deque[Entry] = deque()
        self._dropped = 0
        self._closing = threading.Event()
        self._broken = False
        self._fd = _descriptor(stream)
        self._thread = threading.Thread(target=self._run, name="leadmock-request-log", daemon=True)
        self._thread.start()

    def __call__(self, entry: Entry) -> None:
        # On the event loop; the writer thread only takes from the other end of the deque.
        if len(self._waiting) < self.backlog:
            self._waiting.append(entry)
        else:
            self._dropped += 1

    def close(self, last_line: str | None = None, timeout: float = 2.0) -> None:
        """Write what waits, then ``last_line``, for at most ``timeout`` seconds; then stop."""
        self._last_line = last_line
        self._closing.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._closing.wait(self.interval):
            self._write()
        self._write(self._last_line)

    def _write(self, last_line: str | None = None) -> None:
        batch = []
        while self._waiting:
            batch.append(self.format(self._waiting.popleft()))
        dropped, self._dropped = self._dropped, 0
        if dropped:
            batch.insert(0, f"... {dropped} request log lines dropped: the log was not read")
        if last_line is not None:
            batch.append(last_line)
        if self._broken or not batch:
            return
        text = "\n".join(batch) + "\n"
        try:
            if self._fd is None:
                self.stream.write(text)
                self.stream.flush()
            else:
                self._dropped += _write_what_fits(self._fd, text.encode(), self.patience)
        except (OSError, ValueError):
            # The reader went away (``| head``): stop writing, keep serving.
            self._broken = True


def _descriptor(stream: TextIO) -> int | None:
    """The stream's file descriptor, its buffer flushed, when it has one ``select`` can poll."""
    try:
        fd = stream.fileno()
        stream.flush()
        select.select([], [fd], [], 0)
    except (AttributeError, OSError, ValueError):
        return None
    return fd


def _write_what_fits(fd: int, data: bytes, patience: float) -> int:
    """Write ``data`` in pieces the descriptor takes at once, waiting at most ``patience``
    seconds for room each time; the number of lines left unwritten."""
    view = memoryview(data)
    while view:
        _, ready, _ = select.select([], [fd], [], patience)
        if not ready:
            return bytes(view).count(b"\n")
        view = view[os.write(fd, view[: _room(fd)]) :]
    return 0


_F_GETPIPE_SZ = 1032
"""Linux's fcntl for a pipe's capacity."""


def _room(fd: int) -> int:
    """Bytes one write may hand the descriptor without blocking once ``select`` found it
    writable: a whole batch for a file or ``/dev/null``, what is free in a pipe, else
    ``PIPE_BUF``. Every write is one more time the writer thread takes the interpreter back
    from the server's: a batch is written in as few as the descriptor allows."""
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode) or (stat.S_ISCHR(mode) and not os.isatty(fd)):
        return _ONE_WRITE
    if stat.S_ISFIFO(mode):
        try:
            capacity = fcntl.fcntl(fd, _F_GETPIPE_SZ)
            queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
        except OSError:
            return select.PIPE_BUF
        return max(select.PIPE_BUF, capacity - queued)
    return select.PIPE_BUF


_ONE_WRITE = 1024 * 1024


def json_line(entry: Entry) -> str:
    """One JSON object; the time in ISO 8601, UTC."""
    at = datetime.fromtimestamp(entry.at, UTC).isoformat(timespec="milliseconds")
    return orjson.dumps(
        {
            "time": at.replace("+00:00", "Z"),
            "method": entry.method,
            "path": entry.path,
            "query": entry.query,
            "status": entry.status,
            "operation": entry.operation,
            "api": entry.api,
            "elapsed_ms": round(entry.elapsed_ms, 2),
            "refusal": entry.refusal,
            **({"static": True} if entry.static else {}),
            **(
                {
                    "response_problems": list(entry.response_problems or ()),
                    "upstream_error": entry.upstream_error,
                }
                if entry.response_problems is not None or entry.upstream_error
                else {}
            ),
        }
    ).decode()


def _proxied(entry: Entry) -> dict[str, Any]:
    """A proxy's verdict on the answer, for an entry that has one."""
    if entry.response_problems is None and not entry.upstream_error:
        return {}
    problems = list(entry.response_problems or ())
    return {"response_problems": problems, "upstream_error": entry.upstream_error}


def text_line(entry: Entry, paint: Callable[[str, str], str] | None = None) -> str:
    """``13:40:01 GET /public/v1/leads 200 overloop list_leads 1.3 ms``, and the refusal."""
    paint = paint or _plain
    target = f"{entry.path}?{entry.query}" if entry.query else entry.path
    status = entry.status
    line = (
        f"{paint('2', _clock(entry.at))} {_shown(entry.method)} {_shown(target)} "
        f"{paint(_STATUS_COLOURS.get(status // 100, '0'), str(status))} "
        f"{entry.api or '-'} {entry.operation or '-'} {entry.elapsed_ms:.1f} ms"
    )
    if entry.static:
        line += " " + paint("2", "static")
    if entry.refusal:
        line += " " + paint("31", f"invalid: {_shown(entry.refusal)}")
    if entry.upstream_error:
        line += " " + paint("31", f"upstream: {_shown(entry.upstream_error)}")
    if entry.response_problems:
        line += " " + paint("31", f"answer invalid: {_shown('; '.join(entry.response_problems))}")
    return line


def coloured_line(entry: Entry) -> str:
    """``text_line`` with ANSI colours: the status by its class, a refusal in red."""
    return text_line(entry, lambda code, text: f"\x1b[{code}m{text}\x1b[0m")


def _plain(_: str, text: str) -> str:
    return text


_clock_cache: list[Any] = [None, ""]


def _clock(at: float) -> str:
    """The local time of day, worked out once a second (a busy log asks thousands of times)."""
    second = int(at)
    if _clock_cache[0] != second:
        _clock_cache[:] = [second, time.strftime("%H:%M:%S", time.localtime(second))]
    return _clock_cache[1]


def _shown(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` with every unprintable character escaped: a path may hold a
    decoded newline or escape sequence, and the log must not carry it to the terminal."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
