"""The vendor record: what serving an API needs from its vendor (``Vendor``), and what checking
one needs (``Checking``), kept apart so that ``leadmock serve`` never imports a vendor's checking
knowledge (its sign-ins against real services, its known drift)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mockserver.config import Config
from mockserver.errors import ApiError
from mockserver.store import Store


@dataclass(frozen=True)
class Mount:
    """One API of a vendor: its spec file (in ``specs/``) served under ``base_path``."""

    name: str
    spec: str
    base_path: str


@dataclass(frozen=True)
class ErrorBody:
    """An error as the vendor writes it on the wire."""

    status: int
    content: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckTarget:
    """What a conformance run sends so that generated requests reach real data."""

    headers: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    """Pinned values by ``location.name``, e.g. ``{"path.project_id": "5b55..."}``."""


@dataclass(frozen=True)
class Credentials:
    """What a user gives ``leadmock check`` to reach a real service; each vendor uses its part."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    api_key: str | None = None
    signin: bool = False
    """Exchange user and password for a token at the vendor's sign-in, instead of sending them."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """Pinned values by ``location.name``, from ``--set``."""


@dataclass(frozen=True)
class AcceptedCredentials:
    """Credentials ``leadmock serve`` accepts besides the seed's (``--accept-login``,
    ``--accept-api-key``), so that a client keeps its own when it talks to a recording."""

    logins: tuple[tuple[str, str], ...] = ()
    """(user name or email, password) pairs."""
    api_keys: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    """Bearer tokens (``--accept-token``): an API served from a document accepts only these."""


DRIFT_KINDS = {
    "documentation gap": "the documents are silent or wrong; the spec gains the observed behaviour "
    "(marked observed) and the mock serves it",
    "vendor bug": "the real service misbehaves (500s, hangs, writes where it should refuse); the "
    "mock does not copy it (README: known vendor deviations)",
    "mock difference": "the mock answers otherwise than the real service; to fix in the mock",
    "stand-in limitation": "an artefact of what runs the real service here, not of the service",
}


@dataclass(frozen=True)
class KnownDrift:
    """A known way a real service departs from its spec, as ``leadmock check`` reports it.

    It matches a failure by check name and operation (``fnmatch`` patterns; ``error`` is the
    check name of a request that got no answer) and a regular expression searched in the
    failure's text (its title, message and reproducing curl).
    """

    kind: str
    """One of ``DRIFT_KINDS``."""
    summary: str
    check: str = "*"
    operation: str = "*"
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in DRIFT_KINDS:
            raise ValueError(f"unknown drift kind {self.kind!r}; known: {', '.join(DRIFT_KINDS)}")


class Handlers(Protocol):
    """What a vendor's ``handlers(store, config)`` returns: one method per operationId of its
    documents (found by name, as Connexion's resolver finds them), and the security handlers
    Connexion calls for each scheme of the documents' ``securitySchemes``."""

    def security_map(self) -> dict[str, Any]:
        """Connexion's security handlers, by scheme type (``basic``, ``bearer``, ``apiKey``)."""
        ...


@dataclass(frozen=True)
class Checking:
    """What the checker and the proxy need from a vendor; ``leadmock serve`` never loads it.

    ``check_target(facts)`` tells the conformance checker how to reach seeded data (headers,
    pinned path parameters); ``remote_target(base_url, credentials)`` does the same for a real
    service (ValueError when the credentials do not suffice); ``excluded_checks`` names each
    Schemathesis check that the vendor's documented behaviour contradicts, with the reason, and
    ``valid_data_statuses`` each status a valid request may rightly get, with the reason.
    """

    check_target: Callable[[dict[str, Any]], CheckTarget]
    remote_target: Callable[[str, Credentials], CheckTarget]
    excluded_checks: dict[str, str] = field(default_factory=dict)
    valid_data_statuses: dict[str, str] = field(default_factory=dict)
    """Statuses the vendor documents for schema-valid requests beyond Schemathesis' defaults
    (2xx, 401, 403, 404, 409, 429...), each with the reason."""
    known_drift: tuple[KnownDrift, ...] = ()
    """How the vendor's real service departs from the specs, each departure classified."""


def checking_in(module: str) -> Callable[[], Checking]:
    """Loads ``module``'s ``CHECKING`` record the first time it is asked for."""

    @functools.cache
    def load() -> Checking:
        return importlib.import_module(module).CHECKING

    return load


@dataclass(frozen=True)
class Vendor:
    """What serving a vendor's APIs needs from it.

    ``handlers(store, config)`` returns the vendor's ``Handlers``. ``seed`` fills the store and
    returns JSON-able facts (ids, credentials); ``describe`` turns those facts into the lines
    the CLI prints; ``render_error`` gives a neutral ``ApiError`` the vendor's wire shape;
    ``checking()`` loads what checking it needs (``Checking``), only when something checks.
    """

    name: str
    mounts: tuple[Mount, ...]
    handlers: Callable[[Store, Config], Handlers]
    seed: Callable[[Store, Config], dict[str, Any]]
    describe: Callable[[dict[str, Any], str], list[str]]
    render_error: Callable[[ApiError], ErrorBody]
    checking: Callable[[], Checking]
    validator_map: dict[str, Any] = field(default_factory=dict)
    """Replaces the app's request validators (``app.SPEC_VALIDATORS``, Connexion's but for
    optional bodies), to answer validation failures in the vendor's words; empty keeps them."""
    record: Callable[[Any, Any], None] | None = None
    """Reads one answered exchange into a recording (``recording.RecordFunction``)."""
    adopt_recording: Callable[[Store, dict[str, Any], AcceptedCredentials], list[str]] | None = None
    """Once a recording is laid over the seed, makes it reachable with the seed's credentials
    and the accepted ones; the lines the banner prints of it."""
    operation_aliases: dict[str, str] = field(default_factory=dict)
    """operationIds that are another documented path of one operation, each with the name of
    that operation: the journal, faults and ``assert_called`` know it by that one name."""
    position: int = 100
    """Where the vendor comes in the registry's order (listings, banners): lower first."""

    def operation_name(self, operation_id: str) -> str:
        """The name users know an operation by, whichever of its documented paths was called."""
        return self.operation_aliases.get(operation_id, operation_id)


def mounted(mount: Mount, config: Config | None) -> Mount:
    """``mount`` at the base path ``config`` gives it, if it gives one."""
    base_path = (config.base_paths if config else {}).get(mount.name)
    return replace(mount, base_path=base_path.rstrip("/")) if base_path else mount
