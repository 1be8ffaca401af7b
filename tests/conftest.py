"""Fixtures: ``mock`` (one seeded app per framework per session) -> ``client`` (clean state)."""

from __future__ import annotations

import shutil
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


# As the machine's notes say: without the background-networking flags Chromium keeps calling
# out to hosts this closed network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium under Playwright (it downloads no browser of its own); a
    module's worth, so Playwright's loop never outlives the tests that need it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is not installed: `make chromium` installs Debian's", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
