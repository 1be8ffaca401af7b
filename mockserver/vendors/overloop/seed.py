"""Overloop's seed: one account, its users, organizations, lists and leads (the documents'
example lead kept as lead 1), and the lines the banner prints of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from mockserver.config import Config
from mockserver.seeding import POOL_SIZE, Pool
from mockserver.store import Store
from mockserver.vendors.overloop.handlers import blank_lead
from mockserver.vendors.overloop.model import ACCOUNT, BASE_PATH, DOCS_LEAD, PAGE_SIZE, timestamp

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

    lead = blank_lead(lead_id)
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
