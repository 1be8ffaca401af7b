"""`leadmock check` gives no false green: wrong credentials, an unreachable target and impossible
options stop it before the run (exit 2, one line), refusals alone fail a run, and `--read-only`
sends no write (the served mock's journal says what arrived)."""

from __future__ import annotations

import http.server
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts import run
from mockserver import Config, create_app
from mockserver.fixture import LeadMock
from mockserver.vendorrecord import CheckTarget
from mockserver.vendors import vendor_of

PROJECT = "path.project_id=5b55e806c93dde00143163dd"
BUDGET = ["--max-examples", "2", "--stateful-steps", "3", "--seed", "1"]


@pytest.fixture(scope="module")
def served() -> Iterator[LeadMock]:
    with LeadMock(Config()) as mock:
        yield mock


def leadmock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "check", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_wrong_credentials_stop_the_run_with_the_reason(served: LeadMock, tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    done = leadmock(
        "tiledesk-v3", "--base-url", f"{served.url}/v3", "--user", "andrea.leo@f21.it",
        "--password", "WRONG", "--set", PROJECT, "--junit", str(junit), *BUDGET,
    )  # fmt: skip
    assert done.returncode == 2
    assert "the credentials were refused: GET /{project_id}/leads answered 401" in done.stderr
    assert "checks" not in done.stdout and not junit.exists()


def test_a_key_the_vendor_refuses_stops_the_run(served: LeadMock) -> None:
    done = leadmock("overloop", "--base-url", f"{served.url}/public/v1", "--api-key", "nope")
    assert done.returncode == 2
    assert "the credentials were refused: GET /leads answered 401" in done.stderr


def test_an_unreachable_target_stops_at_once(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v3"
    done = leadmock("tiledesk-v3", "--base-url", url, "--user", "a", "--password", "b")
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"leadmock check: cannot reach {url}:")
    assert "Traceback" not in done.stderr and "checks" not in done.stdout


@pytest.mark.parametrize(
    "option", [["--max-examples", "0"], ["--stateful-steps", "-1"], ["--max-time", "soon"]]
)
def test_impossible_values_are_refused_with_one_line(option: list[str]) -> None:
    done = leadmock("overloop", *option)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("leadmock check: error: argument")


def test_read_only_sends_no_write_and_lists_what_it_skipped(served: LeadMock) -> None:
    served.reset()
    key = served.facts["overloop"]["api_key"]
    done = leadmock(
        "overloop", "--base-url", f"{served.url}/public/v1", "--api-key", key, "--read-only",
        *BUDGET,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    methods = {entry.method for entry in served.journal.entries()}
    assert methods and methods <= {"GET", "HEAD", "OPTIONS"}, methods
    for operation in ("POST /leads", "PATCH /leads/{id}", "DELETE /leads/{id}"):
        assert f"not sent (--read-only): {operation}" in done.stdout
    assert "sends writes" not in done.stdout


def test_a_run_that_writes_says_so_and_puts_a_leadmock_back_as_it_was(served: LeadMock) -> None:
    served.reset()
    key = served.facts["overloop"]["api_key"]
    served.mock.store.put("leads", "999", {"id": 999, "note": "made before the run"}, scope="1")
    before = json.dumps(served.mock.store.dump(), sort_keys=True)
    done = leadmock("overloop", "--base-url", f"{served.url}/public/v1", "--api-key", key, *BUDGET)
    first = done.stdout.splitlines()[0]
    assert "this run sends writes (POST, PUT, PATCH, DELETE)" in first
    assert {entry.method for entry in served.journal.entries()} & {"POST", "PATCH", "DELETE"}
    assert "is back as it was before the run" in done.stdout
    assert json.dumps(served.mock.store.dump(), sort_keys=True) == before


def test_an_operation_answering_only_refusals_fails_the_run() -> None:
    """Past the first read (a check of the library, no preflight): every request refused."""
    mock = create_app(Config())
    report = run(
        "overloop",
        app=mock,
        target=CheckTarget(headers={"Authorization": "not-the-key"}),
        max_examples=3,
        stateful_steps=3,
    )
    refused = [f for f in report.failures if f.check == "authentication"]
    assert refused and not report.ok
    assert "GET /leads" in {f.operation for f in refused}
    assert "were answered 401" in refused[0].message
    fine = overloop_run(mock, max_examples=3, stateful_steps=3)
    assert not [f for f in fine.failures if f.check == "authentication"]


class _DropsWrites(http.server.BaseHTTPRequestHandler):
    """Answers reads with an empty page, hangs up on writes without a word."""

    def do_GET(self) -> None:
        body = b'{"data": [], "links": {}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.close_connection = True

    do_PATCH = do_DELETE = do_PUT = do_POST

    def log_message(self, *args: object) -> None:
        pass


def test_a_request_that_gets_no_answer_is_shown_where_it_happens() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DropsWrites)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        done = leadmock("overloop", "--base-url", url, "--api-key", "k", *BUDGET)
    finally:
        server.shutdown()
    lines = done.stdout.splitlines()
    summary = next(i for i, line in enumerate(lines) if "checks over" in line)
    errors = [i for i, line in enumerate(lines) if line.strip().startswith("ERROR")]
    assert errors and errors[0] < summary, done.stdout[-3000:]
    assert done.returncode == 1


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (["--checks", "response_schema"], "did you mean response_schema_conformance?"),
        (["--exclude-checks", "nope"], "no check 'nope'"),
        (["--include-operation", "GET /lead"], "has no operation 'GET /lead'"),
        (["--phases", "examples,fuzz"], "no phase 'fuzz'; the phases: examples, coverage"),
        (["--rate-limit", "3/fortnight"], "expected COUNT/UNIT, e.g. 200/min"),
        (["--workers", "0"], "is not a whole number above 0"),
    ],
)
def test_a_narrowing_option_it_cannot_use_is_one_line_and_exit_2(
    option: list[str], says: str
) -> None:
    done = leadmock("overloop", *option)
    assert done.returncode == 2
    assert says in done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr


def overloop_run(mock: Any, **options: Any) -> Any:
    """The checker on the mock's Overloop, in-process, with its seeded key."""
    vendor, _ = vendor_of("overloop")
    return run(
        "overloop",
        app=mock,
        target=vendor.checking().check_target(mock.facts["overloop"]),
        **options,
    )


def test_phases_checks_and_operations_narrow_the_run() -> None:
    mock = create_app(Config())
    report = overloop_run(
        mock,
        max_examples=3,
        phases=["examples", "fuzzing"],
        only_checks=["not_a_server_error", "response_schema_conformance"],
        operations=["GET /leads", "get_lead"],
    )
    assert set(report.checks_by_phase) == {"examples", "fuzzing"}
    assert set(report.checks_by_operation) == {"GET /leads", "GET /leads/{id}"}
    assert {check for _, check, _ in report.outcomes} == {
        "not_a_server_error",
        "response_schema_conformance",
    }
    assert {entry.method for entry in mock.journal.entries()} == {"GET"}


def test_max_time_is_a_budget_for_the_whole_run() -> None:
    report = overloop_run(
        create_app(Config()),
        max_examples=500,
        stateful_steps=50,
        max_time=2,
    )
    # 500 examples a phase and sequences of 50 take minutes; the budget ends it before the end.
    assert report.stopped == "stopped after the --max-time budget of 2 s"
    assert "stateful" not in report.checks_by_phase


def test_every_report_is_written_with_times_and_the_exchanges(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    done = leadmock("overloop", *BUDGET, "--report-dir", str(folder), "--report", "har")
    assert done.returncode == 0, done.stdout[-2000:]
    suite = ET.parse(folder / "junit.xml").getroot().find("testsuite")
    assert float(suite.get("time")) > 0
    assert all(case.get("time") is not None for case in suite.iter("testcase"))
    summary = (folder / "summary.md").read_text()
    assert "## overloop: passed" in summary and "| `GET /leads` |" in summary
    har = json.loads((folder / "cassette.har").read_text())["log"]
    assert har["version"] == "1.2" and len(har["entries"]) > 50
    methods = {entry["request"]["method"] for entry in har["entries"]}
    assert {"GET", "POST"} <= methods
    assert all(entry["response"]["status"] >= 100 for entry in har["entries"])
    # Overloop's API key travels in Authorization: no request in the file shows it.
    sent = [h for entry in har["entries"] for h in entry["request"]["headers"]]
    keys = [h["value"] for h in sent if h["name"].lower() == "authorization"]
    assert keys and set(keys) == {"[redacted]"}


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (["--junit", f"{__file__}/folder/report.xml"], "test_check_trust.py is not a folder"),
        (["--report", "har"], "--report har needs --report-dir"),
    ],
)
def test_a_report_that_cannot_be_written_is_refused_before_the_run(
    option: list[str], says: str
) -> None:
    done = leadmock("overloop", *BUDGET, *option)
    assert done.returncode == 2 and says in done.stderr
    assert "checks" not in done.stdout


def test_a_junit_report_in_a_folder_not_there_yet_makes_the_folder(tmp_path: Path) -> None:
    # As `make contract` on a fresh clone: reports/ does not exist yet.
    target = tmp_path / "reports" / "deeper" / "contract.xml"
    done = leadmock("overloop", *BUDGET, "--junit", str(target))
    assert done.returncode == 0, done.stderr
    assert ET.parse(target).getroot().tag == "testsuites"


def _under_a_terminal(*args: str) -> bytes:
    """What `leadmock check` writes when its output is a terminal (a pseudo-terminal here)."""
    # A pty and a subprocess, not pty.fork(): forking this multi-threaded test process is what
    # Python 3.12 warns may deadlock the child.
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "check", *args],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    child.wait(timeout=60)
    os.close(leader)
    return out


def test_a_terminal_gets_a_progress_line_and_ci_plain_lines() -> None:
    shown = _under_a_terminal("overloop", *BUDGET)
    assert re.search(
        rb"\r  \[fuzzing: \d+/20 operations, \d+ checks, \d+ s, about \d+ s left\]", shown
    )
    piped = leadmock("overloop", *BUDGET)
    assert "\r" not in piped.stdout and " s left]" not in piped.stdout
    assert "    GET /leads " in piped.stdout


class _Broken(http.server.BaseHTTPRequestHandler):
    """A small Overloop gone wrong: its list lacks `links` and types ids as numbers, a long id
    is a 500, and a create is accepted without any credentials."""

    def _answer(self, status: int, body: dict) -> None:
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _lead(self, ident: int | str) -> dict:
        attributes = {"email": "a@b.test", "first_name": "A", "last_name": "B"}
        return {"id": ident, "type": "leads", "attributes": attributes, "relationships": {}}

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "k":
            self._answer(
                401, {"errors": [{"code": "unauthorized", "message": "Your API key is wrong"}]}
            )
            return
        path = self.path.split("?")[0]
        if path == "/leads":
            self._answer(200, {"data": [self._lead(1)]})  # `links` is missing, the id a number
        elif len(path) > 12:
            self._answer(500, {"errors": [{"code": "oops", "message": "boom"}]})
        else:
            self._answer(200, {"data": self._lead("1")})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(201, {"data": self._lead("2")})  # whoever asks

    def log_message(self, *args: object) -> None:
        pass


def test_a_broken_server_is_reported_with_what_it_broke() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        done = leadmock(
            "overloop", "--base-url", url, "--api-key", "k", "--max-examples", "10",
            "--include-operation", "GET /leads", "--include-operation", "GET /leads/{id}",
            "--include-operation", "POST /leads", "--phases", "examples,coverage,fuzzing",
        )  # fmt: skip
    finally:
        server.shutdown()
    out = done.stdout
    assert done.returncode == 1, out[-3000:]
    listed = out.split("FAILED GET /leads\n")[1].split("  FAILED ")[0]
    assert "response_schema_conformance" in listed and "answered: 200" in listed
    assert "schema path: /" in listed
    assert "not_a_server_error" in out.split("FAILED GET /leads/{id}")[1].split("  FAILED ")[0]
    assert "ignored_auth" in out.split("FAILED POST /leads")[1]
