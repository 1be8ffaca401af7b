"""Tiledesk requests (conversations): how the list filters them, how the server answers them
(department, requester, lead and agents populated), and the seeded ones.

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

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mockserver.seeding import Pool
from mockserver.store import Store, Where
from mockserver.vendors.tiledesk_model import (
    DOCS_OWNER_ID,
    DOCS_PROJECT_ID,
    DOCS_REQUEST_ID,
    MIN_ROLE,
    ROLES,
    SEED_EPOCH,
    TAGS,
    parse_timestamp,
    timestamp,
)

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
TAG_COLOR = "#43B1F2"
# The fields of the server's text index that a request here can have.
_TEXT_FIELDS = (
    "subject",
    "tags.tag",
    "notes.text",
    "snapshot.lead.email",
    "snapshot.lead.fullname",
)
# Seeded requests share what is the same in each of them: stored documents are never changed in
# place, so one object serves every request (a request costs kilobytes otherwise).
_CHAT21 = {"name": "chat21"}
_NONE: list[Any] = []
# The channels the server counts as offline (email and forms); every other one is online.
_OFFLINE = ({"name": "email"}, {"name": "form"})
# The department of the v1 document's example request, the project's default one.
DOCS_DEPARTMENT_ID = "5c34ba232c62730016da250e"


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
    dept_id: str | None = None,
    lead: str | None = None,
    participant: str | None = None,
    requester_email: str | None = None,
    full_text: str | None = None,
    tags: str | None = None,
    ticket_id: int | None = None,
    preflight: bool | None = None,
    hasbot: bool | None = None,
    channel: str | None = None,
    priority: str | None = None,
    smart_assignment: bool | None = None,
    **_other: Any,
) -> list[Where]:
    """The store conditions for the list's query parameters (the server's, observed). Any other
    argument is ignored: a handler taking ``**kwargs`` gets all of the request's (``user``...)."""
    where = status_filter(status)
    if not preflight:
        where.append(Where("preflight", "eq", False))
    plain = {
        "department": dept_id,
        "lead": lead,
        "ticket_id": ticket_id,
        "hasBot": hasbot,
        "priority": priority,
        "smartAssignment": smart_assignment,
    }
    where += [Where(field, "eq", value) for field, value in plain.items() if value is not None]
    if participant is not None:
        where.append(Where("participants", "has", participant))
    if requester_email is not None:
        where.append(Where("snapshot.lead.email", "any", requester_email))
    if tags is not None:
        where.append(Where("tags.tag", "any", tags))
    if channel == "offline":
        where.append(Where("channel", "in", _OFFLINE))
    elif channel == "online":
        where.append(Where("channel", "not_in", _OFFLINE))
    elif channel is not None:
        where.append(Where("channel.name", "any", channel))
    if full_text:
        # The fields of the server's text index that a request here can have.
        fields = (
            "subject",
            "tags.tag",
            "notes.text",
            "snapshot.lead.email",
            "snapshot.lead.fullname",
        )
        where.append(Where(fields, "words", full_text))
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


def department(new_id: Callable[[datetime], str], project_id: str, owner_id: str) -> dict:
    """The project's default department, as the server creates it with the project."""
    created = timestamp(SEED_EPOCH)
    department_id = DOCS_DEPARTMENT_ID if project_id == DOCS_PROJECT_ID else new_id(SEED_EPOCH)
    return {
        "routing": "assigned",
        "default": True,
        "status": 1,
        "_id": department_id,
        "name": "Default Department",
        "id_project": project_id,
        "createdBy": owner_id,
        "groups": [],
        "tags": [],
        "createdAt": created,
        "updatedAt": created,
        "__v": 0,
        "hasBot": False,
        "id": department_id,
    }


def seed_requests(
    store: Store,
    new_id: Callable[[datetime], str],
    pool: Pool,
    project_id: str,
    leads: list[dict[str, Any]],
    members: list[dict[str, Any]],
    count: int,
) -> list[dict[str, Any]]:
    """The project's default department and ``count`` requests opened by seeded leads, offered
    to the project's agents and above; the documents' example request first in the documents'
    project. Stored without copies: requests share their department, agents and snapshots."""
    rnd = pool.random
    owner = members[0]
    agents = [m for m in members if ROLES.index(m["role"]) >= ROLES.index(MIN_ROLE)]
    available = sum(1 for m in agents if m["user_available"])
    default = department(new_id, project_id, owner["id_user"])
    store.adopt("departments", default["_id"], default, scope=project_id)
    requests = []
    for index in range(max(count, 1)):
        lead = leads[index % len(leads)]
        created = parse_timestamp(lead["createdAt"]) + timedelta(seconds=rnd.randint(1, 600))
        served = rnd.choice((100, 200, 200, 1000))
        participant = rnd.choice(agents)["id_user"]
        request_id = f"support-group-{project_id}-{rnd.getrandbits(128):032x}"
        waiting = rnd.randint(500, 120_000)
        updated = created + timedelta(seconds=rnd.randint(10, 3600))
        request_oid = new_id(created)
        request = {
            "_id": request_oid,
            "request_id": request_id,
            "requester_id": lead["_id"],
            "first_text": pool.pick("sentence", nb_words=10),
            "department": default["_id"],
            "sourcePage": pool.pick("url"),
            "language": rnd.choice(("en", "it", "es", "de", "fr")),
            "userAgent": pool.pick("user_agent"),
            "waiting_time": waiting,
            "agents": agents,
            "tags": _tag_objects(request_oid, _some_tags(rnd)),
            "messages_count": rnd.randint(1, 40),
            "participants": pool.same([participant] if served != 100 else []),
            "status": served,
            "id_project": project_id,
            "createdBy": lead["_id"],
            "createdAt": timestamp(created),
            "updatedAt": timestamp(updated),
            "__v": 0,
        }
        if project_id == DOCS_PROJECT_ID and index == 0:
            request = _documented(lead, agents)
            created, updated = (parse_timestamp(request[k]) for k in ("createdAt", "updatedAt"))
        requests.append(
            _with_server_fields(request, index, owner, lead, default, available, created, updated)
        )
    for request in requests:
        store.adopt("requests", request["request_id"], request, scope=project_id)
    return requests


def _tag_objects(request_oid: str, tags: list[str]) -> list[dict[str, Any]]:
    """A request's tags as the server stores them: MongoDB gives each embedded tag an ObjectId
    of its own, made just after the request's (observed: ``{_id, tag, color}``)."""
    base = int(request_oid, 16)
    return [
        {"_id": f"{base + offset:024x}", "tag": tag, "color": TAG_COLOR}
        for offset, tag in enumerate(tags, start=1)
    ]


def _some_tags(rnd: Any) -> list[str]:
    return sorted(rnd.sample(TAGS, rnd.randint(0, 2)))


def _with_server_fields(
    request: dict[str, Any],
    index: int,
    requester: dict[str, Any],
    lead: dict[str, Any],
    default: dict[str, Any],
    available: int,
    created: datetime,
    updated: datetime,
) -> dict[str, Any]:
    """The keys the server keeps that the document does not list (observed)."""
    served = request["status"] != 100
    extra: dict[str, Any] = {
        "preflight": False,
        "hasBot": False,
        "priority": "medium",
        "followers": _NONE,
        "participantsAgents": request["participants"],
        "participantsBots": _NONE,
        "requester": requester["id_user"],
        "lead": lead["_id"],
        "channel": _CHAT21,
        "channelOutbound": _CHAT21,
        "notes": _NONE,
        "smartAssignment": True,
        "ticket_id": index + 1,
        "snapshot": {
            "department": default,
            "availableAgentsCount": available,
            "requester": requester,
            "lead": lead,
            "agents": _NONE,
        },
    }
    if served:
        extra["assigned_at"] = timestamp(created + timedelta(milliseconds=request["waiting_time"]))
    if request["status"] == REQUEST_CLOSED:
        extra["closed_at"] = request["updatedAt"]
        extra["closed_by"] = request["participants"][0] if request["participants"] else "system"
        extra["duration"] = int((updated - created).total_seconds() * 1000)
        # Closing writes the transcript, empty when it was not asked for (observed).
        extra["transcript"] = ""
    return {**request, **extra}


def _documented(lead: dict[str, Any], agents: list[dict[str, Any]]) -> dict[str, Any]:
    """The v1 document's example request, as it shows it."""
    admin = next(m for m in agents if m["role"] == "admin")
    return {
        "_id": "5c81593adf767b0017d1aa67",
        "request_id": DOCS_REQUEST_ID,
        "requester_id": lead["_id"],
        "first_text": "first text message",
        "department": DOCS_DEPARTMENT_ID,
        "sourcePage": "https://www.tiledesk.com",
        "language": "it",
        "userAgent": (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_2) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/72.0.3626.119 Safari/537.36"
        ),
        "waiting_time": 21709,
        "agents": [admin],
        "tags": [],
        "messages_count": 7,
        "participants": [DOCS_OWNER_ID],
        "status": 200,
        "id_project": DOCS_PROJECT_ID,
        "createdBy": lead["_id"],
        "createdAt": "2019-03-07T17:47:38.405Z",
        "updatedAt": "2019-03-07T17:48:05.934Z",
        "__v": 2,
    }
