"""The engine's answers for every resource of the corpus (``tests/specs_corpus/``): a scripted
round trip (create, get, list with a filter, a sort and a second page, update, delete, get 404)
agrees with the model, and every answer is valid against the schema the document declares for
its status. Driven directly here; ``test_spec_serve.py`` runs the same round trip over HTTP
through ``serve --spec``."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft7Validator

from mockserver.engine import infer_model, read_document
from mockserver.engine.handlers import PROBLEM, Answer, Call, Engine
from mockserver.engine.model import Placed, _body_schema, _properties
from mockserver.engine.seed import fits, nullable_widened, seed_records
from mockserver.store import MemoryStore
from tests.test_engine_model import CORPUS, inline

DOCUMENTS = ["contacts-crm.yaml", "deals-cursor.json", "tickets-swagger.yaml",
             "companies-jsonapi.yaml", "petstore-expanded.yaml", "intercom-2.7.yaml",
             "asana.yaml", "twilio-knowledge-v1.yaml"]  # fmt: skip
SEEDED = 30


class Served:
    """One document's engine, every answer checked against the document."""

    api = "test"

    def __init__(self, name: str) -> None:
        self.document = read_document(CORPUS / name)
        self.model = infer_model(self.document)
        self.engine = Engine(self.document, self.model, MemoryStore(), api=self.api)
        self.engine.seed(SEEDED, seed=1)

    def call(self, resource: str, role: str, call: Call) -> Answer:
        found = self.engine.resources[resource]
        placed = next(p for p in found.operations if p.role == role)
        answer = self.engine.answer(resource, placed, call)
        self.check(placed, answer)
        return answer

    def check(self, placed: Placed, answer: Answer) -> None:
        operation = self.document.resolve(self.document.spec["paths"][placed.path])[
            placed.method.lower()
        ]
        responses = operation.get("responses") or {}
        declared = responses.get(str(answer.status), responses.get(answer.status))
        if answer.media_type == PROBLEM:
            assert answer.status == 404 and answer.body["status"] == 404
            return
        assert declared is not None, (placed, answer.status)
        content = (self.document.resolve(declared).get("content") or {}).items()
        schema = next((m["schema"] for media, m in content if "json" in media), None)
        if schema is None:
            return
        # OpenAPI 3.0's nullable read as the schema means it (a last page's null link).
        validator = Draft7Validator(nullable_widened(inline(self.document, schema)))
        errors = [e.message for e in validator.iter_errors(answer.body)]
        assert errors == [], (placed.operation_id, answer.body)

    def required_query(self, resource: str, subject: dict[str, Any]) -> dict[str, list[str]]:
        """The query parameters a list requires, each the subject's value where it has one
        (an object's id for an object: Asana's ``parent``)."""
        found = self.engine.resources[resource]
        placed = next(p for p in found.operations if p.role == "list")
        operation = next(
            parameters for method, path, _, parameters in self.document.operations()
            if method.upper() == placed.method and path == placed.path
        )  # fmt: skip
        query = {}
        for parameter in operation:
            if parameter.get("in") != "query" or not parameter.get("required"):
                continue
            value = subject.get(parameter["name"])
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = next((value[k] for k in ("gid", "id", "_id") if k in value), None)
            query[parameter["name"]] = [str(value if value is not None else "1")]
        return query

    def is_not_found(self, answer: Answer) -> bool:
        return answer.status == 404 and answer.media_type == PROBLEM

    def new_body(self, resource: str, role: str = "create") -> dict[str, Any] | None:
        """A body for ``role``, generated from the schema the document gives it (None where
        it declares none: Intercom's PUT /companies/{id})."""
        found = self.engine.resources[resource]
        placed = next(p for p in found.operations if p.role == role)
        item = self.document.resolve(self.document.spec["paths"][placed.path])
        operation = item[placed.method.lower()]
        schema = _body_schema(self.document, operation)
        if schema is None:
            return None
        # Another seed for an update than for a create: an update must change something.
        body = seed_records(self.document, found, schema, 1, seed=99 if role == "create" else 5)[0]
        key = found.id_field or "id"
        required = self.document.resolve(schema).get("required") or []
        if set(_properties(self.document, schema)) != {key} and key not in required:
            body.pop(key, None)  # seed_records gives every record its id
        return body


def records_of(engine: Engine, resource: str, body: Any) -> list[Any]:
    """The records in a list answer, along the model's envelope."""
    envelope = engine.resources[resource].list_envelope
    path = envelope.path if envelope else "[]"
    array_path, _, inside = path.partition("[]")
    node = body
    for key in [k for k in array_path.split(".") if k]:
        node = node[key]
    found = []
    for item in node:
        for key in [k for k in inside.split(".") if k]:
            item = item[key]
        found.append(item)
    return found


def page_query(served: Served, resource: str, page: int, size: int) -> dict[str, list[str]]:
    paging = served.engine.resources[resource].paging
    names = list(paging.parameters)
    if paging.style in ("page_size", "json_api"):
        query = {names[0]: [str(page)]}
        if len(names) > 1:
            query[names[1]] = [str(size)]
        return query
    if paging.style == "offset_limit":
        return {names[0]: [str((page - 1) * size)], names[1]: [str(size)]}
    return {}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_round_trip_agrees_with_the_model(name: str) -> None:
    assert round_trip(Served(name)) >= 1


def round_trip(served: Served) -> int:
    """Create, get, list (a filter, two pages), update, delete and get 404 on every resource
    with an item; the resources tripped."""
    tripped = 0
    for resource in served.model.resources:
        roles = {p.role for p in resource.operations}
        if "get" not in roles:
            continue
        scope = {}
        if resource.parent:
            parent = served.engine.resources[resource.parent]
            listed = served.call(
                resource.parent, "list", Call(query=served.required_query(resource.parent, {}))
            )
            first = records_of(served.engine, resource.parent, listed.body)[0]
            scope = {resource.parent_parameter: str(first[parent.id_field])}
        collection = f"{served.api}:{resource.name}"
        in_scope = scope.get(resource.parent_parameter or "")
        key_field = resource.id_field or "id"
        if "create" in roles:
            body = served.new_body(resource.name)
            created = served.call(resource.name, "create", Call(path_params=scope, body=body))
            assert created.status in (200, 201)
            total = served.engine.store.query(collection, scope=in_scope)[1]
            assert total == SEEDED + 1  # the seeded ones and this one
        subject = served.engine.store.query(collection, scope=in_scope)[0][-1]
        key = str(subject[key_field])
        item = {**scope, resource.id_parameter: key}
        got = served.call(resource.name, "get", Call(path_params=item))
        assert got.status == 200
        if "list" in roles:
            # Asana's lists require a query parameter (?parent=, ?workspace=): the subject's.
            needed = served.required_query(resource.name, subject)
            listed = served.call(resource.name, "list", Call(path_params=scope, query=needed))
            assert records_of(served.engine, resource.name, listed.body)
            for filtered in resource.filters[:1]:
                value = subject.get(filtered)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    query = {**needed, filtered: [str(value)]}
                    answer = served.call(
                        resource.name, "list", Call(path_params=scope, query=query)
                    )
                    found = records_of(served.engine, resource.name, answer.body)
                    assert found and all(str(r.get(filtered)) == str(value) for r in found)
            if resource.paging.style in ("page_size", "json_api", "offset_limit"):
                pages = [{**needed, **page_query(served, resource.name, n, 5)} for n in (1, 2)]
                one = served.call(resource.name, "list", Call(path_params=scope, query=pages[0]))
                two = served.call(resource.name, "list", Call(path_params=scope, query=pages[1]))
                first_page = records_of(served.engine, resource.name, one.body)
                second_page = records_of(served.engine, resource.name, two.body)
                assert len(first_page) == 5 and second_page and first_page != second_page
        if "merge" in roles or "replace" in roles:
            role = "merge" if "merge" in roles else "replace"
            changed = served.new_body(resource.name, role)
            answer = served.call(resource.name, role, Call(path_params=item, body=changed))
            assert answer.status == 200
            stored = served.engine.store.get(collection, key, scope=in_scope)
            given = changed or {}
            if len(given) == 1 and isinstance(given.get("data"), dict):
                # JSON:API's data.attributes, or a record wrapped in data (Asana's)
                given = given["data"].get("attributes", given["data"])
            # Each field the record's schema accepts is stored as given (one the request types
            # otherwise, as Intercom's do, is stored as the record types it).
            fields = _properties(served.document, served.engine.schemas[resource.name])
            for k, v in given.items():
                read_only = served.document.resolve(fields.get(k, {})).get("readOnly")
                if (
                    k != key_field
                    and k in fields
                    and fits(served.document, fields[k], v)
                    and (not read_only)
                ):
                    assert stored[k] == v or str(stored[k]) == str(v), (k, v, stored[k])
            assert str(stored[key_field]) == key
        if "delete" in roles:
            gone = served.call(resource.name, "delete", Call(path_params=item))
            assert gone.status in (200, 204)
            missing = served.call(resource.name, "get", Call(path_params=item))
            assert served.is_not_found(missing)
        tripped += 1
    return tripped


def test_a_sort_and_a_search_on_contacts() -> None:
    served = Served("contacts-crm.yaml")
    query = {"sort_by": ["name"], "order": ["desc"], "per_page": ["30"]}
    listed = served.call("contacts", "list", Call(query=query))
    names = [r["name"] for r in records_of(served.engine, "contacts", listed.body)]
    assert names == sorted(names, reverse=True) and len(names) == 30
    assert listed.body["meta"]["total"] == 30
    word = names[0].split()[0]
    searched = served.call("contacts", "list", Call(query={"q": [word]}))
    found = records_of(served.engine, "contacts", searched.body)
    assert found and all(word.casefold() in str(r).casefold() for r in found)


def test_a_cursor_pages_through_every_deal_once() -> None:
    served = Served("deals-cursor.json")
    seen, cursor = [], None
    for _ in range(10):
        query = {"limit": ["7"], **({"after": [cursor]} if cursor else {})}
        answer = served.call("deals", "list", Call(query=query))
        seen += [r["_id"] for r in records_of(served.engine, "deals", answer.body)]
        cursor = answer.body.get("paging", {}).get("next", {}).get("after")
        if not cursor:
            break
    assert len(seen) == 30 and len(set(seen)) == 30


def test_a_nested_resource_answers_404_for_a_parent_that_does_not_exist() -> None:
    served = Served("contacts-crm.yaml")
    answer = served.call("notes", "list", Call(path_params={"contactId": "999999"}))
    assert answer.status == 404 and answer.media_type == PROBLEM
