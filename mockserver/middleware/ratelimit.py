"""The rate limiter: after security (the identity is known), a 429 in the vendor's shape once a
credential used its requests of the window."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import TooManyRequests
from mockserver.ratelimit import Counter, RateLimit
from mockserver.requestcontext import token_info_of


class RateLimitMiddleware:
    """ASGI middleware, after security, that counts requests per identity in fixed windows."""

    def __init__(
        self,
        app: ASGIApp,
        limit: RateLimit,
        api_of: Callable[[str], str | None] = lambda path: None,
        clock: Callable[[], float] = time.monotonic,
        counter: Counter | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.api_of = api_of
        self.clock = clock
        self.counter = counter
        self._lock = threading.Lock()
        self._window = -1
        self._used: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            retry_after = self._take(self.identity(scope))
            if retry_after is not None:
                raise TooManyRequests(
                    f"Too many requests: at most {self.limit.requests} requests every "
                    f"{self.limit.seconds} seconds for each credential. "
                    f"Try again in {retry_after} seconds.",
                    headers={"Retry-After": str(retry_after)},
                )
        await self.app(scope, receive, send)

    def identity(self, scope: Any) -> str:
        """The bucket of a request: its resolved identity, else anonymous by API and address."""
        subject = _subject(token_info_of(scope))
        if subject is not None:
            return f"id:{subject}"
        client = scope.get("client") or ("unknown", 0)
        return f"anonymous:{self.api_of(scope['path'])}:{client[0]}"

    @property
    def buckets(self) -> int:
        """Identities counted in the current window."""
        with self._lock:
            return len(self._used)

    def _take(self, key: str) -> int | None:
        """None if the request may go on, else the seconds until the window turns."""
        now = self.clock()
        window = int(now // self.limit.seconds)
        retry_after = max(1, math.ceil((window + 1) * self.limit.seconds - now))
        if self.counter is not None:
            taken = self.counter(key, window, self.limit.requests, self.limit.seconds)
            return None if taken else retry_after
        with self._lock:
            if window != self._window:
                self._window, self._used = window, {}
            used = self._used.get(key, 0)
            if used >= self.limit.requests:
                return retry_after
            self._used[key] = used + 1
            return None


def _subject(info: Any) -> str | None:
    """``sub`` of the token info, or of each scheme's when several schemes resolved it."""
    if not isinstance(info, dict) or not info:
        return None
    if "sub" in info:
        return str(info["sub"])
    parts = sorted(f"{name}={_subject(part)}" for name, part in info.items())
    return ",".join(parts)
