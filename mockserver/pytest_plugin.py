"""The ``leadmock`` pytest plugin, registered through the ``pytest11`` entry point.

Fixtures: ``leadmock_server`` (one running mock for the session) and ``leadmock`` (the same,
reset to its seed state before each test). Its options (``seed``, ``leads``,
``validate_responses``, ``store``, ``specs``) come from the ``leadmock(...)`` marker, else
``--leadmock-seed``, ``--leadmock-leads``, ``--leadmock-validate-responses``,
``--leadmock-store``, ``--leadmock-spec``, else (the store) ``LEADMOCK_STORE``, else the
``leadmock_seed``, ``leadmock_leads``, ``leadmock_validate_responses``, ``leadmock_store``,
``leadmock_specs`` ini options (a document's path relative to the rootdir); each is
checked as ``Config`` checks it, wherever it comes from. Under pytest-xdist each worker runs its
own mock (over a store, under a prefix of its own: ``prefix-gw0``), so parallel tests never see
each other's writes. Nothing heavy is imported until a fixture is used.

``--leadmock-coverage`` prints, at the end of the session, the spec coverage of the requests the
suite's mocks answered (``coverage.py``); ``--leadmock-coverage-report DIR`` writes it as JSON
and Markdown too; ``--leadmock-coverage-fail-under N`` fails the run below N% of the documented
operations of the APIs it called, ``--leadmock-coverage-statuses-fail-under N`` below N% of
their documented statuses. Any of the three turns coverage on.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import pytest

from mockserver import import_quietly, quiet_imports
from mockserver.config import Config, ConfigError

# The coverage floor's type, past assertion rewriting as the fixture's stack is.
percentage = import_quietly("mockserver.coverage").percentage

if TYPE_CHECKING:
    # Imported when a fixture is first used: a run that uses none loads no web framework.
    from mockserver.fixture import LeadMock


class Options(NamedTuple):
    """What a fixture's mock is built with; one running mock per distinct value."""

    seed: int
    leads: int
    validate_responses: bool
    store: str | None = None
    specs: tuple[str, ...] = ()
    """OpenAPI documents served by the engine (``serve --spec``), as absolute paths."""

    def config(self) -> Config:
        return Config(
            seed=self.seed,
            leads=self.leads,
            validate_responses=self.validate_responses,
            store=self.store,
            specs=self.specs,
        )


MARKER_OPTIONS = Options._fields
_SERVERS = pytest.StashKey[dict[Options, "LeadMock"]]()
_COVERAGE = pytest.StashKey[tuple[dict, list[str]]]()
"""The session's coverage report and why it fails the run (empty: it does not)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leadmock")
    group.addoption("--leadmock-seed", type=int, default=None, help="seed of the leadmock fixture")
    group.addoption("--leadmock-leads", type=int, default=None, help="leads it seeds per project")
    group.addoption(
        "--leadmock-validate-responses",
        action="store_true",
        default=None,
        help="check every answer of the leadmock fixture against its spec",
    )
    group.addoption(
        "--leadmock-store",
        default=None,
        metavar="URL",
        help="keep the leadmock fixture's state in Redis: redis://HOST:PORT/DB?prefix=NAME",
    )
    parser.addini("leadmock_seed", "seed of the leadmock fixture", default=str(Config.seed))
    parser.addini("leadmock_leads", "leads the leadmock fixture seeds", default=str(Config.leads))
    parser.addini(
        "leadmock_validate_responses",
        "check every answer of the leadmock fixture against its spec",
        type="bool",
        default=False,
    )
    parser.addini("leadmock_store", "Redis URL for the leadmock fixture's state", default="")
    group.addoption(
        "--leadmock-spec",
        action="append",
        default=None,
        metavar="FILE",
        help="serve this OpenAPI document in the leadmock fixture (repeatable)",
    )
    group.addoption(
        "--leadmock-coverage",
        action="store_true",
        default=False,
        help="print the spec coverage of the requests the suite sent the mock",
    )
    group.addoption(
        "--leadmock-coverage-report",
        default=None,
        metavar="DIR",
        help="write the spec coverage to DIR as leadmock-coverage.json and .md",
    )
    group.addoption(
        "--leadmock-coverage-fail-under",
        type=percentage,
        default=None,
        metavar="N",
        help="fail the run below N%% of the documented operations of the APIs called",
    )
    group.addoption(
        "--leadmock-coverage-statuses-fail-under",
        type=percentage,
        default=None,
        metavar="N",
        help="fail the run below N%% of the documented statuses of the APIs called",
    )
    parser.addini(
        "leadmock_specs",
        "OpenAPI documents the leadmock fixture serves (paths from the rootdir)",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leadmock(seed=None, leads=None, validate_responses=None, store=None, specs=None): "
        "the mock this test gets",
    )
    config.stash[_SERVERS] = {}
    # Checked once, up front, by the same rules as every other way to give them.
    try:
        _checked(_defaults(config))
    except ConfigError as exc:
        raise pytest.UsageError(f"leadmock: --leadmock-* or leadmock_* ini: {exc}") from None


def _coverage_asked(config: pytest.Config) -> bool:
    return bool(
        config.getoption("--leadmock-coverage")
        or config.getoption("--leadmock-coverage-report")
        or config.getoption("--leadmock-coverage-fail-under") is not None
        or config.getoption("--leadmock-coverage-statuses-fail-under") is not None
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite's coverage, over every mock it started; a run below a floor fails."""
    config = session.config
    if not _coverage_asked(config) or hasattr(config, "workerinput"):
        return
    if getattr(config.option, "numprocesses", None):
        # Each xdist worker's mocks are its own; the controller has none to read.
        reason = "leadmock coverage is not counted under pytest-xdist (-n): run without it"
        config.stash[_COVERAGE] = ({"apis": []}, [reason])
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    from mockserver.coverage import Coverage, below, markdown

    counted = Coverage()
    for server in config.stash.get(_SERVERS, {}).values():
        if server.mock is not None:
            counted.merged(server.coverage)
    report = counted.report()
    failures = [
        reason
        for part, option in (
            ("operations", "--leadmock-coverage-fail-under"),
            ("statuses", "--leadmock-coverage-statuses-fail-under"),
        )
        if (floor := config.getoption(option)) is not None
        and (reason := below(report, part, floor)) is not None
    ]
    if not report["apis"] and any(
        config.getoption(option) is not None
        for option in ("--leadmock-coverage-fail-under", "--leadmock-coverage-statuses-fail-under")
    ):
        failures.append("leadmock coverage: no request reached a leadmock API")
    config.stash[_COVERAGE] = (report, failures)
    folder = config.getoption("--leadmock-coverage-report")
    if folder:
        import json
        from pathlib import Path

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        (target / "leadmock-coverage.json").write_text(json.dumps(report, indent=2) + "\n")
        (target / "leadmock-coverage.md").write_text(markdown(report))
    if failures and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = terminalreporter.config.stash.get(_COVERAGE, None)
    if found is None:
        return
    from mockserver.coverage import table

    report, failures = found
    terminalreporter.write_sep("-", "leadmock spec coverage")
    if report["apis"]:
        terminalreporter.write_line(table(report))
    else:
        terminalreporter.write_line("no request reached a leadmock API")
    for reason in failures:
        terminalreporter.write_line(reason, red=True, bold=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in config.stash.get(_SERVERS, {}).values():
        server.stop()


def _server(config: pytest.Config, options: Options) -> LeadMock:
    """One running mock per set of options in this process, started on first use."""
    servers = config.stash[_SERVERS]
    if options not in servers:
        # Seeding loads Faker's locale providers: imported as the stack is.
        with quiet_imports():
            LeadMock = import_quietly("mockserver.fixture").LeadMock
            servers[options] = LeadMock(options.config()).start()
    return servers[options]


def _defaults(config: pytest.Config) -> Options:
    seed = config.getoption("--leadmock-seed")
    leads = config.getoption("--leadmock-leads")
    validate = config.getoption("--leadmock-validate-responses")
    store = (
        config.getoption("--leadmock-store")
        or os.environ.get("LEADMOCK_STORE")
        or config.getini("leadmock_store")
        or None
    )
    worker = getattr(config, "workerinput", {}).get("workerid")
    if store and worker:
        # An xdist worker's mock keeps apart from the others' in the same Redis.
        from mockserver.shared.connection import with_prefix_suffix

        store = with_prefix_suffix(store, worker)
    given = config.getoption("--leadmock-spec")
    specs = (
        _absolute(given, os.getcwd())
        if given
        else _absolute(config.getini("leadmock_specs"), str(config.rootpath))
    )
    try:
        return Options(
            int(config.getini("leadmock_seed")) if seed is None else seed,
            int(config.getini("leadmock_leads")) if leads is None else leads,
            bool(config.getini("leadmock_validate_responses")) if validate is None else validate,
            store,
            specs,
        )
    except ValueError as exc:
        raise pytest.UsageError(f"leadmock_seed/leadmock_leads: {exc}") from None


def _marked(marker: pytest.Mark, defaults: Options) -> Options:
    """The marker's options over the defaults; an unknown option is an error, not a no-op."""
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
    options = defaults._replace(**marker.kwargs)
    if "specs" in marker.kwargs:
        given = marker.kwargs["specs"]
        if isinstance(given, str) or not all(isinstance(s, str) for s in given or ()):
            pytest.fail(
                f"@pytest.mark.leadmock: specs is a list of file paths, not {given!r}",
                pytrace=False,
            )
        # Relative to the working directory, as a command line's are.
        options = options._replace(specs=_absolute(list(given or ()), os.getcwd()))
    if not isinstance(options.validate_responses, bool):
        pytest.fail(
            f"@pytest.mark.leadmock: validate_responses is True or False, "
            f"not {options.validate_responses!r}",
            pytrace=False,
        )
    try:
        _checked(options)
    except ConfigError as exc:
        pytest.fail(f"@pytest.mark.leadmock: {exc}", pytrace=False)
    return options


def _absolute(paths: list[str], base: str) -> tuple[str, ...]:
    return tuple(os.path.abspath(os.path.join(base, path)) for path in paths)


def _checked(options: Options) -> Config:
    """The config ``options`` give, checked whole: a store URL too, without connecting."""
    config = options.config()
    if config.specs:
        from mockserver.registry import registry_for

        registry_for(config)  # a document that cannot be served: one line, here
    if config.store:
        from mockserver.shared.connection import StoreURLError, parse_store_url

        try:
            parse_store_url(config.store)
        except StoreURLError as exc:
            raise ConfigError("store", str(exc)) from None
    return config


@pytest.fixture(scope="session")
def leadmock_server(pytestconfig: pytest.Config) -> LeadMock:
    """The session's running mock, with the configured options; never reset by leadmock."""
    return _server(pytestconfig, _defaults(pytestconfig))


@pytest.fixture
def leadmock(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[LeadMock]:
    """A running mock in its seed state, with an empty journal and no faults."""
    options = _defaults(pytestconfig)
    marker = request.node.get_closest_marker("leadmock")
    if marker is not None:
        options = _marked(marker, options)
    server = _server(pytestconfig, options)
    server.reset()
    yield server
