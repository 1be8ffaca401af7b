"""The vendor records, and the registry of the built-in ones that the app, the CLI and the
checker loop over (``mockserver.registry`` adds the documents a configuration serves).

Adding a vendor is one spec per API in ``specs/``, one module here with a ``VENDOR`` record, and
one line in ``_load``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.datastructures import URL

from mockserver.config import Config
from mockserver.connexion_adapter import request_scope
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


@dataclass(frozen=True)
class Vendor:
    """Everything shared code needs from a vendor module.

    ``handlers(store, config)`` returns an object with one method per operationId of the
    vendor's specs and a ``security_map()`` for Connexion. ``seed`` fills the store and returns
    JSON-able facts (ids, credentials); ``describe`` turns those facts into the lines the CLI
    prints; ``render_error`` gives a neutral ``ApiError`` the vendor's wire shape.
    ``check_target(facts)`` tells the conformance checker how to reach seeded data (headers,
    pinned path parameters); ``remote_target(base_url, credentials)`` does the same for a real
    service (ValueError when the credentials do not suffice); ``excluded_checks`` names each
    Schemathesis check that the vendor's documented behaviour contradicts, with the reason, and
    ``valid_data_statuses`` each status a valid request may rightly get, with the reason.
    """

    name: str
    mounts: tuple[Mount, ...]
    handlers: Callable[[Store, Config], Any]
    seed: Callable[[Store, Config], dict[str, Any]]
    describe: Callable[[dict[str, Any], str], list[str]]
    render_error: Callable[[ApiError], ErrorBody]
    check_target: Callable[[dict[str, Any]], CheckTarget]
    remote_target: Callable[[str, Credentials], CheckTarget]
    excluded_checks: dict[str, str] = field(default_factory=dict)
    validator_map: dict[str, Any] = field(default_factory=dict)
    """Replaces the app's request validators (``app.SPEC_VALIDATORS``, Connexion's but for
    optional bodies), to answer validation failures in the vendor's words; empty keeps them."""
    valid_data_statuses: dict[str, str] = field(default_factory=dict)
    """Statuses the vendor documents for schema-valid requests beyond Schemathesis' defaults
    (2xx, 401, 403, 404, 409, 429...), each with the reason."""
    known_drift: tuple[KnownDrift, ...] = ()
    """How the vendor's real service departs from the specs, each departure classified."""
    record: Callable[[Any, Any], None] | None = None
    """Reads one answered exchange into a recording (``recording.RecordFunction``)."""
    adopt_recording: Callable[[Store, dict[str, Any], AcceptedCredentials], list[str]] | None = None
    """Once a recording is laid over the seed, makes it reachable with the seed's credentials
    and the accepted ones; the lines the banner prints of it."""
    operation_aliases: dict[str, str] = field(default_factory=dict)
    """operationIds that are another documented path of one operation, each with the name of
    that operation: the journal, faults and ``assert_called`` know it by that one name."""

    def operation_name(self, operation_id: str) -> str:
        """The name users know an operation by, whichever of its documented paths was called."""
        return self.operation_aliases.get(operation_id, operation_id)


def request_url(*, query: bool = True) -> str:
    """The URL of the request being answered, as ``connexion.request.url`` gives it (with its
    query, or without), worked out once for each distinct scheme, host, path and query: vendors
    build their page links from it."""
    scope = request_scope()
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    server = scope.get("server")
    return _url(
        scope.get("scheme", "http"),
        tuple(server) if server else None,
        scope["path"],
        scope.get("query_string", b"") if query else b"",
        host,
    )


@functools.lru_cache(maxsize=4096)
def _url(
    scheme: str, server: tuple | None, path: str, query_string: bytes, host: bytes | None
) -> str:
    headers = [(b"host", host)] if host is not None else []
    scope = {
        "scheme": scheme,
        "server": server,
        "path": path,
        "query_string": query_string,
        "headers": headers,
    }
    return str(URL(scope=scope))


def mounted(mount: Mount, config: Config | None) -> Mount:
    """``mount`` at the base path ``config`` gives it, if it gives one."""
    base_path = (config.base_paths if config else {}).get(mount.name)
    return replace(mount, base_path=base_path.rstrip("/")) if base_path else mount


def _load() -> list[Vendor]:
    from mockserver.vendors import leads_crm, overloop, tiledesk

    return [tiledesk.VENDOR, overloop.VENDOR, leads_crm.VENDOR]


@dataclass(frozen=True)
class Registry:
    """The vendors one configuration serves from, found by vendor or API name."""

    vendors: tuple[Vendor, ...]

    def every_api(self) -> list[str]:
        """Every API's name, in the registry's order."""
        return [mount.name for vendor in self.vendors for mount in vendor.mounts]

    def vendor_of(self, api: str, config: Config | None = None) -> tuple[Vendor, Mount]:
        """The vendor and mount serving the API named ``api`` (e.g. ``tiledesk-v3``, or
        ``overloop``: a vendor of one API); ``LookupError`` otherwise, saying why."""
        api = self.one_api_named(api)
        for vendor in self.vendors:
            for mount in vendor.mounts:
                if mount.name == api:
                    return vendor, mounted(mount, config)
        raise AssertionError(api)  # one_api_named only returns names of mounts

    def apis_named(self, name: str) -> tuple[str, ...]:
        """The APIs ``name`` means: every API of the vendor of that name, or the API of that
        name. ``LookupError`` for a name that is neither, with the names that are."""
        for vendor in self.vendors:
            if vendor.name == name:
                return tuple(mount.name for mount in vendor.mounts)
            for mount in vendor.mounts:
                if mount.name == name:
                    return (name,)
        known = ", ".join(self.known_names())
        raise LookupError(f"unknown API or vendor {name!r}; known: {known}")

    def known_names(self) -> list[str]:
        """Every vendor name, then every API name not already a vendor's."""
        vendors = [vendor.name for vendor in self.vendors]
        apis = [m.name for v in self.vendors for m in v.mounts if m.name not in vendors]
        return vendors + apis

    def one_api_named(self, name: str) -> str:
        """The single API ``name`` means; ``LookupError`` for a vendor of several, naming them."""
        apis = self.apis_named(name)
        if len(apis) > 1:
            raise LookupError(f"{name} serves {', '.join(apis)}: name one of them")
        return apis[0]


BUILT_IN = Registry(tuple(_load()))
"""The vendors leadmock ships."""
VENDORS: list[Vendor] = list(BUILT_IN.vendors)
vendor_of = BUILT_IN.vendor_of
apis_named = BUILT_IN.apis_named
known_names = BUILT_IN.known_names
one_api_named = BUILT_IN.one_api_named


__all__ = [
    "BUILT_IN",
    "DRIFT_KINDS",
    "VENDORS",
    "CheckTarget",
    "Credentials",
    "ErrorBody",
    "KnownDrift",
    "Mount",
    "Registry",
    "Vendor",
    "apis_named",
    "known_names",
    "mounted",
    "one_api_named",
    "request_url",
    "vendor_of",
]
