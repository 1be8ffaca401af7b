"""What a developer asks of the stand-in first: its version, a readiness probe, the list of admin
routes, and a bad option refused in one line."""

from __future__ import annotations

import subprocess
import sys

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
        assert health.json() == {"status": "ok", "apis": ["tiledesk", "overloop", "leads-crm"]}
        routes = client.get("/__admin/").json()["routes"]
        assert {"method": "POST", "path": "/__admin/reset"} in routes
        assert {"method": "GET", "path": "/__admin/health"} in routes
        for route in routes:
            if route["method"] == "GET" and route["path"] != "/__admin/journal":
                assert client.get(route["path"]).status_code == 200, route
