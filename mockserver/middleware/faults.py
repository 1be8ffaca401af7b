"""The fault injector: after routing, the faults a request meets (a header's, or the standing or
scheduled ones of ``faults.Faults``), answered in the vendor's error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import error_for_status
from mockserver.faults import FAULT_HEADER, Fault, Faults, parse_fault_header
from mockserver.requestcontext import operation_id_of


class FaultMiddleware:
    """ASGI middleware, after routing, that applies the fault a request meets."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        api_of: Callable[[str], str | None],
        operation_name: Callable[[str | None, str | None], str | None] | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.api_of = api_of
        self.operation_name = operation_name or (lambda api, operation_id: operation_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        met = self._fault_for(scope)
        if met is None:
            await self.app(scope, receive, send)
            return
        fault, latency = met
        if latency:
            await asyncio.sleep(latency)
        if fault.drop:
            # Start an answer and walk away: the server closes the connection mid-response.
            start = {"type": "http.response.start", "status": 200, "headers": []}
            await send(start)
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            return
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            raise error_for_status(
                fault.status, "Injected fault", code="injected_fault", headers=headers
            )
        await self.app(scope, receive, send)

    def _fault_for(self, scope: Any) -> tuple[Fault, float] | None:
        for name, value in scope.get("headers", ()):
            if name == FAULT_HEADER:
                try:
                    fault = parse_fault_header(value.decode("latin1"))
                except ValueError as exc:
                    raise error_for_status(400, f"X-Leadmock-Fault: {exc}") from exc
                return fault, self.faults.latency_of(fault)
        api = self.api_of(scope["path"])
        return self.faults.pick(api, self.operation_name(api, operation_id_of(scope)))
