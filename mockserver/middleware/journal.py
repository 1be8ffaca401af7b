"""The journal's layer, outermost: every request and its final answer, with what the gate read of
it, recorded in the journal."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.journal import CORS_PREFLIGHT, Entry, Journal, OperationName
from mockserver.requestcontext import RequestContext, operation_id_of, request_context


def _preflight(scope: Any) -> bool:
    return scope["method"] == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope["headers"]
    )


def _retry_after(headers: Any) -> float | None:
    """A ``Retry-After`` in seconds (a date one is not read: leadmock answers seconds)."""
    for name, value in headers:
        if name.lower() == b"retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


class JournalMiddleware:
    """ASGI middleware that records each HTTP request in a journal, with what the gate read."""

    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        api_of: Callable[[str], str | None],
        operation_name: OperationName | None = None,
    ) -> None:
        self.app = app
        self.journal = journal
        # A journal kept elsewhere is waited on; the in-process one is called (no coroutine).
        self._waits = type(journal).record_async is not Journal.record_async
        self.api_of = api_of
        self.operation_name = operation_name or (lambda api, operation_id: operation_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The answer's status, Retry-After and (kept only when the journal keeps answers)
        # body and headers: a list, the cheapest thing to make on every request.
        answered: list[Any] = [0, None, b"", ()]
        keeps_answers = self.journal.keep_answers
        recorded = False
        started = time.perf_counter()
        # Made here, outermost, so that every layer inside (and their copies of the scope)
        # writes into this one.
        context = request_context(scope)

        def keep() -> Awaitable[None] | None:
            """Journal the request once; what to await when the journal is kept elsewhere."""
            nonlocal recorded
            if recorded:
                return None
            recorded = True
            entry = self._entry(scope, context, answered, started)
            if self._waits:
                return self.journal.record_async(entry)
            self.journal.record(entry)
            return None

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered[0] = message["status"]
                if keeps_answers:
                    answered[3] = tuple(message.get("headers", ()))
                if answered[0] in (429, 503):
                    answered[1] = _retry_after(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                if keeps_answers and len(answered[2]) < self.journal.body_bytes:
                    answered[2] += message.get("body", b"")[: self.journal.body_bytes]
                if self._waits and not message.get("more_body"):
                    # A journal other workers read: kept before the answer's last byte
                    # leaves, so a client that has its answer finds the request through any
                    # worker. (The in-process journal is written right after it: work before
                    # the last send delays every answer, a few percent of throughput.)
                    pending = keep()
                    if pending is not None:
                        await pending
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            pending = keep()
            if pending is not None:
                await pending

    def _entry(
        self, scope: Any, context: RequestContext, answered: list[Any], started: float
    ) -> Entry:
        operation = context.operation
        if _preflight(scope):
            # Apart from the vendor's operations: the browser's, answered before them.
            api, operation_id = self.api_of(scope["path"]), CORS_PREFLIGHT
        elif operation is not None:
            api, operation_id = operation.api, operation.operation_id
        else:
            api = self.api_of(scope["path"])
            operation_id = operation_id_of(scope)
        if operation_id != CORS_PREFLIGHT:
            operation_id = self.operation_name(api, operation_id)
        body = context.body
        refusal = context.refusal
        return Entry(
            static=context.static,
            api=api,
            operation=operation_id,
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin1"),
            headers=context.headers,
            raw_body=body[: self.journal.body_bytes],
            body_size=len(body),
            status=answered[0],
            valid=refusal is None,
            refusal=refusal,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            scenario=context.scenario,
            retry_after=answered[1],
            raw_answer=answered[2][: self.journal.body_bytes] if answered[2] else b"",
            answer_headers=answered[3],
        )
