"""One scripted sequence on Tiledesk leads and requests, sent to two servers and compared step
by step.

The mock and the real server agree when every step gets the same status and the same body once
each side's own values are put aside: ids, the caller's user and project, tokens and times are
replaced by placeholders (``<lead>``, ``<user>``, ``<project>``, ``<jwt>``, ``<time>``...), so that
every other value (names, emails, attributes, tags, status, error messages) is compared as is.

Requests are other conversations on each side (the real server's are opened by the sequence,
the mock's are its seed), so a requests step compares what the answer says of the filter (all
open, all closed...) and, field by field, the answer's structure: every field the real server
sends, at any depth, must be in the mock's answer with the same type. Fields only the mock sends
are listed, not failed: they are the document's (``agents``, ``messages_count``...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from realservers.tiledesk.server import Account


class HttpClient(Protocol):
    """httpx.Client and Starlette's TestClient both fit."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Side:
    """One server under comparison: how to reach it and whom to act as."""

    name: str
    client: HttpClient
    prefix: str
    """Path before the API's own paths: ``/v3`` on the mock, empty on tiledesk-server."""
    email: str
    password: str
    project_id: str
    opens_requests: bool = False
    """Whether the sequence opens requests first (the real server has none; the mock's seed
    has them, and the documents give no way to open one)."""

    @classmethod
    def of_mock(cls, client: HttpClient, facts: dict[str, Any], version: str = "v3") -> Side:
        """The mock, through one API version, as the owner of the documents' project
        (``facts`` is the mock's Tiledesk seed facts)."""
        owner = facts["users"][0]
        return cls(
            "mock", client, f"/{version}", owner["email"], owner["password"], owner["project_id"]
        )

    @classmethod
    def of_real(cls, client: HttpClient, account: Account) -> Side:
        """tiledesk-server, whose routes have no version prefix, as a provisioned account."""
        return cls("real", client, "", account.email, account.password, account.project_id, True)


@dataclass(frozen=True)
class Step:
    """One request of the sequence and what one side answered, normalized."""

    name: str
    request: str
    status: int
    body: Any
    shape: Any = None
    """For a requests step, the answer's structure (``shape``), compared field by field."""


@dataclass(frozen=True)
class Disagreement:
    step: str
    mock: Step
    real: Step
    missing: tuple[str, ...] = ()
    """Fields of the real answer the mock's lacks or types otherwise."""

    def describe(self, width: int = 400) -> str:
        """Both answers, side by side, each body cut to ``width`` characters."""
        ours = json.dumps(self.mock.body, sort_keys=True)
        theirs = json.dumps(self.real.body, sort_keys=True)
        gaps = f"\n  fields: {', '.join(self.missing)}"[: width + 11] if self.missing else ""
        return (
            f"{self.step}: {self.mock.request}\n"
            f"  mock: {self.mock.status} {ours[:width]}\n"
            f"  real: {self.real.status} {theirs[:width]}{gaps}"
        )


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Values a lead starts with in the sequence; an email unique to each run keeps filters exact.
LEAD = {
    "fullname": "Ada Lovelace",
    "attributes": {"plan": "pro", "source": "leadmock"},
    "lead_id": "leadmock-agreement-1",
}
UPDATE = {
    "fullname": "Ada King",
    "phone": "+44 20 7946 0018",
    "company": "Analytical Engines",
    "city": "London",
    "country": "GB",
    "note": "met at the exhibition",
    "tags": ["agreement"],
}
UNKNOWN_LEAD = "5f0000000000000000000000"


def run_sequence(side: Side, run_id: str) -> list[Step]:
    """Sign in, create, get, update, list with filters, delete, list and get after delete,
    plus the errors a client meets on the way (wrong password, a sign-in that is not an email,
    no credentials, unparseable credentials, an unknown id)."""
    steps: list[Step] = []
    known: dict[str, str] = {side.project_id: "<project>"}
    email = f"ada-{run_id}@example.com"

    def send(name: str, method: str, path: str, **kwargs: Any) -> Any:
        answer = side.client.request(method, f"{side.prefix}{path}", **kwargs)
        try:
            body: Any = answer.json()
        except ValueError:
            body = answer.text
        params = kwargs.get("params")
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        steps.append(Step(name, f"{method} {path}{query}", answer.status_code, body))
        return body

    signin = send(
        "sign in",
        "POST",
        "/auth/signin",
        json={"email": side.email, "password": side.password},
    )
    token = signin.get("token", "") if isinstance(signin, dict) else ""
    user = signin.get("user", {}) if isinstance(signin, dict) else {}
    known[str(user.get("_id"))] = "<user>"
    # Each side signs in as a different person: the user's fields are compared, not its values.
    if isinstance(user, dict):
        signin["user"] = dict.fromkeys(user, "<caller>")
    send(
        "sign in, wrong password",
        "POST",
        "/auth/signin",
        json={"email": side.email, "password": side.password + "-wrong"},
    )
    send("sign in, not an email", "POST", "/auth/signin", json={"email": "ada", "password": ""})
    auth = {"Authorization": token}
    leads = f"/{side.project_id}/leads"
    send("list without credentials", "GET", leads)
    send("list, unparseable credentials", "GET", leads, headers={"Authorization": "JWT"})
    created = send("create", "POST", leads, json={**LEAD, "email": email}, headers=auth)
    lead_id = str(created.get("_id")) if isinstance(created, dict) else "missing"
    known[lead_id] = "<lead>"
    send("get", "GET", f"{leads}/{lead_id}", headers=auth)
    send("update", "PUT", f"{leads}/{lead_id}", json=UPDATE, headers=auth)
    send("list by email", "GET", leads, params={"email": email}, headers=auth)
    send("list by tag", "GET", leads, params={"tags": "agreement", "email": email}, headers=auth)
    send(
        "list by tag, with an email, sorted",
        "GET",
        leads,
        params={"with_email": "true", "tags": "agreement", "sort": "fullname", "direction": "1"},
        headers=auth,
    )
    send("get unknown id", "GET", f"{leads}/{UNKNOWN_LEAD}", headers=auth)
    _requests_steps(side, auth, steps, known)
    send("delete", "DELETE", f"{leads}/{lead_id}", headers=auth)
    send("list by email after delete", "GET", leads, params={"email": email}, headers=auth)
    send("get after delete", "GET", f"{leads}/{lead_id}", headers=auth)
    return [Step(s.name, s.request, s.status, normalize(s.body, known), s.shape) for s in steps]


# What the sequence opens on the real server: one request stays open, one is closed.
OPENED = {
    "first_text": "Hello, is anyone there?",
    "sourcePage": "https://leadmock.example/pricing",
    "language": "en",
    "userAgent": "leadmock-agreement",
}


def _requests_steps(side: Side, auth: dict[str, str], steps: list[Step], known: dict) -> None:
    """The requests list (default, by status, over the page size) and get, open and closed."""
    requests = f"/{side.project_id}/requests"
    if side.opens_requests:
        for _ in range(2):
            side.client.request("POST", f"{side.prefix}{requests}", json=OPENED, headers=auth)
        opened = side.client.request("GET", f"{side.prefix}{requests}", headers=auth).json()
        closing = opened["requests"][0]["request_id"]
        side.client.request("PUT", f"{side.prefix}{requests}/{closing}/close", headers=auth)

    def listed(name: str, query: str, says: Any) -> list[dict[str, Any]]:
        answer = side.client.request("GET", f"{side.prefix}{requests}{query}", headers=auth)
        body = answer.json()
        found = body.get("requests", []) if isinstance(body, dict) else []
        summary = {"perPage": body.get("perPage"), "says": says(found), "some": bool(found)}
        steps.append(Step(name, f"GET {requests}{query}", answer.status_code, summary, shape(body)))
        return found

    open_ones = listed("requests", "", lambda found: all(r["status"] < 1000 for r in found))
    closed = listed(
        "requests, closed", "?status=1000", lambda f: all(r["status"] == 1000 for r in f)
    )
    listed(
        "requests, every status",
        "?status=all",
        lambda found: {r["status"] >= 1000 for r in found} == {True, False},
    )
    listed("requests, served", "?status=200", lambda f: all(r["status"] == 200 for r in f))
    listed("requests, a page over 100", "?limit=500", lambda found: len(found) <= 40)
    for name, chosen in (("request, open", open_ones), ("request, closed", closed)):
        if not chosen:
            continue
        wanted = chosen[0]["request_id"]
        known[wanted] = "<request>"
        answer = side.client.request("GET", f"{side.prefix}{requests}/{wanted}", headers=auth)
        body = answer.json()
        summary = {"request_id": body.get("request_id"), "closed": body.get("status") == 1000}
        steps.append(
            Step(name, f"GET {requests}/<request>", answer.status_code, summary, shape(body))
        )
    unknown = side.client.request("GET", f"{side.prefix}{requests}/nobody", headers=auth)
    steps.append(
        Step("request, unknown", f"GET {requests}/nobody", unknown.status_code, unknown.json())
    )


def shape(value: Any) -> Any:
    """The structure of a JSON value: each object's keys with their values' shapes, a list as
    the union of its items' shapes, and a type name for everything else."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _union(merged, shape(item))
        return [] if merged is None else [merged]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "string"


def _union(first: Any, second: Any) -> Any:
    if first is None or first == "null":
        return second
    if isinstance(first, dict) and isinstance(second, dict):
        merged = dict(first)
        for key, value in second.items():
            merged[key] = _union(merged.get(key), value)
        return merged
    if isinstance(first, list) and isinstance(second, list):
        return (
            [_union(first[0] if first else None, second[0] if second else None)]
            if (first or second)
            else []
        )
    return first


def shape_gaps(mock: Any, real: Any, path: str = "") -> tuple[list[str], list[str]]:
    """Fields the real answer has that the mock's lacks or types otherwise, and fields only the
    mock's has. Null goes with any type (a field may be empty), and so does an empty list."""
    missing: list[str] = []
    extra: list[str] = []
    if isinstance(real, dict) and isinstance(mock, dict):
        for key, value in real.items():
            if key not in mock:
                missing.append(f"{path}{key}")
                continue
            lacking, more = shape_gaps(mock[key], value, f"{path}{key}.")
            missing += lacking
            extra += more
        extra += [f"{path}{key}" for key in mock if key not in real]
    elif isinstance(real, list) and isinstance(mock, list):
        if real and mock:
            lacking, more = shape_gaps(mock[0], real[0], f"{path.rstrip('.')}[].")
            missing += lacking
            extra += more
    elif "null" not in (mock, real) and mock != real:
        missing.append(f"{path.rstrip('.')} (mock {_kind(mock)}, real {_kind(real)})")
    return missing, extra


def _kind(shape_: Any) -> str:
    if isinstance(shape_, dict):
        return "object"
    return "array" if isinstance(shape_, list) else str(shape_)


def mock_only_fields(mock: list[Step], real: list[Step]) -> list[str]:
    """Fields the mock's requests answers have and the real server's do not, once each."""
    found: dict[str, None] = {}
    for ours, theirs in zip(mock, real, strict=True):
        if ours.shape is not None and theirs.shape is not None:
            # A request's field, whether listed or got alone, is named once.
            extra = shape_gaps(ours.shape, theirs.shape)[1]
            found.update(dict.fromkeys(name.removeprefix("requests[].") for name in extra))
    return list(found)


def normalize(body: Any, known: dict[str, str]) -> Any:
    """``body`` with each side's own values replaced by placeholders."""
    if isinstance(body, dict):
        return {key: normalize(value, known) for key, value in body.items()}
    if isinstance(body, list):
        return [normalize(value, known) for value in body]
    if not isinstance(body, str):
        return body
    if body in known:
        return known[body]
    if body.startswith("JWT "):
        return "<jwt>"
    if _TIME.fullmatch(body):
        return "<time>"
    if _UUID.fullmatch(body):
        return "<uuid>"
    if _OBJECT_ID.fullmatch(body):
        return "<id>"
    return body


def compare(mock: list[Step], real: list[Step]) -> list[Disagreement]:
    """The steps where the two sides answered differently."""
    found = []
    for ours, theirs in zip(mock, real, strict=True):
        missing: list[str] = []
        if ours.shape is not None and theirs.shape is not None:
            missing = shape_gaps(ours.shape, theirs.shape)[0]
        if (ours.status, ours.body) != (theirs.status, theirs.body) or missing:
            found.append(Disagreement(ours.name, ours, theirs, tuple(missing)))
    return found
