"""Where a request's time goes inside leadmock: each bench scenario through the ASGI app, no
server and no network, in microseconds a request and Python function calls a request.

``make bench`` measures whole requests over HTTP; this takes the server away, so what is left is
leadmock's own work (the journal, the gate, the compiled operation, the handler, the store, the
rendering). ``--profile "overloop list"`` prints that scenario's profile.

    python tests/bench/inprocess.py [--requests 20000] [--profile "API SCENARIO"]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ROOT, Scenario, scenarios


def asgi_request(case: Scenario, number: int) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope uvicorn would build for ``case``, and its body."""
    path, _, query = case.path.partition("?")
    body = case.body.replace("{n}", str(number)).encode() if case.body else b""
    headers = [(b"host", b"127.0.0.1:8080")]
    headers += [(k.lower().encode(), v.encode()) for k, v in case.headers.items()]
    if body:
        headers.append((b"content-length", b"%d" % len(body)))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    return scope, body


async def answer(app: Any, case: Scenario, number: int) -> int:
    """One request through ``app``; its status."""
    scope, body = asgi_request(case, number)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


async def run_many(app: Any, case: Scenario, count: int, first: int = 0) -> None:
    for number in range(first, first + count):
        status = await answer(app, case, number)
        if status >= 400:
            raise RuntimeError(f"{case.api} {case.name}: {status}")


async def crm_token(app: Any, facts: dict[str, Any]) -> str:
    crm = facts["leads-crm"]
    user = crm["users"][0]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answered = await client.post(
            f"{crm['base_path']}/user/login/",
            headers={"apikey": crm["api_key"]},
            data={"username": user["username"], "password": user["password"]},
        )
    return answered.json()["access"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000, help="requests a scenario")
    parser.add_argument("--profile", help='one scenario to profile, "API SCENARIO"')
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from mockserver import Config, create_app

    mock = create_app(Config())
    cases = scenarios(mock.facts, asyncio.run(crm_token(mock, mock.facts)))
    if args.profile:
        case = next(c for c in cases if f"{c.api} {c.name}" == args.profile)
        asyncio.run(run_many(mock, case, 200))
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(run_many(mock, case, args.requests, 200))
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return 0
    print(f"{'api':<12} {'scenario':<13} {'µs a request':>12} {'calls a request':>16}")
    for case in cases:
        asyncio.run(run_many(mock, case, 200))
        started = time.perf_counter()
        asyncio.run(run_many(mock, case, args.requests, 200))
        each = (time.perf_counter() - started) / args.requests * 1e6
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(run_many(mock, case, 1000, args.requests + 200))
        profile.disable()
        calls = pstats.Stats(profile).total_calls / 1000  # type: ignore[attr-defined]
        print(f"{case.api:<12} {case.name:<13} {each:>12.1f} {calls:>16.0f}", flush=True)
        if case.method == "POST":
            mock.reset()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
