"""The mock against the real tiledesk-server on one scripted CRUD sequence.

The server is installed from npm into .cache/real-tiledesk on first use (a few minutes, then
reused) and started on loopback for this module. Where it cannot be installed (no Node, no
network, no Python 3.13 for its MongoDB stand-in) the tests fail, saying why: a real component
the suite cannot start is a failure, never a skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Config, create_app
from realservers.tiledesk.agreement import Side, compare, run_sequence
from realservers.tiledesk.proxy_pass import run_proxy_pass
from realservers.tiledesk.server import Account, Unavailable, install, running
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ("v1", "v2", "v3")


@pytest.fixture(scope="module")
def real_server() -> Iterator[tuple[str, Account]]:
    """A running tiledesk-server's base URL, and a provisioned user and project there. An
    install that cannot be done here fails with the installer's reason."""
    try:
        installation = install(ROOT / ".cache" / "real-tiledesk")
    except Unavailable as exc:
        pytest.fail(f"the real Tiledesk server cannot be installed here: {exc}")
    logs = ROOT / "reports" / "real-tiledesk"
    with running(installation, logs) as server:
        yield server.base_url, server.provision()


@pytest.fixture(scope="module")
def real_side(real_server: tuple[str, Account]) -> Iterator[Side]:
    base_url, account = real_server
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield Side.of_real(http, account)


@pytest.fixture(
    params=[(framework, version) for framework in ("async", "flask") for version in VERSIONS],
    ids=lambda param: "-".join(param),
)
def mock_side(request: pytest.FixtureRequest) -> Iterator[Side]:
    """The documents' project owner on a fresh mock, through each API version (the real server
    has one set of routes for all three), responses validated against the spec."""
    framework, version = request.param
    mock = create_app(Config(framework=framework, validate_responses=True))
    with TestClient(mock) as client:
        yield Side.of_mock(client, mock.facts["tiledesk"], version)


def test_mock_and_real_server_agree_on_the_crud_sequence(real_side: Side, mock_side: Side):
    run_id = uuid.uuid4().hex[:10]
    real = run_sequence(real_side, run_id)
    mock = run_sequence(mock_side, run_id)
    assert [step.name for step in mock] == [step.name for step in real]
    disagreements = compare(mock, real)
    assert not disagreements, "\n".join(d.describe() for d in disagreements)


def test_the_sequence_reaches_real_data(real_side: Side):
    """The agreement is not two sides failing alike: the real server created, found, updated,
    listed and deleted the lead."""
    steps = {step.name: step for step in run_sequence(real_side, uuid.uuid4().hex[:10])}
    assert steps["create"].status == 200 and steps["create"].body["fullname"] == "Ada Lovelace"
    assert steps["update"].body["company"] == "Analytical Engines"
    assert steps["list by email"].body["count"] == 1
    assert steps["list by tag"].body["leads"][0]["tags"] == ["agreement"]
    assert steps["delete"].body["status"] == 1000
    assert steps["list by email after delete"].body == {"perPage": 40, "count": 0, "leads": []}
    assert steps["get unknown id"].status == 404
    assert steps["list without credentials"].status == 401
    assert steps["list, unparseable credentials"].status == 400
    assert steps["sign in, not an email"].status == 422
    assert steps["list by tag, with an email, sorted"].body["count"] == 1


def test_the_sequence_through_the_proxy_replays_on_the_mock_with_the_same_answers(
    real_server: tuple[str, Account], tmp_path: Path
) -> None:
    """``make contract-real``'s proxy pass: record the sequence through ``leadmock proxy``,
    serve the recording, read every lead and request back from both."""
    base_url, account = real_server
    found = run_proxy_pass(base_url, account, tmp_path, free_port())
    assert found.replayed >= 5
    assert not found.replay_disagreements, "\n".join(found.replay_disagreements)
    # The sequence's refused credentials get passport's untyped answers, a known vendor bug.
    assert {item["kind"] for item in found.departures} == {"vendor bug"}
    assert found.checks > 100
    recording = (tmp_path / "proxy-recording.json").read_text()
    assert account.password not in recording and account.token.split()[-1] not in recording
