"""Errors in each vendor's own shape: the one renderer that Connexion, the gate and the compiled
operations all answer errors through, so a refusal looks the same whichever of them made it."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from connexion.exceptions import BadRequestProblem, ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mockserver.errors import ApiError, error_for_status
from mockserver.requestcontext import request_context
from mockserver.vendorrecord import ErrorBody, Mount, Vendor

Mounts = list[tuple[Mount, Vendor]]

# What the spec's request validation raises: such a request is journalled as invalid.
REQUEST_VALIDATION_PROBLEMS = (BadRequestProblem, UnsupportedMediaTypeProblem, UnicodeDecodeError)
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def mount_of(path: str, mounts: Mounts) -> tuple[Mount, Vendor] | None:
    """The mount (and vendor) whose base path ``path`` is under; ``mounts`` longest first."""
    for mount, vendor in mounts:
        if path == mount.base_path or path.startswith(mount.base_path + "/"):
            return mount, vendor
    return None


class ErrorRenderer:
    """Turns any error into the body of the vendor whose base path the request is under."""

    def __init__(self, mounts: Mounts, specs: dict[str, dict[str, Any]]) -> None:
        self.mounts = mounts
        self.allowed_methods = _allowed_methods_by_path(mounts, specs)

    def render(self, path: str, error: ApiError) -> ErrorBody:
        """The vendor's wire form of ``error`` for a request to ``path``."""
        if error.status == 405:
            # Starlette lists the methods of the first route that matched the path, not all.
            allowed = next((m for rx, m in self.allowed_methods if rx.fullmatch(path)), None)
            if allowed:
                error.headers["Allow"] = ", ".join(allowed)
        found = mount_of(path, self.mounts)
        if found is not None:
            return found[1].render_error(error)
        body = json.dumps({"status": error.status, "message": error.message}).encode()
        return ErrorBody(error.status, body, "application/json", error.headers)

    def __call__(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        """Connexion's error handler."""
        error = to_api_error(exc)
        if isinstance(exc, REQUEST_VALIDATION_PROBLEMS) or getattr(exc, "refused_by_spec", False):
            request_context(request.scope).refusal = error.explained
        rendered = self.render(request.url.path, error)
        return ConnexionResponse(
            status_code=rendered.status,
            mimetype=rendered.media_type,
            content_type=rendered.media_type,
            body=rendered.content,
            headers=rendered.headers,
        )


def _allowed_methods_by_path(
    mounts: Mounts, specs: dict[str, dict[str, Any]]
) -> list[tuple[re.Pattern[str], list[str]]]:
    """For each path of each spec, a pattern of its full URL path and the methods it documents."""
    table: list[tuple[re.Pattern[str], list[str], int]] = []
    for mount, _ in mounts:
        for template, item in specs[mount.name].get("paths", {}).items():
            methods = sorted(m.upper() for m in item if m in HTTP_METHODS)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(mount.base_path + template))
            table.append((re.compile(pattern), methods, template.count("{")))
    # A literal path before a templated one it also matches (/deals/search, /deals/{id}), as
    # routing takes it.
    table.sort(key=lambda row: row[2])
    return [(pattern, methods) for pattern, methods, _ in table]


def to_api_error(exc: Exception) -> ApiError:
    """The neutral form of a handler's, Connexion's or Starlette's error."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        return error_for_status(400, "The request body is not valid UTF-8.")
    if isinstance(exc, ProblemException):
        status, detail, headers = exc.status, exc.detail or exc.title, exc.headers
    elif isinstance(exc, HTTPException):
        status, detail, headers = exc.status_code, exc.detail, exc.headers
    else:
        status, detail, headers = 500, None, None
    if status in (404, 405, 500) or not detail:
        # Routing misses carry framework prose (Werkzeug's, Starlette's): use the phrase.
        message = HTTPStatus(status).phrase
    else:
        # jsonschema appends the whole failing schema after a blank line; the first part says it.
        message = str(detail).split("\n\n", 1)[0]
    # Connexion ends a body error with the failing field's dotted path: " - 'data.attributes.x'".
    field = _BODY_FIELD.search(message)
    if len(message) > MAX_MESSAGE:
        # jsonschema quotes the failing value whole: an answer never echoes a large body.
        tail = f" - '{field.group(1)}'" if field else ""
        message = message[: MAX_MESSAGE - len(tail) - 5] + " ... " + tail
    return error_for_status(
        status,
        message,
        headers=dict(headers or {}),
        detail={"field": field.group(1)} if field else None,
    )


_BODY_FIELD = re.compile(r" - '([^']+)'$")
MAX_MESSAGE = 500
"""Characters of an error message an answer carries at most."""


async def send_error(send: Any, rendered: ErrorBody, *, close: bool = False) -> None:
    """Answer ``rendered`` over ASGI with the headers, in the order, that Connexion's error
    handling gives it (``Connection: close`` too when the connection must not be reused)."""
    headers = {**rendered.headers, "Content-Type": rendered.media_type}
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(rendered.content)).encode()))
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": rendered.status, "headers": raw})
    await send({"type": "http.response.body", "body": rendered.content})
