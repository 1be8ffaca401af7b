"""The engine's answers: each placed operation of a resource model served from the store.

A request comes in as a ``Call`` (path parameters, query, body: the document's own names) and
goes out as an ``Answer`` (status, body). What is created is read back, listed, filtered,
searched, sorted, paged, updated (PUT replaces, PATCH merges: JSON Merge Patch, or JSON:API's
``data.attributes``) and deleted (then 404); a nested resource lives in its parent's scope and
answers 404 when the parent does not exist. Answers are built along the model's envelope paths,
the envelope's other required fields filled from its schema. Errors are
``application/problem+json`` (``profile.py`` renders them in the document's own shapes).

``profile.py`` mounts it (``serve --spec``); the tests also drive it directly and validate
every answer against the document.
"""

from __future__ import annotations

import base64
import functools
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from mockserver.engine.conventions import (
    EnvelopeField,
    ListEnvelope,
    Page,
    QueryFilter,
    Role,
    Window,
    filter_conditions,
    numbered_links,
    set_at,
    window_links,
)
from mockserver.engine.document import Document
from mockserver.engine.ids import object_id, seeded_uuid
from mockserver.engine.model import (
    ApiModel,
    Envelope,
    Placed,
    Resource,
    _at,
    _properties,
    _success_schema,
    record_schema,
)
from mockserver.engine.seed import fits, patterned_id, seed_records, value_for
from mockserver.store import Store, Where, fresh_id

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Call:
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    url: str | None = None
    """The request's URL, for the links to other pages (None: one is made of the path)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    media_type: str = "application/json"


class Engine:
    """The model of one document served from ``store`` (collections ``<api>:<resource>``)."""

    def __init__(self, document: Document, model: ApiModel, store: Store, *, api: str) -> None:
        self.document = document
        self.model = model
        self.store = store
        self.api = api
        self.resources = {r.name: r for r in model.resources}
        self.schemas = {r.name: record_schema(document, r) for r in model.resources}
        self._answers_records: set[str] = set()
        self._response_schemas: dict[str, Any] = {}
        self._answered: dict[str, dict[str, Any]] = {}
        self._write_only: dict[str, frozenset[str]] = {}
        self._list_envelopes: dict[str, ListEnvelope] = {}
        self._query_filters: dict[str, tuple[QueryFilter, ...]] = {}
        """Operations whose answer, built along the envelope, fits the document's schema."""
        self.seed_value = 1
        """The ``--seed``: ids made for new records follow from it and their number."""

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, count: int, seed: int) -> dict[str, int]:
        """``count`` records a top-level resource; a nested one gets ``count`` in the scope
        of each of its parent's first three records. The records made, by resource."""
        self.seed_value = seed
        made: dict[str, int] = {}
        for resource in self.model.resources:
            if resource.parent_parameter and resource.parent is None:
                scopes: list[str | None] = []  # scoped by a parameter with no resource: none
            elif resource.parent:
                parent = self.resources[resource.parent]
                parents, _ = self.store.query(self._collection(parent), limit=3)
                scopes = [str(p.get(parent.id_field or "id")) for p in parents]
            else:
                scopes = [None]
            for index, scope in enumerate(scopes):
                schema = self.schemas[resource.name]
                records = seed_records(self.document, resource, schema, count, seed + index)
                made[resource.name] = made.get(resource.name, 0) + len(records)
                for record in records:
                    if resource.soft_delete is not None:
                        record[resource.soft_delete.field] = resource.soft_delete.live
                    key = str(record.get(resource.id_field or "id", ""))
                    self.store.put(self._collection(resource), key, record, scope=scope)
                if resource.id_style in ("integer", "digits"):
                    for _ in records:
                        self.store.next_sequence(self._sequence(resource, scope))
        return made

    # -- answering -------------------------------------------------------------------------

    def answer(self, resource_name: str, placed: Placed, call: Call) -> Answer:
        answer = self._answer(resource_name, placed, call)
        if answer.media_type == PROBLEM or answer.body is None:
            return answer
        return Answer(answer.status, self._conforming(placed, answer.body), answer.media_type)

    def _conforming(self, placed: Placed, body: Any) -> Any:
        """``body``, or, where the document declares another shape for this answer than the
        record's (Intercom's create conversation answers a message), a body of that shape
        holding what of the record fits it: answers always follow the document."""
        if placed.operation_id in self._answers_records:
            return body
        schema = self._response_schema(placed)
        if schema is None or fits(self.document, schema, body):
            # The answers of this operation are built from records the same way each time:
            # validating every one (a whole page, 97% of a list's cost) tells nothing new.
            # Response validation, in the tests, still checks each answer.
            self._answers_records.add(placed.operation_id)
            return body
        shaped = value_for(self.document, schema, "", seed=0)
        if isinstance(shaped, dict) and isinstance(body, dict):
            properties = _properties(self.document, schema)
            for key, value in body.items():
                if key in properties and fits(self.document, properties[key], value):
                    shaped[key] = value
        return shaped if fits(self.document, schema, shaped) else body

    def _answer(self, resource_name: str, placed: Placed, call: Call) -> Answer:
        resource = self.resources[resource_name]
        scope = None
        if resource.parent_parameter:
            scope = call.path_params.get(resource.parent_parameter)
            if resource.parent and not self._exists(self.resources[resource.parent], scope):
                return _problem(404, f"no {resource.parent} {scope}")
        role = placed.role
        if role == "list":
            return self._list(resource, placed, call, scope)
        if role == "create":
            return self._create(resource, placed, call, scope)
        key = call.path_params.get(resource.id_parameter or "", "")
        current = self.store.get(self._collection(resource), key, scope=scope)
        soft = resource.soft_delete
        if current is None or (
            soft is not None
            and soft.is_deleted(current)
            and not (soft.still_found and role == "get")
        ):
            return _problem(404, f"no {resource.name} {key}")
        if role == "get":
            return Answer(placed.status, self._item_body(resource, placed, current))
        if role == "delete":
            if soft is not None:
                self.store.update(self._collection(resource), key, soft.marking(), scope=scope)
            else:
                self.store.delete(self._collection(resource), key, scope=scope)
            return Answer(placed.status, None if placed.status == 204 else {})
        changes = self._as_recorded(resource, _attributes(call.body, self._properties(resource)))
        if role == "replace":
            kept = {k: v for k, v in current.items() if self._read_only(resource, k)}
            record = {**changes, **kept}
            # What the record must hold and the new one does not give stays as it was (a
            # server-set date_created the document does not mark readOnly: Twilio's).
            for name in _required(self.document, self.schemas[resource.name]):
                if name not in record and name in current:
                    record[name] = current[name]
        else:
            record = dict(current)
            for name, value in changes.items():
                if value is None:
                    record.pop(name, None)  # JSON Merge Patch: null removes
                else:
                    record[name] = value
            record[resource.id_field or "id"] = current.get(resource.id_field or "id")
        self._touch(resource, record, created=False)
        self.store.put(self._collection(resource), key, record, scope=scope)
        return Answer(placed.status, self._item_body(resource, placed, record))

    def _list(self, resource: Resource, placed: Placed, call: Call, scope: str | None) -> Answer:
        filters = self._filters(resource)
        where = filter_conditions(filters, {
            f.parameter: values if f.op == "in" else values[0]
            for f in filters
            if (values := call.query.get(f.parameter))
        })  # fmt: skip
        if resource.search and call.query.get(resource.search):
            fields = _properties(self.document, self.schemas[resource.name])
            strings = tuple(
                name
                for name, schema in fields.items()
                if self.document.resolve(schema).get("type") == "string"
            )
            where.append(Where(strings, "text", call.query[resource.search][0]))
        if resource.soft_delete is not None:
            where.append(resource.soft_delete.listed)
        order = self._order(resource, call)
        offset, size = self._window(resource, call)
        records, total = self.store.query(
            self._collection(resource), where=where, order=order, offset=offset, limit=size,
            scope=scope,
        )  # fmt: skip
        return Answer(
            placed.status,
            self._list_body(resource, placed, call, records, total, offset, size),
        )

    def _create(self, resource: Resource, placed: Placed, call: Call, scope: str | None) -> Answer:
        record = self._as_recorded(resource, _attributes(call.body, self._properties(resource)))
        key_field = resource.id_field or "id"
        record[key_field] = self._new_id(resource, scope)
        if resource.soft_delete is not None:
            # Live unless the client says otherwise.
            record.setdefault(resource.soft_delete.field, resource.soft_delete.live)
        self._touch(resource, record, created=True)
        # Server-set fields the schema requires and the body could not give (readOnly ones).
        schema = self.schemas[resource.name]
        required = _required(self.document, schema)
        missing = [name for name in required if name not in record]
        if missing:
            filler = seed_records(self.document, resource, schema, 1, len(record))[0]
            record.update({name: filler[name] for name in missing if name in filler})
        self.store.put(self._collection(resource), str(record[key_field]), record, scope=scope)
        return Answer(placed.status, self._item_body(resource, placed, record))

    # -- bodies ----------------------------------------------------------------------------

    def _list_body(
        self, resource: Resource, placed: Placed, call: Call, records: list[Any], total: int,
        offset: int, size: int | None,
    ) -> Any:  # fmt: skip
        schema = self._response_schema(placed)
        path = resource.list_envelope.path if resource.list_envelope else "[]"
        items = [self._placed_record(resource, record, path) for record in records]
        if not path.partition("[]")[0]:
            return items  # the answer is the bare array: no page facts to give
        following = offset + len(records)
        return self._list_envelope(resource, placed).answer(
            items, total=total, offset=offset, size=size or len(records),
            number=offset // size + 1 if size else 1,
            links=self._links(resource, placed, call, total, offset, size),
            cursor=_cursor(following) if following < total else None,
            body=_skeleton(self.document, schema),
        )  # fmt: skip

    def _list_envelope(self, resource: Resource, placed: Placed) -> ListEnvelope:
        """Where this list answer puts its items, its count and its page's facts (as the
        model found them in the document)."""
        if placed.operation_id not in self._list_envelopes:
            envelope = resource.list_envelope or Envelope("[]")
            schema = self._response_schema(placed)
            fields = [EnvelopeField(envelope.path.partition("[]")[0], "items")]
            fields += [EnvelopeField(where, "total") for where in envelope.totals]
            for where in envelope.pages:
                last = where.rsplit(".", 1)[-1]
                role = _PAGE_ROLES.get(last) or _LINK_ROLES.get(last, "next")
                fields.append(EnvelopeField(where, role, self._nullable_at(schema, where)))
            self._list_envelopes[placed.operation_id] = ListEnvelope(tuple(fields))
        return self._list_envelopes[placed.operation_id]

    def _nullable_at(self, schema: Any, where: str) -> bool:
        """Whether the field at ``where`` (dotted) of ``schema`` may be null."""
        field_schema = _at(self.document, schema, where)
        if not isinstance(field_schema, dict):
            return False
        kind = field_schema.get("type")
        return field_schema.get("nullable") is True or (isinstance(kind, list) and "null" in kind)

    def _links(
        self, resource: Resource, placed: Placed, call: Call, total: int, offset: int,
        size: int | None,
    ) -> dict[str, str] | None:  # fmt: skip
        """The URLs of the pages beside this one (``self``, ``first``, ``last``, ``prev``,
        ``next``), by the conventions of the resource's paging; None for cursor paging, whose
        next page is a cursor, or none."""
        url = call.url or self._url_of(placed, call)
        paging = resource.paging
        size_name = _size_name(paging)
        if not size or not size_name or paging.style not in _LINKED_PAGING:
            return {"self": url} if resource.paging.style != "cursor" else None
        base, _, _ = url.partition("?")
        if paging.style == "offset_limit":
            previous, following = window_links(
                url, Window(offset, size), total, offset=paging.parameters[0], limit=size_name
            )
            found = {"self": url, "prev": previous, "next": following}
            return {role: link for role, link in found.items() if link is not None}
        number = paging.parameters[0]
        kept = [
            (name, value)
            for name, values in call.query.items()
            if name not in (number, size_name)
            for value in values
        ]
        page = Page(offset // size + 1, size, first=1)
        return numbered_links(base, page, total, number=number, size=size_name, kept=kept)

    def _url_of(self, placed: Placed, call: Call) -> str:
        """The URL a request for ``call`` would have had (the engine answering directly)."""
        path = re.sub(r"\{([^}]+)\}", lambda m: call.path_params.get(m.group(1), ""), placed.path)
        query = urlencode([(k, v) for k, values in call.query.items() for v in values])
        return f"{self.model.base_path.rstrip('/')}{path}" + (f"?{query}" if query else "")

    def _shown(self, resource: Resource, record: Any) -> Any:
        """``record`` as answered: without its ``writeOnly`` fields (a password is kept, never
        given back)."""
        if resource.name not in self._write_only:
            self._write_only[resource.name] = frozenset(
                name
                for name, field in self._answered_properties(resource).items()
                if self.document.resolve(field).get("writeOnly")
            )
        hidden = self._write_only[resource.name]
        if not hidden or not isinstance(record, dict):
            return record
        return {key: value for key, value in record.items() if key not in hidden}

    def _placed_record(self, resource: Resource, record: Any, path: str) -> Any:
        record = self._shown(resource, record)
        inside = path.partition("[]")[2].lstrip(".")
        if not inside:
            return record
        if inside == "attributes":
            key = resource.id_field or "id"
            attributes = {k: v for k, v in record.items() if k != key}
            return {"id": str(record.get(key)), "type": resource.name, "attributes": attributes}
        wrapped: dict[str, Any] = {}
        set_at(wrapped, inside, record)
        return wrapped

    def _item_body(self, resource: Resource, placed: Placed, record: Any) -> Any:
        record = self._shown(resource, record)
        envelope = resource.item_envelope
        path = envelope.path if envelope else ""
        schema = self._response_schema(placed)
        first = path.split(".", 1)[0]
        if path and schema is not None and first not in _properties(self.document, schema):
            # This answer is not enveloped as the get's is (a create answering the bare
            # record where the get answers {ticket: ...}): the record is the body.
            path = ""
        if not path:
            return self._completed(record, schema) if schema is not None else record
        if path == "data.attributes":
            key = resource.id_field or "id"
            attributes = {k: v for k, v in record.items() if k != key}
            return {"data": {"id": str(record.get(key)), "type": resource.name,
                             "attributes": attributes}}  # fmt: skip
        body = _skeleton(self.document, schema)
        set_at(body, path, self._completed(record, _at(self.document, schema, path)))
        return body

    def _completed(self, record: Any, schema: Any) -> Any:
        """``record`` with each field ``schema`` requires and it lacks: an answer may require
        more than the list answer the record was seeded from (Asana's compact records)."""
        if not isinstance(record, dict) or not isinstance(schema, dict):
            return record
        required = _required(self.document, schema)
        properties = _properties(self.document, schema)
        missing = sorted(name for name in required if name not in record and name in properties)
        if not missing:
            return record
        completed = dict(record)
        for name in missing:
            completed[name] = value_for(self.document, properties[name], name, seed=len(record))
        return completed

    def _response_schema(self, placed: Placed) -> Any:
        if placed.operation_id not in self._response_schemas:
            paths = self.document.spec.get("paths") or {}
            item = self.document.resolve(paths.get(placed.path, {}))
            operation = item.get(placed.method.lower(), {}) if isinstance(item, dict) else {}
            self._response_schemas[placed.operation_id] = _success_schema(self.document, operation)
        return self._response_schemas[placed.operation_id]

    # -- helpers ---------------------------------------------------------------------------

    def _collection(self, resource: Resource) -> str:
        return f"{self.api}:{resource.name}"

    def _sequence(self, resource: Resource, scope: str | None) -> str:
        return f"{self.api}:{resource.name}:{scope or ''}"

    def _exists(self, resource: Resource, key: str | None) -> bool:
        if key is None:
            return False
        scope = None  # a parent scoped by its own parent is not looked up through that scope
        return self.store.get(self._collection(resource), key, scope=scope) is not None

    def _new_id(self, resource: Resource, scope: str | None) -> Any:
        if resource.id_style in ("integer", "digits"):
            sequence, collection = self._sequence(resource, scope), self._collection(resource)
            number = fresh_id(self.store, sequence, collection, scope=scope)
            return number if resource.id_style == "integer" else str(number)
        # The same --seed makes the same ids: the nth new record's follows from the seed and n.
        number = self.store.next_sequence(self._sequence(resource, scope))
        seed_text = f"{self.seed_value}:{self.api}:{resource.name}:{scope}:{number}"
        if resource.id_style == "objectid":
            return object_id(seed_text)
        made = seeded_uuid(seed_text)
        if resource.id_style == "uuid":
            return str(made)
        field = self._answered_properties(resource).get(resource.id_field or "id")
        pattern = self.document.resolve(field).get("pattern") if field else None
        if pattern:
            fitting = patterned_id(str(pattern), number, random.Random(made.bytes))
            if fitting is not None:
                return fitting
        return f"{resource.name[:3] or 'id'}{made.hex[:12]}"

    def _as_recorded(self, resource: Resource, fields: dict[str, Any]) -> dict[str, Any]:
        """``fields`` of a request as the record's schema types them: a document may type a
        field one way in its request and another in its answer (Intercom's ``parent_id``, a
        string sent and an integer answered); the answer is what the record says."""
        properties = self._answered_properties(resource)
        recorded = {}
        for name, value in fields.items():
            if self.document.resolve(properties.get(name, {})).get("readOnly"):
                continue  # the server's to set: a client's value for it is not kept
            kind = self.document.resolve(properties.get(name, {})).get("type")
            if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
                value = int(value)
            elif kind == "string" and type(value) in (int, float):
                value = str(value)
            schema = properties.get(name)
            if schema is not None and not fits(self.document, schema, value):
                # Typed otherwise beyond conversion (Intercom's ``plan``: a string sent, an
                # object answered): a value the answer's schema accepts, holding the id sent
                # where it has an id (Asana's ``parent``: a gid sent, {gid, name...} answered).
                value = self._by_id(schema, name, value, seed=len(recorded))
            recorded[name] = value
        return recorded

    def _answered_properties(self, resource: Resource) -> dict[str, Any]:
        """The fields a record of ``resource`` has in any of its answers: the list's record,
        and the record each item answer declares (Asana's are fuller than its lists')."""
        if resource.name not in self._answered:
            found = dict(_properties(self.document, self.schemas[resource.name]))
            envelope = resource.item_envelope.path if resource.item_envelope else ""
            for placed in resource.operations:
                if placed.role in ("list", "delete") or envelope == "data.attributes":
                    continue
                schema = self._response_schema(placed)
                first = envelope.split(".", 1)[0]
                if schema is None:
                    continue
                if envelope and first in _properties(self.document, schema):
                    schema = _at(self.document, schema, envelope)
                for name, field in _properties(self.document, schema).items():
                    found.setdefault(name, field)
            self._answered[resource.name] = found
        return self._answered[resource.name]

    def _by_id(self, schema: Any, name: str, given: Any, seed: int) -> Any:
        """A value of ``schema`` for one that does not fit it: an object (or a list of them)
        holding the id sent where it has an id (Asana's ``parent``: a gid sent, ``{gid,
        name...}`` answered; ``followers``: gids sent, users answered); else any value."""
        resolved = self.document.resolve(schema)
        key = _id_key(self.document, schema)
        if key and resolved.get("type") == "array" and isinstance(given, list):
            items = resolved.get("items", {})
            return [self._by_id(items, name, one, seed + n) for n, one in enumerate(given)]
        value = value_for(self.document, schema, name, seed=seed)
        if key and isinstance(value, dict) and isinstance(given, str | int):
            field = _properties(self.document, schema)[key]
            value[key] = given if fits(self.document, field, given) else str(given)
        return value

    def _properties(self, resource: Resource) -> dict[str, Any]:
        return _properties(self.document, self.schemas[resource.name])

    def _read_only(self, resource: Resource, name: str) -> bool:
        if name == (resource.id_field or "id"):
            return True
        schema = _properties(self.document, self.schemas[resource.name]).get(name)
        return bool(self.document.resolve(schema or {}).get("readOnly"))

    def _touch(self, resource: Resource, record: dict[str, Any], *, created: bool) -> None:
        moment = datetime.now(UTC).replace(microsecond=0)
        for name, schema in _properties(self.document, self.schemas[resource.name]).items():
            lowered = name.lower().replace("_", "")
            if lowered in ("updatedat", "modifiedat", "updated", "modified", "dateupdated") or (
                created and lowered in ("createdat", "created", "addedat", "datecreated")
            ):
                # As the field is written: Intercom's are Unix seconds, most are ISO 8601.
                kind = self.document.resolve(schema).get("type")
                if kind == "integer":
                    record[name] = int(moment.timestamp())
                elif kind == "number":
                    record[name] = moment.timestamp()
                elif self.document.resolve(schema).get("format") == "date":
                    record[name] = moment.date().isoformat()
                else:
                    record[name] = moment.isoformat().replace("+00:00", "Z")

    def _filters(self, resource: Resource) -> tuple[QueryFilter, ...]:
        """The resource's filter parameters: a list of values (``?status=a,b``), an object
        (or a list of them) named by its id (Asana's ``?parent=<gid>``), or a field's value."""
        if resource.name not in self._query_filters:
            filters = []
            for name in resource.filters:
                if name in resource.any_of_filters:
                    filters.append(QueryFilter(name, name, "in"))
                elif key := _id_key(self.document, self._properties(resource).get(name)):
                    typed_id = functools.partial(self._typed_id, resource, name, key)
                    filters.append(QueryFilter(name, f"{name}.{key}", "any", typed_id))
                else:
                    typed = functools.partial(self._typed, resource, name)
                    filters.append(QueryFilter(name, name, "eq", typed))
            self._query_filters[resource.name] = tuple(filters)
        return self._query_filters[resource.name]

    def _typed(self, resource: Resource, name: str, text: str) -> Any:
        schema = self.document.resolve(
            _properties(self.document, self.schemas[resource.name]).get(name, {})
        )
        kind = schema.get("type") if isinstance(schema, dict) else None
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text)
        except ValueError:
            return text
        if kind == "boolean":
            return text.lower() in ("true", "1")
        return text

    def _typed_id(self, resource: Resource, name: str, key: str, text: str) -> Any:
        schema = self.document.resolve(self._properties(resource).get(name))
        if schema.get("type") == "array":
            schema = self.document.resolve(schema.get("items", {}))
        kind = self.document.resolve(_properties(self.document, schema).get(key, {})).get("type")
        return int(text) if kind == "integer" and text.lstrip("-").isdigit() else text

    def _order(self, resource: Resource, call: Call) -> list[tuple[str, int]]:
        sorting = resource.sorting
        wanted = (call.query.get(sorting.parameter or "") or [None])[0]
        if not wanted:
            return []
        direction = 1
        if sorting.direction_parameter:
            said = (call.query.get(sorting.direction_parameter) or ["asc"])[0].lower()
            direction = -1 if said in ("desc", "descending", "-1") else 1
        elif wanted.startswith("-"):
            wanted, direction = wanted[1:], -1
        elif ":" in wanted:
            wanted, _, said = wanted.partition(":")
            direction = -1 if said.lower() == "desc" else 1
        return [(wanted, direction)]

    def _window(self, resource: Resource, call: Call) -> tuple[int, int | None]:
        paging = resource.paging
        parameters = list(paging.parameters)
        size_name = _size_name(paging)
        size = paging.size_default or 20
        if size_name and call.query.get(size_name):
            size = int(call.query[size_name][0])
        if paging.size_maximum:
            size = min(size, paging.size_maximum)
        if paging.style in ("page_size", "json_api"):
            page_name = parameters[0]
            # Pages count from 1 (a page 0 is the first too).
            page = int((call.query.get(page_name) or ["1"])[0])
            return max(0, page - 1) * size, size
        if paging.style == "offset_limit":
            return int((call.query.get(parameters[0]) or ["0"])[0]), size
        if paging.style == "cursor":
            cursor = (call.query.get(parameters[0]) or [None])[0]
            return (_offset(cursor) if cursor else 0), size
        if paging.style == "limit":
            return 0, size
        return 0, None


_PAGE_ROLES: dict[str, Role] = {"page": "page", "per_page": "size", "has_more": "has_more",
                                "hasMore": "has_more"}  # fmt: skip
"""A paging field's name, and which fact of the page it gives."""
_LINK_ROLES: dict[str, Role] = {"self": "self", "first": "first", "last": "last", "prev": "prev",
               "previous": "prev", "next": "next"}  # fmt: skip
"""A paging field's name, and which page's URL it gives."""
_LINKED_PAGING = ("page_size", "json_api", "offset_limit")


def _size_name(paging: Any) -> str | None:
    """The query parameter that sets a page's size."""
    return next(
        (p for p in paging.parameters if p not in ("page", "page[number]")
         and p not in ("offset", "skip", "start") and p != _cursor_name(paging)),
        None,
    )  # fmt: skip


def _cursor_name(paging: Any) -> str | None:
    return paging.parameters[0] if paging.style == "cursor" and paging.parameters else None


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(text.removeprefix("o:")))
    except (ValueError, UnicodeDecodeError):
        return 0


def _attributes(body: Any, properties: dict[str, Any]) -> dict[str, Any]:
    """The fields a create or update gives: the body; JSON:API's ``data.attributes``; or the
    object a body of one key wraps them in when the record has no field of that name (Asana's
    ``{"data": {...}}``, ``{"contact": {...}}``)."""
    if not isinstance(body, dict):
        return {}
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
        return dict(data["attributes"])
    if len(body) == 1:
        ((key, inner),) = body.items()
        if isinstance(inner, dict) and key not in properties:
            return dict(inner)
    return dict(body)


_ID_KEYS = ("gid", "id", "_id", "uuid")


def _id_key(document: Document, schema: Any) -> str | None:
    """The id field of an object schema (or of an array's items): ``gid``, ``id``..."""
    resolved = document.resolve(schema) if schema is not None else None
    if not isinstance(resolved, dict):
        return None
    if resolved.get("type") == "array":
        resolved = document.resolve(resolved.get("items", {}))
    properties = _properties(document, resolved) if isinstance(resolved, dict) else {}
    if not properties or resolved.get("type") not in ("object", None):
        return None
    return next((key for key in _ID_KEYS if key in properties), None)


def _required(document: Document, schema: Any, depth: int = 0) -> dict[str, None]:
    """The fields ``schema`` requires, through ``allOf`` (nested as Asana's are), in the
    document's order: an answer's fields come in the same order in every process (a set's
    order follows the interpreter's string hashing, which varies from run to run)."""
    resolved = document.resolve(schema)
    if not isinstance(resolved, dict) or depth > 16:
        return {}
    required = dict.fromkeys(resolved.get("required") or [])
    for part in resolved.get("allOf") or []:
        required.update(_required(document, part, depth + 1))
    return required


def _skeleton(document: Document, schema: Any, depth: int = 0) -> Any:
    """An answer's required fields, empty of their kind, for the engine to fill."""
    schema = document.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if schema.get("type") == "array":
        return []
    body: dict[str, Any] = {}
    properties = _properties(document, schema)
    required = dict.fromkeys(schema.get("required") or [])
    for part in schema.get("allOf") or []:
        required.update(dict.fromkeys(document.resolve(part).get("required") or []))
    for name in required:
        child = document.resolve(properties.get(name, {}))
        kind = child.get("type") if isinstance(child, dict) else None
        if kind == "array":
            body[name] = []
        elif kind in ("integer", "number"):
            body[name] = 0
        elif kind == "boolean":
            body[name] = False
        elif kind == "string":
            body[name] = child.get("enum", [""])[0]
        else:
            body[name] = _skeleton(document, child, depth + 1)
    return body


def _problem(status: int, detail: str) -> Answer:
    titles = {404: "Not Found", 400: "Bad Request"}
    body = {"type": "about:blank", "title": titles.get(status, "Error"), "status": status,
            "detail": detail}  # fmt: skip
    return Answer(status, body, PROBLEM)
