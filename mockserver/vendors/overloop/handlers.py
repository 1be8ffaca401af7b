"""Overloop's handlers: leads as JSON:API resources (list with filter, sort, include and page
links; create, get, update, delete), and its API-key security handler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockserver.auth import api_key_scheme
from mockserver.config import Config
from mockserver.engine.conventions import Page, numbered_links
from mockserver.errors import NotFound, Unprocessable
from mockserver.jsoncodec import RenderCache
from mockserver.requesturl import request_url
from mockserver.store import Store, Write, fresh_id
from mockserver.vendors.overloop.model import (
    MEDIA_TYPE,
    PAGE_SIZE,
    RELATIONSHIPS,
    WRITABLE,
    timestamp,
)
from mockserver.vendors.overloop.query import parse_filter, parse_sort

_HEADERS = {"Content-Type": MEDIA_TYPE}


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
            where=parse_filter(filter_),
            order=parse_sort(sort),
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
            **blank_lead(lead_id),
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


def blank_lead(lead_id: int) -> dict[str, Any]:
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


def _links(window: Page, total: int, **query: str | None) -> dict[str, str]:
    """JSON:API links that keep the request's sort, filter and include."""
    base = request_url(query=False)
    kept = tuple((name.rstrip("_"), value) for name, value in query.items() if value)
    return numbered_links(base, window, total, number="page[number]", size="page[size]", kept=kept)


def _taken(name: str) -> Unprocessable:
    return Unprocessable("has already been taken", detail={"field": f"data.attributes.{name}"})
