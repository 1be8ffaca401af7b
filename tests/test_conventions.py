"""The conventions the engine answers by and the built-in vendors use with it
(``mockserver/engine/conventions.py``): the links to the neighbouring pages (JSON:API's
``links``, DRF's ``next``/``previous``) and soft deletion, over HTTP on documents that use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.config import ConfigError
from mockserver.engine.document import DocumentError
from tests.test_engine_model import CORPUS

SEEDED = 12
HEADERS = {"Authorization": "Bearer leadmock-token"}


def served(path: Path, **options: Any) -> tuple[Any, TestClient]:
    mock = create_app(
        Config(specs=(str(path.resolve()),), leads=SEEDED, validate_responses=True, **options)
    )
    return mock, TestClient(mock, base_url="http://mock.test")


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_json_api_lists_link_their_neighbours_keeping_the_filter() -> None:
    _, client = served(CORPUS / "companies-jsonapi.yaml")
    first = client.get("/public/v1/companies", params={"page[size]": 5}, headers=HEADERS)
    assert first.status_code == 200
    body = first.json()
    assert body["meta"]["total"] == SEEDED
    following = body["links"]["next"]
    assert following.startswith("http://mock.test/public/v1/companies?")
    assert _query(following) == {"page[number]": "2", "page[size]": "5"}
    seen, url = [], "/public/v1/companies?page%5Bsize%5D=5"
    while url:
        page = client.get(url, headers=HEADERS).json()
        seen += [record["id"] for record in page["data"]]
        url = page["links"]["next"]
    assert len(seen) == SEEDED and len(set(seen)) == SEEDED
    # The last page says there is none after it, as its schema allows (nullable).
    assert page["links"]["next"] is None
    name = body["data"][0]["attributes"]["name"]
    filtered = client.get(
        "/public/v1/companies", params={"name": name, "page[size]": 1}, headers=HEADERS
    ).json()
    if filtered["meta"]["total"] > 1:
        assert _query(filtered["links"]["next"])["name"] == name


DRF_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Tickets (DRF)", "version": "1"},
    "servers": [{"url": "/api"}],
    "paths": {
        "/tickets": {
            "get": {
                "operationId": "listTickets",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "a page",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "count": {"type": "integer"},
                                        "next": {"type": "string", "nullable": True},
                                        "previous": {"type": "string", "nullable": True},
                                        "results": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Ticket"},
                                        },
                                    },
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "operationId": "createTicket",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}
                    }
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}
                        },
                    }
                },
            },
        },
        "/tickets/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "operationId": "getTicket",
                "responses": {
                    "200": {
                        "description": "one",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}
                        },
                    },
                    "404": {"description": "none"},
                },
            },
            "delete": {
                "operationId": "deleteTicket",
                "responses": {"204": {"description": "gone"}, "404": {"description": "none"}},
            },
        },
    },
    "components": {
        "schemas": {
            "Ticket": {
                "type": "object",
                "required": ["title"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "title": {"type": "string"},
                    "archived": {"type": "boolean"},
                },
            }
        }
    },
}


def drf_document(folder: Path, soft_delete: Any = None) -> Path:
    document = yaml.safe_load(yaml.safe_dump(DRF_DOCUMENT))
    if soft_delete is not None:
        document["x-leadmock"] = {"resources": {"tickets": {"soft_delete": soft_delete}}}
    path = folder / "tickets.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_offset_lists_give_drfs_next_and_previous(tmp_path: Path) -> None:
    _, client = served(drf_document(tmp_path))
    first = client.get("/api/tickets", params={"limit": 5}, headers=HEADERS).json()
    assert first["count"] == SEEDED and first["previous"] is None
    assert _query(first["next"]) == {"limit": "5", "offset": "5"}
    second = client.get(first["next"], headers=HEADERS).json()
    # Back to the first window: DRF leaves the offset out of it.
    assert _query(second["previous"]) == {"limit": "5"}
    seen, url = [], "/api/tickets?limit=5"
    while url:
        page = client.get(url, headers=HEADERS).json()
        seen += [ticket["id"] for ticket in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == SEEDED


def test_a_soft_delete_marks_the_record_lists_and_reads_skip_it(tmp_path: Path) -> None:
    mock, client = served(drf_document(tmp_path, soft_delete="archived"))
    listed = client.get("/api/tickets", params={"limit": 100}, headers=HEADERS).json()
    assert listed["count"] == SEEDED
    assert all(ticket["archived"] is False for ticket in listed["results"])
    made = client.post("/api/tickets", json={"title": "Printer on fire"}, headers=HEADERS)
    assert made.status_code == 201 and made.json()["archived"] is False
    key = made.json()["id"]
    gone = client.delete(f"/api/tickets/{key}", headers=HEADERS)
    assert gone.status_code == 204
    assert client.get(f"/api/tickets/{key}", headers=HEADERS).status_code == 404
    assert client.delete(f"/api/tickets/{key}", headers=HEADERS).status_code == 404
    after = client.get("/api/tickets", params={"limit": 100}, headers=HEADERS).json()
    assert after["count"] == SEEDED and key not in [t["id"] for t in after["results"]]
    (api,) = mock.apis
    kept = mock.store.get(f"{api}:tickets", str(key))
    assert kept is not None and kept["archived"] is True and kept["title"] == "Printer on fire"


def test_a_soft_deleted_record_still_found_by_id(tmp_path: Path) -> None:
    soft = {"field": "archived", "deleted": True, "live": False, "still_found": True}
    _, client = served(drf_document(tmp_path, soft_delete=soft))
    key = client.get("/api/tickets", headers=HEADERS).json()["results"][0]["id"]
    assert client.delete(f"/api/tickets/{key}", headers=HEADERS).status_code == 204
    found = client.get(f"/api/tickets/{key}", headers=HEADERS)
    assert found.status_code == 200 and found.json()["archived"] is True
    listed = client.get("/api/tickets", params={"limit": 100}, headers=HEADERS).json()
    assert key not in [t["id"] for t in listed["results"]]


@pytest.mark.parametrize(
    ("soft_delete", "said"),
    [
        (["archived"], "/resources/tickets/soft_delete: a field name, or a mapping"),
        ({"field": "archived", "gone": True}, "no key 'gone'"),
        ({"deleted": True}, "/resources/tickets/soft_delete/field: a string"),
        ({"field": "archived", "deleted": 1, "live": 1}, "deleted and live must differ"),
        ({"field": "archived", "still_found": "yes"}, "still_found: true or false"),
    ],
)
def test_a_wrong_soft_delete_is_refused_before_anything_is_served(
    tmp_path: Path, soft_delete: Any, said: str
) -> None:
    with pytest.raises((DocumentError, ConfigError)) as refused:
        served(drf_document(tmp_path, soft_delete=soft_delete))
    assert said in str(refused.value)
