"""``leadmock`` run as a user runs it: a subprocess, on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def leadmock(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run a ``leadmock`` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(env),
        cwd=cwd,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    """A running ``leadmock serve``; ``stop()`` ends it and gives what it printed."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> tuple[str, str]:
        self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=30)
        finally:
            self.process.kill()
        assert self.process.returncode == 0, err
        return out, err


def serve(
    *args: str,
    port: int | None = None,
    pass_port: bool = True,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Served:
    """Start ``leadmock serve`` on ``port`` (a free one if None; given as ``--port`` unless
    ``pass_port`` is false, when a config file or the environment says it) and wait until its
    health probe answers."""
    port = port or free_port()
    command = [sys.executable, "-m", "mockserver", "serve", *args]
    if pass_port:
        command += ["--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(env),
        cwd=cwd,
    )
    served = Served(process, port)
    for _ in range(300):
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"leadmock serve exited {process.returncode}: {err}{out}")
        try:
            if httpx.get(f"{served.url}/__admin/health", timeout=1).status_code == 200:
                return served
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("leadmock serve did not answer its health probe within 30 s")


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    # The checkout importable from any working directory, and no LEADMOCK_* from the caller.
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEADMOCK_")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), base.get("PYTHONPATH")]))
    return {**base, **(extra or {})}
