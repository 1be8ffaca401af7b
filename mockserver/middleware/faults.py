"""The fault injector: after routing, the faults a request meets (a header's, or the standing or
scheduled ones of ``faults.Faults``) and the scenarios (``scenarios.Scenarios``), answered in the
vendor's error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import error_for_status
from mockserver.faults import FAULT_HEADER, Fault, Faults, parse_fault_header
from mockserver.requestcontext import operation_id_of, request_context
from mockserver.scenarios import Outcome, Request, Scenarios


class FaultMiddleware:
    """ASGI middleware, after routing, that applies the fault a request meets."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        api_of: Callable[[str], str | None],
        operation_name: Callable[[str | None, str | None], str | None] | None = None,
        scenarios: Scenarios | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.scenarios = scenarios
        self.api_of = api_of
        self.operation_name = operation_name or (lambda api, operation_id: operation_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        met = self._fault_for(scope)
        if met is None:
            if self.scenarios is not None and self.scenarios.active:
                await self._scenario(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        fault, latency = met
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        outcome = Outcome(fault.status, "Injected fault", "injected_fault", headers, latency,
                          fault.drop)  # fmt: skip
        await self._meet(outcome, scope, receive, send)

    async def _scenario(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = self.api_of(scope["path"])
        authorization = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                authorization = value.decode("latin1")
                break
        request = Request(
            api,
            self.operation_name(api, operation_id_of(scope)),
            scope.get("query_string", b"").decode("latin1"),
            authorization,
        )
        met = self.scenarios.meet(request) if self.scenarios is not None else None
        if met is None:
            await self.app(scope, receive, send)
            return
        scenario, outcome = met
        request_context(scope).scenario = scenario.name
        await self._meet(outcome, scope, receive, send)

    async def _meet(self, outcome: Outcome, scope: Scope, receive: Receive, send: Send) -> None:
        if outcome.latency:
            await asyncio.sleep(outcome.latency)
        if outcome.drop:
            # Start an answer and walk away: the server closes the connection mid-response.
            start = {"type": "http.response.start", "status": 200, "headers": []}
            await send(start)
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            return
        if outcome.status is not None:
            raise error_for_status(
                outcome.status, outcome.message, code=outcome.code, headers=outcome.headers
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
