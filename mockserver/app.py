"""The app factory: one Connexion API per vendor spec over one store, and one error handler.

Connexion runs each request through routing, security, request validation, the vendor handler
and (when asked) response validation. Every error on that path, Connexion's own or a handler's,
reaches ``_render_error``, which finds the vendor by base path and lets it write the body.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import connexion
import yaml
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from mockserver.config import Config
from mockserver.errors import ApiError, error_for_status
from mockserver.ratelimit import RateLimit, RateLimitMiddleware
from mockserver.store import MemoryStore, Store
from mockserver.vendors import VENDORS, ErrorBody, Mount, Vendor

_REPO_SPECS = Path(__file__).resolve().parent.parent / "specs"


def spec_path(filename: str) -> Path:
    """Where a spec lives: the checkout's ``specs/`` or, once installed, the packaged copy."""
    if (_REPO_SPECS / filename).is_file():
        return _REPO_SPECS / filename
    return Path(str(importlib.resources.files("mockserver.specs") / filename))


@dataclass
class Mock:
    """A built mock: the ASGI app, its store and config, and the facts its seed produced."""

    app: Any
    store: Store
    config: Config
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed_state: dict[str, Any] = field(default_factory=dict, repr=False)

    def reset(self) -> None:
        """Back to the state right after seeding (a restore, not a second seeding)."""
        self.store.load(self.seed_state)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def create_app(config: Config | None = None, *, store: Store | None = None) -> Mock:
    """Build the mock of every vendor API, seeded from ``config``."""
    config = config or Config()
    # Connexion logs a warning on every request to an operation with several body media types.
    logging.getLogger("connexion.operations.openapi").setLevel(logging.ERROR)
    store = store if store is not None else MemoryStore()
    app_class = connexion.AsyncApp if config.framework == "async" else connexion.FlaskApp
    app = app_class(__name__)
    mounts: list[tuple[Mount, Vendor]] = []
    for vendor in VENDORS:
        handlers = vendor.handlers(store, config)
        for mount in vendor.mounts:
            app.add_api(
                spec_path(mount.spec),
                base_path=mount.base_path,
                name=mount.name,
                resolver=Resolver(function_resolver=lambda name, h=handlers: getattr(h, name)),
                security_map=handlers.security_map(),
                pythonic_params=True,
                validate_responses=config.validate_responses,
            )
            mounts.append((mount, vendor))
    # Longest base path first, so /v3/x never goes to a vendor mounted at /v.
    mounts.sort(key=lambda pair: len(pair[0].base_path), reverse=True)
    renderer = _ErrorRenderer(mounts)
    # UnicodeDecodeError: Connexion's body parser raises it on a body that is not UTF-8.
    for source in (ApiError, ProblemException, HTTPException, UnicodeDecodeError):
        app.add_error_handler(source, renderer)
    if config.rate_limit:
        # Inside Connexion's exception handling, so the 429 gets the vendor's body.
        app.add_middleware(
            RateLimitMiddleware,
            position=MiddlewarePosition.BEFORE_SWAGGER,
            limit=RateLimit.parse(config.rate_limit),
        )
    facts = {vendor.name: vendor.seed(store, config) for vendor in VENDORS}
    return Mock(app=app, store=store, config=config, facts=facts, seed_state=store.dump())


class _ErrorRenderer:
    """Turns any error into the body of the vendor whose base path the request is under."""

    def __init__(self, mounts: list[tuple[Mount, Vendor]]) -> None:
        self.mounts = mounts
        self.allowed_methods = _allowed_methods_by_path([mount for mount, _ in mounts])

    def __call__(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        error = to_api_error(exc)
        path = request.url.path
        if error.status == 405:
            # Starlette lists the methods of the first route that matched the path, not all.
            allowed = next((m for rx, m in self.allowed_methods if rx.fullmatch(path)), None)
            if allowed:
                error.headers["Allow"] = ", ".join(allowed)
        for mount, vendor in self.mounts:
            if path == mount.base_path or path.startswith(mount.base_path + "/"):
                return _response(vendor.render_error(error))
        body = json.dumps({"status": error.status, "message": error.message}).encode()
        return _response(ErrorBody(error.status, body, "application/json", error.headers))


def _allowed_methods_by_path(mounts: list[Mount]) -> list[tuple[re.Pattern[str], list[str]]]:
    """For each path of each spec, a pattern of its full URL path and the methods it documents."""
    table = []
    for mount in mounts:
        spec = yaml.safe_load(spec_path(mount.spec).read_text())
        for template, item in spec.get("paths", {}).items():
            methods = sorted(m.upper() for m in item if m in _HTTP_METHODS)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(mount.base_path + template))
            table.append((re.compile(pattern), methods))
    return table


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


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
    return error_for_status(
        status,
        message,
        headers=dict(headers or {}),
        detail={"field": field.group(1)} if field else None,
    )


_BODY_FIELD = re.compile(r" - '([^']+)'$")


def _response(error: ErrorBody) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        mimetype=error.media_type,
        content_type=error.media_type,
        body=error.content,
        headers=error.headers,
    )
