"""Prism's ``Prefer`` header: after routing, a documented example answered as asked for
(``code=``, ``example=``) instead of the state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.prefer import PREFER_HEADER, Documented, Example, preferences, preferred_example
from mockserver.requestcontext import operation_id_of


class PreferMiddleware:
    """ASGI middleware, after routing, answering a ``Prefer: code=`` or ``example=`` request
    with the documented example; ``documented`` is ``documented_answers`` by API name."""

    def __init__(
        self,
        app: ASGIApp,
        documented: dict[str, dict[str, Documented]],
        api_of: Callable[[str], str | None],
    ) -> None:
        self.app = app
        self.documented = documented
        self.api_of = api_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = _prefer_header(scope) if scope["type"] == "http" else None
        if header is not None:
            operation_id = operation_id_of(scope)
            api = self.api_of(scope["path"])
            documented = self.documented.get(api or "", {}).get(operation_id or "")
            if documented is not None:
                example = preferred_example(header, operation_id, documented)  # type: ignore[arg-type]
                if example is not None:
                    await _answer(send, example, header)
                    return
        await self.app(scope, receive, send)


def _prefer_header(scope: Any) -> str | None:
    for name, value in scope["headers"]:
        if name == PREFER_HEADER:
            return value.decode("latin-1")
    return None


async def _answer(send: Any, example: Example, header: str) -> None:
    body = example.body()
    asked = preferences(header)
    applied = ", ".join(f"{k}={asked[k]}" for k in ("code", "example") if k in asked)
    headers = [
        (b"content-type", example.media_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
        (b"preference-applied", applied.encode("latin-1")),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in example.headers),
    ]
    await send({"type": "http.response.start", "status": example.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
