"""The pytest plugin, as a team meets it: a test file, no configuration, ``pytest``."""

from __future__ import annotations

from pathlib import Path

import pytest

# What every generated test file starts with: a helper that counts the visible leads.
PREAMBLE = """
import httpx
import pytest

LEADS = "/v3/5b55e806c93dde00143163dd/leads"
OWNER = ("andrea.leo@f21.it", "123456")


def count(leadmock):
    return httpx.get(leadmock.url + LEADS, auth=OWNER).json()["count"]
"""

USES_THE_FIXTURE = (
    PREAMBLE
    + """

def test_writes(leadmock):
    seeded = count(leadmock)
    httpx.post(leadmock.url + LEADS, json={"lead_id": "mine"}, auth=OWNER)
    assert count(leadmock) == seeded + 1
    leadmock.journal.assert_called("create_lead", times=1, body={"lead_id": "mine"})


def test_sees_no_earlier_write(leadmock):
    assert count(leadmock) == SEEDED
    assert len(leadmock.journal.entries()) == 1
"""
)


def write(pytester: pytest.Pytester, seeded: int, copies: int = 1) -> None:
    body = USES_THE_FIXTURE.replace("SEEDED", str(seeded))
    pytester.makepyfile(**{f"test_client_{n}": body for n in range(copies)})


def test_fixture_works_with_no_configuration(pytester: pytest.Pytester) -> None:
    # 100 leads a project by default; one in twenty is soft-deleted, so 95 are listed.
    write(pytester, seeded=95)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_state_written_in_one_test_is_gone_in_the_next_under_xdist(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, seeded=95, copies=4)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


def test_seed_and_leads_from_ini_flag_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nleadmock_leads = 6\n")
    pytester.makepyfile(
        test_options=PREAMBLE
        + """

def test_ini(leadmock):
    assert count(leadmock) == 6 and leadmock.mock.config.seed == 3


@pytest.mark.leadmock(seed=8, leads=4)
def test_marker(leadmock):
    assert count(leadmock) == 4 and leadmock.mock.config.seed == 8
"""
    )
    pytester.runpytest("--leadmock-seed", "3", "-p", "no:cacheprovider").assert_outcomes(passed=2)


DOCS = Path(__file__).resolve().parent.parent / "docs"


def readme_example() -> str:
    """The pytest page's example (docs/pytest.md), as a user would copy it."""
    page = (DOCS / "pytest.md").read_text()
    return page.split("<!-- pytest-example -->\n```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_passes_and_prints_the_readme_coverage_table(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_lead_export=readme_example())
    result = pytester.runpytest("-p", "no:cacheprovider", "--leadmock-coverage")
    result.assert_outcomes(passed=2)
    page = (DOCS / "journal.md").read_text()
    marker = (
        "The lead export example of [the pytest page](pytest.md), run with `--leadmock-coverage`:"
    )
    after = page.split(f"{marker}\n\n```\n", 1)[1]
    shown = after.split("```", 1)[0].splitlines()
    printed = result.stdout.lines
    start = next(i for i, line in enumerate(printed) if "leadmock spec coverage" in line)
    assert printed[start : start + len(shown)] == shown


def test_readme_scenario_example_passes(pytester: pytest.Pytester) -> None:
    page = (DOCS / "journal.md").read_text()
    example = page.split("<!-- scenario-example -->\n```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_scenario=example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_marker_option_it_does_not_know_fails_the_test_naming_the_close_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_typo="""
import pytest

@pytest.mark.leadmock(seeds=7)
def test_typo(leadmock):
    pass

@pytest.mark.leadmock(leads=1)
def test_too_few(leadmock):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.leadmock: unknown option 'seeds' (did you mean 'seed'?); "
            "known: seed, leads*",
            "*@pytest.mark.leadmock: leads is a whole number 2 to 10,000,000*not 1*",
        ]
    )


@pytest.mark.parametrize("leads", ["-5", "1"])
def test_fixture_options_are_checked_as_the_cli_checks_them(
    pytester: pytest.Pytester, leads: str
) -> None:
    pytester.makepyfile(test_any="def test_any():\n    pass\n")
    result = pytester.runpytest_subprocess("--leadmock-leads", leads, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "leads is a whole number 2 to 10,000,000" in result.stderr.str()
    assert "ZeroDivisionError" not in result.stderr.str() + result.stdout.str()


def test_the_plugin_loads_no_web_framework_checker_or_faker_until_a_fixture_is_used() -> None:
    import subprocess
    import sys

    heavy = ("connexion", "starlette", "schemathesis", "hypothesis", "faker", "uvicorn")
    probe = (
        "import sys, mockserver, mockserver.pytest_plugin; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_check_without_the_check_extra_says_what_to_install() -> None:
    import subprocess
    import sys

    # As if Schemathesis were not installed: its import fails.
    probe = (
        "import sys; sys.modules['schemathesis'] = None; from mockserver.cli import main; "
        "sys.exit(main(['check', 'overloop']))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "leadmock check: the checker needs Schemathesis, in leadmock's check extra: "
        "pip install 'leadmock[check]'"
    )


def test_validate_responses_from_the_marker_the_flag_and_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nleadmock_validate_responses = true\n")
    pytester.makepyfile(
        test_validation="""
import pytest

def test_ini(leadmock):
    assert leadmock.mock.config.validate_responses is True

@pytest.mark.leadmock(validate_responses=False)
def test_marker(leadmock):
    assert leadmock.mock.config.validate_responses is False

@pytest.mark.leadmock(validate_responses="yes")
def test_not_a_bool(leadmock):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*validate_responses is True or False, not 'yes'*"])


def test_operations_lists_every_operation_of_an_api_with_its_method_and_path() -> None:
    import subprocess
    import sys

    from mockserver.specfiles import load_spec

    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "operations", "tiledesk-v3"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "tiledesk-v3  (/v3)"
    listed = {tuple(line.split()) for line in lines[1:]}
    spec = load_spec("tiledesk-v3.yaml")
    expected = {
        (method.upper(), f"/v3{path}", operation["operationId"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert listed == expected and ("GET", "/v3/{project_id}/leads", "list_leads") in listed
    unknown = subprocess.run(
        [sys.executable, "-m", "mockserver", "operations", "tiledsk"],
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2 and "unknown API or vendor 'tiledsk'" in unknown.stderr


def test_the_fixture_over_redis_keeps_each_xdist_worker_apart(
    pytester: pytest.Pytester, redis_server, redis_url: str
) -> None:
    """``--leadmock-store``: the fixture's state in a real Redis, under a prefix per xdist
    worker, reset before each test as in memory."""
    import redis

    write(pytester, seeded=95, copies=4)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", "--leadmock-store", redis_url
    )
    result.assert_outcomes(passed=8)
    prefix = redis_url.split("prefix=")[1]
    client = redis.Redis(port=redis_server.port)
    for worker in ("gw0", "gw1"):
        assert client.exists(f"{prefix}-{worker}:meta"), worker  # seeded there, apart
    assert not client.exists(f"{prefix}:meta")


def test_the_fixture_store_from_the_environment_and_a_bad_one_refused(
    pytester: pytest.Pytester, redis_server, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    write(pytester, seeded=95)
    monkeypatch.setenv("LEADMOCK_STORE", redis_url)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    prefix = redis_url.split("prefix=")[1]
    assert redis.Redis(port=redis_server.port).exists(f"{prefix}:meta")
    monkeypatch.setenv("LEADMOCK_STORE", "redis://127.0.0.1:6379/x")
    refused = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*the database is a number*"])


def test_a_run_that_uses_the_fixture_shows_no_warning_of_leadmocks_stack(
    pytester: pytest.Pytester,
) -> None:
    # A fresh interpreter: Connexion's import-time warnings (Starlette's test client,
    # jsonschema's RefResolver) come once a process, when the fixture first loads it.
    pytester.makepyfile(test_one="def test_it(leadmock):\n    assert leadmock.url\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, warnings=0)
    assert "warnings summary" not in result.stdout.str()


def test_the_fixture_loads_its_stack_past_pytests_assertion_rewriting(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest rewrites every module of a distribution with a plugin (Faker's, anyio's, ours),
    # plugin off or not; where it may not cache the result, each run parses and compiles them
    # all again: 0.5 s a run that uses the fixture. What the fixture loads is loaded as usual.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    pytester.makepyfile(
        test_one="""
import sys

def test_it(leadmock):
    assert leadmock.url
    loaded = {
        name: type(getattr(module, "__loader__", None)).__name__
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("faker", "anyio", "starlette", "connexion", "mockserver")
    }
    rewritten = sorted(name for name, loader in loaded.items()
                       if loader == "AssertionRewritingHook")
    # The plugin itself is loaded by pytest, with its package, before any fixture (rewritten
    # when installed from a wheel, not when editable).
    assert set(rewritten) <= {"mockserver", "mockserver.pytest_plugin"}, rewritten
    assert "faker.decode.codes" in loaded and "faker.providers.person.en_US" in loaded
"""
    )
    # Their own plugins load their packages (Schemathesis' loads anyio), as pytest starts.
    off = [f"-p no:{name}" for name in ("faker", "anyio", "schemathesis", "hypothesispytest")]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *" ".join(off).split())
    result.assert_outcomes(passed=1)
