"""Tiledesk requests (conversations): how the list filters them, how the server answers them
(department, requester, lead and agents populated) (``seed`` makes the seeded ones).

Facts, observed on tiledesk-server 2.19.16 where the v1 document is silent:
- The routes carry no version: v1, v2 and v3 answer the same list and get.
- The list leaves out closed requests (status 1000), statuses 50 and 150, and preflight ones,
  unless asked: ``status`` is a comma-separated list of statuses or ``all``; a list with no
  number in it reads as ``all`` (the server drops what is not a number, then the condition).
- ``limit`` over 100 reads as 40. ``sort`` (the server's name) or ``sortField`` (the
  document's) names the sort field, ``createdAt`` by default, newest first.
- ``department``, ``requester`` (a project user, its user populated), ``lead`` and
  ``participatingAgents`` (the users of ``participantsAgents``) are populated at read time;
  ``snapshot`` keeps the department, requester and lead as they were when the request opened.
- ``tags`` are ``{_id, tag, color}`` objects (each its own ObjectId, as MongoDB embeds them);
  ``id`` repeats ``_id``; ``requester_id`` is the lead's ``_id``.
"""

from __future__ import annotations

from typing import Any

from mockserver.engine.conventions import QueryFilter, filter_conditions
from mockserver.store import Store, Where

REQUEST_CLOSED = 1000


# Besides closed ones, the statuses the default list leaves out (observed).
HIDDEN_STATUSES = (50, 150)
MAX_LIMIT = 100
USER_FIELDS = (
    "status",
    "_id",
    "email",
    "firstname",
    "lastname",
    "emailverified",
    "phone",
    "createdAt",
    "updatedAt",
    "__v",
)


# The fields of the server's text index that a request here can have.
_TEXT_FIELDS = (
    "subject",
    "tags.tag",
    "notes.text",
    "snapshot.lead.email",
    "snapshot.lead.fullname",
)


REQUEST_FILTERS = (
    QueryFilter("dept_id", "department"),
    QueryFilter("lead", "lead"),
    QueryFilter("ticket_id", "ticket_id"),
    QueryFilter("hasbot", "hasBot"),
    QueryFilter("priority", "priority"),
    QueryFilter("smart_assignment", "smartAssignment"),
    QueryFilter("participant", "participants", "has"),
    QueryFilter("requester_email", "snapshot.lead.email", "any"),
    QueryFilter("tags", "tags.tag", "any"),
    QueryFilter("full_text", _TEXT_FIELDS, "words"),
)
"""The list's plain filters (``status``, ``preflight`` and ``channel`` read otherwise)."""

# The channels the server counts as offline (email and forms); every other one is online.
_OFFLINE = ({"name": "email"}, {"name": "form"})


def status_filter(text: str | None) -> list[Where]:
    """``status`` as the server reads it: absent, the open requests; ``all``, every one; else
    the statuses listed (JavaScript's ``Number``: a blank is 0, what is not a number is dropped,
    and with nothing left every status)."""
    if text is None or text == "":
        return [Where("status", "lt", REQUEST_CLOSED), Where("status", "not_in", HIDDEN_STATUSES)]
    if text == "all":
        return []
    numbers = [n for n in (_js_number(part) for part in text.split(",")) if n is not None]
    return [Where("status", "in", tuple(numbers))] if numbers else []


def _js_number(text: str) -> float | int | None:
    text = text.strip()
    if text == "":
        return 0
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def list_filters(
    *,
    status: str | None = None,
    preflight: bool | None = None,
    channel: str | None = None,
    **given: Any,
) -> list[Where]:
    """The store conditions for the list's query parameters (the server's, observed):
    ``status``, ``preflight``, ``channel`` and ``REQUEST_FILTERS``. Any other argument is
    ignored: a handler taking ``**kwargs`` gets all of the request's (``user``...)."""
    where = status_filter(status)
    if not preflight:
        where.append(Where("preflight", "eq", False))
    where += filter_conditions(REQUEST_FILTERS, given)
    if channel == "offline":
        where.append(Where("channel", "in", _OFFLINE))
    elif channel == "online":
        where.append(Where("channel", "not_in", _OFFLINE))
    elif channel is not None:
        where.append(Where("channel.name", "any", channel))
    return where


def request_view(store: Store, project_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request as the server answers it: references populated from the current data (a
    missing lead is null, as Mongoose populates a dangling reference)."""

    def get(collection: str, id_: str) -> dict[str, Any] | None:
        return store.get(collection, id_, scope=project_id)

    member = get("project_users", request["requester"])
    view = dict(request)
    view["department"] = get("departments", request["department"]) or request["department"]
    view["requester"] = project_user_view(store, member) if member else request["requester"]
    view["lead"] = get("leads", request["lead"])
    view["participatingAgents"] = [
        user_view(user)
        for user in (store.get("users", id_) for id_ in request["participantsAgents"])
        if user is not None
    ]
    view["participatingBots"] = []
    view["id"] = request["_id"]
    return view


def user_view(user: dict[str, Any]) -> dict[str, Any]:
    """A user as the server populates one: no password, no login data."""
    return {name: user[name] for name in USER_FIELDS if name in user}


def project_user_view(store: Store, member: dict[str, Any]) -> dict[str, Any]:
    """A project user with its user populated (``id_user``)."""
    user = store.get("users", member["id_user"])
    return {**member, "id_user": user_view(user) if user else member["id_user"]}
