"""Swagger UI, in a real browser (headless Chromium, driven by Playwright): Authorize with
Tiledesk's JWT, then Try it out, answers 200, and the request carried ``Authorization: JWT
<token>``. Chromium is Debian's (``make chromium`` installs it); without it the test fails
saying so, as CI has it (the ``browser`` fixture is conftest's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import Config
from mockserver.fixture import LeadMock

SHOTS = Path(__file__).resolve().parents[1] / "reports"
PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"


@pytest.fixture(scope="module")
def mock() -> Iterator[LeadMock]:
    with LeadMock(Config()) as running:
        yield running


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_authorize_with_a_jwt_then_try_it_out_answers_200(
    browser: object, mock: LeadMock, version: str
) -> None:
    signed = httpx.post(
        f"{mock.url}/{version}/auth/signin",
        json={"email": "andrea.leo@f21.it", "password": "123456"},
    )
    token = signed.json()["token"]
    assert token.startswith("JWT ")
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{mock.url}/{version}/ui/")
        page.locator("button.authorize").first.click()
        jwt_box = page.locator(".auth-container", has_text="jwtAuth")
        jwt_box.locator("input").fill(token)
        jwt_box.locator("button.authorize").click()
        # Swagger UI shows the scheme as authorized: the value is kept, masked.
        try:
            jwt_box.get_by_role("button", name="Logout").wait_for(timeout=5_000)
        finally:
            page.screenshot(path=str(SHOTS / f"swagger-ui-authorized-{version}.png"))
        assert "Authorized" in jwt_box.inner_text()
        page.locator("button.close-modal").click()

        operation = page.locator("#operations-Leads-get_lead")
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator('input[placeholder="project_id"]').fill(PROJECT)
        operation.locator('input[placeholder="id"]').fill(LEAD)
        mock.journal.clear()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table tbody td.response-col_status").first
        status.wait_for(timeout=15_000)
        assert status.inner_text().strip() == "200"
        assert LEAD in operation.locator(".live-responses-table .microlight").first.inner_text()
    finally:
        page.close()
    [entry] = [e for e in mock.journal.entries() if e.path.endswith(f"/leads/{LEAD}")]
    assert entry.headers["authorization"] == token
    assert entry.status == 200
