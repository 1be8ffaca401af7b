"""Per-identity rate limits, off unless configured (``--rate-limit 200/min``).

A fixed window per identity: who the vendor's auth resolved the caller to (the user, the
account of an API key), so ``basic`` and ``Basic``, an email in another case or a fresh JWT of
the same user all count against one bucket. A caller of an operation without security counts
against one anonymous bucket per API and client address. It runs after Connexion's security
step, so a request refused there is not counted. Buckets of past windows are dropped when the
window turns. Past the limit the request is refused with ``TooManyRequests`` and a
``Retry-After``; the app's error handler gives it the vendor's body.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import TooManyRequests

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per ``seconds`` for each identity."""

    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``200/min``, ``10/s``, ``1000/hour``."""
        match = re.fullmatch(r"\s*(\d{1,9})\s*/\s*([a-z]+)\s*", text.lower())
        if not match or match.group(2) not in _UNITS or int(match.group(1)) < 1:
            raise ValueError(f"rate limit {text!r}: expected COUNT/UNIT, e.g. 200/min")
        return cls(int(match.group(1)), _UNITS[match.group(2)])


Counter = Callable[[str, int, int, int], bool]
"""(bucket, window number, most requests, window seconds) -> whether one more is allowed:
counts kept elsewhere (in Redis, for every worker), windows numbered on the wall clock."""


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
        context = scope.get("extensions", {}).get("connexion_context", {})
        subject = _subject(context.get("token_info"))
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
