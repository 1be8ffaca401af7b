"""``leadmock serve --store redis://... [--workers N]`` over HTTP, against a real redis-server:
every worker and every host serves one state, and Redis going away is a 503, never a hang.

Each request here goes on a connection of its own (``Connection: close``), so the kernel
spreads them over the workers (``SO_REUSEPORT``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mockserver.vendors.overloop.model import MEDIA_TYPE
from tests.processes import Served, leadmock, serve
from tests.redisserver import RedisServer

LEADS = "/public/v1/leads"


def call(served: Served, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a fresh connection, so that any worker may answer it."""
    headers = {"Connection": "close", **kwargs.pop("headers", {})}
    return httpx.request(method, served.url + path, headers=headers, timeout=10, **kwargs)


def overloop_key(served: Served) -> dict[str, str]:
    facts = call(served, "POST", "/__admin/seed", json={"seed": 1}).json()
    return {"Authorization": facts["overloop"]["api_key"]}


def create_lead(served: Served, key: dict[str, str], email: str) -> httpx.Response:
    document = {"data": {"type": "leads", "attributes": {"email": email, "first_name": "Ada"}}}
    headers = {**key, "Content-Type": MEDIA_TYPE}
    return call(served, "POST", LEADS, headers=headers, content=json.dumps(document))


def every_lead(served: Served, key: dict[str, str]) -> list[dict[str, Any]]:
    """Every lead of the account, page after page (each page maybe from another worker)."""
    leads, url = [], f"{served.url}{LEADS}?page[size]=100"
    while url:
        page = httpx.get(url, headers={"Connection": "close", **key}, timeout=10)
        assert page.status_code == 200, page.text
        leads += page.json()["data"]
        url = page.json()["links"].get("next")
    return leads


def in_parallel(count: int, task: Any) -> list[Any]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(task, range(count)))


@pytest.fixture
def workers(redis_url: str) -> Iterator[Served]:
    served = serve("--store", redis_url, "--workers", "2", "--quiet")
    yield served
    served.stop()


def test_two_workers_answer_one_port(workers: Served) -> None:
    pids = set()
    for _ in range(200):
        pids.add(call(workers, "GET", "/__admin/health").json()["pid"])
        if len(pids) == 2:
            break
    assert len(pids) == 2


def test_a_write_through_one_worker_is_read_back_through_every_other(workers: Served) -> None:
    key = overloop_key(workers)
    created = in_parallel(20, lambda n: create_lead(workers, key, f"ada{n}@example.com"))
    assert [r.status_code for r in created] == [201] * 20
    ids = {r.json()["data"]["id"] for r in created}
    assert len(ids) == 20  # minted once each, whichever worker minted them
    for lead_id in ids:
        read = call(workers, "GET", f"{LEADS}/{lead_id}", headers=key)
        assert read.status_code == 200
        assert read.json()["data"]["attributes"]["first_name"] == "Ada"
    listed = [every_lead(workers, key) for _ in range(3)]
    assert listed[0] == listed[1] == listed[2]
    assert ids <= {lead["id"] for lead in listed[0]}


def test_an_email_is_taken_once_across_workers(workers: Served) -> None:
    key = overloop_key(workers)
    answers = in_parallel(12, lambda _: create_lead(workers, key, "same@example.com"))
    assert sorted(r.status_code for r in answers) == [201] + [422] * 11


def test_the_journal_and_faults_are_shared(workers: Served) -> None:
    key = overloop_key(workers)
    call(workers, "POST", "/__admin/reset")
    fault = call(workers, "POST", "/__admin/faults", json={"status": 503, "times": 3})
    assert fault.status_code == 201, fault.text
    statuses = [call(workers, "GET", f"{LEADS}/1", headers=key).status_code for _ in range(12)]
    assert sorted(statuses) == [200] * 9 + [503] * 3
    journal = call(workers, "GET", "/__admin/journal", params={"operation": "get_lead"}).json()
    assert sorted(e["status"] for e in journal) == sorted(statuses)
    assert call(workers, "GET", "/__admin/faults").json()[0]["times"] == 0
    # The page's feed reads the newest from the shared journal, whichever worker answers, and
    # a click opens any of them (no answer kept: a shared journal keeps none).
    lines = call(workers, "GET", "/__admin/ui/requests", params={"since": 0}).json()["entries"]
    assert sorted(line["status"] for line in lines if line["operation"] == "get_lead") == sorted(
        statuses
    )
    for line in lines[-3:]:
        whole = call(workers, "GET", "/__admin/ui/request", params={"key": line["key"]}).json()
        assert whole["key"] == line["key"] and "answer" not in whole
        assert whole["request"]["headers"]["authorization"] == "[redacted]"
    call(workers, "POST", "/__admin/reset")
    assert call(workers, "GET", "/__admin/journal").json() == []
    assert call(workers, "GET", "/__admin/faults").json() == []


def test_reset_seed_and_state_through_any_worker_change_every_worker(workers: Served) -> None:
    key = overloop_key(workers)
    created = create_lead(workers, key, "kept@example.com").json()["data"]["id"]
    state = call(workers, "GET", "/__admin/state").json()
    facts = call(workers, "POST", "/__admin/seed", json={"seed": 7, "leads": 3}).json()
    seven = {"Authorization": facts["overloop"]["api_key"]}
    for _ in range(6):
        assert len(call(workers, "GET", LEADS, headers=seven).json()["data"]) == 7
        assert call(workers, "GET", LEADS, headers=key).status_code == 401
    assert call(workers, "PUT", "/__admin/state", json=state).status_code == 200
    for _ in range(6):
        assert call(workers, "GET", f"{LEADS}/{created}", headers=key).status_code == 200
    call(workers, "POST", "/__admin/reset")  # back to seed 7's state, in every worker
    for _ in range(6):
        assert len(call(workers, "GET", LEADS, headers=seven).json()["data"]) == 7


def test_the_rate_limit_counts_every_worker(redis_url: str) -> None:
    served = serve("--store", redis_url, "--workers", "2", "--quiet", "--rate-limit", "5/min")
    try:
        key = overloop_key(served)
        statuses = [call(served, "GET", f"{LEADS}/1", headers=key).status_code for _ in range(9)]
        assert sorted(statuses) == [200] * 5 + [429] * 4
    finally:
        served.stop()


def test_two_hosts_share_one_prefix_and_not_another(redis_server: Any, redis_url: str) -> None:
    first = serve("--store", redis_url, "--quiet")
    second = serve("--store", redis_url, "--seed", "9")
    elsewhere = serve("--store", f"{redis_server.url}?prefix=apart-{time.time_ns()}", "--quiet")
    try:
        key = overloop_key(first)
        lead = create_lead(first, key, "host@example.com").json()["data"]["id"]
        assert call(second, "GET", f"{LEADS}/{lead}", headers=key).status_code == 200
        assert call(elsewhere, "GET", f"{LEADS}/{lead}", headers=key).status_code == 404
    finally:
        first.stop()
        out, _ = second.stop()
        elsewhere.stop()
    # The second joined the first's state (seed 1): its own --seed 9 did not apply.
    assert "joined the state already there" in out
    assert "seed 1," in out


def test_workers_need_a_shared_store_and_a_store_must_answer() -> None:
    alone = leadmock("serve", "--workers", "2", "--port", "1")
    assert alone.returncode == 2 and "needs --store redis://" in alone.stderr
    wrong = leadmock("serve", "--store", "http://127.0.0.1:6379/0")
    assert wrong.returncode == 2 and "a Redis URL" in wrong.stderr
    started = time.monotonic()
    gone = leadmock("serve", "--store", "redis://127.0.0.1:1/0", "--port", "1")
    assert gone.returncode == 2 and "cannot reach the store" in gone.stderr, gone.stderr
    assert time.monotonic() - started < 30


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server for one test, to stop and start (the session's stays up)."""
    server = RedisServer().start()
    yield server
    server.remove()


def test_redis_stopped_and_started_mid_run(own_redis: RedisServer) -> None:
    served = serve("--store", own_redis.url, "--workers", "2", "--quiet")
    try:
        key = overloop_key(served)
        kept = create_lead(served, key, "before@example.com").json()["data"]["id"]
        own_redis.stop()
        for attempt in range(6):
            started = time.monotonic()
            answer = (
                create_lead(served, key, f"during{attempt}@example.com")
                if attempt % 2
                else call(served, "GET", f"{LEADS}/{kept}", headers=key)
            )
            assert time.monotonic() - started < 5  # never a hang
            assert answer.status_code == 503, answer.text
            assert answer.json()["errors"][0]["code"] == "service_unavailable"  # Overloop's shape
            assert answer.headers["retry-after"] == "1"
        assert call(served, "GET", "/__admin/health").status_code == 503
        own_redis.start()
        for _ in range(6):  # back by itself, on every worker, with what was written before
            assert call(served, "GET", f"{LEADS}/{kept}", headers=key).status_code == 200
        emails = [lead["attributes"]["email"] for lead in every_lead(served, key)]
        assert "before@example.com" in emails
        assert not [e for e in emails if (e or "").startswith("during")]  # nothing half-written
        # Nor an email claimed for a lead that was never written.
        assert create_lead(served, key, "during1@example.com").status_code == 201
    finally:
        served.stop()


def test_a_redis_that_comes_back_empty_is_seeded_again(own_redis: RedisServer) -> None:
    import redis

    served = serve("--store", own_redis.url, "--workers", "2", "--quiet")
    try:
        key = overloop_key(served)
        kept = create_lead(served, key, "lost@example.com").json()["data"]["id"]
        redis.Redis(port=own_redis.port).flushall()  # as a restart without persistence leaves it
        for _ in range(6):
            assert call(served, "GET", f"{LEADS}/1", headers=key).status_code == 200
            assert call(served, "GET", f"{LEADS}/{kept}", headers=key).status_code == 404
    finally:
        served.stop()


def test_a_redis_that_hangs_is_a_503_in_seconds_and_service_comes_back(
    own_redis: RedisServer,
) -> None:
    """Redis stopped dead (SIGSTOP: connections open, no answers), not gone: each request is
    answered 503 within the client timeout, and all is well once it runs again."""
    import signal

    served = serve("--store", own_redis.url, "--quiet")
    try:
        key = overloop_key(served)
        assert own_redis.process is not None
        own_redis.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            answers = in_parallel(4, lambda _: call(served, "GET", f"{LEADS}/1", headers=key))
            assert time.monotonic() - started < 8
            assert [a.status_code for a in answers] == [503] * 4
            assert "Timeout" in answers[0].json()["errors"][0]["message"]
        finally:
            own_redis.process.send_signal(signal.SIGCONT)
        assert call(served, "GET", f"{LEADS}/1", headers=key).status_code == 200
    finally:
        served.stop()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:6379/0", "a Redis URL"),
        ("redis:///0", "no host"),
        ("redis://127.0.0.1:99999/0", "the port is 1 to 65535"),
        ("redis://127.0.0.1:6379/zero", "the database is a number"),
        ("redis://127.0.0.1:6379/0?prefix=a%20b", "letters, digits"),
        ("redis://127.0.0.1:6379/0?prefx=a", "unknown parameter(s) prefx"),
    ],
)
def test_a_store_url_is_checked_before_anything_connects(url: str, reason: str) -> None:
    from mockserver.shared.connection import StoreURLError, parse_store_url

    with pytest.raises(StoreURLError, match=re.escape(reason)):
        parse_store_url(url)


def test_a_store_url_hides_its_password_and_keeps_its_prefix() -> None:
    from mockserver.shared.connection import parse_store_url, with_prefix_suffix

    parsed = parse_store_url("redis://:s3cret@10.0.0.5:6380/2?prefix=team-a")
    assert parsed.url == "redis://:s3cret@10.0.0.5:6380/2"
    assert parsed.prefix == "team-a"
    assert "s3cret" not in parsed.shown and parsed.shown.startswith("redis://***@10.0.0.5:6380/2")
    assert parse_store_url("redis://localhost").url == "redis://localhost/0"
    assert parse_store_url("redis://localhost").prefix == "leadmock"
    assert parse_store_url(with_prefix_suffix("redis://h/0?prefix=t", "gw1")).prefix == "t-gw1"
