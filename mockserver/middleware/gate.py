"""The gate: the one place where a vendor request's headers are checked and its body is read
and parsed, for every API and whichever path answers it.

In order: the headers' count and size, over-long digit runs in the path and query, the route
(from the compiled table), the body (at most ``body_bytes``, within ``body_seconds``), its
Content-Type, and a JSON body parsed strictly (``jsoncodec``). A request past a limit is
answered here in the vendor's error shape. One that passes goes to the compiled path, which
answers it or declines, and then to Connexion, which is handed the body already read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

from connexion.datastructures import MediaTypeDict
from connexion.utils import split_content_type
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import jsoncodec
from mockserver.errors import (
    ApiError,
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from mockserver.fastpath import CompiledPath
from mockserver.limits import Limits
from mockserver.memory import give_back_memory
from mockserver.rendering import ErrorRenderer, send_error
from mockserver.requestcontext import ANSWERING, RequestContext, request_context
from mockserver.routing import Operation, RouteTable


class Gate:
    """ASGI middleware in front of Connexion (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Limits,
        routes: RouteTable,
        renderer: ErrorRenderer,
        compiled: CompiledPath | None,
        may_compile: Callable[[dict[str, str]], bool],
        begin: Callable[[], Awaitable[None]] | None = None,
        documents: dict[str, bytes] | None = None,
    ) -> None:
        self.app = app
        self.begin = begin
        self.documents = documents or {}
        """``openapi.json`` of each document served by the engine, by its path: Connexion's
        own serves the document with its ``$ref``s resolved, which a recursive schema (most
        public documents have one) cannot be written as."""
        self.limits = limits
        self.routes = routes
        self.renderer = renderer
        self.compiled = compiled
        self.may_compile = may_compile
        self._consumes = {
            id(op): MediaTypeDict([(m.lower(), None) for m in op.consumes])
            for op in routes.operations
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content = self.documents.get(scope["path"]) if self.documents else None
        if content is not None and scope["method"] in ("GET", "HEAD"):
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ]})  # fmt: skip
            await send({"type": "http.response.body", "body": content})
            return
        read = request_context(scope)
        try:
            read.headers = read_headers(scope["headers"], self.limits)
            found = self.routes.match(scope["method"], scope["path"])
            allowed = self.routes.shadowed(scope["method"], scope["path"])
            if allowed is not None:
                raise MethodNotAllowed("Method Not Allowed", headers={"Allow": ", ".join(allowed)})
            if found is not None:
                read.operation = found[0]
                if found[0].emptiable and scope.get("query_string"):
                    # A scope of its own: the journal, outside, keeps the query as sent.
                    query = _without_empty(scope["query_string"], found[0].emptiable)
                    scope = {**scope, "query_string": query}
                self._check_digits(*found)
            read.body = await self._body(read.headers, receive, read)
            if read.body and read.operation is not None:
                read.json = self._parsed(read.operation, read.headers, read.body)
            if self.begin is not None:
                # A shared store catches up with the other workers (a 503 if it cannot).
                await self.begin()
        except ApiError as error:
            if not isinstance(error, ServiceUnavailable):
                read.refusal = error.explained
            rendered = self.renderer.render(scope["path"], error)
            await send_error(
                send, rendered, close=isinstance(error, PayloadTooLarge | RequestTimeout)
            )
            return
        replayed = _replay(read.body, receive)
        token = ANSWERING.set(scope)
        try:
            if (
                found is not None
                and self.compiled is not None
                and self.may_compile(read.headers)
                and await self.compiled.answer(
                    scope, found[0], found[1], read.headers, read.json, replayed, send
                )
            ):
                return
            await self.app(scope, replayed, send)
        finally:
            ANSWERING.reset(token)
            if len(read.body) > _LARGE_BODY:
                give_back_memory()

    def _check_digits(self, operation: Operation, path_text: dict[str, str]) -> None:
        # Routing turns integer path parameters into ints, before any other check.
        for parameter in operation.path_parameters:
            text = path_text[parameter.group]
            if parameter.kind == "integer" and len(text) > self.limits.integer_digits:
                raise BadRequest(
                    f"Path parameter {parameter.name}: an integer of more than "
                    f"{self.limits.integer_digits} digits"
                )

    async def _body(self, headers: dict[str, str], receive: Any, read: RequestContext) -> bytes:
        """The whole body, within the size and time limits."""
        if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
            return b""
        limit = self.limits.body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"Request body of {declared} bytes; at most {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.limits.body_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        break
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        read.body = b"".join(chunks)
                        raise PayloadTooLarge(f"Request body over {limit} bytes")
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            read.body = b"".join(chunks)
            raise RequestTimeout(
                f"The request body did not arrive within {self.limits.body_seconds:g} seconds"
            ) from None
        return b"".join(chunks)

    def _parsed(self, operation: Operation, headers: dict[str, str], body: bytes) -> Any:
        """The JSON body, for an operation that takes one; form bodies are Connexion's."""
        content_type = headers.get("content-type", "").strip()
        if not content_type:
            if operation.consumes:
                # Where the documents are silent, as a wrong Content-Type is answered.
                raise UnsupportedMediaType(
                    f"Invalid Content-type (), expected {list(operation.consumes)}"
                )
            return None
        mime, charset = split_content_type(content_type)
        mime = (mime or "").lower()
        if mime not in self._consumes[id(operation)]:
            return None
        if not mime.endswith("json"):
            return None
        try:
            text = body if charset in (None, "utf-8", "utf8") else body.decode(charset).encode()
            return jsoncodec.parse_request_json(
                text, max_depth=self.limits.json_depth, max_digits=self.limits.integer_digits
            )
        except (LookupError, UnicodeDecodeError):
            raise BadRequest(f"The request body is not valid {charset}.") from None
        except jsoncodec.InvalidJSON as exc:
            raise BadRequest(str(exc)) from None


_LARGE_BODY = 256 * 1024


def _replay(body: bytes, receive: Any) -> Any:
    """A ``receive`` that hands over the body already read, then the client's own messages."""
    delivered = False

    async def replayed() -> Any:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def read_headers(raw: list[tuple[bytes, bytes]], limits: Limits) -> dict[str, str]:
    """The request's headers by lower-cased name (the first of a repeated one), within the
    limits' count and bytes (``BadRequest`` past them)."""
    if len(raw) > limits.header_count:
        raise BadRequest(f"Too many request headers: {len(raw)}, at most {limits.header_count}")
    headers: dict[str, str] = {}
    size = 0
    for name, value in raw:
        size += len(name) + len(value)
        key = name.decode("latin-1").lower()
        if key not in headers:
            headers[key] = value.decode("latin-1")
    if size > limits.header_bytes:
        raise BadRequest(f"Request headers too large: {size} bytes, at most {limits.header_bytes}")
    return headers


def _without_empty(query: bytes, names: frozenset[str]) -> bytes:
    """``query`` less the empty values (``name=``) of ``names``: absent, as they mean."""
    kept = []
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        if not value and unquote_plus(name.decode("latin-1")) in names:
            continue
        kept.append(pair)
    return b"&".join(kept)
