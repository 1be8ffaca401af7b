"""How leadmock is served over HTTP: uvicorn (httptools, uvloop), with the limits' timeouts.

uvicorn bounds an idle keep-alive connection and a graceful shutdown, but not the time a client
takes to send its headers: a slow client could hold a connection forever. ``protocol_class``
adds that deadline. The client address is the socket's peer, never a forwarding header: the
admin plane trusts loopback callers, and ``X-Forwarded-For`` is the client's to write.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.limits import Limits

_TIMED_OUT_BODY = b"The request headers did not arrive in time."
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMED_OUT_BODY), _TIMED_OUT_BODY)
)


def protocol_class(header_seconds: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with a deadline for each request's headers: from the
    connection's start, or the next request's first byte, to the end of its headers."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_seconds, self._timed_out)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _timed_out(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                if self.cycle is None or self.cycle.response_complete:
                    self.transport.write(_TIMED_OUT)
                self.transport.close()

    return HeaderDeadlineProtocol


def server_config(app: Any, *, host: str, port: int, limits: Limits, **options: Any) -> Any:
    """The uvicorn configuration leadmock serves with, ``options`` passed on."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(limits.header_seconds),
        loop="auto",
        proxy_headers=False,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=limits.keep_alive_seconds,
        timeout_graceful_shutdown=math.ceil(limits.shutdown_seconds),
        **options,
    )
