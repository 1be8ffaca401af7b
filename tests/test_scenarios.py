"""Scenarios with the vendor's meaning, and the assertions on a client's behaviour: each told
apart by two small clients written here, one well behaved and one not. Every assertion passes on
the first and fails on the second with a message that quotes the request at fault."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver.config import Config
from mockserver.fixture import LeadMock
from mockserver.scenarios import ScenarioError
from tests.processes import serve

PROJECT = "5b55e806c93dde00143163dd"
OVERLOOP_LEADS = "/public/v1/leads"


@pytest.fixture(scope="module")
def server() -> Iterator[LeadMock]:
    with LeadMock(Config()) as served:
        yield served


@pytest.fixture
def lm(server: LeadMock) -> LeadMock:
    """The module's mock (a name apart from conftest's ``mock``), reset."""
    server.reset()
    return server


def overloop(lm: LeadMock) -> httpx.Client:
    key = lm.facts["overloop"]["api_key"]
    return httpx.Client(base_url=lm.url, headers={"Authorization": key}, timeout=10)


def tiledesk(lm: LeadMock) -> httpx.Client:
    user = lm.facts["tiledesk"]["users"][0]
    return httpx.Client(
        base_url=f"{lm.url}/v3/{PROJECT}", auth=(user["email"], user["password"]), timeout=10
    )


def failure(check: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as raised:
        check(*args, **kwargs)  # type: ignore[operator]
    return str(raised.value)


# -- the clients -----------------------------------------------------------------------------


def patient_get(client: httpx.Client, path: str, tries: int = 5) -> httpx.Response:
    """Waits out Retry-After on a 429 or 503."""
    for _ in range(tries):
        answer = client.get(path)
        if answer.status_code not in (429, 503):
            return answer
        time.sleep(float(answer.headers.get("Retry-After", "1")))
    return answer


def impatient_get(client: httpx.Client, path: str, tries: int = 40) -> httpx.Response:
    """Tries again at once."""
    for _ in range(tries):
        answer = client.get(path)
        if answer.status_code not in (429, 503):
            return answer
        time.sleep(0.05)
    return answer


# -- rate_limited ------------------------------------------------------------------------------


def test_rate_limited_answers_the_vendors_429_with_a_retry_after_that_counts_down(
    lm: LeadMock,
) -> None:
    lm.scenario("rate_limited", api="overloop", operation="list_leads", seconds=1.5)
    with overloop(lm) as client:
        assert client.get(f"{OVERLOOP_LEADS}/1").status_code == 200  # another operation
        answer = patient_get(client, OVERLOOP_LEADS)
    assert answer.status_code == 200 and answer.json()["data"]
    first = lm.journal.entries("list_leads")[0]
    assert first.status == 429 and first.retry_after == 2.0  # 1.5 s left, whole seconds up
    assert first.answer == {
        "errors": [
            {
                "code": "rate_limited",
                "message": "Too many requests: rate limited. Try again in 2 seconds.",
            }
        ]
    }  # Overloop's
    lm.journal.assert_honoured_retry_after("list_leads")
    (entry,) = lm.journal.entries("list_leads", status=429)
    assert entry.scenario == "rate_limited"


def test_an_impatient_client_fails_assert_honoured_retry_after_naming_its_request(
    lm: LeadMock,
) -> None:
    lm.scenario("rate_limited", operation="list_leads", seconds=1)
    with overloop(lm) as client:
        assert impatient_get(client, OVERLOOP_LEADS).status_code == 200
    message = failure(lm.journal.assert_honoured_retry_after)
    assert "the client did not wait out Retry-After" in message
    early = (r"GET /public/v1/leads -> 429 at [\d:.]+ came 0\.\d\d s after GET "
             r"/public/v1/leads -> 429 at [\d:.]+, whose Retry-After was 1 s")  # fmt: skip
    assert re.search(early, message)


def test_rate_limited_for_n_requests_then_normal_answers(lm: LeadMock) -> None:
    lm.scenario("rate_limited", api="tiledesk-v3", requests=2, retry_after=7)
    with tiledesk(lm) as client:
        statuses = [client.get("/leads") for _ in range(3)]
    assert [a.status_code for a in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "7"
    # Tiledesk's rate limiter (express-rate-limit) answers plain text
    assert statuses[0].headers["content-type"].startswith("text/plain")
    assert statuses[0].text == "Too many requests: rate limited. Try again in 7 seconds."


# -- outage ------------------------------------------------------------------------------------


def test_outage_answers_503_then_recovers_and_a_patient_client_honours_it(
    lm: LeadMock,
) -> None:
    lm.scenario("outage", api="tiledesk", seconds=1)
    with tiledesk(lm) as client:
        assert patient_get(client, "/leads").status_code == 200
    first = lm.journal.entries("list_leads")[0]
    assert (first.status, first.retry_after, first.scenario) == (503, 1.0, "outage")
    lm.journal.assert_honoured_retry_after()
    lm.reset()
    lm.scenario("outage", api="tiledesk", seconds=1)
    with tiledesk(lm) as client:
        assert impatient_get(client, "/leads").status_code == 200
    assert "-> 503" in failure(lm.journal.assert_honoured_retry_after)


def test_an_outage_can_drop_connections(lm: LeadMock) -> None:
    lm.scenario("outage", operation="list_leads", seconds=30, drop=True)
    with tiledesk(lm) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/leads")


# -- token_expiry --------------------------------------------------------------------------------


class CrmClient:
    """A Leads & CRM client that signs in; ``signs_in_again`` tells the two apart."""

    def __init__(self, lm: LeadMock, *, signs_in_again: bool) -> None:
        self.crm = lm.facts["leads-crm"]
        self.http = httpx.Client(base_url=lm.url + self.crm["base_path"], timeout=10)
        self.signs_in_again = signs_in_again
        self.token = self.sign_in()

    def sign_in(self) -> str:
        user = self.crm["users"][0]
        answer = self.http.post(
            "/user/login/",
            headers={"apikey": self.crm["api_key"]},
            data={"username": user["username"], "password": user["password"]},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access"]

    def leads(self) -> httpx.Response:
        answer = self._list()
        if answer.status_code == 401:
            if self.signs_in_again:
                self.token = self.sign_in()
            answer = self._list()
        return answer

    def _list(self) -> httpx.Response:
        headers = {"apikey": self.crm["api_key"], "Authorization": f"Bearer {self.token}"}
        return self.http.get("/leads/list/", headers=headers)


def test_token_expiry_after_n_requests_is_the_vendors_401_and_a_new_sign_in_works(
    lm: LeadMock,
) -> None:
    lm.scenario("token_expiry", api="leads-crm", requests=2)
    client = CrmClient(lm, signs_in_again=True)
    answers = [client.leads() for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    expired = lm.journal.entries("list_leads", status=401)
    assert len(expired) == 1 and expired[0].scenario == "token_expiry"
    assert expired[0].raw_answer.startswith(b'{"status_code": 401, "errors": {"detail": ')
    lm.journal.assert_signed_in_again()


def test_a_client_that_keeps_its_expired_token_fails_assert_signed_in_again(
    lm: LeadMock,
) -> None:
    lm.scenario("token_expiry", api="leads-crm", seconds=0.5)
    client = CrmClient(lm, signs_in_again=False)
    assert client.leads().status_code == 200
    time.sleep(0.6)
    assert client.leads().status_code == 401
    message = failure(lm.journal.assert_signed_in_again)
    assert re.search(r"GET /api/v1/leads/list/ -> 401 at [\d:.]+ sent the expired token "
                     r"again, after GET /api/v1/leads/list/ -> 401", message)  # fmt: skip
    assert "(token expired) no sign-in followed" in message


def test_basic_credentials_and_api_keys_do_not_expire(lm: LeadMock) -> None:
    lm.scenario("token_expiry", requests=1)
    with tiledesk(lm) as basic, overloop(lm) as key:
        assert [basic.get("/leads").status_code for _ in range(3)] == [200, 200, 200]
        assert [key.get(OVERLOOP_LEADS).status_code for _ in range(3)] == [200, 200, 200]
    assert "no token expired" in failure(lm.journal.assert_signed_in_again)


# -- slow_pages ----------------------------------------------------------------------------------


def test_slow_pages_delays_that_page_alone(lm: LeadMock) -> None:
    lm.scenario("slow_pages", operation="list_leads", api="tiledesk-v3", page=1, ms=300)
    with tiledesk(lm) as client:
        assert client.get("/leads", params={"page": 0}).status_code == 200
        assert client.get("/leads", params={"page": 1}).status_code == 200
    first, second = lm.journal.entries("list_leads")
    assert first.scenario is None and second.scenario == "slow_pages"
    assert second.elapsed_ms >= 300


def test_slow_pages_tell_a_client_with_too_short_a_timeout_from_a_patient_one(
    lm: LeadMock,
) -> None:
    lm.scenario("slow_pages", operation="list_leads", page=1, ms=500)
    user = lm.facts["tiledesk"]["users"][0]
    base, auth = f"{lm.url}/v3/{PROJECT}", (user["email"], user["password"])
    with httpx.Client(base_url=base, auth=auth, timeout=5) as patient:
        assert len(read_tiledesk(patient, to_the_end=True)) == 95
    hasty = httpx.Client(base_url=base, auth=auth, timeout=0.2)
    with hasty, pytest.raises(httpx.ReadTimeout):
        read_tiledesk(hasty, to_the_end=True)


# -- list_drift and eventual_consistency --------------------------------------------------------


def all_leads(client: httpx.Client, *, starts_again: bool) -> list[str]:
    """Every lead's id, page by page; ``starts_again``: from the first page again when the
    count changed while it read (the list moved under it)."""
    while True:
        ids, page, count = [], 0, None
        while True:
            body = client.get("/leads", params={"page": page}).json()
            if count is not None and body["count"] != count and starts_again:
                break
            count = body["count"]
            ids += [lead["_id"] for lead in body["leads"]]
            if len(body["leads"]) < body["perPage"]:
                return ids
            page += 1


def test_list_drift_makes_a_paging_client_skip_a_record_unless_it_starts_again(
    lm: LeadMock,
) -> None:
    with tiledesk(lm) as client:
        listed = all_leads(client, starts_again=False)
    assert len(listed) == len(set(listed)) == 95  # 100 seeded, 5 soft-deleted
    lm.scenario("list_drift", api="tiledesk-v3", operation="list_leads")
    with tiledesk(lm) as client:
        careless = all_leads(client, starts_again=False)
        # The last lead of page 0 went before page 1 was read: page 1 begins one further on,
        # and the careless client never sees a lead that is still listed.
        assert len(careless) == 94 and set(listed) - set(careless) == {listed[40]}
        careful = all_leads(client, starts_again=True)
        assert len(careful) == 94 and set(careful) == set(listed) - {listed[39]}
        # The record lost from lists is still there by id.
        assert client.get(f"/leads/{listed[39]}").status_code == 200


def first_seen_after(client: httpx.Client, email: str, *, polls: bool) -> float | None:
    made = client.post("/leads", json={"lead_id": "late", "fullname": "Late", "email": email})
    assert made.status_code == 200
    assert client.get(f"/leads/{made.json()['_id']}").status_code == 200  # by id at once
    started = time.monotonic()
    for _ in range(40 if polls else 1):
        if client.get("/leads", params={"email": email}).json()["leads"]:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def test_eventual_consistency_lists_a_new_record_late(lm: LeadMock) -> None:
    lm.scenario("eventual_consistency", ms=400)
    with tiledesk(lm) as client:
        waited = first_seen_after(client, "late@example.com", polls=True)
        assert waited is not None and 0.2 < waited < 1.5
        assert first_seen_after(client, "later@example.com", polls=False) is None
    lm.reset()
    with tiledesk(lm) as client:
        assert first_seen_after(client, "now@example.com", polls=False) is not None


def test_state_scenarios_need_the_in_process_store(redis_url: str) -> None:
    from mockserver.app import create_app

    shared = create_app(Config(store=redis_url, vendors=("overloop",)))
    for name, fields in (("list_drift", {}), ("eventual_consistency", {"ms": 10})):
        with pytest.raises(ScenarioError, match="acts on the in-process store"):
            shared.scenarios.add(name, **fields)
    assert shared.scenarios.list() == []
    shared.shared.forget()


# -- paginated to the end, not retried, rate ----------------------------------------------------


def read_tiledesk(client: httpx.Client, *, to_the_end: bool) -> list[dict]:
    leads, page = [], 0
    while True:
        body = client.get("/leads", params={"page": page}).json()
        leads += body["leads"]
        if not to_the_end or len(body["leads"]) < body["perPage"]:
            return leads
        page += 1


def read_overloop(client: httpx.Client, *, to_the_end: bool) -> list[dict]:
    leads, url = [], f"{OVERLOOP_LEADS}?page[size]=5"
    while url:
        body = client.get(url).json()
        leads += body["data"]
        url = body["links"].get("next") if to_the_end else None
    return leads


def test_assert_paginated_to_end_over_count_envelopes_and_json_api_links(
    lm: LeadMock,
) -> None:
    with tiledesk(lm) as client:
        read_tiledesk(client, to_the_end=True)
    with overloop(lm) as client:
        read_overloop(client, to_the_end=True)
    lm.journal.assert_paginated_to_end("list_leads", api="tiledesk-v3")
    lm.journal.assert_paginated_to_end("list_leads", api="overloop")
    lm.reset()
    with tiledesk(lm) as client:
        read_tiledesk(client, to_the_end=False)
    with overloop(lm) as client:
        read_overloop(client, to_the_end=False)
    message = failure(lm.journal.assert_paginated_to_end, "list_leads", api="tiledesk-v3")
    stopped = (r"stopped reading list_leads at GET /v3/\w+/leads\?page=0 -> 200 at "
               r"[\d:.]+: not the last page \(\d+ items of a page of \d+\)")  # fmt: skip
    assert re.search(stopped, message)
    message = failure(lm.journal.assert_paginated_to_end, "list_leads", api="overloop")
    assert "GET /public/v1/leads?page[size]=5 -> 200" in message
    assert "links.next is 'http://" in message


def create_lead(client: httpx.Client, *, retries: bool) -> httpx.Response:
    lead = {"lead_id": "ada", "fullname": "Ada", "email": "ada@example.com"}
    answer = client.post("/leads", json=lead)
    if retries and answer.status_code >= 500:
        answer = client.post("/leads", json=lead)
    return answer


def test_assert_not_retried_names_the_repeated_write(lm: LeadMock) -> None:
    from mockserver import Fault

    lm.faults.add(Fault(status=503, operation="create_lead", times=1))
    with tiledesk(lm) as client:
        assert create_lead(client, retries=False).status_code == 503
    lm.journal.assert_not_retried("create_lead")
    lm.reset()
    lm.faults.add(Fault(status=503, operation="create_lead", times=1))
    with tiledesk(lm) as client:
        assert create_lead(client, retries=True).status_code == 200
    message = failure(lm.journal.assert_not_retried, "create_lead")
    assert re.search(r"POST /v3/\w+/leads -> 200 at [\d:.]+ repeats POST /v3/\w+/leads -> 503",
                     message)  # fmt: skip


def test_assert_rate_at_most_names_the_request_over_the_rate(lm: LeadMock) -> None:
    with tiledesk(lm) as client:
        for _ in range(4):
            client.get("/leads")
            time.sleep(0.3)
    lm.journal.assert_rate_at_most("4/s")
    lm.reset()
    with tiledesk(lm) as client:
        for _ in range(6):
            client.get("/leads")
    message = failure(lm.journal.assert_rate_at_most, "4/s")
    assert re.search(r"GET /v3/\w+/leads -> 200 at [\d:.]+ was request 5 within 1 s", message)


# -- set, listed, refused, cleared --------------------------------------------------------------


def test_the_admin_plane_sets_lists_refuses_and_clears_scenarios(lm: LeadMock) -> None:
    admin = f"{lm.url}/__admin/scenarios"
    made = httpx.post(admin, json={"name": "outage", "api": "overloop", "seconds": 60})
    assert made.status_code == 201
    assert made.json() == {"id": made.json()["id"], "name": "outage", "api": "overloop",
                           "operation": None, "seconds": 60.0, "drop": False}  # fmt: skip
    refused = {
        "rate_limit": "no scenario 'rate_limit' (did you mean rate_limited?); known: "
        "rate_limited, token_expiry, outage, slow_pages, list_drift, eventual_consistency",
        "outage": "seconds: a number above 0",
    }
    for name, reason in refused.items():
        answer = httpx.post(admin, json={"name": name})
        assert answer.status_code == 400 and reason in answer.text
    for body, reason in [
        ({"name": "rate_limited", "seconds": 1, "requests": 2}, "give seconds or requests"),
        ({"name": "outage", "seconds": 1, "page": 2}, "page: not a field of outage"),
        (
            {"name": "slow_pages", "page": 1, "ms": 10, "operation": "list_lead"},
            "close: list_leads",
        ),
        ({"name": "token_expiry", "seconds": 1, "api": "nowhere"}, "api"),
        ([1], "body must be a JSON object"),
        ({"seconds": 1}, "the scenario's name"),
    ]:
        answer = httpx.post(admin, json=body)
        assert answer.status_code == 400 and reason in answer.text, answer.text
    assert [s["name"] for s in httpx.get(admin).json()] == ["outage"]  # nothing half-set
    with overloop(lm) as client:
        assert client.get(OVERLOOP_LEADS).status_code == 503
    assert httpx.delete(admin).status_code == 204
    with overloop(lm) as client:
        assert client.get(OVERLOOP_LEADS).status_code == 200
    lm.scenario("outage", seconds=60)
    lm.reset()
    assert httpx.get(admin).json() == []
    with pytest.raises(ScenarioError, match="ms: a number above 0"):
        lm.scenario("slow_pages", page=1, ms=0)


def test_serve_scenario_sets_one_from_the_start() -> None:
    scenario = "rate_limited:operation=list_leads,requests=1,retry_after=3"
    served = serve("--leads", "2", "--quiet", "--scenario", scenario)
    with httpx.Client(base_url=served.url) as client:
        listed = client.get("/__admin/scenarios").json()
        user = ("andrea.leo@f21.it", "123456")
        first = client.get(f"/v3/{PROJECT}/leads", auth=user)
        second = client.get(f"/v3/{PROJECT}/leads", auth=user)
    out, _ = served.stop()
    assert [s["name"] for s in listed] == ["rate_limited"]
    assert (first.status_code, first.headers["Retry-After"], second.status_code) == (429, "3", 200)
    assert "Scenario      rate_limited (operation=list_leads, requests=1, retry_after=3)" in out


def test_serve_refuses_an_unknown_scenario_with_the_known_ones() -> None:
    from tests.processes import leadmock

    done = leadmock("serve", "--scenario", "outages:seconds=1")
    assert done.returncode == 2
    assert "no scenario 'outages'; known: rate_limited, token_expiry, outage, slow_pages" in (
        done.stderr
    )
    assert ", list_drift, eventual_consistency" in done.stderr
    done = leadmock("serve", "--scenario", "outage:seconds=-1")
    assert done.returncode == 2 and "seconds: a number above 0" in done.stderr


def test_token_expiry_on_tiledesk_jwt_and_its_signin(lm: LeadMock) -> None:
    """Tiledesk's sign-in needs no credentials (``security: []``); its token is ``JWT ...``."""
    lm.scenario("token_expiry", api="tiledesk-v3", requests=1)
    user = lm.facts["tiledesk"]["users"][0]
    with httpx.Client(base_url=f"{lm.url}/v3", timeout=10) as client:

        def sign_in() -> dict[str, str]:
            answer = client.post("/auth/signin", json={"email": user["email"],
                                                       "password": user["password"]})  # fmt: skip
            assert answer.status_code == 200
            return {"Authorization": answer.json()["token"]}

        token = sign_in()
        assert token["Authorization"].startswith("JWT ")
        leads = f"/{PROJECT}/leads"
        assert client.get(leads, headers=token).status_code == 200
        expired = client.get(leads, headers=token)
        assert (expired.status_code, expired.text) == (401, "Unauthorized")  # Tiledesk's 401
        assert client.get(leads, headers=sign_in()).status_code == 200
    lm.journal.assert_signed_in_again(api="tiledesk-v3")
