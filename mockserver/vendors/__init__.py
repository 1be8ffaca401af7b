"""The vendor registry: the one list that the app, the CLI and the checker loop over.

Adding a vendor is one spec per API in ``specs/``, one module here with a ``VENDOR`` record, and
one line in ``VENDORS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
class Vendor:
    """Everything shared code needs from a vendor module.

    ``handlers(store, config)`` returns an object with one method per operationId of the
    vendor's specs and a ``security_map()`` for Connexion. ``seed`` fills the store and returns
    JSON-able facts (ids, credentials); ``describe`` turns those facts into the lines the CLI
    prints; ``render_error`` gives a neutral ``ApiError`` the vendor's wire shape.
    """

    name: str
    mounts: tuple[Mount, ...]
    handlers: Callable[[Store, Config], Any]
    seed: Callable[[Store, Config], dict[str, Any]]
    describe: Callable[[dict[str, Any], str], list[str]]
    render_error: Callable[[ApiError], ErrorBody]


def _load() -> list[Vendor]:
    from mockserver.vendors import tiledesk

    return [tiledesk.VENDOR]


VENDORS: list[Vendor] = _load()

__all__ = ["VENDORS", "ErrorBody", "Mount", "Vendor"]
