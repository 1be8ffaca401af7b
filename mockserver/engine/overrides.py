"""Corrections to an inferred resource model: the document's own ``x-leadmock`` extension, then
an override file (``--overrides FILE``), the file's word last. Every key is checked before
anything is applied: an unknown one is an error that names the closest known one, a value of
the wrong kind says what it should be.

```yaml
x-leadmock:
  resources:
    deals:                       # a resource as inferred, by name
      id_field: _id
      id_style: objectid         # integer, uuid, objectid or string
      list_envelope: results[]
      item_envelope: ""
      paging: {style: cursor, parameters: [after, limit], next_cursor_at: paging.next.after}
      filters: [stage]
      search: q
      sort: {parameter: sort, convention: -field}
      soft_delete: archived        # a delete sets archived: true; lists and reads skip it
      # or: {field: status, deleted: removed, live: active, still_found: true}
  static: [searchDeals]          # operationIds answered from the document whatever the model says
```
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockserver.engine.conventions import SoftDelete
from mockserver.engine.document import DocumentError, load_file
from mockserver.engine.model import ApiModel, Envelope, Paging, Resource, Sorting, Unplaced

_TOP = ("resources", "static")
_RESOURCE = (
    "id_field", "id_style", "list_envelope", "item_envelope", "paging", "filters",
    "any_of_filters", "search", "sort", "soft_delete",
)  # fmt: skip
_SOFT_DELETE = ("field", "deleted", "live", "still_found")
_PAGING = ("style", "parameters", "size_default", "size_maximum", "next_cursor_at")
_SORT = ("parameter", "direction_parameter", "convention")
_ID_STYLES = ("integer", "digits", "uuid", "objectid", "string")
_PAGING_STYLES = ("page_size", "offset_limit", "cursor", "json_api", "link_header", "limit", "none")
_CONVENTIONS = ("direction parameter", "-field", "field:asc")


def read_overrides(document_spec: dict[str, Any], file: str | Path | None) -> dict[str, Any]:
    """The document's ``x-leadmock`` with the override file's keys over it, checked."""
    merged: dict[str, Any] = {}
    sources = [("#/x-leadmock", document_spec.get("x-leadmock"))]
    if file is not None:
        sources.append((str(file), load_file(Path(file))))
    for where, overrides in sources:
        if overrides is None:
            continue
        _check(overrides, where)
        for key, value in overrides.items():
            if key == "resources":
                for name, fields in value.items():
                    merged.setdefault("resources", {}).setdefault(name, {}).update(fields)
            else:
                merged[key] = list(value)
    return merged


def apply_overrides(model: ApiModel, overrides: dict[str, Any], source: str) -> ApiModel:
    """``model`` corrected by ``overrides`` (``DocumentError`` for a resource or operationId
    the model does not have)."""
    known = {resource.name: resource for resource in model.resources}
    resources = dict(known)
    for name, fields in (overrides.get("resources") or {}).items():
        if name not in known:
            raise DocumentError(source, f"/resources/{name}", _unknown("resource", name, known))
        resources[name] = _corrected(known[name], fields)
    static = list(model.static)
    operations = {p.operation_id: (r.name, p) for r in model.resources for p in r.operations}
    for operation_id in overrides.get("static") or []:
        if operation_id not in operations:
            if any(u.operation_id == operation_id for u in static):
                continue
            reason = _unknown("operationId", operation_id, operations)
            raise DocumentError(source, "/static", reason)
        owner, placed = operations[operation_id]
        kept = tuple(p for p in resources[owner].operations if p.operation_id != operation_id)
        resources[owner] = replace(resources[owner], operations=kept)
        static.append(Unplaced(placed.method, placed.path, operation_id, "static by override"))
    return replace(model, resources=tuple(resources.values()), static=tuple(static))


def _corrected(resource: Resource, fields: dict[str, Any]) -> Resource:
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("list_envelope", "item_envelope"):
            current = getattr(resource, key) or Envelope()
            changes[key] = replace(current, path=value, id_beside=value.endswith("attributes"))
        elif key == "paging":
            changes["paging"] = replace(resource.paging or Paging(), **_tuples(value))
        elif key == "sort":
            changes["sorting"] = replace(resource.sorting or Sorting(), **value)
        elif key == "soft_delete":
            changes[key] = SoftDelete(value) if isinstance(value, str) else SoftDelete(**value)
        else:
            changes[key] = tuple(value) if isinstance(value, list) else value
    return replace(resource, **changes)


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _check(overrides: Any, where: str) -> None:
    _mapping(overrides, where, "")
    _known_keys(overrides, _TOP, where, "")
    resources = overrides.get("resources", {})
    _mapping(resources, where, "/resources")
    for name, fields in resources.items():
        at = f"/resources/{name}"
        _mapping(fields, where, at)
        _known_keys(fields, _RESOURCE, where, at)
        for key in ("id_field", "search", "list_envelope", "item_envelope"):
            if key in fields and not isinstance(fields[key], str):
                raise DocumentError(where, f"{at}/{key}", "a string")
        if "id_style" in fields and fields["id_style"] not in _ID_STYLES:
            raise DocumentError(where, f"{at}/id_style", f"one of {', '.join(_ID_STYLES)}")
        for key in ("filters", "any_of_filters"):
            if key in fields:
                _strings(fields[key], where, f"{at}/{key}")
        if "paging" in fields:
            paging = fields["paging"]
            _mapping(paging, where, f"{at}/paging")
            _known_keys(paging, _PAGING, where, f"{at}/paging")
            if "style" in paging and paging["style"] not in _PAGING_STYLES:
                styles = ", ".join(_PAGING_STYLES)
                raise DocumentError(where, f"{at}/paging/style", f"one of {styles}")
            if "parameters" in paging:
                _strings(paging["parameters"], where, f"{at}/paging/parameters")
            for key in ("size_default", "size_maximum"):
                value = paging.get(key)
                if key in paging and (not isinstance(value, int) or isinstance(value, bool)):
                    raise DocumentError(where, f"{at}/paging/{key}", "a whole number")
        if "soft_delete" in fields:
            _check_soft_delete(fields["soft_delete"], where, f"{at}/soft_delete")
        if "sort" in fields:
            sort = fields["sort"]
            _mapping(sort, where, f"{at}/sort")
            _known_keys(sort, _SORT, where, f"{at}/sort")
            if "convention" in sort and sort["convention"] not in _CONVENTIONS:
                raise DocumentError(where, f"{at}/sort/convention", f"one of {_CONVENTIONS}")
    if "static" in overrides:
        _strings(overrides["static"], where, "/static")


def _check_soft_delete(value: Any, where: str, at: str) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, dict):
        raise DocumentError(where, at, "a field name, or a mapping with field, deleted, live")
    _known_keys(value, _SOFT_DELETE, where, at)
    if not isinstance(value.get("field"), str):
        raise DocumentError(where, f"{at}/field", "a string")
    if "still_found" in value and not isinstance(value["still_found"], bool):
        raise DocumentError(where, f"{at}/still_found", "true or false")
    if value.get("deleted", True) == value.get("live", False):
        raise DocumentError(where, at, "deleted and live must differ")


def _mapping(value: Any, where: str, at: str) -> None:
    if not isinstance(value, dict):
        raise DocumentError(where, at, "a mapping")


def _strings(value: Any, where: str, at: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DocumentError(where, at, "a list of strings")


def _known_keys(given: dict[str, Any], known: tuple[str, ...], where: str, at: str) -> None:
    for key in given:
        if key not in known:
            raise DocumentError(where, f"{at}/{key}", _unknown("key", str(key), known))


def _unknown(kind: str, name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(map(str, known))}"
    return f"no {kind} {name!r}{hint}"
