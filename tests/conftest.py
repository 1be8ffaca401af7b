"""Fixtures: ``mock`` (one seeded app per framework per session) -> ``client`` (clean state)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import Config, Mock, create_app

pytest_plugins = ["pytester"]

FRAMEWORKS = ("async", "flask")
_MOCKS: dict[str, Mock] = {}


def build_mock(framework: str) -> Mock:
    """One mock per framework for the whole session, answers checked against the spec."""
    if framework not in _MOCKS:
        _MOCKS[framework] = create_app(Config(framework=framework, validate_responses=True))
    return _MOCKS[framework]


@pytest.fixture(params=FRAMEWORKS)
def mock(request: pytest.FixtureRequest) -> Mock:
    """The mock under AsyncApp and under FlaskApp, reset to its seed state."""
    built = build_mock(request.param)
    built.reset()
    return built


@pytest.fixture
def client(mock: Mock) -> Iterator[TestClient]:
    """An HTTP client for the mock, in-process."""
    with TestClient(mock) as test_client:
        yield test_client
