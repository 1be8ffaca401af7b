"""Tiledesk's seed world: users, projects and their members, leads and requests, from Faker and
the documents' examples (the documented ids kept), and the lines the banner prints of it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from mockserver.config import Config
from mockserver.seeding import POOL_SIZE, Pool
from mockserver.store import Store, Write
from mockserver.vendorrecord import mounted
from mockserver.vendors.tiledesk.handlers import TiledeskHandlers
from mockserver.vendors.tiledesk.model import (
    DOCS_LEADS,
    DOCS_OWNER_ID,
    DOCS_PROJECT_ID,
    DOCS_REQUEST_ID,
    DOCS_USER_EMAIL,
    DOCS_USER_PASSWORD,
    MIN_ROLE,
    MOUNTS,
    ROLES,
    SEED_END,
    SEED_EPOCH,
    STATUS_DELETED,
    STATUS_NORMAL,
    TAGS,
    parse_timestamp,
    timestamp,
)
from mockserver.vendors.tiledesk.requests import REQUEST_CLOSED

# Seeded requests share what is the same in each of them: stored documents are never changed in
# place, so one object serves every request (a request costs kilobytes otherwise).
_CHAT21 = {"name": "chat21"}
_NONE: list[Any] = []

_SOURCES = ("widget", "email", "whatsapp", "messenger", "api", "telegram")
_PLANS = ("free", "basic", "pro", "enterprise")
_TEAM_ROLES = ("admin", "supervisor", "agent", "teammate")


# The agent of the v1 document's example request: the documents' project's admin.
DOCS_ADMIN_ID = "5ab0f3fa57066e0014bfd71e"
DOCS_ADMIN_MEMBER_ID = "5bb4d4d39214830015742b00"
DOCS_ADMIN_MEMBER_AT = datetime(2018, 10, 3, 14, 40, 19, 521000, tzinfo=UTC)
DOCS_ADMIN_MEMBER_UPDATED = datetime(2019, 3, 7, 17, 47, 38, 405000, tzinfo=UTC)


def _user(
    handlers: TiledeskHandlers,
    fake: Faker,
    email: str | None = None,
    password: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    created = fake.date_time_between(SEED_EPOCH, SEED_EPOCH + timedelta(days=365), tzinfo=UTC)
    first, last = fake.first_name(), fake.last_name()
    user = {
        # The server's own fields of a user: status 100 (active) and the version key (observed).
        "status": 100,
        "_id": user_id or handlers.new_object_id(created),
        "email": email or f"{first}.{last}@{fake.free_email_domain()}".lower(),
        "firstname": first,
        "lastname": last,
        "emailverified": True,
        "phone": fake.numerify("+39##########"),
        "createdAt": timestamp(created),
        "updatedAt": timestamp(created),
        "__v": 0,
    }
    secret = password or fake.password(length=12, special_chars=False)
    login = {"user_id": user["_id"], "password": secret}
    handlers.store.write(
        [Write("put", "users", user["_id"], user), Write("put", "logins", user["email"], login)]
    )
    return {**user, "password": secret}


def _lead(
    pool: Pool, handlers: TiledeskHandlers, project_id: str, creators: list[str]
) -> dict[str, Any]:
    rnd = pool.random
    created = pool.moment(SEED_EPOCH, SEED_END)
    updated = created + timedelta(seconds=rnd.randint(0, 90 * 24 * 3600))
    first, last = pool.pick("first_name"), pool.pick("last_name")
    lead = {
        "_id": handlers.new_object_id(created),
        "lead_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        "fullname": pool.same(f"{first} {last}"),
        "email": f"{first}.{last}{rnd.randint(1, 9999)}@{pool.pick('domain_name')}".lower(),
        "phone": pool.pick("phone_number"),
        "company": pool.pick("company"),
        "streetAddress": pool.pick("street_address"),
        "city": pool.pick("city"),
        "region": pool.pick("state"),
        "zipcode": pool.pick("postcode"),
        "country": pool.pick("country_code"),
        "note": pool.pick("sentence", nb_words=8),
        "tags": pool.same(sorted(rnd.sample(TAGS, rnd.randint(0, 3)))),
        "attributes": pool.same(
            {
                "source": rnd.choice(_SOURCES),
                "plan": rnd.choice(_PLANS),
                "newsletter": pool.chance(50),
                "score": rnd.randint(0, 100),
            }
        ),
        "status": STATUS_NORMAL,
        "id_project": project_id,
        "createdBy": rnd.choice(creators),
        "createdAt": timestamp(created),
        "updatedAt": timestamp(updated),
        "__v": 0,
    }
    # Not every lead leaves an email or a name, as on the real service.
    if pool.chance(10):
        del lead["email"]
    return lead


def seed(store: Store, config: Config) -> dict[str, Any]:
    """Two projects with a team of every role, an outsider, and ``config.leads`` leads each."""
    fake = Faker("en_US")
    fake.seed_instance(config.seed)
    handlers = TiledeskHandlers(store, config)
    pool = Pool(fake, size=min(POOL_SIZE, max(8, config.leads)))
    outsider = _user(handlers, fake)
    facts: dict[str, Any] = {"projects": [], "users": [], "outsider": _public(outsider)}
    for index in range(2):
        created = fake.date_time_between(SEED_EPOCH, SEED_EPOCH + timedelta(days=30), tzinfo=UTC)
        project_id = DOCS_PROJECT_ID if index == 0 else handlers.new_object_id(created)
        store.put(
            "projects",
            project_id,
            {"_id": project_id, "name": fake.company(), "createdAt": timestamp(created)},
        )
        documented = index == 0
        if documented:
            owner = _user(handlers, fake, DOCS_USER_EMAIL, DOCS_USER_PASSWORD, DOCS_OWNER_ID)
        else:
            owner = _user(handlers, fake)
        team = [(owner, "owner")]
        for role in _TEAM_ROLES:
            user_id = DOCS_ADMIN_ID if documented and role == "admin" else None
            team.append((_user(handlers, fake, user_id=user_id), role))
        members = []
        for user, role in team:
            member_id = DOCS_ADMIN_MEMBER_ID if documented and role == "admin" else None
            member = _member(handlers, fake, user, role, project_id, owner["_id"], member_id)
            store.put("project_users", user["_id"], member, scope=project_id)
            members.append(member)
            facts["users"].append({**_public(user), "project_id": project_id, "role": role})
        creators = ["system"] + [user["_id"] for user, _ in team]
        leads = [_lead(pool, handlers, project_id, creators) for _ in range(config.leads)]
        if index == 0:
            leads = [_docs_lead(project_id, documented) for documented in DOCS_LEADS] + leads[2:]
        for position, lead in enumerate(leads):
            # One in twenty is soft-deleted, so the list's hiding of them always shows.
            if position % 20 == 10:
                lead["status"] = STATUS_DELETED
            # Adopted, not copied: leads share their equal parts (Pool.same).
            store.adopt("leads", lead["_id"], lead, scope=project_id)
        requests = seed_requests(
            store, handlers.new_object_id, pool, project_id, leads, members, config.leads // 2
        )
        facts["projects"].append(
            {
                "id": project_id,
                "name": store.get("projects", project_id)["name"],
                "leads": len(leads),
                "requests": len(requests),
                "request_id": requests[0]["request_id"],
            }
        )
    facts["base_paths"] = _served_base_paths(config)
    return facts


def _served_base_paths(config: Config) -> dict[str, str]:
    """Where each Tiledesk API ``config`` serves is, by API name, for the banner."""
    from mockserver.vendors import apis_named  # the registry, loaded by now

    asked = {api for name in config.vendors for api in apis_named(name)} if config.vendors else None
    return {
        mount.name: mounted(mount, config).base_path
        for mount in MOUNTS
        if asked is None or mount.name in asked
    }


def _member(
    handlers: TiledeskHandlers,
    fake: Faker,
    user: dict[str, Any],
    role: str,
    project_id: str,
    owner_id: str,
    member_id: str | None = None,
) -> dict[str, Any]:
    created = fake.date_time_between(SEED_EPOCH, SEED_EPOCH + timedelta(days=60), tzinfo=UTC)
    available, updated = fake.boolean(), created
    if member_id is not None:
        # The documented agent, as the v1 document's request example shows it.
        available, created, updated = True, DOCS_ADMIN_MEMBER_AT, DOCS_ADMIN_MEMBER_UPDATED
    member_id = member_id or handlers.new_object_id(created)
    return {
        "user_available": available,
        # The server's own fields of a project user (observed).
        "number_assigned_requests": 0,
        "last_login_at": timestamp(created),
        "permissions": [],
        "status": "active",
        "trashed": False,
        "_id": member_id,
        "id_project": project_id,
        "id_user": user["_id"],
        "role": role,
        "roleType": 1,
        "createdBy": owner_id,
        "tags": [],
        "createdAt": timestamp(created),
        "updatedAt": timestamp(updated),
        "__v": 0,
        "presence": {"status": "offline", "changedAt": timestamp(created)},
        "isAuthenticated": True,
        "id": member_id,
    }


def _docs_lead(project_id: str, documented: dict[str, str]) -> dict[str, Any]:
    return {
        "_id": documented["_id"],
        "lead_id": documented["lead_id"],
        "fullname": documented["fullname"],
        "attributes": {},
        "tags": [],
        "status": STATUS_NORMAL,
        "id_project": project_id,
        "createdBy": "system",
        "createdAt": documented["at"],
        "updatedAt": documented["at"],
        "__v": 0,
    }


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["_id"], "email": user["email"], "password": user["password"]}


def describe(facts: dict[str, Any], base_url: str) -> list[str]:
    """What a user needs to paste a curl at once: base URLs, projects and credentials."""
    paths = list(facts["base_paths"].values())
    last = paths[-1]
    lines = [f"Tiledesk      {base_url}{'  '.join(paths)}   (Swagger UI: {base_url}{last}/ui/)"]
    for project in facts["projects"]:
        lines.append(
            f"  project {project['id']}  {project['name']!r}: {project['leads']} leads, "
            f"{project['requests']} requests (e.g. {project['request_id']})"
        )
        for user in facts["users"]:
            if user["project_id"] == project["id"]:
                lines.append(f"    {user['role']:<10} {user['email']}:{user['password']}")
    outsider = facts["outsider"]
    lines.append(f"  no project  {outsider['email']}:{outsider['password']}")
    owner = facts["users"][0]
    leads_url = f"{base_url}{last}/{owner['project_id']}/leads"
    lines.append(f"  try: curl -u {owner['email']}:{owner['password']} {leads_url}")
    return lines


TAG_COLOR = "#43B1F2"


# The department of the v1 document's example request, the project's default one.
DOCS_DEPARTMENT_ID = "5c34ba232c62730016da250e"


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
