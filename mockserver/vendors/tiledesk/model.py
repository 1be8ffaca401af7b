"""What every Tiledesk module shares: roles, statuses, time stamps and the documents' own ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mockserver.engine.conventions import EnvelopeField, ListEnvelope, QueryFilter, SoftDelete
from mockserver.vendorrecord import Mount

MOUNTS = (
    Mount(name="tiledesk-v1", spec="tiledesk-v1.yaml", base_path="/v1"),
    Mount(name="tiledesk-v2", spec="tiledesk-v2.yaml", base_path="/v2"),
    Mount(name="tiledesk-v3", spec="tiledesk-v3.yaml", base_path="/v3"),
)
"""The three versions: three documents over the same handlers and the same data."""
ROLES = ("guest", "user", "teammate", "agent", "supervisor", "admin", "owner")
MIN_ROLE = "agent"
STATUS_NORMAL = 100
STATUS_DELETED = 1000
LEAD_DELETION = SoftDelete("status", deleted=STATUS_DELETED, live=STATUS_NORMAL, still_found=True)
"""A lead's delete gives it the deleted status: lists leave it out unless asked for that
status; a read by id still finds it (observed on tiledesk-server)."""
PAGE_SIZE = 40
LEAD_FILTERS = (
    QueryFilter("email", "email"),
    QueryFilter("full_text", ("fullname", "email"), "words"),
    QueryFilter("with_email", "email", "exists"),
    QueryFilter("with_fullname", "fullname", "exists"),
    QueryFilter("tags", "tags", "has"),
)
"""The lead list's filters besides ``status`` (observed on tiledesk-server)."""


def list_envelope(collection: str) -> ListEnvelope:
    """Tiledesk's list answer: ``{perPage, count, <collection>}``."""
    fields = (EnvelopeField("perPage", "size"), EnvelopeField("count", "total"),
              EnvelopeField(collection, "items"))  # fmt: skip
    return ListEnvelope(fields)


OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")

# The ids and the user of the documents' examples, so their curl commands work as pasted.
DOCS_PROJECT_ID = "5b55e806c93dde00143163dd"
DOCS_USER_EMAIL = "andrea.leo@f21.it"
DOCS_USER_PASSWORD = "123456"
# The request example's participant, and the project user that created the example's agent:
# the project's owner.
DOCS_OWNER_ID = "5aaa99024c3b110014b478f0"
DOCS_REQUEST_ID = "support-group-L_OG76RYhR0XFiMf2PK"
DOCS_LEADS = (
    {
        "_id": "5c81593adf767b0017d1aa66",
        "lead_id": "SRbb2PfbSFcgICv9VQBcURZeloh1",
        "fullname": "Guest",
        "at": "2019-03-07T17:47:38.393Z",
    },
    {
        "_id": "5c81565edf767b0017d1aa35",
        "lead_id": "WTteQpKpGZN1aElfFYCP9YPaaLN2",
        "fullname": "Guest",
        "at": "2019-03-07T17:35:26.132Z",
    },
)
SEED_EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SEED_END = datetime(2024, 12, 31, tzinfo=UTC)
TAGS = ("vip", "newsletter", "trial", "enterprise", "support", "billing", "partner", "churn-risk")


def timestamp(moment: datetime) -> str:
    """A UTC time as JavaScript's ``toISOString()`` writes it: ``2019-03-07T17:47:38.393Z``."""
    # isoformat, not strftime: the same text (a four-digit year, the milliseconds cut, not
    # rounded) at a third of the cost, and seeding a million leads writes millions of them.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    """The inverse of ``timestamp``."""
    return datetime.fromisoformat(text)
