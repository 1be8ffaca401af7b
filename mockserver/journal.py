"""The request journal: what each request asked of which API operation, and how it was answered.

Entries know the spec: the API, the operationId the request routed to, and whether the request
passed the spec's validation. Tests filter them and assert on them.

It is bounded twice: in entries and in bytes. An entry keeps at most ``body_bytes`` of its body
(marked truncated) as the raw bytes, parsed only when read, so a small body that parses into a
large structure costs its size, not the structure's.
"""

from __future__ import annotations

import email.policy
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mockserver import clientchecks

_ENTRY_OVERHEAD = 512
"""Bytes an entry costs beside its body and headers, for the journal's byte budget."""


CORS_PREFLIGHT = "cors_preflight"
"""The operation name the journal gives a browser's CORS preflight."""


@dataclass(slots=True)
class Entry:
    """One request and its answer. Read-only by convention: one is made for every request, and
    a frozen dataclass sets each of its twenty-odd fields through ``object.__setattr__`` (2.1 us
    an entry, against 0.6 us with slots)."""

    api: str | None
    operation: str | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    raw_body: bytes
    status: int
    valid: bool
    at: float = field(default_factory=time.time)
    body_size: int = 0
    """The body's whole size; ``raw_body`` holds at most the journal's ``body_bytes`` of it."""
    refusal: str | None = None
    """Why the spec refused the request (the error's message); None when it did not."""
    elapsed_ms: float = 0.0
    """From the request's arrival at the journal to its answer's last byte sent."""
    response_problems: tuple[str, ...] | None = None
    """How the answer departs from the spec (``leadmock proxy``); None when it was not checked."""
    upstream_error: str | None = None
    """Why ``leadmock proxy`` got no answer from the upstream (a timeout, a refused connection)."""
    static: bool = False
    """Answered from the document's examples or schema, not from state (``--spec``)."""
    scenario: str | None = None
    """The scenario that answered or delayed the request (``token_expiry``...), if one did."""
    retry_after: float | None = None
    """The answer's ``Retry-After`` in seconds (a 429's or a 503's), when it had one."""
    raw_answer: bytes = b""
    """The answer's body, at most ``body_bytes`` of it, for a journal that keeps answers
    (``Journal.keep_answers``: the fixture's does; a served mock's while its page is open)."""
    answer_headers: tuple[tuple[bytes, bytes], ...] = ()
    """The answer's headers, as sent, for a journal that keeps answers."""

    @property
    def body(self) -> Any:
        """The body as the request's media type reads: JSON parsed; a form (urlencoded or
        multipart) as a dict of its fields (a repeated field as a list, a file as its name,
        type and size); anything else as text. None when there was none."""
        return _decode(self.raw_body, self.headers.get("content-type", ""))

    @property
    def answer(self) -> Any:
        """The answer's body as JSON, or None (not kept, not JSON, or cut short)."""
        if not self.raw_answer:
            return None
        try:
            return orjson.loads(self.raw_answer)
        except orjson.JSONDecodeError:
            return None

    @property
    def arrived(self) -> float:
        """When the request arrived (``at`` is when its answer was done)."""
        return self.at - self.elapsed_ms / 1000

    @property
    def body_truncated(self) -> bool:
        return self.body_size > len(self.raw_body)

    @property
    def cost(self) -> int:
        """Bytes this entry holds, roughly."""
        # map(len) rather than a generator: no Python frame a header, on every request.
        headers = sum(map(len, self.headers)) + sum(map(len, self.headers.values()))
        answer = 0
        if self.answer_headers:  # kept only while answers are (the fixture, an open page)
            answer = len(self.raw_answer) + sum(map(len, chain.from_iterable(self.answer_headers)))
        kept = len(self.raw_body) + headers + answer + len(self.path) + len(self.query)
        return _ENTRY_OVERHEAD + kept

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the admin plane."""
        return {
            "api": self.api,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "body_size": self.body_size,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "valid": self.valid,
            "refusal": self.refusal,
            "elapsed_ms": self.elapsed_ms,
            "at": self.at,
            **({"static": True} if self.static else {}),
            **({"scenario": self.scenario} if self.scenario else {}),
            **({"retry_after": self.retry_after} if self.retry_after is not None else {}),
            **self._proxied(),
        }

    def _proxied(self) -> dict[str, Any]:
        """What a proxy adds: the answer's own verdict, apart from the request's."""
        if self.response_problems is None and self.upstream_error is None:
            return {}
        problems = list(self.response_problems or ())
        return {
            "response": {"valid": not problems and not self.upstream_error, "problems": problems},
            "upstream_error": self.upstream_error,
        }


class Journal:
    """A thread-safe list of entries, with filters and assertions for tests.

    It keeps the newest ``limit`` entries within ``max_bytes``, each body cut to ``body_bytes``,
    so a long-running stand-in under load, or under attack, stays bounded.
    """

    def __init__(
        self,
        limit: int = 10_000,
        *,
        max_bytes: int = 64 * 1024 * 1024,
        body_bytes: int = 64 * 1024,
        names: Callable[[str], tuple[str, ...]] | None = None,
    ) -> None:
        self.limit, self.max_bytes, self.body_bytes = limit, max_bytes, body_bytes
        # Which APIs an ``api`` filter means: a vendor's name means every API it serves.
        self._names = names or (lambda name: (name,))
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque()
        # Each entry's cost, beside it: a full journal gives one back on every request, and
        # counting it again (its headers) would cost as much as counting it the first time.
        self._costs: deque[int] = deque()
        self._bytes = 0
        self._listeners: list[Callable[[Entry], None]] = []
        self.sign_ins: frozenset[tuple[str, str]] = frozenset()
        """(API, operation) pairs that sign in, for ``assert_signed_in_again``."""
        self.keep_answers = False
        """Keep each answer's body (at most ``body_bytes``) for the client-behaviour
        assertions that read them (``assert_paginated_to_end``)."""

    def subscribe(self, listener: Callable[[Entry], None]) -> None:
        """Call ``listener`` with every entry as it is recorded (the request log is one)."""
        self._listeners.append(listener)

    @property
    def listened(self) -> bool:
        return bool(self._listeners)

    def record(self, entry: Entry) -> None:
        cost = entry.cost
        with self._lock:
            self._entries.append(entry)
            self._costs.append(cost)
            self._bytes += cost
            while len(self._entries) > self.limit or (
                self._bytes > self.max_bytes and len(self._entries) > 1
            ):
                self._entries.popleft()
                self._bytes -= self._costs.popleft()
        self.notify(entry)

    async def record_async(self, entry: Entry) -> None:
        """``record``, for a journal kept elsewhere that can be waited on without blocking."""
        self.record(entry)

    def notify(self, entry: Entry) -> None:
        """Tell the listeners of an entry without keeping it (an admin request's)."""
        for listener in self._listeners:
            listener(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._costs.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        """What the entries hold, roughly (the byte budget counts this)."""
        with self._lock:
            return self._bytes

    def _all(self) -> list[Entry]:
        """Every entry kept, oldest first."""
        with self._lock:
            return list(self._entries)

    def newest(self, *, since: float, limit: int) -> list[Entry]:
        """At most ``limit`` of the newest entries answered at or after ``since``, oldest first:
        what a poller reads (the page), in time that grows with what it reads, not with the
        journal (entries are kept in the order they were answered)."""
        found: list[Entry] = []
        with self._lock:
            for entry in reversed(self._entries):
                if entry.at < since or len(found) == limit:
                    break
                found.append(entry)
        found.reverse()
        return found

    def export(self, entries: list[Entry]) -> Iterator[bytes]:
        """``entries`` as one JSON array, a chunk at a time (for a streamed answer)."""
        yield b"["
        for index, entry in enumerate(entries):
            yield (b"," if index else b"") + _entry_json(entry)
        yield b"]"

    def entries(
        self,
        operation: str | None = None,
        *,
        api: str | None = None,
        status: int | None = None,
        since: float | None = None,
        valid: bool | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> list[Entry]:
        """Entries matching every filter given (``LookupError`` for an unknown ``api``);
        ``query`` and ``headers`` match entries that have each of those parameters or headers
        (names of headers in any case) with that value."""
        apis = None if api is None else set(self._names(api))
        wanted_headers = {k.lower(): v for k, v in (headers or {}).items()}
        entries = self._all()
        return [
            e
            for e in entries
            if (operation is None or e.operation == operation)
            and (apis is None or e.api in apis)
            and (status is None or e.status == status)
            and (since is None or e.at >= since)
            and (valid is None or e.valid is valid)
            and (not query or _has_query(e.query, query))
            and all(e.headers.get(k) == v for k, v in wanted_headers.items())
        ]

    def assert_called(
        self,
        operation: str,
        *,
        times: int | None = None,
        api: str | None = None,
        status: int | None = None,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> list[Entry]:
        """Assert ``operation`` was called (``times`` times, with a body containing ``body``,
        with those query parameters and headers).

        On failure the message lists every request the mock received instead.
        """
        matching = [
            e
            for e in self.entries(operation, api=api, status=status, query=query, headers=headers)
            if body is None or _contains(e.body, body)
        ]
        if (times is None and not matching) or (times is not None and len(matching) != times):
            wanted = f"{times} call(s)" if times is not None else "a call"
            detail = f" with a body containing {body!r}" if body is not None else ""
            received = "\n".join(
                f"  {e.api}.{e.operation} {e.method} {e.path} -> {e.status} body={e.body!r}"
                for e in self.entries()
            )
            raise AssertionError(
                f"expected {wanted} to {operation}{detail}, found {len(matching)}.\n"
                f"Received:\n{received or '  nothing'}"
            )
        return matching

    # -- the client's behaviour (clientchecks.py), on this journal's timeline -----------------

    def assert_honoured_retry_after(
        self, operation: str | None = None, *, api: str | None = None
    ) -> None:
        """No request to an operation before the ``Retry-After`` of its 429 or 503 ran out."""
        found = clientchecks.honoured_retry_after(self.entries(operation, api=api))
        _fail("the client did not wait out Retry-After", found)

    def assert_paginated_to_end(self, operation: str, *, api: str | None = None) -> None:
        """The last page the client read of ``operation`` was the list's last."""
        found = clientchecks.paginated_to_end(self.entries(operation, api=api), operation)
        _fail(f"the client did not read {operation} to its end", found)

    def assert_not_retried(self, operation: str, *, api: str | None = None) -> None:
        """No request of ``operation`` (a write that is not idempotent) was sent again."""
        found = clientchecks.not_retried(self.entries(operation, api=api), operation)
        _fail(f"the client retried {operation}", found)

    def assert_rate_at_most(
        self, rate: str, *, operation: str | None = None, api: str | None = None
    ) -> None:
        """At most ``rate`` (``200/min``, ``10/s``) requests in any such window."""
        entries = [e for e in self.entries(operation, api=api) if e.api is not None]
        _fail(f"the client sent more than {rate}", clientchecks.rate_at_most(entries, rate))

    def assert_signed_in_again(self, *, api: str | None = None) -> None:
        """After its token expired (the ``token_expiry`` scenario's 401), the client signed in
        again, never sent the expired token again, and went on with the new one."""
        found = clientchecks.signed_in_again(self.entries(api=api), self.sign_ins)
        _fail("the client did not sign in again", found)


def _fail(what: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(f"{what}:\n" + "\n".join(f"  {problem}" for problem in problems))


def _has_query(raw: str, wanted: dict[str, str]) -> bool:
    given = parse_qsl(raw, keep_blank_values=True)
    return all((name, str(value)) in given for name, value in wanted.items())


def _contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds everything in ``expected`` (dicts compared key by key)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _contains(actual[key], value) for key, value in expected.items()
        )
    return actual == expected


OperationName = Callable[[str | None, str | None], str | None]
"""(API, operationId) -> the name users know the operation by (``Vendor.operation_name``)."""


def _decode(raw: bytes, content_type: str = "") -> Any:
    if not raw:
        return None
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return _fields(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if kind == "multipart/form-data":
        parts = _multipart(raw, content_type)
        if parts is not None:
            return parts
    try:
        return orjson.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields as a dict: one value as itself, a repeated field as the list of its values."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields:
            fields[name] = (
                [*fields[name], value] if isinstance(fields[name], list) else [fields[name], value]
            )
        else:
            fields[name] = value
    return fields


def _multipart(raw: bytes, content_type: str) -> dict[str, Any] | None:
    """A multipart form's fields (files as name, type and size), or None if it does not parse
    (the journal keeps such a body as text)."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    if not message.is_multipart():
        return None
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            value: Any = {
                "filename": filename,
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        else:
            value = payload.decode(part.get_content_charset() or "utf-8", "replace")
        pairs.append((str(name), value))
    return _fields(pairs)


def _entry_json(entry: Entry) -> bytes:
    """One entry as JSON, whatever its request carried."""
    shown = entry.to_dict()
    try:
        return _json_bytes(shown)
    except (RecursionError, ValueError, TypeError):
        # A body nested deeper than a JSON writer goes (the spec refused it, the journal keeps
        # it): shown as the text it came as.
        shown["body"] = entry.raw_body.decode("utf-8", "replace")
        return _json_bytes(shown)


def _json_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # A body that was kept as text with lone surrogates: the standard library escapes them.
        return json.dumps(value).encode()
