"""Spec coverage of a team's own tests, on known suites whose figures are worked out by hand from
the documents: Overloop (built in) and ``contacts-crm.yaml`` (``--spec``), through the pytest
plugin (pytester), through ``/__admin/coverage`` and through ``leadmock coverage`` over a
journal export."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main
from mockserver.config import Config
from mockserver.fixture import LeadMock

CONTACTS = Path(__file__).parent / "specs_corpus" / "contacts-crm.yaml"

# Overloop's document (specs/overloop.yaml) has five operations. Their documented statuses:
#   list_leads  200 400 401 408 413 429          (6)
#   create_lead 200 201 400 401 408 413 415 422 429  (9)
#   get_lead    200 400 401 404 408 413 429      (7)
#   delete_lead 200 400 401 404 408 413 429      (7)
#   update_lead 200 400 401 404 408 413 415 422 429  (9)  -> 38 statuses, of them 6 successes
# (list 200, create 201 and 200, get 200, delete 200, update 200), so 32 error statuses.
# Query parameters: list page, sort, filter, include; create return_existing, include; get
# include; update include -> 8. Body fields: create and update take 16 leaves each
# (data.type and data.attributes.*) -> 32.
# The suite below calls list (200, and 401 without a key; page and filter), get (404) and
# create (201, then 422 for the same email; data.type, data.attributes.email and
# data.attributes.first_name), and one path the document does not have.
OVERLOOP_SUITE = """
def overloop_suite(url, key):
    leads = url + "/public/v1/leads"
    jsonapi = {"Authorization": key, "Content-Type": "application/vnd.api+json"}
    body = {"data": {"type": "leads", "attributes": {"email": "cov@example.com",
                                                     "first_name": "Cov"}}}
    assert httpx.get(leads + "?page[size]=2&filter=first_name:X",
                     headers={"Authorization": key}).status_code == 200
    assert httpx.get(leads).status_code == 401
    assert httpx.get(leads + "/99999", headers={"Authorization": key}).status_code == 404
    assert httpx.post(leads, json=body, headers=jsonapi).status_code == 201
    assert httpx.post(leads, json=body, headers=jsonapi).status_code == 422
    assert httpx.get(url + "/public/v1/nothing", headers={"Authorization": key}).status_code == 404
"""
OVERLOOP = {
    "operations": (3, 5, 60.0),
    "statuses": (5, 38, 13.2),
    "error_statuses": (3, 32, 9.4),
    "query_parameters": (2, 8, 25.0),
    "body_fields": (3, 32, 9.4),
}

# contacts-crm.yaml has 11 operations and 12 documented statuses (getContact has 200 and 404,
# every other one its success alone), so one error status; 7 query parameters, all on
# listContacts; body fields: create, replace and update take name, email, status and
# portal_password, addNote body, mergeContact other -> 14.
# The suite calls createContact (201; name, email), getContact (200 and 404) and listContacts
# twice (q and per_page, then sort_by and order), in two tests: the reset between them keeps
# the counts.
CONTACTS_SUITE = """
def contacts_first(url):
    contacts = url + "/api/v1/contacts"
    made = httpx.post(contacts, json={"name": "Ada", "email": "ada@example.com"})
    assert made.status_code == 201
    assert httpx.get(f"{contacts}/{made.json()['data']['id']}").status_code == 200
    assert httpx.get(contacts + "/999999").status_code == 404


def contacts_second(url):
    contacts = url + "/api/v1/contacts"
    assert httpx.get(contacts + "?q=Ada&per_page=5").status_code == 200
    assert httpx.get(contacts + "?sort_by=name&order=asc").status_code == 200
"""
CONTACTS_FIGURES = {
    "operations": (3, 11, 27.3),
    "statuses": (4, 12, 33.3),
    "error_statuses": (1, 1, 100.0),
    "query_parameters": (4, 7, 57.1),
    "body_fields": (2, 14, 14.3),
}


def figures(api: dict) -> dict:
    return {
        part: (api[part]["covered"], api[part]["documented"], api[part]["percent"])
        for part in OVERLOOP
    }


def run_suites(url: str, key: str) -> None:
    scope: dict = {"httpx": httpx}
    exec(OVERLOOP_SUITE + CONTACTS_SUITE, scope)  # the same code the pytester files run
    scope["overloop_suite"](url, key)
    scope["contacts_first"](url)
    scope["contacts_second"](url)


@pytest.fixture(scope="module")
def mock() -> LeadMock:
    with LeadMock(Config(vendors=("overloop",)), specs=[CONTACTS]) as served:
        yield served


def test_admin_coverage_counts_a_known_suite_for_a_built_in_api_and_a_document(
    mock: LeadMock,
) -> None:
    run_suites(mock.url, mock.facts["overloop"]["api_key"])
    mock.reset()  # a reset empties the journal, not the coverage
    answer = httpx.get(f"{mock.url}/__admin/coverage")
    assert answer.status_code == 200
    report = answer.json()
    by_api = {api["api"]: api for api in report["apis"]}
    assert sorted(by_api) == ["contacts-crm", "overloop"]
    assert figures(by_api["overloop"]) == OVERLOOP
    assert figures(by_api["contacts-crm"]) == CONTACTS_FIGURES
    overloop = by_api["overloop"]
    assert overloop["calls"] == 5 and overloop["calls_outside_operations"] == 1
    assert overloop["operations_never_called"] == ["delete_lead", "update_lead"]
    listed = next(op for op in overloop["by_operation"] if op["operation"] == "list_leads")
    assert listed["statuses_seen"] == {"200": 1, "401": 1}
    assert listed["statuses_never_seen"] == ["400", "408", "413", "429"]
    assert listed["query_parameters_used"] == ["page", "filter"]
    assert listed["query_parameters_never_used"] == ["sort", "include"]
    created = next(op for op in overloop["by_operation"] if op["operation"] == "create_lead")
    assert created["body_fields_sent"] == [
        "data.type", "data.attributes.email", "data.attributes.first_name"
    ]  # fmt: skip
    # (3 + 3) of (5 + 11) operations; (5 + 4) of (38 + 12) statuses
    assert report["total"]["operations"] == {"documented": 16, "covered": 6, "percent": 37.5}
    assert report["total"]["statuses"] == {"documented": 50, "covered": 9, "percent": 18.0}

    text = httpx.get(f"{mock.url}/__admin/coverage?format=text").text
    assert "overloop" in text and "3/5 60%" in text and "5/38 13%" in text
    assert "never called: overloop delete_lead, update_lead" in text
    assert "never answered: overloop list_leads 400, 408, 413, 429" in text
    markdown = httpx.get(f"{mock.url}/__admin/coverage?format=markdown")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "| contacts-crm | 3/11 27% | 4/12 33% |" in markdown.text
    refused = httpx.get(f"{mock.url}/__admin/coverage?format=xml")
    assert refused.status_code == 400 and "json, text, markdown" in refused.text

    assert httpx.delete(f"{mock.url}/__admin/coverage").status_code == 204
    emptied = httpx.get(f"{mock.url}/__admin/coverage").json()
    assert emptied["apis"] == [] and emptied["apis_never_called"] == ["overloop", "contacts-crm"]


def test_leadmock_coverage_reads_a_journal_export(
    mock: LeadMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock.reset()
    run_suites(mock.url, mock.facts["overloop"]["api_key"])
    export = tmp_path / "journal.json"
    export.write_bytes(httpx.get(f"{mock.url}/__admin/journal").content)
    capsys.readouterr()
    assert main(["coverage", str(export), "--spec", str(CONTACTS), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_api = {api["api"]: api for api in report["apis"]}
    assert figures(by_api["overloop"]) == OVERLOOP
    assert figures(by_api["contacts-crm"]) == CONTACTS_FIGURES
    # Below a floor: exit 1, saying which and by how much; the report is written all the same.
    code = main(["coverage", str(export), "--spec", str(CONTACTS), "--fail-under", "40",
                 "--report", str(tmp_path / "out")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "37.5% of documented operations (6 of 16) is below 40%" in captured.err
    assert "3/5 60%" in captured.out
    written = json.loads((tmp_path / "out" / "leadmock-coverage.json").read_text())
    assert written["total"]["operations"]["covered"] == 6
    assert "| overloop | 3/5 60% |" in (tmp_path / "out" / "leadmock-coverage.md").read_text()
    assert main(["coverage", str(export), "--spec", str(CONTACTS), "--fail-under", "37"]) == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'{"api": "overloop"}', "not a journal export"),
        (b"[1, 2]", "not a journal export"),
    ],
)
def test_leadmock_coverage_refuses_what_is_not_an_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    export = tmp_path / "journal.json"
    export.write_bytes(content)
    assert main(["coverage", str(export)]) == 2
    assert reason in capsys.readouterr().err


def test_coverage_floor_must_be_a_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["coverage", "journal.json", "--fail-under", "120"])
    assert exit_.value.code == 2
    assert "a percentage 0 to 100, not '120'" in capsys.readouterr().err


def plugin_suite(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_suite="import httpx\n" + OVERLOOP_SUITE + CONTACTS_SUITE + body)


def test_plugin_prints_and_writes_the_coverage_of_a_document(pytester: pytest.Pytester) -> None:
    plugin_suite(
        pytester,
        """

def test_first(leadmock):
    contacts_first(leadmock.url)


def test_second(leadmock):
    contacts_second(leadmock.url)
""",
    )
    report = pytester.path / "coverage"
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--leadmock-spec", str(CONTACTS),
        "--leadmock-coverage-report", str(report), "--leadmock-coverage-fail-under", "25",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*leadmock spec coverage*", "contacts-crm *3/11 27%*4/12 33%*1/1 100%*4/7 57%*2/14 14%"]
    )
    written = json.loads((report / "leadmock-coverage.json").read_text())
    assert figures(written["apis"][0]) == CONTACTS_FIGURES
    assert (report / "leadmock-coverage.md").read_text().startswith("# Spec coverage")


def test_plugin_fails_a_passing_run_below_a_floor(pytester: pytest.Pytester) -> None:
    plugin_suite(
        pytester,
        """

def test_overloop(leadmock):
    overloop_suite(leadmock.url, leadmock.facts["overloop"]["api_key"])
""",
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--leadmock-coverage-fail-under", "50",
        "--leadmock-coverage-statuses-fail-under", "20",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # Only Overloop was called: its figures are the total; the other APIs are listed apart.
    result.stdout.fnmatch_lines(
        [
            "overloop *3/5 60%*5/38 13%*3/32 9%*2/8 25%*3/32 9%",
            "total *3/5 60%*5/38 13%*",
            "APIs never called: tiledesk-v1, *",
            "leadmock coverage: 13.2% of documented statuses (5 of 38) is below 20%",
        ]
    )
    assert "of documented operations" not in result.stdout.str()


def test_plugin_without_coverage_prints_none_and_a_floor_with_no_request_fails(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    quiet = pytester.runpytest("-p", "no:cacheprovider")
    assert quiet.ret == 0 and "leadmock spec coverage" not in quiet.stdout.str()
    floor = pytester.runpytest("-p", "no:cacheprovider", "--leadmock-coverage-fail-under", "1")
    assert floor.ret == pytest.ExitCode.TESTS_FAILED
    floor.stdout.fnmatch_lines(["no request reached a leadmock API", "*no request reached*"])


def test_a_mock_on_a_shared_store_counts_every_workers_requests(redis_url: str) -> None:
    from starlette.testclient import TestClient

    from mockserver.app import create_app

    config = Config(store=redis_url, vendors=("overloop",))
    first = create_app(config)
    second = create_app(config)
    key = {"Authorization": first.facts["overloop"]["api_key"]}
    with TestClient(first) as one, TestClient(second) as two:
        assert one.get("/public/v1/leads", headers=key).status_code == 200
        assert two.get("/public/v1/leads/99999", headers=key).status_code == 404
        assert two.get("/public/v1/leads").status_code == 401
        report = one.get("/__admin/coverage").json()
    (overloop,) = report["apis"]
    # list_leads (200 through the first, 401 through the second) and get_lead (404).
    assert figures(overloop)["operations"] == (2, 5, 40.0)
    assert figures(overloop)["statuses"] == (3, 38, 7.9)
    first.shared.forget()


def test_made_up_query_parameters_and_fields_are_not_kept(mock: LeadMock) -> None:
    """A long-running mock's counts stay bounded by its documents, whatever clients send."""
    httpx.delete(f"{mock.url}/__admin/coverage")
    for n in range(50):
        httpx.get(f"{mock.url}/api/v1/contacts?made_up_{n}=1&q=x")
        httpx.post(f"{mock.url}/api/v1/contacts", json={"name": "N", f"extra_{n}": {"deep": n}})
    (contacts,) = httpx.get(f"{mock.url}/__admin/coverage").json()["apis"]
    listed, created = contacts["by_operation"][:2]
    assert listed["query_parameters_used"] == ["q"]
    assert created["body_fields_sent"] == ["name"]
    counted = mock.coverage._counted  # what the mock holds, not only what it reports
    assert counted[("contacts-crm", "listContacts")].query == {"q"}
    assert counted[("contacts-crm", "createContact")].body_fields == {"name"}


def test_a_served_mock_reads_coverage_from_its_journal_unless_it_counts() -> None:
    """``serve`` counts nothing by default (counting costs every request a little): its
    coverage is the journal's, which a reset empties; ``serve --coverage`` keeps counting."""
    from starlette.testclient import TestClient

    from mockserver.app import create_app

    for counts in (False, True):
        served = create_app(Config(vendors=("overloop",)))
        if counts:
            served.count_coverage()
        key = {"Authorization": served.facts["overloop"]["api_key"]}
        with TestClient(served) as client:
            assert client.get("/public/v1/leads", headers=key).status_code == 200
            before = client.get("/__admin/coverage").json()
            assert client.post("/__admin/reset").status_code == 200
            after = client.get("/__admin/coverage").json()
        assert figures(before["apis"][0])["operations"] == (1, 5, 20.0)
        if counts:
            assert before["counted_from"] == "every request since the start"
            assert figures(after["apis"][0])["operations"] == (1, 5, 20.0)
        else:
            assert before["counted_from"] == "the journal (a reset empties it)"
            assert after["apis"] == []


def test_plugin_under_xdist_says_coverage_is_not_counted(pytester: pytest.Pytester) -> None:
    plugin_suite(
        pytester,
        """

def test_document(leadmock):
    contacts_first(leadmock.url)
""",
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--leadmock-spec", str(CONTACTS),
        "--leadmock-coverage",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*leadmock coverage is not counted under pytest-xdist (-n)*"])
