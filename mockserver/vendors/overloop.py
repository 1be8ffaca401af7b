"""Overloop: the leads of one account, in JSON:API, with their users and organizations.

Quirks, and where they come from (docs = ../shared/seeds leads page; conventions = Overloop's
general sections on auth, pagination, sorting, filtering, includes and errors, quoted in issue 4):
- Ids are integers, written as strings (docs' example); the mock counts them from 1.
- ``Authorization: <api key>``, no scheme (conventions).
- ``application/vnd.api+json`` both ways; the docs' curl adds ``charset=utf-8`` (docs).
- 100 records a page, ``page[number]`` from 1; ``links`` self/first/last, prev/next only where
  such a page exists (docs + conventions).
- ``sort`` and ``filter`` only on allowed attributes, else 400 (conventions; the filterable ones
  are marked in the docs' table).
- ``include=organization,creator,owner`` adds them under ``included`` (conventions).
- Errors: 422 ``{source: {pointer}, detail}`` for validation, ``{code, message}`` otherwise;
  401 "Your API key is wrong" (conventions).
- Create answers 201; ``return_existing=true`` answers 200 with the lead owning the email, which
  is otherwise 422 "has already been taken" (conventions). Delete is hard and answers the
  resource identifier (conventions). PATCH ``lists`` creates missing lists (docs).
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from connexion.datastructures import MediaTypeDict
from connexion.validators import ParameterValidator
from faker import Faker
from jsonschema.exceptions import best_match

from mockserver.auth import api_key_scheme
from mockserver.config import Config
from mockserver.errors import ApiError, BadRequest, NotFound, Unprocessable, spec_refusal
from mockserver.jsoncodec import RenderCache
from mockserver.paging import Page
from mockserver.schemawords import missing_members, requirement
from mockserver.seeding import POOL_SIZE, Pool
from mockserver.specvalidators import SPEC_VALIDATORS, OptionalJSONBody
from mockserver.store import Store, Where, Write, fresh_id
from mockserver.vendors import (
    CheckTarget,
    Credentials,
    ErrorBody,
    Mount,
    Vendor,
    overloop_recording,
    request_url,
)

MEDIA_TYPE = "application/vnd.api+json"
BASE_PATH = "/public/v1"
ACCOUNT = "1"
PAGE_SIZE = 100
FILTERABLE: dict[str, type] = {
    "id": int,
    "email": str,
    "first_name": str,
    "last_name": str,
    "jobtitle": str,
    "phone": str,
    "title": str,
    "country": str,
    "state": str,
    "city": str,
    "industry": str,
    "excluded": bool,
    "opened": bool,
    "clicked": bool,
    "replied": bool,
    "bounced": bool,
}
SORTABLE = {"id", "created_at", "updated_at", *FILTERABLE}
WRITABLE = (
    "email",
    "first_name",
    "last_name",
    "description",
    "jobtitle",
    "linkedin_profile",
    "phone",
    "title",
    "country",
    "state",
    "city",
    "industry",
)
RELATIONSHIPS = {"creator": "users", "owner": "users", "organization": "organizations"}
_HEADERS = {"Content-Type": MEDIA_TYPE}

# The documents' example lead, kept as lead 1 so their curl commands answer as shown.
DOCS_LEAD = {
    "id": 1,
    "email": "vincenzo@overloop.ai",
    "first_name": "Vincenzo",
    "last_name": "Ruggiero",
    "description": None,
    "jobtitle": "CEO",
    "linkedin_profile": "https://www.linkedin.com/in/vincenzor",
    "phone": "+32-481-754-301",
    "title": "Mr.",
    "country": "Belgium",
    "state": "Walloon Brabant",
    "city": "Wavre",
    "industry": "IT",
    "lists": ["Belgium", "Manager"],
    "email_status": "found",
    "c_custom_field_a": "Hot lead",
    "created_from": "extension",
    "last_emailed_at": None,
    "opened": False,
    "opened_at": None,
    "open_count": 0,
    "clicked": False,
    "clicked_at": None,
    "click_count": 0,
    "bounced": False,
    "replied": False,
    "replied_at": None,
    "email_reply_count": 0,
    "linkedin_reply_count": 0,
    "excluded": False,
    "created_at": "2015-08-15T16:48:46+02:00",
    "updated_at": "2016-11-25T12:40:46+01:00",
    "creator_id": 1,
    "owner_id": 2,
    "organization_id": 2,
}


def timestamp(moment: datetime) -> str:
    """ISO 8601 with the offset, to the second: ``2015-08-15T16:48:46+00:00``."""
    return moment.replace(microsecond=0).isoformat()


class OverloopHandlers:
    """The operations of ``overloop.yaml`` over the store, scoped to the key's account."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        # A page of 100 leads is assembled from their serialised resources, not re-rendered.
        self._rendered = RenderCache(_resource)

    def security_map(self) -> dict[str, type]:
        """Connexion security handler for the spec's ``apiKey`` scheme."""
        return {"apiKey": api_key_scheme(self._verify_key)}

    def _verify_key(self, key: str) -> dict[str, Any] | None:
        account = self.store.get("overloop_keys", key.strip())
        return {"sub": account["account"]} if account else None

    # -- operations ----------------------------------------------------------------------

    def list_leads(
        self,
        token_info: dict[str, Any],
        page: dict[str, int] | None = None,
        sort: str | None = None,
        filter_: str | None = None,
        include: str | None = None,
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /leads: one page, sorted and filtered, with JSON:API links."""
        account = token_info["sub"]
        window = Page((page or {}).get("number", 1), (page or {}).get("size", PAGE_SIZE), first=1)
        leads, total = self.store.query(
            "leads",
            where=_filters(filter_),
            order=_order(sort),
            offset=window.offset,
            limit=window.size,
            scope=account,
        )
        body: dict[str, Any] = {"data": self._rendered.many(leads)}
        if include:
            body["included"] = self._included(account, leads, include)
        body["links"] = _links(window, total, sort=sort, filter_=filter_, include=include)
        return body, 200, _HEADERS

    def get_lead(
        self, id_: int, token_info: dict[str, Any], include: str | None = None
    ) -> tuple[Any, int, dict[str, str]]:
        """GET /leads/{id}."""
        account = token_info["sub"]
        return self._document(account, self._lead(account, id_), include), 200, _HEADERS

    def create_lead(
        self,
        body: dict[str, Any],
        token_info: dict[str, Any],
        return_existing: bool = False,
        include: str | None = None,
    ) -> tuple[Any, int, dict[str, str]]:
        """POST /leads: 201 with the new lead; a taken email is 422, or 200 if asked for."""
        account = token_info["sub"]
        attributes = body["data"].get("attributes") or {}
        email = attributes.get("email")
        if email and self.store.get("emails", email.lower(), scope=account) is not None:
            return self._taken_email(account, email, return_existing, include)
        changes = self._changes(account, attributes)
        lead_id = fresh_id(self.store, f"overloop.{account}.lead", "leads", scope=account)
        now = timestamp(datetime.now(UTC))
        lead = {
            **_blank_lead(lead_id),
            "email_status": "user_edited" if email else "not_searched",
            "created_from": "api",
            "creator_id": int(account_user(self.store, account)),
            "owner_id": int(account_user(self.store, account)),
            "created_at": now,
            "updated_at": now,
            **changes,
        }
        # The email's claim and the lead land together, or (claimed meanwhile) neither does.
        writes = [Write("put", "leads", str(lead_id), lead, scope=account)]
        if email:
            writes.insert(0, Write("insert", "emails", email.lower(), {"id": lead_id}, account))
        if self.store.write(writes) is None:
            return self._taken_email(account, email, return_existing, include)
        return self._document(account, lead, include), 201, _HEADERS

    def _taken_email(
        self, account: str, email: str, return_existing: bool, include: str | None
    ) -> tuple[Any, int, dict[str, str]]:
        """A create's email is another lead's: 422, or that lead (200) if asked for."""
        if not return_existing:
            raise _taken("email")
        owner = self.store.get("emails", email.lower(), scope=account)
        lead = self._lead(account, owner["id"])
        return self._document(account, lead, include), 200, _HEADERS

    def update_lead(
        self, id_: int, body: dict[str, Any], token_info: dict[str, Any], include: str | None = None
    ) -> tuple[Any, int, dict[str, str]]:
        """PATCH /leads/{id}: set what is sent, leave the rest."""
        account = token_info["sub"]
        lead = self._lead(account, id_)
        attributes = body["data"].get("attributes") or {}
        changes = self._changes(account, attributes)
        changes["updated_at"] = timestamp(datetime.now(UTC))
        # The email moves with the lead's update in one batch: claimed, freed, updated, or none.
        writes = [Write("update", "leads", str(id_), changes, scope=account)]
        new, old = (changes.get("email") or "").lower(), (lead["email"] or "").lower()
        if "email" in changes and new != old:
            if new and self.store.get("emails", new, scope=account) is not None:
                raise _taken("email")
            if new:
                writes.append(Write("insert", "emails", new, {"id": id_}, scope=account))
            if old:
                writes.append(Write("delete", "emails", old, scope=account))
        done = self.store.write(writes)
        if done is None:
            if self.store.get("leads", str(id_), scope=account) is None:
                raise NotFound("Lead not found")
            raise _taken("email")
        return self._document(account, done[0], include), 200, _HEADERS

    def delete_lead(self, id_: int, token_info: dict[str, Any]) -> tuple[Any, int, dict[str, str]]:
        """DELETE /leads/{id}: gone for good; answers the resource identifier."""
        account = token_info["sub"]
        lead = self._lead(account, id_)
        writes = [Write("delete", "leads", str(id_), scope=account)]
        if lead["email"]:
            writes.append(Write("delete", "emails", lead["email"].lower(), scope=account))
        self.store.write(writes)
        return {"data": {"id": str(id_), "type": "leads"}}, 200, _HEADERS

    # -- helpers -------------------------------------------------------------------------

    def _lead(self, account: str, lead_id: int) -> dict[str, Any]:
        lead = self.store.get("leads", str(lead_id), scope=account)
        if lead is None:
            raise NotFound("Lead not found")
        return lead

    def _changes(self, account: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """The stored form of sent attributes; unknown related ids are 422, lists are created."""
        changes = {name: attributes[name] for name in WRITABLE if name in attributes}
        changes.update({k: v for k, v in attributes.items() if k.startswith("c_")})
        for name, collection in (("owner_id", "users"), ("organization_id", "organizations")):
            if name in attributes:
                value = attributes[name]
                if (
                    value is not None
                    and self.store.get(collection, str(value), scope=account) is None
                ):
                    raise Unprocessable(
                        "does not exist", detail={"field": f"data.attributes.{name}"}
                    )
                changes[name] = value
        if "lists" in attributes:
            names = list(dict.fromkeys(attributes["lists"]))
            for name in names:
                number = self.store.next_sequence(f"overloop.{account}.list")
                self.store.insert("lists", name, {"id": number, "name": name}, scope=account)
            changes["lists"] = names
        return changes

    def _document(self, account: str, lead: dict[str, Any], include: str | None) -> dict[str, Any]:
        document: dict[str, Any] = {"data": _resource(lead)}
        if include:
            document["included"] = self._included(account, [lead], include)
        return document

    def _included(self, account: str, leads: list[dict[str, Any]], include: str) -> list[dict]:
        """The related users and organizations of ``leads``, each once, in a stable order."""
        seen: dict[tuple[str, int], dict[str, Any]] = {}
        for relation in dict.fromkeys(include.split(",")):
            collection = RELATIONSHIPS[relation]
            for lead in leads:
                related = lead.get(f"{relation}_id")
                if related is None or (collection, related) in seen:
                    continue
                doc = self.store.get(collection, str(related), scope=account)
                if doc is not None:
                    attributes = {k: v for k, v in doc.items() if k != "id"}
                    seen[(collection, related)] = {
                        "id": str(related),
                        "type": collection,
                        "attributes": attributes,
                    }
        return list(seen.values())


def account_user(store: Store, account: str) -> str:
    """The id of the user an account's API key acts as."""
    return str(store.get("overloop_accounts", account)["user_id"])


def _blank_lead(lead_id: int) -> dict[str, Any]:
    lead: dict[str, Any] = dict.fromkeys(WRITABLE)
    lead.update(
        id=lead_id,
        lists=[],
        email_status="not_searched",
        created_from="api",
        last_emailed_at=None,
        opened=False,
        opened_at=None,
        open_count=0,
        clicked=False,
        clicked_at=None,
        click_count=0,
        bounced=False,
        replied=False,
        replied_at=None,
        email_reply_count=0,
        linkedin_reply_count=0,
        excluded=False,
        organization_id=None,
    )
    return lead


def _resource(lead: dict[str, Any]) -> dict[str, Any]:
    """The JSON:API resource object of a stored lead."""
    hidden = {"id", "creator_id", "owner_id", "organization_id"}
    attributes = {k: v for k, v in lead.items() if k not in hidden}
    attributes["url"] = f"https://overloop.ai/leads/{lead['id']}"
    relationships = {}
    for relation, collection in RELATIONSHIPS.items():
        related = lead.get(f"{relation}_id")
        data = {"id": str(related), "type": collection} if related is not None else None
        relationships[relation] = {"data": data}
    return {
        "id": str(lead["id"]),
        "type": "leads",
        "attributes": attributes,
        "relationships": relationships,
    }


def _filters(text: str | None) -> list[Where]:
    """``first_name:john,last_name:doe`` as store conditions; 400 for anything else."""
    if not text:
        return []
    conditions = []
    for pair in text.split(","):
        name, found, value = pair.partition(":")
        if not found:
            raise _bad_parameter("filter", f"{pair!r} is not attribute:value")
        kind = FILTERABLE.get(name)
        if kind is None:
            raise _bad_parameter("filter", f"{name} is not a filterable attribute")
        if kind is bool:
            if value not in ("true", "false"):
                raise _bad_parameter("filter", f"{name} takes true or false")
            conditions.append(Where(name, "eq", value == "true"))
        elif kind is int:
            if not value.isdigit():
                raise _bad_parameter("filter", f"{name} takes a whole number")
            conditions.append(Where(name, "eq", int(value)))
        else:
            conditions.append(Where(name, "eq", value))
    return conditions


def _order(text: str | None) -> list[tuple[str, int]]:
    """``-created_at,id`` as store order keys, ``id`` last to break ties; 400 for the rest."""
    order = []
    for item in (text or "").split(","):
        if not item:
            continue
        name = item.removeprefix("-")
        if name not in SORTABLE:
            raise _bad_parameter("sort", f"{name} is not a sortable attribute")
        order.append((name, -1 if item.startswith("-") else 1))
    return [*order, ("id", 1)]


def _includes(text: str) -> list[str]:
    """``organization,creator`` as relation names; 400 for any other name."""
    names = text.split(",")
    for name in names:
        if name not in RELATIONSHIPS:
            raise _bad_parameter(
                "include", f"{name or 'an empty name'} is not a relationship of a lead"
            )
    return names


def _links(window: Page, total: int, **query: str | None) -> dict[str, str]:
    """JSON:API links that keep the request's sort, filter and include."""
    base = request_url(query=False)
    kept = tuple((name.rstrip("_"), value) for name, value in query.items() if value)
    return dict(_page_links(base, window, total, kept))


@functools.lru_cache(maxsize=1024)
def _page_links(
    base: str, window: Page, total: int, kept: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    # Clients page through the same listing over and over: its links are worked out once.
    def url(number: int) -> str:
        pairs = [("page[number]", number), ("page[size]", window.size), *kept]
        return f"{base}?{urlencode(pairs)}"

    links = {"self": url(window.number), "first": url(1), "last": url(window.last(total))}
    previous, following = window.previous(), window.next(total)
    if previous is not None:
        links["prev"] = url(previous)
    if following is not None:
        links["next"] = url(following)
    return tuple(links.items())


def _taken(name: str) -> Unprocessable:
    return Unprocessable("has already been taken", detail={"field": f"data.attributes.{name}"})


def _bad_parameter(name: str, message: str) -> BadRequest:
    return BadRequest(message, detail={"parameter": name})


class _QueryParameters(ParameterValidator):
    """The spec's checks; a ``filter`` or ``sort`` they refuse is answered in Overloop's words
    (the attribute that cannot be used), never with the spec's pattern."""

    def validate_query_parameter(self, param: dict, request: Any) -> str | None:
        error = super().validate_query_parameter(param, request)
        if error is None:
            return None
        name, value = param["name"], request.query_params.get(param["name"])
        parse = _QUERY_WORDS.get(name)
        if parse is None or value is None:
            # jsonschema follows its first line with the whole failing schema.
            raise spec_refusal(_bad_parameter(name, error.split("\n\n", 1)[0]))
        try:
            parse(value)
        except BadRequest as refused:  # the 400 that says what is wrong with the value
            raise spec_refusal(refused) from None
        raise spec_refusal(_bad_parameter(name, f"{name} is not valid"))


_QUERY_WORDS = {"filter": _filters, "sort": _order, "include": _includes}


class _JSONBody(OptionalJSONBody):
    """The spec's checks; every failure a 422 pointing at the member, in Rails' words, as
    Overloop's validation errors are (``has already been taken``, ``can't be blank``)."""

    def _validate(self, body: Any) -> Any:
        if body is None and not self._required:
            return None
        if body is None:
            raise spec_refusal(Unprocessable("can't be blank", detail={"field": "data"}))
        errors = list(self._validator.iter_errors(body))
        if not errors:
            return body
        error = best_match(errors)
        path = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            path.append(missing_members(error)[0])
            raise spec_refusal(Unprocessable("can't be blank", detail={"field": ".".join(path)}))
        if not path:
            raise spec_refusal(Unprocessable(f"the document {requirement(error)}"))
        raise spec_refusal(Unprocessable(requirement(error), detail={"field": ".".join(path)}))


VALIDATOR_MAP: dict[str, Any] = {
    "parameter": _QueryParameters,
    "body": MediaTypeDict({**SPEC_VALIDATORS["body"], "*/*json": _JSONBody}),
}


def render_error(error: ApiError) -> ErrorBody:
    """JSON:API error objects: pointer and detail for body fields, code and message otherwise."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    field = detail.get("field", "")
    status = error.status
    if status == 401:
        item: dict[str, Any] = {"code": "unauthorized", "message": "Your API key is wrong"}
    elif field.startswith("data") and status in (400, 422):
        # A well-formed document with an invalid member is a validation failure: 422.
        status = 422
        message = error.message.split(" - '", 1)[0]
        item = {"source": {"pointer": "/" + field.replace(".", "/")}, "detail": message}
    elif "parameter" in detail:
        item = {"source": {"parameter": detail["parameter"]}, "detail": error.message}
    else:
        item = {"code": error.code, "message": error.message}
    body = json.dumps({"errors": [item]}).encode()
    return ErrorBody(status, body, MEDIA_TYPE, error.headers)


# -- seed data ---------------------------------------------------------------------------

_SEED_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
_SEED_END = datetime(2024, 12, 31, tzinfo=UTC)
_LISTS = ("Belgium", "Manager", "CEO", "BE", "Webinar 2024", "Newsletter", "Partners", "Churned")
_INDUSTRIES = ("IT", "Finance", "Retail", "Healthcare", "Education", "Manufacturing", "Media")
_TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.")


def seed(store: Store, config: Config) -> dict[str, Any]:
    """One account: its key, 4 users, 12 organizations, lists, and 2.5 x ``config.leads`` leads."""
    fake = Faker("en_US")
    fake.seed_instance(config.seed + 1)
    api_key = fake.sha1()
    store.put("overloop_keys", api_key, {"account": ACCOUNT})
    store.put("overloop_accounts", ACCOUNT, {"id": ACCOUNT, "user_id": 1})
    for number in range(1, 5):
        first, last = fake.first_name(), fake.last_name()
        user = {
            "id": number,
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}@overloop.test".lower(),
        }
        store.put("users", str(number), user, scope=ACCOUNT)
    for number in range(1, 13):
        name = fake.company()
        organization = {"id": number, "name": name, "website": f"https://{fake.domain_name()}"}
        store.put("organizations", str(number), organization, scope=ACCOUNT)
    for number, name in enumerate(_LISTS, start=1):
        store.put("lists", name, {"id": number, "name": name}, scope=ACCOUNT)
        store.next_sequence(f"overloop.{ACCOUNT}.list")
    count = max(1, config.leads * 5 // 2)
    pool = Pool(fake, size=min(POOL_SIZE, max(8, count)))
    emails: set[str] = set()
    for _ in range(count):
        lead_id = store.next_sequence(f"overloop.{ACCOUNT}.lead")
        lead = dict(DOCS_LEAD) if lead_id == 1 else _fake_lead(pool, lead_id, emails)
        if lead["email"]:
            emails.add(lead["email"])
            store.adopt("emails", lead["email"].lower(), {"id": lead_id}, scope=ACCOUNT)
        # Adopted, not copied: leads share their equal parts (Pool.same).
        store.adopt("leads", str(lead_id), lead, scope=ACCOUNT)
    return {"api_key": api_key, "leads": count}


def _fake_lead(pool: Pool, lead_id: int, emails: set[str]) -> dict[str, Any]:
    """A lead of Faker's values, drawn from ``pool`` (Faker's own calls cost tens of
    microseconds each: 30 a lead made Overloop's seeding six times slower than Tiledesk's)."""
    rnd = pool.random
    created = pool.moment(_SEED_EPOCH, _SEED_END)
    first, last = pool.pick("first_name"), pool.pick("last_name")
    email = f"{first}.{last}@{pool.pick('domain_name')}".lower()
    if email in emails:
        # Overloop keeps one lead an email: a name drawn twice gets the lead's number.
        email = email.replace("@", f"{lead_id}@", 1)
    emailed = pool.chance(60)
    opened = emailed and pool.chance(50)
    clicked = opened and pool.chance(30)
    replied = opened and pool.chance(25)

    def after(start: datetime) -> str:
        return timestamp(start + timedelta(seconds=rnd.randint(60, 60 * 24 * 3600)))

    lead = _blank_lead(lead_id)
    lead.update(
        email=email if rnd.randint(1, 10) > 1 else None,
        first_name=first,
        last_name=last,
        description=pool.pick("sentence", nb_words=8) if pool.chance(50) else None,
        jobtitle=pool.pick("job"),
        linkedin_profile=f"https://www.linkedin.com/in/{first}{last}".lower(),
        phone=pool.pick("phone_number"),
        title=rnd.choice(_TITLES),
        country=pool.pick("country"),
        state=pool.pick("state"),
        city=pool.pick("city"),
        industry=rnd.choice(_INDUSTRIES),
        lists=pool.same(sorted(rnd.sample(_LISTS, rnd.randint(0, 3)))),
        email_status=rnd.choice(("found", "search_failed", "user_edited", "not_searched")),
        created_from=rnd.choice(("web", "extension", "api", "import")),
        last_emailed_at=after(created) if emailed else None,
        opened=opened,
        opened_at=after(created) if opened else None,
        open_count=rnd.randint(1, 9) if opened else 0,
        clicked=clicked,
        clicked_at=after(created) if clicked else None,
        click_count=rnd.randint(1, 4) if clicked else 0,
        bounced=emailed and pool.chance(5),
        replied=replied,
        replied_at=after(created) if replied else None,
        email_reply_count=rnd.randint(1, 3) if replied else 0,
        linkedin_reply_count=rnd.randint(0, 2),
        excluded=pool.chance(5),
        created_at=timestamp(created),
        updated_at=after(created),
        creator_id=rnd.randint(1, 4),
        owner_id=rnd.randint(1, 4) if rnd.randint(1, 10) > 1 else None,
        organization_id=rnd.randint(1, 12) if pool.chance(70) else None,
    )
    if pool.chance(30):
        lead["c_custom_field_a"] = rnd.choice(("Hot lead", "Cold lead", "Follow up"))
    return lead


def describe(facts: dict[str, Any], base_url: str) -> list[str]:
    """The base URL, the API key and a curl to paste."""
    url = f"{base_url}{BASE_PATH}"
    return [
        f"Overloop      {url}   (Swagger UI: {url}/ui/)",
        f"  api key {facts['api_key']}: {facts['leads']} leads, {PAGE_SIZE} a page",
        f'  try: curl -H "Authorization: {facts["api_key"]}" {url}/leads',
    ]


def check_target(facts: dict[str, Any]) -> CheckTarget:
    """The seeded account's API key."""
    return CheckTarget(headers={"Authorization": facts["api_key"]})


def remote_target(base_url: str, credentials: Credentials) -> CheckTarget:
    """The API key given with ``--api-key``."""
    if not credentials.api_key:
        raise ValueError("Overloop needs --api-key")
    return CheckTarget(
        headers={"Authorization": credentials.api_key}, parameters=dict(credentials.parameters)
    )


VENDOR = Vendor(
    name="overloop",
    mounts=(Mount(name="overloop", spec="overloop.yaml", base_path=BASE_PATH),),
    handlers=OverloopHandlers,
    seed=seed,
    describe=describe,
    render_error=render_error,
    check_target=check_target,
    remote_target=remote_target,
    validator_map=VALIDATOR_MAP,
    valid_data_statuses={
        "422": (
            "Overloop answers 422 'has already been taken' when a schema-valid create or update "
            "uses an email another lead has (its error conventions)."
        ),
    },
    record=overloop_recording.record,
    adopt_recording=overloop_recording.adopt,
)
