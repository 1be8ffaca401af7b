"""Leads & CRM's answers read into the mock's state (``leadmock proxy --record``), and a
recording made reachable when served (``leadmock serve --state``).

The API answers lead summaries (the list) and views (one lead); each is merged into the stored
lead, the fields no answer shows given the values a create gives them. An update or a delete
answers nothing of the lead, so its request says what changed. A lead is seen only by its owner
and its assignee: served, the recorded owners log in with the passwords named on the command
line.
"""

from __future__ import annotations

from typing import Any

from mockserver.recording import Exchange, RecordedState
from mockserver.store import Store
from mockserver.vendorrecord import AcceptedCredentials

_SUMMARY_ONLY = ("name", "recent_activities", "notes", "conversion")
_STORED_DEFAULTS = {"location": "", "message": "", "campaign_slug": None, "deleted": False}
_UPDATED = ("first_name", "last_name", "email", "phone", "status", "source", "location",
            "message", "assignee")  # fmt: skip


def record(exchange: Exchange, recorded: RecordedState) -> None:
    """Read one answered exchange into ``recorded``."""
    answer = exchange.answer
    data = answer.get("data") if isinstance(answer, dict) else None
    body = exchange.request_body if isinstance(exchange.request_body, dict) else {}
    known = recorded.get("crm_leads", str(body.get("slug", ""))) is not None
    if exchange.operation.startswith("list_leads") and isinstance(data, dict):
        for lead in data.get("results") or data.get("leads") or []:
            _lead(recorded, lead)
    elif exchange.operation.startswith("view_lead") and isinstance(data, dict):
        _lead(recorded, data)
    elif exchange.operation.startswith("update_lead") and known:
        changes = {name: body[name] for name in _UPDATED if name in body}
        recorded.merge("crm_leads", body["slug"], changes)
    elif exchange.operation.startswith("delete_lead") and known:
        recorded.merge("crm_leads", body["slug"], {"deleted": True})


def _lead(recorded: RecordedState, shown: Any) -> None:
    if not isinstance(shown, dict) or not isinstance(shown.get("slug"), str):
        return
    if not isinstance(shown.get("id"), int):
        return
    fields = {k: v for k, v in shown.items() if k not in _SUMMARY_ONLY}
    current = recorded.get("crm_leads", shown["slug"]) or {
        **_STORED_DEFAULTS,
        "assignee": shown.get("owner"),
    }
    recorded.put("crm_leads", shown["slug"], {**current, **fields})
    recorded.at_least("crm.lead", shown["id"])


def adopt(store: Store, facts: dict[str, Any], accepted: AcceptedCredentials) -> list[str]:
    """Named logins (a recorded owner's username, or a new user) and API keys are accepted."""
    logins, api_keys = accepted.logins, accepted.api_keys
    for key in api_keys:
        store.put("crm_apikeys", key, {"name": "named on the command line"})
    for username, password in logins:
        user = store.get("crm_users", username) or {"username": username, "active": True}
        user.setdefault("first_name", "")
        user.setdefault("last_name", "")
        store.put("crm_users", username, {**user, "password": password})
    shown = []
    if logins or api_keys:
        shown.append(f"{len(logins)} named logins and {len(api_keys)} named API keys accepted")
    return shown
