"""Leads & CRM's handlers: leads, notes, appointments and the overviews, the login and its
security handlers (API key and bearer token)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mockserver.auth import api_key_scheme, decode_jwt, http_token_scheme, issue_jwt, same_secret
from mockserver.config import Config
from mockserver.engine.conventions import Window, filter_conditions, window_links
from mockserver.errors import Forbidden, Unauthorized
from mockserver.requesturl import request_url
from mockserver.store import Doc, Store, Where, Write, fresh_id
from mockserver.vendors.leads_crm.errors import REQUIRED, field_error, fields_error
from mockserver.vendors.leads_crm.model import (
    APPOINTMENT_NOT_FOUND,
    APPOINTMENT_TIME,
    ASSIGNEE_NOT_FOUND,
    BODY_DATA_NOT_FOUND,
    CONVERSION,
    DEFAULT_NOTE,
    END_BEFORE_START,
    INVALID_DATE,
    LEAD_DELETED,
    LEAD_DELETION,
    LEAD_DOES_NOT_EXIST,
    LEAD_FIELDS,
    LEAD_FILTERS,
    LEAD_NOT_FOUND,
    LEAD_SOURCES,
    LEAD_STATUSES,
    NO_APPOINTMENT_ON_LEAD,
    NOT_IN_FUTURE,
    NOT_OWNER,
    NOTE_NOT_FOUND,
    PAGE,
    RECENT_ACTIVITIES,
    SCHEDULE_EXISTS,
    SLUG_INVALID,
    STATUS_LOOK,
    timestamp,
)

DEFAULT_LIMIT, MAX_LIMIT = 10, 100
_APPOINTMENT_FIELDS = (
    "appointment_id",
    "slug",
    "appointment_date",
    "appointment_to",
    "appointment_note",
    "appointment_status",
)


def _failed(message: str) -> Unauthorized:
    """A "Request Failed" row of the docs' error tables: 401 with one message."""
    return Unauthorized(message, code="request_failed")


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_time(text: str) -> datetime | None:
    """``yyyy-mm-dd hh:mm`` or ``hh-mm`` (both documented), UTC; None if no such moment."""
    try:
        return datetime.strptime(text[:13] + ":" + text[14:], APPOINTMENT_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def _overlaps(start: datetime, end: datetime, other: Doc) -> bool:
    other_start = _parse_time(other["fromdate"])
    other_end = _parse_time(other["todate"])
    assert other_start is not None and other_end is not None
    # Back-to-back appointments do not overlap; a zero-length one overlaps what it falls in.
    return start < other_end and other_start < max(end, start + timedelta(minutes=1))


class CrmHandlers:
    """The operations of ``leads-crm.yaml`` over the store, as the calling API user."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def security_map(self) -> dict[str, type]:
        """Connexion security handlers for the spec's ``apikey`` and ``bearer`` schemes."""
        return {
            "apiKey": api_key_scheme(
                self._verify_api_key, missing=lambda: Forbidden("Invalid apikey.")
            ),
            "bearer": http_token_scheme("bearer", self._verify_access),
        }

    def _verify_api_key(self, key: str) -> dict[str, Any]:
        if self.store.get("crm_apikeys", key.strip()) is None:
            raise Forbidden("Invalid apikey.")
        return {"sub": "application"}

    def _verify_access(self, token: str) -> dict[str, Any]:
        claims = decode_jwt(token, secret=self.config.jwt_secret)
        user = self.store.get("crm_users", str(claims.get("sub"))) if claims else None
        if not claims or claims.get("token_type") != "access" or not user or not user["active"]:
            raise Unauthorized("Given token not valid for any token type", code="token_not_valid")
        return {"sub": user["username"]}

    # -- authentication ------------------------------------------------------------------

    def login(self, body: dict[str, Any]) -> tuple[Any, int]:
        """POST /user/login/: a refresh and an access token for username and password."""
        user = self.store.get("crm_users", body["username"])
        if user is None or not same_secret(user["password"], body["password"]):
            raise Unauthorized("Authentication failed", code="authentication_failed")
        if not user["active"]:
            raise Unauthorized(
                "No active account found with the given credentials", code="inactive_account"
            )
        return self.tokens(user["username"]), 200

    def tokens(self, username: str) -> dict[str, str]:
        """A fresh refresh/access pair for ``username``, as the login answers it."""
        secret, ttl = self.config.jwt_secret, self.config.jwt_ttl_seconds
        return {
            kind: issue_jwt({"token_type": kind, "sub": username}, secret=secret, ttl_seconds=ttl)
            for kind in ("refresh", "access")
        }

    # -- leads ---------------------------------------------------------------------------

    def lead_overview(self, token_info: dict, appointment: str = "upcoming") -> tuple[Any, int]:
        """GET /leads/overview/: the caller's leads by status and source, and appointments."""
        me = _caller(token_info)
        leads, total = self.store.query(
            "crm_leads", where=[Where("owner", "eq", me), LEAD_DELETION.listed]
        )
        by_status = {status: 0 for status in LEAD_STATUSES}
        by_source = {source: 0 for source in LEAD_SOURCES}
        for lead in leads:
            by_status[lead["status"]] += 1
            by_source[lead["source"]] += 1
        start, end = _overview_window(appointment, _now())
        appointments = [
            {
                "appointment_note": item["appointment_note"],
                "appointment_status": item["appointment_status"],
                "appointment_date": item["fromdate"],
                "appointment_to": item["todate"],
            }
            for item in self._appointments_of(me, order=1)
            if start.strftime(APPOINTMENT_TIME) <= item["fromdate"] < end.strftime(APPOINTMENT_TIME)
        ]
        data = {
            "LeadsData": {
                "status": [
                    {
                        "status": status,
                        "count": count,
                        "Description": STATUS_LOOK[status][0],
                        "Color": STATUS_LOOK[status][1],
                    }
                    for status, count in by_status.items()
                ],
                "source": [{"source": s, "count": count} for s, count in by_source.items()],
            },
            "TotalLeads": total,
            "appointments": appointments,
        }
        return _envelope(data), 200

    def list_leads(
        self,
        token_info: dict,
        offset: int = 0,
        limit: int = DEFAULT_LIMIT,
        list_type: str | None = None,
        campaign_slug: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        status: str | None = None,
        owner: str | None = None,
    ) -> tuple[Any, int]:
        """GET /leads/list/: owned leads (or assigned ones), filtered, newest first."""
        me = _caller(token_info)
        where = [
            Where("assignee" if list_type == "assigned" else "owner", "eq", me),
            LEAD_DELETION.listed,
        ]
        given = {"first_name": first_name, "last_name": last_name, "email": email,
                 "phone": phone, "status": status, "owner": owner,
                 "campaign_slug": campaign_slug}  # fmt: skip
        where += filter_conditions(LEAD_FILTERS, given)
        window = Window(offset, min(limit, MAX_LIMIT))
        leads, total = self.store.query(
            "crm_leads",
            where=where,
            order=[("added_on", -1), ("id", -1)],
            offset=window.offset,
            limit=window.limit,
        )
        return _envelope(_page([_lead_summary(lead) for lead in leads], window, total)), 200

    def view_lead(self, token_info: dict, slug: str) -> tuple[Any, int]:
        """GET /leads/view/lead/: the lead with its notes, recent activities and conversion."""
        me = _caller(token_info)
        lead = self.store.get("crm_leads", slug)
        if (
            lead is None
            or LEAD_DELETION.is_deleted(lead)
            or me not in (lead["owner"], lead["assignee"])
        ):
            raise field_error("slug", SLUG_INVALID)
        notes, _ = self.store.query(
            "crm_notes", where=[Where("lead", "eq", slug)], order=[("id", -1)]
        )
        activities, _ = self.store.query(
            "crm_activities",
            where=[Where("lead", "eq", slug)],
            order=[("id", -1)],
            limit=RECENT_ACTIVITIES,
        )
        data = {
            **_lead_summary(lead),
            "message": lead["message"],
            "recent_activities": [
                {k: a[k] for k in ("id", "activity_type", "created", "activity")}
                for a in activities
            ],
            "notes": [
                {"id": n["id"], "note": n["note"], "note_created": n["created"], "user": n["user"]}
                for n in notes
            ],
            "conversion": CONVERSION[lead["status"]],
        }
        del data["owner"]
        return _envelope(data), 200

    def create_lead(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/create/lead/: a lead the caller owns, assigned to ``assignee``."""
        me = _caller(token_info)
        self._check_assignee(body["assignee"])
        lead = {
            "id": self.store.next_sequence("crm.lead"),
            "status": "prospect",
            "source": "direct",
            **{name: body[name] for name in LEAD_FIELDS if name in body},
            "owner": me,
            "campaign_slug": None,
            "added_on": timestamp(_now()),
            LEAD_DELETION.field: LEAD_DELETION.live,
        }
        self._insert_lead(lead, "Lead created")
        return _envelope({}), 200

    def update_lead(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/update/lead/: every field of a lead the caller owns."""
        me = _caller(token_info)
        self._check_assignee(body["assignee"])
        lead = self.store.get("crm_leads", body["slug"])
        if lead is None or LEAD_DELETION.is_deleted(lead):
            raise _failed(LEAD_DOES_NOT_EXIST)
        if lead["owner"] != me:
            raise _failed(NOT_OWNER)
        changes = {name: body[name] for name in LEAD_FIELDS if name in body}
        moved = changes.get("status", lead["status"]) != lead["status"]
        note = f": status {lead['status']} to {changes['status']}" if moved else ""
        self._changed(
            Write("update", "crm_leads", lead["slug"], changes),
            self._activity(lead["slug"], "lead", f"Lead updated{note}"),
        )
        return _envelope({}), 200

    def delete_lead(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/delete/lead/: the deleted status, once."""
        me = _caller(token_info)
        lead = self.store.get("crm_leads", body["slug"])
        if lead is None:
            raise field_error("slug", LEAD_NOT_FOUND)
        if lead["owner"] != me:
            raise _failed("You can't delete this lead.")
        if LEAD_DELETION.is_deleted(lead):
            raise field_error("slug", LEAD_DELETED)
        self._changed(
            Write("update", "crm_leads", lead["slug"], LEAD_DELETION.marking()),
            self._activity(lead["slug"], "lead", "Lead deleted"),
        )
        return _envelope({}), 200

    # -- notes ---------------------------------------------------------------------------

    def create_lead_note(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/create/leadnote/: a note by the caller on a lead it owns or is assigned."""
        me = _caller(token_info)
        lead = self.store.get("crm_leads", body["slug"])
        if lead is None:
            raise field_error("slug", LEAD_NOT_FOUND)
        if me not in (lead["owner"], lead["assignee"]):
            raise _failed("You can't add note on this lead.")
        if LEAD_DELETION.is_deleted(lead):
            raise field_error("slug", LEAD_DELETED)
        note_id = fresh_id(self.store, "crm.note", "crm_notes")
        note = {
            "id": note_id,
            "lead": lead["slug"],
            "note": body["note"],
            "created": timestamp(_now()),
            "user": me,
        }
        self._changed(
            Write("put", "crm_notes", str(note_id), note),
            self._activity(lead["slug"], "note", "Note added"),
        )
        return _envelope({}), 200

    def delete_lead_note(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/delete/leadnote/: a note the caller wrote."""
        me = _caller(token_info)
        note = self.store.get("crm_notes", _record_id(body["note_id"]))
        if note is None:
            raise field_error("note_id", NOTE_NOT_FOUND)
        if note["user"] != me:
            raise _failed("You can't delete this note.")
        self._changed(
            Write("delete", "crm_notes", str(note["id"])),
            self._activity(note["lead"], "note", "Note deleted"),
        )
        return _envelope({}), 200

    # -- appointments --------------------------------------------------------------------

    def list_appointments(
        self,
        token_info: dict,
        offset: int = 0,
        limit: int = DEFAULT_LIMIT,
        datesetting: str | None = None,
        ondate: str | None = None,
        status: str | None = None,
        lead: str | None = None,
    ) -> tuple[Any, int]:
        """GET /leads/appointments/list/: the caller's appointments, latest first."""
        me = _caller(token_info)
        day = _on_date(datesetting, ondate)
        found = []
        for item in self._appointments_of(me, order=-1):
            start = _parse_time(item["fromdate"])
            assert start is not None
            if status is not None and item["appointment_status"] != status:
                continue
            if day is not None and not _on_day(start.date(), datesetting, day):
                continue
            target = self.store.get("crm_leads", item["lead"])
            if target is None:
                continue
            if lead and lead.casefold() not in target["first_name"].casefold():
                continue
            found.append(_appointment(item, target))
        window = Window(offset, min(limit, MAX_LIMIT))
        chosen = found[window.offset : window.offset + window.limit]
        return _envelope(_page(chosen, window, len(found))), 200

    def create_appointment(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/create/appointment/: on a lead the caller owns or is assigned."""
        me = _caller(token_info)
        self._appointable_lead(body["slug"], me)
        start, end = _times(body["appointment_date"], body["appointment_to"])
        self._check_schedule(me, start, end, status=body.get("appointment_status", "pending"))
        appointment_id = fresh_id(self.store, "crm.appointment", "crm_appointments")
        appointment = {
            "id": appointment_id,
            "lead": body["slug"],
            "created_by": me,
            "fromdate": start.strftime(APPOINTMENT_TIME),
            "todate": end.strftime(APPOINTMENT_TIME),
            "appointment_note": body.get("appointment_note", DEFAULT_NOTE),
            "appointment_status": body.get("appointment_status", "pending"),
        }
        self._changed(
            Write("put", "crm_appointments", str(appointment_id), appointment),
            self._activity(
                body["slug"], "appointment", f"Appointment set for {appointment['fromdate']}"
            ),
        )
        return _envelope({}), 200

    def update_appointment(
        self,
        token_info: dict,
        body: dict[str, Any] | None = None,
        appointment_id: str | None = None,
        slug: str | None = None,
        appointment_date: str | None = None,
        appointment_to: str | None = None,
        appointment_note: str | None = None,
        appointment_status: str | None = None,
    ) -> tuple[Any, int]:
        """POST /leads/update/appointment/: fields from the query string or the body."""
        me = _caller(token_info)
        query = {
            "appointment_id": appointment_id,
            "slug": slug,
            "appointment_date": appointment_date,
            "appointment_to": appointment_to,
            "appointment_note": appointment_note,
            "appointment_status": appointment_status,
        }
        fields = {name: value for name, value in query.items() if value is not None}
        fields.update({k: v for k, v in (body or {}).items() if k in _APPOINTMENT_FIELDS})
        if not fields:
            raise _failed(BODY_DATA_NOT_FOUND)
        if "appointment_id" not in fields:
            raise field_error("appointment_id", REQUIRED)
        current = self.store.get("crm_appointments", _record_id(fields["appointment_id"]))
        if current is None:
            raise field_error("appointment_id", APPOINTMENT_NOT_FOUND)
        if current["created_by"] != me:
            raise _failed("You can't update this appointment.")
        if "slug" in fields:
            self._appointable_lead(fields["slug"], me)
        start, end = _times(
            fields.get("appointment_date", current["fromdate"]),
            fields.get("appointment_to", current["todate"]),
        )
        status = fields.get("appointment_status", current["appointment_status"])
        self._check_schedule(
            me,
            start,
            end,
            status=status,
            skip=current["id"],
            future="appointment_date" in fields,
        )
        changes = {
            "lead": fields.get("slug", current["lead"]),
            "fromdate": start.strftime(APPOINTMENT_TIME),
            "todate": end.strftime(APPOINTMENT_TIME),
            "appointment_note": fields.get("appointment_note", current["appointment_note"]),
            "appointment_status": status,
        }
        self._changed(
            Write("update", "crm_appointments", str(current["id"]), changes),
            self._activity(changes["lead"], "appointment", f"Appointment updated: {status}"),
        )
        return _envelope({}), 200

    def delete_appointment(self, body: dict[str, Any], token_info: dict) -> tuple[Any, int]:
        """POST /leads/delete/appointment/: one the caller made."""
        me = _caller(token_info)
        current = self.store.get("crm_appointments", _record_id(body["appointment_id"]))
        if current is None:
            raise field_error("appointment_id", APPOINTMENT_NOT_FOUND)
        if current["created_by"] != me:
            raise _failed("You can't delete this appointment.")
        self._changed(
            Write("delete", "crm_appointments", str(current["id"])),
            self._activity(current["lead"], "appointment", "Appointment deleted"),
        )
        return _envelope({}), 200

    # The sample code's paths (and Create Lead's doubled version) serve the same operations.
    list_appointments_sample_path = list_appointments
    view_lead_sample_path = view_lead
    create_appointment_sample_path = create_appointment
    update_appointment_sample_path = update_appointment
    delete_appointment_sample_path = delete_appointment
    create_lead_sample_path = create_lead
    create_lead_heading_path = create_lead
    create_lead_versioned_sample_path = create_lead
    update_lead_sample_path = update_lead
    delete_lead_sample_path = delete_lead
    create_lead_note_sample_path = create_lead_note
    delete_lead_note_sample_path = delete_lead_note

    # -- helpers -------------------------------------------------------------------------

    def _check_assignee(self, username: str) -> None:
        if self.store.get("crm_users", username) is None:
            raise field_error("assignee", ASSIGNEE_NOT_FOUND)

    def _insert_lead(self, lead: Doc, activity: str, moment: datetime | None = None) -> str:
        """Store a new lead under a free slug made of its names (``janeroe``, else
        ``janeroe12``, else ``janeroe12-13``...), with its ``activity`` entry; the slug."""
        stem = re.sub(r"[^a-z0-9]", "", f"{lead['first_name']}{lead['last_name']}".lower())
        stem = stem[:200] or "lead"
        candidates = [stem, f"{stem}{lead['id']}"]
        number = lead["id"]
        entry = self._activity("", "lead", activity, moment)
        while True:
            slug = candidates.pop(0) if candidates else f"{stem}{lead['id']}-{number}"
            logged = replace(entry, doc={**(entry.doc or {}), "lead": slug})
            if self.store.write(
                [Write("insert", "crm_leads", slug, {**lead, "slug": slug}), logged]
            ):
                return slug
            number += 1

    def _changed(self, *writes: Write) -> None:
        """A change and its activity entry, together (``Store.write``)."""
        self.store.write(writes)

    def _appointable_lead(self, slug: str, me: str) -> Doc:
        lead = self.store.get("crm_leads", slug)
        if lead is None or LEAD_DELETION.is_deleted(lead):
            raise field_error("slug", SLUG_INVALID)
        if me not in (lead["owner"], lead["assignee"]):
            raise field_error("slug", NO_APPOINTMENT_ON_LEAD)
        return lead

    def _appointments_of(self, username: str, *, order: int) -> list[Doc]:
        found, _ = self.store.query(
            "crm_appointments",
            where=[Where("created_by", "eq", username)],
            order=[("fromdate", order), ("id", order)],
        )
        return found

    def _check_schedule(
        self,
        me: str,
        start: datetime,
        end: datetime,
        *,
        status: str,
        skip: int | None = None,
        future: bool = True,
    ) -> None:
        """The docs' three "Request Failed" rules on times, in the order the table gives them."""
        if end < start:
            raise _failed(END_BEFORE_START)
        if future and start < _now():
            raise _failed(NOT_IN_FUTURE)
        if status == "cancelled":
            return
        for other in self._appointments_of(me, order=1):
            if other["id"] == skip or other["appointment_status"] == "cancelled":
                continue
            if _overlaps(start, end, other):
                raise _failed(SCHEDULE_EXISTS)

    def _activity(self, slug: str, kind: str, text: str, moment: datetime | None = None) -> Write:
        """An entry of the lead's recent activities, made now unless ``moment`` says when, to
        write with the change it tells of."""
        activity_id = self.store.next_sequence("crm.activity")
        activity = {
            "id": activity_id,
            "lead": slug,
            "activity_type": kind,
            "created": timestamp(moment or _now()),
            "activity": text,
        }
        return Write("put", "crm_activities", str(activity_id), activity)

    def _record(self, slug: str, kind: str, text: str, moment: datetime | None = None) -> None:
        """An activity entry alone (the seed's)."""
        self.store.write([self._activity(slug, kind, text, moment)])


def _record_id(value: Any) -> str:
    """A note's or appointment's store key from the integer the request names; an integer
    longer than any id (past Python's int parsing limit too) names nothing."""
    text = str(value).strip()
    digits = text.lstrip("+-")
    return str(int(text)) if digits.isdigit() and len(digits) <= 20 else f"none:{text[:40]}"


def _caller(token_info: dict[str, Any]) -> str:
    """The username behind the bearer token (Connexion keys AND-ed schemes' results by name)."""
    return token_info["bearerAuth"]["sub"]


def _envelope(data: Any) -> dict[str, Any]:
    return {"status_code": 200, "errors": {}, "data": data}


def _lead_summary(lead: Doc) -> dict[str, Any]:
    return {
        "id": lead["id"],
        "slug": lead["slug"],
        "first_name": lead["first_name"],
        "last_name": lead["last_name"],
        "name": f"{lead['first_name']} {lead['last_name']}",
        "phone": lead["phone"],
        "email": lead["email"],
        "added_on": lead["added_on"],
        "status": lead["status"],
        "source": lead["source"],
        "owner": lead["owner"],
    }


def _appointment(item: Doc, lead: Doc) -> dict[str, Any]:
    return {
        "id": item["id"],
        "lead_id": lead["id"],
        "lead": f"{lead['first_name']} {lead['last_name']}",
        "leadslug": lead["slug"],
        "leadstatus": lead["status"],
        "fromdate": item["fromdate"],
        "appointment_note": item["appointment_note"],
        "appointment_status": item["appointment_status"],
        "todate": item["todate"],
    }


def _page(results: list[dict[str, Any]], window: Window, total: int) -> dict[str, Any]:
    """DRF's limit/offset page: the count, and the neighbours' URLs with the same filters."""
    previous, following = window_links(request_url(), window, total)
    return PAGE.answer(results, total=total, links={"prev": previous, "next": following})


def _times(start_text: str, end_text: str) -> tuple[datetime, datetime]:
    """Both appointment times, or one 400 naming every field whose date does not exist."""
    start, end = _parse_time(start_text), _parse_time(end_text)
    bad = {"appointment_date": start, "appointment_to": end}
    fields = {name: [INVALID_DATE] for name, moment in bad.items() if moment is None}
    if fields:
        raise fields_error(fields)
    assert start is not None and end is not None
    return start, end


def _on_date(datesetting: str | None, ondate: str | None) -> date | None:
    if datesetting is None:
        return None
    if ondate is None:
        raise field_error("ondate", REQUIRED)
    try:
        return datetime.strptime(ondate, "%m/%d/%Y").date()
    except ValueError:
        raise field_error("ondate", INVALID_DATE) from None


def _on_day(day: date, datesetting: str | None, ondate: date) -> bool:
    if datesetting == "before":
        return day < ondate
    if datesetting == "after":
        return day > ondate
    return day == ondate


def _overview_window(name: str, now: datetime) -> tuple[datetime, datetime]:
    """The overview's appointment window: from now on, today, this week or this month."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if name == "today":
        return midnight, midnight + timedelta(days=1)
    if name == "week":
        monday = midnight - timedelta(days=midnight.weekday())
        return monday, monday + timedelta(days=7)
    if name == "month":
        first = midnight.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following
    return now, datetime(9999, 12, 31, tzinfo=UTC)
