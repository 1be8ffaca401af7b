"""JSON in and out, once for every API: orjson for speed, strict where the standard library is lax.

Bodies out are compact JSON with a final newline, whichever path answers (Connexion's, through
``Jsonifier``, or the compiled one). Bodies in are parsed by ``parse_request_json``, which refuses
what would break the mock later: NaN and Infinity (not JSON; they would be echoed as bare ``NaN``),
lone surrogates (not encodable), nesting past a limit and integers past a number of digits.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

import orjson
from connexion.jsonifier import Jsonifier

from mockserver.requestcontext import CONTEXT_KEY

# orjson reads integers past 64 bits as floats; a run this long sends the body to the standard
# library, which keeps every digit.
_LONG_NUMBER = re.compile(rb"\d{19,}")

Fragment = orjson.Fragment
"""Already-serialised JSON, placed as is inside a document by ``dumps``."""


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8, with a final newline."""
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return _standard(value) + b"\n"


def encode(value: Any) -> bytes:
    """Compact JSON, UTF-8, no final newline (a part of a larger document)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _standard(value)


def _standard(value: Any) -> bytes:
    # orjson stops at 64-bit integers; the standard library writes any, as compactly.
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8", "surrogatepass")


def loads(raw: bytes) -> Any:
    """Parse JSON the mock wrote, every integer exact."""
    if _LONG_NUMBER.search(raw):
        return json.loads(raw)
    return orjson.loads(raw)


_RENDER_CACHES: weakref.WeakSet[RenderCache] = weakref.WeakSet()


class RenderCache:
    """Documents rendered once and kept serialised, for answers that embed many of them.

    Stored documents are never changed in place (a write stores a new one), so a rendering is
    good for as long as its document lives: entries are keyed by the document's identity and
    hold it, so the identity cannot be reused while its entry stands. Bounded: past
    ``max_entries`` the cache starts again empty.
    """

    def __init__(self, render: Any, max_entries: int = 10_000, max_pages: int = 64) -> None:
        self.render = render
        self.max_entries = max_entries
        self.max_pages = max_pages
        self._entries: dict[int, tuple[Any, bytes]] = {}
        # Whole arrays, keyed by their documents' identities: a page asked for again is one
        # lookup instead of one a document. Held like the entries, so the key stays theirs.
        self._pages: dict[tuple[int, ...], tuple[tuple[Any, ...], Fragment]] = {}
        _RENDER_CACHES.add(self)

    @staticmethod
    def forget_all() -> None:
        """Empty every render cache: after the whole state changes (a reset, a load), their
        entries hold only documents the store has let go, thousands after a load test, which
        would otherwise stay in memory, and keep the allocator's arenas around them."""
        for cache in list(_RENDER_CACHES):
            cache._entries = {}
            cache._pages = {}

    def __call__(self, document: Any) -> Fragment:
        """``render(document)``, serialised, as a fragment to place in an answer."""
        return Fragment(self._serialised(document))

    def many(self, documents: list[Any]) -> Fragment:
        """The JSON array of the documents' renderings, as one fragment."""
        key = tuple(map(id, documents))
        page = self._pages.get(key)
        if page is not None:
            return page[1]
        entries = self._entries
        parts = []
        for document in documents:
            entry = entries.get(id(document))
            parts.append(
                entry[1]
                if entry is not None and entry[0] is document
                else self._serialised(document)
            )
        fragment = Fragment(b"[" + b",".join(parts) + b"]")
        if len(self._pages) >= self.max_pages:
            self._pages = {}
        self._pages[key] = (tuple(documents), fragment)
        return fragment

    def _serialised(self, document: Any) -> bytes:
        entry = self._entries.get(id(document))
        if entry is not None and entry[0] is document:
            return entry[1]
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        serialised = encode(self.render(document))
        self._entries[id(document)] = (document, serialised)
        return serialised


class OrjsonJsonifier(Jsonifier):
    """Connexion's serialiser, writing the same bytes as ``dumps``."""

    def __init__(self) -> None:
        super().__init__(json)

    def dumps(self, data: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        return dumps(data)


class GateParsedBody:
    """For Connexion's JSON body validators: the body the gate parsed already, not parsed again
    (the same value: the gate parses strictly and exactly), else Connexion's own parse."""

    async def _parse(self, stream: Any, scope: Any) -> Any:
        read = scope.get("extensions", {}).get(CONTEXT_KEY)
        if read is not None and read.json is not None:
            return read.json
        return await super()._parse(stream, scope)  # type: ignore[misc]


class InvalidJSON(ValueError):
    """A request body that is not JSON the mock accepts; the message says why."""


def parse_request_json(raw: bytes, *, max_depth: int, max_digits: int) -> Any:
    """A request body as JSON, or ``InvalidJSON`` saying why it is refused."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(_reason(raw, exc, max_digits)) from None
    too_deep, inexact = _walk(value, max_depth)
    if too_deep:
        raise InvalidJSON(f"JSON nested deeper than {max_depth} levels")
    if inexact:
        value = _exact(raw, max_digits)
    return value


def _reason(raw: bytes, exc: orjson.JSONDecodeError, max_digits: int) -> str:
    """The standard library's words where it refuses the body too (they are what Connexion
    answered before); ours where it would have accepted it."""
    try:
        _exact(raw, max_digits)
    except InvalidJSON as std:
        return str(std)
    message = str(exc)
    if "surrogate" in message:
        return "JSON strings must not hold lone surrogates (\\ud800-\\udfff)"
    if "depth" in message:
        return "JSON nested too deeply"
    return "NaN, Infinity and numbers out of range are not JSON"


def _exact(raw: bytes, max_digits: int) -> Any:
    def integer(text: str) -> int:
        if len(text.lstrip("-")) > max_digits:
            raise InvalidJSON(f"JSON integer of more than {max_digits} digits")
        return int(text)

    def refuse(text: str) -> Any:
        raise InvalidJSON(f"{text} is not JSON")

    try:
        return json.loads(raw, parse_int=integer, parse_constant=refuse)
    except RecursionError:
        raise InvalidJSON("JSON nested too deeply") from None
    except InvalidJSON:
        raise
    except UnicodeDecodeError:
        raise InvalidJSON("The request body is not valid UTF-8.") from None
    except ValueError as exc:
        raise InvalidJSON(str(exc)) from None


def _walk(value: Any, limit: int) -> tuple[bool, bool]:
    """Whether ``value`` nests deeper than ``limit``, and whether it holds a float past 2^63:
    orjson's reading of an integer too long for 64 bits, which the standard library keeps."""
    inexact = False
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict):
            node = node.values()
        elif isinstance(node, float):
            inexact = inexact or abs(node) >= _INT64
            continue
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True, inexact
        level.extend((child, depth + 1) for child in node if isinstance(child, dict | list | float))
    return False, inexact


_INT64 = float(2**63)
