"""Rate limiting: off by default; per credential when on, answered in the vendor's 429."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.errors import TooManyRequests
from mockserver.ratelimit import RateLimit, RateLimitMiddleware

LEADS = "/v1/5b55e806c93dde00143163dd/leads"
OWNER = ("andrea.leo@f21.it", "123456")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200/min", RateLimit(200, 60)), ("10/s", RateLimit(10, 1)), ("5 / hour", RateLimit(5, 3600))],
)
def test_parse(text: str, expected: RateLimit) -> None:
    assert RateLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["", "200", "0/min", "5/fortnight", "x/min"])
def test_parse_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        RateLimit.parse(text)


def test_window_turns_over_with_the_clock() -> None:
    now = [0.0]

    async def app(scope: dict, receive: object, send: object) -> None:
        return None

    limiter = RateLimitMiddleware(app, RateLimit(2, 60), clock=lambda: now[0])
    scope = {"type": "http", "headers": [(b"authorization", b"Basic a")]}
    asyncio.run(limiter(scope, None, None))
    asyncio.run(limiter(scope, None, None))
    now[0] = 45.0
    with pytest.raises(TooManyRequests) as refused:
        asyncio.run(limiter(scope, None, None))
    assert refused.value.headers["Retry-After"] == "15"
    now[0] = 60.0
    asyncio.run(limiter(scope, None, None))


def test_past_the_limit_is_429_with_retry_after_per_credential() -> None:
    mock = create_app(Config(rate_limit="3/min", leads=5))
    client = TestClient(mock)
    for _ in range(3):
        assert client.get(LEADS, auth=OWNER).status_code == 200
    refused = client.get(LEADS, auth=OWNER)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/plain")
    assert "Too many requests" in refused.text and "3 requests every 60 seconds" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    admin = next(u for u in mock.facts["tiledesk"]["users"] if u["role"] == "admin")
    assert client.get(LEADS, auth=(admin["email"], admin["password"])).status_code == 200


def test_off_by_default_even_past_the_documented_200_a_minute() -> None:
    client = TestClient(create_app(Config(leads=5)))
    statuses = {client.get(LEADS, params={"limit": 1}, auth=OWNER).status_code for _ in range(250)}
    assert statuses == {200}
