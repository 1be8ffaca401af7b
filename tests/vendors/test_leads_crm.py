"""Leads & CRM over HTTP: login, the envelope, every documented error row, and the state left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from starlette.testclient import TestClient

from mockserver import Mock
from mockserver.store import Where
from mockserver.vendors.leads_crm import handlers as crm_handlers
from mockserver.vendors.leads_crm import model as leads_crm

pytestmark = pytest.mark.shared_store

B = "/api/v1"
ENCODINGS = ("json", "form", "multipart")
MISSING = object()
# A Wednesday. Seeded appointments start on the hour and last 30 minutes, so the tests book at
# hh:40 and never meet one.
NOW = datetime(2030, 6, 12, 10, 5, tzinfo=UTC)


@pytest.fixture
def crm(mock: Mock) -> dict[str, Any]:
    return mock.facts["leads-crm"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(crm_handlers, "_now", lambda: NOW)
    return NOW


def send(client: TestClient, path: str, headers: dict, fields: Any, encoding: str = "json") -> Any:
    """POST ``fields`` as JSON, urlencoded or multipart form data."""
    if encoding == "json":
        return client.post(B + path, headers=headers, json=fields)
    if encoding == "form":
        return client.post(B + path, headers=headers, data=fields)
    return client.post(B + path, headers=headers, files={k: (None, v) for k, v in fields.items()})


def login(client: TestClient, crm: dict, number: int, encoding: str = "json") -> dict[str, str]:
    user = crm["users"][number - 1]
    fields = {"username": user["username"], "password": user["password"]}
    response = send(client, "/user/login/", {"apikey": crm["api_key"]}, fields, encoding)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def me(client: TestClient, crm: dict) -> dict[str, str]:
    """Headers of API user 1."""
    return {"apikey": crm["api_key"], "Authorization": f"Bearer {login(client, crm, 1)['access']}"}


@pytest.fixture
def other(client: TestClient, crm: dict) -> dict[str, str]:
    """Headers of API user 2."""
    return {"apikey": crm["api_key"], "Authorization": f"Bearer {login(client, crm, 2)['access']}"}


def data_of(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == 200 and body["errors"] == {}
    return body["data"]


def errors_of(response: Any, status: int) -> dict[str, list[str]]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status and body["data"] == {}
    return body["errors"]


def failed(response: Any) -> str:
    """The message of a 401 "Request Failed"."""
    errors = errors_of(response, 401)
    assert list(errors) == ["detail"]
    return errors["detail"][0]


def lead(mock: Mock, slug: str) -> dict[str, Any] | None:
    return mock.store.get("crm_leads", slug)


def leads_of(mock: Mock, **equal: Any) -> list[dict[str, Any]]:
    found, _ = mock.store.query("crm_leads", where=[Where(k, "eq", v) for k, v in equal.items()])
    return found


def owned_by(mock: Mock, owner: str, assignee: str) -> dict[str, Any]:
    """A live seeded lead with that owner and assignee."""
    return leads_of(mock, owner=owner, assignee=assignee, deleted=False)[0]


def new_lead(**fields: Any) -> dict[str, Any]:
    lead = {
        "first_name": "Jane",
        "last_name": "Roe",
        "email": "jane.roe@example.com",
        "phone": "9876543210",
        "location": "Kochi",
        "message": "Asked for a callback.",
        "assignee": "apiuser2",
    }
    lead.update(fields)
    return {k: v for k, v in lead.items() if v is not MISSING}


def activities(mock: Mock, slug: str) -> list[str]:
    found, _ = mock.store.query(
        "crm_activities", where=[Where("lead", "eq", slug)], order=[("id", -1)]
    )
    return [a["activity"] for a in found]


# -- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_login_answers_a_jwt_pair_whose_access_token_opens_the_api(
    client: TestClient, crm: dict, encoding: str
) -> None:
    tokens = login(client, crm, 1, encoding)
    assert set(tokens) == {"refresh", "access"}
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})
    assert claims["token_type"] == "access" and claims["sub"] == "apiuser1"
    headers = {"apikey": crm["api_key"], "Authorization": f"Bearer {tokens['access']}"}
    assert data_of(client.get(f"{B}/leads/list/", headers=headers))["count"] > 0


@pytest.mark.parametrize("username", ["apiuser1", "nobody"])
def test_login_with_wrong_credentials_is_authentication_failed(
    client: TestClient, crm: dict, username: str
) -> None:
    fields = {"username": username, "password": "wrong"}
    response = send(client, "/user/login/", {"apikey": crm["api_key"]}, fields)
    assert errors_of(response, 401) == {"detail": ["Authentication failed"]}


def test_login_of_an_inactive_account_is_refused(client: TestClient, crm: dict) -> None:
    user = crm["users"][2]
    assert user["active"] is False
    fields = {"username": user["username"], "password": user["password"]}
    response = send(client, "/user/login/", {"apikey": crm["api_key"]}, fields)
    assert errors_of(response, 401) == {
        "detail": ["No active account found with the given credentials"]
    }


@pytest.mark.parametrize("apikey", [None, "not-a-key"])
def test_login_needs_the_apikey(client: TestClient, crm: dict, apikey: str | None) -> None:
    user = crm["users"][0]
    headers = {"apikey": apikey} if apikey else {}
    fields = {"username": user["username"], "password": user["password"]}
    response = send(client, "/user/login/", headers, fields)
    assert errors_of(response, 403) == {"detail": ["Invalid apikey."]}


def test_login_without_a_password_names_the_field(client: TestClient, crm: dict) -> None:
    response = send(client, "/user/login/", {"apikey": crm["api_key"]}, {"username": "apiuser1"})
    assert errors_of(response, 400) == {"password": ["This field is required."]}


OPERATIONS = [
    ("GET", "/leads/overview/"),
    ("GET", "/leads/list/"),
    ("GET", "/leads/appointments/list/"),
    ("GET", "/leads/view/lead/?slug=binuser1"),
    ("POST", "/leads/create/appointment/"),
    ("POST", "/leads/update/appointment/"),
    ("POST", "/leads/delete/appointment/"),
    ("POST", "/leads/create/lead/"),
    ("POST", "/leads/update/lead/"),
    ("POST", "/leads/delete/lead/"),
    ("POST", "/leads/create/leadnote/"),
    ("POST", "/leads/delete/leadnote/"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_checks_apikey_then_bearer_token(
    client: TestClient, crm: dict, me: dict, method: str, path: str
) -> None:
    url = B + path
    refresh = login(client, crm, 1)["refresh"]
    cases = [
        ({"Authorization": me["Authorization"]}, 403, "Invalid apikey."),
        ({**me, "apikey": "wrong"}, 403, "Invalid apikey."),
        ({"apikey": crm["api_key"]}, 401, "Authentication credentials were not provided."),
        (
            {**me, "Authorization": "Bearer nonsense"},
            401,
            "Given token not valid for any token type",
        ),
        (
            {**me, "Authorization": f"Bearer {refresh}"},
            401,
            "Given token not valid for any token type",
        ),
    ]
    for headers, status, message in cases:
        response = client.request(method, url, headers=headers, json={"slug": "binuser1"})
        assert errors_of(response, status) == {"detail": [message]}, headers
    assert lead(client.app, "binuser1")["deleted"] is False  # type: ignore[attr-defined]


# -- lead overview -----------------------------------------------------------------------


def test_overview_counts_the_callers_live_leads_by_status_and_source(
    client: TestClient, mock: Mock, me: dict
) -> None:
    def counts() -> tuple[dict, dict, int]:
        data = data_of(client.get(f"{B}/leads/overview/", headers=me))
        by_status = {s["status"]: s["count"] for s in data["LeadsData"]["status"]}
        by_source = {s["source"]: s["count"] for s in data["LeadsData"]["source"]}
        return by_status, by_source, data["TotalLeads"]

    by_status, by_source, total = counts()
    live = leads_of(mock, owner="apiuser1", deleted=False)
    assert total == len(live) == sum(by_status.values()) == sum(by_source.values())
    assert set(by_status) == set(leads_crm.LEAD_STATUSES)
    assert set(by_source) == set(leads_crm.LEAD_SOURCES)
    for status in leads_crm.LEAD_STATUSES:
        assert by_status[status] == sum(1 for item in live if item["status"] == status)

    send(client, "/leads/create/lead/", me, new_lead(status="customer", source="reddit"))
    after_status, after_source, after_total = counts()
    assert after_total == total + 1
    assert after_status["customer"] == by_status["customer"] + 1
    assert after_source["reddit"] == by_source["reddit"] + 1


def test_overview_lists_appointments_in_each_window(
    client: TestClient, me: dict, mock: Mock, clock: datetime
) -> None:
    slug = owned_by(mock, "apiuser1", "apiuser2")["slug"]
    booked = {
        "today": "2030-06-12 15:40",
        "week": "2030-06-15 09:40",  # Saturday of the same week
        "month": "2030-06-28 09:40",
        "later": "2030-09-01 09:40",
    }
    for start in booked.values():
        end = start[:-2] + "50"
        fields = {"slug": slug, "appointment_date": start, "appointment_to": end}
        data_of(send(client, "/leads/create/appointment/", me, fields))

    def listed(window: str | None) -> list[str]:
        query = f"?appointment={window}" if window else ""
        data = data_of(client.get(f"{B}/leads/overview/{query}", headers=me))
        dates = [item["appointment_date"] for item in data["appointments"]]
        assert dates == sorted(dates)
        return dates

    today, week, month = listed("today"), listed("week"), listed("month")
    assert booked["today"] in today and booked["week"] not in today
    assert all(d.startswith("2030-06-12") for d in today)
    assert {booked["today"], booked["week"]} <= set(week) and booked["month"] not in week
    assert all("2030-06-10" <= d < "2030-06-17" for d in week)
    assert {booked["today"], booked["week"], booked["month"]} <= set(month)
    assert booked["later"] not in month and all(d.startswith("2030-06") for d in month)
    upcoming = listed(None)
    assert upcoming == listed("upcoming")
    assert set(booked.values()) <= set(upcoming) and all(d >= "2030-06-12 10:05" for d in upcoming)


def test_overview_refuses_an_unknown_appointment_filter(client: TestClient, me: dict) -> None:
    response = client.get(f"{B}/leads/overview/?appointment=year", headers=me)
    assert errors_of(response, 400) == {"appointment": ["Invalid appointment filter value."]}


# -- list leads --------------------------------------------------------------------------


def test_list_shows_owned_live_leads_newest_first(client: TestClient, mock: Mock, me: dict) -> None:
    data = data_of(client.get(f"{B}/leads/list/?limit=100", headers=me))
    live = leads_of(mock, owner="apiuser1", deleted=False)
    assert data["count"] == len(live)
    assert {item["slug"] for item in data["results"]} == {item["slug"] for item in live}
    added = [item["added_on"] for item in data["results"]]
    assert added == sorted(added, reverse=True)
    first = data["results"][0]
    assert set(first) == {
        "id", "slug", "first_name", "last_name", "name", "phone", "email", "added_on", "status",
        "source", "owner",
    }  # fmt: skip
    assert first["name"] == f"{first['first_name']} {first['last_name']}"


def test_list_type_assigned_shows_leads_assigned_to_the_caller(
    client: TestClient, mock: Mock, me: dict
) -> None:
    data = data_of(client.get(f"{B}/leads/list/?list_type=assigned&limit=100", headers=me))
    assigned = leads_of(mock, assignee="apiuser1", deleted=False)
    assert data["count"] == len(assigned) > 0
    assert {item["owner"] for item in data["results"]} == {"apiuser2"}


def test_list_filters(client: TestClient, mock: Mock, me: dict) -> None:
    data_of(send(client, "/leads/create/lead/", me, new_lead(email="Unique.Person@Example.com")))

    def slugs(query: str) -> set[str]:
        return {
            r["slug"]
            for r in data_of(client.get(f"{B}/leads/list/?{query}", headers=me))["results"]
        }

    assert slugs("email=unique.person") == {"janeroe"}
    assert slugs("first_name=JAN&last_name=roe") >= {"janeroe"}
    assert slugs("phone=76543210") >= {"janeroe"}
    live = leads_of(mock, owner="apiuser1", deleted=False)
    potential = {item["slug"] for item in live if item["status"] == "potential"}
    assert slugs("status=potential&limit=100") == potential
    campaign = {item["slug"] for item in live if item["campaign_slug"] == "spring-sale"}
    assert campaign and slugs("campaign_slug=spring-sale&limit=100") == campaign
    assert slugs("owner=apiuser2") == set()
    assigned = slugs("list_type=assigned&owner=apiuser2&limit=100")
    assert len(assigned) == len(leads_of(mock, assignee="apiuser1", deleted=False))


def test_list_pages_by_offset_with_next_and_previous_urls(
    client: TestClient, mock: Mock, me: dict
) -> None:
    seen: list[str] = []
    url: str | None = f"{B}/leads/list/?limit=7&status=prospect"
    pages = 0
    while url:
        data = data_of(client.get(url, headers=me))
        seen += [item["slug"] for item in data["results"]]
        if pages == 0:
            assert data["previous"] is None
        else:
            assert data["previous"] is not None and "status=prospect" in data["previous"]
        parts = urlsplit(data["next"]) if data["next"] else None
        url = f"{parts.path}?{parts.query}" if parts else None
        pages += 1
    prospects = leads_of(mock, owner="apiuser1", status="prospect", deleted=False)
    assert sorted(seen) == sorted(item["slug"] for item in prospects)
    assert pages == -(-len(prospects) // 7)
    second = data_of(client.get(f"{B}/leads/list/?limit=7&offset=7", headers=me))
    assert second["previous"].endswith("/api/v1/leads/list/?limit=7")


def test_list_limit_is_capped_at_100(client: TestClient, mock: Mock, me: dict) -> None:
    template = owned_by(mock, "apiuser1", "apiuser2")
    for number in range(1, 81):
        slug = f"extra{number}"
        mock.store.put("crm_leads", slug, {**template, "id": 10_000 + number, "slug": slug})
    owned = len(leads_of(mock, owner="apiuser1", deleted=False))
    assert owned > 100
    data = data_of(client.get(f"{B}/leads/list/?limit=1000", headers=me))
    assert (len(data["results"]), data["count"]) == (100, owned)
    assert "limit=100" in data["next"] and "offset=100" in data["next"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=x", {"limit": ["A valid integer is required."]}),
        ("offset=-1", {"offset": ["Ensure this value is greater than or equal to 0."]}),
        ("status=lost", {"status": ['"lost" is not a valid choice.']}),
        ("list_type=mine", {"list_type": ['"mine" is not a valid choice.']}),
    ],
)
def test_list_refuses_bad_parameters(
    client: TestClient, me: dict, query: str, errors: dict
) -> None:
    assert errors_of(client.get(f"{B}/leads/list/?{query}", headers=me), 400) == errors


# -- lead details ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/leads/view/lead/", "/view/lead/"])
def test_details_carry_notes_activities_and_conversion(
    client: TestClient, mock: Mock, me: dict, path: str
) -> None:
    data_of(send(client, "/leads/create/leadnote/", me, {"slug": "binuser1", "note": "Call him."}))
    data = data_of(client.get(f"{B}{path}?slug=binuser1", headers=me))
    stored = lead(mock, "binuser1")
    assert stored is not None
    assert data["slug"] == "binuser1" and data["email"] == stored["email"]
    assert data["message"] == stored["message"]
    assert data["conversion"] == leads_crm.CONVERSION[stored["status"]]
    assert data["notes"][0]["note"] == "Call him." and data["notes"][0]["user"] == "apiuser1"
    notes, _ = mock.store.query("crm_notes", where=[Where("lead", "eq", "binuser1")])
    assert len(data["notes"]) == len(notes)
    assert data["recent_activities"][0]["activity"] == "Note added"
    assert data["recent_activities"][0]["activity_type"] == "note"
    assert len(data["recent_activities"]) == min(10, len(activities(mock, "binuser1")))


def test_details_keep_the_ten_most_recent_activities(
    client: TestClient, mock: Mock, me: dict
) -> None:
    for number in range(12):
        send(client, "/leads/create/leadnote/", me, {"slug": "binuser1", "note": f"n{number}"})
    data = data_of(client.get(f"{B}/leads/view/lead/?slug=binuser1", headers=me))
    assert len(data["recent_activities"]) == 10
    ids = [a["id"] for a in data["recent_activities"]]
    assert ids == sorted(ids, reverse=True)


def test_conversion_follows_the_status(client: TestClient, mock: Mock, me: dict) -> None:
    stored = lead(mock, "binuser1")
    assert stored is not None
    fields = {**{k: stored[k] for k in leads_crm.LEAD_FIELDS}, "slug": "binuser1"}
    data_of(send(client, "/leads/update/lead/", me, {**fields, "status": "customer"}))
    assert (
        data_of(client.get(f"{B}/leads/view/lead/?slug=binuser1", headers=me))["conversion"] == 100
    )


@pytest.mark.parametrize("query", ["", "?slug="])
def test_details_need_a_slug(client: TestClient, me: dict, query: str) -> None:
    response = client.get(f"{B}/leads/view/lead/{query}", headers=me)
    assert errors_of(response, 400) == {
        "slug": ["This field is required and this may not be blank."]
    }


def test_details_of_unknown_deleted_or_foreign_leads_are_invalid_slugs(
    client: TestClient, mock: Mock, me: dict, other: dict
) -> None:
    data_of(send(client, "/leads/create/lead/", other, new_lead(assignee="apiuser2")))
    deleted = leads_of(mock, owner="apiuser1", deleted=True)[0]["slug"]
    for slug in ("nosuchlead", deleted, "janeroe"):
        response = client.get(f"{B}/leads/view/lead/?slug={slug}", headers=me)
        assert errors_of(response, 400) == {"slug": ["Requested slug is invalid."]}, slug


# -- create lead -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    "path", ["/leads/create/lead/", "/create/lead/", "/v1/leads/create/lead/", "/v1/create/lead/"]
)
def test_create_lead_on_every_documented_path_and_encoding(
    client: TestClient, mock: Mock, me: dict, path: str, encoding: str
) -> None:
    response = send(client, path, me, new_lead(status="tentative", source="facebook"), encoding)
    assert data_of(response) == {}
    created = lead(mock, "janeroe")
    assert created is not None
    assert created["owner"] == "apiuser1" and created["assignee"] == "apiuser2"
    assert (created["status"], created["source"]) == ("tentative", "facebook")
    assert created["deleted"] is False and activities(mock, "janeroe") == ["Lead created"]
    listed = data_of(client.get(f"{B}/leads/list/?email=jane.roe@example.com", headers=me))
    assert [item["slug"] for item in listed["results"]] == ["janeroe"]


def test_create_lead_defaults_and_fresh_slugs(client: TestClient, mock: Mock, me: dict) -> None:
    data_of(send(client, "/leads/create/lead/", me, new_lead()))
    data_of(send(client, "/leads/create/lead/", me, new_lead()))
    first, second = leads_of(mock, first_name="Jane", last_name="Roe")
    assert (first["status"], first["source"]) == ("prospect", "direct")
    assert first["slug"] == "janeroe" and second["slug"] == f"janeroe{second['id']}"


LEAD_FIELD_ERRORS = [
    ("first_name", MISSING, "This field is required."),
    ("first_name", "", "This field may not be blank."),
    ("first_name", "x" * 256, "Ensure this field has no more than 255 characters."),
    ("last_name", MISSING, "This field is required."),
    ("last_name", "", "This field may not be blank."),
    ("last_name", "x" * 256, "Ensure this field has no more than 255 characters."),
    ("email", MISSING, "This field is required."),
    ("email", "", "This field may not be blank."),
    ("email", "a" * 250 + "@b.com", "Ensure this field has no more than 255 characters."),
    ("email", "not-an-email", "Invalid email."),
    ("phone", MISSING, "This field is required."),
    ("phone", "", "This field may not be blank."),
    (
        "phone",
        "12-34",
        "Phone number must be entered in the format: '999999999'. Up to 15 digits allowed.",
    ),
    ("location", "x" * 256, "Ensure this field has no more than 255 characters."),
    ("message", "x" * 256, "Ensure this field has no more than 255 characters."),
    ("status", "lost", '"lost" is not a valid choice.'),
    ("source", "tv", '"tv" is not a valid choice.'),
    ("assignee", "", "This field may not be blank."),
    ("assignee", "nobody", "Assignee not found."),
]


@pytest.mark.parametrize(("field", "value", "message"), LEAD_FIELD_ERRORS)
def test_create_lead_error_rows(
    client: TestClient, mock: Mock, me: dict, field: str, value: Any, message: str
) -> None:
    before = len(leads_of(mock))
    response = send(client, "/leads/create/lead/", me, new_lead(**{field: value}))
    assert errors_of(response, 400) == {field: [message]}
    assert len(leads_of(mock)) == before


def test_create_lead_reports_every_failing_field_at_once(client: TestClient, me: dict) -> None:
    response = send(client, "/leads/create/lead/", me, {"first_name": "", "email": "x"})
    errors = errors_of(response, 400)
    assert errors["first_name"] == ["This field may not be blank."]
    assert errors["email"] == ["Invalid email."]
    assert {"last_name", "phone", "location", "message", "assignee"} <= set(errors)


def test_bodies_that_are_not_objects_or_not_json_are_400(client: TestClient, me: dict) -> None:
    response = client.post(f"{B}/leads/create/lead/", headers=me, json=[1])
    assert errors_of(response, 400) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    headers = {**me, "Content-Type": "application/json"}
    response = client.post(f"{B}/leads/create/lead/", headers=headers, content=b"{x")
    assert list(errors_of(response, 400)) == ["detail"]
    headers = {**me, "Content-Type": "multipart/form-data"}
    response = client.post(f"{B}/leads/create/lead/", headers=headers, content=b"x")
    assert list(errors_of(response, 400)) == ["detail"]
    response = client.post(f"{B}/leads/create/lead/", headers={**me, "Content-Type": "text/plain"})
    assert errors_of(response, 415)


# -- update lead -------------------------------------------------------------------------


def full_fields(mock: Mock, lead_slug: str, /, **changes: Any) -> dict[str, Any]:
    stored = lead(mock, lead_slug)
    assert stored is not None
    fields = {k: stored[k] for k in leads_crm.LEAD_FIELDS}
    fields["slug"] = lead_slug
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not MISSING}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", ["/leads/update/lead/", "/update/lead/"])
def test_update_lead_changes_it_and_records_the_activity(
    client: TestClient, mock: Mock, me: dict, path: str, encoding: str
) -> None:
    before = lead(mock, "binuser1")
    assert before is not None
    fields = full_fields(mock, "binuser1", status="potential", message="Wants a demo.")
    data_of(send(client, path, me, fields, encoding))
    after = lead(mock, "binuser1")
    assert after is not None
    assert after["status"] == "potential" and after["message"] == "Wants a demo."
    assert after["owner"] == before["owner"] and after["added_on"] == before["added_on"]
    assert (
        activities(mock, "binuser1")[0] == f"Lead updated: status {before['status']} to potential"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", MISSING, "This field is required."),
        ("slug", "", "This field may not be blank."),
        ("slug", "s" * 259, "Ensure this field has no more than 258 characters."),
        *LEAD_FIELD_ERRORS,
    ],
)
def test_update_lead_error_rows(
    client: TestClient, mock: Mock, me: dict, field: str, value: Any, message: str
) -> None:
    before = lead(mock, "binuser1")
    response = send(
        client, "/leads/update/lead/", me, full_fields(mock, "binuser1", **{field: value})
    )
    assert errors_of(response, 400) == {field: [message]}
    assert lead(mock, "binuser1") == before


def test_update_of_a_missing_or_deleted_lead_does_not_exist(
    client: TestClient, mock: Mock, me: dict
) -> None:
    deleted = leads_of(mock, owner="apiuser1", deleted=True)[0]
    for slug in ("nosuchlead", deleted["slug"]):
        fields = {**full_fields(mock, "binuser1"), "slug": slug}
        response = send(client, "/leads/update/lead/", me, fields)
        assert failed(response) == "Requested lead does not esixt."


def test_only_the_owner_updates_a_lead(client: TestClient, mock: Mock, other: dict) -> None:
    before = lead(mock, "binuser1")
    assert before is not None and before["assignee"] == "apiuser2"
    response = send(
        client, "/leads/update/lead/", other, full_fields(mock, "binuser1", status="closed")
    )
    assert failed(response) == "You are not owner of this lead."
    assert lead(mock, "binuser1") == before


# -- delete lead -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/leads/delete/lead/", "/delete/lead/"])
def test_delete_gives_the_deleted_status_once(
    client: TestClient, mock: Mock, me: dict, path: str
) -> None:
    total = data_of(client.get(f"{B}/leads/overview/", headers=me))["TotalLeads"]
    data_of(send(client, path, me, {"slug": "binuser1"}, "multipart"))
    stored = lead(mock, "binuser1")
    assert stored is not None and stored["deleted"] is True
    assert data_of(client.get(f"{B}/leads/overview/", headers=me))["TotalLeads"] == total - 1
    listed = data_of(client.get(f"{B}/leads/list/?email={stored['email']}", headers=me))
    assert listed["count"] == 0
    response = send(client, path, me, {"slug": "binuser1"})
    assert errors_of(response, 400) == {"slug": ["Requested lead already has a deleted status."]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "This field is required."),
        ({"slug": ""}, "This field may not be blank."),
        ({"slug": "nosuchlead"}, "Requested lead not found."),
    ],
)
def test_delete_lead_error_rows(client: TestClient, me: dict, fields: dict, message: str) -> None:
    assert errors_of(send(client, "/leads/delete/lead/", me, fields), 400) == {"slug": [message]}


def test_only_the_owner_deletes_a_lead(client: TestClient, mock: Mock, other: dict) -> None:
    assert failed(send(client, "/leads/delete/lead/", other, {"slug": "binuser1"})) == (
        "You can't delete this lead."
    )
    assert lead(mock, "binuser1")["deleted"] is False  # type: ignore[index]


# -- notes -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/leads/create/leadnote/", "/create/leadnote/"])
def test_assignee_adds_a_note_and_deletes_it(
    client: TestClient, mock: Mock, other: dict, path: str
) -> None:
    data_of(send(client, path, other, {"slug": "binuser1", "note": "Met at the fair."}, "form"))
    notes, _ = mock.store.query("crm_notes", where=[Where("note", "eq", "Met at the fair.")])
    assert [(n["lead"], n["user"]) for n in notes] == [("binuser1", "apiuser2")]
    assert activities(mock, "binuser1")[0] == "Note added"
    delete_path = path.replace("create", "delete")
    data_of(send(client, delete_path, other, {"note_id": str(notes[0]["id"])}, "form"))
    assert mock.store.get("crm_notes", str(notes[0]["id"])) is None
    assert activities(mock, "binuser1")[0] == "Note deleted"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"note": "n"}, {"slug": ["This field is required."]}),
        ({"note": "n", "slug": ""}, {"slug": ["This field may not be blank."]}),
        ({"note": "n", "slug": "nosuchlead"}, {"slug": ["Requested lead not found."]}),
        ({"slug": "binuser1"}, {"note": ["This field is required."]}),
        ({"slug": "binuser1", "note": ""}, {"note": ["This field may not be blank."]}),
        (
            {"slug": "binuser1", "note": "n" * 500},
            {"note": ["Ensure this field has no more than 499 characters."]},
        ),
    ],
)
def test_create_note_error_rows(
    client: TestClient, mock: Mock, me: dict, fields: dict, errors: dict
) -> None:
    before = mock.store.query("crm_notes")[1]
    assert errors_of(send(client, "/leads/create/leadnote/", me, fields), 400) == errors
    assert mock.store.query("crm_notes")[1] == before


def test_no_note_on_a_deleted_or_foreign_lead(
    client: TestClient, mock: Mock, me: dict, other: dict
) -> None:
    deleted = leads_of(mock, owner="apiuser1", deleted=True)[0]["slug"]
    response = send(client, "/leads/create/leadnote/", me, {"slug": deleted, "note": "n"})
    assert errors_of(response, 400) == {"slug": ["Requested lead already has a deleted status."]}
    data_of(send(client, "/leads/create/lead/", other, new_lead(assignee="apiuser2")))
    response = send(client, "/leads/create/leadnote/", me, {"slug": "janeroe", "note": "n"})
    assert failed(response) == "You can't add note on this lead."


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "This field is required."),
        ({"note_id": ""}, "This field may not be blank."),
        ({"note_id": "abc"}, "Invalid note id."),
        ({"note_id": "999999"}, "Requested note not found."),
    ],
)
def test_delete_note_error_rows(client: TestClient, me: dict, fields: dict, message: str) -> None:
    response = send(client, "/leads/delete/leadnote/", me, fields)
    assert errors_of(response, 400) == {"note_id": [message]}


def test_only_the_writer_deletes_a_note(client: TestClient, mock: Mock, other: dict) -> None:
    notes, _ = mock.store.query("crm_notes", where=[Where("user", "eq", "apiuser1")])
    response = send(client, "/leads/delete/leadnote/", other, {"note_id": str(notes[0]["id"])})
    assert failed(response) == "You can't delete this note."
    assert mock.store.get("crm_notes", str(notes[0]["id"])) is not None


# -- appointments ------------------------------------------------------------------------


def booking(
    slug: str, start: str = "2030-06-20 09:40", end: str = "2030-06-20 09:55", **more: Any
) -> dict:
    fields = {"slug": slug, "appointment_date": start, "appointment_to": end, **more}
    return {k: v for k, v in fields.items() if v is not MISSING}


def appointments_of(mock: Mock, slug: str) -> list[dict[str, Any]]:
    found, _ = mock.store.query(
        "crm_appointments", where=[Where("lead", "eq", slug)], order=[("id", 1)]
    )
    return found


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", ["/leads/create/appointment/", "/create/appointment/"])
def test_create_appointment_and_list_it(
    client: TestClient, mock: Mock, me: dict, clock: datetime, path: str, encoding: str
) -> None:
    data_of(send(client, path, me, booking("binuser1"), encoding))
    created = appointments_of(mock, "binuser1")[-1]
    assert created["fromdate"] == "2030-06-20 09:40" and created["todate"] == "2030-06-20 09:55"
    assert created["appointment_note"] == "Prospect appointment"
    assert created["appointment_status"] == "pending" and created["created_by"] == "apiuser1"
    assert activities(mock, "binuser1")[0] == "Appointment set for 2030-06-20 09:40"
    query = "?lead=bin&datesetting=on&ondate=06/20/2030"
    for list_path in ("/leads/appointments/list/", "/appointments/list/"):
        data = data_of(client.get(f"{B}{list_path}{query}", headers=me))
        assert [item["id"] for item in data["results"]] == [created["id"]]
        assert data["results"][0]["leadslug"] == "binuser1"
        assert data["results"][0]["lead"] == "Bin User"


def test_assignee_books_on_an_assigned_lead(
    client: TestClient, mock: Mock, other: dict, clock: datetime
) -> None:
    fields = booking("binuser1", appointment_note="Demo", appointment_status="confirmed")
    data_of(send(client, "/leads/create/appointment/", other, fields))
    created = appointments_of(mock, "binuser1")[-1]
    assert (created["created_by"], created["appointment_note"]) == ("apiuser2", "Demo")
    assert created["appointment_status"] == "confirmed"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (booking(MISSING), {"slug": ["This field is required."]}),
        (booking(""), {"slug": ["This field is may not be blank."]}),
        (booking("nosuchlead"), {"slug": ["Requested slug is invalid."]}),
        (booking("binuser1", start=MISSING), {"appointment_date": ["This field is required."]}),
        (booking("binuser1", start=""), {"appointment_date": ["This field is may not be blank."]}),
        (
            booking("binuser1", start="20/06/2030 09:40"),
            {"appointment_date": ["Invalid date format."]},
        ),
        (
            booking("binuser1", start="2030-02-30 09:40"),
            {"appointment_date": ["Invalid date format."]},
        ),
        (booking("binuser1", end=MISSING), {"appointment_to": ["This field is required."]}),
        (booking("binuser1", end=""), {"appointment_to": ["This field is may not be blank."]}),
        (booking("binuser1", end="tomorrow"), {"appointment_to": ["Invalid date format."]}),
        (
            booking("binuser1", appointment_note="n" * 201),
            {"appointment_note": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            booking("binuser1", appointment_status="done"),
            {"appointment_status": ["Invalid appointment status."]},
        ),
    ],
)
def test_create_appointment_field_error_rows(
    client: TestClient, mock: Mock, me: dict, clock: datetime, fields: dict, errors: dict
) -> None:
    before = mock.store.query("crm_appointments")[1]
    assert errors_of(send(client, "/leads/create/appointment/", me, fields), 400) == errors
    assert mock.store.query("crm_appointments")[1] == before


def test_no_appointment_on_a_foreign_lead(
    client: TestClient, me: dict, other: dict, clock: datetime
) -> None:
    data_of(send(client, "/leads/create/lead/", other, new_lead(assignee="apiuser2")))
    response = send(client, "/leads/create/appointment/", me, booking("janeroe"))
    assert errors_of(response, 400) == {"slug": ["You can't take appointment under this lead."]}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_create_appointment_request_failed_rows(
    client: TestClient, mock: Mock, me: dict, clock: datetime, encoding: str
) -> None:
    if encoding == "json":
        assert (
            failed(client.post(f"{B}/leads/create/appointment/", headers=me))
            == "Body data not found."
        )
    assert (
        failed(send(client, "/leads/create/appointment/", me, {}, encoding))
        == "Body data not found."
    )
    late = booking("binuser1", "2030-06-20 10:40", "2030-06-20 10:20")
    assert failed(send(client, "/leads/create/appointment/", me, late, encoding)) == (
        "End Date Can't be prior to Start Date."
    )
    past = booking("binuser1", "2030-06-12 09:40", "2030-06-12 09:50")
    assert failed(send(client, "/leads/create/appointment/", me, past, encoding)) == (
        "Please Specify a date in the future."
    )
    data_of(send(client, "/leads/create/appointment/", me, booking("binuser1"), encoding))
    overlapping = booking("binuser1", "2030-06-20 09:50", "2030-06-20 10:10")
    assert failed(send(client, "/leads/create/appointment/", me, overlapping, encoding)) == (
        "Appointment schedule exists for this time."
    )
    cancelled = {**overlapping, "appointment_status": "cancelled"}
    data_of(send(client, "/leads/create/appointment/", me, cancelled, encoding))
    back_to_back = booking("binuser1", "2030-06-20 09:55", "2030-06-20 09:58")
    data_of(send(client, "/leads/create/appointment/", me, back_to_back, encoding))


def created_appointment(
    client: TestClient, mock: Mock, headers: dict, slug: str = "binuser1"
) -> dict:
    data_of(send(client, "/leads/create/appointment/", headers, booking(slug)))
    return appointments_of(mock, slug)[-1]


@pytest.mark.parametrize("path", ["/leads/update/appointment/", "/update/appointment/"])
def test_update_appointment_from_body_or_query(
    client: TestClient, mock: Mock, me: dict, clock: datetime, path: str
) -> None:
    item = created_appointment(client, mock, me)
    fields = {"appointment_id": str(item["id"]), "appointment_status": "confirmed"}
    data_of(send(client, path, me, fields, "multipart"))
    # Update Appointment's heading writes hh-mm.
    dates = "appointment_date=2030-06-21 11-40&appointment_to=2030-06-21 11-50"
    query = f"?appointment_id={item['id']}&{dates}"
    data_of(client.post(f"{B}{path}{query}", headers=me))
    # Both: the body wins.
    body = {"appointment_id": str(item["id"]), "appointment_note": "from the body"}
    data_of(client.post(f"{B}{path}?appointment_note=from+the+query", headers=me, json=body))
    updated = mock.store.get("crm_appointments", str(item["id"]))
    assert updated is not None
    assert (updated["fromdate"], updated["todate"]) == ("2030-06-21 11:40", "2030-06-21 11:50")
    assert updated["appointment_status"] == "confirmed"
    assert updated["appointment_note"] == "from the body"
    assert activities(mock, "binuser1")[0] == "Appointment updated: confirmed"


def test_update_appointment_error_rows(
    client: TestClient, mock: Mock, me: dict, other: dict, clock: datetime
) -> None:
    item = created_appointment(client, mock, me)
    ident = str(item["id"])
    update = "/leads/update/appointment/"
    assert failed(client.post(f"{B}{update}", headers=me)) == "Body data not found."
    rows = [
        ({"appointment_status": "confirmed"}, {"appointment_id": ["This field is required."]}),
        ({"appointment_id": ""}, {"appointment_id": ["This field is may not be blank."]}),
        ({"appointment_id": "x1"}, {"appointment_id": ["Invalid appointment id."]}),
        ({"appointment_id": "999999"}, {"appointment_id": ["Requested appointment not found."]}),
        ({"appointment_id": ident, "slug": ""}, {"slug": ["This field is may not be blank."]}),
        ({"appointment_id": ident, "slug": "nosuchlead"}, {"slug": ["Requested slug is invalid."]}),
        (
            {"appointment_id": ident, "appointment_date": ""},
            {"appointment_date": ["This field is may not be blank."]},
        ),
        (
            {"appointment_id": ident, "appointment_date": "soon"},
            {"appointment_date": ["Invalid date format."]},
        ),
        (
            {"appointment_id": ident, "appointment_to": ""},
            {"appointment_to": ["This field is may not be blank."]},
        ),
        (
            {"appointment_id": ident, "appointment_to": "later"},
            {"appointment_to": ["Invalid date format."]},
        ),
        (
            {"appointment_id": ident, "appointment_note": "n" * 201},
            {"appointment_note": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"appointment_id": ident, "appointment_status": "done"},
            {"appointment_status": ["Invalid appointment status."]},
        ),
    ]
    for fields, errors in rows:
        assert errors_of(send(client, update, me, fields), 400) == errors, fields
        query = "&".join(f"{k}={v}" for k, v in fields.items())
        assert errors_of(client.post(f"{B}{update}?{query}", headers=me), 400) == errors, query
    data_of(send(client, "/leads/create/lead/", other, new_lead(assignee="apiuser2")))
    response = send(client, update, me, {"appointment_id": ident, "slug": "janeroe"})
    assert errors_of(response, 400) == {"slug": ["You can't take appointment under this lead."]}
    assert failed(send(client, update, other, {"appointment_id": ident})) == (
        "You can't update this appointment."
    )
    late = {"appointment_id": ident, "appointment_to": "2030-06-20 09:00"}
    assert failed(send(client, update, me, late)) == "End Date Can't be prior to Start Date."
    past = {"appointment_id": ident, "appointment_date": "2030-06-01 09:40"}
    assert failed(send(client, update, me, past)) == "Please Specify a date in the future."
    second = booking("binuser1", "2030-06-20 10:40", "2030-06-20 10:50")
    data_of(send(client, "/leads/create/appointment/", me, second))
    clash = {"appointment_id": ident, "appointment_to": "2030-06-20 10:45"}
    assert failed(send(client, update, me, clash)) == "Appointment schedule exists for this time."
    assert mock.store.get("crm_appointments", ident) == item


@pytest.mark.parametrize("path", ["/leads/delete/appointment/", "/delete/appointment/"])
def test_delete_appointment(
    client: TestClient, mock: Mock, me: dict, clock: datetime, path: str
) -> None:
    item = created_appointment(client, mock, me)
    data_of(send(client, path, me, {"appointment_id": str(item["id"])}, "form"))
    assert mock.store.get("crm_appointments", str(item["id"])) is None
    assert activities(mock, "binuser1")[0] == "Appointment deleted"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "This field is required."),
        ({"appointment_id": ""}, "This field is may not be blank."),
        ({"appointment_id": "seven"}, "Invalid appointment id."),
        ({"appointment_id": "999999"}, "Requested appointment not found."),
    ],
)
def test_delete_appointment_error_rows(
    client: TestClient, me: dict, fields: dict, message: str
) -> None:
    response = send(client, "/leads/delete/appointment/", me, fields)
    assert errors_of(response, 400) == {"appointment_id": [message]}


def test_only_the_maker_deletes_an_appointment(
    client: TestClient, mock: Mock, me: dict, other: dict, clock: datetime
) -> None:
    item = created_appointment(client, mock, me)
    response = send(
        client, "/leads/delete/appointment/", other, {"appointment_id": str(item["id"])}
    )
    assert failed(response) == "You can't delete this appointment."
    assert mock.store.get("crm_appointments", str(item["id"])) == item


def test_list_appointments_filters_and_pages(client: TestClient, mock: Mock, me: dict) -> None:
    mine, _ = mock.store.query("crm_appointments", where=[Where("created_by", "eq", "apiuser1")])

    def listed(query: str) -> list[dict]:
        return data_of(client.get(f"{B}/leads/appointments/list/?limit=100&{query}", headers=me))[
            "results"
        ]

    everything = listed("")
    assert sorted(item["id"] for item in everything) == sorted(item["id"] for item in mine)
    starts = [item["fromdate"] for item in everything]
    assert starts == sorted(starts, reverse=True)
    pending = {item["id"] for item in mine if item["appointment_status"] == "pending"}
    assert {item["id"] for item in listed("status=pending")} == pending
    day = everything[len(everything) // 2]["fromdate"][:10]
    ondate = f"{day[5:7]}/{day[8:10]}/{day[:4]}"
    assert all(i["fromdate"][:10] == day for i in listed(f"datesetting=on&ondate={ondate}"))
    assert all(i["fromdate"][:10] < day for i in listed(f"datesetting=before&ondate={ondate}"))
    assert all(i["fromdate"][:10] > day for i in listed(f"datesetting=after&ondate={ondate}"))
    sizes = [len(listed(f"datesetting={s}&ondate={ondate}")) for s in ("before", "on", "after")]
    assert sum(sizes) == len(everything)
    name = everything[0]["lead"].split()[0]
    assert all(name.lower() in i["lead"].lower() for i in listed(f"lead={name.lower()}"))
    page = data_of(client.get(f"{B}/leads/appointments/list/?limit=3&offset=3", headers=me))
    assert [i["id"] for i in page["results"]] == [i["id"] for i in everything[3:6]]
    assert page["count"] == len(everything) and page["previous"].endswith("list/?limit=3")


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("datesetting=on", {"ondate": ["This field is required."]}),
        ("datesetting=on&ondate=2030-06-20", {"ondate": ["Invalid date format."]}),
        ("datesetting=on&ondate=13/45/2030", {"ondate": ["Invalid date format."]}),
        (
            "datesetting=during&ondate=06/20/2030",
            {"datesetting": ['"during" is not a valid choice.']},
        ),
        ("status=done", {"status": ["Invalid appointment status."]}),
    ],
)
def test_list_appointments_refuses_bad_parameters(
    client: TestClient, me: dict, query: str, errors: dict
) -> None:
    response = client.get(f"{B}/leads/appointments/list/?{query}", headers=me)
    assert errors_of(response, 400) == errors


def test_the_prefix_is_configurable() -> None:
    from mockserver import Config, create_app

    moved = create_app(Config(base_paths={"leads-crm": "/crm/v2/"}))
    facts = moved.facts["leads-crm"]
    assert facts["base_path"] == "/crm/v2"
    user = facts["users"][0]
    fields = {"username": user["username"], "password": user["password"]}
    with TestClient(moved) as client:
        answer = client.post(
            "/crm/v2/user/login/", headers={"apikey": facts["api_key"]}, data=fields
        )
        assert answer.status_code == 200 and set(answer.json()) == {"refresh", "access"}
        assert client.post(f"{B}/user/login/", data=fields).status_code == 404
