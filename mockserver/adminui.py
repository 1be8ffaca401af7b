"""The page at ``/__admin/ui/``: what a served mock saw (its requests, live, with their spec
verdicts), its state, its faults and scenarios, and the coverage of its document. Behind the
admin plane's guard, as every ``/__admin`` route is.

The page is three static files (``mockserver/ui/``: no build step, nothing from another host)
and reads three routes of its own besides the admin plane's: ``requests`` (a line for each of
the journal's newest entries since a time), ``request`` (one entry whole: its request and
answer, secrets redacted, for a click) and ``state`` (collections with their counts; a
collection's documents, searched). Whatever it changes goes through the admin routes (faults,
scenarios, reset), as a script would.

The mock never waits on the page: the page polls the journal, and a poll costs the mock little
(the newest entries only, read from the journal's end; a line each, no body parsed or
redacted: that is done for the one entry a click opens). While a page polls, the journal
also keeps each answer's headers and body (bounded by its byte budget), so a click can show
them; ``ANSWERS_WATCHED_SECONDS`` after the last poll it stops again.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.journal import Entry
from mockserver.redaction import REDACTED, Redactor, SecretNames, secret_names

if TYPE_CHECKING:
    from mockserver.app import Mock

UI_FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "app.js": ("app.js", "text/javascript; charset=utf-8"),
    "style.css": ("style.css", "text/css; charset=utf-8"),
}
"""The page's files: the only paths under ``/__admin/ui/`` (nothing else is read from disk)."""
ANSWERS_WATCHED_SECONDS = 30.0
FEED_LIMIT = 200
"""Entries one poll answers at most (the newest): a page that fell behind skips to the present
(at a thousand requests a second, the page could not show them all anyway)."""
STATE_PAGE = 50
_KEYED_BY_SECRET = re.compile(r"key|token|secret", re.IGNORECASE)


class AdminUi:
    """The page's routes over one mock."""

    def __init__(self, mock: Mock, prefix: str) -> None:
        self.mock = mock
        self.prefix = prefix
        self._secrets: SecretNames | None = None
        self._watched_until = 0.0
        self._watching: asyncio.TimerHandle | None = None

    def routes(self) -> list[Route]:
        ui = f"{self.prefix}/ui"
        return [
            Route(f"{ui}/requests", self.requests, methods=["GET"]),
            Route(f"{ui}/request", self.request, methods=["GET"]),
            Route(f"{ui}/state", self.state, methods=["GET"]),
            Route(f"{ui}/", self.page, methods=["GET"]),
            Route(f"{ui}/{{name}}", self.page, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        """The page (``/__admin/ui/``) and its script and style."""
        found = UI_FILES.get(request.path_params.get("name", ""))
        if found is None:
            return JSONResponse({"error": "no such file of the page", "field": "path"}, 404)
        name, media_type = found
        body = resources.files("mockserver.ui").joinpath(name).read_bytes()
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

    async def requests(self, request: Request) -> Response:
        """A line for each of the journal's entries answered at or after ``since`` (Unix
        seconds), oldest first, at most ``FEED_LIMIT`` (the newest): when, what, its status and
        its verdict's kind, the query's secrets redacted; ``request`` has the rest."""
        text = request.query_params.get("since", "0")
        try:
            since = float(text)
        except ValueError:
            return JSONResponse({"error": f"a Unix time in seconds, not {text[:40]!r}",
                                 "field": "since"}, 400)  # fmt: skip
        self._watch()
        entries = await self._read(self.mock.journal.newest, since=since, limit=FEED_LIMIT)
        lines = [self._line(entry, self._secret_names()) for entry in entries]
        body = {"entries": lines, "now": time.time(), "answers_kept": self._answers_kept()}
        return Response(orjson.dumps(body), media_type="application/json")

    async def request(self, request: Request) -> Response:
        """The entry whose line has this ``key``, whole: its verdict (the failing rule), its
        request and (when kept) its answer, headers and bodies, secrets redacted."""
        key = request.query_params.get("key", "")
        at, _, _ = key.partition(":")
        try:
            answered = float(at)
        except ValueError:
            return JSONResponse({"error": "the key of a line of /ui/requests", "field": "key"},
                                400)  # fmt: skip
        journal = self.mock.journal
        candidates = await self._read(journal.newest, since=answered, limit=journal.limit)
        found = next((e for e in reversed(candidates) if _key(e) == key), None)
        if found is None:
            return JSONResponse({"error": "no such request in the journal (it keeps the newest)",
                                 "field": "key"}, 404)  # fmt: skip
        return Response(orjson.dumps(self._entry(found), default=str),
                        media_type="application/json")  # fmt: skip

    async def state(self, request: Request) -> Response:
        """Without ``collection``: every collection (and scope) with its count. With it: its
        documents (``scope``; ``q`` keeps those whose JSON holds that text, any case;
        ``offset``), secrets redacted."""
        dumped = await asyncio.to_thread(self.mock.store.dump)
        wanted = request.query_params.get("collection")
        if wanted is None:
            listed = [
                {"collection": part["collection"], "scope": part["scope"],
                 "count": len(part["documents"])}
                for part in dumped["collections"]
            ]  # fmt: skip
            return JSONResponse({"collections": listed})
        scope = request.query_params.get("scope") or None
        search = request.query_params.get("q", "").casefold()
        try:
            offset = max(0, int(request.query_params.get("offset", "0")))
        except ValueError:
            return JSONResponse({"error": "a whole number", "field": "offset"}, 400)
        part = next(
            (p for p in dumped["collections"] if p["collection"] == wanted and p["scope"] == scope),
            None,
        )
        if part is None:
            return JSONResponse({"error": f"no collection {wanted!r} in scope {scope!r}",
                                 "field": "collection"}, 404)  # fmt: skip
        redactor = Redactor(self._secret_names())
        # A collection keyed by the credential itself (Overloop's and Leads & CRM's API keys).
        hidden_keys = bool(_KEYED_BY_SECRET.search(wanted))
        found = [
            {"key": REDACTED if hidden_keys else key, "document": redactor.value(document)}
            for key, document in part["documents"].items()
            if not search or search in orjson.dumps(document, default=str).decode().casefold()
        ]
        page = found[offset : offset + STATE_PAGE]
        body = {"collection": wanted, "scope": scope, "total": len(found), "offset": offset,
                "documents": page}  # fmt: skip
        return Response(orjson.dumps(body, default=str), media_type="application/json")

    # -- helpers ---------------------------------------------------------------------------

    def _watch(self) -> None:
        """Keep answers while a page polls, and stop ``ANSWERS_WATCHED_SECONDS`` after."""
        journal = self.mock.journal
        self._watched_until = time.monotonic() + ANSWERS_WATCHED_SECONDS
        if self._watching is None and not journal.keep_answers:
            journal.keep_answers = True
            loop = asyncio.get_running_loop()
            self._watching = loop.call_later(ANSWERS_WATCHED_SECONDS, self._unwatch)

    def _unwatch(self) -> None:
        left = self._watched_until - time.monotonic()
        if left > 0:
            self._watching = asyncio.get_running_loop().call_later(left, self._unwatch)
            return
        self._watching = None
        self.mock.journal.keep_answers = False

    def _answers_kept(self) -> bool:
        # A journal in Redis (a shared store) keeps no answers.
        return self.mock.shared is None and self.mock.journal.keep_answers

    def _secret_names(self) -> SecretNames:
        """The secrets of every API served, as their documents name them."""
        if self._secrets is None:
            from mockserver.registry import registry_for
            from mockserver.routing import resolve_refs
            from mockserver.specfiles import load_spec

            headers: set[str] = set()
            fields: set[str] = set()
            registry = registry_for(self.mock.config)
            for api in self.mock.apis:
                _, mount = registry.vendor_of(api, self.mock.config)
                names = secret_names(resolve_refs(load_spec(mount.spec)))
                headers |= names.headers
                fields |= names.fields
            self._secrets = SecretNames(frozenset(headers), frozenset(fields))
        return self._secrets

    async def _read(self, read: Callable[..., list[Entry]], **filters: Any) -> list[Entry]:
        # A journal in Redis is a network read: not on the event loop the mock answers on.
        if self.mock.shared is not None:
            return await asyncio.to_thread(read, **filters)
        return read(**filters)

    @staticmethod
    def _line(entry: Entry, secrets: SecretNames) -> dict[str, Any]:
        """An entry's line on the page: no body, nothing but the query to redact."""
        return {
            "key": _key(entry),
            "at": entry.at,
            "api": entry.api,
            "operation": entry.operation,
            "method": entry.method,
            "path": entry.path,
            "query": Redactor(secrets).query(entry.query) if entry.query else "",
            "status": entry.status,
            "elapsed_ms": round(entry.elapsed_ms, 2),
            "verdict": {"kind": verdict(entry)["kind"]},
        }

    def _entry(self, entry: Entry) -> dict[str, Any]:
        """An entry whole (its line, its verdict with the rule, its request and answer),
        every secret redacted."""
        redactor = Redactor(self._secret_names())
        request_type = entry.headers.get("content-type", "")
        shown: dict[str, Any] = {
            **self._line(entry, self._secret_names()),
            "verdict": verdict(entry),
            "request": {
                "headers": redactor.headers(entry.headers),
                "body": _text(redactor.body(entry.raw_body, request_type)),
                "body_truncated": entry.body_truncated,
            },
        }
        if entry.raw_answer or entry.answer_headers:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in entry.answer_headers}
            shown["answer"] = {
                "headers": redactor.headers(headers),
                "body": _text(redactor.body(entry.raw_answer, headers.get("content-type", ""))),
            }
        # A refusal may quote what the request sent: scrubbed of every secret hidden above.
        redactor.query(entry.query)
        for part in ("rule", "problems"):
            if part in shown["verdict"]:
                shown["verdict"][part] = _scrubbed(shown["verdict"][part], redactor.text)
        return shown


def _key(entry: Entry) -> str:
    """What names an entry on the page: when it was answered, then what it was."""
    return f"{entry.at!r}:{entry.method}:{entry.path}:{entry.elapsed_ms!r}"


def verdict(entry: Entry) -> dict[str, Any]:
    """What the document says of one exchange: ``valid``, ``refused`` (the request broke it:
    ``rule`` says how, in plain words), ``answer invalid`` (a proxied answer broke it),
    ``static`` (answered from the document's examples), or ``no answer`` (the upstream's)."""
    if entry.upstream_error:
        return {"kind": "no answer", "rule": entry.upstream_error}
    if not entry.valid:
        return {"kind": "refused", "rule": entry.refusal or ""}
    if entry.response_problems:
        return {"kind": "answer invalid", "problems": list(entry.response_problems)}
    if entry.static:
        return {"kind": "static"}
    return {"kind": "valid"}


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, list):
        return [scrub(str(item)) for item in value]
    return scrub(str(value))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
