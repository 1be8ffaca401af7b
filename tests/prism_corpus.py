"""Requests for ``tests/test_prism_proxy.py``: every operation's happy path and its documented
errors, for every API, as a client would send them through Prism (paths as the spec writes
them, without the base path the mock serves them under).

Each case names the status the mock answers, so a case that stops reaching the behaviour it is
meant to reach fails, instead of passing on some other answer.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from mockserver import Mock
from mockserver.vendors.overloop.model import ACCOUNT

PROJECT = "5b55e806c93dde00143163dd"
LEAD = "5c81593adf767b0017d1aa66"
OTHER_LEAD = "5c81565edf767b0017d1aa35"
REQUEST = "support-group-L_OG76RYhR0XFiMf2PK"


@dataclass(frozen=True)
class Case:
    """One request and the status the mock answers it with."""

    name: str
    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def valid(self) -> bool:
        """A request the spec allows, which Prism must find nothing wrong with either."""
        return self.status < 300


def _basic(email: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def tiledesk(mock: Mock, version: str, jwt: str) -> list[Case]:
    """Sign-in, leads and (v1) requests, by Basic and by JWT, and each documented refusal."""
    owner = _basic("andrea.leo@f21.it", "123456")
    outsider = mock.facts["tiledesk"]["outsider"]
    stranger = _basic(outsider["email"], outsider["password"])
    auth = {"Authorization": owner}
    send = {**auth, "Content-Type": "application/json"}
    leads = f"/{PROJECT}/leads"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    signin = {"email": "andrea.leo@f21.it", "password": "123456"}
    cases = [
        Case(
            "sign in",
            "POST",
            "/auth/signin",
            200,
            {"Content-Type": "application/json"},
            _json(signin),
        ),
        Case(
            "sign in, form",
            "POST",
            "/auth/signin",
            200,
            form,
            b"email=andrea.leo%40f21.it&password=123456",
        ),
        Case(
            "sign in, wrong password",
            "POST",
            "/auth/signin",
            401,
            {"Content-Type": "application/json"},
            _json({**signin, "password": "nope"}),
        ),
        Case(
            "sign in, no fields",
            "POST",
            "/auth/signin",
            422,
            {"Content-Type": "application/json"},
            b"{}",
        ),
        Case("list", "GET", f"{leads}?limit=3", 200, auth),
        Case("list by JWT", "GET", f"{leads}?limit=3", 200, {"Authorization": jwt}),
        Case(
            "list, filters",
            "GET",
            f"{leads}?with_email=true&sortField=fullname&direction=1",
            200,
            auth,
        ),
        Case("list, no credentials", "GET", leads, 401),
        Case(
            "list, wrong password",
            "GET",
            leads,
            401,
            {"Authorization": _basic("andrea.leo@f21.it", "x")},
        ),
        Case("list, bad JWT", "GET", leads, 401, {"Authorization": "JWT not.a.token"}),
        Case("list, not a member", "GET", leads, 403, {"Authorization": stranger}),
        Case("list, bad project id", "GET", "/xyz/leads", 400, auth),
        Case("list, unknown project", "GET", "/aaaaaaaaaaaaaaaaaaaaaaaa/leads", 400, auth),
        Case("list, bad limit", "GET", f"{leads}?limit=0", 400, auth),
        Case(
            "create",
            "POST",
            leads,
            200,
            send,
            _json({"lead_id": "prism-1", "fullname": "Ann Prism", "email": "ann@prism.test"}),
        ),
        Case("create, bad field", "POST", leads, 400, send, _json({"fullname": 5})),
        Case("get", "GET", f"{leads}/{LEAD}", 200, auth),
        Case("get, unknown", "GET", f"{leads}/aaaaaaaaaaaaaaaaaaaaaaaa", 404, auth),
        Case("update", "PUT", f"{leads}/{LEAD}", 200, send, _json({"fullname": "Guest Two"})),
        Case(
            "update, nulls",
            "PUT",
            f"{leads}/{LEAD}",
            200,
            send,
            _json({"fullname": None, "email": None}),
        ),
        Case(
            "update, unknown",
            "PUT",
            f"{leads}/aaaaaaaaaaaaaaaaaaaaaaaa",
            404,
            send,
            _json({"fullname": "X"}),
        ),
        Case("update, bad field", "PUT", f"{leads}/{LEAD}", 400, send, _json({"tags": "vip"})),
        Case("delete", "DELETE", f"{leads}/{OTHER_LEAD}", 200, auth),
        Case("delete, unknown", "DELETE", f"{leads}/aaaaaaaaaaaaaaaaaaaaaaaa", 404, auth),
    ]
    # The server's routes have no version: every version answers the requests.
    requests = f"/{PROJECT}/requests"
    cases += [
        Case("requests", "GET", f"{requests}?limit=5", 200, auth),
        Case("requests, every status", "GET", f"{requests}?status=all&limit=100", 200, auth),
        Case("requests, closed", "GET", f"{requests}?status=1000", 200, auth),
        Case(
            "requests, filters",
            "GET",
            f"{requests}?tags=vip&preflight=true&hasbot=false",
            200,
            auth,
        ),
        Case("requests, by lead", "GET", f"{requests}?lead={LEAD}", 200, auth),
        Case("requests, bad department id", "GET", f"{requests}?dept_id=x", 400, auth),
        Case("request", "GET", f"{requests}/{REQUEST}", 200, auth),
        Case("request, unknown", "GET", f"{requests}/none", 404, auth),
    ]
    return cases


def overloop(mock: Mock) -> list[Case]:
    """List, create, retrieve, update and delete, and each documented refusal."""
    key = {"Authorization": mock.facts["overloop"]["api_key"]}
    send = {**key, "Content-Type": "application/vnd.api+json"}
    taken = mock.store.get("leads", "2", scope=ACCOUNT) or {}

    def lead(**attributes: Any) -> bytes:
        return _json({"data": {"type": "leads", "attributes": attributes}})

    cases = [
        Case("list", "GET", "/leads", 200, key),
        Case(
            "list, page, sort, filter, include",
            "GET",
            "/leads?page%5Bsize%5D=5&sort=-created_at&filter=opened:false&include=organization",
            200,
            key,
        ),
        Case("list, no key", "GET", "/leads", 401),
        Case("list, wrong key", "GET", "/leads", 401, {"Authorization": "wrong"}),
        Case("list, bad filter", "GET", "/leads?filter=description:x", 400, key),
        Case("list, bad sort", "GET", "/leads?sort=url", 400, key),
        Case("list, page too large", "GET", "/leads?page%5Bsize%5D=101", 400, key),
        Case(
            "create",
            "POST",
            "/leads",
            201,
            send,
            lead(email="prism@overloop.test", first_name="Pri", last_name="Sm"),
        ),
        Case("create, no data", "POST", "/leads", 422, send, b"{}"),
        Case("create, no type", "POST", "/leads", 422, send, _json({"data": {}})),
        Case("create, bad attribute", "POST", "/leads", 422, send, lead(email=5)),
        Case(
            "create, wrong media type",
            "POST",
            "/leads",
            415,
            {**key, "Content-Type": "text/plain"},
            b"x",
        ),
        Case("retrieve", "GET", "/leads/1", 200, key),
        Case("retrieve, unknown", "GET", "/leads/999999", 404, key),
        Case("update", "PATCH", "/leads/1", 200, send, lead(jobtitle="CTO")),
        Case("update, bad attribute", "PATCH", "/leads/1", 422, send, lead(first_name=5)),
        Case("update, unknown", "PATCH", "/leads/999999", 404, send, lead(jobtitle="CTO")),
        Case("delete", "DELETE", "/leads/3", 200, key),
        Case("delete, unknown", "DELETE", "/leads/999999", 404, key),
    ]
    if taken.get("email"):
        cases.append(
            Case("create, email taken", "POST", "/leads", 422, send, lead(email=taken["email"]))
        )
    return cases


def leads_crm(mock: Mock) -> list[Case]:
    """Login, the overview, lists and details, every write (on the heading's path and the sample
    code's), and the documented refusals of each."""
    facts = mock.facts["leads-crm"]
    user = facts["users"][0]
    me = {"apikey": facts["api_key"], "Authorization": f"Bearer {facts['access_token']}"}
    send = {**me, "Content-Type": "application/json"}
    store = mock.store
    owned = [lead for lead in store.query("crm_leads")[0] if lead["owner"] == user["username"]]
    theirs = next(lead for lead in store.query("crm_leads")[0] if lead["owner"] != user["username"])
    mine = [a for a in store.query("crm_appointments")[0] if a["created_by"] == user["username"]]
    notes = [n for n in store.query("crm_notes")[0] if n["user"] == user["username"]]
    slug = owned[0]["slug"]
    new_lead = {
        "first_name": "Pri",
        "last_name": "Sm",
        "email": "pri.sm@example.com",
        "phone": "9876543210",
        "status": "prospect",
        "source": "website",
        "location": "Kochi",
        "message": "Through Prism.",
        "assignee": "apiuser2",
    }
    appointment = {
        "slug": slug,
        "appointment_date": "2031-05-04 10:00",
        "appointment_to": "2031-05-04 10:30",
        "appointment_note": "Demo",
        "appointment_status": "pending",
    }
    cases = [
        Case(
            "login",
            "POST",
            "/user/login/",
            200,
            {"apikey": facts["api_key"], "Content-Type": "application/json"},
            _json({"username": user["username"], "password": user["password"]}),
        ),
        Case(
            "login, wrong password",
            "POST",
            "/user/login/",
            401,
            {"apikey": facts["api_key"], "Content-Type": "application/json"},
            _json({"username": user["username"], "password": "x"}),
        ),
        Case("overview", "GET", "/leads/overview/", 200, me),
        Case(
            "overview, no api key",
            "GET",
            "/leads/overview/",
            403,
            {"Authorization": me["Authorization"]},
        ),
        Case("overview, no token", "GET", "/leads/overview/", 401, {"apikey": facts["api_key"]}),
        Case("list", "GET", "/leads/list/?limit=5", 200, me),
        Case("list, bad limit", "GET", "/leads/list/?limit=x", 400, me),
        Case("appointments", "GET", "/leads/appointments/list/", 200, me),
        Case("appointments, sample path", "GET", "/appointments/list/", 200, me),
        Case(
            "overview, bad filter",
            "GET",
            "/leads/overview/?appointment=decade",
            400,
            me,
        ),
        Case("view", "GET", f"/leads/view/lead/?slug={slug}", 200, me),
        Case("view, sample path", "GET", f"/view/lead/?slug={slug}", 200, me),
        Case("view, unknown slug", "GET", "/leads/view/lead/?slug=nobody-here", 400, me),
        Case("view, no slug", "GET", "/leads/view/lead/", 400, me),
        Case(
            "create appointment",
            "POST",
            "/leads/create/appointment/",
            200,
            send,
            _json(appointment),
        ),
        Case(
            "create appointment, sample path",
            "POST",
            "/create/appointment/",
            200,
            send,
            _json(
                {
                    **appointment,
                    "appointment_date": "2031-05-05 10:00",
                    "appointment_to": "2031-05-05 10:30",
                }
            ),
        ),
        Case(
            "create appointment, in the past",
            "POST",
            "/leads/create/appointment/",
            401,
            send,
            _json(
                {
                    **appointment,
                    "appointment_date": "2001-05-04 10:00",
                    "appointment_to": "2001-05-04 10:30",
                }
            ),
        ),
        Case(
            "create appointment, bad date",
            "POST",
            "/leads/create/appointment/",
            400,
            send,
            _json({**appointment, "appointment_date": "tomorrow"}),
        ),
        Case("create appointment, no body", "POST", "/leads/create/appointment/", 401, me),
        Case(
            "update appointment",
            "POST",
            "/leads/update/appointment/",
            200,
            send,
            _json({"appointment_id": str(mine[0]["id"]), "appointment_note": "Moved"}),
        ),
        Case(
            "update appointment, sample path",
            "POST",
            "/update/appointment/",
            200,
            send,
            _json({"appointment_id": str(mine[0]["id"]), "appointment_note": "Moved again"}),
        ),
        Case(
            "update appointment, unknown",
            "POST",
            "/leads/update/appointment/",
            400,
            send,
            _json({"appointment_id": "999999", "appointment_note": "Moved"}),
        ),
        Case(
            "delete appointment",
            "POST",
            "/leads/delete/appointment/",
            200,
            send,
            _json({"appointment_id": str(mine[1]["id"])}),
        ),
        Case(
            "delete appointment, sample path",
            "POST",
            "/delete/appointment/",
            200,
            send,
            _json({"appointment_id": str(mine[2]["id"])}),
        ),
        Case(
            "delete appointment, unknown",
            "POST",
            "/leads/delete/appointment/",
            400,
            send,
            _json({"appointment_id": "999999"}),
        ),
        Case("create lead", "POST", "/leads/create/lead/", 200, send, _json(new_lead)),
        Case(
            "create lead, sample path",
            "POST",
            "/create/lead/",
            200,
            send,
            _json({**new_lead, "email": "pri.sm2@example.com"}),
        ),
        Case(
            "create lead, heading path",
            "POST",
            "/v1/leads/create/lead/",
            200,
            send,
            _json({**new_lead, "email": "pri.sm3@example.com"}),
        ),
        Case(
            "create lead, versioned sample path",
            "POST",
            "/v1/create/lead/",
            200,
            send,
            _json({**new_lead, "email": "pri.sm4@example.com"}),
        ),
        Case(
            "create lead, bad fields",
            "POST",
            "/leads/create/lead/",
            400,
            send,
            _json({**new_lead, "email": "not-an-email", "status": "hot"}),
        ),
        Case(
            "create lead, unknown assignee",
            "POST",
            "/leads/create/lead/",
            400,
            send,
            _json({**new_lead, "email": "pri.sm5@example.com", "assignee": "nobody"}),
        ),
        Case(
            "update lead",
            "POST",
            "/leads/update/lead/",
            200,
            send,
            _json({**new_lead, "slug": owned[1]["slug"], "email": owned[1]["email"]}),
        ),
        Case(
            "update lead, sample path",
            "POST",
            "/update/lead/",
            200,
            send,
            _json({**new_lead, "slug": owned[1]["slug"], "email": owned[1]["email"]}),
        ),
        Case(
            "update lead, not the owner",
            "POST",
            "/leads/update/lead/",
            401,
            send,
            _json({**new_lead, "slug": theirs["slug"], "email": theirs["email"]}),
        ),
        Case(
            "create note",
            "POST",
            "/leads/create/leadnote/",
            200,
            send,
            _json({"slug": slug, "note": "Called."}),
        ),
        Case(
            "create note, sample path",
            "POST",
            "/create/leadnote/",
            200,
            send,
            _json({"slug": slug, "note": "Called again."}),
        ),
        Case(
            "create note, unknown lead",
            "POST",
            "/leads/create/leadnote/",
            400,
            send,
            _json({"slug": "nobody-here", "note": "Called."}),
        ),
        Case(
            "delete note",
            "POST",
            "/leads/delete/leadnote/",
            200,
            send,
            _json({"note_id": str(notes[0]["id"])}),
        ),
        Case(
            "delete note, sample path",
            "POST",
            "/delete/leadnote/",
            200,
            send,
            _json({"note_id": str(notes[1]["id"])}),
        ),
        Case(
            "delete note, unknown",
            "POST",
            "/leads/delete/leadnote/",
            400,
            send,
            _json({"note_id": "999999"}),
        ),
        Case(
            "delete lead",
            "POST",
            "/leads/delete/lead/",
            200,
            send,
            _json({"slug": owned[2]["slug"]}),
        ),
        Case(
            "delete lead, sample path",
            "POST",
            "/delete/lead/",
            200,
            send,
            _json({"slug": owned[3]["slug"]}),
        ),
        Case(
            "delete lead, twice",
            "POST",
            "/leads/delete/lead/",
            400,
            send,
            _json({"slug": owned[2]["slug"]}),
        ),
        Case(
            "delete lead, not the owner",
            "POST",
            "/leads/delete/lead/",
            401,
            send,
            _json({"slug": theirs["slug"]}),
        ),
    ]
    return cases
