"""Installing the real server fails with a reason, never a traceback: what the tests' skip says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from realservers.tiledesk import server as tiledesk_server
from realservers.tiledesk.server import Unavailable, find_python313, install


def fake_program(folder: Path, name: str, script: str) -> str:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def test_no_node_is_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(Unavailable, match=r"Node\.js and npm are needed"):
        install(tmp_path / "cache")


def test_a_failing_npm_says_its_error_and_is_tried_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    npm = fake_program(
        tmp_path,
        "npm",
        f"echo run >> {calls}; echo 'npm error code E404' >&2; echo 'npm error 404 Not Found' >&2; "
        "echo 'npm error A complete log of this run...' >&2; echo 'see the log' >&2; exit 1",
    )
    monkeypatch.setattr(shutil, "which", lambda name: npm if name == "npm" else "/bin/true")
    with pytest.raises(Unavailable) as raised:
        install(tmp_path / "cache")
    assert str(raised.value) == (
        "npm install exited with 1: npm error code E404 / npm error 404 Not Found / "
        "npm error A complete log of this run..."
    )
    # The manifest written before npm ran does not pass for an installation next time.
    with pytest.raises(Unavailable):
        install(tmp_path / "cache")
    assert calls.read_text().splitlines() == ["run", "run"]


def test_python313_skips_an_interpreter_that_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A pyenv shim for a version pyenv has but has not selected exits with an error.
    shim = fake_program(tmp_path, "python3.13", "exit 127")
    monkeypatch.setenv("LEADMOCK_PYTHON313", shim)
    monkeypatch.setattr(tiledesk_server.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert find_python313() is None
    working = fake_program(tmp_path, "python-ok", "exit 0")
    monkeypatch.setenv("LEADMOCK_PYTHON313", working)
    assert find_python313() == working


# Stand-ins for the stand-in's Python and for Node, as ``RealTiledesk.start`` runs them: the
# "python" listens where the MongoDB stand-in would and answers the handshake probe as told;
# the "node" fails to reach the database on its first start (as on a busy machine), then serves.
FAKE_PYTHON = """
import socket, sys, time, pathlib
if sys.argv[1] == "-c":
    handshakes = pathlib.Path(sys.argv[0]).parent / "handshakes"
    tries = int(handshakes.read_text()) if handshakes.exists() else 0
    handshakes.write_text(str(tries + 1))
    sys.exit(0 if tries >= 2 else 1)  # answers from the third probe on
listener = socket.create_server(("127.0.0.1", int(sys.argv[2])))
while True:
    time.sleep(1)
"""
FAKE_NODE = """
import http.server, pathlib, sys
starts = pathlib.Path(sys.argv[0]).parent / "starts"
count = int(starts.read_text()) if starts.exists() else 0
starts.write_text(str(count + 1))
if count < FAILURES:
    print("Failed to connect to MongoDB on startup - MongoNetworkTimeoutError: timed out")
    sys.exit(1)
class Root(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[3])), Root).serve_forever()
"""


def _fake_installation(tmp_path: Path, failures: int) -> tiledesk_server.Installation:
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("python", FAKE_PYTHON), ("node", FAKE_NODE)):
        script = bin_dir / f"{name}.py"
        script.write_text(body.replace("FAILURES", str(failures)))
        fake_program(bin_dir, name, f'exec {sys.executable} {script} "$@"')
    root = tmp_path / "root"
    (root / "node_modules" / tiledesk_server.SERVER_PACKAGE).mkdir(parents=True)
    return tiledesk_server.Installation(root, str(bin_dir / "node"), str(bin_dir / "python"))


def test_the_server_waits_for_a_handshake_and_is_started_again_when_it_exits(
    tmp_path: Path,
) -> None:
    installation = _fake_installation(tmp_path, failures=1)
    with tiledesk_server.running(installation, tmp_path / "logs") as server:
        assert server.base_url.startswith("http://127.0.0.1:")
    assert (tmp_path / "bin" / "handshakes").read_text() == "3"
    assert (tmp_path / "bin" / "starts").read_text() == "2"


def test_a_server_that_never_starts_says_which_part_failed_and_why(tmp_path: Path) -> None:
    installation = _fake_installation(tmp_path, failures=99)
    with (
        pytest.raises(Unavailable) as raised,
        tiledesk_server.running(installation, tmp_path / "logs"),
    ):
        pass
    said = str(raised.value)
    assert said.startswith("tiledesk-server exited with 1 while starting (3 starts;")
    assert said.endswith(
        "ends: Failed to connect to MongoDB on startup - MongoNetworkTimeoutError: timed out)"
    )
    assert (tmp_path / "bin" / "starts").read_text() == "3"
