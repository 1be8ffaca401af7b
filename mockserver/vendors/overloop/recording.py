"""Overloop's answers read into the mock's state (``leadmock proxy --record``), and a recording
made reachable when served (``leadmock serve --state``).

A lead is answered as a JSON:API resource: its attributes are the stored lead's fields but
``url``, and its relationships give the ids the resource hides. Everything is recorded under
the seed's one account, so the seed's API key, or any key named on the command line, reads it.
"""

from __future__ import annotations

from typing import Any

from mockserver.recording import Exchange, RecordedState
from mockserver.store import Store
from mockserver.vendorrecord import AcceptedCredentials
from mockserver.vendors.overloop.model import ACCOUNT

_RELATIONS = ("creator", "owner", "organization")


def record(exchange: Exchange, recorded: RecordedState) -> None:
    """Read one answered exchange into ``recorded``."""
    answer = exchange.answer
    data = answer.get("data") if isinstance(answer, dict) else None
    if exchange.operation == "delete_lead":
        lead = recorded.get("leads", exchange.path_parameters.get("id", ""), scope=ACCOUNT)
        if lead is not None:
            recorded.delete("leads", str(lead["id"]), scope=ACCOUNT)
            if lead.get("email"):
                recorded.delete("emails", lead["email"].lower(), scope=ACCOUNT)
        return
    resources = data if isinstance(data, list) else [data]
    for resource in resources:
        lead = _stored_lead(resource)
        if lead is None:
            continue
        recorded.put("leads", str(lead["id"]), lead, scope=ACCOUNT)
        if lead.get("email"):
            recorded.put("emails", lead["email"].lower(), {"id": lead["id"]}, scope=ACCOUNT)
        recorded.at_least(f"overloop.{ACCOUNT}.lead", lead["id"])


def _stored_lead(resource: Any) -> dict[str, Any] | None:
    if not isinstance(resource, dict) or resource.get("type") != "leads":
        return None
    attributes = resource.get("attributes")
    if not str(resource.get("id", "")).isdigit() or not isinstance(attributes, dict):
        return None
    lead = {k: v for k, v in attributes.items() if k != "url"}
    lead["id"] = int(resource["id"])
    relationships = resource.get("relationships") or {}
    for relation in _RELATIONS:
        data = (relationships.get(relation) or {}).get("data")
        related = data.get("id") if isinstance(data, dict) else None
        lead[f"{relation}_id"] = int(related) if str(related).isdigit() else None
    return lead


def adopt(store: Store, facts: dict[str, Any], accepted: AcceptedCredentials) -> list[str]:
    """Each named API key reaches the account the recording is under."""
    api_keys = accepted.api_keys
    for key in api_keys:
        store.put("overloop_keys", key, {"account": ACCOUNT})
    return [f"{len(api_keys)} named API keys reach account {ACCOUNT}"] if api_keys else []
