"""A real ``redis-server`` for the tests: on a free loopback port, its data in a temporary
folder (append-only, fsync on every write, so a restart keeps every answered write), stopped
by its process id. ``make test`` installs Debian's redis-server when it is missing; without it
these tests fail and say so, they are never skipped."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.processes import free_port


class RedisServer:
    """One redis-server process, which may be stopped and started again on the same port."""

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable
        """Append-only with fsync on every write (the tests); off, a plain in-memory Redis."""
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError(
                "redis-server is not installed: `make test` installs it (apt-get install "
                "redis-server); the shared-store tests need a real one"
            )
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="leadmock-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.folder),
            "appendonly": "yes" if self.durable else "no",
            "appendfsync": "always",
            "save": "",
            "daemonize": "no",
            "loglevel": "warning",
        }
        self.process = subprocess.Popen(
            [str(self.binary)] + [part for k, v in options.items() for part in (f"--{k}", v)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.process.stderr.read().decode()}")
            if self._answers():
                return self
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING within 20 s")

    def stop(self) -> None:
        """Stop it by its process id (SIGTERM: Redis finishes its append-only file first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False
