"""What checking Leads & CRM needs: its API key and an access token, signed in at its login for a
real service. Never loaded by ``leadmock serve``."""

from __future__ import annotations

from typing import Any

import httpx

from mockserver.vendorrecord import (
    Checking,
    CheckTarget,
    Credentials,
)


def check_target(facts: dict[str, Any]) -> CheckTarget:
    """The seeded API key and an access token of the first API user."""
    return CheckTarget(
        headers={"apikey": facts["api_key"], "Authorization": f"Bearer {facts['access_token']}"}
    )


def remote_target(base_url: str, credentials: Credentials) -> CheckTarget:
    """``--api-key`` with ``--token``, or with ``--user``/``--password`` exchanged at the login."""
    if not credentials.api_key:
        raise ValueError("Leads & CRM needs --api-key, and --token or --user and --password")
    if credentials.token:
        token = credentials.token
    elif credentials.user and credentials.password:
        answer = httpx.post(
            f"{base_url.rstrip('/')}/user/login/",
            headers={"apikey": credentials.api_key},
            json={"username": credentials.user, "password": credentials.password},
            timeout=30,
        )
        if answer.status_code != 200:
            raise ValueError(f"login at {base_url}/user/login/ answered {answer.status_code}")
        token = answer.json()["access"]
    else:
        raise ValueError("Leads & CRM needs --token, or --user and --password, with --api-key")
    return CheckTarget(
        headers={"apikey": credentials.api_key, "Authorization": f"Bearer {token}"},
        parameters=dict(credentials.parameters),
    )


CHECKING = Checking(
    check_target=check_target,
    remote_target=remote_target,
    valid_data_statuses={
        "400": (
            "Leads & CRM answers 400 to schema-valid bodies that name a slug, note, "
            "appointment or assignee that does not exist (its error tables' Validation Errors)."
        ),
    },
)
