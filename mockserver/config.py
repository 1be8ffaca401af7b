"""Settings of one mock instance, shared by the app factory, the vendors and the CLI."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal

from mockserver.limits import Limits


@dataclass(frozen=True)
class Config:
    """How a mock instance is built: its seed data, its web framework and its secrets."""

    seed: int = 1
    """Faker seed: the same seed gives byte-identical seed data and the same ids."""
    leads: int = 100
    """Leads seeded per project (or per account, as the vendor calls it)."""
    framework: Literal["async", "flask"] = "async"
    """Connexion AsyncApp (the faster) or FlaskApp (for teams embedding it in Flask)."""
    validate_responses: bool = False
    """Check every answer against the spec; the test suite turns this on."""
    jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    """HS256 key for issued tokens; random per process unless given."""
    jwt_ttl_seconds: int = 30 * 24 * 3600
    rate_limit: str | None = None
    """Per-credential limit such as ``200/min``; None (the default) serves without limit."""
    admin_token: str | None = None
    """With a token, ``/__admin`` answers anyone who sends it; without, loopback callers only."""
    vendors: tuple[str, ...] = ()
    """The vendors to serve and seed, by name; empty serves them all."""
    base_paths: dict[str, str] = field(default_factory=dict, hash=False)
    """Where an API is served instead of its default, by API name: ``{"leads-crm": "/crm/v2"}``."""
    limits: Limits = field(default_factory=Limits)
    """Bounds on every request (body size, JSON depth, headers, timeouts)."""
    fast_path: bool = True
    """Answer the requests the specs' compiled operations can (AsyncApp only); off sends every
    request through Connexion's own stack."""
