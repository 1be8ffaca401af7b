"""Leads & CRM's seed: the API key, API users, leads with notes and appointments, the documents'
example lead, and the lines the banner prints of it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from faker import Faker

from mockserver.config import Config
from mockserver.seeding import POOL_SIZE, Pool
from mockserver.store import Store
from mockserver.vendorrecord import mounted
from mockserver.vendors.leads_crm.handlers import CrmHandlers
from mockserver.vendors.leads_crm.model import (
    APPOINTMENT_STATUSES,
    APPOINTMENT_TIME,
    DEFAULT_NOTE,
    LEAD_SOURCES,
    LEAD_STATUSES,
    MOUNT,
    timestamp,
)

_SEED_EPOCH = datetime(2022, 1, 1, tzinfo=UTC)
_SEED_END = datetime(2024, 12, 31, tzinfo=UTC)


# Seeded appointments start on the hour, 09:00 to 16:00, and last 30 minutes, from 2024 to 2031:
# some are upcoming, and a test that books at hh:40 never meets one.
_APPOINTMENTS_FROM = date(2024, 1, 1)
_APPOINTMENT_DAYS = 8 * 365
_CAMPAIGNS = ("spring-sale", "webinar-2024", "partner-referral")
_NOT_SLUG = re.compile(r"[^a-z0-9]")


# The documents' sample slug (Delete Lead's PHP code), kept so it answers as shown.
DOCS_LEAD_SLUG = "binuser1"


def seed(store: Store, config: Config) -> dict[str, Any]:
    """An API key, two active API users and an inactive one, ``config.leads`` leads (every
    status and source; 1 in 20 deleted), their notes, appointments and activities."""
    fake = Faker("en_US")
    fake.seed_instance(config.seed + 2)
    api_key = fake.sha1()
    store.put("crm_apikeys", api_key, {"name": "leadmock"})
    users = []
    for number, active in ((1, True), (2, True), (3, False)):
        user = {
            "username": f"apiuser{number}",
            "password": fake.password(length=12, special_chars=False),
            "first_name": fake.first_name(),
            "last_name": fake.last_name(),
            "active": active,
        }
        store.put("crm_users", user["username"], user)
        users.append(user)
    handlers = CrmHandlers(store, config)
    taken: set[tuple[str, date, int]] = set()
    # Faker's values drawn once into a pool, then picked by its seeded generator: Faker's own
    # calls cost tens of microseconds each, and made this seeding twice as slow as Tiledesk's.
    pool = Pool(fake, size=min(POOL_SIZE, max(8, config.leads)))
    rnd = pool.random
    for position in range(config.leads):
        lead_id = store.next_sequence("crm.lead")
        owner, other = users[position % 2], users[(position + 1) % 2]
        added = pool.moment(_SEED_EPOCH, _SEED_END)
        if lead_id == 1:
            first, last, slug = "Bin", "User", DOCS_LEAD_SLUG
        else:
            first, last = pool.pick("first_name"), pool.pick("last_name")
            slug = _NOT_SLUG.sub("", f"{first}{last}".lower()) + str(lead_id)
        lead = {
            "id": lead_id,
            "slug": slug,
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}{lead_id}@example.com".lower(),
            "phone": f"9{rnd.randint(0, 999_999_999):09d}",
            "status": LEAD_STATUSES[position % len(LEAD_STATUSES)],
            "source": LEAD_SOURCES[position % len(LEAD_SOURCES)],
            "location": pool.pick("city"),
            "message": pool.pick("sentence", nb_words=8),
            "owner": owner["username"],
            "assignee": other["username"],
            "campaign_slug": rnd.choice((*_CAMPAIGNS, None, None)),
            "added_on": timestamp(added),
            "deleted": position % 20 == 10,
        }
        store.adopt("crm_leads", slug, lead)
        handlers._record(slug, "lead", "Lead created", added)
        for _ in range(rnd.randint(0, 2)):
            written = added + timedelta(minutes=rnd.randint(10, 60 * 24 * 60))
            note_id = store.next_sequence("crm.note")
            note = {
                "id": note_id,
                "lead": slug,
                "note": pool.pick("sentence", nb_words=10),
                "created": timestamp(written),
                "user": owner["username"],
            }
            store.adopt("crm_notes", str(note_id), note)
            handlers._record(slug, "note", "Note added", written)
        if pool.chance(60):
            day = _APPOINTMENTS_FROM + timedelta(days=rnd.randint(0, _APPOINTMENT_DAYS))
            hour = rnd.randint(9, 16)
            if (owner["username"], day, hour) in taken:
                continue
            taken.add((owner["username"], day, hour))
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            appointment_id = store.next_sequence("crm.appointment")
            appointment = {
                "id": appointment_id,
                "lead": slug,
                "created_by": owner["username"],
                "fromdate": start.strftime(APPOINTMENT_TIME),
                "todate": (start + timedelta(minutes=30)).strftime(APPOINTMENT_TIME),
                "appointment_note": rnd.choice((DEFAULT_NOTE, pool.pick("sentence", nb_words=5))),
                "appointment_status": rnd.choice(APPOINTMENT_STATUSES),
            }
            store.adopt("crm_appointments", str(appointment_id), appointment)
            handlers._record(slug, "appointment", "Appointment set", added)
    access = handlers.tokens(users[0]["username"])["access"]
    return {
        "base_path": mounted(MOUNT, config).base_path,
        "api_key": api_key,
        "users": [
            {"username": u["username"], "password": u["password"], "active": u["active"]}
            for u in users
        ],
        "leads": config.leads,
        "lead_slug": DOCS_LEAD_SLUG,
        "access_token": access,
    }


def describe(facts: dict[str, Any], base_url: str) -> list[str]:
    """The base URL, the API key, the API users and a login to paste."""
    url = f"{base_url}{facts['base_path']}"
    lines = [
        f"Leads & CRM   {url}   (Swagger UI: {url}/ui/)",
        f"  apikey {facts['api_key']}: {facts['leads']} leads, e.g. slug {facts['lead_slug']}",
    ]
    for user in facts["users"]:
        state = "" if user["active"] else "  (inactive)"
        lines.append(f"    API user {user['username']}:{user['password']}{state}")
    first = facts["users"][0]
    lines.append(
        f"  try: curl -H 'apikey: {facts['api_key']}' -d username={first['username']} "
        f"-d password={first['password']} {url}/user/login/"
    )
    return lines
