"""The URL of the request being answered, from the request being answered: vendors build their page
links from it."""

from __future__ import annotations

import functools

from starlette.datastructures import URL

from mockserver.requestcontext import answering_scope


def request_url(*, query: bool = True) -> str:
    """The URL of the request being answered, as Starlette's ``Request.url`` gives it (with its
    query, or without), worked out once for each distinct scheme, host, path and query: vendors
    build their page links from it."""
    scope = answering_scope()
    if scope is None:
        raise RuntimeError("request_url() is for the request being answered; there is none")
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    server = scope.get("server")
    return _url(
        scope.get("scheme", "http"),
        tuple(server) if server else None,
        scope["path"],
        scope.get("query_string", b"") if query else b"",
        host,
    )


@functools.lru_cache(maxsize=4096)
def _url(
    scheme: str, server: tuple | None, path: str, query_string: bytes, host: bytes | None
) -> str:
    headers = [(b"host", host)] if host is not None else []
    scope = {
        "scheme": scheme,
        "server": server,
        "path": path,
        "query_string": query_string,
        "headers": headers,
    }
    return str(URL(scope=scope))
