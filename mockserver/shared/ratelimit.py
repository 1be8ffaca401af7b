"""The rate limit counted in Redis: one budget per credential across every worker."""

from __future__ import annotations

from typing import Any

from mockserver.shared.connection import StoreURL, unavailable

# KEYS: the bucket's count in this window. ARGV: most requests, seconds the count is kept.
_TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class SharedRateCounter:
    """A ``ratelimit.Counter`` over Redis: a window's count expires after the window."""

    def __init__(self, client: Any, store_url: StoreURL) -> None:
        self._prefix = f"{store_url.prefix}:rate"
        self._shown = store_url.shown
        self._take = client.register_script(_TAKE)

    def __call__(self, bucket: str, window: int, most: int, seconds: int) -> bool:
        with unavailable(self._shown):
            key = f"{self._prefix}:{window}:{bucket}"
            return bool(self._take(keys=[key], args=[most, seconds * 2]))
