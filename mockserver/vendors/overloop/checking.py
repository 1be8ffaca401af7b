"""What checking Overloop needs: its API key, for the mock's seed and for the real service.
Never loaded by ``leadmock serve``."""

from __future__ import annotations

from typing import Any

from mockserver.vendorrecord import Checking, CheckTarget, Credentials


def check_target(facts: dict[str, Any]) -> CheckTarget:
    """The seeded account's API key."""
    return CheckTarget(headers={"Authorization": facts["api_key"]})


def remote_target(base_url: str, credentials: Credentials) -> CheckTarget:
    """The API key given with ``--api-key``."""
    if not credentials.api_key:
        raise ValueError("Overloop needs --api-key")
    return CheckTarget(
        headers={"Authorization": credentials.api_key}, parameters=dict(credentials.parameters)
    )


CHECKING = Checking(
    check_target=check_target,
    remote_target=remote_target,
    valid_data_statuses={
        "422": (
            "Overloop answers 422 'has already been taken' when a schema-valid create or update "
            "uses an email another lead has (its error conventions)."
        ),
    },
)
