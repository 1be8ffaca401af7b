"""Fixtures: ``mock`` (one seeded app per framework per session) -> ``client`` (clean state)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

# Imported here, before any test runs: pytester's in-process runs (tests/test_plugin.py) forget
# the modules first imported inside them, and httpx imports httpcore only for its first client.
# A copy of httpcore imported after such a run raises errors httpx no longer maps, so a refused
# connection escapes every later ``except httpx.TransportError`` (two tests of
# test_served_limits.py failed whenever they ran after test_plugin.py in one process).
import httpcore  # noqa: F401
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "shared_store: also run this module's `mock` tests on two workers over one Redis",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mock" in metafunc.fixturenames:
        kinds = list(FRAMEWORKS)
        if metafunc.definition.get_closest_marker("shared_store"):
            kinds.append("redis")
        metafunc.parametrize("mock", kinds, indirect=True)


@pytest.fixture
def mock(request: pytest.FixtureRequest) -> Mock:
    """The mock under AsyncApp and under FlaskApp, reset to its seed state; in modules marked
    ``shared_store``, also two workers over one Redis (``TwoWorkers``)."""
    if request.param == "redis":
        built: Mock = two_workers(request.getfixturevalue("redis_server"))
    else:
        built = build_mock(request.param)
    built.reset()
    return built


class TwoWorkers:
    """Two mocks over one Redis prefix, as two worker processes serve it: requests go to each
    in turn, so a test's write through one is read back through the other. The rest (facts,
    journal, faults, store) is the first mock's, all of it shared."""

    def __init__(self, first: Mock, second: Mock) -> None:
        self.workers = (first, second)
        self._turn = 0

    async def __call__(self, scope: object, receive: object, send: object) -> None:
        worker = self.workers[self._turn % 2]
        self._turn += 1
        await worker(scope, receive, send)

    def __getattr__(self, name: str) -> object:
        return getattr(self.workers[0], name)


def two_workers(redis_server: object) -> Mock:
    if "redis" not in _MOCKS:
        url = f"{redis_server.url}?prefix=two-workers"  # type: ignore[attr-defined]
        config = Config(store=url, validate_responses=True)
        first = create_app(config)
        first.shared.forget()
        first = create_app(config)
        _MOCKS["redis"] = TwoWorkers(first, create_app(config))  # type: ignore[assignment]
    return _MOCKS["redis"]


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


@pytest.fixture(scope="session")
def redis_server() -> Iterator[object]:
    """A real redis-server on a free loopback port for the session (each xdist worker its own);
    tests share it under distinct key prefixes."""
    from tests.redisserver import RedisServer

    try:
        server = RedisServer().start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.remove()


_prefixes = iter(range(1, 1_000_000))


@pytest.fixture
def redis_url(redis_server: object) -> str:
    """A store URL with a prefix no other test uses."""
    return f"{redis_server.url}?prefix=t{next(_prefixes)}"  # type: ignore[attr-defined]
