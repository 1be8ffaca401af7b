"""Overloop over HTTP: JSON:API leads, paging links, sort, filter, include, and what each leaves."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from mockserver import Mock
from mockserver.vendors.overloop.model import ACCOUNT, DOCS_LEAD, FILTERABLE, MEDIA_TYPE

pytestmark = pytest.mark.shared_store

LEADS = "/public/v1/leads"


@pytest.fixture
def key(mock: Mock) -> dict[str, str]:
    return {"Authorization": mock.facts["overloop"]["api_key"]}


def send(
    client: TestClient, method: str, url: str, key: dict, document: Any = None, **kw: Any
) -> Any:
    headers = {**key, "Content-Type": f"{MEDIA_TYPE}; charset=utf-8"}
    content = None if document is None else json.dumps(document)
    return client.request(method, url, headers=headers, content=content, **kw)


def body_of(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    return response.json()


def lead_document(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "leads", "attributes": attributes}}


def stored(mock: Mock) -> list[dict[str, Any]]:
    leads, _ = mock.store.query("leads", scope=ACCOUNT)
    return leads


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# -- authentication ----------------------------------------------------------------------

OPERATIONS = [
    ("GET", LEADS, None),
    ("POST", LEADS, lead_document(email="a@b.c")),
    ("GET", f"{LEADS}/1", None),
    ("PATCH", f"{LEADS}/1", lead_document(first_name="x")),
    ("DELETE", f"{LEADS}/1", None),
]


@pytest.mark.parametrize(("method", "url", "document"), OPERATIONS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "wrong"}, {"Authorization": "Bearer x"}])
def test_missing_or_wrong_key_is_401_and_changes_nothing(
    client: TestClient, mock: Mock, method: str, url: str, document: Any, headers: dict
) -> None:
    before = mock.store.dump()
    response = send(client, method, url, headers, document)
    assert body_of(response, 401) == {
        "errors": [{"code": "unauthorized", "message": "Your API key is wrong"}]
    }
    assert mock.store.dump() == before


# -- list, pages and links ---------------------------------------------------------------


def test_first_page_holds_100_with_links_but_no_prev(
    client: TestClient, mock: Mock, key: dict
) -> None:
    body = body_of(client.get(LEADS, headers=key), 200)
    assert [lead["id"] for lead in body["data"]] == [str(n) for n in range(1, 101)]
    links = body["links"]
    assert set(links) == {"self", "first", "next", "last"}
    assert path_of(links["next"]) == f"{LEADS}?page%5Bnumber%5D=2&page%5Bsize%5D=100"
    assert path_of(links["last"]).startswith(f"{LEADS}?page%5Bnumber%5D=3&")


def test_following_next_visits_every_lead_exactly_once(
    client: TestClient, mock: Mock, key: dict
) -> None:
    seen: list[str] = []
    url: str | None = f"{LEADS}?page[size]=7&sort=-created_at"
    pages = 0
    while url:
        body = body_of(client.get(url, headers=key), 200)
        seen += [lead["id"] for lead in body["data"]]
        assert ("prev" in body["links"]) == (pages > 0)
        url = path_of(body["links"]["next"]) if "next" in body["links"] else None
        pages += 1
    assert sorted(seen, key=int) == sorted((str(lead["id"]) for lead in stored(mock)), key=int)
    assert len(seen) == len(set(seen))
    assert pages == -(-len(seen) // 7)


def test_last_page_has_prev_and_no_next(client: TestClient, key: dict) -> None:
    body = body_of(client.get(LEADS, params={"page[number]": 3}, headers=key), 200)
    assert "next" not in body["links"] and "prev" in body["links"]
    assert 0 < len(body["data"]) <= 100


@pytest.mark.parametrize("direction", ["", "-"])
def test_sort_both_ways(client: TestClient, key: dict, direction: str) -> None:
    params = {"sort": f"{direction}created_at", "page[size]": 100}
    dates = [
        lead["attributes"]["created_at"]
        for lead in client.get(LEADS, params=params, headers=key).json()["data"]
    ]
    assert dates == sorted(dates, reverse=direction == "-")


def test_sort_by_several_keys(client: TestClient, key: dict) -> None:
    params = {"sort": "industry,-id", "page[size]": 100}
    rows = [
        (lead["attributes"]["industry"], -int(lead["id"]))
        for lead in client.get(LEADS, params=params, headers=key).json()["data"]
    ]
    assert rows == sorted(rows)


@pytest.mark.parametrize("attribute", sorted(FILTERABLE))
def test_every_filterable_attribute_filters(
    client: TestClient, mock: Mock, key: dict, attribute: str
) -> None:
    sample = next(
        lead
        for lead in stored(mock)
        if lead.get(attribute) not in (None, "") and "," not in str(lead[attribute])
    )
    value = sample[attribute]
    text = str(value).lower() if isinstance(value, bool) else str(value)
    expected = sorted(str(lead["id"]) for lead in stored(mock) if lead.get(attribute) == value)
    params: dict | None = {"page[size]": 100, "filter": f"{attribute}:{text}"}
    seen: list[str] = []
    url: str | None = LEADS
    while url:
        body = body_of(client.get(url, params=params, headers=key), 200)
        seen += [lead["id"] for lead in body["data"]]
        url = path_of(body["links"]["next"]) if "next" in body["links"] else None
        params = None  # the links carry the query on
    assert sorted(seen) == expected and str(sample["id"]) in seen


def test_filters_combine(client: TestClient, mock: Mock, key: dict) -> None:
    body = client.get(
        LEADS, params={"filter": "first_name:Vincent,last_name:Ruggiero"}, headers=key
    ).json()
    assert body["data"] == []
    body = client.get(
        LEADS, params={"filter": "first_name:Vincenzo,last_name:Ruggiero"}, headers=key
    ).json()
    assert [lead["id"] for lead in body["data"]] == ["1"]


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "description:x"},
        {"filter": "first_name"},
        {"filter": "opened:maybe"},
        {"filter": "id:seven"},
        {"sort": "url"},
        {"sort": "-lists"},
        {"page[size]": 101},
        {"page[number]": 0},
        {"include": "friends"},
    ],
)
def test_bad_list_parameters_are_400_error_objects(
    client: TestClient, mock: Mock, key: dict, params: dict
) -> None:
    # The spec's patterns list what Overloop allows, so request validation refuses the rest,
    # naming the parameter and never quoting a pattern or a schema.
    body = body_of(client.get(LEADS, params=params, headers=key), 400)
    [error] = body["errors"]
    [name] = params
    assert error["source"] == {"parameter": name.split("[")[0]}
    assert error["detail"] and not any(c in error["detail"] for c in "^$\n")


def test_include_adds_each_related_resource_once(client: TestClient, mock: Mock, key: dict) -> None:
    body = body_of(
        client.get(LEADS, params={"include": "organization,creator,owner"}, headers=key), 200
    )
    referenced = {
        (relation["data"]["type"], relation["data"]["id"])
        for lead in body["data"]
        for relation in lead["relationships"].values()
        if relation["data"]
    }
    included = [(item["type"], item["id"]) for item in body["included"]]
    assert sorted(included) == sorted(referenced) and len(included) == len(set(included))
    organization = next(item for item in body["included"] if item["type"] == "organizations")
    assert organization["attributes"]["name"]


def test_include_on_one_lead(client: TestClient, key: dict) -> None:
    body = body_of(client.get(f"{LEADS}/1", params={"include": "owner"}, headers=key), 200)
    assert [(i["type"], i["id"]) for i in body["included"]] == [("users", "2")]


# -- retrieve ----------------------------------------------------------------------------


def test_documented_lead_reads_as_in_the_documents(client: TestClient, key: dict) -> None:
    lead = body_of(client.get(f"{LEADS}/1", headers=key), 200)["data"]
    assert lead["id"] == "1" and lead["type"] == "leads"
    hidden = {"id", "creator_id", "owner_id", "organization_id"}
    assert {k: v for k, v in lead["attributes"].items() if k != "url"} == {
        k: v for k, v in DOCS_LEAD.items() if k not in hidden
    }
    assert lead["attributes"]["url"] == "https://overloop.ai/leads/1"
    assert lead["relationships"] == {
        "creator": {"data": {"id": "1", "type": "users"}},
        "owner": {"data": {"id": "2", "type": "users"}},
        "organization": {"data": {"id": "2", "type": "organizations"}},
    }


@pytest.mark.parametrize(("lead_id", "status"), [("99999", 404), ("0", 400), ("abc", 404)])
def test_unknown_or_malformed_id(client: TestClient, key: dict, lead_id: str, status: int) -> None:
    # A non-numeric id matches no route of an integer path parameter: 404, as for an unknown id.
    assert body_of(client.get(f"{LEADS}/{lead_id}", headers=key), status)["errors"]


# -- create ------------------------------------------------------------------------------


def test_create_answers_201_with_defaults_and_creates_lists(
    client: TestClient, mock: Mock, key: dict
) -> None:
    sent = {
        "email": "anna@example.be",
        "first_name": "Anna",
        "lists": ["Brand new", "CEO"],
        "c_score": "9",
    }
    lead = body_of(send(client, "POST", LEADS, key, lead_document(**sent)), 201)["data"]
    assert int(lead["id"]) > len(stored(mock)) - 1
    assert {k: lead["attributes"][k] for k in sent} == sent
    assert lead["attributes"]["created_from"] == "api" and lead["attributes"]["opened"] is False
    assert lead["relationships"]["creator"]["data"] == {"id": "1", "type": "users"}
    assert mock.store.get("lists", "Brand new", scope=ACCOUNT) is not None
    assert client.get(f"{LEADS}/{lead['id']}", headers=key).json()["data"] == lead


def test_taken_email_is_422_unless_return_existing(
    client: TestClient, mock: Mock, key: dict
) -> None:
    before = len(stored(mock))
    taken = send(client, "POST", LEADS, key, lead_document(email="vincenzo@overloop.ai"))
    assert body_of(taken, 422) == {
        "errors": [
            {"source": {"pointer": "/data/attributes/email"}, "detail": "has already been taken"}
        ]
    }
    existing = send(
        client,
        "POST",
        f"{LEADS}?return_existing=true",
        key,
        lead_document(email="vincenzo@overloop.ai"),
    )
    assert body_of(existing, 200)["data"]["id"] == "1"
    assert len(stored(mock)) == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "pointer"),
    [
        (lead_document(first_name=5), MEDIA_TYPE, 422, "/data/attributes/first_name"),
        (lead_document(owner_id=999), MEDIA_TYPE, 422, "/data/attributes/owner_id"),
        ({"data": {"type": "people"}}, MEDIA_TYPE, 422, "/data/type"),
        (
            {"data": {"type": "leads", "attributes": {"c_x": 5}}},
            MEDIA_TYPE,
            422,
            "/data/attributes/c_x",
        ),
        ("{not json", MEDIA_TYPE, 400, None),
        (lead_document(email="x@y.z"), "application/json", 415, None),
    ],
    ids=[
        "wrong-type",
        "unknown-owner",
        "wrong-resource-type",
        "custom-not-string",
        "malformed",
        "json",
    ],
)
def test_bad_create_is_refused_and_changes_nothing(
    client: TestClient,
    mock: Mock,
    key: dict,
    content: Any,
    content_type: str,
    status: int,
    pointer: str | None,
) -> None:
    before = mock.store.dump()
    raw = content if isinstance(content, str) else json.dumps(content)
    response = client.post(LEADS, headers={**key, "Content-Type": content_type}, content=raw)
    [error] = body_of(response, status)["errors"]
    if pointer:
        assert error["source"] == {"pointer": pointer} and error["detail"]
    else:
        assert error["message"]
    assert {k: v for k, v in mock.store.dump().items() if k != "sequences"} == {
        k: v for k, v in before.items() if k != "sequences"
    }


# -- update ------------------------------------------------------------------------------


def test_documented_patch_changes_only_what_is_sent(client: TestClient, key: dict) -> None:
    before = client.get(f"{LEADS}/1", headers=key).json()["data"]
    sent = {
        "email": "vincenzo@overloop.ai",
        "first_name": "Vincent",
        "c_custom_field_a": "Hot lead",
    }
    after = body_of(send(client, "PATCH", f"{LEADS}/1", key, lead_document(**sent)), 200)["data"]
    assert after["attributes"]["first_name"] == "Vincent"
    unchanged = {
        k: v for k, v in before["attributes"].items() if k not in ("first_name", "updated_at")
    }
    assert {k: after["attributes"][k] for k in unchanged} == unchanged
    assert after["attributes"]["updated_at"] != before["attributes"]["updated_at"]
    assert after["relationships"] == before["relationships"]


def test_patch_sets_relationships_lists_and_nulls(
    client: TestClient, mock: Mock, key: dict
) -> None:
    document = lead_document(owner_id=3, organization_id=None, lists=["Fresh"], jobtitle=None)
    lead = body_of(send(client, "PATCH", f"{LEADS}/1", key, document), 200)["data"]
    assert lead["relationships"]["owner"]["data"] == {"id": "3", "type": "users"}
    assert lead["relationships"]["organization"]["data"] is None
    assert lead["attributes"]["lists"] == ["Fresh"] and lead["attributes"]["jobtitle"] is None
    assert mock.store.get("lists", "Fresh", scope=ACCOUNT)["name"] == "Fresh"


def test_patch_to_a_taken_email_is_422_and_a_freed_email_is_reusable(
    client: TestClient, mock: Mock, key: dict
) -> None:
    other = next(lead["email"] for lead in stored(mock) if lead["id"] != 1 and lead["email"])
    refused = send(client, "PATCH", f"{LEADS}/1", key, lead_document(email=other))
    assert body_of(refused, 422)["errors"][0]["source"] == {"pointer": "/data/attributes/email"}
    moved = send(client, "PATCH", f"{LEADS}/1", key, lead_document(email="moved@overloop.ai"))
    assert moved.status_code == 200
    reused = send(client, "POST", LEADS, key, lead_document(email="vincenzo@overloop.ai"))
    assert reused.status_code == 201


def test_patch_of_unknown_lead_is_404(client: TestClient, mock: Mock, key: dict) -> None:
    before = mock.store.dump()
    response = send(client, "PATCH", f"{LEADS}/99999", key, lead_document(first_name="x"))
    assert body_of(response, 404)["errors"][0]["code"] == "not_found"
    assert mock.store.dump() == before


# -- delete ------------------------------------------------------------------------------


def test_delete_is_for_good_and_frees_the_email(client: TestClient, mock: Mock, key: dict) -> None:
    count = len(stored(mock))
    body = body_of(client.delete(f"{LEADS}/1", headers=key), 200)
    assert body == {"data": {"id": "1", "type": "leads"}}
    assert client.get(f"{LEADS}/1", headers=key).status_code == 404
    assert client.delete(f"{LEADS}/1", headers=key).status_code == 404
    assert len(stored(mock)) == count - 1
    assert (
        send(client, "POST", LEADS, key, lead_document(email="vincenzo@overloop.ai")).status_code
        == 201
    )


@pytest.mark.parametrize("query", ["page[size][a]=1", "page%5Bnumber%5D%5Bx%5D="])
def test_query_nested_deeper_than_the_spec_is_400_not_500(
    client: TestClient, mock: Mock, key: dict, query: str
) -> None:
    # Found by Schemathesis: Connexion's deepObject parser raised KeyError on these (a 500).
    [error] = body_of(client.get(f"{LEADS}?{query}", headers=key), 400)["errors"]
    assert "nests deeper than the spec allows" in error["message"]
    assert mock.journal.entries()[-1].valid is False
