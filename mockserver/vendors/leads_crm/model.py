"""Leads & CRM's words: the API, its base path, lead statuses and sources, appointment statuses,
and the messages of its error tables, verbatim (typos kept)."""

from __future__ import annotations

from datetime import UTC, datetime

from mockserver.engine.conventions import EnvelopeField, ListEnvelope, QueryFilter, SoftDelete
from mockserver.vendorrecord import Mount

API = "leads-crm"
BASE_PATH = "/api/v1"
MOUNT = Mount(name=API, spec="leads-crm.yaml", base_path=BASE_PATH)
LEAD_STATUSES = ("prospect", "tentative", "potential", "closed", "contact", "customer")
LEAD_SOURCES = (
    "direct",
    "website",
    "facebook",
    "twitter",
    "instagram",
    "search",
    "pinterest",
    "reddit",
    "other",
)
APPOINTMENT_STATUSES = ("pending", "rescheduled", "cancelled", "fullfilled", "confirmed")


# The overview's Description and Color per status; the docs give only their placeholders.
STATUS_LOOK = {
    "prospect": ("Prospect", "#3498db"),
    "tentative": ("Tentative", "#f1c40f"),
    "potential": ("Potential", "#e67e22"),
    "closed": ("Closed", "#7f8c8d"),
    "contact": ("Contact", "#9b59b6"),
    "customer": ("Customer", "#27ae60"),
}


# Lead details' "conversion": how far along the pipeline a status stands, in percent.
CONVERSION = {
    "prospect": 10,
    "contact": 25,
    "tentative": 40,
    "potential": 60,
    "customer": 100,
    "closed": 0,
}


# What a create or update may set on a lead.
LEAD_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "status",
    "source",
    "phone",
    "location",
    "message",
    "assignee",
)
RECENT_ACTIVITIES = 10
LEAD_FILTERS = (
    *(QueryFilter(name, name, "text") for name in ("first_name", "last_name", "email", "phone")),
    *(QueryFilter(name, name) for name in ("status", "owner", "campaign_slug")),
)
"""The lead list's filters: the names and contact fields in part, the rest whole."""
PAGE = ListEnvelope((
    EnvelopeField("results", "items"),
    EnvelopeField("count", "total"),
    EnvelopeField("previous", "prev", nullable=True),
    EnvelopeField("next", "next", nullable=True),
))  # fmt: skip
"""Django REST framework's limit/offset page."""
DEFAULT_NOTE = "Prospect appointment"
APPOINTMENT_TIME = "%Y-%m-%d %H:%M"
TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


# The documents' messages, verbatim.
BODY_DATA_NOT_FOUND = "Body data not found."
SCHEDULE_EXISTS = "Appointment schedule exists for this time."
END_BEFORE_START = "End Date Can't be prior to Start Date."
NOT_IN_FUTURE = "Please Specify a date in the future."
SLUG_INVALID = "Requested slug is invalid."
NO_APPOINTMENT_ON_LEAD = "You can't take appointment under this lead."
INVALID_DATE = "Invalid date format."
APPOINTMENT_NOT_FOUND = "Requested appointment not found."
LEAD_NOT_FOUND = "Requested lead not found."
LEAD_DELETED = "Requested lead already has a deleted status."
LEAD_DELETION = SoftDelete("deleted", deleted=True, live=False)
"""A lead's delete gives it the deleted status: lists and reads leave it out (docs)."""
LEAD_DOES_NOT_EXIST = "Requested lead does not esixt."
NOT_OWNER = "You are not owner of this lead."
NOTE_NOT_FOUND = "Requested note not found."
ASSIGNEE_NOT_FOUND = "Assignee not found."


def timestamp(moment: datetime) -> str:
    """``2024-03-01T09:30:00Z``."""
    return moment.astimezone(UTC).strftime(TIMESTAMP)
