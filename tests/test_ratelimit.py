"""Rate limiting: off by default; per credential when on, answered in the vendor's 429."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.errors import TooManyRequests
from mockserver.middleware.ratelimit import RateLimitMiddleware
from mockserver.ratelimit import RateLimit
from tests.helpers import basic, crm_bearer

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
    context = {"connexion_context": {"token_info": {"sub": "user-1"}}}
    scope = {"type": "http", "path": "/v1/x", "headers": [], "extensions": context}
    asyncio.run(limiter(scope, None, None))
    asyncio.run(limiter(scope, None, None))
    now[0] = 45.0
    with pytest.raises(TooManyRequests) as refused:
        asyncio.run(limiter(scope, None, None))
    assert refused.value.headers["Retry-After"] == "15"
    other = {**scope, "extensions": {"connexion_context": {"token_info": {"sub": "user-2"}}}}
    asyncio.run(limiter(other, None, None))
    assert limiter.buckets == 2
    now[0] = 60.0
    asyncio.run(limiter(scope, None, None))
    # A new window keeps only the identities counted in it.
    assert limiter.buckets == 1


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


def test_one_bucket_per_user_however_the_credentials_are_written() -> None:
    """``basic`` or ``Basic``, the email in another case, a JWT of the same user: one bucket."""
    mock = create_app(Config(rate_limit="4/min", leads=5))
    client = TestClient(mock)
    token = client.post("/v3/auth/signin", json={"email": OWNER[0], "password": OWNER[1]}).json()[
        "token"
    ]
    owner = basic(*OWNER)
    variants = [
        {"Authorization": owner},
        {"Authorization": owner.replace("Basic", "basic")},
        {"Authorization": basic(OWNER[0].upper(), OWNER[1])},
        {"Authorization": token},
    ]
    assert [client.get(LEADS, headers=h).status_code for h in variants] == [200] * 4
    assert client.get(LEADS, headers={"Authorization": token}).status_code == 429
    assert client.get(LEADS, headers=variants[1]).status_code == 429


def test_anonymous_callers_have_a_bucket_per_api() -> None:
    """A burst of Tiledesk sign-ins does not take the Leads & CRM login's turn."""
    mock = create_app(Config(rate_limit="3/min", leads=5))
    client = TestClient(mock)
    signin = {"email": OWNER[0], "password": "wrong"}
    statuses = [client.post("/v3/auth/signin", json=signin).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # The sign-in of another version is another API, as Leads & CRM's login is.
    assert client.post("/v2/auth/signin", json=signin).status_code == 401
    assert crm_bearer(client, mock)["Authorization"].startswith("Bearer ")


def test_refused_credentials_are_not_counted() -> None:
    mock = create_app(Config(rate_limit="2/min", leads=5))
    client = TestClient(mock)
    for _ in range(5):
        assert client.get(LEADS, auth=("nobody@example.com", "x")).status_code == 401
    assert client.get(LEADS, auth=OWNER).status_code == 200
