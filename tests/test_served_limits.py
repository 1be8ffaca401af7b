"""Limits that only a real server shows: time a client may take, headers by the thousand, memory
under attack, the socket's peer, the port. Each test serves the mock on a loopback port; its
waits are bounded, so a regression fails instead of hanging."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import Config, LeadMock
from mockserver.limits import Limits

PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
BASIC = "Basic " + base64.b64encode(b"andrea.leo@f21.it:123456").decode()
ROOT = Path(__file__).resolve().parent.parent
QUICK = Limits(header_seconds=0.5, body_seconds=0.5, keep_alive_seconds=0.5, shutdown_seconds=1)


@pytest.fixture(scope="module", params=["async", "flask"])
def served(request: pytest.FixtureRequest) -> Iterator[LeadMock]:
    """A mock on a loopback port with short timeouts, on AsyncApp and on FlaskApp."""
    with LeadMock(Config(leads=5, limits=QUICK, framework=request.param)) as mock:
        yield mock


def connect(mock: LeadMock) -> socket.socket:
    sock = socket.create_connection((mock.host, mock.port), timeout=10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (bounded by the socket timeout)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_headers_that_never_end_are_cut_off(served: LeadMock) -> None:
    with connect(served) as sock:
        sock.sendall(f"GET /v3/{PROJECT}/leads HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_never_sends_is_closed(served: LeadMock) -> None:
    with connect(served) as sock:
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_a_body_that_never_arrives_is_408_in_the_vendors_shape(served: LeadMock) -> None:
    with connect(served) as sock:
        sock.sendall(
            f"POST /v3/{PROJECT}/leads HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
        )
        answer = read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b'"success":false' in body.replace(b" ", b"") and b"did not arrive" in body
    assert served.journal.entries(status=408)


def test_an_idle_keep_alive_connection_is_closed(served: LeadMock) -> None:
    with connect(served) as sock:
        sock.sendall(
            f"GET /v3/{PROJECT}/leads/{LEAD} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {BASIC}\r\n\r\n".encode()
        )
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200 ") and LEAD.encode() in answer


def test_a_hundred_thousand_headers_are_refused_and_nothing_waits(served: LeadMock) -> None:
    headers = "".join(f"X-H{i}: 1\r\n" for i in range(100_000))
    with connect(served) as sock:
        sock.sendall(
            f"GET /v3/{PROJECT}/leads/{LEAD} HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
            f"{headers}Connection: close\r\n\r\n".encode()
        )
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Too many request headers" in answer
    journal = httpx.get(f"{served.url}/__admin/journal", timeout=10)
    assert journal.status_code == 200


def test_a_forwarded_for_header_does_not_change_who_asks(served: LeadMock) -> None:
    """The peer is loopback; were the header believed, the admin plane would refuse it."""
    answer = httpx.get(
        f"{served.url}/__admin/faults", headers={"X-Forwarded-For": "192.0.2.7"}, timeout=10
    )
    assert answer.status_code == 200


def test_a_stalled_client_does_not_hold_up_a_shutdown() -> None:
    mock = LeadMock(Config(leads=5, limits=Limits(body_seconds=60, shutdown_seconds=1))).start()
    sock = connect(mock)
    sock.sendall(
        f"POST /v3/{PROJECT}/leads HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
    )
    time.sleep(0.2)
    thread = mock._thread
    mock.stop()
    assert thread is not None and not thread.is_alive()
    sock.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_journal_attack_stays_under_200_mb() -> None:
    """100 unauthenticated 1 MB sign-ins of [{},{},...] and 300 refused 1 MB creates: the
    journal keeps 64 KB of each, so the server stays under the README's 200 MB bound."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--leads", "20"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/__admin/faults", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.1)
        empties = b"[" + b",".join([b"{}"] * 330_000) + b"]"
        refused = b'{"fullname": "' + b"x" * 1_000_000 + b'"}'
        json_type = {"Content-Type": "application/json"}
        with httpx.Client(base_url=base, timeout=60, headers=json_type) as client:
            for _ in range(100):
                assert client.post("/v3/auth/signin", content=empties).status_code in (400, 422)
            for _ in range(300):
                answer = client.post(
                    f"/v3/{PROJECT}/leads", content=refused, headers={"Authorization": BASIC}
                )
                assert answer.status_code == 400
            assert len(client.get("/__admin/journal").json()) == 400
        assert rss_mb(server.pid) < 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.parametrize("port", ["99999", "83976", "0", "-1", "http"])
def test_ports_outside_the_range_are_refused_before_anything_is_printed(port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "is not a port: a whole number 1 to 65535" in done.stderr


def test_limit_options_reach_the_server() -> None:
    """``leadmock serve --max-body-bytes 64``: a body of 65 bytes is 413 over the wire."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            str(port),
            "--leads",
            "5",
            "--max-body-bytes",
            "64",
            "--max-json-depth",
            "3",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/v3/{PROJECT}/leads"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.1)
        headers = {"Authorization": BASIC, "Content-Type": "application/json"}
        large = httpx.post(base, headers=headers, content=b'{"lead_id": "' + b"x" * 60 + b'"}')
        assert large.status_code == 413 and "at most 64 bytes" in large.json()["msg"]
        deep = httpx.post(base, headers=headers, content=b'{"lead_id": "x", "a": {"b": {"c": {}}}}')
        assert deep.status_code == 400 and "deeper than 3" in deep.json()["msg"]
        fine = httpx.post(base, headers=headers, content=b'{"lead_id": "x"}')
        assert fine.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-body-bytes", "0"), ("--max-json-depth", "-1"), ("--body-timeout", "soon")],
)
def test_a_bad_limit_is_one_line_and_exit_2(option: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", option, value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert f"argument {option}: '{value}' is not a" in done.stderr
