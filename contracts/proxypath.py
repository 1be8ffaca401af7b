"""Which request paths a proxy may forward: only those that stay under its upstream's base path.

The proxy forwards the raw path, appended to the upstream URL. A dot segment in it (``..``,
``.``), written plainly or percent-encoded (``%2e%2e``, ``%252e%252e``), or hidden behind an
encoded separator (``a%2f..%2f..``, ``..%5c``) would be resolved by the HTTP client or by the
upstream, and the request would reach whatever sits beside the base path: the upstream's admin
plane, another API. An empty segment (``//``) is refused for the same reason: servers differ in
whether they merge it, so what it points at is not certain. Such a path is refused whole, never
cleaned up: a client that sends one is not calling the API.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_DECODINGS = 4
"""Percent-decodings tried on a segment: enough for ``%25252e``, bounded for hostile input."""
_SEPARATORS = re.compile(r"[/\\]")
_DOT_SEGMENTS = {".", ".."}


def path_problem(raw_path: str) -> str | None:
    """Why ``raw_path`` (as sent, escapes and all) may not be forwarded; None when it may."""
    if not raw_path.startswith("/"):
        return "the path does not start with /"
    segments = raw_path[1:].split("/")
    for index, segment in enumerate(segments):
        if segment == "" and index != len(segments) - 1:
            return "the path has an empty segment (//)"
        for piece in _SEPARATORS.split(_decoded(segment)):
            if piece.strip() in _DOT_SEGMENTS:
                return f"the path has a dot segment ({segment!r}) that leaves the API's base path"
    return None


def _decoded(segment: str) -> str:
    """``segment`` percent-decoded until it no longer changes (at most ``_DECODINGS`` times)."""
    for _ in range(_DECODINGS):
        decoded = unquote(segment)
        if decoded == segment:
            break
        segment = decoded
    return segment
