"""A front end on another origin reads and writes leads through the mock, in a real browser
(headless Chromium): CORS preflights are answered and the answers are readable; with --no-cors
(Config.cors off) the browser refuses, as it would a server without CORS."""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator

import pytest

from mockserver import Config
from mockserver.fixture import LeadMock

PROJECT = "5b55e806c93dde00143163dd"
BASIC = "Basic " + base64.b64encode(b"andrea.leo@f21.it:123456").decode()

FETCH = """async ([url, auth, method, body]) => {
  try {
    const options = {method, headers: {Authorization: auth}};
    if (body) { options.headers["Content-Type"] = "application/json"; options.body = body; }
    const answer = await fetch(url, options);
    return [answer.status, await answer.text(), answer.headers.get("content-type")];
  } catch (error) {
    return [0, String(error), null];
  }
}"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the front end's own origin
        page = b"<!doctype html><title>front end</title><p>hello"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def front_end() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()


def call(browser: object, page_url: str, *request: object) -> list:
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(page_url)
        return page.evaluate(FETCH, list(request))
    finally:
        page.close()


def test_a_page_on_another_origin_reads_and_writes_leads(browser: object, front_end: str) -> None:
    with LeadMock(Config()) as mock:
        leads = f"{mock.url}/v3/{PROJECT}/leads"
        status, text, kind = call(
            browser, front_end, f"{leads}/5c81593adf767b0017d1aa66", BASIC, "GET", None
        )
        assert (status, kind) == (200, "application/json") and '"fullname":"Guest"' in text
        body = '{"lead_id": "from-the-browser", "fullname": "Bea Browser"}'
        status, text, _ = call(browser, front_end, leads, BASIC, "POST", body)
        assert status == 200 and "Bea Browser" in text
        stored = mock.mock.store.query("leads", scope=PROJECT)[0]
        assert any(lead.get("fullname") == "Bea Browser" for lead in stored)
        # The browser's preflight is journaled apart from the vendor's operations.
        operations = [entry.operation for entry in mock.journal.entries()]
        assert "cors_preflight" in operations and "create_lead" in operations


def test_without_cors_the_browser_cannot_read_the_answer(browser: object, front_end: str) -> None:
    with LeadMock(Config(cors=False)) as mock:
        url = f"{mock.url}/v3/{PROJECT}/leads/5c81593adf767b0017d1aa66"
        status, text, _ = call(browser, front_end, url, BASIC, "GET", None)
        assert status == 0 and "Failed to fetch" in text
