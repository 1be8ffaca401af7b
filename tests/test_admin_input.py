"""Every admin input is checked before anything changes: a 400 naming the field, the mock as it
was, on AsyncApp and FlaskApp alike."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Mock
from mockserver.admin import admin_allowed

PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
OWNER = ("andrea.leo@f21.it", "123456")
OVERLOOP_JSON = {"Content-Type": "application/vnd.api+json"}


def assert_refused(answer: Any, field: str) -> str:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["field"] == field, body
    assert "Error" not in body["error"] and "__init__" not in body["error"], body
    return body["error"]


def assert_untouched(client: TestClient, mock: Mock, before: dict[str, Any]) -> None:
    assert client.get("/__admin/state").json() == before
    got = client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    assert got.status_code == 200
    created = client.post(
        "/public/v1/leads",
        headers=OVERLOOP_JSON | {"Authorization": mock.facts["overloop"]["api_key"]},
        json={"data": {"type": "leads", "attributes": {"email": "fresh@example.com"}}},
    )
    assert created.status_code == 201, created.text


def state_with(before: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(before)), **changes}


def broken_states(before: dict[str, Any]) -> list[tuple[Any, str]]:
    """Twenty documents ``PUT /__admin/state`` must refuse, each with the field at fault."""
    first = before["collections"][0]
    some = {"collection": "leads", "scope": None, "documents": {}}
    return [
        ([], "state"),
        ("state", "state"),
        ({}, "collections"),
        ({"collections": []}, "sequences"),
        (state_with(before, collections={}), "collections"),
        (state_with(before, sequences=[]), "sequences"),
        (state_with(before, sequences={"overloop.lead": -1}), "sequences.overloop.lead"),
        (state_with(before, sequences={"overloop.lead": "7"}), "sequences.overloop.lead"),
        (state_with(before, sequences={"overloop.lead": True}), "sequences.overloop.lead"),
        (state_with(before, sequences={"overloop.lead": 1.5}), "sequences.overloop.lead"),
        (state_with(before, extra=1), "extra"),
        (state_with(before, collections=[1]), "collections[0]"),
        (state_with(before, collections=[{**some, "documents": []}]), "collections[0].documents"),
        (
            state_with(before, collections=[{**some, "documents": {"1": []}}]),
            "collections[0].documents.1",
        ),
        (state_with(before, collections=[{**some, "collection": ""}]), "collections[0].collection"),
        (state_with(before, collections=[{**some, "collection": 3}]), "collections[0].collection"),
        (state_with(before, collections=[{**some, "scope": 3}]), "collections[0].scope"),
        (state_with(before, collections=[some, some]), "collections[1]"),
        (state_with(before, collections=[{**some, "owner": "x"}]), "owner"),
        (
            state_with(before, collections=[*before["collections"], first]),
            f"collections[{len(before['collections'])}]",
        ),
    ]


def test_malformed_state_documents_are_refused_whole(client: TestClient, mock: Mock) -> None:
    before = client.get("/__admin/state").json()
    cases = broken_states(before)
    assert len(cases) == 20
    for document, field in cases:
        assert_refused(client.put("/__admin/state", json=document), field)
    for raw in (b"{", b'{"collections": NaN}', b"[" * 5000 + b"]" * 5000):
        assert_refused(client.put("/__admin/state", content=raw), "body")
    assert_untouched(client, mock, before)


def test_an_import_whose_sequences_lag_never_overwrites(client: TestClient, mock: Mock) -> None:
    exported = client.get("/__admin/state").json()
    assert client.put("/__admin/state", json={**exported, "sequences": {}}).status_code == 200
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    created = client.post(
        "/public/v1/leads",
        headers=OVERLOOP_JSON | key,
        json={"data": {"type": "leads", "attributes": {"email": "lagging@example.com"}}},
    )
    assert created.status_code == 201
    new_id = created.json()["data"]["id"]
    assert client.get("/public/v1/leads/1", headers=key).json()["data"]["attributes"]["email"] == (
        "vincenzo@overloop.ai"
    )
    assert int(new_id) > 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"leads": "x"}, "leads"),
        ({"leads": 2.5}, "leads"),
        ({"leads": -1}, "leads"),
        ({"leads": 1}, "leads"),
        ({"leads": True}, "leads"),
        ({"seed": "7"}, "seed"),
        ({"seed": -3}, "seed"),
        ({"seeds": 7}, "seeds"),
        ([7], "body"),
    ],
)
def test_bad_seed_options_change_nothing(
    client: TestClient, mock: Mock, options: Any, field: str
) -> None:
    before = client.get("/__admin/state").json()
    assert_refused(client.post("/__admin/seed", json=options), field)
    assert_untouched(client, mock, before)


def test_a_good_reseed_replaces_the_state_at_once(client: TestClient, mock: Mock) -> None:
    answer = client.post("/__admin/seed", json={"seed": 7, "leads": 5})
    assert answer.status_code == 200
    assert answer.json()["tiledesk"]["projects"][0]["leads"] == 5
    listed = client.get(f"/v3/{PROJECT}/leads", auth=OWNER).json()
    assert listed["count"] < 10
    client.post("/__admin/seed", json={"seed": 1, "leads": 100})


@pytest.mark.parametrize(
    ("fault", "field", "words"),
    [
        ({"latency": "abc"}, "latency", "seconds"),
        ({"latency": [1]}, "latency", "[low, high]"),
        ({"latency": [2, 1]}, "latency", "[low, high]"),
        ({"latency": 1e9}, "latency", "seconds 0 to 60"),
        ({"status": 200}, "status", "400 to 599"),
        ({"status": "503"}, "status", "400 to 599"),
        ({"share": 2}, "share", "0 to 1"),
        ({"times": -1}, "times", "0 or more"),
        ({"times": 1.5}, "times", "whole number"),
        ({"drop": "yes"}, "drop", "true or false"),
        ({"retry_after": -5}, "retry_after", "0 to 86400"),
        ({"api": 3}, "api", "a name"),
        ({"opration": "list_leads"}, "opration", "did you mean 'operation'"),
        ({"id": 9}, "id", "not a fault field"),
        ("status=503", "fault", "JSON object"),
    ],
)
def test_bad_faults_name_the_field(
    client: TestClient, mock: Mock, fault: Any, field: str, words: str
) -> None:
    assert words in assert_refused(client.post("/__admin/faults", json=fault), field)
    assert client.get("/__admin/faults").json() == []
    assert client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "abc"}, "status"),
        ({"status": "2000"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"since": "nan"}, "since"),
        ({"valid": "maybe"}, "valid"),
        ({"opration": "x"}, "opration"),
        ({"operation": "list_lead"}, "operation"),
        ({"api": "tiledsk"}, "api"),
    ],
)
def test_bad_journal_filters_name_the_field(
    client: TestClient, query: dict[str, str], field: str
) -> None:
    assert_refused(client.get("/__admin/journal", params=query), field)


def test_journal_filters_on_query_parameters_and_headers(client: TestClient) -> None:
    client.delete("/__admin/journal")
    client.get(f"/v3/{PROJECT}/leads", params={"page": "1"}, auth=OWNER)
    client.get(f"/v3/{PROJECT}/leads", params={"page": "2"}, auth=OWNER, headers={"X-Trace": "t"})
    by_query = client.get("/__admin/journal", params={"query.page": "2"}).json()
    by_header = client.get("/__admin/journal", params={"header.X-Trace": "t"}).json()
    assert [e["query"] for e in by_query] == ["page=2"] == [e["query"] for e in by_header]
    refused = client.get("/__admin/journal", params={"query.": "2"})
    assert_refused(refused, "query.")


def test_journal_filters_that_are_right_work(client: TestClient) -> None:
    client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    client.get(f"/v3/{PROJECT}/leads/nope", auth=OWNER)
    found = client.get("/__admin/journal", params={"status": "404", "valid": "true"}).json()
    assert [(e["operation"], e["status"]) for e in found] == [("get_lead", 404)]


def test_the_loopback_check_trusts_the_socket_not_a_header() -> None:
    def scope(host: str, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
        return {"client": (host, 1234), "headers": list(headers)}

    forwarded = (b"x-forwarded-for", b"127.0.0.1")
    assert admin_allowed(scope("127.0.0.1"), None)
    assert not admin_allowed(scope("192.0.2.7", forwarded), None)
    assert not admin_allowed(scope("192.0.2.7", (b"x-forwarded-for", b"testclient")), None)


def test_an_entry_without_scope_is_refused_by_name(client: TestClient, mock: Mock) -> None:
    before = client.get("/__admin/state").json()
    entry = {"collection": "leads", "documents": {}}
    answer = client.put("/__admin/state", json=state_with(before, collections=[entry]))
    assert assert_refused(answer, "collections[0].scope") == "scope is required"
    assert_untouched(client, mock, before)


def test_documents_that_break_their_collections_model_are_refused_whole(
    client: TestClient, mock: Mock
) -> None:
    before = client.get("/__admin/state").json()
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    # Every Overloop lead replaced by {"_id": id}: accepted before, and then every list 500.
    overloop = next(
        (i, e) for i, e in enumerate(before["collections"])
        if e["collection"] == "leads" and e["scope"] == "1"
    )  # fmt: skip
    index, leads = overloop
    emptied = {**leads, "documents": {k: {"_id": k} for k in leads["documents"]}}
    collections = [*before["collections"][:index], emptied, *before["collections"][index + 1 :]]
    message = assert_refused(
        client.put("/__admin/state", json=state_with(before, collections=collections)),
        f"collections[{index}].documents.1",
    )
    assert message == "a document of this collection holds its key in 'id'"
    # Any collection: a document whose fields are of another type (its key field too), and a
    # collection the mock does not have.
    for index, entry in enumerate(before["collections"]):
        first_key, first = next(iter(entry["documents"].items()))
        for broken, field in [({k: [[1]] for k in first}, None)]:
            changed = {**entry, "documents": {**entry["documents"], first_key: broken}}
            document = state_with(
                before,
                collections=[*before["collections"][:index], changed,
                             *before["collections"][index + 1 :]],
            )  # fmt: skip
            answer = client.put("/__admin/state", json=document)
            assert answer.status_code == 400, (entry["collection"], answer.text)
            if field is not None:
                assert answer.json()["field"] == field
    unknown = {"collection": "nothing", "scope": None, "documents": {}}
    message = assert_refused(
        client.put("/__admin/state", json=state_with(before, collections=[unknown])),
        "collections[0].collection",
    )
    assert "the mock has no collection 'nothing'" in message
    assert_untouched(client, mock, before)
    assert client.get("/public/v1/leads", headers=key).status_code == 200
    assert client.put("/__admin/state", json=before).status_code == 200


def test_an_import_is_read_a_document_at_a_time(
    client: TestClient, mock: Mock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One parse of the whole body held the interpreter, and every request, for 0.5 s at 128 MB:
    # the body is read a document at a time, each in its own call (here: as pretty-printed).
    before = client.get("/__admin/state").json()
    # A document sits four levels in: each of its lines indented 32 more spaces.
    longest = max(
        len(textwrap.indent(json.dumps(document, indent=8), " " * 32))
        for entry in before["collections"]
        for document in entry["documents"].values()
    )
    spans: list[int] = []
    scanning = json.JSONDecoder.raw_decode

    def recorded(self: json.JSONDecoder, text: str, idx: int = 0) -> tuple[Any, int]:
        value, end = scanning(self, text, idx)
        spans.append(end - idx)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", recorded)
    answer = client.put("/__admin/state", content=json.dumps(before, indent=8).encode())
    monkeypatch.undo()
    assert answer.status_code == 200, answer.text
    documents = sum(len(entry["documents"]) for entry in before["collections"])
    assert len(spans) >= documents
    assert max(spans) <= longest
    assert client.get("/__admin/state").json() == before
    assert client.get(f"/v3/{PROJECT}/leads/{LEAD}", auth=OWNER).status_code == 200
