"""The request journal: what each request asked of which API operation, and how it was answered.

Entries know the spec: the API, the operationId that Connexion routed to, and whether the
request passed the spec's validation. Tests filter them and assert on them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.datastructures import Headers

# Where, in the scope's ``extensions``, the error handler marks a request the spec refused.
# Extensions is a dict shared by every copy of the scope down the middleware chain.
INVALID_MARK = "leadmock.invalid"


def mark_invalid(scope: Any) -> None:
    """Note that the spec's request validation refused this request."""
    scope.setdefault("extensions", {})[INVALID_MARK] = True


@dataclass(frozen=True)
class Entry:
    """One request and its answer."""

    api: str | None
    operation: str | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int
    valid: bool
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the admin plane."""
        return asdict(self)


class Journal:
    """A thread-safe list of entries, with filters and assertions for tests.

    It keeps the newest ``limit`` entries, so a long-running stand-in under load stays bounded.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=limit)

    def record(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self,
        operation: str | None = None,
        *,
        api: str | None = None,
        status: int | None = None,
        since: float | None = None,
        valid: bool | None = None,
    ) -> list[Entry]:
        """Entries matching every filter given."""
        with self._lock:
            entries = list(self._entries)
        return [
            e
            for e in entries
            if (operation is None or e.operation == operation)
            and (api is None or e.api == api)
            and (status is None or e.status == status)
            and (since is None or e.at >= since)
            and (valid is None or e.valid is valid)
        ]

    def assert_called(
        self,
        operation: str,
        *,
        times: int | None = None,
        api: str | None = None,
        status: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> list[Entry]:
        """Assert ``operation`` was called (``times`` times, with a body containing ``body``).

        On failure the message lists every request the mock received instead.
        """
        matching = [
            e
            for e in self.entries(operation, api=api, status=status)
            if body is None or _contains(e.body, body)
        ]
        if (times is None and not matching) or (times is not None and len(matching) != times):
            wanted = f"{times} call(s)" if times is not None else "a call"
            detail = f" with a body containing {body!r}" if body is not None else ""
            received = "\n".join(
                f"  {e.api}.{e.operation} {e.method} {e.path} -> {e.status} body={e.body!r}"
                for e in self.entries()
            )
            raise AssertionError(
                f"expected {wanted} to {operation}{detail}, found {len(matching)}.\n"
                f"Received:\n{received or '  nothing'}"
            )
        return matching


def _contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds everything in ``expected`` (dicts compared key by key)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _contains(actual[key], value) for key, value in expected.items()
        )
    return actual == expected


class JournalMiddleware:
    """ASGI middleware that records each HTTP request under the vendor mounts in a journal."""

    def __init__(self, app: Any, journal: Journal, api_of: Callable[[str], str | None]) -> None:
        self.app = app
        self.journal = journal
        self.api_of = api_of

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status = [0]
        # Created here, so inner middlewares that copy the scope still write into this dict.
        extensions = scope.setdefault("extensions", {})

        async def recording_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            routing = extensions.get("connexion_routing", {})
            self.journal.record(
                Entry(
                    api=self.api_of(scope["path"]),
                    operation=routing.get("operation_id"),
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin1"),
                    headers=dict(Headers(scope=scope)),
                    body=_decode(b"".join(chunks)),
                    status=status[0],
                    valid=not extensions.get(INVALID_MARK, False),
                )
            )


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
