"""One scripted CRUD sequence on Tiledesk leads, sent to two servers and compared step by step.

The mock and the real server agree when every step gets the same status and the same body once
each side's own values are put aside: ids, the caller's user and project, tokens and times are
replaced by placeholders (``<lead>``, ``<user>``, ``<project>``, ``<jwt>``, ``<time>``...), so that
every other value (names, emails, attributes, tags, status, error messages) is compared as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from contracts.tiledesk_server import Account


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
        return cls("real", client, "", account.email, account.password, account.project_id)


@dataclass(frozen=True)
class Step:
    """One request of the sequence and what one side answered, normalized."""

    name: str
    request: str
    status: int
    body: Any


@dataclass(frozen=True)
class Disagreement:
    step: str
    mock: Step
    real: Step

    def describe(self, width: int = 400) -> str:
        """Both answers, side by side, each body cut to ``width`` characters."""
        ours = json.dumps(self.mock.body, sort_keys=True)
        theirs = json.dumps(self.real.body, sort_keys=True)
        return (
            f"{self.step}: {self.mock.request}\n"
            f"  mock: {self.mock.status} {ours[:width]}\n"
            f"  real: {self.real.status} {theirs[:width]}"
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
    send("delete", "DELETE", f"{leads}/{lead_id}", headers=auth)
    send("list by email after delete", "GET", leads, params={"email": email}, headers=auth)
    send("get after delete", "GET", f"{leads}/{lead_id}", headers=auth)
    return [Step(s.name, s.request, s.status, normalize(s.body, known)) for s in steps]


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
    return [
        Disagreement(ours.name, ours, theirs)
        for ours, theirs in zip(mock, real, strict=True)
        if (ours.status, ours.body) != (theirs.status, theirs.body)
    ]
