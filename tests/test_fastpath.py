"""The compiled request path answers exactly as Connexion does: status, headers and body, byte
for byte, for every request of each API's conformance corpus (what Schemathesis sends the mock,
errors included) and for hand-made requests that probe each of its decisions.

Two mocks with the same seed and secrets take the same requests in the same order, one with the
compiled path, one with Connexion alone; time is frozen and UUIDs drawn from a counter, so the
only thing that may differ is the path that answered.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from starlette.testclient import TestClient

from contracts import run
from mockserver import Config, Mock, create_app
from mockserver.vendors import VENDORS, vendor_of

APIS = [mount.name for vendor in VENDORS for mount in vendor.mounts]
PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
BASIC = "Basic " + base64.b64encode(b"andrea.leo@f21.it:123456").decode()
DROPPED = {"content-length", "host", "transfer-encoding"}

Request = tuple[str, str, dict[str, str], bytes]


def pair() -> tuple[Mock, Mock]:
    config = Config(validate_responses=True, jwt_secret="differential-test-secret-of-32-bytes!")
    return create_app(config), create_app(replace(config, fast_path=False))


# Replays run at one frozen moment, after the seed's tokens were issued (at the real time): a
# moment fixed in the calendar falls before their issue once the calendar passes it, and every
# request signed with them is then a 401 that compares nothing.
FROZEN_AT = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture(scope="module")
def mocks() -> tuple[Mock, Mock]:
    return pair()


def answers(mock: Mock, requests: list[Request]) -> list[tuple[int, list, bytes]]:
    """Each request's status, raw headers and body, from a reset mock at a frozen time."""
    mock.reset()
    # uuid4 from a counter each replay restarts (the JWT ids), so both mocks draw the same.
    counter = itertools.count()
    with (
        time_machine.travel(FROZEN_AT, tick=False),
        pytest.MonkeyPatch.context() as patch,
        TestClient(mock) as client,
    ):
        patch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter), version=4))
        found = []
        for method, target, headers, body in requests:
            response = client.request(method, target, headers=headers, content=body)
            found.append((response.status_code, response.headers.raw, response.content))
    return found


def assert_same(mocks: tuple[Mock, Mock], requests: list[Request]) -> None:
    fast, reference = (answers(mock, requests) for mock in mocks)
    for request, mine, theirs in zip(requests, fast, reference, strict=True):
        assert mine == theirs, request


def corpus(mock: Mock, api: str) -> list[Request]:
    """What a bounded Schemathesis run over ``api`` sent the mock, as the journal kept it."""
    mock.reset()
    vendor, _ = vendor_of(api)
    run(
        api,
        app=mock,
        target=vendor.checking().check_target(mock.facts[vendor.name]),
        seed=3,
        max_examples=15,
        stateful_steps=10,
    )
    requests = []
    for entry in mock.journal.entries():
        headers = {k: v for k, v in entry.headers.items() if k not in DROPPED}
        # The journal keeps the decoded path: quoted again, it is the same request.
        path = quote(entry.path, safe="/:@!$&'()*+,;=-._~")
        target = path + (f"?{entry.query}" if entry.query else "")
        requests.append((entry.method, target, headers, entry.raw_body))
    return requests


@pytest.mark.parametrize("api", APIS)
def test_conformance_corpus_answers_alike(mocks: tuple[Mock, Mock], api: str) -> None:
    requests = corpus(mocks[0], api)
    assert len(requests) > 50
    assert_same(mocks, requests)
    # A corpus its own credentials no longer open compares refusals only.
    answered = [status for status, _, _ in answers(mocks[0], requests) if status < 300]
    assert len(answered) >= 0.05 * len(requests), (api, len(answered), len(requests))


def test_the_compiled_path_answers_most_of_the_corpus(mocks: tuple[Mock, Mock]) -> None:
    """The comparison means something only if the compiled path answered requests itself."""
    fast = mocks[0]
    layer = fast.app
    while not hasattr(layer, "compiled"):  # the gate, under the journal and CORS
        layer = layer.app
    compiled = layer.compiled
    answered = []
    original = compiled.answer

    async def spy(*args, **kwargs):
        result = await original(*args, **kwargs)
        answered.append(result)
        return result

    compiled.answer = spy
    try:
        answers(fast, handmade(fast))
    finally:
        compiled.answer = original
    assert sum(answered) >= 20, answered
    assert not all(answered)


def handmade(mock: Mock) -> list[Request]:
    """Requests that take each branch: answered, declined, refused by the gate."""
    key = mock.facts["overloop"]["api_key"]
    crm = mock.facts["leads-crm"]
    crm_base = crm["base_path"]
    leads = f"/v3/{PROJECT}/leads"
    json_type = {"content-type": "application/json"}
    auth = {"authorization": BASIC}
    api_json = {"authorization": key, "content-type": "application/vnd.api+json"}
    requests: list[Request] = []
    for version in ("v1", "v2", "v3"):
        base = f"/{version}/{PROJECT}"
        requests += [
            ("GET", f"{base}/leads/{LEAD}", auth, b""),
            ("GET", f"{base}/leads?page=1&limit=5&sortField=fullname&direction=1", auth, b""),
            ("GET", f"{base}/leads?with_email=true&tags=vip", auth, b""),
            ("GET", f"{base}/leads?with_email=TRUE&limit=3", auth, b""),
            ("GET", f"{base}/leads?limit=x", auth, b""),
            ("GET", f"{base}/leads?limit=1&limit=2", auth, b""),
            ("GET", f"{base}/leads?page=-1", auth, b""),
            ("GET", f"{base}/leads/nope", auth, b""),
            ("GET", f"{base}/leads", {"authorization": "Basic eDp5"}, b""),
            ("GET", f"{base}/leads", {"authorization": "Basic"}, b""),
            ("GET", f"{base}/leads", {}, b""),
            ("GET", f"/{version}/0/leads", auth, b""),
            ("POST", f"{base}/leads", {**auth, **json_type}, b'{"lead_id": "a", "email": "a@b.c"}'),
            ("POST", f"{base}/leads", {**auth, **json_type}, b'{"fullname": "no lead id"}'),
            ("POST", f"{base}/leads", {**auth, **json_type}, b"{}"),
            ("POST", f"{base}/leads", {**auth, **json_type}, b'{"lead_id": 1}'),
            ("POST", f"{base}/leads", {**auth, **json_type}, b'{"lead_id": "x"'),
            ("POST", f"{base}/leads", {**auth, "content-type": "text/plain"}, b'{"lead_id": "x"}'),
            ("PUT", f"{base}/leads/{LEAD}", {**auth, **json_type}, b'{"company": "F21"}'),
            ("PUT", f"{base}/leads/missing", {**auth, **json_type}, b'{"company": "F21"}'),
            ("DELETE", f"{base}/leads/{LEAD}", auth, b""),
            ("GET", f"{base}/leads/{LEAD}", auth, b""),
            ("PATCH", f"{base}/leads/{LEAD}", auth, b""),
            (
                "POST",
                f"/{version}/auth/signin",
                json_type,
                b'{"email": "andrea.leo@f21.it", "password": "123456"}',
            ),
            ("POST", f"/{version}/auth/signin", json_type, b'{"email": "x", "password": ""}'),
        ]
    requests += [
        ("GET", f"/v1/{PROJECT}/requests?limit=3", auth, b""),
        ("GET", f"/v1/{PROJECT}/requests/support-group-L_OG76RYhR0XFiMf2PK", auth, b""),
        ("GET", "/public/v1/leads/1", {"authorization": key}, b""),
        ("GET", "/public/v1/leads/1?include=owner,creator", {"authorization": key}, b""),
        (
            "GET",
            "/public/v1/leads?sort=-created_at&filter=opened:true",
            {"authorization": key},
            b"",
        ),
        ("GET", "/public/v1/leads?page[size]=3&page[number]=2", {"authorization": key}, b""),
        ("GET", "/public/v1/leads?filter=description:x", {"authorization": key}, b""),
        ("GET", "/public/v1/leads/abc", {"authorization": key}, b""),
        ("GET", "/public/v1/leads/1", {"authorization": "wrong"}, b""),
        (
            "POST",
            "/public/v1/leads",
            api_json,
            b'{"data": {"type": "leads", "attributes": {"email": "new@example.com"}}}',
        ),
        (
            "POST",
            "/public/v1/leads",
            api_json,
            b'{"data": {"type": "leads", "attributes": {"email": "new@example.com"}}}',
        ),
        (
            "POST",
            "/public/v1/leads?return_existing=true",
            api_json,
            b'{"data": {"type": "leads", "attributes": {"email": "new@example.com"}}}',
        ),
        ("POST", "/public/v1/leads", api_json, b'{"data": {"attributes": {}}}'),
        (
            "PATCH",
            "/public/v1/leads/2",
            api_json,
            b'{"data": {"type": "leads", "attributes": {"first_name": "V", "lists": ["L"]}}}',
        ),
        ("DELETE", "/public/v1/leads/3", {"authorization": key}, b""),
        ("GET", "/public/v1/leads/3", {"authorization": key}, b""),
        ("GET", f"{crm_base}/leads/list/?limit=3", {"apikey": crm["api_key"]}, b""),
        (
            "POST",
            f"{crm_base}/user/login/",
            {"apikey": crm["api_key"], **json_type},
            b'{"username": "apiuser1", "password": "wrong"}',
        ),
        ("GET", f"{leads}/{LEAD}", {**auth, "x-leadmock-fault": "status=503"}, b""),
        ("GET", "/nowhere", {}, b""),
        ("GET", "/v3/openapi.json", {}, b""),
    ]
    return requests


def test_handmade_requests_answer_alike(mocks: tuple[Mock, Mock]) -> None:
    assert_same(mocks, handmade(mocks[0]))


def test_signed_in_requests_answer_alike(mocks: tuple[Mock, Mock]) -> None:
    """Tokens from each mock's own sign-in (same secret, frozen time): JWT and Bearer alike."""
    crm = mocks[0].facts["leads-crm"]
    user = crm["users"][0]
    login = f'{{"username": "{user["username"]}", "password": "{user["password"]}"}}'.encode()
    headers = {"apikey": crm["api_key"], "content-type": "application/json"}
    sign_in = (
        "POST",
        "/v3/auth/signin",
        {"content-type": "application/json"},
        b'{"email": "andrea.leo@f21.it", "password": "123456"}',
    )
    crm_login = ("POST", f"{crm['base_path']}/user/login/", headers, login)
    tokens = answers(mocks[0], [sign_in, crm_login])
    jwt = tokens[0][2].split(b'"token":"')[1].split(b'"')[0].decode()
    access = tokens[1][2].split(b'"access":"')[1].split(b'"')[0].decode()
    bearer = {"apikey": crm["api_key"], "authorization": f"Bearer {access}"}
    base = crm["base_path"]
    assert_same(
        mocks,
        [
            sign_in,
            crm_login,
            ("GET", f"/v3/{PROJECT}/leads/{LEAD}", {"authorization": jwt}, b""),
            ("GET", f"/v2/{PROJECT}/leads?limit=2", {"authorization": jwt}, b""),
            ("GET", f"/v2/{PROJECT}/leads", {"authorization": jwt + "x"}, b""),
            ("GET", f"{base}/leads/overview/?appointment=upcoming", bearer, b""),
            ("GET", f"{base}/leads/list/?status=prospect&limit=5", bearer, b""),
            ("GET", f"{base}/leads/list/?status=nope", bearer, b""),
            ("GET", f"{base}/leads/view/lead/?slug=binuser1", bearer, b""),
            ("GET", f"{base}/view/lead/?slug=binuser1", bearer, b""),
            ("GET", f"{base}/leads/appointments/list/?limit=2", bearer, b""),
            (
                "POST",
                f"{base}/leads/create/lead/",
                {**bearer, "content-type": "application/json"},
                b'{"first_name": "A", "last_name": "B", "email": "ab@example.com", "phone":'
                b' "9876543210", "location": "Kochi", "message": "m", "assignee": "apiuser2"}',
            ),
            (
                "POST",
                f"{base}/leads/create/lead/",
                {**bearer, "content-type": "application/json"},
                b"{}",
            ),
            (
                "POST",
                f"{base}/leads/create/leadnote/",
                {**bearer, "content-type": "application/x-www-form-urlencoded"},
                b"slug=binuser1&note=Call+back",
            ),
            (
                "GET",
                f"{base}/leads/list/",
                {"apikey": crm["api_key"], "authorization": "Bearer x"},
                b"",
            ),
        ],
    )


def test_a_newline_in_the_path_answers_alike(mocks: tuple[Mock, Mock]) -> None:
    """Found by the corpus: Starlette's mounts do not match past a newline (a 404 of routing,
    not the handler's)."""
    auth = {"authorization": BASIC}
    assert_same(
        mocks,
        [
            ("GET", f"/v1/{PROJECT}/leads/%0Ax", auth, b""),
            ("GET", f"/v1/{PROJECT}/leads/x%0A", auth, b""),
            ("GET", f"/v1/{PROJECT}/leads/{LEAD}%0A", auth, b""),
        ],
    )
