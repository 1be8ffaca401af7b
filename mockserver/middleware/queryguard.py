"""Refuse query keys nested deeper than any spec declares, before Connexion parses them.

Connexion 3.3 parses ``page[size][a]=1`` for a ``deepObject`` parameter ``page`` by walking the
schema one level too far and raises ``KeyError`` (a 500). No spec here nests a query parameter
more than one level, so such a key is simply bad input: 400, in the vendor's error shape.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import BadRequest, spec_refusal

_NESTED = re.compile(r"\[[^\]]*\]\[")


class NestedQueryGuard:
    """ASGI middleware answering 400 for a query key such as ``a[b][c]``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("query_string", b"") if scope["type"] == "http" else b""
        # Cheap test first: only a query with a bracket, plain or encoded, can nest.
        if b"[" in raw or b"%5B" in raw.upper():
            for key, _ in parse_qsl(raw.decode("latin1"), keep_blank_values=True):
                if _NESTED.search(key):
                    raise spec_refusal(
                        BadRequest(f"Query parameter {key!r} nests deeper than the spec allows")
                    )
        await self.app(scope, receive, send)
