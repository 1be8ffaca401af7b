"""One request's context: what leadmock's layers learn of a request, for the layers after them.

One typed object a request, kept in the scope's ``extensions`` (a dict every copy of the scope
down the stack shares) under one key, and found by the code that answers the request (a
handler, the engine's conventions) through ``answering_scope()``: the gate sets it before the
request goes on, to the compiled path or to Connexion (whose Flask app copies it into the
worker thread with the rest of the context). Nothing else travels beside the request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.types import Scope

if TYPE_CHECKING:
    from mockserver.routing import Operation

CONTEXT_KEY = "leadmock"
"""Where, in the scope's ``extensions``, a request's context is kept."""

ANSWERING: ContextVar[Scope | None] = ContextVar("leadmock_answering", default=None)
"""The scope of the request being answered: the gate sets it (``ANSWERING.set(scope)``) and
resets it with the token that returned, around the answer. The variable itself, not a pair of
functions around it: this is on every request's path."""


@dataclass(slots=True)
class RequestContext:
    """What the pipeline learnt of one request, in the order it learns it."""

    headers: dict[str, str] = field(default_factory=dict)
    """The gate's: lower-cased names; the first of repeated headers, as Starlette's
    ``Headers.get``."""
    body: bytes = b""
    """The gate's: the body as received, or its first bytes when it was refused for its size."""
    json: Any = None
    """The gate's: the parsed body, when it is JSON the operation accepts."""
    operation: Operation | None = None
    """The gate's: the operation the compiled route table found, if any."""
    refusal: str | None = None
    """Why the document's request validation refused the request (the error renderer's)."""
    static: bool = False
    """Whether the answer came from the document's examples or schema, not from state (an
    operation the ``--spec`` engine cannot place)."""
    scenario: str | None = None
    """The scenario (``scenarios.py``) that answered or delayed the request, if one did."""


def request_context(scope: Scope) -> RequestContext:
    """The context of the request ``scope`` is for, made on first use."""
    extensions = scope.get("extensions")
    if extensions is None:
        extensions = scope["extensions"] = {}
    context = extensions.get(CONTEXT_KEY)
    if context is None:
        context = extensions[CONTEXT_KEY] = RequestContext()
    return context


def operation_id_of(scope: Scope) -> str | None:
    """The operationId a request routed to: the compiled route table's, else Connexion's
    routing step's (its ``connexion_routing`` extension), else None."""
    extensions = scope.get("extensions") or {}
    context = extensions.get(CONTEXT_KEY)
    if context is not None and context.operation is not None:
        return context.operation.operation_id
    return (extensions.get("connexion_routing") or {}).get("operation_id")


def token_info_of(scope: Scope) -> Any:
    """What Connexion's security step resolved the request's credentials to (its
    ``connexion_context`` extension), or None before it or without credentials."""
    return ((scope.get("extensions") or {}).get("connexion_context") or {}).get("token_info")


def answering_scope() -> Scope | None:
    """The scope of the request being answered (``answering``), or None outside one."""
    return ANSWERING.get()


def answering_context() -> RequestContext:
    """The context of the request being answered (an empty one outside a request)."""
    scope = ANSWERING.get()
    return request_context(scope) if scope is not None else RequestContext()
