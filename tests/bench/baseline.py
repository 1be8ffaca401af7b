"""The floors for ``make bench``: apps on uvicorn that replay recorded answers.

Each answers a benchmarked request with the bytes the mock gave it once, and does nothing else:
no routing tree, no auth, no validation, no store. ``starlette`` (the floor the targets name) is
a bare Starlette app; ``server`` is a bare ASGI function, so its figure is uvicorn's own cost, the
part of a request no app on this server can remove. leadmock's figures are quoted as a share of
both, measured on the same machine, server stack and load in the same run.

    python tests/bench/baseline.py ANSWERS.json PORT [starlette|server]
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MISSING = (404, "application/json", b'{"error":"not recorded"}')


def build(answers: dict[str, dict]) -> Starlette:
    """A Starlette app answering ``"METHOD /path?query"`` keys with their recorded answer."""
    recorded = {
        key: Response(answer["body"].encode(), answer["status"], media_type=answer["type"])
        for key, answer in answers.items()
    }
    missing = Response(MISSING[2], MISSING[0], media_type=MISSING[1])

    async def replay(request: Request) -> Response:
        query = request.url.query
        key = f"{request.method} {request.url.path}{'?' + query if query else ''}"
        if request.method == "POST":
            await request.body()
        return recorded.get(key, missing)

    return Starlette(routes=[Route("/{path:path}", replay, methods=["GET", "POST"])])


def build_server_floor(answers: dict[str, dict]) -> Any:
    """A bare ASGI function answering the same keys: no framework at all."""
    recorded = {
        key: (answer["status"], answer["type"].encode(), answer["body"].encode())
        for key, answer in answers.items()
    }
    missing = (MISSING[0], MISSING[1].encode(), MISSING[2])

    async def replay(scope: dict, receive: Any, send: Any) -> None:
        query = scope["query_string"].decode()
        key = f"{scope['method']} {scope['path']}{'?' + query if query else ''}"
        if scope["method"] == "POST":
            more = True
            while more:
                more = (await receive()).get("more_body", False)
        status, media_type, body = recorded.get(key, missing)
        headers = [(b"content-type", media_type), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return replay


if __name__ == "__main__":
    with open(sys.argv[1]) as source:
        answers = json.load(source)
    kind = sys.argv[3] if len(sys.argv) > 3 else "starlette"
    app = build_server_floor(answers) if kind == "server" else build(answers)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", lifespan="off")
