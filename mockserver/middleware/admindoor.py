"""The admin door, outermost: ``/__admin`` goes to the admin plane, guarded (a loopback caller,
or the admin token when one is set), and never into a vendor's stack; the rest goes on."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.admin import ADMIN_PREFIX, admin_allowed
from mockserver.journal import Entry, Journal

ADMIN_API = "admin"
"""The API the journal's listeners see an admin request under."""
_PAGE_READS = f"{ADMIN_PREFIX}/ui/"
"""The page's own reads (its files, and its polls twice a second): not told to the request
log, which would be mostly them while a page is open."""


class AdminDoor:
    """ASGI middleware sending admin requests to ``admin`` (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, admin: ASGIApp, admin_token: str | None, journal: Journal
    ) -> None:
        self.app = app
        self.admin = admin
        self.admin_token = admin_token
        self.journal = journal

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A plain function handing on an awaitable: no frame of its own on the await chain of
        # every vendor request.
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            if not admin_allowed(scope, self.admin_token):
                needs = "X-Leadmock-Admin-Token" if self.admin_token else "a loopback caller"
                response = JSONResponse({"error": f"the admin plane needs {needs}"}, 403)
                return response(scope, receive, send)
            if self.journal.listened and not scope["path"].startswith(_PAGE_READS):
                return self._noted(scope, receive, send)
            return self.admin(scope, receive, send)
        return self.app(scope, receive, send)

    async def _noted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An admin request answered, and told to the journal's listeners, never kept."""
        started, status = time.perf_counter(), [0]

        async def noting_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.admin(scope, receive, noting_status)
        finally:
            self.journal.notify(
                Entry(
                    api=ADMIN_API,
                    operation=None,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin1"),
                    headers={},
                    raw_body=b"",
                    status=status[0],
                    valid=True,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
            )
