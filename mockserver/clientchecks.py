"""Assertions on a client's behaviour, read from the journal's timeline: did it wait out a
``Retry-After``, read a list to its last page, leave non-idempotent writes unretried, keep under
a rate, sign in again after its token expired. Each returns the problems it found, every one
quoting the requests at fault; ``Journal.assert_*`` raise them as one ``AssertionError``.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from mockserver.ratelimit import RateLimit

if TYPE_CHECKING:
    from mockserver.journal import Entry

TOLERANCE = 0.05
"""Seconds a request may come early after a ``Retry-After`` (clocks, rounding)."""
SIZE_NAMES = ("perPage", "per_page", "limit", "page_size", "pageSize", "size", "page[size]")
"""Where a list's page size is read: the answer's fields, then the request's query."""


def described(entry: Entry) -> str:
    """A request as a failure message quotes it: method, path, query, status and time."""
    query = f"?{entry.query}" if entry.query else ""
    moment = time.strftime("%H:%M:%S", time.localtime(entry.arrived))
    millis = int((entry.arrived % 1) * 1000)
    return f"{entry.method} {entry.path}{query} -> {entry.status} at {moment}.{millis:03d}"


def _in_order(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: entry.arrived)


def honoured_retry_after(entries: Sequence[Entry]) -> list[str]:
    """Requests to an operation sent before the ``Retry-After`` of its last 429 or 503 ran
    out."""
    problems = []
    timeline = _in_order(entries)
    for index, refused in enumerate(timeline):
        if refused.retry_after is None or refused.status not in (429, 503):
            continue
        until = refused.at + refused.retry_after - TOLERANCE
        for later in timeline[index + 1 :]:
            if (later.api, later.operation) != (refused.api, refused.operation):
                continue
            if later.arrived < until:
                early = later.arrived - refused.at
                problems.append(
                    f"{described(later)} came {early:.2f} s after {described(refused)}, whose "
                    f"Retry-After was {refused.retry_after:g} s"
                )
            break
    return problems


def paginated_to_end(entries: Sequence[Entry], operation: str) -> list[str]:
    """Whether the last page a client read of ``operation`` was the list's last."""
    read = [e for e in _in_order(entries) if e.operation == operation and 200 <= e.status < 300]
    if not read:
        return [f"no request of {operation} was answered 2xx"]
    last = read[-1]
    if not last.raw_answer:
        return [
            f"the journal keeps no answers, so the end of {operation} cannot be told "
            "(LeadMock's journal keeps them: Journal.keep_answers)"
        ]
    verdict = _last_page(last.answer, last.query)
    if verdict is None:
        return [f"cannot tell whether {described(last)} answered the last page of {operation}"]
    ended, why = verdict
    if ended:
        return []
    stopped = f"the client stopped reading {operation} at {described(last)}"
    return [f"{stopped}: not the last page ({why})"]


def _last_page(body: Any, query: str) -> tuple[bool, str] | None:
    """Whether a list answer is the last page, and why; None when it cannot be told."""
    if isinstance(body, dict):
        links = body.get("links")
        if isinstance(links, dict) and ("next" in links or "self" in links):
            return not links.get("next"), f"links.next is {links.get('next')!r}"
        if "next" in body:
            return not body["next"], f"next is {body['next']!r}"
    items = body if isinstance(body, list) else None
    if isinstance(body, dict):
        items = next((value for value in body.values() if isinstance(value, list)), None)
    if items is None:
        return None
    if not items:
        return True, "no items"
    size = _page_size(body, query)
    if size is None:
        return None
    return len(items) < size, f"{len(items)} items of a page of {size}"


def _page_size(body: Any, query: str) -> int | None:
    if isinstance(body, dict):
        for name in SIZE_NAMES:
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    asked = dict(parse_qsl(query))
    for name in SIZE_NAMES:
        if asked.get(name, "").isdigit() and int(asked[name]) > 0:
            return int(asked[name])
    return None


def not_retried(entries: Sequence[Entry], operation: str) -> list[str]:
    """Requests of ``operation`` sent again as they were (method, path, query and body)."""
    problems = []
    sent: dict[tuple[str, str, str, bytes], Entry] = {}
    for entry in _in_order(entries):
        if entry.operation != operation:
            continue
        key = (entry.method, entry.path, entry.query, entry.raw_body)
        first = sent.get(key)
        if first is not None:
            problems.append(f"{described(entry)} repeats {described(first)} (the same body)")
        else:
            sent[key] = entry
    return problems


def rate_at_most(entries: Sequence[Entry], rate: str) -> list[str]:
    """The first request that made more than ``rate`` (``200/min``) in any such window."""
    limit = RateLimit.parse(rate)
    timeline = _in_order(entries)
    start = 0
    for index, entry in enumerate(timeline):
        while entry.arrived - timeline[start].arrived >= limit.seconds:
            start += 1
        if index - start + 1 > limit.requests:
            return [
                f"{described(entry)} was request {index - start + 1} within {limit.seconds} s "
                f"(from {described(timeline[start])}): more than {rate}"
            ]
    return []


def signed_in_again(entries: Sequence[Entry], sign_ins: Collection[tuple[str, str]]) -> list[str]:
    """After each token expiry's 401: a sign-in followed, the expired token was not sent again,
    and a request with another token was answered."""
    timeline = _in_order(entries)
    expired = [e for e in timeline if e.scenario == "token_expiry" and e.status == 401]
    if not expired:
        return ["no token expired (set the token_expiry scenario)"]
    problems = []
    seen_tokens: set[str] = set()
    for refused in expired:
        token = refused.headers.get("authorization", "")
        if token in seen_tokens:
            continue
        seen_tokens.add(token)
        after = [e for e in timeline if e.arrived > refused.arrived and e.api == refused.api]
        again = [e for e in after if e.headers.get("authorization") == token]
        if again:
            problems.append(
                f"{described(again[0])} sent the expired token again, after {described(refused)}"
            )
        signed = [e for e in after if (e.api, e.operation) in sign_ins and e.status < 300]
        if not signed:
            problems.append(f"after {described(refused)} (token expired) no sign-in followed")
            continue
        went_on = [e for e in after if e.arrived > signed[0].arrived and e.status < 300
                   and e.headers.get("authorization") not in (None, token)]  # fmt: skip
        if not went_on:
            problems.append(
                f"after signing in again ({described(signed[0])}) no request with the new "
                "token was answered"
            )
    return problems
