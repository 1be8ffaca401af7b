"""The fixture's Python API: a served or in-process mock, its journal, faults and admin plane."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpcore
import httpx
import pytest

from mockserver import Config, Fault, LeadMock
from mockserver.vendors.tiledesk.model import DOCS_PROJECT_ID

OWNER = ("andrea.leo@f21.it", "123456")
LEADS = f"/v3/{DOCS_PROJECT_ID}/leads"


@pytest.fixture(scope="module")
def served() -> Iterator[LeadMock]:
    with LeadMock(Config(leads=8)) as mock:
        yield mock


@pytest.fixture
def mock(served: LeadMock) -> LeadMock:
    served.reset()
    return served


def test_serves_every_api_on_a_loopback_port_and_frees_it(mock: LeadMock) -> None:
    assert mock.url.startswith("http://127.0.0.1:")
    assert (
        httpx.get(f"{mock.base_url('tiledesk-v3')}/{DOCS_PROJECT_ID}/leads", auth=OWNER).status_code
        == 200
    )
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    assert httpx.get(f"{mock.base_url('overloop')}/leads", headers=key).status_code == 200
    with LeadMock(Config(leads=2)) as other:
        port = other.port
        assert httpx.get(f"{other.url}/v1/{DOCS_PROJECT_ID}/leads", auth=OWNER).status_code == 200
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_reset_returns_to_the_seed_state(mock: LeadMock) -> None:
    before = httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json()
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "new"}, auth=OWNER)
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json()["count"] == before["count"] + 1
    mock.reset()
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json() == before
    assert len(mock.journal.entries()) == 1


def test_in_process_transports_need_no_port() -> None:
    mock = LeadMock(Config(leads=3), serve=False).start()
    with httpx.Client(transport=mock.wsgi_transport(), base_url="http://mock") as client:
        assert client.get(LEADS, auth=OWNER).json()["count"] == 3

    async def call() -> int:
        async with httpx.AsyncClient(
            transport=mock.asgi_transport(), base_url="http://mock"
        ) as client:
            return (await client.get(LEADS, auth=OWNER)).status_code

    assert asyncio.run(call()) == 200
    with pytest.raises(RuntimeError):
        _ = mock.url


# -- journal -----------------------------------------------------------------------------


def test_journal_knows_the_operation_status_and_validity(mock: LeadMock) -> None:
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "a", "fullname": "Ann"}, auth=OWNER)
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": 5}, auth=OWNER)
    httpx.get(f"{mock.url}{LEADS}", auth=("x", "y"))
    entries = mock.journal.entries()
    assert [(e.api, e.operation, e.status, e.valid) for e in entries] == [
        ("tiledesk-v3", "create_lead", 200, True),
        ("tiledesk-v3", "create_lead", 400, False),
        ("tiledesk-v3", "list_leads", 401, True),
    ]
    assert entries[0].body == {"lead_id": "a", "fullname": "Ann"}
    assert [e.status for e in mock.journal.entries("create_lead", status=400)] == [400]
    assert mock.journal.entries(since=time.time() + 60) == []
    mock.journal.assert_called("create_lead", times=2)
    mock.journal.assert_called("create_lead", body={"fullname": "Ann"})


def test_journal_assertion_lists_what_was_received(mock: LeadMock) -> None:
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "a"}, auth=OWNER)
    with pytest.raises(AssertionError) as failed:
        mock.journal.assert_called("create_lead", body={"lead_id": "b"})
    message = str(failed.value)
    assert (
        "expected a call to create_lead with a body containing {'lead_id': 'b'}, found 0" in message
    )
    assert "tiledesk-v3.create_lead POST /v3/" in message and "body={'lead_id': 'a'}" in message


# -- faults ------------------------------------------------------------------------------


def test_status_for_the_next_n_calls_in_the_vendors_shape(mock: LeadMock) -> None:
    mock.faults.add(Fault(status=503, api="tiledesk-v3", operation="list_leads", times=2))
    statuses = [httpx.get(f"{mock.url}{LEADS}", auth=OWNER).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    failed = httpx.get(f"{mock.url}{LEADS}", auth=OWNER, headers={"X-Leadmock-Fault": "status=503"})
    assert failed.json() == {"success": False, "msg": "Injected fault"}
    assert httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "x"}, auth=OWNER).status_code == 200


def test_rate_limit_fault_is_a_429_with_retry_after(mock: LeadMock) -> None:
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    mock.faults.add(Fault(status=429, retry_after=30, api="overloop"))
    response = httpx.get(f"{mock.base_url('overloop')}/leads", headers=key)
    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    assert response.json()["errors"][0]["code"] == "injected_fault"


def test_latency_fault_delays_the_answer(mock: LeadMock) -> None:
    mock.faults.add(Fault(latency=0.3, operation="get_lead", times=1))
    started = time.monotonic()
    httpx.get(f"{mock.url}{LEADS}/5c81593adf767b0017d1aa66", auth=OWNER)
    assert time.monotonic() - started >= 0.3


def test_dropped_connection(mock: LeadMock) -> None:
    mock.faults.add(Fault(drop=True, times=1))
    # httpx reports a peer that hangs up as its own error, or, when the close races the read,
    # as httpcore's: either way the client saw the connection dropped.
    with pytest.raises((httpx.RemoteProtocolError, httpcore.RemoteProtocolError)):
        httpx.get(f"{mock.url}{LEADS}", auth=OWNER)
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).status_code == 200


def statuses_under_a_share(seed: int) -> list[int]:
    mock = LeadMock(Config(seed=seed, leads=3), serve=False).start()
    mock.faults.add(Fault(status=500, share=0.5, latency=(0.0, 0.001)))
    with httpx.Client(transport=mock.wsgi_transport(), base_url="http://mock") as client:
        return [client.get(LEADS, auth=OWNER).status_code for _ in range(30)]


def test_same_seed_meets_the_same_faults() -> None:
    first, again, other = (
        statuses_under_a_share(4),
        statuses_under_a_share(4),
        statuses_under_a_share(5),
    )
    assert first == again
    assert 5 < first.count(500) < 25
    assert first != other


# -- admin plane -------------------------------------------------------------------------


def test_admin_export_import_round_trips_exactly(mock: LeadMock) -> None:
    admin = f"{mock.url}/__admin"
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "kept"}, auth=OWNER)
    exported = httpx.get(f"{admin}/state").json()
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "later"}, auth=OWNER)
    assert httpx.put(f"{admin}/state", json=exported).status_code == 200
    assert httpx.get(f"{admin}/state").json() == exported


def test_admin_reset_reseed_journal_and_faults(mock: LeadMock) -> None:
    admin = f"{mock.url}/__admin"
    seeded = httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json()["count"]
    httpx.post(f"{mock.url}{LEADS}", json={"lead_id": "x"}, auth=OWNER)
    journal = httpx.get(f"{admin}/journal", params={"operation": "create_lead"}).json()
    assert [(e["operation"], e["status"]) for e in journal] == [("create_lead", 200)]
    created = httpx.post(f"{admin}/faults", json={"status": 502, "operation": "list_leads"})
    assert created.status_code == 201 and created.json()["status"] == 502
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).status_code == 502
    assert httpx.post(f"{admin}/faults", json={"status": 200}).status_code == 400
    assert httpx.delete(f"{admin}/faults").status_code == 204
    assert httpx.post(f"{admin}/reset").status_code == 200
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json()["count"] == seeded
    facts = httpx.post(f"{admin}/seed", json={"seed": 9, "leads": 4}).json()
    assert facts["tiledesk"]["projects"][0]["leads"] == 4
    assert httpx.get(f"{mock.url}{LEADS}", auth=OWNER).json()["count"] == 4
    httpx.post(f"{admin}/seed", json={"seed": 1, "leads": 8})


async def _admin_call(mock: LeadMock, client: tuple[str, int], headers: list) -> int:
    sent: list[dict] = []
    received = asyncio.Event()

    async def receive() -> dict:
        if received.is_set():
            # As a server does: the next message is the client leaving, which never comes here.
            await asyncio.Event().wait()
        received.set()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/__admin/state",
        "query_string": b"",
        "headers": headers,
        "client": client,
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "root_path": "",
        "http_version": "1.1",
    }
    await mock.mock(scope, receive, send)
    return sent[0]["status"]


def test_admin_answers_loopback_only_unless_given_a_token() -> None:
    open_mock = LeadMock(Config(leads=2), serve=False).start()
    assert asyncio.run(_admin_call(open_mock, ("127.0.0.1", 5000), [])) == 200
    assert asyncio.run(_admin_call(open_mock, ("10.1.2.3", 5000), [])) == 403
    guarded = LeadMock(Config(leads=2, admin_token="s3cret"), serve=False).start()
    assert asyncio.run(_admin_call(guarded, ("10.1.2.3", 5000), [])) == 403
    assert asyncio.run(_admin_call(guarded, ("127.0.0.1", 5000), [])) == 403
    token = [(b"x-leadmock-admin-token", b"s3cret")]
    assert asyncio.run(_admin_call(guarded, ("10.1.2.3", 5000), token)) == 200


def test_over_a_store_a_fixture_gets_the_seed_it_asks_for(redis_url: str) -> None:
    """A second LeadMock over the same store joins it; asked for another seed, it seeds that
    one, and the first serves it too (one state)."""
    with LeadMock(Config(seed=1, leads=4, store=redis_url)) as first:
        key_one = first.facts["overloop"]["api_key"]
        with LeadMock(Config(seed=2, leads=4, store=redis_url), serve=False) as second:
            key_two = second.facts["overloop"]["api_key"]
            assert second.mock.config.seed == 2 and key_two != key_one
            answer = httpx.get(f"{first.url}/public/v1/leads", headers={"Authorization": key_two})
            assert answer.status_code == 200
            assert len(answer.json()["data"]) == 10
