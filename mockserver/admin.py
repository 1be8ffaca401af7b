"""The admin plane at ``/__admin``: reset, re-seed, state export/import, journal and faults.

Never part of a vendor's spec. Reachable from loopback only, unless the mock was given an admin
token: then every admin request must carry it in ``X-Leadmock-Admin-Token``, from anywhere.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.faults import Fault

if TYPE_CHECKING:
    from mockserver.app import Mock

ADMIN_PREFIX = "/__admin"
TOKEN_HEADER = "x-leadmock-admin-token"


def admin_app(mock: Mock) -> Starlette:
    """The admin routes over ``mock``."""

    async def reset(request: Request) -> Response:
        mock.reset()
        return JSONResponse({"reset": True})

    async def seed(request: Request) -> Response:
        options = await _json(request)
        facts = mock.reseed(
            seed=int(options.get("seed", mock.config.seed)), leads=options.get("leads")
        )
        return JSONResponse(facts)

    async def export_state(request: Request) -> Response:
        return JSONResponse(mock.store.dump())

    async def import_state(request: Request) -> Response:
        mock.store.load(await _json(request))
        return JSONResponse({"imported": True})

    async def journal(request: Request) -> Response:
        query = request.query_params
        entries = mock.journal.entries(
            query.get("operation"),
            api=query.get("api"),
            status=int(query["status"]) if "status" in query else None,
            since=float(query["since"]) if "since" in query else None,
        )
        return JSONResponse([entry.to_dict() for entry in entries])

    async def clear_journal(request: Request) -> Response:
        mock.journal.clear()
        return Response(status_code=204)

    async def faults(request: Request) -> Response:
        return JSONResponse([fault.to_dict() for fault in mock.faults.list()])

    async def add_fault(request: Request) -> Response:
        try:
            fault = mock.faults.add(Fault(**await _json(request)))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(fault.to_dict(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        mock.faults.clear()
        return Response(status_code=204)

    routes = [
        Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/seed", seed, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/state", export_state, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/state", import_state, methods=["PUT"]),
        Route(f"{ADMIN_PREFIX}/journal", journal, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/journal", clear_journal, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/faults", add_fault, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/faults", clear_faults, methods=["DELETE"]),
    ]
    return Starlette(routes=routes)


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


async def _json(request: Request) -> Any:
    raw = await request.body()
    return await request.json() if raw else {}
