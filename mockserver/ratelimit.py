"""Per-credential rate limits, off unless configured (``--rate-limit 200/min``).

A fixed window per credential (the Authorization header, or the client address without one).
Past the limit the request is refused with ``TooManyRequests`` and a ``Retry-After``; the app's
error handler gives it the vendor's body.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.errors import TooManyRequests

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per ``seconds`` for each credential."""

    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``200/min``, ``10/s``, ``1000/hour``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", text.lower())
        if not match or match.group(2) not in _UNITS or int(match.group(1)) < 1:
            raise ValueError(f"rate limit {text!r}: expected COUNT/UNIT, e.g. 200/min")
        return cls(int(match.group(1)), _UNITS[match.group(2)])


class RateLimitMiddleware:
    """ASGI middleware that counts requests per credential in fixed windows."""

    def __init__(
        self, app: Any, limit: RateLimit, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.limit = limit
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            retry_after = self._take(_credential(scope))
            if retry_after is not None:
                raise TooManyRequests(
                    f"Too many requests: at most {self.limit.requests} requests every "
                    f"{self.limit.seconds} seconds for each credential. "
                    f"Try again in {retry_after} seconds.",
                    headers={"Retry-After": str(retry_after)},
                )
        await self.app(scope, receive, send)

    def _take(self, key: str) -> int | None:
        """None if the request may go on, else the seconds until the window turns."""
        now = self.clock()
        window = int(now // self.limit.seconds)
        with self._lock:
            current, used = self._windows.get(key, (window, 0))
            if current != window:
                used = 0
            if used >= self.limit.requests:
                return max(1, math.ceil((window + 1) * self.limit.seconds - now))
            self._windows[key] = (window, used + 1)
            return None


def _credential(scope: Any) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return "auth:" + value.decode("latin1")
    client = scope.get("client") or ("unknown", 0)
    return f"client:{client[0]}"
