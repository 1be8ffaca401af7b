"""``LeadMock``: the mock as a test fixture, served on a free loopback port or in-process.

with LeadMock(Config(seed=7)) as mock:
    httpx.get(f"{mock.base_url('tiledesk-v3')}/{project}/leads", auth=(email, password))
    mock.journal.assert_called("list_leads", times=1)
    mock.reset()
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from a2wsgi import ASGIMiddleware

from mockserver.app import Mock, create_app
from mockserver.config import Config
from mockserver.coverage import Coverage
from mockserver.faults import Faults
from mockserver.journal import Journal
from mockserver.registry import registry_for
from mockserver.scenarios import Scenario
from mockserver.server import server_config


class LeadMock:
    """A mock for tests: started, reset between tests, stopped. ``serve=False`` opens no port."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        serve: bool = True,
        specs: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        self.config = config or Config()
        if specs:
            # OpenAPI documents served by the engine beside (or, alone, instead of) the
            # built-in APIs: ``LeadMock(specs=["crm.yaml"])``.
            paths = tuple(str(Path(spec).resolve()) for spec in specs)
            self.config = replace(self.config, specs=self.config.specs + paths)
        self.host, self.port, self.serve = host, port, serve
        self.mock: Mock | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> LeadMock:
        """Build and seed the mock; serve it in a background thread unless ``serve=False``.

        Over a store (``Config.store``) it joins the state there, and seeds it again when that
        was seeded from another seed or lead count: a test gets the mock it asked for."""
        self.mock = create_app(self.config)
        # The client-behaviour assertions read answers (assert_paginated_to_end), and a
        # suite's coverage outlives the resets between its tests.
        self.mock.journal.keep_answers = True
        self.mock.count_coverage()
        joined = self.mock.config
        if (joined.seed, joined.leads) != (self.config.seed, self.config.leads):
            self.mock.reseed(seed=self.config.seed, leads=self.config.leads)
        if not self.serve:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        self.port = listener.getsockname()[1]
        settings = server_config(
            self.mock,
            host=self.host,
            port=self.port,
            limits=self.config.limits,
            log_level="warning",
        )
        self._server = uvicorn.Server(settings)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True, name="leadmock"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("leadmock did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving; the port is free again when this returns."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self.mock is not None:
            self.mock.close()

    def __enter__(self) -> LeadMock:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests use ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:41234``."""
        if self._server is None:
            raise RuntimeError("not serving: started with serve=False, or not started")
        return f"http://{self.host}:{self.port}"

    def base_url(self, api: str) -> str:
        """The base URL of one API, e.g. ``base_url("tiledesk-v3")``."""
        _, mount = registry_for(self._mock.config).vendor_of(api, self._mock.config)
        return f"{self.url}{mount.base_path}"

    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        """The seed's ids and credentials, by vendor name."""
        return self._mock.facts

    @property
    def journal(self) -> Journal:
        return self._mock.journal

    @property
    def coverage(self) -> Coverage:
        """The spec coverage of every request this mock answered (kept across resets)."""
        return self._mock.coverage

    def scenario(self, name: str, **fields: Any) -> Scenario:
        """Set a scenario (``scenarios.py``): ``scenario("rate_limited", operation="list_leads",
        seconds=5)``; ``ScenarioError`` names a field that is wrong. A reset clears it."""
        return self._mock.scenarios.add(name, **fields)

    @property
    def faults(self) -> Faults:
        return self._mock.faults

    def reset(self) -> None:
        """Back to the seed state: data, journal and faults."""
        self._mock.reset()

    def asgi_transport(self) -> httpx.ASGITransport:
        """An httpx transport into the mock, no port: for ``httpx.AsyncClient(transport=...)``."""
        return httpx.ASGITransport(app=self._mock)

    def wsgi_transport(self) -> httpx.WSGITransport:
        """An httpx transport into the mock, no port: for ``httpx.Client(transport=...)``."""
        return httpx.WSGITransport(app=ASGIMiddleware(self._mock))

    @property
    def _mock(self) -> Mock:
        if self.mock is None:
            raise RuntimeError("LeadMock is not started")
        return self.mock
