"""Tiledesk's handlers: leads (v1, v2, v3), requests (v1), the sign-in and the security
handlers that check Basic and JWT credentials as tiledesk-server does."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from mockserver.auth import (
    basic_scheme,
    decode_jwt,
    issue_jwt,
    prefixed_header_scheme,
    same_secret,
)
from mockserver.config import Config
from mockserver.engine.conventions import Page, filter_conditions
from mockserver.engine.ids import object_id, seeded_uuid
from mockserver.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from mockserver.jsoncodec import RenderCache
from mockserver.store import Store, Where
from mockserver.vendors.tiledesk.errors import signin_field_errors
from mockserver.vendors.tiledesk.model import (
    LEAD_DELETION,
    LEAD_FILTERS,
    MIN_ROLE,
    OBJECT_ID,
    PAGE_SIZE,
    ROLES,
    STATUS_NORMAL,
    list_envelope,
    timestamp,
)
from mockserver.vendors.tiledesk.requests import MAX_LIMIT, list_filters, request_view

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
_ENVELOPES = {collection: list_envelope(collection) for collection in ("leads", "requests")}


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
        return object_id(f"{self.config.seed}:{sequence}", moment)

    def new_uuid(self) -> str:
        """A version-4 UUID drawn from the seed, so reruns repeat it."""
        sequence = self.store.next_sequence("tiledesk.uuid")
        return str(seeded_uuid(f"{self.config.seed}:uuid:{sequence}"))

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
        where = [LEAD_DELETION.listed if status is None else Where("status", "eq", status)]
        given = {"email": email, "full_text": full_text, "with_email": with_email,
                 "with_fullname": with_fullname, "tags": tags}  # fmt: skip
        where += filter_conditions(LEAD_FILTERS, given)
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
        return _ENVELOPES[collection].answer(items, total=count, size=limit), 200, _JSON

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
        patch = {**LEAD_DELETION.marking(), "updatedAt": timestamp(datetime.now(UTC))}
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
        (``requests.list_filters``) ask for, each populated as the server answers it."""
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
