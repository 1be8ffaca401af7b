"""Seed data: deterministic by seed, and rich enough to exercise every behaviour."""

from __future__ import annotations

import json
import subprocess
import sys

from mockserver import Config, create_app
from mockserver.vendors.tiledesk_model import DOCS_LEADS, DOCS_PROJECT_ID


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
