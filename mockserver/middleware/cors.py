"""CORS for browsers: a front end on another origin (localhost:3000) calls the mock as it would
the vendor; requests without an ``Origin`` skip the CORS layer."""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_EXPOSED = ["Retry-After", "WWW-Authenticate", "Location", "Link", "Allow", "Content-Length"]
"""The vendors' answer headers a browser script may read."""


class BrowsersOnly:
    """Requests with an ``Origin`` (a browser's) through Starlette's CORS middleware, the rest
    straight to ``app``: the CORS middleware parses every request's headers, a sixth of a fast
    request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origin_regex=".*",
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=CORS_EXPOSED,
        )

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A plain function handing on the next layer's awaitable, and a loop rather than
        # any() over a generator: no frame of its own on the await chain of every request.
        if scope["type"] == "http":
            for name, _ in scope["headers"]:
                if name == b"origin":
                    return self.cors(scope, receive, send)
        return self.app(scope, receive, send)
