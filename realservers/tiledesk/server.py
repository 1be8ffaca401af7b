"""The real Tiledesk server on loopback: installed from the registries, started, given a user and
a project, stopped.

tiledesk-server is AGPL: it is installed at run time into a cache folder (``install``) and none of
its code is in this repository. What runs it is ours: ``real/launch-tiledesk.js`` (loopback only,
``sharp`` stubbed, optional connectors kept from exiting) and ``real/mongo_stand_in.py`` (mongoeco's
MongoDB wire-protocol server, in memory, since no mongod can be installed here).
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_PACKAGE = "@tiledesk/tiledesk-server"
SERVER_VERSION = "2.19.16"
# Versions the server's dependency ranges name but the registry lacks (checked on 2026-11-22).
NPM_OVERRIDES = {
    "@tiledesk/tiledesk-tybot-connector": "2.0.46",
    "@tiledesk/tiledesk-voice-twilio-connector": "0.1.28",
    "@tiledesk/tiledesk-whatsapp-connector": "1.0.25",
    # tiledesk-server depends on the registry's placeholder `http@0.0.0`; Node's own module wins.
    "http": "file:./http-stand-in",
}
# mongoeco speaks the wire protocol only with pymongo's bson installed.
MONGO_REQUIREMENTS = ("mongoeco==4.11.*", "pymongo>=4.9,<5")
HERE = Path(__file__).parent / "real"
DEFAULT_CACHE = Path(".cache") / "real-tiledesk"
SERVER_STARTS = 3
"""How many times the server is started before its start is called failed."""


class Unavailable(RuntimeError):
    """The real server cannot be installed or started on this machine; the message says why."""


@dataclass(frozen=True)
class Installation:
    """Where the server and the MongoDB stand-in were installed."""

    root: Path
    node: str
    python: str
    """A Python >= 3.13 with mongoeco."""


@dataclass(frozen=True)
class Account:
    """A user of the real server and the project it owns."""

    email: str
    password: str
    token: str
    user_id: str
    project_id: str


def install(cache: Path = DEFAULT_CACHE) -> Installation:
    """Install the server (npm) and mongoeco (a Python 3.13 venv) into ``cache``; reuse them there.

    Safe to call from several processes at once (a lock file). Raises ``Unavailable``.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise Unavailable("Node.js and npm are needed to run tiledesk-server; none found")
    cache.mkdir(parents=True, exist_ok=True)
    cache = cache.resolve()
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install_server(cache, npm)
        python = _install_mongo_stand_in(cache)
    return Installation(root=cache, node=node, python=python)


def _install_server(cache: Path, npm: str) -> None:
    package = {
        "name": "leadmock-real-tiledesk",
        "private": True,
        "dependencies": {SERVER_PACKAGE: SERVER_VERSION},
        "overrides": NPM_OVERRIDES,
    }
    installed = cache / "node_modules" / SERVER_PACKAGE / "package.json"
    manifest = cache / "package.json"
    wanted = json.dumps(package, indent=2)
    if installed.exists() and manifest.exists() and manifest.read_text() == wanted:
        return
    stand_in = cache / "http-stand-in"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "package.json").write_text('{"name": "http", "version": "0.0.0"}\n')
    (stand_in / "index.js").write_text('module.exports = require("node:http");\n')
    manifest.write_text(wanted)
    # --ignore-scripts: no post-install downloads (sharp's binary cannot be fetched here).
    # Short network timeouts: with no registry in reach, fail (and skip) in minutes.
    command = [npm, "install", "--ignore-scripts", "--no-audit", "--no-fund"]
    _run([*command, "--fetch-timeout=60000", "--fetch-retries=1"], cache, "npm install")
    if not installed.exists():
        raise Unavailable(f"npm install ended without {SERVER_PACKAGE} in {cache}")


def _install_mongo_stand_in(cache: Path) -> str:
    venv = cache / "mongo-venv"
    python = venv / "bin" / "python"
    ready = venv / ".installed"
    if ready.exists() and ready.read_text() == "\n".join(MONGO_REQUIREMENTS):
        return str(python)
    base = find_python313()
    if base is None:
        raise Unavailable("mongoeco needs Python >= 3.13 (python3.13 on PATH, or pyenv 3.13.x)")
    _run([base, "-m", "venv", str(venv)], cache, "python3.13 -m venv")
    _run([str(python), "-m", "pip", "install", "-q", *MONGO_REQUIREMENTS], cache, "pip install")
    ready.write_text("\n".join(MONGO_REQUIREMENTS))
    return str(python)


def find_python313() -> str | None:
    """A Python interpreter of version 3.13 or later: ``$LEADMOCK_PYTHON313``, PATH, or pyenv."""
    candidates = [os.environ.get("LEADMOCK_PYTHON313", "")]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in (13, 14, 15)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[3-9]*/bin/python")))
    return next((path for path in candidates if path and _is_python313(path)), None)


def _is_python313(path: str) -> bool:
    # A pyenv shim exists for every version pyenv has, and fails when that one is not selected.
    check = [path, "-c", "import sys; sys.exit(sys.version_info < (3, 13))"]
    try:
        return subprocess.run(check, capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def _run(command: list[str], cwd: Path, what: str) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        # npm and pip say what went wrong first and how to get help last.
        errors = [line.strip() for line in lines if "error" in line.lower()]
        said = " / ".join(errors[:3] or lines[-1:])
        raise Unavailable(f"{what} exited with {done.returncode}: {said}")


class RealTiledesk:
    """The server and its database on loopback ports, started together and stopped together."""

    def __init__(self, installation: Installation, logs: Path) -> None:
        self.installation = installation
        self.logs = logs
        self.base_url = ""
        self._processes: list[subprocess.Popen] = []

    def start(self, timeout: float = 120) -> str:
        """Start MongoDB's stand-in, then the server; return the server's base URL."""
        self.logs.mkdir(parents=True, exist_ok=True)
        mongo_port, server_port = _free_port(), _free_port()
        mongo = self._spawn(
            [self.installation.python, str(HERE / "mongo_stand_in.py"), str(mongo_port)],
            "mongo.log",
            {},
        )
        _wait_for(lambda: _accepts(mongo_port), mongo, timeout, "the MongoDB stand-in")
        # Accepting connections is not serving them: on a busy machine the server's first
        # connection timed out against a stand-in that had printed ready. A real handshake
        # (pymongo's ping, from the stand-in's own environment) first.
        _wait_for(
            lambda: _handshakes(self.installation.python, mongo_port),
            mongo,
            timeout,
            "the MongoDB stand-in (a MongoDB handshake)",
        )
        env = {
            "DATABASE_URI": f"mongodb://127.0.0.1:{mongo_port}/tiledesk",
            "LOG_LEVEL": "error",
            # The quota code on the requests route waits on Redis, which is not running here.
            "QUOTES_ENABLED": "false",
        }
        self.base_url = f"http://127.0.0.1:{server_port}"
        # The server gives up at its first failed connection to the database and exits; on a
        # busy machine that happens. Started again, within a bound, it connects.
        for attempt in range(1, SERVER_STARTS + 1):
            server = self._spawn(
                [
                    self.installation.node,
                    str(HERE / "launch-tiledesk.js"),
                    str(self.installation.root),
                    str(server_port),
                ],
                "tiledesk-server.log",
                env,
                # It reads its templates and migrations relative to the working directory.
                cwd=self.installation.root / "node_modules" / SERVER_PACKAGE,
            )
            try:
                _wait_for(lambda: _answers(self.base_url), server, timeout, "tiledesk-server")
                return self.base_url
            except Unavailable as exc:
                self._processes.remove(server)
                _ended(server)
                said = _last_error(self.logs / "tiledesk-server.log")
                if attempt == SERVER_STARTS:
                    raise Unavailable(
                        f"{exc} ({SERVER_STARTS} starts; its log {self.logs}/tiledesk-server.log "
                        f"ends: {said})"
                    ) from None
                time.sleep(2 * attempt)
        raise AssertionError("unreachable")

    def _spawn(
        self, command: list[str], log: str, env: dict[str, str], cwd: Path | None = None
    ) -> subprocess.Popen:
        with open(self.logs / log, "ab") as out:
            process = subprocess.Popen(
                command,
                cwd=cwd or self.installation.root,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
                start_new_session=True,  # its own process group, stopped as one
            )
        self._processes.append(process)
        return process

    def stop(self) -> None:
        """Stop everything ``start`` started, the server first."""
        for process in reversed(self._processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self._processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()

    def provision(self, email: str | None = None, password: str = "Leadmock-pass-1") -> Account:
        """Sign a new user up, sign it in, and create a project it owns."""
        email = email or f"leadmock-{uuid.uuid4().hex[:12]}@example.com"
        # The user collection has a unique index on phone: one per user.
        phone = f"+39{uuid.uuid4().int % 10**10:010d}"
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            signup = http.post(
                "/auth/signup",
                json={
                    "email": email,
                    "password": password,
                    "firstname": "Lead",
                    "lastname": "Mock",
                    "phone": phone,
                },
            )
            _expect(signup, "sign-up")
            signin = http.post("/auth/signin", json={"email": email, "password": password})
            _expect(signin, "sign-in")
            token = signin.json()["token"]
            project = http.post(
                "/projects", json={"name": "leadmock"}, headers={"Authorization": token}
            )
            _expect(project, "project creation")
        return Account(
            email=email,
            password=password,
            token=token,
            user_id=signin.json()["user"]["_id"],
            project_id=project.json()["_id"],
        )


@contextmanager
def running(installation: Installation, logs: Path) -> Iterator[RealTiledesk]:
    """A started server, stopped on the way out whatever happens."""
    server = RealTiledesk(installation, logs)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _expect(answer: httpx.Response, what: str) -> None:
    if answer.status_code != 200:
        raise Unavailable(f"{what} answered {answer.status_code}: {answer.text[:200]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _handshakes(python: str, port: int) -> bool:
    """Whether the stand-in answers a MongoDB ``ping`` (pymongo, in the stand-in's Python)."""
    probe = (
        "import sys, pymongo; pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000,"
        " connectTimeoutMS=5000).admin.command('ping')"
    )
    try:
        done = subprocess.run(
            [python, "-c", probe, f"mongodb://127.0.0.1:{port}"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _ended(process: subprocess.Popen) -> None:
    """Stop ``process`` and its group, if it still runs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _last_error(log: Path) -> str:
    """The log's last line that names an error, or its last line."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line]
    except OSError:
        return "(no log)"
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["(empty)"])[-1][:300]


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(ready, process: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"{what} exited with {process.returncode} while starting")
        if ready():
            return
        time.sleep(0.25)
    raise Unavailable(f"{what} did not answer within {timeout:.0f} s")
