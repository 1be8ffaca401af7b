"""What a developer asks of the stand-in first: its version, a readiness probe, the list of admin
routes, and a bad option refused in one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from starlette.testclient import TestClient

from mockserver import Config, create_app


def leadmock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60
    )


def test_version_is_one_line() -> None:
    done = leadmock("--version")
    assert done.returncode == 0
    assert done.stdout.strip().startswith("leadmock ") and len(done.stdout.splitlines()) == 1


def test_an_unknown_log_level_is_one_line_and_exit_2() -> None:
    done = leadmock("serve", "--log-level", "chatty")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "invalid choice: 'chatty'" in done.stderr.strip().splitlines()[-1]


def test_health_answers_readiness_and_the_admin_root_lists_its_routes() -> None:
    mock = create_app(Config())
    with TestClient(mock) as client:
        health = client.get("/__admin/health")
        assert health.status_code == 200
        assert health.json() == {
            "status": "ok",
            "vendors": ["tiledesk", "overloop", "leads-crm"],
            "apis": ["tiledesk-v1", "tiledesk-v2", "tiledesk-v3", "overloop", "leads-crm"],
            "pid": os.getpid(),  # which worker answered, under --workers
        }
        routes = client.get("/__admin/").json()["routes"]
        listed = {(route["method"], route["path"]) for route in routes}
        assert {("POST", "/__admin/reset"), ("GET", "/__admin/health")} <= listed
        # Each says what it does: the documentation's admin reference is made of these.
        assert all(len(route["doc"]) > 20 for route in routes), routes
        for route in routes:
            # (The journal may be long; a path with a {name} is the page's files.)
            path = route["path"]
            if route["method"] != "GET" or path == "/__admin/journal" or "{" in path:
                continue
            answer = client.get(path)
            if path == "/__admin/ui/request":
                # The one GET that needs a parameter (the key of a line): a 400 naming it.
                assert (answer.status_code, answer.json()["field"]) == (400, "key"), route
            else:
                assert answer.status_code == 200, route


def test_a_port_in_use_is_one_line_before_any_banner() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = leadmock("serve", "--port", str(port))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"leadmock serve: cannot listen on 127.0.0.1:{port}: "
        + done.stderr.strip().split(f"127.0.0.1:{port}: ", 1)[1]
    )
    assert len(done.stderr.strip().splitlines()) == 1


def test_sigterm_stops_the_server_with_exit_0_and_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/__admin/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0, err
    assert out.strip().splitlines()[-1] == "leadmock stopped"
