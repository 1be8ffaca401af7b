"""Tiledesk: leads (v1, v2, v3) and requests (v1) over one backend, the sign-in, the seed world.

The three versions are three specs over the same handlers and the same data: a lead written
through one is read through the others, as on the hosted API.

Quirks, and where they come from (docs = ../shared/seeds, observed = tiledesk-server 2.19.16):
- Ids are 24-hex MongoDB ObjectIds whose first 4 bytes are the creation time (docs' examples).
- Time stamps are JavaScript ``toISOString()``: UTC, milliseconds, ``Z`` (docs: ISO 8601 UTC).
- Auth is Basic ``email:password`` or ``Authorization: JWT <token>`` from ``/auth/signin``;
  minimum role agent (docs). Roles rank guest < user < teammate < agent < supervisor < admin
  < owner (observed).
- 401 is the plain text ``Unauthorized`` with a Basic challenge; an ``Authorization`` header the
  server cannot parse is the plain text 400 ``Bad Request``; 403/404 are ``{"success": false,
  "msg": ...}``; a bad or unknown project id is 400 ``{"error": ...}`` (observed).
- The sign-in checks its fields itself: 422 with express-validator's ``errors`` (observed).
- Create answers 200; an absent or empty ``lead_id`` becomes a UUID; ``phone`` is always null
  (observed).
- Update changes only the fields sent, ignores nulls, always moves ``updatedAt`` (observed).
- Delete is soft: ``status`` 1000, lead returned; the list hides it, get still finds it (observed).
- List: 0-based ``page``, ``limit`` 40, ``sort``/``sortField`` default ``createdAt``,
  ``direction`` -1 (docs + observed).
- v1 answers update and delete too: the server's routes have no version (observed).
Vendor bugs not copied: ``KNOWN_DRIFT`` below lists each, as ``make contract-real`` finds them
(500s, hangs, upserts on PUT/DELETE of a missing id, no validation); and lead lookups ignore the
project there (we scope by project).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from faker import Faker

from mockserver.auth import (
    basic_scheme,
    decode_jwt,
    issue_jwt,
    prefixed_header_scheme,
    same_secret,
)
from mockserver.config import Config
from mockserver.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from mockserver.jsoncodec import RenderCache
from mockserver.paging import Page
from mockserver.seeding import POOL_SIZE, Pool
from mockserver.store import Store, Where, Write
from mockserver.vendors import (
    CheckTarget,
    Credentials,
    ErrorBody,
    KnownDrift,
    Mount,
    Vendor,
    tiledesk_recording,
)
from mockserver.vendors.tiledesk_model import (
    DOCS_LEADS,
    DOCS_OWNER_ID,
    DOCS_PROJECT_ID,
    DOCS_USER_EMAIL,
    DOCS_USER_PASSWORD,
    MIN_ROLE,
    OBJECT_ID,
    PAGE_SIZE,
    ROLES,
    SEED_END,
    SEED_EPOCH,
    STATUS_DELETED,
    STATUS_NORMAL,
    TAGS,
    timestamp,
)
from mockserver.vendors.tiledesk_requests import (
    MAX_LIMIT,
    list_filters,
    request_view,
    seed_requests,
)
from mockserver.vendors.tiledesk_validation import VALIDATOR_MAP, signin_field_errors

JWT_AUDIENCE = "https://tiledesk.com"
UPDATABLE_FIELDS = (
    "email",
    "fullname",
    "attributes",
    "phone",
    "company",
    "note",
    "streetAddress",
    "city",
    "region",
    "zipcode",
    "country",
    "tags",
    "status",
)
# The user as the sign-in answers it (observed): no time stamps.
SIGNIN_USER_FIELDS = ("_id", "email", "firstname", "lastname", "emailverified")
_JSON = {"Content-Type": "application/json"}


class TiledeskHandlers:
    """The operations of the Tiledesk specs, over one store shared by every API version."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._serialised = RenderCache(lambda lead: lead)

    # -- ids and credentials -------------------------------------------------------------

    def new_object_id(self, moment: datetime) -> str:
        """A MongoDB-style id: creation time, then bytes fixed by the seed and a sequence."""
        sequence = self.store.next_sequence("tiledesk.object_id")
        tail = hashlib.blake2b(f"{self.config.seed}:{sequence}".encode(), digest_size=8)
        return f"{int(moment.timestamp()):08x}{tail.hexdigest()}"

    def new_uuid(self) -> str:
        """A version-4 UUID drawn from the seed, so reruns repeat it."""
        sequence = self.store.next_sequence("tiledesk.uuid")
        raw = hashlib.blake2b(f"{self.config.seed}:uuid:{sequence}".encode(), digest_size=16)
        return str(uuid.UUID(bytes=raw.digest(), version=4))

    def security_map(self) -> dict[str, type]:
        """Connexion security handlers for the specs' ``basicAuth`` and ``jwtAuth`` schemes."""
        return {
            "basic": basic_scheme(self._verify_password, malformed=unparseable_authorization),
            # JWT is not an HTTP authentication scheme: the specs model it as an API key in
            # the Authorization header whose value is "JWT <token>".
            "apiKey": prefixed_header_scheme(
                "JWT", self._verify_jwt, malformed=unparseable_authorization
            ),
        }

    def _login(self, email: str, password: str) -> dict[str, Any] | None:
        login = self.store.get("logins", email.strip().lower())
        if login is None or not same_secret(login["password"], password):
            return None
        return self.store.get("users", login["user_id"])

    def _verify_password(self, email: str, password: str) -> dict[str, Any] | None:
        user = self._login(email, password)
        return {"sub": user["_id"]} if user else None

    def _verify_jwt(self, token: str) -> dict[str, Any] | None:
        claims = decode_jwt(token, secret=self.config.jwt_secret, audience=JWT_AUDIENCE)
        if claims is None or self.store.get("users", str(claims.get("_id"))) is None:
            return None
        return {"sub": claims["_id"]}

    def _require_member(self, project_id: str, token_info: dict[str, Any]) -> dict[str, Any]:
        """The caller's membership of the project, or the error Tiledesk answers instead."""
        if not OBJECT_ID.fullmatch(project_id):
            raise BadRequest(f"Invalid project id: {project_id}", code="invalid_project_id")
        if self.store.get("projects", project_id) is None:
            raise BadRequest(f"Project not found with id: {project_id}", code="project_not_found")
        member = self.store.get("project_users", token_info["sub"], scope=project_id)
        if member is None:
            raise Forbidden("you dont belong to the project.", code="not_a_member")
        if ROLES.index(member["role"]) < ROLES.index(MIN_ROLE):
            raise Forbidden("you dont have the required role.", code="role_too_low")
        return member

    def _lead(self, project_id: str, lead_id: str) -> dict[str, Any]:
        lead = self.store.get("leads", lead_id, scope=project_id)
        if lead is None:
            raise NotFound("Object not found.")
        return lead

    # -- operations ----------------------------------------------------------------------

    def signin(self, body: dict[str, Any] | None = None) -> tuple[Any, int, dict[str, str]]:
        """POST /auth/signin: a JWT for a known user and the right password."""
        body = body or {}
        failing = signin_field_errors(body)
        if failing:
            raise Unprocessable("Invalid value", code="signin_invalid", detail=failing)
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        login = self.store.get("logins", email.strip().lower())
        if login is None:
            raise Unauthorized("Authentication failed. User not found.", code="signin_failed")
        if not same_secret(login["password"], password):
            raise Unauthorized("Authentication failed. Wrong password.", code="signin_failed")
        user = self.store.get("users", login["user_id"])
        claims = {
            "_id": user["_id"],
            "email": user["email"],
            "firstname": user["firstname"],
            "lastname": user["lastname"],
            "emailverified": user["emailverified"],
            "iss": JWT_AUDIENCE,
            "aud": JWT_AUDIENCE,
            "sub": "user",
        }
        token = issue_jwt(
            claims, secret=self.config.jwt_secret, ttl_seconds=self.config.jwt_ttl_seconds
        )
        public = {name: user[name] for name in SIGNIN_USER_FIELDS}
        return {"success": True, "token": f"JWT {token}", "user": public}, 200, _JSON

    def list_leads(
        self,
        project_id: str,
        token_info: dict[str, Any],
        sort_field: str | None = None,
        sort: str | None = None,
        direction: str = "-1",
        email: str | None = None,
        page: int = 0,
        limit: int = PAGE_SIZE,
        full_text: str | None = None,
        with_email: bool | None = None,
        with_fullname: bool | None = None,
        tags: str | None = None,
        status: int | None = None,
        segment: str | None = None,
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /{project_id}/leads: one page, filtered and sorted, with the total count."""
        self._require_member(project_id, token_info)
        if segment is not None:
            # The server looks a segment up before it lists; the mock keeps none (observed:
            # tiledesk-server 2.19.16 answers an unknown one with this 404).
            raise NotFound("Error segment not found")
        where = [Where("status", "eq", STATUS_NORMAL if status is None else status)]
        if email is not None:
            where.append(Where("email", "eq", email))
        if full_text:
            where.append(Where(("fullname", "email"), "words", full_text))
        if with_email:
            where.append(Where("email", "exists", True))
        if with_fullname:
            where.append(Where("fullname", "exists", True))
        if tags is not None:
            where.append(Where("tags", "has", tags))
        body, status, headers = self._page(
            "leads", project_id, where, sort_field or sort, direction, page, limit
        )
        # A page of stored leads is assembled from their serialised form, not re-encoded.
        body["leads"] = self._serialised.many(body["leads"])
        return body, status, headers

    def _page(
        self,
        collection: str,
        project_id: str,
        where: list[Where],
        sort_field: str | None,
        direction: str,
        page: int,
        limit: int,
    ) -> tuple[Any, int, dict[str, str]]:
        """Tiledesk's list envelope: ``{perPage, count, <collection>}``, 0-based pages."""
        sign = int(direction)
        # _id breaks ties so that pages never overlap or skip.
        order = [(sort_field or "createdAt", sign), ("_id", sign)]
        window = Page(page, limit)
        items, count = self.store.query(
            collection,
            where=where,
            order=order,
            offset=window.offset,
            limit=limit,
            scope=project_id,
        )
        return {"perPage": limit, "count": count, collection: items}, 200, _JSON

    def get_lead(
        self, project_id: str, id_: str, token_info: dict[str, Any]
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /{project_id}/leads/{id}: the lead, deleted or not."""
        self._require_member(project_id, token_info)
        return self._lead(project_id, id_), 200, _JSON

    def create_lead(
        self, project_id: str, body: dict[str, Any], token_info: dict[str, Any]
    ) -> tuple[Any, int, dict[str, str]]:
        """POST /{project_id}/leads: a new lead, answered with 200."""
        self._require_member(project_id, token_info)
        moment = datetime.now(UTC)
        created = timestamp(moment)
        lead: dict[str, Any] = {
            "_id": self.new_object_id(moment),
            "lead_id": body.get("lead_id") or self.new_uuid(),
            # The server does not read a phone on create and stores null (observed).
            "phone": None,
        }
        for name in ("fullname", "email", "attributes"):
            if body.get(name) is not None:
                lead[name] = body[name]
        lead.update(
            tags=[],
            status=STATUS_NORMAL,
            id_project=project_id,
            createdBy=token_info["sub"],
            createdAt=created,
            updatedAt=created,
            __v=0,
        )
        self.store.put("leads", lead["_id"], lead, scope=project_id)
        return lead, 200, _JSON

    def update_lead(
        self, project_id: str, id_: str, body: dict[str, Any], token_info: dict[str, Any]
    ) -> tuple[Any, int, dict[str, str]]:
        """PUT /{project_id}/leads/{id}: change the fields sent, nothing else."""
        self._require_member(project_id, token_info)
        patch = {k: body[k] for k in UPDATABLE_FIELDS if body.get(k) is not None}
        patch["updatedAt"] = timestamp(datetime.now(UTC))
        lead = self.store.update("leads", id_, patch, scope=project_id)
        if lead is None:
            raise NotFound("Object not found.")
        return lead, 200, _JSON

    def delete_lead(
        self, project_id: str, id_: str, token_info: dict[str, Any]
    ) -> tuple[Any, int, dict[str, str]]:
        """DELETE /{project_id}/leads/{id}: a soft delete, answered with the lead."""
        self._require_member(project_id, token_info)
        patch = {"status": STATUS_DELETED, "updatedAt": timestamp(datetime.now(UTC))}
        lead = self.store.update("leads", id_, patch, scope=project_id)
        if lead is None:
            raise NotFound("Object not found.")
        return lead, 200, _JSON

    def list_requests(
        self,
        project_id: str,
        token_info: dict[str, Any],
        sort_field: str | None = None,
        sort: str | None = None,
        direction: str = "-1",
        page: int = 0,
        limit: int = PAGE_SIZE,
        **filters: Any,
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /{project_id}/requests: one page of the open requests, or of those the filters
        (``tiledesk_requests.list_filters``) ask for, each populated as the server answers it."""
        self._require_member(project_id, token_info)
        where = list_filters(**filters)
        # Over 100 reads as the default, 40 (observed).
        limit = PAGE_SIZE if limit > MAX_LIMIT else limit
        body, code, headers = self._page(
            "requests", project_id, where, sort_field or sort, direction, page, limit
        )
        body["requests"] = [request_view(self.store, project_id, r) for r in body["requests"]]
        return body, code, headers

    def get_request(
        self, project_id: str, id_: str, token_info: dict[str, Any], **_ignored: Any
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /{project_id}/requests/{request_id}, closed or not. The documented sort and page
        do nothing."""
        self._require_member(project_id, token_info)
        request = self.store.get("requests", id_, scope=project_id)
        if request is None:
            raise NotFound("Object not found.")
        return request_view(self.store, project_id, request), 200, _JSON


def unparseable_authorization(header: str) -> ApiError | None:
    """The 400 the server's Basic strategy (passport-http) answers to a header it cannot parse:
    one word (``JWT``, a bare token), or Basic credentials without a colon (observed)."""
    parts = header.split(" ")
    if len(parts) < 2:
        return BadRequest("Bad Request", code="unparseable_authorization")
    if "basic" in parts[0].lower():
        try:
            credentials = base64.b64decode(parts[1]).decode("utf-8", "replace")
        except ValueError:
            credentials = ""
        if ":" not in credentials:
            return BadRequest("Bad Request", code="unparseable_authorization")
    return None


# The challenge tiledesk-server's 401 carries (passport-http's Basic strategy, observed).
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Users"'}


def render_error(error: ApiError) -> ErrorBody:
    """Tiledesk's error bodies: plain-text 401 and 429, ``{"error"}`` for project ids, else
    ``{"success": false, "msg"}``."""
    if error.status == 401 and error.code != "signin_failed":
        return ErrorBody(401, b"Unauthorized", "text/plain", {**error.headers, **CHALLENGE})
    if error.code == "unparseable_authorization":
        return ErrorBody(400, b"Bad Request", "text/plain", error.headers)
    if error.code == "signin_invalid":
        content = json.dumps({"errors": error.detail}).encode()
        return ErrorBody(422, content, "application/json", error.headers)
    if error.status == 429:
        return ErrorBody(429, error.message.encode(), "text/plain", error.headers)
    if error.code in ("invalid_project_id", "project_not_found"):
        body: dict[str, Any] = {"error": error.message}
    else:
        body = {"success": False, "msg": error.message}
    return ErrorBody(error.status, json.dumps(body).encode(), "application/json", error.headers)


# -- seed data ---------------------------------------------------------------------------

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
    from mockserver.vendors import apis_named, mounted  # the registry, loaded by now

    asked = {api for name in config.vendors for api in apis_named(name)} if config.vendors else None
    return {
        mount.name: mounted(mount, config).base_path
        for mount in VENDOR.mounts
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


def check_target(facts: dict[str, Any]) -> CheckTarget:
    """The owner of the documents' project, by Basic auth, with that project pinned."""
    owner = facts["users"][0]
    credentials = base64.b64encode(f"{owner['email']}:{owner['password']}".encode()).decode()
    return CheckTarget(
        headers={"Authorization": f"Basic {credentials}"},
        parameters={"path.project_id": owner["project_id"]},
    )


def remote_target(base_url: str, credentials: Credentials) -> CheckTarget:
    """Basic with user and password, a JWT given as is, or one fetched from ``/auth/signin``."""
    if "path.project_id" not in credentials.parameters:
        raise ValueError("Tiledesk needs the project to test: --set path.project_id=<project id>")
    if credentials.token:
        token = credentials.token
    elif credentials.user and credentials.password and credentials.signin:
        answer = httpx.post(
            f"{base_url.rstrip('/')}/auth/signin",
            json={"email": credentials.user, "password": credentials.password},
            timeout=30,
        )
        if answer.status_code != 200:
            raise ValueError(f"sign-in at {base_url}/auth/signin answered {answer.status_code}")
        token = answer.json()["token"]
    elif credentials.user and credentials.password:
        pair = f"{credentials.user}:{credentials.password}".encode()
        return CheckTarget(
            headers={"Authorization": f"Basic {base64.b64encode(pair).decode()}"},
            parameters=dict(credentials.parameters),
        )
    else:
        raise ValueError(
            "Tiledesk needs --user and --password (Basic, or --signin for JWT) or --token"
        )
    if not token.startswith("JWT "):
        token = f"JWT {token}"
    return CheckTarget(headers={"Authorization": token}, parameters=dict(credentials.parameters))


_SERVER_ERROR = r"(?:Server error|Received: 500)"

# How tiledesk-server 2.19.16 departs from these specs, from `make contract-real` (first match
# wins). Documentation gaps are not here: the specs say what was observed and the mock serves it.
KNOWN_DRIFT = (
    KnownDrift(
        "vendor bug",
        "PUT or DELETE of a lead id that does not exist creates a record (findByIdAndUpdate "
        "with upsert: true) with no lead_id and no project, which later reads return. The mock "
        "answers 404 Object not found.",
        operation="* /{project_id}/leads/{id}",
        text=r'"lead_id" is a required property',
    ),
    KnownDrift(
        "vendor bug",
        'A body that is not JSON gets 500 {"err": "error"} (the JSON parser\'s error reaches the '
        "general error handler). The mock answers 400.",
        text=_SERVER_ERROR + r"[\s\S]*-d \$'",
    ),
    KnownDrift(
        "vendor bug",
        "A lead id that is not an ObjectId gets 500 (Mongoose's CastError), and so does an "
        "update whose attribute names the MongoDB driver refuses (a '.', a NUL, a leading '$'). "
        "The mock answers 404 for the id and keeps such attribute names.",
        operation="* /{project_id}/leads/{id}",
        text=_SERVER_ERROR,
    ),
    KnownDrift(
        "stand-in limitation",
        "A `full_text` search of requests needs the `request_fulltext` text index, which the "
        "MongoDB stand-in does not create (mongoeco refuses a text index over several arrays); "
        "the route answers 500. MongoDB has the index. The mock searches.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR + r"[\s\S]*full_text=",
    ),
    KnownDrift(
        "vendor bug",
        "A requests filter Mongoose cannot cast (a `dept_id` or `lead` that is not an ObjectId, "
        "a `ticket_id` that is not a number, a `hasbot` that is not a boolean, a negative "
        "`page`) or a `direction` other than 1 or -1 gets 500. The mock answers 400.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR + r"[\s\S]*(dept_id=|lead=|ticket_id=|hasbot=|page=-|direction=)",
    ),
    KnownDrift(
        "stand-in limitation",
        "A page so deep that page x limit passes 2^31 makes mongoeco refuse the skip ('wire "
        "find skip must be a non-negative integer'), which MongoDB accepts; the route answers "
        "500. The mock answers an empty page.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR,
    ),
    KnownDrift(
        "vendor bug",
        "A create whose attribute names the MongoDB driver refuses (a '.', a NUL, a leading "
        "'$') is never answered: the rejection is not caught (routes/lead.js) and the request "
        "hangs. The mock stores the lead.",
        operation="POST /*/leads",
        check="error",
        text=r"Read timed out",
    ),
    KnownDrift(
        "vendor bug",
        "When the list's query fails the route never answers (routes/lead.js: `return (err)`), "
        "so the request hangs: a direction other than 1 or -1 (Mongoose throws). The mock "
        "answers 400.",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*direction=(?!-?1\b)",
    ),
    KnownDrift(
        "stand-in limitation",
        "A page deeper than mongoeco's skip allows (page x limit past 2^31, which MongoDB "
        "accepts) fails the list's query, and the route, which never answers a failed query "
        "(the vendor bug above), hangs. The mock answers an empty page.",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*page=\d{6,}",
    ),
    KnownDrift(
        "stand-in limitation",
        "A `full_text` with no word in it (only symbols or punctuation: `\u00d7`, `-`, `!`) fails "
        "mongoeco's $text search, and the route, which never answers a failed query (the "
        "vendor bug above), hangs; MongoDB, given no term, matches nothing. The mock answers "
        "an empty page. (Observed on 2026-12-01: `full_text=hello`, `é` or `x\u00d7` "
        "answer, `\u00d7` alone hangs.)",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*full_text=",
    ),
    KnownDrift(
        "stand-in limitation",
        "The list answers without `count` when counting fails (the error is ignored), and "
        "mongoeco cannot count a `full_text` ($text) query, which MongoDB can. The mock always "
        "counts.",
        operation="GET /{project_id}/leads",
        text=r'"count" is a required property',
    ),
    KnownDrift(
        "vendor bug",
        "A `limit` that is not a number answers `perPage: null` (parseInt without a check). "
        "The mock answers 400.",
        operation="GET /{project_id}/*",
        text=r'null is not of type "integer"',
    ),
    KnownDrift(
        "vendor bug",
        "`attributes` that are not an object are stored and answered as sent (nothing is "
        "validated, see below). The mock answers 400.",
        check="response_schema_conformance",
        text=r"Schema at \S*/properties/attributes\b",
    ),
    KnownDrift(
        "vendor bug",
        "A refused credential gets passport's answer, `res.end()` of the status phrase with no "
        "Content-Type: 401 Unauthorized, or 400 Bad Request for an Authorization header it "
        "cannot parse. The mock sends them as text/plain. (Seen through `leadmock proxy`, "
        "whose client sends such requests; `check`'s requests carry the run's credentials.)",
        check="*_conformance",
        text=r"Missing Content-Type header|Response must be valid JSON with 'Content-Type",
    ),
    KnownDrift(
        "vendor bug",
        "A method a route does not have gets Express' 404 page, or 400 from Node's HTTP parser "
        "for a TRACE with a body, never 405. The mock answers 405 with the Allow header.",
        check="unsupported_method",
    ),
    KnownDrift(
        "vendor bug",
        "The server validates nothing it is sent: no body, a create without the documented "
        "required lead_id, wrongly typed or repeated query parameters are all accepted. The "
        "mock validates against the spec and answers 400.",
        check="negative_data_rejection",
    ),
)


VENDOR = Vendor(
    name="tiledesk",
    mounts=(
        Mount(name="tiledesk-v1", spec="tiledesk-v1.yaml", base_path="/v1"),
        Mount(name="tiledesk-v2", spec="tiledesk-v2.yaml", base_path="/v2"),
        Mount(name="tiledesk-v3", spec="tiledesk-v3.yaml", base_path="/v3"),
    ),
    handlers=TiledeskHandlers,
    seed=seed,
    describe=describe,
    render_error=render_error,
    check_target=check_target,
    remote_target=remote_target,
    validator_map=VALIDATOR_MAP,
    excluded_checks={
        "use_after_free": (
            "Tiledesk deletes softly: a deleted lead gets status 1000 and a get by id still "
            "returns it (observed on tiledesk-server); the tests check that behaviour directly."
        ),
        "ignored_auth": (
            "Its wrong value for the JWT API key is a one-word Authorization header, which "
            "Tiledesk answers with 400 Bad Request, not 401 (observed on tiledesk-server, served "
            "alike); the tests check missing, wrong and unparseable credentials directly."
        ),
    },
    known_drift=KNOWN_DRIFT,
    valid_data_statuses={
        "422": (
            "The sign-in checks its fields itself (observed): an email JSON Schema accepts, "
            "such as an empty one, that is not an email address to the server gets 422."
        ),
    },
    record=tiledesk_recording.record,
    adopt_recording=tiledesk_recording.adopt,
)
