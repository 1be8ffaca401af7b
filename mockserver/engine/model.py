"""The resource model of a document: which paths are collections and items of which resource,
where the record sits in each answer, how ids are made, how lists page, filter and sort, and
which operations could not be placed (and why). Inferred by structure first (an item path is a
collection path and one parameter more), then by the names the field uses; always from the
schemas the operations declare. Data only: ``leadmock inspect`` prints it as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.engine.conventions import SoftDelete
from mockserver.engine.document import Document

_ID_NAMES = ("id", "_id", "gid", "uuid", "key", "slug", "code")
_LIST_KEYS = ("data", "results", "items", "records", "entries", "content", "values", "elements")
_TOTAL_KEYS = (
    "total", "total_count", "totalCount", "count", "total_items", "totalItems",
    "total_results", "totalResults", "totalSize", "total_size",
)  # fmt: skip
_NEXT_KEYS = (
    "next_cursor", "nextCursor", "next", "next_page_token", "nextPageToken", "cursor",
    "after", "continuation", "next_page", "nextPage",
)  # fmt: skip
_LINK_KEYS = ("has_more", "hasMore", "self", "first", "last", "prev", "previous")
"""Beside ``_NEXT_KEYS``, what a paging object (``links``, ``meta``) says of the pages."""
_CURSOR_PARAMETERS = (
    "cursor", "after", "starting_after", "page_token", "pageToken", "next", "continuation",
    "next_cursor", "page_cursor",
)  # fmt: skip
_SIZE_PARAMETERS = ("per_page", "perPage", "limit", "page_size", "pageSize", "size", "count")
_OFFSET_PARAMETERS = ("offset", "skip", "start")
_SEARCH_PARAMETERS = ("q", "search", "query", "term", "keyword", "keywords", "full_text")
_SORT_PARAMETERS = ("sort", "sort_by", "sortBy", "order_by", "orderBy", "sortField", "sort_field")
_DIRECTION_PARAMETERS = ("order", "direction", "sort_order", "sortOrder", "sort_direction", "dir")
_OBJECT_ID = re.compile(r"^\^?\[(0-9a-f|a-f0-9|0-9a-fA-F|a-fA-F0-9)\]\{24\}\$?$")
_PARAMETER = re.compile(r"^\{[^{}/]+\}$")


@dataclass(frozen=True)
class Envelope:
    """Where the record sits in an answer: object keys and ``[]`` for an array step, from the
    body (``data[]``, ``data.contacts[].contact``; empty: the body is the record)."""

    path: str = ""
    totals: tuple[str, ...] = ()
    """Fields beside it that report how many records match (``meta.total``)."""
    pages: tuple[str, ...] = ()
    """Fields beside it that say where the next page is (``next_cursor``, ``links.next``)."""
    id_beside: bool = False
    """JSON:API: the record is ``attributes``, its id beside it in the resource object."""


@dataclass(frozen=True)
class Paging:
    style: str = "none"
    """``page_size``, ``offset_limit``, ``cursor``, ``json_api``, ``link_header`` or ``none``."""
    parameters: tuple[str, ...] = ()
    size_default: int | None = None
    size_maximum: int | None = None
    next_cursor_at: str | None = None
    """Where a cursor answer gives the next cursor (``paging.next.after``)."""


@dataclass(frozen=True)
class Sorting:
    parameter: str | None = None
    direction_parameter: str | None = None
    convention: str | None = None
    """``direction parameter``, ``-field``, ``field:asc`` or None when there is no sort."""


@dataclass(frozen=True)
class Placed:
    """An operation the engine serves from state."""

    role: str
    """``list``, ``create``, ``get``, ``replace``, ``merge`` or ``delete``."""
    method: str
    path: str
    operation_id: str
    status: int


@dataclass(frozen=True)
class Unplaced:
    """An operation answered from the document's examples or schema (``static``), and why."""

    method: str
    path: str
    operation_id: str
    reason: str


@dataclass(frozen=True)
class Resource:
    name: str
    collection_path: str | None
    item_path: str | None
    id_parameter: str | None
    id_field: str | None
    id_style: str
    """``integer``, ``digits`` (a string of them), ``uuid``, ``objectid`` or ``string`` (with
    the field's format or pattern)."""
    parent: str | None = None
    """The resource whose item scopes this one (``/contacts/{id}/notes``: ``contacts``)."""
    parent_parameter: str | None = None
    """The path parameter that scopes the collection (a parent's id, or one with no resource
    of its own: Tiledesk's ``project_id``)."""
    list_envelope: Envelope | None = None
    item_envelope: Envelope | None = None
    paging: Paging = field(default_factory=Paging)
    filters: tuple[str, ...] = ()
    any_of_filters: tuple[str, ...] = ()
    search: str | None = None
    sorting: Sorting = field(default_factory=Sorting)
    operations: tuple[Placed, ...] = ()
    soft_delete: SoftDelete | None = None
    """A delete that marks the record (``x-leadmock`` ``soft_delete``); None: it removes it."""


@dataclass(frozen=True)
class ApiModel:
    title: str
    version: str
    base_path: str
    resources: tuple[Resource, ...]
    static: tuple[Unplaced, ...]
    not_served: tuple[str, ...]
    missing_schemas: tuple[str, ...] = ()
    """``$ref``s to schemas the document does not hold, read as schemas allowing anything."""


def infer_model(document: Document) -> ApiModel:
    """The resource model of ``document``."""
    operations = document.operations()
    by_path: dict[str, dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]] = {}
    for method, path, operation, parameters in operations:
        by_path.setdefault(path, {})[method] = (operation, parameters)
    item_paths = {
        path: parent
        for path in by_path
        if (parent := _collection_of(path)) is not None and _PARAMETER.match(path.rsplit("/", 1)[1])
    }
    collections = {path for path in by_path if not _PARAMETER.match(path.rsplit("/", 1)[-1] or "x")}
    resources: dict[str, Resource] = {}
    placed: set[tuple[str, str]] = set()
    for collection in sorted(collections | set(item_paths.values()), key=_depth):
        items = [item for item, parent in item_paths.items() if parent == collection]
        last = next(
            (s for s in reversed(collection.split("/")) if s and not _PARAMETER.match(s)), ""
        )
        if not items and not _holds_records(document, by_path.get(collection, {}), last):
            continue
        item = items[0] if items else None
        resource = _resource(document, collection, item, by_path, resources)
        if not resource.operations:
            continue
        if any(other.name == resource.name for other in resources.values()):
            # ``/notes`` and ``/contacts/{id}/notes``: a resource's name is unique, the nested
            # one takes its parent's (``contacts.notes``), or its path's words.
            words = [s for s in collection.split("/") if s and not _PARAMETER.match(s)]
            name = f"{resource.parent}.{resource.name}" if resource.parent else ".".join(words)
            taken = {other.name for other in resources.values()}
            # Intercom's /contacts/{id}/companies and /contacts/{contact_id}/companies.
            unique, number = name, 2
            while unique in taken:
                unique, number = f"{name}.{number}", number + 1
            resource = replace(resource, name=unique)
        resources[collection] = resource
        placed.update((p.method, p.path) for p in resource.operations)
    static = tuple(
        Unplaced(
            method.upper(), path, _operation_id(method, path, op), _why(method, path, item_paths)
        )
        for method, path, op, _ in operations
        if (method.upper(), path) not in placed
    )
    return ApiModel(
        title=document.title,
        version=document.version,
        base_path=document.base_path,
        resources=tuple(resources.values()),
        static=static,
        not_served=_not_served(document, operations),
        missing_schemas=tuple(document.missing_schemas()),
    )


def record_schema(document: Document, resource: Resource) -> Any:
    """The schema of one record of ``resource``: inside the list answer, else the item answer,
    else the create body."""
    operations = {placed.role: placed for placed in resource.operations}
    paths = document.spec.get("paths") or {}
    for role, envelope in (("list", resource.list_envelope), ("get", resource.item_envelope)):
        if role in operations and envelope is not None:
            placed = operations[role]
            item = document.resolve(paths.get(placed.path, {}))
            operation = item.get(placed.method.lower(), {}) if isinstance(item, dict) else {}
            schema = _at(document, _success_schema(document, operation), envelope.path)
            if _properties(document, schema):
                return schema
    if "create" in operations:
        placed = operations["create"]
        item = document.resolve(paths.get(placed.path, {}))
        return _body_schema(document, item.get("post", {}))
    return None


def _depth(path: str) -> tuple[int, str]:
    return path.count("/"), path


def _collection_of(path: str) -> str | None:
    head, _, last = path.rstrip("/").rpartition("/")
    return (
        head
        if head and _PARAMETER.match(last) and not _PARAMETER.match(head.rsplit("/", 1)[-1])
        else None
    )


def _holds_records(document: Document, methods: dict[str, Any], name: str) -> bool:
    """A collection with no item path is a resource only if it lists objects: a POST alone
    (``/deals/search``, ``/contacts/{id}/merge``) is an action, answered statically."""
    if "get" not in methods:
        return False
    array = _find_array(document, _success_schema(document, methods["get"][0]), name)
    if array is None:
        return False
    # A view that happens to hold an array (OnePageCRM's ``/bootstrap`` and its ``team``) is
    # not a collection: its array must be the answer, a list key, or named as the path is.
    key = array.removesuffix("[]").rsplit(".", 1)[-1]
    return not name or key in ("", *_LIST_KEYS, name)


def _resource(
    document: Document,
    collection: str,
    item: str | None,
    by_path: dict[str, dict[str, Any]],
    known: dict[str, Resource],
) -> Resource:
    on_collection = by_path.get(collection, {})
    on_item = by_path.get(item, {}) if item else {}
    name = next((s for s in reversed(collection.split("/")) if s and not _PARAMETER.match(s)), "")
    if not name and "get" in on_collection:
        # A list at the root names its records by the key that holds them (``apis[]``).
        array = _find_array(document, _success_schema(document, on_collection["get"][0]))
        name = (array or "").split("[", 1)[0].rsplit(".", 1)[-1] or "records"
    id_parameter = item.rsplit("/", 1)[1][1:-1] if item else None
    list_envelope = record = None
    if "get" in on_collection:
        list_schema = _success_schema(document, on_collection["get"][0])
        found = _find_array(document, list_schema, name)
        if found is not None:
            list_envelope, record = _list_envelope(document, list_schema, found, name)
    item_envelope = None
    if "get" in on_item:
        item_schema = _success_schema(document, on_item["get"][0])
        item_envelope, item_record = _item_envelope(document, item_schema, name, record)
        record = record or item_record
    if record is None and "post" in on_collection:
        record = _body_schema(document, on_collection["post"][0])
    properties = _properties(document, record)
    beside = any(e is not None and e.id_beside for e in (list_envelope, item_envelope))
    # JSON:API: the id is the resource object's, beside the attributes.
    id_field = "id" if beside else _id_field(id_parameter, properties, name)
    parameter_schema = next(
        (document.resolve(p.get("schema", {})) for p in on_item.get("get", (None, []))[1]
         if p.get("in") == "path" and p.get("name") == id_parameter),
        {},
    ) if item else {}  # fmt: skip
    id_schema = document.resolve(properties.get(id_field, parameter_schema)) if id_field else {}
    parent, parent_parameter = _parent(collection, known)
    query = {
        p["name"]: p for p in on_collection.get("get", (None, []))[1] if p.get("in") == "query"
    }
    paging = _paging(document, query, list_envelope)
    sorting = _sorting(query)
    search = next((n for n in _SEARCH_PARAMETERS if n in query), None)
    used = set(paging.parameters) | {search, sorting.parameter, sorting.direction_parameter}
    filters = tuple(n for n in query if n not in used and n in properties)
    any_of = tuple(
        n for n in filters if document.resolve(query[n].get("schema", {})).get("type") == "array"
    )
    return Resource(
        name=name,
        collection_path=collection if on_collection else None,
        item_path=item,
        id_parameter=id_parameter,
        id_field=id_field,
        id_style=_id_style(
            document.resolve(id_schema) if isinstance(id_schema, dict) else {}, parameter_schema
        ),
        parent=parent,
        parent_parameter=parent_parameter,
        list_envelope=list_envelope,
        item_envelope=item_envelope,
        paging=paging,
        filters=filters,
        any_of_filters=any_of,
        search=search,
        sorting=sorting,
        operations=_placed(document, collection, item, on_collection, on_item),
    )


def _placed(
    document: Document, collection: str, item: str | None, on_collection: Any, on_item: Any
) -> tuple[Placed, ...]:
    roles = [("get", collection, "list"), ("post", collection, "create")]
    if item:
        roles += [("get", item, "get"), ("put", item, "replace"), ("patch", item, "merge"),
                  ("delete", item, "delete")]  # fmt: skip
    placed = []
    for method, path, role in roles:
        methods = on_item if path == item else on_collection
        if method not in methods:
            continue
        operation = methods[method][0]
        if role == "create" and _body_schema(document, operation) is None:
            continue
        placed.append(
            Placed(role, method.upper(), path, _operation_id(method, path, operation),
                   _success_status(operation, role))
        )  # fmt: skip
    return tuple(placed)


def _operation_id(method: str, path: str, operation: dict[str, Any]) -> str:
    return str(operation.get("operationId") or f"{method.upper()} {path}")


def _why(method: str, path: str, item_paths: dict[str, str]) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if any(path.startswith(item + "/") for item in item_paths):
        return "an action or sub-path of an item, not a resource the engine can keep"
    if method in ("put", "patch", "delete") and not _PARAMETER.match(last):
        return f"{method.upper()} on a path with no id: no record to {method}"
    if method == "post" and path not in item_paths.values():
        return "a POST with no list or item beside it: an action, not a create"
    return "no collection or item of a resource"


def _not_served(document: Document, operations: list[Any]) -> tuple[str, ...]:
    found = []
    for method, path, operation, _ in operations:
        for name in operation.get("callbacks") or {}:
            found.append(f"callback {name} of {method.upper()} {path}")
        for status, response in (operation.get("responses") or {}).items():
            response = document.resolve(response)
            for name in (response.get("links") or {}) if isinstance(response, dict) else {}:
                found.append(f"link {name} of {method.upper()} {path} {status}")
    for name in document.spec.get("webhooks") or {}:
        found.append(f"webhook {name}")
    return tuple(found)


# -- schemas -------------------------------------------------------------------------------


def _success_schema(document: Document, operation: dict[str, Any]) -> Any:
    responses = operation.get("responses") or {}
    for status in sorted(str(s) for s in responses):
        if status.startswith("2"):
            response = document.resolve(
                responses[status] if status in responses else responses[int(status)]
            )
            return _json_schema(document, response)
    return None


def _success_status(operation: dict[str, Any], role: str) -> int:
    declared = sorted(str(s) for s in (operation.get("responses") or {}) if str(s)[:1] == "2")
    if role == "create" and "201" in declared:
        return 201
    if role == "delete" and "204" in declared:
        return 204
    return int(declared[0]) if declared and declared[0].isdigit() else 200


def _json_schema(document: Document, holder: Any) -> Any:
    if not isinstance(holder, dict):
        return None
    content = holder.get("content") or {}
    for media, body in content.items():
        if "json" in media and isinstance(body, dict) and "schema" in body:
            return document.resolve(body["schema"])
    return None


def _body_schema(document: Document, operation: dict[str, Any]) -> Any:
    body = document.resolve(operation.get("requestBody"))
    schema = _json_schema(document, body)
    return schema if _properties(document, schema) else None


def _properties(document: Document, schema: Any) -> dict[str, Any]:
    """The properties of an object schema, ``allOf`` parts merged."""
    schema = document.resolve(schema)
    if not isinstance(schema, dict):
        return {}
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        found.update(_properties(document, part))
    if not found:
        # A body of alternatives (Intercom's create contact: by role, by email...): any of them.
        for part in [*(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]:
            for key, value in _properties(document, part).items():
                found.setdefault(key, value)
    return found


def _find_array(document: Document, schema: Any, name: str = "") -> str | None:
    """The path to the array of objects in a list answer: ``[]``, ``data[]``, ``data.x[]``."""
    schema = document.resolve(schema)
    if not isinstance(schema, dict):
        return None
    if schema.get("type") == "array" or "items" in schema:
        return "[]" if _properties(document, schema.get("items")) else None
    properties = _properties(document, schema)
    preferred = [k for k in (*_LIST_KEYS, name) if k in properties]
    others = [k for k in properties if k not in preferred]
    # The list keys and the resource's name first, at any depth (OnePageCRM's contacts sit in
    # ``data.contacts`` beside a top-level ``lead_sources`` array), then any other array.
    for keys in (preferred, others):
        for key in keys:
            child = document.resolve(properties[key])
            is_array = isinstance(child, dict) and (
                child.get("type") == "array" or "items" in child
            )
            if is_array and _properties(document, child.get("items")):
                return f"{key}[]"
        for key in keys:
            child = document.resolve(properties[key])
            if isinstance(child, dict) and _properties(document, child):
                inner = _find_array(document, child, name)
                if inner is not None and inner != "[]":
                    return f"{key}.{inner}"
    return None


def _at(document: Document, schema: Any, path: str) -> Any:
    """The schema at ``path`` (``data.items[]``) inside ``schema``."""
    node = document.resolve(schema)
    for step in [s for s in path.split(".") if s]:
        key, is_array = step.removesuffix("[]"), step.endswith("[]")
        if key:
            node = document.resolve(_properties(document, node).get(key))
        if is_array:
            node = document.resolve((node or {}).get("items"))
    return node


def _list_envelope(document: Document, schema: Any, array: str, name: str) -> tuple[Envelope, Any]:
    record = _at(document, schema, array)
    path, id_beside = array, False
    fields = _properties(document, record)
    attributes = document.resolve(fields.get("attributes"))
    if (
        "attributes" in fields
        and ("id" in fields or "type" in fields)
        and _properties(document, attributes)
    ):
        path, record, id_beside = f"{array}.attributes", attributes, True
    elif _singular(name) in fields and _properties(document, fields[_singular(name)]):
        # ``[{contact: {...}, next_actions: [...]}]``: the record beside what comes with it.
        key = _singular(name)
        path, record = f"{array}.{key}", document.resolve(fields[key])
    # Totals and page fields sit beside the array (``data.total_count`` beside ``data.tickets``).
    parent = array.removesuffix("[]").rsplit(".", 1)[0] if "." in array else ""
    totals, pages = _report_fields(document, _at(document, schema, parent))
    if parent:
        totals = tuple(f"{parent}.{t}" for t in totals)
        pages = tuple(f"{parent}.{p}" for p in pages)
    return Envelope(path=path, totals=totals, pages=pages, id_beside=id_beside), record


def _report_fields(document: Document, schema: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    totals, pages = [], []
    properties = _properties(document, schema)
    for key, value in properties.items():
        deeper = [d for d in _properties(document, value) if d in (*_NEXT_KEYS, "offset")]
        if key in _TOTAL_KEYS:
            totals.append(key)
        elif key in _NEXT_KEYS and deeper:
            # Asana's ``next_page: {offset, path, uri}``: the cursor is inside.
            pages += [f"{key}.{d}" for d in deeper]
        elif key in _NEXT_KEYS or key in ("has_more", "hasMore", "page", "per_page", "previous"):
            pages.append(key)
        elif key in ("meta", "pagination", "paging", "links", "page_info", "pageInfo"):
            for inner, inner_value in _properties(document, value).items():
                deeper = [d for d in _properties(document, inner_value) if d in _NEXT_KEYS]
                if inner in _TOTAL_KEYS:
                    totals.append(f"{key}.{inner}")
                elif deeper:
                    # HubSpot's ``paging.next.after``: the cursor is inside ``next``.
                    pages += [f"{key}.{inner}.{d}" for d in deeper]
                elif inner in _NEXT_KEYS or inner in _LINK_KEYS:
                    pages.append(f"{key}.{inner}")
    return tuple(totals), tuple(pages)


def _item_envelope(document: Document, schema: Any, name: str, record: Any) -> tuple[Envelope, Any]:
    fields = _properties(document, schema)
    known = set(_properties(document, record)) if record is not None else set()
    if known and known & set(fields) and len(known & set(fields)) >= min(2, len(known)):
        return Envelope(), schema
    data = document.resolve(fields.get("data"))
    if data is not None and _properties(document, data):
        inner = _properties(document, data)
        attributes = document.resolve(inner.get("attributes"))
        if "attributes" in inner and _properties(document, attributes):
            return Envelope(path="data.attributes", id_beside=True), attributes
        for key in (_singular(name), name):
            # OnePageCRM's ``{data: {action: {...}}}``.
            if len(inner) == 1 and key in inner and _properties(document, inner[key]):
                return Envelope(path=f"data.{key}"), document.resolve(inner[key])
        return Envelope(path="data"), data
    singular = _singular(name)
    for key in (singular, name):
        if key in fields and _properties(document, fields[key]):
            return Envelope(path=key), document.resolve(fields[key])
    return Envelope(), schema


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("ses"):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name


def _id_field(parameter: str | None, properties: dict[str, Any], name: str) -> str | None:
    singular = _singular(name)
    candidates = [parameter, *_ID_NAMES, f"{singular}_id", f"{singular}Id", f"{singular}ID"]
    if parameter:
        for suffix in ("Id", "_id", "ID"):
            if parameter.endswith(suffix) and parameter != suffix:
                candidates.insert(1, "id")
        # ``task_gid`` names the field ``gid``, ``contact_uuid`` the field ``uuid``.
        if "_" in parameter:
            candidates.insert(1, parameter.rsplit("_", 1)[1])
    for candidate in candidates:
        if candidate and candidate in properties:
            return candidate
    return parameter


def _id_style(schema: dict[str, Any], parameter: dict[str, Any] | None = None) -> str:
    if schema.get("type") == "integer":
        return "integer"
    if (parameter or {}).get("type") == "integer":
        # A string field reached by an integer path parameter (Intercom's admins): digits.
        return "digits"
    if schema.get("format") == "uuid":
        return "uuid"
    pattern = str(schema.get("pattern", ""))
    if _OBJECT_ID.match(pattern) or schema.get("format") in ("bson-id", "objectid", "object-id"):
        return "objectid"
    detail = schema.get("format") or (f"pattern {pattern}" if pattern else "")
    return f"string ({detail})" if detail else "string"


def _parent(collection: str, known: dict[str, Resource]) -> tuple[str | None, str | None]:
    for other in sorted(known.values(), key=lambda r: -len(r.item_path or "")):
        if other.item_path and collection.startswith(other.item_path + "/"):
            return other.name, other.id_parameter
    # A parameter with no resource of its own still scopes the collection (Tiledesk's project).
    scoping = [s[1:-1] for s in collection.split("/") if _PARAMETER.match(s)]
    return None, (scoping[-1] if scoping else None)


def _paging(document: Document, query: dict[str, Any], envelope: Envelope | None) -> Paging:
    names = set(query)

    def bounds(name: str) -> tuple[int | None, int | None]:
        schema = document.resolve(query[name].get("schema", {}))
        default, maximum = schema.get("default"), schema.get("maximum")
        return (default if isinstance(default, int) else None,
                maximum if isinstance(maximum, int) else None)  # fmt: skip

    if "page[number]" in names or "page[size]" in names:
        used = tuple(n for n in ("page[number]", "page[size]") if n in names)
        return Paging(
            "json_api", used, *(bounds("page[size]") if "page[size]" in names else (None, None))
        )
    cursor = next((n for n in _CURSOR_PARAMETERS if n in names), None)
    size = next((n for n in _SIZE_PARAMETERS if n in names), None)
    sized = bounds(size) if size else (None, None)
    if cursor:
        pages = envelope.pages if envelope else ()
        next_at = next((p for p in pages if p.rsplit(".", 1)[-1] in _NEXT_KEYS), None)
        used = tuple(n for n in (cursor, size) if n)
        return Paging("cursor", used, *sized, next_cursor_at=next_at)
    offset = next((n for n in _OFFSET_PARAMETERS if n in names), None)
    if offset and document.resolve(query[offset].get("schema", {})).get("type") == "string":
        # An offset that is a string is a token handed back by the answer (Asana's).
        pages = envelope.pages if envelope else ()
        next_at = next((p for p in pages if p.rsplit(".", 1)[-1] == offset), None)
        used = tuple(n for n in (offset, size) if n)
        return Paging("cursor", used, *sized, next_cursor_at=next_at)
    if offset:
        return Paging("offset_limit", tuple(n for n in (offset, size) if n), *sized)
    page = next((n for n in ("page", "page_number", "pageNumber") if n in names), None)
    if page:
        return Paging("page_size", tuple(n for n in (page, size) if n), *sized)
    if size:
        return Paging("limit", (size,), *sized)
    return Paging()


def _sorting(query: dict[str, Any]) -> Sorting:
    parameter = next((n for n in _SORT_PARAMETERS if n in query), None)
    if parameter is None:
        return Sorting()
    direction = next((n for n in _DIRECTION_PARAMETERS if n in query), None)
    if direction:
        return Sorting(parameter, direction, "direction parameter")
    text = str(query[parameter].get("description", "")) + str(query[parameter].get("example", ""))
    return Sorting(parameter, None, "field:asc" if ":asc" in text or ":desc" in text else "-field")
