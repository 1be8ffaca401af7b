"""Overloop's words: the media type, the base path, the lead's filterable, sortable and
writable attributes, its relationships, and the documents' example lead."""

from __future__ import annotations

from datetime import datetime

from mockserver.vendorrecord import Mount

MEDIA_TYPE = "application/vnd.api+json"
BASE_PATH = "/public/v1"
MOUNT = Mount(name="overloop", spec="overloop.yaml", base_path=BASE_PATH)
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
