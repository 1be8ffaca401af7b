"""leadmock: a stateful mock and contract-testing server for vendor Leads REST APIs.

The names below load on first use (PEP 562): importing ``mockserver`` (as pytest does for the
plugin, in every run of a project that installed leadmock) costs nothing until one is asked for.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# Connexion 3.3 warns at import time about its own dependencies (Starlette's test client, and
# jsonschema's RefResolver); users of leadmock, and their test runs, can do nothing about them.
_FOREIGN_WARNINGS = (
    "Using `httpx` with `starlette.testclient`",
    "jsonschema.RefResolver is deprecated",
    "jsonschema.exceptions.RefResolutionError is deprecated",
)
for _message in _FOREIGN_WARNINGS:
    warnings.filterwarnings("ignore", message=_message)


def import_quietly(module: str) -> Any:
    """Import ``module`` without the stack's import-time warnings. The filters above may be
    gone by then: pytest sets its own around each test, and drops what a plugin set while it
    loaded, so a user's warnings summary would show them."""
    with warnings.catch_warnings():
        for message in _FOREIGN_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        return importlib.import_module(module)


if TYPE_CHECKING:
    from mockserver.app import Mock, create_app
    from mockserver.config import Config
    from mockserver.faults import Fault
    from mockserver.fixture import LeadMock

_EXPORTS = {
    "Config": "mockserver.config",
    "Fault": "mockserver.faults",
    "LeadMock": "mockserver.fixture",
    "Mock": "mockserver.app",
    "create_app": "mockserver.app",
}

__all__ = ["Config", "Fault", "LeadMock", "Mock", "create_app"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_quietly(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
