"""The floor for ``make bench``: a bare Starlette app on uvicorn replaying recorded answers.

It answers each benchmarked request with the bytes the mock gave it once, and does nothing else:
no routing tree, no auth, no validation, no store. leadmock's figures are quoted as a share of
this app's, measured on the same machine, server stack and load in the same run.

    python tests/bench/baseline.py ANSWERS.json PORT
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(answers: dict[str, dict]) -> Starlette:
    """An app answering ``"METHOD /path?query"`` keys with their recorded status and body."""
    recorded = {
        key: Response(answer["body"].encode(), answer["status"], media_type=answer["type"])
        for key, answer in answers.items()
    }
    missing = Response(b'{"error":"not recorded"}', 404, media_type="application/json")

    async def replay(request: Request) -> Response:
        query = request.url.query
        key = f"{request.method} {request.url.path}{'?' + query if query else ''}"
        if request.method == "POST":
            await request.body()
        return recorded.get(key, missing)

    return Starlette(routes=[Route("/{path:path}", replay, methods=["GET", "POST"])])


if __name__ == "__main__":
    with open(sys.argv[1]) as source:
        app = build(json.load(source))
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
