"""The request log of ``leadmock serve``: one line a request, as Prism prints one.

Text for people (coloured on a terminal) or one JSON object a line for machines. It reads the
entry the journal recorded (``ENTRY_KEY``), so a line names the operation and the API as the
journal does, and says why the spec refused a request. Admin requests, never journalled, are
logged too, as the API ``admin``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from mockserver.journal import ENTRY_KEY

MAX_SHOWN = 300
"""Characters of a path or a refusal a line shows at most: a line stays a line."""

_STATUS_COLOURS = {2: "32", 3: "36", 4: "33", 5: "31"}  # green, cyan, yellow, red


class RequestLog:
    """ASGI middleware, outermost, that writes one line for each HTTP request once answered."""

    def __init__(
        self,
        app: Any,
        write: Callable[[str], None],
        *,
        json_lines: bool = False,
        colour: bool = False,
    ) -> None:
        self.app = app
        self.write = write
        self.format = json_line if json_lines else (coloured_line if colour else text_line)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def noting_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.write(self.format(logged(scope, status[0], elapsed_ms)))


class LineWriter:
    """Lines written to ``stream`` by a thread of their own, so that a stream nobody reads (a
    full pipe) or a slow terminal never holds up an answer: past ``backlog`` lines waiting, a
    line is dropped, and the next line written says how many were."""

    def __init__(self, stream: TextIO, *, backlog: int = 10_000) -> None:
        self.stream = stream
        self._lines: queue.Queue[str | None] = queue.Queue(backlog)
        self._dropped = 0
        self._counting = threading.Lock()
        self._broken = False
        self._thread = threading.Thread(target=self._run, name="leadmock-request-log", daemon=True)
        self._thread.start()

    def __call__(self, line: str) -> None:
        try:
            self._lines.put_nowait(line)
        except queue.Full:
            with self._counting:
                self._dropped += 1

    def close(self, timeout: float = 2.0) -> None:
        """Write what waits (for at most ``timeout`` seconds), then stop."""
        try:
            self._lines.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        done = False
        while not done:
            line = self._lines.get()
            done = line is None
            batch = [] if line is None else [line]
            while not done and len(batch) < 1000:
                try:
                    following = self._lines.get_nowait()
                except queue.Empty:
                    break
                done = following is None
                if following is not None:
                    batch.append(following)
            self._write(batch)

    def _write(self, batch: list[str]) -> None:
        with self._counting:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            batch.insert(0, f"... {dropped} request log lines dropped: the log was not read")
        if self._broken or not batch:
            return
        try:
            self.stream.write("\n".join(batch) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            # The reader went away (``| head``): stop writing, keep serving.
            self._broken = True


def logged(scope: Any, status: int, elapsed_ms: float) -> dict[str, Any]:
    """What a line says about one answered request."""
    entry = scope.get("extensions", {}).get(ENTRY_KEY)
    query = scope.get("query_string", b"").decode("latin-1")
    return {
        "time": time.time(),
        "method": scope["method"],
        "path": scope["path"],
        "query": query,
        "status": status,
        "operation": entry.operation if entry else None,
        "api": entry.api if entry else "admin",
        "elapsed_ms": round(elapsed_ms, 2),
        "refusal": entry.refusal if entry else None,
    }


def json_line(fields: dict[str, Any]) -> str:
    """One JSON object; the time in ISO 8601, UTC."""
    at = datetime.fromtimestamp(fields["time"], UTC)
    fields = {**fields, "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    return orjson.dumps(fields).decode()


def text_line(fields: dict[str, Any], paint: Callable[[str, str], str] | None = None) -> str:
    """``13:40:01 GET /public/v1/leads 200 overloop list_leads 1.3 ms``, and the refusal."""
    paint = paint or (lambda _, text: text)
    target = fields["path"] + (f"?{fields['query']}" if fields["query"] else "")
    clock = time.strftime("%H:%M:%S", time.localtime(fields["time"]))
    status = fields["status"]
    line = (
        f"{paint('2', clock)} {_shown(fields['method'])} {_shown(target)} "
        f"{paint(_STATUS_COLOURS.get(status // 100, '0'), str(status))} "
        f"{fields['api'] or '-'} {fields['operation'] or '-'} {fields['elapsed_ms']:.1f} ms"
    )
    if fields["refusal"]:
        line += " " + paint("31", f"invalid: {_shown(fields['refusal'])}")
    return line


def coloured_line(fields: dict[str, Any]) -> str:
    """``text_line`` with ANSI colours: the status by its class, a refusal in red."""
    return text_line(fields, lambda code, text: f"\x1b[{code}m{text}\x1b[0m")


def _shown(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` with every unprintable character escaped: a path may hold a
    decoded newline or escape sequence, and the log must not carry it to the terminal."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
