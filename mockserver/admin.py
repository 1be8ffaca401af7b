"""The admin plane at ``/__admin``: reset, re-seed, state export/import, journal, spec coverage,
scenarios and faults.

Never part of a vendor's spec. Reachable from loopback only (the socket's peer), unless the mock
was given an admin token: then every admin request must carry it in ``X-Leadmock-Admin-Token``,
from anywhere. Every input is checked before anything changes: a bad one is a 400 that names the
field and says why, and the mock is left as it was. Long work (seeding, importing, exporting a
large state) runs off the event loop or in chunks, so vendor requests keep being answered.
"""

from __future__ import annotations

import asyncio
import difflib
import hmac
import ipaddress
import math
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mockserver import jsoncodec, jsonpieces
from mockserver.adminui import AdminUi
from mockserver.coverage import markdown as coverage_markdown
from mockserver.coverage import table as coverage_table
from mockserver.errors import ServiceUnavailable
from mockserver.faults import Fault, FaultError
from mockserver.journal import CORS_PREFLIGHT
from mockserver.scenarios import KINDS as SCENARIOS
from mockserver.scenarios import ScenarioError
from mockserver.statemodel import StateModelError, check_state
from mockserver.store import quiet_collector

if TYPE_CHECKING:
    from mockserver.app import Mock

ADMIN_PREFIX = "/__admin"
TOKEN_HEADER = "x-leadmock-admin-token"
MAX_ADMIN_BODY = 512 * 1024 * 1024
"""Bytes: the largest admin body (a state document of a million leads fits)."""
_COVERAGE_FORMATS = ("json", "text", "markdown")
_EXPORT_CHUNK = 500
"""Documents serialised between two yields to the event loop."""
_FILE_CHUNK = 1024 * 1024
_DOCUMENT_LEVEL = 5
"""In a state, ``{"collections": [{"documents": {id: DOCUMENT}}]}``: where one document sits."""


class AdminError(ValueError):
    """An admin input refused: ``field`` names what is wrong, the message says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def admin_app(mock: Mock) -> Starlette:
    """The admin routes over ``mock``."""

    async def reset(request: Request) -> Response:
        """Back to the seed state: data, journal, faults and scenarios (the startup faults
        come back). Answers `{"reset": true}`."""
        # Off the event loop: restoring a large seed and giving memory back take a while.
        await asyncio.to_thread(mock.reset)
        return JSONResponse({"reset": True})

    async def seed(request: Request) -> Response:
        """Seed again with other options: a JSON body `{"seed": 7, "leads": 20}` (either
        field; `leads` at least 2). Answers the new facts (ids and credentials), as
        `mock.facts`."""
        options = _object(await _json(request), "body")
        _known(options, ("seed", "leads"))
        config = mock.config
        try:
            config = replace(
                config,
                seed=options.get("seed", config.seed),
                leads=options.get("leads", config.leads),
            )
        except ValueError as exc:
            raise AdminError(getattr(exc, "field", "body"), str(exc)) from None
        facts = await asyncio.to_thread(mock.reseed, seed=config.seed, leads=config.leads)
        return JSONResponse(facts)

    async def export_state(request: Request) -> Response:
        """The whole state as JSON, streamed: `{"collections": [{"collection", "scope",
        "documents"}], "sequences": {...}}`. `PUT` takes it back exactly."""
        return StreamingResponse(_state_chunks(mock.store.dump()), media_type="application/json")

    async def import_state(request: Request) -> Response:
        """Replace the whole state with the JSON body (an export's format): all or
        nothing, every document checked against its collection's model first (400 naming
        the one refused). Answers `{"imported": true}`."""
        chunks = await _chunks(request)

        def checked_load() -> None:
            with quiet_collector():
                state = _state(chunks, depth=mock.config.limits.json_depth + 8)
                validate_state(state)
                try:
                    check_state(state, mock.state_model())
                except StateModelError as exc:
                    raise AdminError(exc.where, str(exc)) from None
                mock.store.load(state)
                mock.forget_load()

        await asyncio.to_thread(checked_load)
        return JSONResponse({"imported": True})

    async def journal(request: Request) -> Response:
        """The requests answered, oldest first, as JSON. Filters: `operation`, `api`,
        `status`, `since` (Unix seconds), `valid` (true or false),
        `query.NAME=VALUE`, `header.NAME=VALUE`."""
        filters = journal_filters(request.query_params)
        _known_operation(filters.get("operation"), mock.operations)
        try:
            entries = mock.journal.entries(**filters)
        except LookupError as exc:
            raise AdminError("api", str(exc).strip("'\"")) from None
        return StreamingResponse(
            _iterate(mock.journal.export(entries)), media_type="application/json"
        )

    async def clear_journal(request: Request) -> Response:
        """Forget the requests answered so far (204)."""
        mock.journal.clear()
        return Response(status_code=204)

    async def coverage(request: Request) -> Response:
        """The spec coverage of the requests answered: operations, documented statuses,
        query parameters and body fields seen and never seen, per API. `?format=json`
        (default), `text` or `markdown`; `counted_from` says whether every request since
        the start (`serve --coverage`) or the journal was counted."""
        shown = request.query_params.get("format", "json")
        if shown not in _COVERAGE_FORMATS:
            raise AdminError("format", f"one of {', '.join(_COVERAGE_FORMATS)}, not {shown!r}")
        if mock.counting_coverage and mock.shared is None:
            counted, source = mock.coverage, "every request since the start"
        else:
            # Not counted (serve without --coverage), or by each worker apart (a shared
            # store): the journal holds the requests, until a reset.
            counted, source = mock.coverage.uncounted(), "the journal (a reset empties it)"
            for entry in mock.journal.entries():
                counted.note(entry)
        report = {**counted.report(), "counted_from": source}
        if shown == "json":
            return JSONResponse(report)
        text = coverage_table(report) + "\n" if shown == "text" else coverage_markdown(report)
        return Response(text, media_type="text/markdown" if shown == "markdown" else "text/plain")

    async def clear_coverage(request: Request) -> Response:
        """Start counting coverage again (204)."""
        mock.coverage.clear()
        return Response(status_code=204)

    async def scenarios(request: Request) -> Response:
        """The active scenarios, with their fields."""
        return JSONResponse([scenario.to_dict() for scenario in mock.scenarios.list()])

    async def add_scenario(request: Request) -> Response:
        """Start a scenario: `{"name": "rate_limited", "seconds": 5, "operation":
        "list_leads"}` (names: `rate_limited`, `token_expiry`, `outage`, `slow_pages`,
        `list_drift`, `eventual_consistency`; every field checked before anything is set).
        201 with the scenario."""
        body = dict(_object(await _json(request), "body"))
        if "name" not in body:
            raise AdminError("name", f"the scenario's name: one of {', '.join(SCENARIOS)}")
        try:
            added = mock.scenarios.add(body.pop("name"), **body)
        except ScenarioError as exc:
            raise AdminError(exc.field, str(exc)) from None
        return JSONResponse(added.to_dict(), status_code=201)

    async def clear_scenarios(request: Request) -> Response:
        """End every scenario (204)."""
        mock.scenarios.clear()
        return Response(status_code=204)

    async def faults(request: Request) -> Response:
        """The active faults, with their fields."""
        return JSONResponse([fault.to_dict() for fault in mock.faults.list()])

    async def add_fault(request: Request) -> Response:
        """Add a fault: `{"status": 503, "operation": "list_leads", "times": 1}`; fields
        `status`, `retry_after`, `latency` (seconds or `[low, high]`), `drop`, `api`,
        `operation`, `times`, `share`. 201 with the fault."""
        body = await _json(request)
        try:
            added = mock.faults.add(Fault.from_dict(body))
        except FaultError as exc:
            raise AdminError(exc.field, str(exc)) from None
        return JSONResponse(added.to_dict(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        """Remove every fault, the startup ones too (204)."""
        mock.faults.clear()
        return Response(status_code=204)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AdminError)
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=400)

    async def unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceUnavailable)
        return JSONResponse({"error": exc.message}, status_code=503, headers=exc.headers)

    async def health(request: Request) -> Response:
        """Readiness: 200 `{"status": "ok", "vendors", "apis", "pid"}` once every API is
        mounted and seeded (`store` too over Redis; 503 while Redis is away)."""
        # For readiness probes: answering at all means the APIs are mounted and seeded; a
        # mock whose shared store is away says so (503), as its vendor requests would.
        answer = {
            "status": "ok",
            "vendors": list(mock.facts),
            "apis": mock.apis,
            "pid": os.getpid(),
        }
        if mock.shared is not None:
            with mock.shared.reached():
                mock.shared.client.ping()
            answer["store"] = mock.shared.url.shown
        return JSONResponse(answer)

    async def index(request: Request) -> Response:
        """These routes: method, path and what each does."""
        listed = [
            {
                "method": method,
                "path": route.path,
                "doc": " ".join((route.endpoint.__doc__ or "").split()),
            }
            for route in routes
            for method in sorted(route.methods or ())
            if method != "HEAD"
        ]
        return JSONResponse({"routes": listed})

    routes = [
        Route(f"{ADMIN_PREFIX}/", index, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/seed", seed, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/state", export_state, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/state", import_state, methods=["PUT"]),
        Route(f"{ADMIN_PREFIX}/journal", journal, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/journal", clear_journal, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}/coverage", coverage, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/coverage", clear_coverage, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}/scenarios", scenarios, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/scenarios", add_scenario, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/scenarios", clear_scenarios, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/faults", add_fault, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/faults", clear_faults, methods=["DELETE"]),
        *AdminUi(mock, ADMIN_PREFIX).routes(),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={AdminError: refused, ServiceUnavailable: unavailable},
    )


def admin_allowed(scope: Any, token: str | None) -> bool:
    """Loopback callers without a token configured; anyone with the right token otherwise."""
    if token:
        for name, value in scope.get("headers", ()):
            if name == TOKEN_HEADER.encode():
                return hmac.compare_digest(value, token.encode())
        return False
    host = (scope.get("client") or ("", 0))[0]
    if host == "testclient":  # Starlette's in-process test client: no network at all
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_state(state: Any) -> None:
    """That ``state`` is a document ``GET /__admin/state`` could have written (``AdminError``)."""
    state = _object(state, "state")
    _known(state, ("collections", "sequences"), where="state")
    for name in ("collections", "sequences"):
        if name not in state:
            raise AdminError(name, f"{name} is required")
    collections = state["collections"]
    if not isinstance(collections, list):
        raise AdminError("collections", "collections is a list of {collection, scope, documents}")
    seen = set()
    for index, entry in enumerate(collections):
        where = f"collections[{index}]"
        entry = _object(entry, where)
        _known(entry, ("collection", "scope", "documents"), where=where)
        name, scope, documents = entry.get("collection"), entry.get("scope"), entry.get("documents")
        for required in ("collection", "scope", "documents"):
            if required not in entry:
                raise AdminError(f"{where}.{required}", f"{required} is required")
        if not isinstance(name, str) or not name:
            raise AdminError(f"{where}.collection", "a collection's name, a non-empty string")
        if scope is not None and not isinstance(scope, str):
            raise AdminError(f"{where}.scope", "a scope is a string or null")
        if (name, scope) in seen:
            raise AdminError(where, f"collection {name!r} with scope {scope!r} appears twice")
        seen.add((name, scope))
        if not isinstance(documents, dict):
            raise AdminError(f"{where}.documents", "documents is an object of documents by id")
        for key, document in documents.items():
            if not isinstance(document, dict):
                raise AdminError(f"{where}.documents.{key}", "a document is a JSON object")
    sequences = _object(state["sequences"], "sequences")
    for key, value in sequences.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AdminError(
                f"sequences.{key}", f"a sequence is a whole number 0 or more, not {value!r}"
            )


def read_state_file(path: str | Path, *, depth: int) -> dict[str, Any]:
    """The state document in the file at ``path``, checked as ``PUT /__admin/state`` checks
    one (``AdminError`` saying why not, ``OSError`` when it cannot be read): a regular file
    of at most ``MAX_ADMIN_BODY`` bytes, JSON nested at most ``depth`` levels."""
    file = Path(path)
    # Asked before opening: a FIFO nobody writes would block the open, a device never ends.
    if not stat.S_ISREG(file.stat().st_mode):
        raise AdminError("file", "not a regular file (a FIFO, a device or a folder is refused)")
    chunks, size = [], 0
    with file.open("rb") as reader:
        while chunk := reader.read(_FILE_CHUNK):
            size += len(chunk)
            if size > MAX_ADMIN_BODY:
                raise AdminError("file", f"a state document is at most {MAX_ADMIN_BODY} bytes")
            chunks.append(chunk)
    state = _state(chunks, depth=depth)
    validate_state(state)
    return state


def _known_operation(operation: str | None, operations: dict[str, set[str]]) -> None:
    """Refuse an operationId no served API has: such a filter would silently match nothing."""
    known = {CORS_PREFLIGHT}.union(*operations.values())
    if operation is not None and operation not in known:
        close = difflib.get_close_matches(operation, sorted(known), n=3)
        hint = f"; close: {', '.join(close)}" if close else ""
        raise AdminError("operation", f"no API served has an operationId {operation[:60]!r}{hint}")


_BY_PREFIX = {"query.": "query", "header.": "headers"}
"""``?query.page=2&header.x-trace=abc``: entries with that query parameter, that header."""


def journal_filters(query: Any) -> dict[str, Any]:
    """The journal filters of an admin query string (``AdminError`` for a bad one)."""
    filters: dict[str, Any] = {}
    plain = {}
    for key, value in query.items():
        prefix = next((p for p in _BY_PREFIX if key.startswith(p)), None)
        if prefix is None:
            plain[key] = value
        elif key == prefix:
            raise AdminError(key, f"{prefix}NAME=VALUE names the {_BY_PREFIX[prefix]} to match")
        else:
            filters.setdefault(_BY_PREFIX[prefix], {})[key[len(prefix) :]] = value
    known = ("operation", "api", "status", "since", "valid", "query.NAME", "header.NAME")
    _known(plain, known, where="query")
    for name in ("operation", "api"):
        if name in query:
            filters[name] = query[name]
    if "status" in query:
        text = query["status"]
        if not (text.isdigit() and 100 <= int(text[:4]) <= 599 and len(text) == 3):
            raise AdminError("status", f"an HTTP status 100 to 599, not {text[:20]!r}")
        filters["status"] = int(text)
    if "since" in query:
        try:
            since = float(query["since"])
        except ValueError:
            since = math.nan
        if not math.isfinite(since):
            raise AdminError("since", f"a Unix time in seconds, not {query['since'][:40]!r}")
        filters["since"] = since
    if "valid" in query:
        if query["valid"] not in ("true", "false"):
            raise AdminError("valid", f"true or false, not {query['valid'][:20]!r}")
        filters["valid"] = query["valid"] == "true"
    return filters


async def _state_chunks(state: dict[str, Any]) -> AsyncIterator[bytes]:
    """The state document, serialised a few thousand documents at a time."""
    yield b'{"collections":['
    for index, entry in enumerate(state["collections"]):
        head = {"collection": entry["collection"], "scope": entry["scope"]}
        yield (b"," if index else b"") + jsoncodec.encode(head)[:-1] + b',"documents":{'
        items = list(entry["documents"].items())
        for start in range(0, len(items), _EXPORT_CHUNK):
            part = b",".join(
                jsoncodec.encode(key) + b":" + jsoncodec.encode(document)
                for key, document in items[start : start + _EXPORT_CHUNK]
            )
            yield (b"," if start else b"") + part
            await asyncio.sleep(0)
        yield b"}}"
    yield b'],"sequences":' + jsoncodec.encode(state["sequences"]) + b"}"


async def _iterate(chunks: Any) -> AsyncIterator[bytes]:
    for count, chunk in enumerate(chunks):
        yield chunk
        if count % _EXPORT_CHUNK == 0:
            await asyncio.sleep(0)


async def _chunks(request: Request) -> list[bytes]:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_ADMIN_BODY:
            raise AdminError("body", f"an admin body is at most {MAX_ADMIN_BODY} bytes")
        chunks.append(chunk)
    return chunks


async def _body(request: Request) -> bytes:
    return b"".join(await _chunks(request))


def _parse(raw: bytes, *, depth: int = 16) -> Any:
    if not raw.strip():
        return {}
    try:
        return jsoncodec.parse_request_json(raw, max_depth=depth, max_digits=100)
    except jsoncodec.InvalidJSON as exc:
        raise AdminError("body", f"the body is not JSON the mock accepts: {exc}") from None


def _state(chunks: list[bytes], *, depth: int) -> Any:
    """A state document, read a document at a time (``jsonpieces``): joining and parsing a
    large one in one call would hold the interpreter, and every request with it."""
    if not any(chunk.strip() for chunk in chunks):
        return {}
    try:
        return jsonpieces.parse_in_pieces(
            chunks, whole_at=_DOCUMENT_LEVEL, max_depth=depth, max_digits=100
        )
    except jsoncodec.InvalidJSON as exc:
        raise AdminError("body", f"the body is not JSON the mock accepts: {exc}") from None


async def _json(request: Request) -> Any:
    return _parse(await _body(request))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AdminError(where, f"{where} must be a JSON object")
    return value


def _known(given: dict[str, Any], names: tuple[str, ...], *, where: str = "body") -> None:
    for name in given:
        if name not in names:
            raise AdminError(
                str(name), f"{name!r} is not a field of the {where}; known: {', '.join(names)}"
            )
