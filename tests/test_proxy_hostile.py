"""``leadmock proxy`` under hostile input: paths that would leave the upstream's base path,
secrets in forms and queries, and an upstream that answers with no HTTP status.

The path rule is tested as an attacker sends it: raw bytes on a socket to a proxy process in
front of a ``leadmock serve`` process, whose admin plane and other APIs sit beside the base path
the proxy serves.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from contracts.proxy import Proxy
from contracts.proxypath import path_problem
from mockserver import Config, Mock, create_app
from mockserver.recording import Recorder
from mockserver.requestlog import text_line
from mockserver.vendors import vendor_of
from tests.processes import Served, free_port, serve


@pytest.fixture(scope="module")
def proxied() -> Iterator[tuple[Served, int]]:
    """A ``leadmock serve`` (every API, its admin plane) and a proxy for its Tiledesk v3."""
    upstream = serve("--seed", "1", "--leads", "3", "--quiet")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "proxy", "tiledesk-v3", "--quiet",
         "--upstream", f"{upstream.url}/v3", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/__admin/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield upstream, port
    finally:
        process.terminate()
        process.communicate(timeout=30)
        upstream.stop()


def _raw(port: int, method: str, target: str) -> tuple[int, bytes]:
    """Send ``method target`` as written, byte for byte; the status and body answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: proxy\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


TRAVERSALS = [
    ("GET", "/../__admin/state"),
    ("POST", "/../__admin/reset"),
    ("GET", "/../__admin/journal"),
    ("GET", "/../v1/5b55e806c93dde00143163dd/leads"),
    ("GET", "/5b55e806c93dde00143163dd/../../__admin/state"),
    ("GET", "/%2e%2e/__admin/state"),
    ("GET", "/%2E%2E/__admin/state"),
    ("GET", "/.%2e/__admin/state"),
    ("GET", "/%252e%252e/__admin/state"),
    ("GET", "/x%2f..%2f..%2f__admin/state"),
    ("GET", "/x%2F%2E%2E%2F%2E%2E%2F__admin/state"),
    ("GET", "/..%5c__admin/state"),
    ("GET", "/./__admin/state"),
    ("GET", "//__admin/state"),
    ("GET", "/5b55e806c93dde00143163dd//leads"),
    ("GET", "http://127.0.0.1:1/../__admin/state"),
    ("GET", "http://proxy/%2e%2e/__admin/state"),
]


@pytest.mark.parametrize(("method", "target"), TRAVERSALS)
def test_a_path_that_leaves_the_base_path_is_refused_and_not_forwarded(
    proxied: tuple[Served, int], method: str, target: str
) -> None:
    upstream, port = proxied
    before = httpx.get(f"{upstream.url}/__admin/journal").json()
    status, body = _raw(port, method, target)
    assert status == 400, body[:300]
    answer = json.loads(body)
    assert answer["success"] is False
    assert answer["msg"].startswith("The path is not forwarded: the path has ")
    # Nothing reached the upstream: its journal has no new entry, its state was not reset.
    assert httpx.get(f"{upstream.url}/__admin/journal").json() == before
    refused = httpx.get(f"http://127.0.0.1:{port}/__admin/journal?valid=false").json()
    assert refused[-1]["status"] == 400 and refused[-1]["refusal"].startswith("the path has ")


def test_a_path_under_the_base_path_is_still_forwarded(proxied: tuple[Served, int]) -> None:
    upstream, port = proxied
    # Dots inside a segment and an escaped "/" inside an id are not traversal.
    for target, reached in [
        ("/5b55e806c93dde00143163dd/leads/a..b", "/v3/5b55e806c93dde00143163dd/leads/a..b"),
        ("/5b55e806c93dde00143163dd/leads/a%2Fb", "/v3/5b55e806c93dde00143163dd/leads/a/b"),
    ]:
        status, body = _raw(port, "GET", target)
        assert status != 400, body[:300]
        assert httpx.get(f"{upstream.url}/__admin/journal").json()[-1]["path"] == reached


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/p/leads", None),
        ("/p/leads/", None),
        ("/", None),
        ("/p/lea..ds", None),
        ("/p/a%2Fb", None),
        ("/p/%2e%2e", "dot segment"),
        ("/p/%25252e%25252e", "dot segment"),
        ("/p/..%2F", "dot segment"),
        ("/p/x%5C..", "dot segment"),
        ("//p", "empty segment"),
        ("p/leads", "does not start with /"),
    ],
)
def test_the_path_rule(path: str, problem: str | None) -> None:
    found = path_problem(path)
    assert (found is None) if problem is None else (problem in (found or ""))


# -- secrets --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream() -> Mock:
    return create_app(Config(seed=1, leads=5, validate_responses=True))


def _proxy(upstream: Mock, api: str, base_path: str) -> Proxy:
    vendor, _ = vendor_of(api)
    return Proxy(
        api,
        f"http://upstream{base_path}",
        transport=httpx.ASGITransport(app=upstream),
        recorder=Recorder(vendor.record),
    )


def test_a_form_sign_in_and_secret_query_values_are_written_nowhere(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy(upstream, "tiledesk-v3", "/v3")
    user = next(u for u in upstream.facts["tiledesk"]["users"] if u["project_id"])
    project = user["project_id"]
    with TestClient(proxy) as client:
        signed = client.post(
            "/auth/signin", data={"email": user["email"], "password": user["password"]}
        )
        assert signed.status_code == 200, signed.text
        token = signed.json()["token"]
        listed = client.get(
            f"/{project}/leads?token=query-secret-1&api_key=query-secret-2&limit=2",
            headers={"Authorization": token},
        )
        assert listed.status_code == 200
        journal = client.get("/__admin/journal").text
        drift = client.get("/__admin/drift").text + client.get("/__admin/drift?format=json").text
        recording = json.dumps(proxy.recorder.state() if proxy.recorder else {})
    entries = json.loads(journal)
    assert entries[0]["body"] == {"email": user["email"], "password": "[redacted]"}
    assert entries[1]["query"] == "token=%5Bredacted%5D&api_key=%5Bredacted%5D&limit=2"
    lines = "\n".join(text_line(entry) for entry in proxy.journal.entries())
    secrets = [user["password"], token.split(" ", 1)[1], "query-secret-1", "query-secret-2"]
    for written in (journal, lines, drift, recording):
        for secret in secrets:
            assert secret not in written


def test_a_multipart_password_is_redacted_in_the_journal(upstream: Mock) -> None:
    upstream.reset()
    proxy = _proxy(upstream, "leads-crm", "/api/v1")
    with TestClient(proxy) as client:
        client.post(
            "/user/login/",
            headers={"apikey": "not-the-key"},
            files={"username": (None, "apiuser1"), "password": (None, "multipart-secret")},
        )
        journal = client.get("/__admin/journal")
    assert "multipart-secret" not in journal.text
    entry = journal.json()[0]
    assert entry["body"] == {"username": "apiuser1", "password": "[redacted]"}
    assert entry["headers"]["apikey"] == "[redacted]"


# -- an upstream with no HTTP status ---------------------------------------------------------


@pytest.fixture
def weird_upstream() -> Iterator[int]:
    """A server on a loopback port that answers every request ``HTTP/1.1 999 WEIRD``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopped = threading.Event()

    def answer() -> None:
        while not stopped.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 999 WEIRD\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
                )

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stopped.set()
    thread.join(5)
    listener.close()


def test_an_upstream_status_outside_http_is_a_502_in_the_vendor_shape(weird_upstream: int) -> None:
    proxy = Proxy("tiledesk-v3", f"http://127.0.0.1:{weird_upstream}/v3", timeout=5)
    with TestClient(proxy) as client:
        answer = client.get("/p1/leads", headers={"Authorization": "JWT a.b.c"})
        entry: dict[str, Any] = client.get("/__admin/journal").json()[0]
    assert answer.status_code == 502
    assert answer.json() == {
        "success": False,
        "msg": "Bad gateway: the upstream answered with status 999",
    }
    assert entry["status"] == 502
    assert entry["upstream_error"] == "the upstream answered with status 999"
