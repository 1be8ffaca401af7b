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

import re
from collections.abc import Callable
from dataclasses import dataclass

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
