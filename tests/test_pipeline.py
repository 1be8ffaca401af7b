"""The pipeline declared once (#32 item 2): the layers are built from ``PIPELINE`` in its order,
and what one layer learns of a request reaches the others through its one typed context, on
the compiled path, on Connexion's (async and Flask) alike."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app
from mockserver.middleware.admindoor import AdminDoor
from mockserver.middleware.cors import BrowsersOnly
from mockserver.middleware.faults import FaultMiddleware
from mockserver.middleware.gate import Gate
from mockserver.middleware.journal import JournalMiddleware
from mockserver.middleware.prefer import PreferMiddleware
from mockserver.middleware.queryguard import NestedQueryGuard
from mockserver.middleware.ratelimit import RateLimitMiddleware
from mockserver.pipeline import PIPELINE
from mockserver.requestcontext import RequestContext, answering_scope, request_context
from mockserver.requesturl import request_url

LEADS = "/public/v1/leads"
STACKS = {
    "compiled": Config(leads=3),
    "connexion": Config(leads=3, fast_path=False),
    "flask": Config(leads=3, framework="flask"),
}


def _outer_layers(app: Any) -> list[type]:
    """The classes of the layers around the Connexion app, outermost first."""
    found = []
    while type(app).__module__.startswith("mockserver."):
        found.append(type(app))
        app = app.app
    return found


def test_the_outer_layers_are_built_in_the_declared_order() -> None:
    plain = create_app(Config(leads=2, cors=False))
    assert _outer_layers(plain.app) == [AdminDoor, JournalMiddleware, Gate]
    with_cors = create_app(Config(leads=2, cors=True))
    assert _outer_layers(with_cors.app) == [AdminDoor, JournalMiddleware, BrowsersOnly, Gate]


def test_the_inner_layers_sit_at_their_declared_connexion_positions() -> None:
    made_by = {
        "query guard": NestedQueryGuard,
        "faults": FaultMiddleware,
        "prefer": PreferMiddleware,
        "rate limit": RateLimitMiddleware,
    }
    inner = [layer for layer in PIPELINE if layer.inside is not None]
    assert [layer.name for layer in inner] == list(made_by)
    mock = create_app(Config(leads=2, rate_limit="100/minute"))
    stack = [getattr(m, "func", m) for m in _innermost(mock.app).middleware.middlewares]
    ours = [m for m in stack if m in made_by.values()]
    assert ours == list(made_by.values())
    for layer in inner:
        here, position = stack.index(made_by[layer.name]), stack.index(layer.inside.value)
        # Before the position's own middleware, with only ours between.
        assert here < position and set(stack[here:position]) <= set(made_by.values()), layer.name
    without = create_app(Config(leads=2, cors=False))
    stack = [getattr(m, "func", m) for m in _innermost(without.app).middleware.middlewares]
    assert RateLimitMiddleware not in stack and FaultMiddleware in stack


def _innermost(app: Any) -> Any:
    while type(app).__module__.startswith("mockserver."):
        app = app.app
    return app


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_a_handler_answers_from_the_request_it_is_given(
    stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The links Overloop builds come from the request being answered, on every stack; the
    handler sees the gate's context (its headers, its operation)."""
    mock = create_app(STACKS[stack])
    seen: list[tuple[str, RequestContext]] = []
    import mockserver.vendors.overloop.handlers as overloop

    def spying(*, query: bool = True) -> str:
        scope = answering_scope()
        assert scope is not None
        seen.append((scope["path"], request_context(scope)))
        return request_url(query=query)

    monkeypatch.setattr(overloop, "request_url", spying)
    key = mock.facts["overloop"]["api_key"]
    response = TestClient(mock, base_url="http://mock.test").get(
        LEADS, params={"page[size]": 2}, headers={"Authorization": key, "X-Probe": "yes"}
    )
    assert response.status_code == 200
    assert response.json()["links"]["next"].startswith(f"http://mock.test{LEADS}?")
    [(path, context)] = seen
    assert path == LEADS
    assert context.headers["x-probe"] == "yes"
    assert context.operation is not None and context.operation.operation_id.endswith("leads")
    [entry] = mock.journal.entries()
    assert entry.headers["x-probe"] == "yes" and entry.valid


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_a_refusal_noted_in_the_context_reaches_the_journal(stack: str) -> None:
    mock = create_app(STACKS[stack])
    key = mock.facts["overloop"]["api_key"]
    response = TestClient(mock).get(
        LEADS, params={"page[size]": "lots"}, headers={"Authorization": key}
    )
    assert response.status_code == 400
    [entry] = mock.journal.entries()
    assert entry.valid is False
    assert entry.refusal == "'lots' is not of type 'integer'"


def test_outside_a_request_there_is_nothing_being_answered() -> None:
    assert answering_scope() is None
    with pytest.raises(RuntimeError, match="request being answered"):
        request_url()


def test_the_context_is_made_once_per_request() -> None:
    scope: dict = {"type": "http"}
    first = request_context(scope)
    copy = {**scope, "path": "/elsewhere"}
    assert request_context(copy) is first
    other: dict = {"type": "http"}
    assert request_context(other) is not first
    assert other["extensions"]["leadmock"] is request_context(other)
