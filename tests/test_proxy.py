"""``leadmock proxy``: forwarding, both verdicts, the drift report, upstream failures, secrets,
and the recording's round trip through ``serve --state``, for every API.

The upstream is a second leadmock in-process (an ASGI transport, no port), or a small server
that breaks the spec; the CLI test runs both as processes on loopback ports.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from contracts.proxy import Proxy
from mockserver import Config, Mock, create_app
from mockserver.recording import Recorder
from mockserver.requestlog import text_line
from mockserver.vendorrecord import AcceptedCredentials
from mockserver.vendors import vendor_of
from tests.processes import REPO, free_port, leadmock, serve

PROJECT_PATH = "/{project}/leads"


@pytest.fixture(scope="module")
def upstream() -> Mock:
    return create_app(Config(seed=1, leads=5, validate_responses=True))


def _proxy(api: str, upstream_app: Any, base_path: str, **options: Any) -> Proxy:
    vendor, _ = vendor_of(api)
    options.setdefault("recorder", Recorder(vendor.record))
    transport = httpx.ASGITransport(app=upstream_app)
    return Proxy(api, f"http://upstream{base_path}", transport=transport, **options)


@pytest.fixture
def tiledesk(upstream: Mock) -> Iterator[tuple[TestClient, Proxy, dict[str, Any]]]:
    upstream.reset()
    proxy = _proxy("tiledesk-v3", upstream, "/v3")
    with TestClient(proxy) as client:
        yield client, proxy, upstream.facts["tiledesk"]


def _signin(client: TestClient, user: dict[str, Any]) -> dict[str, str]:
    answer = client.post(
        "/auth/signin", json={"email": user["email"], "password": user["password"]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": answer.json()["token"]}


def test_requests_and_answers_pass_unchanged_and_both_verdicts_are_journalled(
    tiledesk: Any, upstream: Mock
) -> None:
    client, _, facts = tiledesk
    project = facts["projects"][1]["id"]
    owner = next(u for u in facts["users"] if u["project_id"] == project)
    headers = _signin(client, owner)
    through = client.get(f"/{project}/leads?limit=2", headers=headers)
    with TestClient(upstream) as direct:
        straight = direct.get(f"/v3/{project}/leads?limit=2", headers=headers)
    assert through.status_code == straight.status_code == 200
    assert through.json() == straight.json()
    assert through.headers["content-type"] == straight.headers["content-type"]
    refused = client.post(f"/{project}/leads", headers=headers, json={"fullname": "No id"})
    assert refused.status_code == 400
    entries = client.get("/__admin/journal").json()
    assert [e["operation"] for e in entries] == ["signin", "list_leads", "create_lead"]
    listed, created = entries[1], entries[2]
    assert listed["valid"] is True and listed["response"] == {"valid": True, "problems": []}
    assert created["valid"] is False and "'lead_id' is a required property" in created["refusal"]
    # The upstream answered the invalid request as the spec says (a documented 400).
    assert created["response"]["valid"] is True
    assert client.get("/__admin/journal?valid=false").json()[0]["operation"] == "create_lead"


def test_credentials_reach_the_upstream_but_are_written_nowhere(tiledesk: Any) -> None:
    client, _, facts = tiledesk
    owner = facts["users"][0]
    headers = _signin(client, owner)
    token = headers["Authorization"].split()[1]
    assert client.get(f"/{facts['projects'][0]['id']}/leads", headers=headers).status_code == 200
    journal = client.get("/__admin/journal").text
    recording = json.dumps(client.get("/__admin/recording").json())
    for text in (journal, recording, client.get("/__admin/drift").text):
        assert owner["password"] not in text and token not in text
    entries = client.get("/__admin/journal").json()
    assert entries[0]["body"]["password"] == "[redacted]"
    assert entries[1]["headers"]["authorization"] == "JWT [redacted]"
    # And the upstream's answer, token included, reached the client whole.
    assert client.get(f"/{facts['projects'][0]['id']}/leads", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("api", "base_path"),
    [("tiledesk-v1", "/v1"), ("tiledesk-v2", "/v2"), ("overloop", "/public/v1"),
     ("leads-crm", "/api/v1")],
)  # fmt: skip
def test_every_api_is_proxied_with_no_departure_from_the_mock(
    api: str, base_path: str, upstream: Mock
) -> None:
    upstream.reset()
    proxy = _proxy(api, upstream, base_path)
    with TestClient(proxy) as client:
        statuses = [answer.status_code for answer in _traffic(api, client, upstream.facts)]
        drift = client.get("/__admin/drift").text
    assert statuses and all(status < 500 for status in statuses), statuses
    report = proxy.drift.report()
    assert not report.failures, report.failures
    assert sum(report.checks_by_phase.values()) >= 5 * len(statuses)
    assert "0 departures" in drift
    entries = proxy.journal.entries()
    assert len(entries) == len(statuses)
    assert all(entry.response_problems == () for entry in entries)


def _traffic(api: str, client: TestClient, facts: dict[str, Any]) -> list[httpx.Response]:
    if api.startswith("tiledesk"):
        owner = facts["tiledesk"]["users"][0]
        login = {"email": owner["email"], "password": owner["password"]}
        signin = client.post("/auth/signin", json=login)
        headers = {"Authorization": signin.json()["token"]}
        project = facts["tiledesk"]["projects"][0]["id"]
        made = client.post(f"/{project}/leads", headers=headers, json={"lead_id": "p-1"})
        return [
            signin,
            made,
            client.get(f"/{project}/leads", headers=headers),
            client.get(f"/{project}/leads/{made.json()['_id']}", headers=headers),
            client.get(f"/{project}/requests", headers=headers),
        ]
    if api == "overloop":
        headers = {"Authorization": facts["overloop"]["api_key"]}
        body = {"data": {"type": "leads", "attributes": {"email": "proxied@example.com"}}}
        made = client.post("/leads", headers={**headers, **JSON_API}, content=json.dumps(body))
        return [
            made,
            client.get("/leads", headers=headers),
            client.get(f"/leads/{made.json()['data']['id']}", headers=headers),
        ]
    crm = facts["leads-crm"]
    user = crm["users"][0]
    login = client.post(
        "/user/login/",
        headers={"apikey": crm["api_key"]},
        data={"username": user["username"], "password": user["password"]},
    )
    headers = {"apikey": crm["api_key"], "Authorization": f"Bearer {login.json()['access']}"}
    return [
        login,
        client.get("/leads/list/", headers=headers),
        client.get(f"/leads/view/lead/?slug={crm['lead_slug']}", headers=headers),
    ]


# -- an upstream that breaks the spec ----------------------------------------------------


def _breaking_upstream() -> Starlette:
    async def leads(request: Request) -> Response:
        mode = request.query_params.get("limit")
        at = "2020-01-01T00:00:00.000Z"
        lead = {"_id": "5" * 24, "lead_id": "x", "id_project": "p", "createdBy": "system",
                "createdAt": at, "updatedAt": at}  # fmt: skip
        if mode == "1":  # a wrong type
            return JSONResponse({"perPage": "forty", "count": 1, "leads": [lead]})
        if mode == "2":  # a missing field
            return JSONResponse({"perPage": 40, "leads": [lead]})
        if mode == "3":
            return JSONResponse({"err": "error"}, status_code=500)
        if mode == "9":
            await asyncio.sleep(5)
        return JSONResponse({"perPage": 40, "count": 1, "leads": [lead]})

    return Starlette(routes=[Route("/{project}/leads", leads)])


@pytest.fixture
def breaking() -> Iterator[tuple[TestClient, Proxy]]:
    proxy = Proxy(
        "tiledesk-v3",
        "http://broken",
        transport=httpx.ASGITransport(app=_breaking_upstream()),
        timeout=0.5,
    )
    with TestClient(proxy) as client:
        yield client, proxy


AUTH = {"Authorization": "JWT a.b.c"}
JSON_API = {"Content-Type": "application/vnd.api+json"}


def test_an_answer_that_breaks_the_spec_is_passed_on_and_reported(breaking: Any) -> None:
    client, proxy = breaking
    wrong = client.get("/p1/leads?limit=1", headers=AUTH)
    assert wrong.status_code == 200 and wrong.json()["perPage"] == "forty"
    client.get("/p1/leads?limit=2", headers=AUTH)
    failed = client.get("/p1/leads?limit=3", headers=AUTH)
    assert failed.status_code == 500 and failed.json() == {"err": "error"}
    assert client.get("/p1/leads?limit=4", headers=AUTH).status_code == 200
    entries = client.get("/__admin/journal").json()
    assert [e["response"]["valid"] for e in entries] == [False, False, False, True]
    assert all(e["valid"] for e in entries)
    assert any('"forty" is not of type "integer"' in p for p in entries[0]["response"]["problems"])
    assert any("not_a_server_error" in p for p in entries[2]["response"]["problems"])
    # The console line of each, as the serve log prints a refusal.
    lines = [text_line(entry) for entry in proxy.journal.entries()]
    assert (
        'answer invalid: response_schema_conformance: Response violates schema: "forty"' in lines[0]
    )
    assert "answer invalid: not_a_server_error: Server error" in lines[2]
    assert "invalid" not in lines[3]
    drift = client.get("/__admin/drift").text
    # Classified by the vendor's known drift, as a check report of the real server is.
    assert "### stand-in limitation" in drift  # no count: mongoeco cannot count
    assert '"count" is a required property' in drift
    assert "### unclassified" in drift and '"forty" is not of type' in drift
    assert (
        "reproduce: `curl -X GET -H 'authorization: [Filtered]' 'http://broken/p1/leads?limit=1'`"
        in drift
    )
    assert "| `GET /{project_id}/leads` | response_schema_conformance | 2 | **2** |" in drift
    junit = client.get("/__admin/drift?format=junit")
    assert junit.status_code == 200 and 'type="unclassified"' in junit.text
    assert client.get("/__admin/drift?format=yaml").status_code == 400
    # A fresh report on demand: what follows alone.
    assert client.delete("/__admin/drift").status_code == 200
    client.get("/p1/leads?limit=4", headers=AUTH)
    fresh = client.get("/__admin/drift?format=json").json()
    assert fresh["checks"] == 5 and fresh["departures"] == []


def test_an_upstream_timeout_is_a_504_in_the_vendor_shape(breaking: Any) -> None:
    client, _ = breaking
    answer = client.get("/p1/leads?limit=9", headers=AUTH)
    assert answer.status_code == 504
    assert answer.json() == {
        "success": False,
        "msg": "Gateway timeout: no answer from the upstream within 0.5 s",
    }
    entry = client.get("/__admin/journal").json()[0]
    assert entry["status"] == 504
    assert entry["upstream_error"] == "no answer from the upstream within 0.5 s"
    assert entry["response"]["valid"] is False
    assert "no answer from the upstream" in client.get("/__admin/drift").text


def test_an_unreachable_upstream_is_a_502_in_the_vendor_shape() -> None:
    port = free_port()
    proxy = Proxy("overloop", f"http://127.0.0.1:{port}/public/v1", timeout=2)
    with TestClient(proxy) as client:
        answer = client.get("/leads", headers={"Authorization": "key"})
        entry = client.get("/__admin/journal").json()[0]
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/vnd.api+json"
    assert answer.json()["errors"][0]["message"].startswith("Bad gateway: the upstream cannot")
    assert entry["status"] == 502 and "cannot be reached" in entry["upstream_error"]


def test_an_answer_past_the_limit_is_a_502_and_not_held_whole() -> None:
    async def huge(request: Request) -> Response:
        return Response(b"x" * 5000, 200, media_type="application/json")

    upstream_app = Starlette(routes=[Route("/{project}/leads", huge)])
    proxy = Proxy(
        "tiledesk-v3", "http://up", transport=httpx.ASGITransport(app=upstream_app),
        max_answer_bytes=4096,
    )  # fmt: skip
    with TestClient(proxy) as client:
        answer = client.get("/p1/leads", headers=AUTH)
        entry = client.get("/__admin/journal").json()[0]
    assert answer.status_code == 502
    assert answer.json()["msg"] == "Bad gateway: the upstream's answer is larger than 4096 bytes"
    assert entry["upstream_error"] == "the upstream's answer is larger than 4096 bytes"


def test_a_body_past_the_limit_is_refused_and_not_forwarded(breaking: Any) -> None:
    client, _ = breaking
    answer = client.post("/p1/leads", headers=AUTH, content=b"x" * (1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.json()["success"] is False
    assert client.get("/__admin/journal").json() == []


def test_headers_past_the_limits_are_refused_and_not_forwarded(breaking: Any) -> None:
    client, _ = breaking
    many = {f"x-h{i}": "1" for i in range(101)}
    assert client.get("/p1/leads", headers={**AUTH, **many}).status_code == 400
    large = client.get("/p1/leads", headers={**AUTH, "x-big": "a" * 40_000})
    assert large.status_code == 400
    assert large.json()["msg"].startswith("Request headers too large")
    assert client.get("/__admin/journal").json() == []


def test_the_admin_plane_is_for_loopback_callers_only(breaking: Any) -> None:
    _, proxy = breaking
    with TestClient(proxy, client=("203.0.113.9", 5000)) as outsider:
        assert outsider.get("/__admin/drift").status_code == 403
        assert outsider.get("/__admin/journal").status_code == 403


# -- recordings ----------------------------------------------------------------------------


def _replayed(recorded: dict[str, Any], accepted: AcceptedCredentials | None = None) -> Mock:
    # Another seed: whatever is read back came from the recording, not from a seed alike.
    served = create_app(Config(seed=7, leads=2, validate_responses=True))
    served.serve_recording(recorded, accepted or AcceptedCredentials())
    return served


def test_a_tiledesk_recording_is_served_statefully_to_the_seeds_team(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy("tiledesk-v3", upstream, "/v3")
    facts = upstream.facts["tiledesk"]
    project = facts["projects"][1]["id"]  # an id seed 7 does not have
    with TestClient(proxy) as client:
        headers = _signin(client, next(u for u in facts["users"] if u["project_id"] == project))
        made = client.post(f"/{project}/leads", headers=headers, json={"lead_id": "rec-1"}).json()
        listed = client.get(f"/{project}/leads", headers=headers).json()["leads"]
        requests = client.get(f"/{project}/requests", headers=headers).json()["requests"]
        recorded = client.get("/__admin/recording").json()
    served = _replayed(recorded)
    owner = served.facts["tiledesk"]["users"][0]
    with TestClient(served) as replay:
        auth = (owner["email"], owner["password"])
        again = replay.get(f"/v3/{project}/leads/{made['_id']}", auth=auth)
        assert again.status_code == 200 and again.json() == made
        relisted = replay.get(f"/v3/{project}/leads", auth=auth).json()["leads"]
        assert {lead["_id"] for lead in relisted} == {lead["_id"] for lead in listed}
        request_id = requests[0]["request_id"]
        shown = replay.get(f"/v3/{project}/requests/{request_id}", auth=auth).json()
        assert shown["request_id"] == request_id
        assert shown["lead"]["_id"] == requests[0]["lead"]["_id"]
        # Stateful: a write to the recording reads back, and a reset returns to the recording.
        changed = replay.put(
            f"/v3/{project}/leads/{made['_id']}", auth=auth, json={"fullname": "Changed"}
        )
        assert changed.json()["fullname"] == "Changed"
        served.reset()
        assert replay.get(f"/v3/{project}/leads/{made['_id']}", auth=auth).json() == made


def test_an_overloop_recording_is_served_with_a_named_api_key(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy("overloop", upstream, "/public/v1")
    key = upstream.facts["overloop"]["api_key"]
    with TestClient(proxy) as client:
        body = {"data": {"type": "leads", "attributes": {"email": "rec@example.com"}}}
        sent = {"Authorization": key, **JSON_API}
        made = client.post("/leads", headers=sent, content=json.dumps(body)).json()["data"]
        recorded = client.get("/__admin/recording").json()
    served = _replayed(recorded, AcceptedCredentials(api_keys=("my-real-key",)))
    with TestClient(served) as replay:
        mine = {"Authorization": "my-real-key", **JSON_API}
        again = replay.get(f"/public/v1/leads/{made['id']}", headers=mine)
        assert again.status_code == 200 and again.json()["data"] == made
        # The recorded email is taken; the next id follows the recorded ones.
        taken = replay.post("/public/v1/leads", headers=mine, content=json.dumps(body))
        assert taken.status_code == 422
        other = {"data": {"type": "leads", "attributes": {"email": "new@example.com"}}}
        fresh = replay.post("/public/v1/leads", headers=mine, content=json.dumps(other))
        assert int(fresh.json()["data"]["id"]) > int(made["id"])


def test_a_leads_crm_recording_is_served_to_a_named_login(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy("leads-crm", upstream, "/api/v1")
    crm = upstream.facts["leads-crm"]
    with TestClient(proxy) as client:
        listed = [a for a in _traffic("leads-crm", client, upstream.facts)][1].json()
        recorded = client.get("/__admin/recording").json()
    user = crm["users"][0]["username"]
    served = _replayed(recorded, AcceptedCredentials(((user, "pw-of-mine"),), ("crm-key",)))
    with TestClient(served) as replay:
        login = replay.post(
            "/api/v1/user/login/",
            headers={"apikey": "crm-key"},
            data={"username": user, "password": "pw-of-mine"},
        )
        assert login.status_code == 200, login.text
        headers = {"apikey": "crm-key", "Authorization": f"Bearer {login.json()['access']}"}
        relisted = replay.get("/api/v1/leads/list/", headers=headers).json()
    slugs = {lead["slug"] for lead in listed["data"]["results"]}
    assert slugs and slugs <= {lead["slug"] for lead in relisted["data"]["results"]}


def test_a_recording_holds_no_secret(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy("tiledesk-v3", upstream, "/v3")
    facts = upstream.facts["tiledesk"]
    with TestClient(proxy) as client:
        headers = _signin(client, facts["users"][0])
        client.get(f"/{facts['projects'][0]['id']}/requests", headers=headers)
        text = json.dumps(client.get("/__admin/recording").json())
    assert facts["users"][0]["password"] not in text
    assert headers["Authorization"].split()[1] not in text
    assert '"password"' not in text and '"token"' not in text


# -- the commands --------------------------------------------------------------------------


def _proxy_process(*args: str) -> subprocess.Popen:
    """``leadmock proxy`` as a user runs it, once its health probe answers."""
    port = args[args.index("--port") + 1]
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "proxy", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"leadmock proxy exited: {process.communicate()[0]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__admin/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("leadmock proxy did not answer its health probe within 30 s")


def test_proxy_record_then_serve_state_round_trip_over_ports(tmp_path: Path) -> None:
    upstream = serve("--leads", "3", "--quiet")
    proxy_port = free_port()
    recording, drift = tmp_path / "recording.json", tmp_path / "drift.md"
    proxy = _proxy_process(
        "overloop", "--upstream", f"{upstream.url}/public/v1", "--port", str(proxy_port),
        "--record", str(recording), "--drift", str(drift),
    )  # fmt: skip
    try:
        key = {"Authorization": "0789e389e159b0a7c3e36b511d2a6d6b29f8c371"}
        base = f"http://127.0.0.1:{proxy_port}"
        body = {"data": {"type": "leads", "attributes": {"email": "ports@example.com"}}}
        sent = {**key, "Content-Type": "application/vnd.api+json"}
        made = httpx.post(f"{base}/leads", headers=sent, content=json.dumps(body)).json()["data"]
        assert httpx.get(f"{base}/leads/{made['id']}", headers=key).json()["data"] == made
        assert httpx.get(f"{base}/leads", headers={"Authorization": "wrong"}).status_code == 401
    finally:
        proxy.send_signal(signal.SIGINT)
        output, _ = proxy.communicate(timeout=30)
        upstream.stop()
    assert proxy.returncode == 0, output
    assert f"GET /leads/{made['id']} 200 overloop get_lead" in output
    assert "Recorded 2 answers into" in output and "0 unclassified" in output
    assert "No departures." in drift.read_text()
    replay = serve(
        "--seed", "5", "--quiet", "--state", str(recording), "--accept-api-key", "team-key"
    )
    try:
        again = httpx.get(
            f"{replay.url}/public/v1/leads/{made['id']}", headers={"Authorization": "team-key"}
        )
    finally:
        banner, _ = replay.stop()
    assert again.status_code == 200 and again.json()["data"] == made, banner
    assert f"Recording     {recording} over the seed" in banner


def test_serve_refuses_a_state_file_it_cannot_serve(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text(json.dumps({"collections": [{"collection": 3}], "sequences": {}}))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    lead = {"collection": "leads", "scope": "1", "documents": {"1": {"_id": "1"}}}
    unservable = tmp_path / "unservable.json"
    unservable.write_text(json.dumps({"collections": [lead], "sequences": {}}))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, words in (
        (bad, "collection"),
        (tmp_path / "none.json", "No such file"),
        (deep, "body: the body is not JSON the mock accepts: JSON nested too deeply"),
        (Path("/dev/zero"), "file: not a regular file"),
        (fifo, "file: not a regular file"),
        (tmp_path, "file: not a regular file"),
        (unservable, "collections[0].documents.1: a document of this collection holds its key"),
    ):
        started = time.monotonic()
        done = leadmock("serve", "--port", str(free_port()), "--state", str(path))
        assert done.returncode == 2 and words in done.stderr, done.stderr
        # One line, no traceback, and at once: nothing read without bound or waited on.
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert time.monotonic() - started < 60


def test_every_problem_of_a_request_is_journalled_and_it_is_forwarded_all_the_same(
    breaking: Any,
) -> None:
    client, _ = breaking
    answer = client.get("/p1/leads?limit=abc&direction=2")
    assert answer.status_code == 200  # the upstream's answer, whatever the spec says
    refusal = client.get("/__admin/journal").json()[0]["refusal"]
    assert "'abc'" in refusal and "limit" in refusal
    assert "direction" in refusal
    assert "no credentials: the operation takes" in refusal
    client.delete("/__admin/journal")
    client.post("/p1/leads", headers={**AUTH, "Content-Type": "text/csv"}, content=b"a,b")
    client.get("/p1/nothing-here", headers=AUTH)
    client.patch("/p1/leads", headers=AUTH)
    refusals = [entry["refusal"] for entry in client.get("/__admin/journal").json()]
    assert "text/csv content type; the operation takes application/json" in refusals[0]
    assert refusals[1] == "no operation of the spec is at /p1/nothing-here"
    assert refusals[2] == "the spec has no PATCH /p1/leads; it documents GET, POST"
    # An upstream that accepts what the spec refuses: the check's own name and title.
    drift = client.get("/__admin/drift?format=json").json()["departures"]
    assert {"negative_data_rejection"} <= {item["check"] for item in drift}


def test_an_answer_without_content_type_is_classified_as_the_vendors_known_bug() -> None:
    async def refused(request: Request) -> Response:
        # What passport does: the status phrase, no Content-Type.
        return Response(b"Unauthorized", 401, media_type=None)

    upstream_app = Starlette(routes=[Route("/{project}/leads", refused)])
    proxy = Proxy("tiledesk-v3", "http://up", transport=httpx.ASGITransport(app=upstream_app))
    with TestClient(proxy) as client:
        assert client.get("/p1/leads").status_code == 401
        drift = client.get("/__admin/drift?format=json").json()["departures"]
    assert drift and {item["kind"] for item in drift} == {"vendor bug"}
    assert {item["check"] for item in drift} == {"content_type_conformance"}


def test_proxy_refuses_options_it_cannot_use() -> None:
    for args, words in (
        (["tiledesk-v3", "--upstream", "ftp://x"], "is not an upstream URL"),
        (["tiledesk-v9", "--upstream", "http://x"], "tiledesk-v9"),
        (["overloop"], "--upstream"),
    ):
        done = leadmock("proxy", *args)
        assert done.returncode == 2 and words in done.stderr, done.stderr


def test_the_path_is_forwarded_as_sent_and_routed_by_its_segments() -> None:
    async def echo(request: Request) -> Response:
        return JSONResponse({"raw_path": request.scope["raw_path"].decode()}, 404)

    upstream_app = Starlette(routes=[Route("/{rest:path}", echo)])
    proxy = Proxy("tiledesk-v3", "http://up", transport=httpx.ASGITransport(app=upstream_app))
    with TestClient(proxy) as client:
        answer = client.get("/p1/leads/a%2Fb%20c", headers=AUTH)
        entry = client.get("/__admin/journal").json()[0]
    assert answer.json() == {"raw_path": "/p1/leads/a%2Fb%20c"}
    # One segment, the lead id "a/b c": get_lead, not a path the spec lacks.
    assert entry["operation"] == "get_lead" and entry["valid"] is True
