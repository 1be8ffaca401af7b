"""The ``leadmock`` pytest plugin, registered through the ``pytest11`` entry point.

Fixtures: ``leadmock_server`` (one running mock for the session) and ``leadmock`` (the same,
reset to its seed state before each test). The seed and lead count come from the
``leadmock(seed=..., leads=...)`` marker, else ``--leadmock-seed``/``--leadmock-leads``, else the
``leadmock_seed``/``leadmock_leads`` ini options. Under pytest-xdist each worker runs its own mock,
so parallel tests never see each other's writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from mockserver.config import Config, ConfigError

if TYPE_CHECKING:
    # Imported when a fixture is first used: a run that uses none loads no web framework.
    from mockserver.fixture import LeadMock

_SERVERS = pytest.StashKey[dict[tuple[int, int], "LeadMock"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leadmock")
    group.addoption("--leadmock-seed", type=int, default=None, help="seed of the leadmock fixture")
    group.addoption("--leadmock-leads", type=int, default=None, help="leads it seeds per project")
    parser.addini("leadmock_seed", "seed of the leadmock fixture", default=str(Config.seed))
    parser.addini("leadmock_leads", "leads the leadmock fixture seeds", default=str(Config.leads))


MARKER_OPTIONS = ("seed", "leads")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "leadmock(seed=None, leads=None): seed data for this test")
    config.stash[_SERVERS] = {}
    # Checked once, up front, by the same rules as every other way to give them.
    _checked(*_defaults(config), where="--leadmock-seed/--leadmock-leads or their ini options")


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in config.stash.get(_SERVERS, {}).values():
        server.stop()


def _server(config: pytest.Config, seed: int, leads: int) -> LeadMock:
    """One running mock per (seed, leads) in this process, started on first use."""
    from mockserver.fixture import LeadMock

    servers = config.stash[_SERVERS]
    if (seed, leads) not in servers:
        servers[(seed, leads)] = LeadMock(Config(seed=seed, leads=leads)).start()
    return servers[(seed, leads)]


def _defaults(config: pytest.Config) -> tuple[int, int]:
    seed = config.getoption("--leadmock-seed")
    leads = config.getoption("--leadmock-leads")
    try:
        return (
            int(config.getini("leadmock_seed")) if seed is None else seed,
            int(config.getini("leadmock_leads")) if leads is None else leads,
        )
    except ValueError as exc:
        raise pytest.UsageError(f"leadmock_seed/leadmock_leads: {exc}") from None


def _checked(seed: int, leads: int, *, where: str) -> tuple[int, int]:
    try:
        Config(seed=seed, leads=leads)
    except ConfigError as exc:
        raise pytest.UsageError(f"leadmock: {where}: {exc}") from None
    return seed, leads


def _marked(marker: pytest.Mark, seed: int, leads: int) -> tuple[int, int]:
    """The marker's seed and leads over the defaults; an unknown option is an error, not a
    silent no-op."""
    import difflib

    if marker.args:
        pytest.fail(
            f"@pytest.mark.leadmock takes keywords only ({', '.join(MARKER_OPTIONS)}), "
            f"not {marker.args!r}",
            pytrace=False,
        )
    for name in marker.kwargs:
        if name not in MARKER_OPTIONS:
            close = difflib.get_close_matches(name, MARKER_OPTIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            pytest.fail(
                f"@pytest.mark.leadmock: unknown option {name!r}{hint}; "
                f"known: {', '.join(MARKER_OPTIONS)}",
                pytrace=False,
            )
    seed, leads = marker.kwargs.get("seed", seed), marker.kwargs.get("leads", leads)
    try:
        Config(seed=seed, leads=leads)
    except ConfigError as exc:
        pytest.fail(f"@pytest.mark.leadmock: {exc}", pytrace=False)
    return seed, leads


@pytest.fixture(scope="session")
def leadmock_server(pytestconfig: pytest.Config) -> LeadMock:
    """The session's running mock, with the configured seed and lead count."""
    return _server(pytestconfig, *_defaults(pytestconfig))


@pytest.fixture
def leadmock(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[LeadMock]:
    """A running mock in its seed state, with an empty journal and no faults."""
    seed, leads = _defaults(pytestconfig)
    marker = request.node.get_closest_marker("leadmock")
    if marker is not None:
        seed, leads = _marked(marker, seed, leads)
    server = _server(pytestconfig, seed, leads)
    server.reset()
    yield server
