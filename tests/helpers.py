"""Small helpers the HTTP tests share."""

from __future__ import annotations

import base64

from starlette.testclient import TestClient

from mockserver import Mock


def basic(user: str, password: str) -> str:
    """An ``Authorization`` value for Basic credentials."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def crm_bearer(client: TestClient, mock: Mock) -> dict[str, str]:
    """Headers of the first Leads & CRM API user, signed in through the login operation."""
    crm = mock.facts["leads-crm"]
    user = crm["users"][0]
    login = client.post(
        f"{crm['base_path']}/user/login/",
        headers={"apikey": crm["api_key"]},
        data={"username": user["username"], "password": user["password"]},
    )
    assert login.status_code == 200, login.text
    return {"apikey": crm["api_key"], "Authorization": f"Bearer {login.json()['access']}"}
