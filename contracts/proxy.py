"""``leadmock proxy``: a reverse proxy that judges live traffic against one API's spec.

Each request goes to the upstream unchanged and its answer back unchanged, as Prism's proxy
mode does; on the way the request is judged by ``requestcheck`` and the answer by
Schemathesis' own response checks (the ones ``leadmock check`` runs), so a departure reads and
is classified (the vendor's ``known_drift``) exactly as in a ``check`` report. Each exchange is
journalled with both verdicts apart, told to the request log, added to the drift report, and
handed to the recorder when there is one. Credentials reach the upstream and nothing else:
the journal, the log and the report show them redacted.

    proxy = Proxy("tiledesk-v3", "https://api.tiledesk.com/v3")
    # an ASGI app: proxy.journal, proxy.drift.report(), proxy.recorder
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from contracts.answerchecks import AnswerChecks, DriftLog, first_line
from contracts.drift import observed_in_spec
from contracts.proxypath import path_problem
from contracts.requestcheck import Judged, SpecRequests
from contracts.runner import BODY_SHOWN, Failure
from mockserver.admin import ADMIN_PREFIX, AdminError, admin_allowed, journal_filters
from mockserver.errors import (
    ApiError,
    BadRequest,
    PayloadTooLarge,
    RequestTimeout,
    error_for_status,
)
from mockserver.journal import Entry, Journal
from mockserver.limits import Limits
from mockserver.middleware.gate import read_headers
from mockserver.recording import Exchange, Recorder
from mockserver.redaction import Redactor
from mockserver.specfiles import load_spec
from mockserver.vendors import BUILT_IN, Registry

MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""The largest upstream answer passed on by default; a larger one is a 502."""
# Hop-by-hop headers (RFC 9110 7.6.1) are the connection's, not the message's; host and the
# body's framing are the proxy's own to set.
_NOT_FORWARDED = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# httpx hands the body decoded, so its encoding header would lie.
_NOT_RETURNED = _NOT_FORWARDED | {"content-encoding"}


class Proxy:
    """The proxy for ``api`` in front of ``upstream`` (the URL its spec's paths are under)."""

    def __init__(
        self,
        api: str,
        upstream: str,
        *,
        timeout: float = 30.0,
        limits: Limits | None = None,
        recorder: Recorder | None = None,
        admin_token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        registry: Registry = BUILT_IN,
    ) -> None:
        # ``registry``: where ``api`` is found; a document's API is in its configuration's.
        self.vendor, mount = registry.vendor_of(api)
        self.api = mount.name
        self.upstream = upstream.rstrip("/")
        self.timeout = timeout
        self.limits = limits or Limits()
        self.recorder = recorder
        self.admin_token = admin_token
        self.max_answer_bytes = max_answer_bytes
        spec = load_spec(mount.spec)
        self.requests = SpecRequests(spec)
        self.secrets = self.requests.secrets
        if recorder is not None:
            recorder.hide(self.secrets)
        self.answers = AnswerChecks(
            mount.spec, self.upstream, self.vendor.checking().excluded_checks
        )
        self.drift = DriftLog(self.api, self.vendor, observed=list(observed_in_spec(spec)))
        self.journal = Journal()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._admin = _admin_app(self)

    @property
    def client(self) -> httpx.AsyncClient:
        # Made on first use, inside the event loop that serves.
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout, transport=self._transport, follow_redirects=False
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            if not admin_allowed(scope, self.admin_token):
                await JSONResponse({"error": "the admin plane is not for this caller"}, 403)(
                    scope, receive, send
                )
                return
            await self._admin(scope, receive, send)
            return
        await self._proxy(scope, receive, send)

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        # Forwarded as sent: the decoded path would turn an escaped "/" into a separator.
        raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1")
        query_text = scope.get("query_string", b"").decode("latin-1")
        redactor = Redactor(self.secrets)
        shown_query = redactor.query(query_text)
        try:
            headers = read_headers(scope["headers"], self.limits)
            shown_headers = redactor.headers(headers)
            problem = path_problem(raw_path)
            if problem is not None:
                # Refused before anything is read or forwarded: it would leave the base path.
                self._journal_refusal(
                    method, path, shown_query, shown_headers, 400, problem, started
                )
                raise BadRequest(f"The path is not forwarded: {problem}")
            body = await self._read_body(receive)
        except ApiError as error:
            await self._answer_error(scope, receive, send, error)
            return
        query = parse_qsl(query_text, keep_blank_values=True)
        shown_pairs = redactor.pairs(query)
        content_type = headers.get("content-type", "")
        shown_body = redactor.body(body, content_type)
        judged = self.requests.judge(method, raw_path, query, headers, body)
        upstream_error = None
        try:
            # The whole exchange within the timeout: httpx's bounds each read, and a slow
            # upstream that trickles its answer would pass them all.
            async with asyncio.timeout(self.timeout):
                answer = await self._forward(method, raw_path, query_text, scope["headers"], body)
        except (httpx.TimeoutException, TimeoutError):
            upstream_error = f"no answer from the upstream within {self.timeout:g} s"
            error: ApiError = error_for_status(504, f"Gateway timeout: {upstream_error}")
        except httpx.TransportError as exc:
            upstream_error = f"the upstream cannot be reached: {exc or type(exc).__name__}"
            error = error_for_status(502, f"Bad gateway: {upstream_error}")
        except _AnswerTooLarge as exc:
            upstream_error = f"the upstream's answer is larger than {exc} bytes"
            error = error_for_status(502, f"Bad gateway: {upstream_error}")
        else:
            if not 100 <= answer.status_code <= 599:
                # No HTTP status a client can read (RFC 9110 15): the server cannot send it.
                upstream_error = f"the upstream answered with status {answer.status_code}"
                error = error_for_status(502, f"Bad gateway: {upstream_error}")
        if upstream_error is not None:
            self.drift.add_error(
                judged,
                upstream_error,
                self.answers.curl(judged, shown_pairs, shown_headers, shown_body),
            )
            rendered = self.vendor.render_error(error)
            status, content = rendered.status, rendered.content
            answer_headers = [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in {**rendered.headers, "content-type": rendered.media_type}.items()
            ]
            problems: tuple[str, ...] | None = None
        else:
            status, content = answer.status_code, answer.content
            answer_headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in answer.headers.multi_items()
                if k.lower() not in _NOT_RETURNED
            ]
            failures = await asyncio.to_thread(
                self.answers.judge, judged, shown_pairs, shown_headers, shown_body, answer
            )
            # The answer's secrets (a sign-in's token) are hidden too, before anything is kept.
            shown_answer = redactor.body(
                answer.content, answer.headers.get("content-type", "")
            ).decode("utf-8", "replace")
            failures = [_scrubbed(failure, redactor, shown_answer) for failure in failures]
            self.drift.add(judged, failures, answer.status_code)
            problems = tuple(f"{f.check}: {f.title}: {first_line(f.message)}" for f in failures)
            if self.recorder is not None and judged.operation is not None:
                self.recorder.add(_exchange(self.api, judged, shown_pairs, body, answer))
        answer_headers.append((b"content-length", str(len(content)).encode()))
        self.journal.record(
            Entry(
                api=self.api,
                operation=judged.operation.operation_id if judged.operation else None,
                method=method,
                path=path,
                query=shown_query,
                headers=shown_headers,
                raw_body=shown_body[: self.journal.body_bytes],
                body_size=len(body),
                status=status,
                valid=judged.valid,
                refusal=redactor.text("; ".join(judged.problems)) or None,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                response_problems=problems,
                upstream_error=upstream_error,
            )
        )
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        await send({"type": "http.response.body", "body": content})

    def _journal_refusal(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        status: int,
        refusal: str,
        started: float,
    ) -> None:
        """Journal a request the proxy answered itself and did not forward."""
        self.journal.record(
            Entry(
                api=self.api,
                operation=None,
                method=method,
                path=path,
                query=query,
                headers=headers,
                raw_body=b"",
                status=status,
                valid=False,
                refusal=refusal,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        )

    async def _read_body(self, receive: Any) -> bytes:
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.limits.body_seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        break
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limits.body_bytes:
                        raise PayloadTooLarge(
                            f"The request body is larger than {self.limits.body_bytes} bytes"
                        )
                    chunks.append(chunk)
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            raise RequestTimeout(
                f"The request body did not arrive within {self.limits.body_seconds:g} s"
            ) from None
        return b"".join(chunks)

    async def _forward(
        self, method: str, path: str, query: str, raw_headers: Any, body: bytes
    ) -> httpx.Response:
        url = self.upstream + path + (f"?{query}" if query else "")
        headers = [
            (k, v) for k, v in raw_headers if k.decode("latin-1").lower() not in _NOT_FORWARDED
        ]
        request = self.client.build_request(method, url, headers=headers, content=body)
        response = await self.client.send(request, stream=True)
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise _AnswerTooLarge(self.max_answer_bytes)
                chunks.append(chunk)
        finally:
            await response.aclose()
        # The body read by hand: give the response it, as a read response holds it.
        response._content = b"".join(chunks)
        return response

    async def _answer_error(
        self, scope: Scope, receive: Receive, send: Send, error: ApiError
    ) -> None:
        rendered = self.vendor.render_error(error)
        headers = {**rendered.headers, "content-type": rendered.media_type, "connection": "close"}
        await Response(rendered.content, rendered.status, headers)(scope, receive, send)


class _AnswerTooLarge(Exception):
    pass


def _scrubbed(failure: Failure, redactor: Redactor, shown_answer: str) -> Failure:
    """``failure`` with no value the redactor hid: the answer's excerpt taken from the answer
    redacted, and its message, value and curl scrubbed."""
    return dataclasses.replace(
        failure,
        message=redactor.text(failure.message),
        curl=redactor.text(failure.curl),
        value=redactor.text(failure.value),
        response_body=shown_answer[:BODY_SHOWN] if failure.response_body else "",
    )


def _exchange(
    api: str, judged: Judged, query: list, body: bytes, answer: httpx.Response
) -> Exchange:
    assert judged.operation is not None
    return Exchange(
        api=api,
        operation=judged.operation.operation_id,
        method=judged.operation.method,
        path_parameters=judged.path_parameters,
        query=dict(query),
        request_body=_json_or_none(body),
        status=answer.status_code,
        answer=_json_or_none(answer.content),
    )


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _admin_app(proxy: Proxy) -> Starlette:
    """``/__admin``: the journal, the drift report, the recording and health."""

    async def journal(request: Request) -> Response:
        try:
            entries = proxy.journal.entries(**journal_filters(request.query_params))
        except LookupError as exc:
            raise AdminError("api", str(exc).strip("'\"")) from None
        return StreamingResponse(proxy.journal.export(entries), media_type="application/json")

    async def clear_journal(request: Request) -> Response:
        proxy.journal.clear()
        return JSONResponse({"cleared": True})

    async def drift(request: Request) -> Response:
        wanted = request.query_params.get("format", "markdown")
        if wanted == "markdown":
            text = proxy.drift.markdown(target=f"{proxy.api} at {proxy.upstream} (proxy)")
            return Response(text, media_type="text/markdown; charset=utf-8")
        if wanted == "junit":
            return Response(proxy.drift.junit(), media_type="application/xml")
        if wanted == "json":
            return JSONResponse(proxy.drift.to_dict())
        raise AdminError("format", f"markdown, junit or json, not {wanted[:20]!r}")

    async def clear_drift(request: Request) -> Response:
        proxy.drift = DriftLog(proxy.api, proxy.vendor, proxy.drift.observed)
        return JSONResponse({"cleared": True})

    async def recording(request: Request) -> Response:
        if proxy.recorder is None:
            raise AdminError("recording", "the proxy records nothing: start it with --record FILE")
        return JSONResponse(proxy.recorder.state())

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "api": proxy.api, "upstream": proxy.upstream})

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AdminError)
        return JSONResponse({"error": str(exc), "field": exc.field}, 400)

    return Starlette(
        routes=[
            Route(f"{ADMIN_PREFIX}/journal", journal, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/journal", clear_journal, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/drift", drift, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/drift", clear_drift, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/recording", recording, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
        ],
        exception_handlers={AdminError: refused},
    )
