"""Tiledesk as tiledesk-server and its Node SDK see it: nulls on update, the requests on every
version, the server's request model and list filters, the documented request, plain errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver import Config, Mock, create_app
from mockserver.vendors.tiledesk.model import DOCS_LEADS, DOCS_PROJECT_ID, DOCS_REQUEST_ID
from tests.nodetools import ROOT

VERSIONS = ("v1", "v2", "v3")
OWNER = ("andrea.leo@f21.it", "123456")
LEAD = DOCS_LEADS[0]["_id"]
JSON = {"Content-Type": "application/json"}
# What only the server sends, beside the document's fields (observed on tiledesk-server).
SERVER_KEYS = {
    "assigned_at",
    "channel",
    "channelOutbound",
    "followers",
    "hasBot",
    "id",
    "notes",
    "participantsAgents",
    "participantsBots",
    "participatingAgents",
    "participatingBots",
    "preflight",
    "priority",
    "requester",
    "smartAssignment",
    "snapshot",
    "ticket_id",
}


@pytest.fixture(scope="module")
def mock() -> Mock:
    return create_app(Config(validate_responses=True))


@pytest.fixture()
def client(mock: Mock) -> Iterator[TestClient]:
    mock.reset()
    with TestClient(mock) as client:
        yield client


def jwt(client: TestClient, version: str = "v3") -> str:
    signed = client.post(f"/{version}/auth/signin", json={"email": OWNER[0], "password": OWNER[1]})
    return signed.json()["token"]


def requests_url(version: str) -> str:
    return f"/{version}/{DOCS_PROJECT_ID}/requests"


def stored_requests(mock: Mock) -> list[dict[str, Any]]:
    return mock.store.query("requests", scope=DOCS_PROJECT_ID)[0]


# -- 1. nulls on update -------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_an_update_field_sent_as_null_is_left_as_it_is(
    client: TestClient, mock: Mock, version: str
) -> None:
    url = f"/{version}/{DOCS_PROJECT_ID}/leads/{LEAD}"
    client.put(url, json={"email": "guest@example.com", "tags": ["vip"]}, auth=OWNER)
    before = mock.store.get("leads", LEAD, scope=DOCS_PROJECT_ID)
    nulls = dict.fromkeys(
        ("email", "fullname", "attributes", "phone", "company", "note", "tags", "status")
    )
    answer = client.put(url, json={**nulls, "city": "Rome"}, auth=OWNER)
    assert answer.status_code == 200, answer.text
    after = mock.store.get("leads", LEAD, scope=DOCS_PROJECT_ID)
    assert answer.json() == after
    assert {k: v for k, v in after.items() if k not in ("city", "updatedAt")} == {
        k: v for k, v in before.items() if k not in ("city", "updatedAt")
    }
    assert after["city"] == "Rome" and after["updatedAt"] >= before["updatedAt"]


# -- 2. requests on every version ----------------------------------------------------------------


def test_every_version_answers_the_requests_alike(client: TestClient) -> None:
    lists = [client.get(requests_url(v), auth=OWNER) for v in VERSIONS]
    gets = [client.get(f"{requests_url(v)}/{DOCS_REQUEST_ID}", auth=OWNER) for v in VERSIONS]
    assert [a.status_code for a in lists + gets] == [200] * 6
    assert lists[0].json() == lists[1].json() == lists[2].json()
    assert gets[0].json() == gets[1].json() == gets[2].json()
    for version in VERSIONS:
        document = yaml.safe_load((ROOT / "specs" / f"tiledesk-{version}.yaml").read_text())
        assert {"/{project_id}/requests", "/{project_id}/requests/{id}"} <= set(document["paths"])


# -- 3. the request model ------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_request_has_the_servers_model(client: TestClient, mock: Mock, version: str) -> None:
    body = client.get(requests_url(version), params={"status": "all", "limit": 100}, auth=OWNER)
    for request in body.json()["requests"]:
        assert SERVER_KEYS - {"assigned_at"} <= set(request), request["request_id"]
        assert request["id"] == request["_id"]
        department = request["department"]
        assert department["_id"] == department["id"] and department["name"]
        assert request["requester"]["id_user"]["_id"] == request["snapshot"]["requester"]["id_user"]
        assert "password" not in request["requester"]["id_user"]
        assert [u["_id"] for u in request["participatingAgents"]] == request["participantsAgents"]
        assert all(set(tag) == {"_id", "tag", "color"} for tag in request["tags"])
        assert request["lead"]["_id"] == request["requester_id"]
        assert ("assigned_at" in request) is (request["status"] != 100)
        if request["status"] == 1000:
            assert {"closed_at", "closed_by", "duration", "transcript"} <= set(request)
    spec = yaml.safe_load((ROOT / "specs" / f"tiledesk-{version}.yaml").read_text())
    described = spec["components"]["schemas"]["Request"]["properties"]
    assert set(described) >= SERVER_KEYS
    assert all("bserved" in described[key].get("description", "") for key in SERVER_KEYS)


# -- 4. the list's filters -----------------------------------------------------------------------


def listed(client: TestClient, version: str, **params: Any) -> dict[str, Any]:
    answer = client.get(requests_url(version), params={"limit": 100, **params}, auth=OWNER)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("version", VERSIONS)
def test_the_default_list_leaves_closed_requests_out(
    client: TestClient, mock: Mock, version: str
) -> None:
    stored = stored_requests(mock)
    open_ones = {r["request_id"] for r in stored if r["status"] < 1000}
    closed = {r["request_id"] for r in stored if r["status"] == 1000}
    assert open_ones and closed
    body = listed(client, version)
    assert {r["request_id"] for r in body["requests"]} == open_ones
    assert body["count"] == len(open_ones)
    assert {r["request_id"] for r in listed(client, version, status="1000")["requests"]} == closed
    assert listed(client, version, status="all")["count"] == len(stored)
    # What is not a number is dropped, and with nothing left every status is listed.
    assert listed(client, version, status="abc")["count"] == len(stored)
    served = listed(client, version, status="100,200")["requests"]
    assert served and {r["status"] for r in served} <= {100, 200}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_list_filters_the_server_reads(client: TestClient, mock: Mock, version: str) -> None:
    stored = [r for r in stored_requests(mock) if r["status"] < 1000]
    tagged = next(r for r in stored if r["tags"])
    tag = tagged["tags"][0]["tag"]
    cases = {
        "tags": (tag, lambda r: tag in [t["tag"] for t in r["tags"]]),
        "lead": (tagged["lead"], lambda r: r["lead"] == tagged["lead"]),
        "participant": (
            tagged["participants"][0] if tagged["participants"] else "none",
            lambda r: (tagged["participants"] or ["none"])[0] in r["participants"],
        ),
        "requester_email": (
            tagged["snapshot"]["lead"].get("email", "nobody@example.com"),
            lambda r: (
                r["snapshot"]["lead"].get("email")
                == tagged["snapshot"]["lead"].get("email", "nobody@example.com")
            ),
        ),
        "dept_id": (tagged["department"], lambda r: r["department"] == tagged["department"]),
        "ticket_id": (str(tagged["ticket_id"]), lambda r: r["ticket_id"] == tagged["ticket_id"]),
        "priority": ("medium", lambda r: r["priority"] == "medium"),
        "hasbot": ("false", lambda r: r["hasBot"] is False),
        "channel": ("chat21", lambda r: r["channel"]["name"] == "chat21"),
    }
    for name, (value, keeps) in cases.items():
        expected = {r["request_id"] for r in stored if keeps(r)}
        found = {r["request_id"] for r in listed(client, version, **{name: value})["requests"]}
        assert found == expected and found, name
    assert listed(client, version, channel="offline")["count"] == 0
    assert listed(client, version, dept_id="5f0000000000000000000000")["count"] == 0


@pytest.mark.parametrize("version", VERSIONS)
def test_a_page_over_100_reads_as_40(client: TestClient, version: str) -> None:
    body = client.get(requests_url(version), params={"limit": 500, "status": "all"}, auth=OWNER)
    assert body.json()["perPage"] == 40 and len(body.json()["requests"]) == 40


# -- 5. the documented request -------------------------------------------------------------------


def test_the_documents_curl_returns_the_documents_request(client: TestClient) -> None:
    spec = yaml.safe_load((ROOT / "specs" / "tiledesk-v1.yaml").read_text())
    documented = spec["components"]["examples"]["Request"]["value"]
    answer = client.get(f"{requests_url('v1')}/{DOCS_REQUEST_ID}", auth=OWNER)
    assert answer.status_code == 200
    served = answer.json()
    for key, value in documented.items():
        if key == "department":
            assert served[key]["_id"] == value
        elif key == "agents":
            shown = [{k: agent[k] for k in value[0]} for agent in served[key]]
            assert shown == value
        elif key == "lead":
            assert {k: served[key][k] for k in value} == value
        else:
            assert served[key] == value, key
    owner = served["participatingAgents"][0]
    assert owner["email"] == OWNER[0] and owner["_id"] == documented["participants"][0]


# -- 6. error wording ----------------------------------------------------------------------------

PYTHON_WORDS = (
    "is not of type",
    "is a required property",
    "does not match",
    "should be non-empty",
    "is less than the minimum",
    "is not one of",
    "None",
    "'",
)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_400_is_the_vendors_shape_in_words_a_user_can_act_on(
    client: TestClient, version: str
) -> None:
    leads = f"/{version}/{DOCS_PROJECT_ID}/leads"
    answers = [
        client.post(leads, json={"fullname": "no lead id"}, auth=OWNER),
        client.post(leads, json={"lead_id": "x", "email": 5}, auth=OWNER),
        client.put(f"{leads}/{LEAD}", json={"tags": "vip"}, auth=OWNER),
        client.put(f"{leads}/{LEAD}", json=[1], auth=OWNER),
        client.get(leads, params={"limit": 0}, auth=OWNER),
        client.get(leads, params={"limit": "many"}, auth=OWNER),
        client.get(leads, params={"direction": "up"}, auth=OWNER),
        client.get(leads, params={"sortField": ""}, auth=OWNER),
        client.get(requests_url(version), params={"dept_id": "sales"}, auth=OWNER),
        client.get(requests_url(version), params={"priority": "top"}, auth=OWNER),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert set(body) == {"success", "msg"} and body["success"] is False
        assert not any(words in body["msg"] for words in PYTHON_WORDS), body["msg"]
    assert answers[0].json()["msg"] == "lead_id is required"
    assert answers[4].json()["msg"] == "limit must be at least 1"
    assert answers[8].json()["msg"] == "dept_id must be a 24-character hexadecimal id"


# -- the SDK's calls, as @tiledesk/tiledesk-client 0.10.13 sends them ----------------------------


def test_the_sdks_calls_answer_as_the_sdk_expects(client: TestClient, mock: Mock) -> None:
    """updateLeadData, updateLead, getAllRequests and getRequestById, with the headers, nulls
    and query parameters the SDK sends, under the `APIURL` users set (`.../v3`)."""
    api = "/v3"
    headers = {**JSON, "Authorization": jwt(client)}
    lead_url = f"{api}/{DOCS_PROJECT_ID}/leads/{LEAD}"
    # updateLeadData(leadId, email, fullname, attributes): what the caller leaves is null.
    data = client.put(
        lead_url, headers=headers, json={"email": None, "fullname": "Ann", "attributes": None}
    )
    assert data.status_code == 200 and data.json()["fullname"] == "Ann"
    # updateLead(leadId, nativeAttributes, attributes, tags): null attributes and tags.
    lead = client.put(
        lead_url, headers=headers, json={"phone": "+39 06 1234", "attributes": None, "tags": None}
    )
    assert lead.status_code == 200
    assert (lead.json()["phone"], lead.json()["fullname"]) == ("+39 06 1234", "Ann")
    # getAllRequests(queryParams): each param appended to the URL as the caller gave it.
    query = {"status": "100", "limit": "10", "direction": "1", "sortField": "createdAt"}
    listed = client.get(f"{api}/{DOCS_PROJECT_ID}/requests", headers=headers, params=query)
    assert listed.status_code == 200
    body = listed.json()
    assert body["perPage"] == 10 and body["requests"]
    assert {r["status"] for r in body["requests"]} == {100}
    created = [r["createdAt"] for r in body["requests"]]
    assert created == sorted(created)
    # getRequestById(requestId): the request, or 404, which the SDK turns into null.
    found = client.get(f"{api}/{DOCS_PROJECT_ID}/requests/{DOCS_REQUEST_ID}", headers=headers)
    assert found.status_code == 200 and found.json()["request_id"] == DOCS_REQUEST_ID
    missing = client.get(f"{api}/{DOCS_PROJECT_ID}/requests/none", headers=headers)
    assert (missing.status_code, missing.json()) == (
        404,
        {"success": False, "msg": "Object not found."},
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_each_tag_of_a_request_has_an_object_id_of_its_own(
    client: TestClient, version: str
) -> None:
    # As tiledesk-server stores them: MongoDB gives each embedded tag an _id.
    answered = listed(client, version, status="all")["requests"]
    tags = [tag for request in answered for tag in request["tags"]]
    assert tags, "the seed tags some requests"
    assert all(set(tag) == {"_id", "tag", "color"} for tag in tags)
    assert all(len(tag["_id"]) == 24 and int(tag["_id"], 16) >= 0 for tag in tags)
    assert len({tag["_id"] for tag in tags}) == len(tags)
    one = next(request for request in answered if request["tags"])
    got = client.get(f"{requests_url(version)}/{one['request_id']}", auth=OWNER)
    assert got.json()["tags"] == one["tags"]
