"""``SharedJournal``: the request journal in a capped Redis stream, one for every worker.

An entry goes in with one script that also trims the oldest past the journal's entry and byte
budgets, so the stream stays bounded whichever worker writes. The request log stays each
worker's own: its listeners hear the requests this process answered.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import orjson

from mockserver.errors import ServiceUnavailable
from mockserver.journal import Entry, Journal
from mockserver.shared.connection import (
    AsyncClients,
    StoreURL,
    failed_lately,
    run_script,
    unavailable,
)

logger = logging.getLogger(__name__)

# KEYS: the stream, its byte count. ARGV: entry, body, cost, most entries, most bytes.
_RECORD = """
redis.call('XADD', KEYS[1], '*', 'e', ARGV[1], 'b', ARGV[2], 'c', ARGV[3])
local bytes = redis.call('INCRBY', KEYS[2], ARGV[3])
local count = redis.call('XLEN', KEYS[1])
local most, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
while count > most or (bytes > budget and count > 1) do
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', KEYS[1], oldest[1])
  bytes = redis.call('DECRBY', KEYS[2], oldest[2][6])
  count = count - 1
end
return count
"""
# A shared journal keeps no answers (only the in-process fixture journal reads them).
_FIELDS = [
    f.name
    for f in dataclasses.fields(Entry)
    if f.name not in ("raw_body", "raw_answer", "answer_headers")
]


class SharedJournal(Journal):
    """A ``Journal`` whose entries live in Redis under the mock's prefix."""

    def __init__(
        self,
        client: Any,
        store_url: StoreURL,
        *,
        clients: AsyncClients | None = None,
        names: Callable[[str], tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(names=names)
        self._client = client
        self._clients = clients or AsyncClients(store_url)
        self._shown = store_url.shown
        self._stream = f"{store_url.prefix}:journal"
        self._bytes_key = f"{self._stream}:bytes"
        self._record = client.register_script(_RECORD)
        self._keys = [self._stream, self._bytes_key]
        self.dropped = 0
        """Entries not kept because Redis was away (their requests were still answered)."""

    def record(self, entry: Entry) -> None:
        if failed_lately(self._shown):
            self._dropped(None)
            self.notify(entry)
            return
        try:
            with unavailable(self._shown):
                self._record(keys=self._keys, args=self._arguments(entry))
        except ServiceUnavailable as exc:
            self._dropped(exc)
        self.notify(entry)

    async def record_async(self, entry: Entry) -> None:
        if failed_lately(self._shown):
            # Redis just failed this request (or another): its answer does not wait again.
            self._dropped(None)
            self.notify(entry)
            return
        try:
            with unavailable(self._shown):
                await run_script(
                    self._clients.current(), self._record, keys=self._keys,
                    args=self._arguments(entry),
                )  # fmt: skip
        except ServiceUnavailable as exc:
            self._dropped(exc)
        self.notify(entry)

    def _arguments(self, entry: Entry) -> list[Any]:
        fields = {name: getattr(entry, name) for name in _FIELDS}
        return [orjson.dumps(fields), entry.raw_body, entry.cost, self.limit, self.max_bytes]

    def _dropped(self, exc: ServiceUnavailable | None) -> None:
        # The answer is on its way already: it must not fail for want of a journal line.
        if not self.dropped:
            reason = exc.message if exc else "the shared store is unavailable"
            logger.warning("journal entries are not kept while: %s", reason)
        self.dropped += 1

    def clear(self) -> None:
        with unavailable(self._shown):
            self._client.delete(self._stream, self._bytes_key)

    @property
    def size_bytes(self) -> int:
        with unavailable(self._shown):
            return int(self._client.get(self._bytes_key) or 0)

    def _all(self) -> list[Entry]:
        with unavailable(self._shown):
            rows = self._client.xrange(self._stream)
        return [_entry_of(row) for _, row in rows]

    def newest(self, *, since: float, limit: int) -> list[Entry]:
        with unavailable(self._shown):
            rows = self._client.xrevrange(self._stream, count=limit)
        entries = [_entry_of(row) for _, row in reversed(rows)]
        return [entry for entry in entries if entry.at >= since]


def _entry_of(row: dict[bytes, bytes]) -> Entry:
    """The entry a stream row holds."""
    fields = orjson.loads(row[b"e"])
    fields["headers"] = fields["headers"] or {}
    return Entry(raw_body=row[b"b"], **fields)
