"""The page at ``/__admin/ui/``, in a real browser (Debian's headless Chromium driven by
Playwright, as the Swagger UI test does; the ``browser`` fixture is conftest's): a request
appears within a second with its verdict, a refused one shows the failing rule, a fault added
on the page is answered by the mock, a record created over HTTP is found in the state view, and
a reset from the page empties what was created; secrets never reach the page. Each view's
screenshot is written to ``reports/`` and named in the test's output (its JUnit properties)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import Config
from mockserver.fixture import LeadMock
from mockserver.vendors.overloop.model import ACCOUNT

SHOTS = Path(__file__).resolve().parents[1] / "reports"
PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
OWNER = ("andrea.leo@f21.it", "123456")
CORPUS = Path(__file__).resolve().parent / "specs_corpus"


@pytest.fixture(scope="module")
def lm() -> Iterator[LeadMock]:
    with LeadMock(Config()) as running:
        yield running


@pytest.fixture
def page(browser: Any, lm: LeadMock) -> Iterator[Any]:
    lm.reset()
    opened = browser.new_page(viewport={"width": 1400, "height": 900})
    opened.goto(f"{lm.url}/__admin/ui/")
    opened.locator("#status", has_text="live").wait_for(timeout=5_000)
    yield opened
    opened.close()


@pytest.fixture
def shot(record_property: Callable[[str, object], None]) -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f"admin-ui-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        record_property(f"screenshot {name}", str(path))
        print(f"screenshot: {path}")
        return path

    return take


def test_a_request_appears_within_a_second_with_its_verdict(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    sent = time.monotonic()
    answer = httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    assert answer.status_code == 200
    row = page.locator("#requests tbody tr", has_text=f"/v3/{PROJECT}/leads/{LEAD}")
    row.wait_for(timeout=1_000)
    assert time.monotonic() - sent < 1.5  # the request, the wait and the row: within a second
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[1:] == ["GET", f"/v3/{PROJECT}/leads/{LEAD}", "200", "tiledesk-v3", "get_lead",
                         cells[6], "valid"]  # fmt: skip
    row.click()
    detail = page.locator("#detail")
    detail.get_by_text("Answer").wait_for()
    # The answer is shown, and the credentials are not: the Basic header keeps its scheme word.
    assert LEAD in detail.inner_text()
    assert "Basic [redacted]" in detail.inner_text()
    assert "123456" not in page.content()
    shot(page, "requests")


def test_a_refused_request_shows_the_failing_rule(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    refused = httpx.post(f"{lm.url}/v3/{PROJECT}/leads", auth=OWNER, json={"fullname": "No id"})
    assert refused.status_code == 400
    row = page.locator("#requests tbody tr", has_text="refused")
    row.wait_for(timeout=2_000)
    row.press("Enter")  # by keyboard
    rule = page.locator("#rule")
    rule.wait_for()
    assert "Failing rule" in rule.inner_text() and "lead_id" in rule.inner_text()
    assert refused.json()["msg"] in rule.inner_text()
    # Filtered by verdict, the valid requests leave the list.
    page.select_option("#f-verdict", "valid")
    assert page.locator("#requests tbody tr", has_text="refused").count() == 0
    page.select_option("#f-verdict", "refused")
    assert page.locator("#requests tbody tr").count() == 1
    shot(page, "refused")


def test_a_sign_in_token_never_reaches_the_page(page: Any, lm: LeadMock) -> None:
    signed = httpx.post(f"{lm.url}/v3/auth/signin", json={"email": OWNER[0], "password": OWNER[1]})
    token = signed.json()["token"].removeprefix("JWT ")
    httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{LEAD}", headers={"Authorization": f"JWT {token}"})
    page.locator("#requests tbody tr", has_text="get_lead").wait_for(timeout=2_000)
    page.locator("#requests tbody tr", has_text="signin").click()
    page.locator("#detail").get_by_text("Answer").wait_for()
    # Neither in the lines nor in any entry a click opens.
    feed = page.evaluate(
        "fetch('/__admin/ui/requests?since=0').then(r => r.json()).then(feed =>"
        " Promise.all(feed.entries.map(line =>"
        " fetch('/__admin/ui/request?key=' + encodeURIComponent(line.key)).then(r => r.text())))"
        ".then(opened => JSON.stringify(feed) + opened.join()))"
    )
    assert "signin" in feed and "get_lead" in feed
    assert token not in feed and OWNER[1] not in feed and "[redacted]" in feed
    assert token not in page.content()
    # Nor do the stored credentials: passwords, and API keys that key their collection.
    state = page.evaluate(
        "Promise.all(['crm_apikeys', 'overloop_keys', 'crm_users', 'logins'].map(c =>"
        " fetch('/__admin/ui/state?collection=' + c).then(r => r.text()))).then(t => t.join())"
    )
    secrets = [lm.facts["overloop"]["api_key"], lm.facts["leads-crm"]["api_key"],
               lm.facts["leads-crm"]["users"][0]["password"], OWNER[1]]  # fmt: skip
    assert "[redacted]" in state and not [s for s in secrets if s in state]


def test_a_fault_added_on_the_page_is_answered_by_the_mock(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    page.click("#tab-faults")
    page.fill("#fault-status", "503")
    page.select_option("#fault-api", "tiledesk-v3")
    page.fill("#fault-operation", "get_lead")
    page.fill("#fault-times", "1")
    page.click("#fault-form button[type=submit]")
    page.locator("#faults li", has_text="get_lead").wait_for(timeout=2_000)
    url = f"{lm.url}/v3/{PROJECT}/leads/{LEAD}"
    assert httpx.get(url, auth=OWNER).status_code == 503
    assert httpx.get(url, auth=OWNER).status_code == 200
    # A scenario too, and a bad one is refused on the page with the admin plane's reason.
    page.select_option("#scenario-name", "rate_limited")
    page.fill("#scenario-fields", "seconds=5, operation=list_leads, api=overloop")
    page.click("#scenario-form button[type=submit]")
    page.locator("#scenarios li", has_text="rate_limited").wait_for(timeout=2_000)
    key = lm.facts["overloop"]["api_key"]
    listed = httpx.get(f"{lm.base_url('overloop')}/leads", headers={"Authorization": key})
    assert listed.status_code == 429
    page.fill("#scenario-fields", "secnods=5")
    page.click("#scenario-form button[type=submit]")
    page.locator("#faults-error", has_text="secnods").wait_for(timeout=2_000)
    shot(page, "faults")


def test_a_record_created_over_http_is_found_in_the_state_view(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    key = lm.facts["overloop"]["api_key"]
    email = "found.on.the.page@example.com"
    created = httpx.post(
        f"{lm.base_url('overloop')}/leads",
        headers={"Authorization": key, "Content-Type": "application/vnd.api+json"},
        json={"data": {"type": "leads", "attributes": {"email": email, "first_name": "Page"}}},
    )
    assert created.status_code == 201
    lead_id = created.json()["data"]["id"]
    page.click("#tab-state")
    # Overloop's leads live in its account's scope.
    page.locator(f'#collections tr[data-collection="leads"][data-scope="{ACCOUNT}"]').click()
    page.fill("#q", email)
    page.click("#search button[type=submit]")
    page.locator("#found", has_text="1 document").wait_for(timeout=2_000)
    page.locator("#documents li", has_text=lead_id).click()
    assert email in page.locator("#document").inner_text()
    shot(page, "state")


def test_reset_from_the_page_empties_what_was_created(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    created = httpx.post(
        f"{lm.url}/v3/{PROJECT}/leads",
        auth=OWNER,
        json={"fullname": "Reset Me", "lead_id": "reset-me-1", "email": "reset.me@example.com"},
    )
    assert created.status_code == 200
    made = created.json()["_id"]
    page.click("#tab-state")
    page.locator(f'#collections tr[data-collection="leads"][data-scope="{PROJECT}"]').click()
    page.fill("#q", "reset.me@example.com")
    page.click("#search button[type=submit]")
    page.locator("#found", has_text="1 document").wait_for(timeout=2_000)
    page.click("#reset")
    page.locator("#status", has_text="reset to the seed").wait_for(timeout=5_000)
    page.locator("#found", has_text="0 documents").wait_for(timeout=2_000)
    assert httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{made}", auth=OWNER).status_code == 404
    assert page.locator("#requests tbody tr").count() == 0  # the journal went with it
    shot(page, "reset")


def test_coverage_shows_what_was_seen_and_never_seen(
    page: Any, lm: LeadMock, shot: Callable[[Any, str], Path]
) -> None:
    # The fixture counts coverage across resets: started again for this test.
    assert httpx.delete(f"{lm.url}/__admin/coverage").status_code == 204
    httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    page.click("#tab-coverage")
    heading = page.locator("#coverage h2", has_text="tiledesk-v3")
    heading.wait_for(timeout=2_000)
    assert "1 of 8 operations" in heading.inner_text()
    row = page.locator("#coverage tr", has_text="get_lead")
    assert "200" in row.inner_text() and "404" in row.inner_text()  # seen; documented, never seen
    shot(page, "coverage")


def test_the_page_serves_a_document_given_by_spec(browser: Any) -> None:
    with LeadMock(Config(specs=(str(CORPUS / "contacts-crm.yaml"),))) as served:
        opened = browser.new_page()
        try:
            opened.goto(f"{served.url}/__admin/ui/")
            opened.locator("#apis", has_text="contacts-crm").wait_for(timeout=5_000)
            httpx.get(f"{served.url}/api/v1/contacts/1", headers={"Authorization": "Bearer any"})
            row = opened.locator("#requests tbody tr", has_text="/api/v1/contacts/1")
            row.wait_for(timeout=2_000)
            assert "contacts-crm" in row.inner_text()
        finally:
            opened.close()


# -- over HTTP alone ------------------------------------------------------------------------


def test_the_page_is_behind_the_admin_guard() -> None:
    with LeadMock(Config(admin_token="s3cret-token")) as served:
        for path in ("/__admin/ui/", "/__admin/ui/app.js", "/__admin/ui/requests"):
            # A loopback caller without the token is refused once a token is set.
            assert httpx.get(served.url + path).status_code == 403
            allowed = httpx.get(
                served.url + path, headers={"X-Leadmock-Admin-Token": "s3cret-token"}
            )
            assert allowed.status_code == 200
        token = {"X-Leadmock-Admin-Token": "s3cret-token"}
        assert httpx.get(served.url + "/__admin/ui/../admin.py", headers=token).status_code == 404
        refused = httpx.get(served.url + "/__admin/ui/requests?since=soon", headers=token)
        assert refused.status_code == 400 and refused.json()["field"] == "since"


def test_answers_are_kept_while_a_page_polls_and_then_no_more(
    lm: LeadMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver import adminui

    lm.reset()
    monkeypatch.setattr(adminui, "ANSWERS_WATCHED_SECONDS", 0.5)
    lm.journal.keep_answers = False
    httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    feed = httpx.get(f"{lm.url}/__admin/ui/requests").json()
    assert "answer" not in opened(lm, feed["entries"][-1]) and feed["answers_kept"]
    httpx.get(f"{lm.url}/v3/{PROJECT}/leads/{LEAD}", auth=OWNER)
    kept = opened(lm, httpx.get(f"{lm.url}/__admin/ui/requests").json()["entries"][-1])
    assert LEAD in kept["answer"]["body"] and "content-type" in kept["answer"]["headers"]
    deadline = time.monotonic() + 5
    while lm.journal.keep_answers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lm.journal.keep_answers is False
    lm.journal.keep_answers = True  # the fixture's own setting, for the other tests


def opened(lm: LeadMock, line: dict[str, Any]) -> dict[str, Any]:
    """The entry a click on ``line`` opens."""
    answer = httpx.get(f"{lm.url}/__admin/ui/request", params={"key": line["key"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_poll_reads_lines_of_the_newest_and_a_click_the_whole_entry(lm: LeadMock) -> None:
    from mockserver.adminui import FEED_LIMIT

    lm.reset()
    lm.journal.clear()
    with httpx.Client(base_url=lm.url, auth=OWNER) as client:
        for number in range(FEED_LIMIT + 20):
            client.get(f"/v3/{PROJECT}/leads", params={"page": number})
        refused = client.post(f"/v3/{PROJECT}/leads", json={"fullname": "No id"})
    lines = httpx.get(f"{lm.url}/__admin/ui/requests", params={"since": 0}).json()["entries"]
    # The newest FEED_LIMIT, oldest first, ending with the refusal; lines carry no bodies.
    assert len(lines) == FEED_LIMIT
    # (FEED_LIMIT + 20 lists and a refused create: the first 21 lists are left out.)
    assert lines[0]["query"] == "page=21" and lines[-1]["status"] == 400
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)
    assert not {"request", "answer"} & {name for line in lines for name in line}
    assert lines[-1]["verdict"] == {"kind": "refused"}
    # Since a time: only what came after it.
    later = httpx.get(f"{lm.url}/__admin/ui/requests", params={"since": lines[-2]["at"]}).json()
    assert [line["key"] for line in later["entries"]] == [lines[-2]["key"], lines[-1]["key"]]
    whole = opened(lm, lines[-1])
    assert (
        whole["verdict"]["kind"] == "refused" and refused.json()["msg"] in whole["verdict"]["rule"]
    )
    assert "No id" in whole["request"]["body"] and whole["answer"]["body"] == refused.text
    assert opened(lm, lines[0])["answer"]["headers"]["content-type"] == "application/json"
    # A key the journal no longer holds, and one that is no key.
    gone = httpx.get(f"{lm.url}/__admin/ui/request", params={"key": "1.5:GET:/x:0.1"})
    assert gone.status_code == 404 and gone.json()["field"] == "key"
    wrong = httpx.get(f"{lm.url}/__admin/ui/request", params={"key": "soon"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "key"
