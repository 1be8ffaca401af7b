"""Tiledesk over HTTP: auth, list, get, create, update, delete, and what each leaves behind.

Each behaviour runs on every version: v1 documents only list, get and create, but the server
answers update and delete on v1's routes too (observed), so its spec and the mock have them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Mock
from mockserver.auth import issue_jwt
from mockserver.store import Where
from mockserver.vendors.tiledesk.handlers import JWT_AUDIENCE
from mockserver.vendors.tiledesk.model import DOCS_LEADS, DOCS_PROJECT_ID, DOCS_REQUEST_ID

pytestmark = pytest.mark.shared_store

DOCS_LEAD = DOCS_LEADS[0]["_id"]
ALL_VERSIONS = ("v1", "v2", "v3")
OWNER = ("andrea.leo@f21.it", "123456")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def user(mock: Mock, role: str, project_id: str = DOCS_PROJECT_ID) -> tuple[str, str]:
    """Basic credentials of the seeded user with ``role`` in the project."""
    for seeded in mock.facts["tiledesk"]["users"]:
        if seeded["role"] == role and seeded["project_id"] == project_id:
            return seeded["email"], seeded["password"]
    raise LookupError(role)


def stored_leads(mock: Mock, **filters: Any) -> list[dict[str, Any]]:
    """Leads of the documents' project straight from the store, bypassing HTTP."""
    where = [Where(name, "eq", value) for name, value in filters.items()]
    leads, _ = mock.store.query("leads", where=where, scope=DOCS_PROJECT_ID)
    return leads


def leads_url(version: str) -> str:
    return f"/{version}/{DOCS_PROJECT_ID}/leads"


@pytest.fixture(params=ALL_VERSIONS)
def leads(request: pytest.FixtureRequest) -> str:
    """The leads collection URL of each version."""
    return leads_url(request.param)


def assert_json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


# -- authentication and authorization ----------------------------------------------------

OPERATIONS = [
    (method, url, body)
    for version in ALL_VERSIONS
    for method, url, body in [
        ("GET", leads_url(version), None),
        ("POST", leads_url(version), {"lead_id": "x"}),
        ("GET", f"{leads_url(version)}/{DOCS_LEAD}", None),
        ("PUT", f"{leads_url(version)}/{DOCS_LEAD}", {"fullname": "x"}),
        ("DELETE", f"{leads_url(version)}/{DOCS_LEAD}", None),
    ]
] + [
    ("GET", f"/v1/{DOCS_PROJECT_ID}/requests", None),
    ("GET", f"/v1/{DOCS_PROJECT_ID}/requests/{DOCS_REQUEST_ID}", None),
]


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic YW5kcmVhLmxlb0BmMjEuaXQ6d3Jvbmc="},  # right user, wrong password
        {"Authorization": "Basic bm9ib2R5QGV4YW1wbGUuY29tOjEyMzQ1Ng=="},  # unknown user
        {"Authorization": "JWT not-a-token"},
        {"Authorization": "Bearer abc"},
        {"Authorization": "JWT two words"},
    ],
    ids=["none", "wrong-password", "unknown-user", "bad-jwt", "other-scheme", "jwt-two-words"],
)
def test_bad_credentials_are_plain_text_401_and_change_nothing(
    client: TestClient, mock: Mock, method: str, url: str, body: Any, headers: dict
) -> None:
    before = mock.store.dump()
    response = client.request(method, url, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["www-authenticate"] == 'Basic realm="Users"'
    assert response.text == "Unauthorized"
    assert mock.store.dump() == before


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS)
@pytest.mark.parametrize(
    "header",
    ["garbage", "JWT", "Basic", "Basic bm9jb2xvbg==", "Basic !!!"],
    ids=["one-word", "jwt-alone", "basic-alone", "basic-without-colon", "basic-not-base64"],
)
def test_unparseable_credentials_are_plain_text_400_and_change_nothing(
    client: TestClient, mock: Mock, method: str, url: str, body: Any, header: str
) -> None:
    """As passport-http answers on tiledesk-server (observed), before any other check."""
    before = mock.store.dump()
    response = client.request(method, url, json=body, headers={"Authorization": header})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Bad Request"
    assert mock.store.dump() == before


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS)
def test_outsider_is_403_not_a_member(
    client: TestClient, mock: Mock, method: str, url: str, body: Any
) -> None:
    outsider = mock.facts["tiledesk"]["outsider"]
    response = client.request(
        method, url, json=body, auth=(outsider["email"], outsider["password"])
    )
    assert assert_json(response, 403) == {
        "success": False,
        "msg": "you dont belong to the project.",
    }


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS)
def test_role_below_agent_is_403(
    client: TestClient, mock: Mock, method: str, url: str, body: Any
) -> None:
    response = client.request(method, url, json=body, auth=user(mock, "teammate"))
    assert assert_json(response, 403) == {
        "success": False,
        "msg": "you dont have the required role.",
    }


def test_member_of_another_project_is_403(leads: str, client: TestClient, mock: Mock) -> None:
    other_project = mock.facts["tiledesk"]["projects"][1]["id"]
    response = client.get(leads, auth=user(mock, "owner", other_project))
    assert assert_json(response, 403)["msg"] == "you dont belong to the project."


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin", "owner"])
def test_agent_and_above_may_read_and_write(
    leads: str, client: TestClient, mock: Mock, role: str
) -> None:
    credentials = user(mock, role)
    assert client.get(leads, auth=credentials).status_code == 200
    assert client.post(leads, json={"lead_id": role}, auth=credentials).status_code == 200


@pytest.mark.parametrize("encoding", ["json", "form"])
def test_signin_issues_a_jwt_that_authenticates(
    leads: str, client: TestClient, encoding: str
) -> None:
    credentials = {"email": OWNER[0], "password": OWNER[1]}
    kwargs = {"json": credentials} if encoding == "json" else {"data": credentials}
    version = leads.split("/")[1]
    body = assert_json(client.post(f"/{version}/auth/signin", **kwargs), 200)
    assert body["success"] is True
    assert body["token"].startswith("JWT ")
    assert body["user"]["email"] == OWNER[0]
    # The user's public fields only, as tiledesk-server answers (observed): no password, no times.
    assert sorted(body["user"]) == ["_id", "email", "emailverified", "firstname", "lastname"]
    listed = client.get(leads, headers={"Authorization": body["token"]})
    assert assert_json(listed, 200)["perPage"] == 40


def test_signin_is_case_insensitive_on_email(client: TestClient) -> None:
    response = client.post(
        "/v3/auth/signin", json={"email": "Andrea.Leo@F21.it", "password": "123456"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("nobody@example.com", "123456", "Authentication failed. User not found."),
        (OWNER[0], "wrong", "Authentication failed. Wrong password."),
    ],
)
def test_signin_failures_are_401_with_reason(
    client: TestClient, email: str, password: str, message: str
) -> None:
    response = client.post("/v3/auth/signin", json={"email": email, "password": password})
    assert assert_json(response, 401) == {"success": False, "msg": message}


def _invalid(param: str, *value: Any) -> dict[str, Any]:
    entry = {"value": value[0]} if value else {}
    return {**entry, "msg": "Invalid value", "param": param, "location": "body"}


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ({"email": OWNER[0]}, [_invalid("password")]),
        ({"email": OWNER[0], "password": ""}, [_invalid("password", "")]),
        ({"email": "andrea", "password": "x"}, [_invalid("email", "andrea")]),
        ({"email": "a@b", "password": ""}, [_invalid("email", "a@b"), _invalid("password", "")]),
        ({}, [_invalid("email"), _invalid("password")]),
    ],
    ids=["no-password", "empty-password", "not-an-email", "both", "neither"],
)
def test_signin_checks_its_fields_with_422(
    client: TestClient, mock: Mock, sent: dict, errors: list
) -> None:
    """express-validator's answer on tiledesk-server (observed), every failing field listed."""
    before = mock.store.dump()
    response = client.post("/v3/auth/signin", json=sent)
    assert assert_json(response, 422) == {"errors": errors}
    assert mock.store.dump() == before


def test_signin_without_a_body_is_422_on_both_fields(client: TestClient) -> None:
    """The spec makes the body optional, so the sign-in's own check answers (observed)."""
    response = client.post("/v3/auth/signin")
    assert assert_json(response, 422) == {"errors": [_invalid("email"), _invalid("password")]}


def test_expired_jwt_is_401(leads: str, client: TestClient, mock: Mock) -> None:
    owner_id = mock.facts["tiledesk"]["users"][0]["id"]
    token = issue_jwt(
        {"_id": owner_id, "aud": JWT_AUDIENCE}, secret=mock.config.jwt_secret, ttl_seconds=-60
    )
    response = client.get(leads, headers={"Authorization": f"JWT {token}"})
    assert response.status_code == 401
    assert response.text == "Unauthorized"


def test_jwt_signed_with_another_key_is_401(leads: str, client: TestClient, mock: Mock) -> None:
    owner_id = mock.facts["tiledesk"]["users"][0]["id"]
    token = issue_jwt(
        {"_id": owner_id, "aud": JWT_AUDIENCE}, secret="not-the-key-" * 4, ttl_seconds=60
    )
    response = client.get(leads, headers={"Authorization": f"JWT {token}"})
    assert response.status_code == 401


# -- project id --------------------------------------------------------------------------


def test_malformed_project_id_is_400_invalid(client: TestClient) -> None:
    response = client.get("/v3/not-a-project/leads", auth=OWNER)
    assert assert_json(response, 400) == {"error": "Invalid project id: not-a-project"}


def test_unknown_project_id_is_400_not_found(client: TestClient) -> None:
    response = client.get("/v3/5b55e806c93dde00143163de/leads", auth=OWNER)
    assert assert_json(response, 400) == {
        "error": "Project not found with id: 5b55e806c93dde00143163de"
    }


# -- list --------------------------------------------------------------------------------


def test_list_first_page_has_40_newest_and_the_true_count(
    leads: str, client: TestClient, mock: Mock
) -> None:
    body = assert_json(client.get(leads, auth=OWNER), 200)
    visible = stored_leads(mock, status=100)
    assert body["perPage"] == 40
    assert body["count"] == len(visible)
    newest = sorted(visible, key=lambda lead: lead["createdAt"], reverse=True)[:40]
    assert [lead["_id"] for lead in body["leads"]] == [lead["_id"] for lead in newest]


def test_pages_cover_every_visible_lead_once(leads: str, client: TestClient, mock: Mock) -> None:
    seen: list[str] = []
    page = 0
    while True:
        body = assert_json(client.get(leads, params={"page": page, "limit": 15}, auth=OWNER), 200)
        if not body["leads"]:
            break
        assert len(body["leads"]) <= 15
        seen += [lead["_id"] for lead in body["leads"]]
        page += 1
    assert sorted(seen) == sorted(lead["_id"] for lead in stored_leads(mock, status=100))
    assert len(seen) == len(set(seen))


def test_page_past_the_end_is_empty_with_the_count(leads: str, client: TestClient) -> None:
    body = assert_json(client.get(leads, params={"page": 99}, auth=OWNER), 200)
    assert body["leads"] == []
    assert body["count"] > 0


@pytest.mark.parametrize("name", ["sortField", "sort"])
def test_sort_by_any_field_ascending(leads: str, client: TestClient, name: str) -> None:
    params = {name: "fullname", "direction": "1", "limit": 200}
    names = [
        lead.get("fullname")
        for lead in client.get(leads, params=params, auth=OWNER).json()["leads"]
    ]
    assert names == sorted(names, key=lambda n: (n is not None, n or ""))


def test_sort_descending_is_the_default_direction(leads: str, client: TestClient) -> None:
    leads = client.get(leads, params={"sortField": "email", "limit": 200}, auth=OWNER).json()[
        "leads"
    ]
    emails = [lead["email"] for lead in leads if "email" in lead]
    assert emails == sorted(emails, reverse=True)


def test_sortfield_wins_over_sort(leads: str, client: TestClient) -> None:
    params = {"sortField": "createdAt", "sort": "fullname", "direction": "1", "limit": 200}
    dates = [
        lead["createdAt"] for lead in client.get(leads, params=params, auth=OWNER).json()["leads"]
    ]
    assert dates == sorted(dates)


def test_email_filter_is_an_exact_match(leads: str, client: TestClient, mock: Mock) -> None:
    target = next(lead for lead in stored_leads(mock, status=100) if "email" in lead)
    body = assert_json(client.get(leads, params={"email": target["email"]}, auth=OWNER), 200)
    assert [lead["_id"] for lead in body["leads"]] == [target["_id"]]
    assert body["count"] == 1
    partial = client.get(leads, params={"email": target["email"][:-1]}, auth=OWNER).json()
    assert partial["count"] == 0


def test_full_text_searches_name_and_email(leads: str, client: TestClient, mock: Mock) -> None:
    target = next(lead for lead in stored_leads(mock, status=100) if "email" in lead)
    last_name = target["fullname"].split()[-1].upper()
    body = client.get(leads, params={"full_text": last_name, "limit": 200}, auth=OWNER).json()
    assert target["_id"] in [lead["_id"] for lead in body["leads"]]
    assert all(
        last_name.lower() in (lead.get("fullname", "") + lead.get("email", "")).lower()
        for lead in body["leads"]
    )


def test_with_email_leaves_out_leads_without_one(
    leads: str, client: TestClient, mock: Mock
) -> None:
    body = client.get(leads, params={"with_email": "true", "limit": 200}, auth=OWNER).json()
    assert body["count"] == len(
        [lead for lead in stored_leads(mock, status=100) if "email" in lead]
    )
    assert all("email" in lead for lead in body["leads"])
    assert body["count"] < client.get(leads, auth=OWNER).json()["count"]


def test_tags_filter(leads: str, client: TestClient, mock: Mock) -> None:
    body = client.get(leads, params={"tags": "vip", "limit": 200}, auth=OWNER).json()
    expected = [lead for lead in stored_leads(mock, status=100) if "vip" in lead.get("tags", [])]
    assert body["count"] == len(expected) > 0
    assert all("vip" in lead["tags"] for lead in body["leads"])


@pytest.mark.parametrize(
    "params",
    [{"direction": "2"}, {"page": "-1"}, {"page": "one"}, {"limit": "0"}, {"with_email": "maybe"}],
)
def test_bad_list_parameters_are_400(leads: str, client: TestClient, params: dict) -> None:
    body = assert_json(client.get(leads, params=params, auth=OWNER), 400)
    assert body["success"] is False
    assert body["msg"]


# -- get ---------------------------------------------------------------------------------


def test_documented_lead_reads_as_in_the_documents(leads: str, client: TestClient) -> None:
    lead = assert_json(client.get(f"{leads}/{DOCS_LEAD}", auth=OWNER), 200)
    assert lead["_id"] == "5c81593adf767b0017d1aa66"
    assert lead["lead_id"] == "SRbb2PfbSFcgICv9VQBcURZeloh1"
    assert lead["fullname"] == "Guest"
    assert lead["id_project"] == DOCS_PROJECT_ID
    assert lead["createdBy"] == "system"
    assert lead["createdAt"] == lead["updatedAt"] == "2019-03-07T17:47:38.393Z"
    assert lead["__v"] == 0


@pytest.mark.parametrize("lead_id", ["5c81593adf767b0017d1aa00", "not-an-object-id"])
def test_unknown_or_malformed_lead_id_is_404(leads: str, client: TestClient, lead_id: str) -> None:
    response = client.get(f"{leads}/{lead_id}", auth=OWNER)
    assert assert_json(response, 404) == {"success": False, "msg": "Object not found."}


def test_lead_of_another_project_is_404_here(leads: str, client: TestClient, mock: Mock) -> None:
    other_project = mock.facts["tiledesk"]["projects"][1]["id"]
    leads, _ = mock.store.query("leads", scope=other_project, limit=1)
    response = client.get(f"{leads}/{leads[0]['_id']}", auth=OWNER)
    assert response.status_code == 404


# -- create ------------------------------------------------------------------------------


def test_documented_create_body_makes_a_lead(leads: str, client: TestClient, mock: Mock) -> None:
    count_before = client.get(leads, auth=OWNER).json()["count"]
    lead = assert_json(
        client.post(leads, json={"fullanem": "andrea", "lead_id": "123456"}, auth=OWNER), 200
    )
    assert re.fullmatch(r"[0-9a-f]{24}", lead["_id"])
    assert lead["lead_id"] == "123456"
    assert "fullanem" not in lead and "fullname" not in lead
    assert lead["id_project"] == DOCS_PROJECT_ID
    assert lead["createdBy"] == mock.facts["tiledesk"]["users"][0]["id"]
    assert lead["status"] == 100 and lead["tags"] == [] and lead["__v"] == 0
    assert ISO_UTC.match(lead["createdAt"]) and lead["createdAt"] == lead["updatedAt"]
    # The id starts with the creation time in seconds, as a MongoDB ObjectId does.
    created = datetime.strptime(lead["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert int(lead["_id"][:8], 16) == int(created.timestamp())
    assert client.get(f"{leads}/{lead['_id']}", auth=OWNER).json() == lead
    assert client.get(leads, auth=OWNER).json()["count"] == count_before + 1


def test_create_keeps_the_fields_sent(leads: str, client: TestClient) -> None:
    sent = {
        "lead_id": "ext-1",
        "fullname": "Ada Lovelace",
        "email": "ada@example.com",
        "attributes": {"a": [1]},
    }
    lead = assert_json(client.post(leads, json=sent, auth=OWNER), 200)
    assert {k: lead[k] for k in sent} == sent


def test_create_stores_no_phone_even_when_sent(leads: str, client: TestClient) -> None:
    """As tiledesk-server does (observed): its create reads no phone and stores null."""
    lead = assert_json(
        client.post(leads, json={"lead_id": "p", "phone": "+1 555"}, auth=OWNER), 200
    )
    assert lead["phone"] is None
    assert client.get(f"{leads}/{lead['_id']}", auth=OWNER).json()["phone"] is None
    updated = client.put(f"/v3{leads[3:]}/{lead['_id']}", json={"phone": "+1 555"}, auth=OWNER)
    assert assert_json(updated, 200)["phone"] == "+1 555"


def test_empty_lead_id_becomes_a_uuid(leads: str, client: TestClient) -> None:
    lead = assert_json(client.post(leads, json={"lead_id": ""}, auth=OWNER), 200)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", lead["lead_id"]
    )


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"fullname": "no lead_id"}', "application/json", 400),
        (b'{"lead_id": 5}', "application/json", 400),
        (b'{"lead_id": "x", "attributes": "not an object"}', "application/json", 400),
        (b'{"lead_id": ', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"lead_id=x", "application/x-www-form-urlencoded", 415),
        (b'{"lead_id": "x"}', "text/plain", 415),
    ],
    ids=[
        "missing-lead_id",
        "wrong-type",
        "attributes-not-object",
        "malformed",
        "array",
        "not-utf8",
        "form",
        "text",
    ],
)
def test_bad_create_is_refused_and_changes_nothing(
    leads: str, client: TestClient, mock: Mock, content: bytes, content_type: str, status: int
) -> None:
    before = mock.store.dump()
    response = client.post(
        leads, content=content, headers={"Content-Type": content_type}, auth=OWNER
    )
    body = assert_json(response, status)
    assert body["success"] is False and body["msg"]
    assert mock.store.dump() == before


# -- update ------------------------------------------------------------------------------


def test_update_changes_only_the_fields_sent(leads: str, client: TestClient) -> None:
    before = client.get(f"{leads}/{DOCS_LEAD}", auth=OWNER).json()
    sent = {
        "email": "guest@example.com",
        "phone": "+39 06 1234",
        "company": "F21",
        "note": "n",
        "streetAddress": "Via Roma 1",
        "city": "Roma",
        "region": "Lazio",
        "zipcode": "00100",
        "country": "IT",
        "tags": ["vip"],
        "attributes": {"plan": "pro"},
    }
    after = assert_json(client.put(f"{leads}/{DOCS_LEAD}", json=sent, auth=OWNER), 200)
    assert {k: after[k] for k in sent} == sent
    unchanged = {k: v for k, v in before.items() if k not in sent and k != "updatedAt"}
    assert {k: after[k] for k in unchanged} == unchanged
    assert after["updatedAt"] > before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]
    assert client.get(f"{leads}/{DOCS_LEAD}", auth=OWNER).json() == after


def test_update_ignores_nulls_as_the_sdk_sends_them(leads: str, client: TestClient) -> None:
    client.put(f"{leads}/{DOCS_LEAD}", json={"tags": ["a"], "attributes": {"k": 1}}, auth=OWNER)
    after = assert_json(
        client.put(
            f"{leads}/{DOCS_LEAD}",
            json={"fullname": "Ann", "tags": None, "attributes": None},
            auth=OWNER,
        ),
        200,
    )
    assert after["fullname"] == "Ann"
    assert after["tags"] == ["a"] and after["attributes"] == {"k": 1}


def test_update_of_unknown_lead_is_404_and_creates_nothing(
    leads: str, client: TestClient, mock: Mock
) -> None:
    before = mock.store.dump()
    response = client.put(f"{leads}/5c81593adf767b0017d1aa00", json={"fullname": "x"}, auth=OWNER)
    assert assert_json(response, 404) == {"success": False, "msg": "Object not found."}
    assert mock.store.dump() == before


def test_update_with_wrong_types_is_400_and_changes_nothing(
    leads: str, client: TestClient, mock: Mock
) -> None:
    before = mock.store.dump()
    response = client.put(
        f"{leads}/{DOCS_LEAD}", json={"fullname": "ok", "tags": "vip"}, auth=OWNER
    )
    assert assert_json(response, 400)["success"] is False
    assert mock.store.dump() == before


# -- delete ------------------------------------------------------------------------------


def test_delete_is_soft(leads: str, client: TestClient) -> None:
    count_before = client.get(leads, auth=OWNER).json()["count"]
    deleted = assert_json(client.delete(f"{leads}/{DOCS_LEAD}", auth=OWNER), 200)
    assert deleted["_id"] == DOCS_LEAD and deleted["status"] == 1000
    assert client.get(f"{leads}/{DOCS_LEAD}", auth=OWNER).json()["status"] == 1000
    listed = client.get(leads, params={"limit": 1000}, auth=OWNER).json()
    assert listed["count"] == count_before - 1
    assert DOCS_LEAD not in [lead["_id"] for lead in listed["leads"]]
    trash = client.get(leads, params={"status": 1000, "limit": 1000}, auth=OWNER).json()
    assert DOCS_LEAD in [lead["_id"] for lead in trash["leads"]]


def test_delete_of_unknown_lead_is_404_and_creates_nothing(
    leads: str, client: TestClient, mock: Mock
) -> None:
    before = mock.store.dump()
    response = client.delete(f"{leads}/5c81593adf767b0017d1aa00", auth=OWNER)
    assert response.status_code == 404
    assert mock.store.dump() == before


# -- the wire ----------------------------------------------------------------------------


def test_unsupported_method_is_405_with_every_allowed_method(
    leads: str, client: TestClient
) -> None:
    response = client.patch(f"{leads}/{DOCS_LEAD}", auth=OWNER)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_swagger_ui_is_served(client: TestClient) -> None:
    assert client.get("/v3/ui/").status_code == 200
    assert client.get("/v3/openapi.json").json()["info"]["title"] == "Tiledesk Leads API v3"


def test_non_ascii_passwords_are_refused_not_crashed(leads: str, client: TestClient) -> None:
    # Found by Schemathesis: hmac.compare_digest raised on non-ASCII str, a 500.
    body = b'{"email": "andrea.leo@f21.it", "password": "p\\u00e4ss\\u00f6"}'
    signin = client.post(
        "/v3/auth/signin", content=body, headers={"Content-Type": "application/json"}
    )
    assert assert_json(signin, 401)["msg"] == "Authentication failed. Wrong password."
    # A lone surrogate is not text at all: refused as the body it is, before any check.
    lone = body.replace(b"\\u00f6", b"\\udfaf")
    signin = client.post(
        "/v3/auth/signin", content=lone, headers={"Content-Type": "application/json"}
    )
    assert "lone surrogates" in assert_json(signin, 400)["msg"]
    listed = client.get(leads, auth=(OWNER[0], "pässwörd"))
    assert listed.status_code == 401 and listed.text == "Unauthorized"


def test_v1_updates_and_deletes_as_the_server_does(client: TestClient, mock: Mock) -> None:
    """Not in the v1 documents; observed on tiledesk-server, whose routes have no version."""
    updated = client.put(f"{leads_url('v1')}/{DOCS_LEAD}", json={"city": "Lecce"}, auth=OWNER)
    assert assert_json(updated, 200)["city"] == "Lecce"
    deleted = client.delete(f"{leads_url('v1')}/{DOCS_LEAD}", auth=OWNER)
    assert assert_json(deleted, 200)["status"] == 1000
    assert mock.store.get("leads", DOCS_LEAD, scope=DOCS_PROJECT_ID)["status"] == 1000


# -- one backend behind every version ----------------------------------------------------


def test_lead_created_in_v2_is_read_in_v1_and_v3(client: TestClient) -> None:
    created = assert_json(
        client.post(
            leads_url("v2"), json={"lead_id": "x-1", "fullname": "Cross Version"}, auth=OWNER
        ),
        200,
    )
    for version in ALL_VERSIONS:
        assert client.get(f"{leads_url(version)}/{created['_id']}", auth=OWNER).json() == created
        found = client.get(leads_url(version), params={"full_text": "Cross Version"}, auth=OWNER)
        assert [lead["_id"] for lead in found.json()["leads"]] == [created["_id"]]


def test_update_in_v3_shows_in_v2_and_in_v1_requests(client: TestClient, mock: Mock) -> None:
    request = mock.store.get("requests", DOCS_REQUEST_ID, scope=DOCS_PROJECT_ID)
    lead_id = request["requester_id"]
    client.put(f"{leads_url('v3')}/{lead_id}", json={"fullname": "Renamed"}, auth=OWNER)
    assert client.get(f"{leads_url('v2')}/{lead_id}", auth=OWNER).json()["fullname"] == "Renamed"
    requests_url = f"/v1/{DOCS_PROJECT_ID}/requests/{DOCS_REQUEST_ID}"
    assert client.get(requests_url, auth=OWNER).json()["lead"]["fullname"] == "Renamed"


def test_delete_in_v2_is_seen_everywhere_at_once(client: TestClient) -> None:
    created = client.post(leads_url("v3"), json={"lead_id": "gone"}, auth=OWNER).json()
    client.delete(f"{leads_url('v2')}/{created['_id']}", auth=OWNER)
    for version in ALL_VERSIONS:
        assert (
            client.get(f"{leads_url(version)}/{created['_id']}", auth=OWNER).json()["status"]
            == 1000
        )
        listed = client.get(leads_url(version), params={"limit": 1000}, auth=OWNER).json()
        assert created["_id"] not in [lead["_id"] for lead in listed["leads"]]


# -- requests (v1) -----------------------------------------------------------------------

REQUESTS = f"/v1/{DOCS_PROJECT_ID}/requests"


def test_requests_list_pages_with_the_true_count(client: TestClient, mock: Mock) -> None:
    # Without a status, the open requests only (closed ones are 1000), as the server lists them.
    everything, _ = mock.store.query("requests", scope=DOCS_PROJECT_ID)
    stored = sum(1 for request in everything if request["status"] < 1000)
    assert 0 < stored < len(everything)
    body = assert_json(client.get(REQUESTS, auth=OWNER), 200)
    assert body["perPage"] == 40 and body["count"] == stored
    assert len(body["requests"]) == min(40, stored)
    dates = [request["createdAt"] for request in body["requests"]]
    assert dates == sorted(dates, reverse=True)
    seen = []
    for page in range(0, stored // 10 + 1):
        seen += [
            r["request_id"]
            for r in client.get(REQUESTS, params={"page": page, "limit": 10}, auth=OWNER).json()[
                "requests"
            ]
        ]
    assert len(seen) == len(set(seen)) == stored


def test_requests_sort_ascending(client: TestClient) -> None:
    params = {"sortField": "waiting_time", "direction": "1", "limit": 1000}
    waits = [
        r["waiting_time"]
        for r in client.get(REQUESTS, params=params, auth=OWNER).json()["requests"]
    ]
    assert waits == sorted(waits)


def test_requests_point_at_seeded_leads_and_agents(client: TestClient, mock: Mock) -> None:
    members, _ = mock.store.query("project_users", scope=DOCS_PROJECT_ID)
    agents = {
        m["id_user"] for m in members if m["role"] in ("agent", "supervisor", "admin", "owner")
    }
    listed = client.get(REQUESTS, params={"limit": 100, "status": "all"}, auth=OWNER).json()
    for request in listed["requests"]:
        lead = mock.store.get("leads", request["requester_id"], scope=DOCS_PROJECT_ID)
        assert request["lead"] == lead
        assert set(request["participants"]) <= agents
        if request["request_id"] != DOCS_REQUEST_ID:
            assert {agent["id_user"] for agent in request["agents"]} == agents


def test_documented_request_reads_by_its_request_id(client: TestClient) -> None:
    # The documents' get-by-id section lists the list's parameters too; they change nothing.
    request = assert_json(
        client.get(
            f"{REQUESTS}/{DOCS_REQUEST_ID}", params={"page": 3, "direction": "1"}, auth=OWNER
        ),
        200,
    )
    assert request["request_id"] == DOCS_REQUEST_ID
    assert request["lead"]["_id"] == request["requester_id"]


def test_unknown_request_is_404(client: TestClient) -> None:
    response = client.get(f"{REQUESTS}/support-group-nothing", auth=OWNER)
    assert assert_json(response, 404) == {"success": False, "msg": "Object not found."}


def test_full_text_matches_a_lead_holding_any_of_the_words(leads: str, client: TestClient) -> None:
    # As the server's MongoDB $text search: any word, whole words, case and accents aside.
    made = {
        name: client.post(leads, json={"lead_id": name, "fullname": name}, auth=OWNER).json()["_id"]
        for name in ("Qwverdi Alpha", "Beta Qwzed", "Qwvérona Gamma")
    }

    def found(text: str) -> set[str]:
        answer = client.get(leads, params={"full_text": text, "limit": 1000}, auth=OWNER)
        assert answer.status_code == 200, answer.text
        return {lead["_id"] for lead in answer.json()["leads"]}

    assert found("Qwverdi QWZED") == {made["Qwverdi Alpha"], made["Beta Qwzed"]}
    assert found("qwverona") == {made["Qwvérona Gamma"]}
    assert found("Qwverd") == set()  # a part of a word is not a word
    assert found("\u00d7") == set()  # no word at all: nothing, as MongoDB given no term


def test_an_unknown_segment_is_404_in_the_servers_words(leads: str, client: TestClient) -> None:
    answer = client.get(leads, params={"segment": "5c81593adf767b0017d1aa66"}, auth=OWNER)
    assert answer.status_code == 404
    assert answer.json() == {"success": False, "msg": "Error segment not found"}
