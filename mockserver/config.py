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
    """What to serve, by vendor name (all its APIs) or API name; empty serves them all (or,
    when ``specs`` are given, none of the built-in ones)."""
    specs: tuple[str, ...] = ()
    """OpenAPI documents (paths) served by the engine, each as an API named by its file."""
    overrides: dict[str, str] = field(default_factory=dict, hash=False)
    """Corrections to a document's model (``inspect --overrides``'s file), by API name."""
    base_paths: dict[str, str] = field(default_factory=dict, hash=False)
    """Where an API is served instead of its default, by API name: ``{"leads-crm": "/crm/v2"}``."""
    limits: Limits = field(default_factory=Limits)
    """Bounds on every request (body size, JSON depth, headers, timeouts)."""
    cors: bool = True
    """Answer CORS preflights and let any origin's browser read the answers (``--no-cors``)."""
    delay: float | tuple[float, float] = 0.0
    """Seconds added to every vendor answer, fixed or a ``(low, high)`` range (``--delay``)."""
    error_rate: float = 0.0
    """The share of vendor requests answered with ``error_status`` (``--error-rate``)."""
    error_status: int = 500
    store: str | None = None
    """Where the state lives: None in this process, or a Redis URL
    (``redis://127.0.0.1:6379/0?prefix=team-a``) shared by every worker and host given it."""
    fast_path: bool = True
    """Answer the requests the specs' compiled operations can (AsyncApp only); off sends every
    request through Connexion's own stack."""

    def __post_init__(self) -> None:
        # One check for every way a seed or a size is given (CLI, fixture, admin plane).
        if not _whole(self.seed) or not 0 <= self.seed < 2**32:
            raise ConfigError("seed", f"seed is a whole number 0 to 2^32-1, not {self.seed!r}")
        if not _whole(self.leads) or not MIN_LEADS <= self.leads <= MAX_LEADS:
            raise ConfigError(
                "leads",
                f"leads is a whole number {MIN_LEADS} to {MAX_LEADS:,} (the documents' two "
                f"example leads are always seeded), not {self.leads!r}",
            )
        if self.framework not in ("async", "flask"):
            raise ConfigError("framework", f"framework is async or flask, not {self.framework!r}")


MIN_LEADS = 2
MAX_LEADS = 10_000_000


class ConfigError(ValueError):
    """An option with a value the mock cannot take: ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
