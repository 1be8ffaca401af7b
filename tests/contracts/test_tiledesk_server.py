"""Installing the real server fails with a reason, never a traceback: what the tests' skip says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contracts import tiledesk_server
from contracts.tiledesk_server import Unavailable, find_python313, install


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
