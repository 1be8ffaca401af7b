"""Ids as APIs make them, the same for the same ``--seed``: MongoDB ObjectIds and version-4
UUIDs drawn from a text that names the seed and the record's place in its sequence. (Sequential
integers are the store's ``fresh_id``: a number no record holds yet.) The engine makes its new
records' ids here; a vendor's profile makes its own the same way (Tiledesk's leads)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime


def seeded_uuid(seed_text: str) -> uuid.UUID:
    """A version-4 UUID that follows from ``seed_text`` alone."""
    digest = hashlib.blake2b(seed_text.encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


def object_id(seed_text: str, moment: datetime | None = None) -> str:
    """24 hex digits, as MongoDB makes an ObjectId: the creation second, then bytes that
    follow from ``seed_text`` (as a real server's carry the time, so a client may read it
    back); with no ``moment``, every digit from ``seed_text``."""
    if moment is None:
        return seeded_uuid(seed_text).hex[:24]
    tail = hashlib.blake2b(seed_text.encode(), digest_size=8).hexdigest()
    return f"{int(moment.timestamp()):08x}{tail}"
