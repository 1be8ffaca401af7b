"""Seed data: deterministic by seed, and rich enough to exercise every behaviour."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from typing import Any

import pytest

from mockserver import Config, create_app
from mockserver.seeding import SeededRandom
from mockserver.vendors.tiledesk.model import DOCS_LEADS, DOCS_PROJECT_ID


def dumped(seed: int) -> bytes:
    # A random JWT secret each time: nothing signed may leak into the seed data.
    mock = create_app(Config(seed=seed))
    return json.dumps(mock.store.dump(), sort_keys=True).encode()


def test_same_seed_gives_identical_bytes_and_ids() -> None:
    assert dumped(7) == dumped(7)


def test_another_seed_gives_other_data() -> None:
    assert dumped(7) != dumped(8)


def test_cli_seed_prints_the_same_bytes_twice() -> None:
    command = [sys.executable, "-m", "mockserver", "seed", "--seed", "3", "--leads", "10"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    second = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == second
    assert DOCS_PROJECT_ID.encode() in first


def test_seed_has_two_projects_every_role_and_an_outsider() -> None:
    facts = create_app(Config(seed=5)).facts["tiledesk"]
    projects = [project["id"] for project in facts["projects"]]
    assert len(projects) == 2 and projects[0] == DOCS_PROJECT_ID
    for project_id in projects:
        roles = {u["role"] for u in facts["users"] if u["project_id"] == project_id}
        assert {"owner", "admin", "agent", "teammate"} <= roles
    members = {u["email"] for u in facts["users"]}
    assert facts["outsider"]["email"] not in members


def test_seed_leads_are_realistic_and_spread_in_time() -> None:
    mock = create_app(Config(seed=5, leads=50))
    leads, total = mock.store.query("leads", scope=DOCS_PROJECT_ID)
    assert total == 50
    assert {lead["_id"] for lead in leads} >= {lead["_id"] for lead in DOCS_LEADS}
    generated = [lead for lead in leads if lead["createdBy"] != "system" or "phone" in lead]
    for field in ("fullname", "phone", "company", "streetAddress", "city", "country", "tags"):
        assert all(field in lead for lead in generated if "phone" in lead), field
    assert len({lead["createdAt"][:7] for lead in leads}) > 10
    assert any(lead["status"] == 1000 for lead in leads)
    assert all(lead["updatedAt"] >= lead["createdAt"] for lead in leads)
    assert all(isinstance(lead["attributes"], dict) for lead in leads)


def draws(rng: random.Random) -> list[object]:
    """Every kind of draw the seed makes, at sizes around each power of two, interleaved."""
    made: list[object] = []
    for size in range(1, 70):
        population = tuple(range(size))
        made.append(rng.choice(population))
        made.append(rng.choice(list(population)))
        made.append(rng.randint(-3, size))
        made.append(rng.randint(size, size))
        made.append(rng.sample(population, min(size, 3)))
        made.append(rng.sample(population, size // 2))
        made.append(rng.sample(list(population), size // 3))
        made.append(rng.random())
    return made


def test_seeded_random_draws_as_the_standard_library_does() -> None:
    for seed in (0, 1, 7, 2**40):
        assert draws(SeededRandom(seed)) == draws(random.Random(seed))


def test_seeded_random_refuses_as_the_standard_library_does() -> None:
    for name, args in (("choice", ([],)), ("randint", (5, 1)), ("sample", ((1, 2), 3))):
        with pytest.raises(Exception) as standard:
            getattr(random.Random(1), name)(*args)
        with pytest.raises(type(standard.value), match=re.escape(str(standard.value))):
            getattr(SeededRandom(1), name)(*args)


def faker_calls(vendor: str, leads: int) -> int:
    """Python calls made inside Faker's providers while ``vendor`` seeds ``leads`` leads."""
    import os

    from mockserver.store import MemoryStore
    from mockserver.vendors import VENDORS

    seeding = next(v for v in VENDORS if v.name == vendor).seed
    marker = f"{os.sep}faker{os.sep}providers{os.sep}"
    calls = [0]

    def count(frame: Any, event: str, _: Any) -> None:
        if event == "call" and marker in frame.f_code.co_filename:
            calls[0] += 1

    store = MemoryStore()
    sys.setprofile(count)
    try:
        seeding(store, Config(seed=1, leads=leads, vendors=(vendor,)))
    finally:
        sys.setprofile(None)
    return calls[0]


@pytest.mark.parametrize("vendor", ["tiledesk", "overloop", "leads-crm"])
def test_seeding_asks_faker_for_a_pool_not_for_every_lead(vendor: str) -> None:
    # Faker's providers cost tens of microseconds a value: Overloop seeded six times slower than
    # Tiledesk while it called them for every field of every lead. Past the pool's size (512
    # values a kind), twice the leads costs Faker nothing more.
    few, many = faker_calls(vendor, 600), faker_calls(vendor, 1200)
    assert many - few < 600, (few, many)
