"""The resource model the engine infers from a document (#31, first slice): for every document of
the corpus (``tests/specs_corpus/``, sources in its ``SOURCES.md``), what ``leadmock inspect``
shows; and a document that cannot be read is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from mockserver.engine import DocumentError, infer_model, read_document
from mockserver.engine.model import record_schema
from mockserver.engine.seed import seed_records

CORPUS = Path(__file__).parent / "specs_corpus"


def model_of(name: str) -> dict[str, Any]:
    return asdict(infer_model(read_document(CORPUS / name)))


def resource(model: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in model["resources"] if r["name"] == name)


def roles(found: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    return {p["role"]: (p["method"], p["path"], p["status"]) for p in found["operations"]}


def test_page_per_page_data_meta_integer_ids_and_a_nested_resource() -> None:
    model = model_of("contacts-crm.yaml")
    assert (model["version"], model["base_path"]) == ("3.1.0", "/api/v1")
    contacts = resource(model, "contacts")
    assert contacts["item_path"] == "/contacts/{contactId}"
    assert (contacts["id_parameter"], contacts["id_field"], contacts["id_style"]) == (
        "contactId", "id", "integer",
    )  # fmt: skip
    assert contacts["list_envelope"]["path"] == "data[]"
    assert contacts["list_envelope"]["totals"] == ("meta.total",)
    assert contacts["item_envelope"]["path"] == "data"
    assert contacts["paging"] == {
        "style": "page_size", "parameters": ("page", "per_page"), "size_default": 25,
        "size_maximum": 100, "next_cursor_at": None,
    }  # fmt: skip
    assert contacts["filters"] == ("email", "status") and contacts["any_of_filters"] == ("status",)
    assert contacts["search"] == "q"
    assert contacts["sorting"]["parameter"] == "sort_by"
    assert contacts["sorting"]["direction_parameter"] == "order"
    assert roles(contacts) == {
        "list": ("GET", "/contacts", 200),
        "create": ("POST", "/contacts", 201),
        "get": ("GET", "/contacts/{contactId}", 200),
        "replace": ("PUT", "/contacts/{contactId}", 200),
        "merge": ("PATCH", "/contacts/{contactId}", 200),
        "delete": ("DELETE", "/contacts/{contactId}", 204),
    }
    notes = resource(model, "notes")
    assert (notes["parent"], notes["parent_parameter"]) == ("contacts", "contactId")
    assert (notes["id_field"], notes["id_style"]) == ("id", "uuid")
    assert notes["list_envelope"]["path"] == "[]" and notes["item_envelope"]["path"] == ""
    assert [(u["method"], u["path"]) for u in model["static"]] == [
        ("POST", "/contacts/{contactId}/merge")
    ]
    assert model["not_served"] == ("webhook contactCreated",)


def test_a_cursor_in_the_answer_objectid_ids_and_a_minus_field_sort() -> None:
    model = model_of("deals-cursor.json")
    deals = resource(model, "deals")
    assert (deals["id_field"], deals["id_style"]) == ("_id", "objectid")
    assert deals["list_envelope"]["path"] == "results[]"
    assert deals["paging"]["style"] == "cursor"
    assert deals["paging"]["parameters"] == ("after", "limit")
    assert deals["paging"]["next_cursor_at"] == "paging.next.after"
    assert deals["sorting"]["convention"] == "-field"
    assert deals["filters"] == ("stage",)
    assert set(roles(deals)) == {"list", "create", "get", "merge"}
    assert [u["operation_id"] for u in model["static"]] == ["searchDeals"]


def test_swagger_2_offset_limit_a_nested_envelope_and_a_ref_into_another_file() -> None:
    model = model_of("tickets-swagger.yaml")
    assert (model["version"], model["base_path"]) == ("2.0", "/api/v2")
    tickets = resource(model, "tickets")
    assert tickets["list_envelope"]["path"] == "data.tickets[].ticket"
    assert tickets["list_envelope"]["totals"] == ("data.total_count",)
    assert tickets["item_envelope"]["path"] == "ticket"
    assert (tickets["id_field"], tickets["id_style"]) == ("id", "uuid")
    assert tickets["paging"]["style"] == "offset_limit"
    assert (tickets["paging"]["size_default"], tickets["paging"]["size_maximum"]) == (20, 200)
    assert roles(tickets)["create"] == ("POST", "/tickets", 201)
    assert roles(tickets)["delete"] == ("DELETE", "/tickets/{ticketId}", 204)


def test_json_api_pages_attributes_and_the_id_beside_them() -> None:
    companies = resource(model_of("companies-jsonapi.yaml"), "companies")
    assert companies["list_envelope"]["path"] == "data[].attributes"
    assert companies["list_envelope"]["id_beside"] is True
    assert companies["item_envelope"]["path"] == "data.attributes"
    assert companies["id_field"] == "id"
    assert companies["paging"]["style"] == "json_api"
    assert companies["list_envelope"]["pages"] == ("links.next",)


def test_real_documents_petstore_and_uspto() -> None:
    petstore = model_of("petstore-expanded.yaml")
    pets = resource(petstore, "pets")
    assert roles(pets) == {
        "list": ("GET", "/pets", 200),
        "create": ("POST", "/pets", 200),
        "get": ("GET", "/pets/{id}", 200),
        "delete": ("DELETE", "/pets/{id}", 204),
    }
    assert (pets["id_field"], pets["id_style"]) == ("id", "integer")
    assert pets["list_envelope"]["path"] == "[]"
    uspto = model_of("uspto.yaml")
    assert uspto["base_path"] == "/ds-api"  # {scheme}://developer.uspto.gov/ds-api
    apis = resource(uspto, "apis")
    assert apis["list_envelope"] == {
        "path": "apis[]", "totals": ("total",), "pages": (), "id_beside": False,
    }  # fmt: skip
    assert {u["operation_id"] for u in uspto["static"]} == {
        "list-searchable-fields", "perform-search",
    }  # fmt: skip


def test_inspect_prints_the_model_and_its_json() -> None:
    command = [sys.executable, "-m", "mockserver", "inspect", str(CORPUS / "contacts-crm.yaml")]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "resource notes" in text and "within: contacts (contactId)" in text
    assert "paging: page_size by page, per_page (default 25, max 100)" in text
    assert "POST /contacts/{contactId}/merge (mergeContact): an action" in text
    data = json.loads(
        subprocess.run([*command, "--json"], capture_output=True, text=True, check=True).stdout
    )
    assert [r["name"] for r in data["resources"]] == ["contacts", "notes"]


# Ten levels of ten aliases: a few hundred bytes that walk as 10^10 nodes.
LAUGHS = "openapi: 3.0.0\npaths: {}\nx-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"x-a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10)
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("openapi: [unclosed", "not YAML"),
        ('{"openapi": "3.0.0", ', "not JSON"),
        ("openapi: 4.0.0\npaths: {}\n", "#/openapi: OpenAPI 4.0.0 is not 3.0 or 3.1"),
        ("info: {title: x}\n", "neither `openapi: 3.x` nor `swagger: '2.0'`"),
        ("openapi: 3.0.0\npaths: []\n", "#/paths: a document needs `paths`"),
        (
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n"
            "          $ref: '#/components/responses/Nope'\n",
            "$ref #/components/responses/Nope points to nothing",
        ),
        (LAUGHS, "its YAML aliases expand to more than 5,000,000 nodes"),
    ],
)
def test_a_document_that_cannot_be_read_is_one_line_and_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    document = tmp_path / "broken.yaml"
    document.write_text(content)
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "inspect", str(document)],
        capture_output=True,
        text=True,
        timeout=120,  # the alias bomb expanded would run for hours
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if "Warning" not in line and line.strip()]
    assert len(lines) == 1 and message in lines[0] and "broken.yaml" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_missing_files_folders_and_devices_are_refused_by_name(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.yaml", tmp_path, Path("/dev/zero")):
        with pytest.raises(DocumentError) as refused:
            read_document(path)
        assert str(path) in str(refused.value)


def test_the_built_in_documents_read_as_their_handlers_serve_them() -> None:
    # The five built-in APIs become profiles of this engine (#32): their documents must already
    # read as resources the hand-written handlers serve.
    specs = Path(__file__).parent.parent / "specs"
    tiledesk = asdict(infer_model(read_document(specs / "tiledesk-v3.yaml")))
    leads = resource(tiledesk, "leads")
    assert leads["parent_parameter"] == "project_id" and leads["parent"] is None
    assert (leads["id_field"], leads["id_style"]) == ("_id", "objectid")
    assert leads["list_envelope"]["path"] == "leads[]"
    assert leads["list_envelope"]["totals"] == ("count",)
    assert leads["search"] == "full_text"
    overloop = resource(asdict(infer_model(read_document(specs / "overloop.yaml"))), "leads")
    assert overloop["list_envelope"]["path"] == "data[].attributes"
    assert roles(overloop)["create"] == ("POST", "/leads", 201)
    assert roles(overloop)["merge"] == ("PATCH", "/leads/{id}", 200)


def inspect(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockserver", "inspect", *arguments]
    return subprocess.run(command, capture_output=True, text=True)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if "Warning" not in line and line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    return lines[0]


def test_the_document_and_an_override_file_correct_the_model(tmp_path: Path) -> None:
    spec = json.loads((CORPUS / "deals-cursor.json").read_text())
    spec["x-leadmock"] = {
        "resources": {"deals": {"id_style": "string", "filters": ["stage", "dealname"]}},
        "static": ["updateDeal"],
    }
    document = tmp_path / "deals.json"
    document.write_text(json.dumps(spec))
    model = json.loads(inspect(str(document), "--json").stdout)
    deals = resource(model, "deals")
    assert deals["id_style"] == "string"
    assert deals["filters"] == ["stage", "dealname"]
    assert "merge" not in roles(deals)
    assert ["updateDeal", "static by override"] in [
        [u["operation_id"], u["reason"]] for u in model["static"]
    ]
    # The file's word is last.
    file = tmp_path / "overrides.yaml"
    file.write_text(
        "resources:\n  deals:\n    id_style: objectid\n"
        "    paging: {style: cursor, next_cursor_at: paging.next.link}\n"
        "    sort: {parameter: sort, convention: 'field:asc'}\n"
    )
    model = json.loads(inspect(str(document), "--json", "--overrides", str(file)).stdout)
    deals = resource(model, "deals")
    assert deals["id_style"] == "objectid" and deals["filters"] == ["stage", "dealname"]
    assert deals["paging"]["next_cursor_at"] == "paging.next.link"
    assert deals["paging"]["parameters"] == ["after", "limit"]  # kept: not overridden
    assert deals["sorting"]["convention"] == "field:asc"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ("resources:\n  deals:\n    filtres: [stage]\n", "no key 'filtres'; did you mean 'filt"),
        ("resourcse: {}\n", "/resourcse: no key 'resourcse'; did you mean 'resources'?"),
        ("resources:\n  deal: {}\n", "no resource 'deal'; did you mean 'deals'?"),
        ("static: [updateDeals]\n", "no operationId 'updateDeals'; did you mean 'updateDeal'?"),
        (
            "resources:\n  deals:\n    id_style: snowflake\n",
            "/id_style: one of integer, digits, uuid",
        ),
        ("resources:\n  deals:\n    paging: {style: pages}\n", "/paging/style: one of page_size"),
        ("resources:\n  deals:\n    paging: {size_maximum: lots}\n", "a whole number"),
        ("resources:\n  deals:\n    filters: stage\n", "/filters: a list of strings"),
        ("- a list\n", "overrides.yaml: a mapping"),
    ],
)
def test_every_override_is_checked_before_it_applies(
    tmp_path: Path, overrides: str, message: str
) -> None:
    file = tmp_path / "overrides.yaml"
    file.write_text(overrides)
    line = one_line(inspect(str(CORPUS / "deals-cursor.json"), "--overrides", str(file)))
    assert message in line and "overrides.yaml" in line, line


def inline(document: Any, schema: Any, depth: int = 0) -> Any:
    """``schema`` with every ``$ref`` replaced by what it points to (a validator needs no
    resolver then); bounded, for recursive schemas."""
    if depth > 24 and isinstance(schema, dict) and "$ref" in schema:
        return {}
    schema = document.resolve(schema)
    if isinstance(schema, dict):
        return {k: inline(document, v, depth + 1) for k, v in schema.items()}
    if isinstance(schema, list):
        return [inline(document, v, depth + 1) for v in schema]
    return schema


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.*") if p.suffix != ".md"))
def test_seed_records_are_valid_and_the_same_for_the_same_seed(name: str) -> None:
    from jsonschema import Draft7Validator, FormatChecker

    document = read_document(CORPUS / name)
    model = infer_model(document)
    assert model.resources
    differs = []
    for found in model.resources:
        schema = record_schema(document, found)
        records = seed_records(document, found, schema, 20, seed=7)
        assert len(records) == 20
        # A resource the document gives no record schema (an item answer with no properties)
        # has records of its id alone.
        shape = inline(document, schema) if schema is not None else {}
        validator = Draft7Validator(shape, format_checker=FormatChecker())
        for record in records:
            errors = [e.message for e in validator.iter_errors(record)]
            assert errors == [], (found.name, record)
        if found.id_field:
            ids = [record[found.id_field] for record in records]
            assert len(set(map(str, ids))) == 20, ids
            if found.id_style == "integer":
                assert ids == list(range(1, 21))
        again = seed_records(document, found, schema, 20, seed=7)
        other = seed_records(document, found, schema, 20, seed=8)
        assert json.dumps(again) == json.dumps(records)
        differs.append(json.dumps(other) != json.dumps(records))
    # Another seed gives other data (a resource of ids and documented constants alone may not).
    assert any(differs)


def test_a_nested_resource_named_as_a_top_level_one_takes_its_parents_name(
    tmp_path: Path,
) -> None:
    listing = {"200": {"description": "x", "content": {"application/json": {"schema": {
        "type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}},
    }}}}}  # fmt: skip
    one = {"200": {"description": "x", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"id": {"type": "integer"}},
    }}}}}  # fmt: skip
    identifier = {"in": "path", "required": True, "schema": {"type": "integer"}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/notes": {"get": {"operationId": "notes", "responses": listing}},
            "/notes/{noteId}": {"get": {"operationId": "note", "responses": one,
                "parameters": [{"name": "noteId", **identifier}]}},
            "/contacts": {"get": {"operationId": "contacts", "responses": listing}},
            "/contacts/{id}": {"get": {"operationId": "contact", "responses": one,
                "parameters": [{"name": "id", **identifier}]}},
            "/contacts/{id}/notes": {"get": {"operationId": "contactNotes", "responses": listing,
                "parameters": [{"name": "id", **identifier}]}},
        },
    }  # fmt: skip
    document = tmp_path / "notes.json"
    document.write_text(json.dumps(spec))
    names = [r.name for r in infer_model(read_document(document)).resources]
    assert sorted(names) == ["contacts", "contacts.notes", "notes"]


def test_real_documents_intercom_and_asana() -> None:
    intercom = model_of("intercom-2.7.yaml")
    contacts = resource(intercom, "contacts")
    assert contacts["list_envelope"]["path"] == "data[]"
    assert contacts["list_envelope"]["totals"] == ("total_count",)
    # Its create body is one of several schemas: any of them is a record.
    assert set(roles(contacts)) == {"list", "create", "get", "replace", "delete"}
    asana = model_of("asana.yaml")
    assert asana["base_path"] == "/api/1.0"
    tasks = resource(asana, "tasks")
    assert (tasks["id_parameter"], tasks["id_field"]) == ("task_gid", "gid")
    assert tasks["item_envelope"]["path"] == "data"
    # Asana's offset is a token the answer hands back in next_page.offset: a cursor.
    assert tasks["paging"]["style"] == "cursor"
    assert tasks["paging"]["next_cursor_at"] == "next_page.offset"
    assert roles(tasks)["create"] == ("POST", "/tasks", 201)
    assert len(asana["resources"]) >= 80 and len(intercom["resources"]) >= 30


def test_a_real_document_twilio_knowledge() -> None:
    twilio = model_of("twilio-knowledge-v1.yaml")
    knowledge = resource(twilio, "Knowledge")
    assert (knowledge["collection_path"], knowledge["item_path"]) == (
        "/v1/Knowledge", "/v1/Knowledge/{id}")  # fmt: skip
    # Its ids are a pattern (aia_know_...): made to fit it, by the seed and by a create.
    assert knowledge["id_style"] == "string (pattern ^aia_know_.+$)"
    assert knowledge["list_envelope"]["path"] == "knowledge[]"
    assert roles(knowledge) == {
        "list": ("GET", "/v1/Knowledge", 200),
        "create": ("POST", "/v1/Knowledge", 201),
        "get": ("GET", "/v1/Knowledge/{id}", 200),
        "replace": ("PUT", "/v1/Knowledge/{id}", 200),
        "delete": ("DELETE", "/v1/Knowledge/{id}", 204),
    }
    static = {s["operation_id"] for s in twilio["static"]}
    assert static == {"FetchKnowledgeStatus", "ListKnowledgeChunks"}


def test_an_id_pattern_is_matched_by_the_seed_and_by_a_create() -> None:
    import re

    document = read_document(CORPUS / "twilio-knowledge-v1.yaml")
    model = infer_model(document)
    (knowledge,) = [r for r in model.resources if r.name == "Knowledge"]
    records = seed_records(document, knowledge, record_schema(document, knowledge), 20, seed=3)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == 20 and all(re.match(r"^aia_know_.+$", i) for i in ids)
