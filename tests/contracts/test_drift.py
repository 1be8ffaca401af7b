"""The drift report's parts, on reports built by hand: no real server needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.drift import find_drift, observed_in_spec, render_markdown
from contracts.junit import write_drift_junit
from contracts.runner import Failure, Report, run
from mockserver import Config, create_app
from mockserver.specfiles import load_spec
from mockserver.vendorrecord import KnownDrift
from mockserver.vendors import vendor_of
from mockserver.vendors.tiledesk.checking import KNOWN_DRIFT
from realservers.tiledesk import against_real
from realservers.tiledesk.server import Unavailable

LEAD = "GET /{project_id}/leads/{id}"
CURL_500 = "curl -X GET -H 'Authorization: [Filtered]' http://127.0.0.1:1/p/leads/0"
HANG = (
    "requests.exceptions.ReadTimeout: Read timed out. (read timeout=10)\n\nReproduce with:\n\n"
    "    curl -X GET -H 'Authorization: [Filtered]' 'http://127.0.0.1:1/6b03/leads?direction=5'"
)
DEEP_PAGE_HANG = HANG.replace("direction=5", "page=99999999&limit=100")


def report_with(*failures: Failure, errors: tuple[str, ...] = ()) -> Report:
    report = Report(api="tiledesk-v3", failures=list(failures), errors=list(errors))
    report.checks_by_phase["fuzzing"] = 10
    report.outcomes.update({(LEAD, "not_a_server_error", True): 8})
    for failure in failures:
        report.outcomes[(failure.operation, failure.check, False)] += 1
    return report


def server_error(operation: str = LEAD) -> Failure:
    return Failure(operation, "not_a_server_error", "Server error", "", CURL_500, "stateful")


def test_first_matching_entry_classifies_by_check_operation_and_text() -> None:
    known = [
        KnownDrift("vendor bug", "only on leads by id", operation="* /{project_id}/leads/{id}"),
        KnownDrift("stand-in limitation", "anything else"),
    ]
    report = report_with(server_error(), server_error("GET /{project_id}/requests"))
    by_operation = {item.operation: item.known for item in find_drift(report, known)}
    assert by_operation[LEAD] is known[0]
    assert by_operation["GET /{project_id}/requests"] is known[1]


def test_text_is_a_regular_expression_over_title_message_and_curl() -> None:
    known = [KnownDrift("vendor bug", "ids that are not ObjectIds", text=r"/leads/0$")]
    assert find_drift(report_with(server_error()), known)[0].known is known[0]
    other = Failure(LEAD, "not_a_server_error", "Server error", "", "curl .../leads/1", "")
    assert find_drift(report_with(other), known)[0].known is None


def test_an_answerless_request_is_drift_under_its_method_and_path() -> None:
    known = [KnownDrift("vendor bug", "hangs", check="error", operation="GET /*/leads")]
    [item] = find_drift(report_with(errors=(HANG,)), known)
    assert (item.check, item.operation, item.known) == ("error", "GET /6b03/leads", known[0])
    assert item.reproduce.startswith("curl -X GET")


def test_a_null_email_the_real_server_stored_is_a_vendor_bug_on_every_lead_operation() -> None:
    """Seen in `make contract-real` on 2026-12-05: a create with `email: null` is stored and
    answered as null, then by every read of that lead."""
    message = 'null is not of type "string"\n\nSchema at /properties/email:\n\n{"type": "string"}'
    failures = [
        Failure(operation, "response_schema_conformance", "Response violates schema", message,
                "curl ...", "examples")
        for operation in ("POST /{project_id}/leads", "GET /{project_id}/leads",
                          "GET /{project_id}/leads/{id}", "DELETE /{project_id}/leads/{id}")
    ]  # fmt: skip
    items = find_drift(report_with(*failures), KNOWN_DRIFT)
    assert len(items) == 4
    assert all(item.known is not None and item.known.kind == "vendor bug" for item in items)
    assert all("email: null" in item.known.summary for item in items)
    elsewhere = Failure("GET /{project_id}/requests", "response_schema_conformance",
                        "Response violates schema", message, "curl ...", "examples")  # fmt: skip
    assert find_drift(report_with(elsewhere), KNOWN_DRIFT)[0].known is None


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown drift kind"):
        KnownDrift("shrug", "no reason")


def test_tiledesk_entries_classify_what_the_real_server_was_seen_doing() -> None:
    """A few departures recorded from `make contract-real` against tiledesk-server 2.19.16."""
    upsert = Failure(
        "DELETE /{project_id}/leads/{id}",
        "response_schema_conformance",
        "Response violates schema",
        '"lead_id" is a required property',
        "curl -X DELETE ...",
        "examples",
    )
    not_json = Failure(
        "POST /{project_id}/leads",
        "status_code_conformance",
        "Undocumented status code",
        "Received: 500",
        "curl -X POST -H 'Content-Type: application/json' -d $'\\x00' http://h/p/leads",
        "stateful",
    )
    items = find_drift(report_with(upsert, not_json, errors=(HANG,)), KNOWN_DRIFT)
    summaries = [item.known.summary if item.known else "" for item in items]
    assert "upsert" in summaries[0]
    assert "not JSON" in summaries[1]
    assert "never answers" in summaries[2]
    assert all(item.kind == "vendor bug" for item in items)


def test_tiledesk_departures_of_the_stand_in_are_not_filed_as_vendor_bugs() -> None:
    """A page deeper than mongoeco skips, a count mongoeco cannot make, a text index it lacks."""
    uncounted = Failure(
        "GET /{project_id}/leads",
        "response_schema_conformance",
        "Response violates schema",
        '"count" is a required property',
        "curl -X GET 'http://h/p/leads?full_text=ada'",
        "examples",
    )
    text_search = Failure(
        "GET /{project_id}/requests",
        "not_a_server_error",
        "Server error",
        "Received: 500",
        "curl -X GET 'http://h/p/requests?full_text=ada'",
        "examples",
    )
    items = find_drift(report_with(uncounted, text_search, errors=(DEEP_PAGE_HANG,)), KNOWN_DRIFT)
    assert [item.kind for item in items] == ["stand-in limitation"] * 3
    assert "text index" in items[1].known.summary


def test_markdown_counts_kinds_names_the_unexplained_and_the_agreement() -> None:
    known = [KnownDrift("vendor bug", "ids that are not ObjectIds", text="leads/0")]
    report = report_with(server_error(), errors=(HANG,))
    drift = find_drift(report, known)
    text = render_markdown(
        [report],
        drift,
        target="tiledesk-server",
        observed={"tiledesk-v3": [("#/x", "Seen (observed).")]},
        agreement=["get: GET /x\n  mock: 200 {}\n  real: 404 {}"],
    )
    assert "2 departures (1 unclassified, 1 vendor bug)" in text
    assert "**DISAGREE on 1 steps**" in text and "real: 404" in text
    assert "why: ids that are not ObjectIds" in text
    assert "**1 departures are unclassified.**" in text
    assert f"| `{LEAD}` | not_a_server_error | 8 | **1** |" in text
    assert "- `#/x`: Seen (observed)." in text


def test_junit_has_a_case_per_operation_and_check_and_typed_failures(tmp_path: Path) -> None:
    known = [KnownDrift("vendor bug", "ids that are not ObjectIds", text="leads/0")]
    report = report_with(server_error(), errors=(HANG,))
    write_drift_junit([report], find_drift(report, known), tmp_path / "drift.xml")
    suite = ET.parse(tmp_path / "drift.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    failures = {
        case.get("name"): case.find("failure").get("type")
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert failures == {
        f"{LEAD} not_a_server_error": "vendor bug",
        "GET /6b03/leads error": "unclassified",
    }


def test_observed_notes_are_found_with_their_place_in_the_spec() -> None:
    notes = dict(observed_in_spec(load_spec("tiledesk-v3.yaml")))
    assert (
        "server does not read a phone on create (observed)"
        in (notes["#/components/schemas/Lead/properties/phone"])
    )
    assert "#/paths/~1auth~1signin/post/responses/422" in notes


def test_contract_real_exits_2_saying_why_when_the_server_cannot_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_node(cache: Path) -> None:
        raise Unavailable("Node.js and npm are needed to run tiledesk-server; none found")

    monkeypatch.setattr(against_real, "install", no_node)
    assert against_real.main(["--out", "unused"]) == 2
    assert "cannot run here: Node.js and npm are needed" in capsys.readouterr().err


def test_the_runner_records_each_check_under_the_operation_it_ran_on() -> None:
    mock = create_app(Config(leads=6))
    vendor, _ = vendor_of("tiledesk-v3")
    target = vendor.checking().check_target(mock.facts["tiledesk"])
    report = run("tiledesk-v3", app=mock, target=target, max_examples=2, stateful_steps=3)
    operations = {operation for operation, _, _ in report.outcomes}
    assert LEAD in operations and "POST /auth/signin" in operations
    assert (LEAD, "response_schema_conformance", True) in report.outcomes
    assert sum(report.outcomes.values()) == sum(report.checks_by_phase.values())
