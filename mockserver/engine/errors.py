"""Refusals of a served document in its own shape: the schema the document declares for that
status (or ``default``), else ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import json
from collections import Counter
from http import HTTPStatus
from typing import Any

from mockserver.engine.document import Document
from mockserver.engine.model import _json_schema, _operation_id, _properties
from mockserver.engine.seed import fits, value_for
from mockserver.errors import ApiError

PROBLEM = "application/problem+json"

_MESSAGE_WORDS = ("message", "detail", "error_description", "description", "error", "title",
                  "reason", "msg")  # fmt: skip
_STATUS_WORDS = ("status", "status_code", "statusCode", "code", "http_status")


class ErrorShapes:
    """For each refusal status, the schema the document declares for it most often across its
    operations (``default`` where no operation names the status)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        seen: dict[str, Counter[str]] = {}
        schemas: dict[str, Any] = {}
        self.by_operation: dict[str, dict[str, Any]] = {}
        """The error schemas each operation declares, by status (and ``default``)."""
        for method, path, operation, _ in document.operations():
            declared = self.by_operation.setdefault(_operation_id(method, path, operation), {})
            for status, response in (operation.get("responses") or {}).items():
                status = str(status)
                if not (status.startswith(("4", "5")) or status == "default"):
                    continue
                schema = _json_schema(document, document.resolve(response))
                if not isinstance(schema, dict) or not schema:
                    continue
                declared[status] = schema
                key = json.dumps(schema, sort_keys=True, default=str)
                seen.setdefault(status, Counter())[key] += 1
                schemas[key] = schema
        self.by_status = {
            status: schemas[counts.most_common(1)[0][0]] for status, counts in seen.items()
        }

    def render(self, error: ApiError, operation_id: str | None = None) -> tuple[bytes, str]:
        """The body and media type of ``error``, answered by ``operation_id`` when known:
        the schema that operation declares for the status, else the one most of the
        document's operations declare for it."""
        own = self.by_operation.get(operation_id or "", {})
        status = str(error.status)
        schema = own.get(status) or own.get("default")
        if schema is None:
            schema = self.by_status.get(status, self.by_status.get("default"))
        if schema is not None:
            body = self._shaped(schema, error)
            if body is not None:
                return json.dumps(body).encode(), "application/json"
        problem = {
            "type": "about:blank",
            "title": HTTPStatus(error.status).phrase if error.status in _KNOWN else "Error",
            "status": error.status,
            "detail": error.explained,
        }
        return json.dumps(problem).encode(), PROBLEM

    def _shaped(self, schema: Any, error: ApiError) -> Any:
        """A body of ``schema`` that says ``error``: its message and status in the fields
        named for them, the rest filled as the schema asks; None when none fits."""
        body = value_for(self.document, schema, "", seed=error.status)
        if not isinstance(body, dict):
            return body if fits(self.document, schema, body) else None
        properties = _properties(self.document, schema)
        for name, value in _said(error).items():
            target = _holder(self.document, body, properties, name)
            if target is not None:
                holder, key, field = target
                candidate = value if _kind(self.document, field) != "string" else str(value)
                if fits(self.document, field, candidate):
                    holder[key] = candidate
        return body if fits(self.document, schema, body) else None


def _said(error: ApiError) -> dict[str, Any]:
    return {"message": error.explained, "status": error.status}


def _holder(
    document: Document, body: dict[str, Any], properties: dict[str, Any], what: str
) -> tuple[dict[str, Any], str, Any] | None:
    """Where in ``body`` a message or a status goes: a field named for it at the top, or in
    an ``errors`` array's first item, or in an ``error`` object."""
    words = _MESSAGE_WORDS if what == "message" else _STATUS_WORDS
    for word in words:
        if word in properties and _kind(document, properties[word]) in _SCALARS:
            return body, word, properties[word]
    for name, schema in properties.items():
        resolved = document.resolve(schema)
        inner = None
        if resolved.get("type") == "array" and isinstance(body.get(name), list):
            inner = document.resolve(resolved.get("items", {}))
            if not body[name]:
                # Intercom's {errors: [{code, message}]}: one error, to say it in.
                body[name].append(value_for(document, inner, name, seed=0))
            holder = body[name][0]
        elif isinstance(body.get(name), dict):
            inner, holder = resolved, body[name]
        if inner is None or not isinstance(holder, dict):
            continue
        fields = _properties(document, inner)
        for word in words:
            if word in fields and _kind(document, fields[word]) in _SCALARS:
                return holder, word, fields[word]
    return None


_SCALARS = ("string", "integer", "number", None)
_KNOWN = {status.value for status in HTTPStatus}


def _kind(document: Document, schema: Any) -> Any:
    resolved = document.resolve(schema)
    return resolved.get("type") if isinstance(resolved, dict) else None
