"""The pipeline, declared once: the layers a request crosses, outermost first.

    admin door -> journal -> CORS (browsers) -> gate -> compiled path, or Connexion:
    routing -> query guard -> faults -> Prefer -> security -> rate limit -> validation ->
    the answer (from state, through the engine's conventions and the vendor's hooks; from the
    document's examples where no state applies) -> response validation (when asked)

``PIPELINE`` lists the layers leadmock adds. The outer ones wrap the Connexion app, in the
order listed; the inner ones are Connexion middleware at the named position, in the order
listed (Connexion keeps the order of those added at one position). Routing, security and
validation are Connexion's; the gate hands the compiled path what it can answer as Connexion
would (``fastpath.py``). What a layer learns of a request travels to the next in its
``requestcontext.RequestContext``; nothing else does. Errors anywhere reach
``rendering.ErrorRenderer``, which writes them in the vendor's shape.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from connexion.middleware import MiddlewarePosition
from starlette.types import ASGIApp

from mockserver.config import Config
from mockserver.fastpath import CompiledPath
from mockserver.faults import Faults
from mockserver.journal import Journal
from mockserver.middleware.admindoor import AdminDoor
from mockserver.middleware.cors import BrowsersOnly
from mockserver.middleware.faults import FaultMiddleware
from mockserver.middleware.gate import Gate
from mockserver.middleware.journal import JournalMiddleware
from mockserver.middleware.prefer import PreferMiddleware
from mockserver.middleware.queryguard import NestedQueryGuard
from mockserver.middleware.ratelimit import RateLimitMiddleware
from mockserver.prefer import documented_answers
from mockserver.ratelimit import RateLimit
from mockserver.rendering import ErrorRenderer
from mockserver.routing import compile_routes
from mockserver.scenarios import Scenarios
from mockserver.vendorrecord import Mount, Vendor

Wrap = Callable[[ASGIApp], ASGIApp]
"""A layer made for one mock: given the app inside it, the app it makes of it."""


@dataclass(frozen=True)
class Parts:
    """What one mock's layers are built from."""

    config: Config
    journal: Journal
    faults: Faults
    specs: dict[str, dict[str, Any]]
    """The documents served, by API name."""
    mounts: list[tuple[Mount, Vendor]]
    """Longest base path first."""
    handlers: dict[str, Any]
    """Each API's handlers, by API name."""
    renderer: ErrorRenderer
    api_of: Callable[[str], str | None]
    operation_name: Callable[[str | None, str | None], str | None]
    admin: ASGIApp
    shared: Any = None
    """The ``SharedPlane`` of a mock kept in Redis; None in-process."""
    scenarios: Scenarios | None = None


@dataclass(frozen=True)
class Layer:
    """One of leadmock's layers: how it is made, where it sits, and when a mock has it."""

    name: str
    make: Callable[[Parts], Wrap]
    inside: MiddlewarePosition | None = None
    """Connexion's position for a layer inside its stack; None for one around it."""
    wanted: Callable[[Config], bool] = lambda config: True


def _admin_door(parts: Parts) -> Wrap:
    return functools.partial(
        AdminDoor, admin=parts.admin, admin_token=parts.config.admin_token, journal=parts.journal
    )


def _journal(parts: Parts) -> Wrap:
    return functools.partial(
        JournalMiddleware,
        journal=parts.journal,
        api_of=parts.api_of,
        operation_name=parts.operation_name,
    )


def _cors(parts: Parts) -> Wrap:
    return BrowsersOnly


def _gate(parts: Parts) -> Wrap:
    config, faults, shared, scenarios = parts.config, parts.faults, parts.shared, parts.scenarios
    compiled = None
    if config.fast_path and config.framework == "async":
        compiled = CompiledPath(parts.renderer, validate_responses=config.validate_responses)

    def may_compile(headers: dict[str, str]) -> bool:
        # Faults and the rate limit keep state per request: Connexion's stack applies them.
        return (
            not config.rate_limit
            and not faults.active
            and not (scenarios is not None and scenarios.active)
            and "x-leadmock-fault" not in headers
            and "prefer" not in headers
        )

    return functools.partial(
        Gate,
        limits=config.limits,
        routes=compile_routes(parts.mounts, parts.specs, parts.handlers),
        renderer=parts.renderer,
        compiled=compiled,
        may_compile=may_compile,
        begin=functools.partial(shared.begin_request, faults) if shared else None,
        documents={
            f"{mount.base_path}/openapi.json": orjson.dumps(
                {**parts.specs[mount.name], "servers": [{"url": mount.base_path or "/"}]}
            )
            for mount, _ in parts.mounts
            if Path(mount.spec).is_absolute()
        },
    )


def _query_guard(parts: Parts) -> Wrap:
    return NestedQueryGuard


def _faults(parts: Parts) -> Wrap:
    return functools.partial(
        FaultMiddleware,
        faults=parts.faults,
        api_of=parts.api_of,
        operation_name=parts.operation_name,
        scenarios=parts.scenarios,
    )


def _prefer(parts: Parts) -> Wrap:
    return functools.partial(
        PreferMiddleware,
        documented={api: documented_answers(spec) for api, spec in parts.specs.items()},
        api_of=parts.api_of,
    )


def _rate_limit(parts: Parts) -> Wrap:
    shared = parts.shared
    return functools.partial(
        RateLimitMiddleware,
        limit=RateLimit.parse(parts.config.rate_limit),
        api_of=parts.api_of,
        # Shared windows are numbered on the wall clock, the one every host agrees on.
        **({"counter": shared.rate_counter(), "clock": time.time} if shared else {}),
    )


PIPELINE: tuple[Layer, ...] = (
    Layer("admin door", _admin_door),
    # Outside everything else: it sees every final answer, errors and refusals included.
    Layer("journal", _journal),
    Layer("cors", _cors, wanted=lambda config: config.cors),
    # Headers, limits and the body, read once; the compiled path or Connexion after it.
    Layer("gate", _gate),
    # Before Connexion parses the query, which fails on keys nested past the document.
    Layer("query guard", _query_guard, inside=MiddlewarePosition.BEFORE_SWAGGER),
    # After routing (the operation is known), inside error handling (vendor-shaped errors).
    Layer("faults", _faults, inside=MiddlewarePosition.BEFORE_SECURITY),
    Layer("prefer", _prefer, inside=MiddlewarePosition.BEFORE_SECURITY),
    # After security (the identity is known), inside error handling (the vendor's 429).
    Layer(
        "rate limit",
        _rate_limit,
        inside=MiddlewarePosition.BEFORE_VALIDATION,
        wanted=lambda config: bool(config.rate_limit),
    ),
)
"""leadmock's layers, outermost first."""


def build_pipeline(connexion_app: Any, parts: Parts) -> ASGIApp:
    """The mock's ASGI app: ``connexion_app`` with the layers of ``PIPELINE`` its config
    wants, inside it and around it."""
    layers = [layer for layer in PIPELINE if layer.wanted(parts.config)]
    for layer in layers:
        if layer.inside is not None:
            # Connexion calls the middleware it is given with the app inside it.
            connexion_app.add_middleware(layer.make(parts), position=layer.inside)
    app: ASGIApp = connexion_app
    for layer in reversed(layers):
        if layer.inside is None:
            app = layer.make(parts)(app)
    return app
