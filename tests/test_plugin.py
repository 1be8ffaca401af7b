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


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("<!-- pytest-example -->\n```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_lead_export=block)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
