"""Bad input over HTTP, on AsyncApp and FlaskApp: each gets the vendor's own error and status,
changes nothing, and the next good request, the journal and the export still work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Mock
from mockserver.journal import Entry, Journal
from tests.helpers import basic, crm_bearer

PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
OWNER = ("andrea.leo@f21.it", "123456")


def writes(client: TestClient, mock: Mock) -> list[tuple[str, str, dict[str, str], str]]:
    """Every write endpoint that takes a JSON body: method, path, credentials, media type."""
    owner = {"Authorization": basic(*OWNER)}
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    crm = crm_bearer(client, mock)
    base = mock.facts["leads-crm"]["base_path"]
    found = []
    json_type, api_type = "application/json", "application/vnd.api+json"
    for version in ("v1", "v2", "v3"):
        found += [
            ("POST", f"/{version}/{PROJECT}/leads", owner, json_type),
            ("PUT", f"/{version}/{PROJECT}/leads/{LEAD}", owner, json_type),
            ("POST", f"/{version}/auth/signin", {}, json_type),
        ]
    found += [
        ("POST", "/public/v1/leads", key, api_type),
        ("PATCH", "/public/v1/leads/1", key, api_type),
        ("POST", f"{base}/user/login/", {"apikey": crm["apikey"]}, json_type),
        ("POST", f"{base}/leads/delete/lead/", crm, json_type),
        ("POST", f"{base}/leads/update/appointment/", crm, json_type),
        ("POST", f"{base}/leads/create/lead/", crm, json_type),
    ]
    return found


def assert_vendor_error(mock: Mock, path: str, response: Any, status: int) -> str:
    """The answer is the vendor's error shape with ``status``; its message."""
    assert response.status_code == status, response.text
    body = response.json()
    if path.startswith("/public/"):
        item = body["errors"][0]
        return item.get("message") or item.get("detail")
    if path.startswith(mock.facts["leads-crm"]["base_path"]):
        assert body["status_code"] == status and body["data"] == {}
        return json.dumps(body["errors"])
    assert body["success"] is False
    return body["msg"]


def assert_still_serving(client: TestClient, mock: Mock, before: Any) -> None:
    """Nothing written, the journal and the export answer, a good request works."""
    assert mock.store.dump() == before
    journal = client.get("/__admin/journal")
    # Every entry renders, whatever its request carried.
    assert journal.status_code == 200 and len(journal.json()) == len(mock.journal.entries())
    assert client.get("/__admin/state").json() == json.loads(json.dumps(before))
    got = client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    assert got.status_code == 200 and got.json()["_id"] == LEAD


@pytest.mark.parametrize("content_type", [None, ""])
def test_a_body_without_content_type_is_415_everywhere(
    client: TestClient, mock: Mock, content_type: str | None
) -> None:
    before = mock.store.dump()
    for method, path, auth, _ in writes(client, mock):
        headers = dict(auth) if content_type is None else {**auth, "Content-Type": content_type}
        sent = client.build_request(method, path, headers=headers, content=b'{"lead_id": "x"}')
        if content_type is None:
            sent.headers.pop("content-type", None)
        answer = client.send(sent)
        message = assert_vendor_error(mock, path, answer, 415)
        assert "Content-type" in message, (path, message)
    assert_still_serving(client, mock, before)


@pytest.mark.parametrize(
    "body",
    [
        b'{"lead_id": "x", "attributes": ' + b'{"a": ' * 500 + b"1" + b"}" * 501,
        b'{"lead_id": "x", "attributes": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001,
        b"[" * 1000 + b"]" * 1000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"lead_id": "x", "fullname": NaN}',
        b'{"lead_id": "x", "attributes": {"n": Infinity}}',
        b'{"lead_id": "x", "attributes": {"n": -Infinity}}',
        b'{"lead_id": "\\ud800"}',
        b'{"lead_id": "x", "attributes": {"n": ' + b"9" * 4301 + b"}}",
        b'{"lead_id": "x"',
        b"\xff\xfe",
    ],
    ids=[
        "deep-500",
        "deep-1000",
        "deep-array-1000",
        "deep-100000",
        "nan",
        "inf",
        "-inf",
        "surrogate",
        "4301-digits",
        "cut",
        "bytes",
    ],
)
def test_bodies_the_mock_cannot_keep_are_400(client: TestClient, mock: Mock, body: bytes) -> None:
    before = mock.store.dump()
    for method, path, auth, media in writes(client, mock):
        answer = client.request(method, path, headers={**auth, "Content-Type": media}, content=body)
        assert_vendor_error(mock, path, answer, 400)
    assert all(not e.valid for e in mock.journal.entries() if e.status == 400)
    assert_still_serving(client, mock, before)


def test_an_integer_past_pythons_limit_in_a_path_or_form(client: TestClient, mock: Mock) -> None:
    before = mock.store.dump()
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    huge = "9" * 4301
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.request(method, f"/public/v1/leads/{huge}", headers=key)
        assert "more than 100 digits" in assert_vendor_error(mock, "/public/", answer, 400)
    crm = crm_bearer(client, mock)
    base = mock.facts["leads-crm"]["base_path"]
    for path, field in (
        ("leads/delete/leadnote/", {"slug": "binuser1", "note_id": huge}),
        ("leads/delete/appointment/", {"appointment_id": huge}),
        ("leads/update/appointment/", {"appointment_id": huge, "slug": "binuser1"}),
    ):
        answer = client.post(f"{base}/{path}", headers=crm, data=field)
        assert "not found" in assert_vendor_error(mock, base, answer, 400)
    assert_still_serving(client, mock, before)


def test_a_body_over_the_limit_is_413(client: TestClient, mock: Mock) -> None:
    before = mock.store.dump()
    body = b'{"lead_id": "x", "note": "' + b"a" * (1024 * 1024) + b'"}'
    for method, path, auth, media in writes(client, mock)[:3]:
        answer = client.request(method, path, headers={**auth, "Content-Type": media}, content=body)
        assert "at most 1048576 bytes" in assert_vendor_error(mock, path, answer, 413)
        assert answer.headers["connection"] == "close"
    entry = mock.journal.entries(status=413)[0]
    assert entry.body_size <= 1024 * 1024 and not entry.valid
    assert_still_serving(client, mock, before)


def test_too_many_or_too_large_headers_are_400(client: TestClient, mock: Mock) -> None:
    many = [(f"x-h{i}", "1") for i in range(150)]
    answer = client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER, headers=many)
    assert "Too many request headers" in assert_vendor_error(mock, "/v3", answer, 400)
    large = {"x-big": "a" * 40_000}
    answer = client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER, headers=large)
    assert "headers too large" in assert_vendor_error(mock, "/v3", answer, 400)
    assert_still_serving(client, mock, mock.store.dump())


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("latency=nan", "latency"),
        ("latency=inf", "latency"),
        ("latency=abc", "latency"),
        ("latency=-1", "latency"),
        ("status=abc", "status"),
        ("status=200", "status"),
        ("status=" + "9" * 5000, "status"),
        ("slow", "slow"),
    ],
)
def test_a_bad_fault_header_names_the_option(
    client: TestClient, mock: Mock, header: str, field: str
) -> None:
    answer = client.get(
        f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER, headers={"X-Leadmock-Fault": header}
    )
    message = assert_vendor_error(mock, "/v3", answer, 400)
    assert message.startswith(f"X-Leadmock-Fault: {field}:"), message
    assert "Error" not in message and "invalid literal" not in message


def test_the_journal_keeps_a_prefix_of_large_bodies() -> None:
    journal = Journal(body_bytes=8, max_bytes=10_000)

    def entry(body: bytes) -> Entry:
        return Entry(
            api="a",
            operation="o",
            method="POST",
            path="/p",
            query="",
            headers={},
            raw_body=body[: journal.body_bytes],
            body_size=len(body),
            status=200,
            valid=True,
        )

    journal.record(entry(b'{"a": 1}'))
    journal.record(entry(b'{"lead_id": "long"}'))
    first, second = journal.entries()
    assert first.body == {"a": 1} and not first.body_truncated
    assert second.body == '{"lead_i' and second.body_truncated and second.body_size == 19
    for _ in range(100):
        journal.record(entry(b"x" * 100))
    assert journal.size_bytes <= 10_000 and 1 < len(journal.entries()) < 100


def test_a_large_body_is_journalled_as_a_marked_prefix(client: TestClient, mock: Mock) -> None:
    note = "n" * 100_000
    created = client.post(f"/v3/{PROJECT}/leads", auth=OWNER, json={"lead_id": "x", "note": note})
    assert created.status_code == 200
    exported = client.get("/__admin/journal", params={"operation": "create_lead"}).json()
    assert exported[-1]["body_truncated"] is True and exported[-1]["body_size"] > 100_000
    assert len(exported[-1]["body"]) == 64 * 1024


@pytest.mark.parametrize("status", [413, 408])
def test_the_limit_answers_are_in_every_spec(client: TestClient, mock: Mock, status: int) -> None:
    """Each operation that takes a body declares the limit's status, and the gate's answer fits
    the declared schema (the gate answers before Connexion's response validation would)."""
    from openapi_schema_validator import OAS30Validator

    from mockserver.routing import resolve_refs
    from mockserver.specfiles import load_spec
    from mockserver.vendors import VENDORS

    answers = {413: b'{"lead_id": "' + b"a" * (1024 * 1024) + b'"}'}
    for vendor in VENDORS:
        for mount in vendor.mounts:
            spec = resolve_refs(load_spec(mount.spec))
            for template, item in spec["paths"].items():
                for method, operation in item.items():
                    if not isinstance(operation, dict) or "requestBody" not in operation:
                        continue
                    declared = operation["responses"][str(status)]
                    media, entry = next(iter(declared["content"].items()))
                    if status not in answers:
                        continue
                    path = mount.base_path + template.replace("{project_id}", PROJECT)
                    path = path.replace("{id}", "1")
                    answer = client.request(
                        method.upper(),
                        path,
                        content=answers[status],
                        headers={"Content-Type": media},
                    )
                    assert answer.status_code == status, (path, answer.text)
                    OAS30Validator(entry["schema"]).validate(answer.json())


def test_a_reset_keeps_nothing_of_the_old_state_in_memory(client: TestClient, mock: Mock) -> None:
    """A load test's documents, rendered once for its lists, must not outlive the reset that
    drops them from the store (they would hold tens of megabytes after a load)."""
    from mockserver import jsoncodec

    owner = {"Authorization": basic(*OWNER)}
    made = client.post(f"/v3/{PROJECT}/leads", headers=owner, json={"lead_id": "kept-in-cache"})
    listed = client.get(f"/v3/{PROJECT}/leads?sortField=createdAt&direction=-1", headers=owner)
    assert made.json()["_id"] in {lead["_id"] for lead in listed.json()["leads"]}
    cached = [doc for cache in jsoncodec._RENDER_CACHES for doc, _ in cache._entries.values()]
    assert any(doc.get("_id") == made.json()["_id"] for doc in cached if isinstance(doc, dict))
    assert client.post("/__admin/reset").status_code == 200
    assert all(not cache._entries and not cache._pages for cache in jsoncodec._RENDER_CACHES)
    # And the lists render again from the seed.
    again = client.get(f"/v3/{PROJECT}/leads", headers=owner)
    assert made.json()["_id"] not in {lead["_id"] for lead in again.json()["leads"]}


def test_a_page_asked_for_again_shows_a_lead_changed_since(client: TestClient) -> None:
    """Pages are kept rendered whole: a lead changed in one must show, not the kept page."""
    owner = {"Authorization": basic(*OWNER)}
    page = f"/v3/{PROJECT}/leads?sortField=createdAt&direction=-1"
    first = client.get(page, headers=owner).json()
    assert client.get(page, headers=owner).json() == first
    lead = first["leads"][0]
    changed = client.put(
        f"/v3/{PROJECT}/leads/{lead['_id']}", headers=owner, json={"fullname": "Renamed Since"}
    )
    assert changed.status_code == 200, changed.text
    again = client.get(page, headers=owner).json()
    assert again["leads"][0]["_id"] == lead["_id"]
    assert again["leads"][0]["fullname"] == "Renamed Since"
    assert again["leads"][1:] == first["leads"][1:]
