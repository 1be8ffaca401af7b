"""A Redis to share state through: its URL, its client, and the key prefix of one mock.

``redis://HOST:PORT/DB?prefix=NAME`` (``rediss://`` for TLS, ``password@`` as Redis URLs take
it). Every key a mock writes starts with its prefix (``leadmock`` unless the URL says), so
several mocks may share one Redis. Calls time out in ``timeout`` seconds and are tried once
more on a fresh connection, no longer: a Redis that is gone turns into the vendor's 503 at
once (``unavailable``), never a hang, and the next request reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mockserver.errors import ServiceUnavailable

DEFAULT_PREFIX = "leadmock"
TIMEOUT_SECONDS = 2.0
_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class StoreURLError(ValueError):
    """A store URL the mock cannot use; the message says why."""


@dataclass(frozen=True)
class StoreURL:
    """A parsed ``--store`` URL: where Redis is, and this mock's key prefix."""

    url: str
    """The Redis URL without leadmock's own parameters, as redis-py takes it."""
    prefix: str
    shown: str
    """The URL with any password hidden, for banners and error messages."""


def parse_store_url(text: str) -> StoreURL:
    """Check a ``--store`` value: a ``redis://`` or ``rediss://`` URL (``StoreURLError``)."""
    parts = urlsplit(text)
    if parts.scheme not in ("redis", "rediss"):
        raise StoreURLError(
            f"--store {text!r}: a Redis URL, redis://HOST:PORT/DB (optionally ?prefix=NAME)"
        )
    if not parts.hostname:
        raise StoreURLError(f"--store {text!r}: no host (redis://127.0.0.1:6379/0)")
    try:
        port = parts.port
    except ValueError:
        raise StoreURLError(f"--store {text!r}: the port is 1 to 65535") from None
    path = parts.path.strip("/")
    if path and not (path.isdigit() and len(path) <= 4):
        raise StoreURLError(f"--store {text!r}: the database is a number (/0), not {path!r}")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    prefix = options.pop("prefix", DEFAULT_PREFIX)
    if not _PREFIX.fullmatch(prefix):
        raise StoreURLError(
            f"--store: prefix {prefix!r} is 1 to 64 letters, digits, '.', '_' or '-'"
        )
    if options:
        raise StoreURLError(f"--store: unknown parameter(s) {', '.join(sorted(options))}; "
                            "leadmock takes ?prefix=NAME")  # fmt: skip
    netloc = parts.hostname + (f":{port}" if port else "")
    credentials = parts.netloc.rpartition("@")[0]
    url = f"{parts.scheme}://{credentials + '@' if credentials else ''}{netloc}/{path or 0}"
    shown = f"{parts.scheme}://{'***@' if credentials else ''}{netloc}/{path or 0}"
    return StoreURL(url=url, prefix=prefix, shown=f"{shown} (prefix {prefix})")


def connect(store_url: StoreURL, *, timeout: float = TIMEOUT_SECONDS) -> Any:
    """A redis-py client for ``store_url``: short timeouts, one retry, no waiting between."""
    import redis
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError
    from redis.retry import Retry

    # One more try on a fresh connection (Redis restarted under a pooled one); a call that
    # timed out is not tried again: its caller would wait twice as long for the same 503.
    retry = Retry(NoBackoff(), 1, supported_errors=(ConnectionError,))
    return redis.Redis.from_url(store_url.url, retry=retry, **_options(timeout))


@contextlib.contextmanager
def unavailable(shown: str) -> Iterator[None]:
    """Redis's errors as the 503 every vendor answers in its own shape."""
    import redis

    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        _failed_at[shown] = time.monotonic()
        raise ServiceUnavailable(
            f"The mock's shared store is unavailable ({shown}): {str(exc).rstrip('.')}. "
            "Try again shortly.",
            headers={"Retry-After": "1"},
        ) from None
    except redis.RedisError as exc:
        # Loading its data after a restart, out of memory, read-only replica: also not ours.
        raise ServiceUnavailable(
            f"The mock's shared store refused the call ({shown}): {exc}",
            headers={"Retry-After": "1"},
        ) from None


_failed_at: dict[str, float] = {}
OUTAGE_SECONDS = 1.0


def failed_lately(shown: str) -> bool:
    """Whether a call to this Redis failed to connect or timed out in the last second: work
    that can be skipped (a journal line) is, rather than wait out another timeout."""
    return time.monotonic() - _failed_at.get(shown, -OUTAGE_SECONDS) < OUTAGE_SECONDS


def with_prefix_suffix(text: str, suffix: str) -> str:
    """``text`` with ``-suffix`` after its prefix: one mock's keys apart from another's."""
    from urllib.parse import urlencode, urlunsplit

    parts = urlsplit(text)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    options["prefix"] = f"{options.get('prefix', DEFAULT_PREFIX)}-{suffix}"
    return urlunsplit(parts._replace(query=urlencode(options)))


def connect_async(store_url: StoreURL, *, timeout: float = TIMEOUT_SECONDS) -> Any:
    """The asyncio client for ``store_url``, as ``connect`` makes the other."""
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError

    retry = Retry(NoBackoff(), 1, supported_errors=(ConnectionError,))
    return redis.asyncio.Redis.from_url(store_url.url, retry=retry, **_options(timeout))


def _options(timeout: float) -> dict[str, Any]:
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 0,
        "decode_responses": False,
    }


class AsyncClients:
    """An asyncio client for each event loop: a connection belongs to the loop that opened it,
    and one mock may be called from several (the fixture's server thread, a test's client)."""

    def __init__(self, store_url: StoreURL) -> None:
        self.store_url = store_url
        self._by_loop: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def current(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._by_loop.get(loop)
        if client is None:
            client = self._by_loop[loop] = connect_async(self.store_url)
        return client


async def run_script(client: Any, script: Any, *, keys: list[Any], args: list[Any]) -> Any:
    """A script registered on the sync client (``script``), run through an asyncio client:
    by its hash, loaded first when Redis does not know it (after a restart)."""
    from redis.exceptions import NoScriptError

    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        await client.script_load(script.script)
        return await client.evalsha(script.sha, len(keys), *keys, *args)
